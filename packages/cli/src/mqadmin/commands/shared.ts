/** Pieces several subcommands share. */
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '@rocketmq-ts/common';
import type { MessageExt } from '@rocketmq-ts/protocol';
import type { CommandContext, OptionSpec } from '../command.js';
import { hostAddr, javaStringMapToString, messageTrackToString } from '../javastr.js';
import { timeMillisToHumanString2 } from '../printf.js';

/** -h and -n, which every Java subcommand has (ServerUtil.buildCommandlineOptions). */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { short: 'h', long: 'help', arg: false, desc: 'Print help' },
  { short: 'n', long: 'namesrvAddr', arg: true, desc: "Name server address list, eg: '192.168.0.1:9876;192.168.0.2:9876'" },
];

/** Runs `fn` over `items` with at most `limit` at once; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Where the Java tools write message bodies: <tmp>/rocketmq/msgbodys/<msgId>[_index]. */
export async function writeBodyFile(msg: MessageExt, index = 0): Promise<string> {
  const dir = join(tmpdir(), 'rocketmq', 'msgbodys');
  await mkdir(dir, { recursive: true });
  const file = join(dir, index > 0 ? `${msg.msgId}_${index}` : msg.msgId);
  await writeFile(file, msg.body ?? Buffer.alloc(0));
  return file;
}

/**
 * The message detail queryMsgById, queryMsgByOffset and queryMsgByUniqueKey
 * print (QueryMsgByIdSubCommand.printMsg), then which groups consumed it.
 */
export async function printMessageDetail(ctx: CommandContext, msg: MessageExt, options: { offsetId: boolean; index?: number }): Promise<void> {
  const bodyPath = await writeBodyFile(msg, options.index ?? 0);
  const str = '%-20s %s%n';
  const int = '%-20s %d%n';
  if (options.offsetId) ctx.printf(str, 'OffsetID:', msg.offsetMsgId);
  ctx.printf(str, 'Topic:', msg.topic);
  ctx.printf(str, 'Tags:', `[${msg.tags ?? 'null'}]`);
  ctx.printf(str, 'Keys:', `[${msg.keys ?? 'null'}]`);
  ctx.printf(int, 'Queue ID:', msg.queueId);
  ctx.printf(int, 'Queue Offset:', msg.queueOffset);
  ctx.printf(int, 'CommitLog Offset:', msg.commitLogOffset);
  ctx.printf(int, 'Reconsume Times:', msg.reconsumeTimes);
  ctx.printf(str, 'Born Timestamp:', timeMillisToHumanString2(msg.bornTimestamp));
  ctx.printf(str, 'Store Timestamp:', timeMillisToHumanString2(msg.storeTimestamp));
  ctx.printf(str, 'Born Host:', hostAddr(msg.bornHost));
  ctx.printf(str, 'Store Host:', hostAddr(msg.storeHost));
  ctx.printf(int, 'System Flag:', msg.sysFlag);
  ctx.printf(str, 'Properties:', javaStringMapToString(Object.entries(msg.properties)));
  ctx.printf(str, 'Message Body Path:', bodyPath);
  try {
    const tracks = await ctx.admin().messageTrackDetail(msg);
    if (tracks.length === 0) {
      ctx.printf('%n%nWARN: No Consumer');
    } else {
      ctx.printf('%n%n');
      for (const t of tracks) ctx.printf('%s', messageTrackToString(t));
    }
  } catch (err) {
    ctx.warn(`message track detail failed: ${errorMessage(err)}`);
  }
}
