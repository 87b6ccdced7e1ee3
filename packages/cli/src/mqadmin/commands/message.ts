/**
 * Message subcommands: queryMsgById, queryMsgByKey, queryMsgByOffset,
 * queryMsgByUniqueKey, sendMessage, consumeMessage, printMsg.
 */
import { LONG_MAX_VALUE, RESERVED_PROPERTY_KEYS } from '@rocketmq-ts/protocol';
import type { MessageExt, MessageQueue } from '@rocketmq-ts/protocol';
import { errorMessage } from '@rocketmq-ts/common';
import type { PullResult } from '@rocketmq-ts/admin';
import { usageError } from '../command.js';
import type { CommandContext, SubCommand } from '../command.js';
import { consumeMessageDirectlyResultToString, messageExtToString, messageQueueToString, sendResultToString } from '../javastr.js';
import { parseTimestampOption } from '../printf.js';
import { printMessageDetail } from './shared.js';

function timestampOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const t = parseTimestampOption(value);
  if (t === undefined) throw usageError(`option -${flag}: ${JSON.stringify(value)} is not epoch milliseconds or yyyy-MM-dd#HH:mm:ss:SSS`);
  return t;
}

export const queryMsgByIdCommand: SubCommand = {
  name: 'queryMsgById',
  desc: 'Query Message by Id',
  options: [
    { short: 'i', long: 'msgId', arg: true, required: true, desc: 'Message Id' },
    { short: 'g', long: 'consumerGroup', arg: true, desc: 'consumer group name' },
    { short: 'd', long: 'clientId', arg: true, desc: "The consumer's client id" },
    { short: 's', long: 'sendMessage', arg: true, desc: 'resend message' },
    { short: 'u', long: 'unitName', arg: true, desc: 'unit name' },
  ],
  async run(ctx, opts) {
    const admin = ctx.admin();
    const ids = opts.required('i').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const group = opts.value('g');
    const clientId = opts.value('d');
    if (group !== undefined && clientId !== undefined) {
      let failed: unknown;
      for (const id of ids) {
        try {
          ctx.printf('%s', consumeMessageDirectlyResultToString(await admin.consumeMessageDirectly(group, clientId, id)));
        } catch (err) {
          ctx.warn(errorMessage(err));
          failed = err;
        }
      }
      if (failed !== undefined) throw failed;
      return;
    }
    if (opts.has('s')) {
      if (!opts.bool('s', false)) return;
      for (const id of ids) {
        const msg = await admin.viewMessage(id);
        ctx.printf('prepare resend msg. originalMsgId=%s', id);
        const properties: Record<string, string> = {};
        for (const [k, v] of Object.entries(msg.properties)) if (!RESERVED_PROPERTY_KEYS.has(k)) properties[k] = v;
        const result = await admin.sendMessage({
          topic: msg.topic,
          body: msg.body ?? Buffer.alloc(0),
          ...(msg.tags === undefined ? {} : { tags: msg.tags }),
          ...(msg.keys === undefined ? {} : { keys: msg.keys.split(' ') }),
          properties,
        });
        ctx.printf('%s', sendResultToString(result));
      }
      return;
    }
    for (const id of ids) await printMessageDetail(ctx, await admin.viewMessage(id), { offsetId: true });
  },
};

export const queryMsgByKeyCommand: SubCommand = {
  name: 'queryMsgByKey',
  desc: 'Query Message by Key',
  options: [
    { short: 't', long: 'topic', arg: true, required: true, desc: 'topic name' },
    { short: 'k', long: 'msgKey', arg: true, required: true, desc: 'Message Key' },
  ],
  async run(ctx, opts) {
    const r = await ctx.admin().queryMessage(opts.required('t'), opts.required('k'), 64, 0, LONG_MAX_VALUE);
    ctx.printf('%-50s %4s %40s%n', '#Message ID', '#QID', '#Offset');
    for (const m of r.messageList) ctx.printf('%-50s %4d %40d%n', m.msgId, m.queueId, m.queueOffset);
  },
};

export const queryMsgByOffsetCommand: SubCommand = {
  name: 'queryMsgByOffset',
  desc: 'Query Message by offset',
  options: [
    { short: 't', long: 'topic', arg: true, required: true, desc: 'topic name' },
    { short: 'b', long: 'brokerName', arg: true, required: true, desc: 'Broker Name' },
    { short: 'i', long: 'queueId', arg: true, required: true, desc: 'Queue Id' },
    { short: 'o', long: 'offset', arg: true, required: true, desc: 'Queue Offset' },
  ],
  async run(ctx, opts) {
    const mq: MessageQueue = { topic: opts.required('t'), brokerName: opts.required('b'), queueId: opts.int('i', 0) };
    const offset = opts.int('o', 0);
    const r = await ctx.admin().pullMessage(mq, offset, 1);
    const msg = r.msgFoundList[0];
    if (r.pullStatus !== 'FOUND' || msg === undefined) {
      throw new Error(`no message at offset ${offset} of ${messageQueueToString(mq)}: ${r.pullStatus} (queue offsets ${r.minOffset}..${r.maxOffset})`);
    }
    await printMessageDetail(ctx, msg, { offsetId: true });
  },
};

export const queryMsgByUniqueKeyCommand: SubCommand = {
  name: 'queryMsgByUniqueKey',
  desc: 'Query Message by Unique key',
  options: [
    { short: 'i', long: 'msgId', arg: true, required: true, desc: 'Message Id' },
    { short: 'g', long: 'consumerGroup', arg: true, desc: 'consumer group name' },
    { short: 'd', long: 'clientId', arg: true, desc: "The consumer's client id" },
    { short: 't', long: 'topic', arg: true, required: true, desc: 'The topic of msg' },
    { short: 'a', long: 'showAll', arg: false, desc: 'Print all message, the limit is 32' },
  ],
  async run(ctx, opts) {
    const admin = ctx.admin();
    const msgId = opts.required('i');
    const topic = opts.required('t');
    const group = opts.value('g');
    const clientId = opts.value('d');
    if (group !== undefined && clientId !== undefined) {
      ctx.printf('%s', consumeMessageDirectlyResultToString(await admin.consumeMessageDirectly(group, clientId, msgId, topic)));
      return;
    }
    const r = await admin.queryMessageByUniqKey(topic, msgId, 32, 0, LONG_MAX_VALUE);
    const list = [...r.messageList].sort((a, b) => a.storeTimestamp - b.storeTimestamp);
    const n = opts.has('a') ? list.length : Math.min(1, list.length);
    for (let i = 0; i < n; i++) await printMessageDetail(ctx, list[i]!, { offsetId: false, index: i });
  },
};

export const sendMessageCommand: SubCommand = {
  name: 'sendMessage',
  desc: 'Send a message',
  options: [
    { short: 't', long: 'topic', arg: true, required: true, desc: 'Topic name' },
    { short: 'p', long: 'body', arg: true, required: true, desc: 'UTF-8 string format of the message body' },
    { short: 'k', long: 'key', arg: true, desc: 'Message keys' },
    { short: 'c', long: 'tags', arg: true, desc: 'Message tags' },
    { short: 'b', long: 'broker', arg: true, desc: 'Send message to target broker' },
    { short: 'i', long: 'qid', arg: true, desc: 'Send message to target queue' },
    { short: 'm', long: 'msgTraceEnable', arg: true, desc: 'Message Trace Enable, Default: false' },
  ],
  async run(ctx, opts) {
    const topic = opts.required('t');
    const body = opts.required('p');
    const brokerName = opts.value('b');
    if (opts.has('i') && brokerName === undefined) throw usageError('Broker name must be set if the queue is chosen!');
    const queueId = opts.int('i', -1);
    if (opts.bool('m', false)) ctx.warn('message trace (-m true) is not supported; sending without a trace');
    const keys = opts.value('k');
    const tags = opts.value('c');
    const result = await ctx.admin().sendMessage(
      { topic, body: Buffer.from(body, 'utf8'), ...(keys === undefined ? {} : { keys }), ...(tags === undefined ? {} : { tags }) },
      { ...(brokerName === undefined ? {} : { brokerName }), queueId },
    );
    ctx.printf('%-32s  %-4s  %-20s    %s%n', '#Broker Name', '#QID', '#Send Result', '#MsgId');
    ctx.printf('%-32s  %-4s  %-20s    %s%n', result.messageQueue.brokerName, result.messageQueue.queueId, result.sendStatus, result.msgId);
  },
};

function decodeBody(body: Buffer | undefined, charset: string): string {
  if (body === undefined) return '';
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    throw usageError(`unsupported charset ${charset}`);
  }
}

function printMessages(ctx: CommandContext, mq: MessageQueue, msgs: readonly MessageExt[], charset: string, printBody: boolean): void {
  for (const m of msgs) {
    ctx.printf('MSGID: %s %s BODY: %s%n', m.msgId, messageExtToString(m, mq.brokerName), printBody ? decodeBody(m.body, charset) : 'NOT PRINT BODY');
  }
}

/** Readable queues of a topic, by broker name and queue id (Java iterates a HashSet here; the order is not meaningful). */
async function queuesOf(ctx: CommandContext, topic: string): Promise<MessageQueue[]> {
  const qs = await ctx.admin().fetchSubscribeMessageQueues(topic);
  return qs.sort((a, b) => (a.brokerName !== b.brokerName ? (a.brokerName < b.brokerName ? -1 : 1) : a.queueId - b.queueId));
}

export const consumeMessageCommand: SubCommand = {
  name: 'consumeMessage',
  desc: 'Consume message',
  options: [
    { short: 't', long: 'topic', arg: true, required: true, desc: 'Topic name' },
    { short: 'b', long: 'brokerName', arg: true, desc: 'Broker name' },
    { short: 'i', long: 'queueId', arg: true, desc: 'Queue Id' },
    { short: 'o', long: 'offset', arg: true, desc: 'Queue offset' },
    { short: 'g', long: 'consumerGroup', arg: true, desc: 'Consumer group name' },
    { short: 's', long: 'beginTimestamp ', arg: true, desc: 'Begin timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]' },
    { short: 'e', long: 'endTimestamp ', arg: true, desc: 'End timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]' },
    { short: 'c', long: 'MessageNumber', arg: true, desc: 'Number of message to be consumed' },
  ],
  async run(ctx, opts) {
    const admin = ctx.admin();
    const topic = opts.required('t');
    const group = opts.value('g');
    const messageCount = opts.int('c', 128);
    if (messageCount <= 0) throw usageError('Please input a positive messageNumber!');
    const brokerName = opts.value('b');
    if (opts.has('i') && brokerName === undefined) throw usageError('Please set the brokerName before queueId!');
    if (opts.has('o') && !opts.has('i')) throw usageError('Please set queueId before offset!');
    const now = Date.now();
    const begin = timestampOption(opts.value('s'), 's') ?? 0;
    if (begin > now) throw usageError('Please set the beginTimestamp before now!');
    const end = timestampOption(opts.value('e'), 'e') ?? 0;
    if (end > now) throw usageError('Please set the endTimestamp before now!');
    if (opts.has('e') && begin > end) throw usageError('Please make sure that the beginTimestamp is less than or equal to the endTimestamp');
    const pullOptions = group === undefined ? {} : { consumerGroup: group };

    // Java's pullMessageByQueue: maxOffset is the queue's next offset, so the loop ends on NO_NEW_MSG there.
    const pullQueue = async (mq: MessageQueue, minOffset: number, maxOffset: number): Promise<void> => {
      for (let offset = minOffset; offset <= maxOffset; ) {
        let r: PullResult;
        try {
          r = await admin.pullMessage(mq, offset, Math.max(1, maxOffset - offset + 1), pullOptions);
        } catch (err) {
          ctx.warn(errorMessage(err));
          return;
        }
        offset = r.nextBeginOffset;
        if (r.pullStatus === 'FOUND') {
          ctx.out('Consume ok\n');
          printMessages(ctx, mq, r.msgFoundList, 'utf-8', true);
        } else if (r.pullStatus === 'NO_MATCHED_MSG') {
          ctx.printf('%s no matched msg. status=%s, offset=%s\n', messageQueueToString(mq), r.pullStatus, offset);
        } else {
          ctx.printf('%s print msg finished. status=%s, offset=%s\n', messageQueueToString(mq), r.pullStatus, offset);
          return;
        }
      }
    };
    const range = async (mq: MessageQueue): Promise<[number, number]> => {
      let min = await admin.minOffset(mq);
      let max = await admin.maxOffset(mq);
      if (begin > 0) min = await admin.searchOffset(mq, begin);
      if (end > 0) max = await admin.searchOffset(mq, end);
      return [min, max];
    };

    if (opts.has('i')) {
      const mq: MessageQueue = { topic, brokerName: brokerName!, queueId: opts.int('i', 0) };
      const offset = opts.int('o', 0);
      let [min, max] = await range(mq);
      if (offset > max) {
        ctx.printf('%s no matched msg, offset=%s\n', messageQueueToString(mq), offset);
        return;
      }
      min = Math.max(min, offset);
      if (max - min > messageCount) {
        ctx.printf('The oldler %d message will be provided\n', messageCount);
        max = min + messageCount - 1;
      }
      await pullQueue(mq, min, max);
      return;
    }
    let countLeft = messageCount;
    for (const mq of await queuesOf(ctx, topic)) {
      if (countLeft === 0) return;
      const [min, queueMax] = await range(mq);
      let max = queueMax;
      if (max - min > countLeft) {
        ctx.printf('The older %d message of the %d queue will be provided\n', countLeft, mq.queueId);
        max = min + countLeft - 1;
        countLeft = 0;
      } else {
        countLeft = countLeft - (max - min) - 1;
      }
      await pullQueue(mq, min, max);
    }
  },
};

export const printMsgCommand: SubCommand = {
  name: 'printMsg',
  desc: 'Print Message Detail',
  options: [
    { short: 't', long: 'topic', arg: true, required: true, desc: 'topic name' },
    { short: 'c', long: 'charsetName ', arg: true, desc: 'CharsetName(eg: UTF-8,GBK)' },
    { short: 's', long: 'subExpression ', arg: true, desc: 'Subscribe Expression(eg: TagA || TagB)' },
    { short: 'b', long: 'beginTimestamp ', arg: true, desc: 'Begin timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]' },
    { short: 'e', long: 'endTimestamp ', arg: true, desc: 'End timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]' },
    { short: 'd', long: 'printBody ', arg: true, desc: 'print body' },
  ],
  async run(ctx, opts) {
    const admin = ctx.admin();
    const topic = opts.required('t');
    const charset = opts.value('c') ?? 'UTF-8';
    decodeBody(Buffer.alloc(0), charset);
    const subExpression = opts.value('s') ?? '*';
    const printBody = opts.bool('d', true);
    const begin = timestampOption(opts.value('b'), 'b');
    const end = timestampOption(opts.value('e'), 'e');
    for (const mq of await queuesOf(ctx, topic)) {
      let minOffset = await admin.minOffset(mq);
      let maxOffset = await admin.maxOffset(mq);
      if (begin !== undefined) minOffset = await admin.searchOffset(mq, begin);
      if (end !== undefined) maxOffset = await admin.searchOffset(mq, end);
      ctx.printf('minOffset=%s, maxOffset=%s, %s%n', minOffset, maxOffset, messageQueueToString(mq));
      for (let offset = minOffset; offset < maxOffset; ) {
        let r: PullResult;
        try {
          r = await admin.pullMessage(mq, offset, 32, { subExpression });
        } catch (err) {
          ctx.warn(errorMessage(err));
          break;
        }
        offset = r.nextBeginOffset;
        if (r.pullStatus === 'FOUND') {
          printMessages(ctx, mq, r.msgFoundList, charset, printBody);
        } else if (r.pullStatus === 'NO_MATCHED_MSG') {
          ctx.printf('%s no matched msg. status=%s, offset=%s%n', messageQueueToString(mq), r.pullStatus, offset);
        } else {
          ctx.printf('%s print msg finished. status=%s, offset=%s%n', messageQueueToString(mq), r.pullStatus, offset);
          break;
        }
      }
      ctx.out('--------------------------------------------------------\n');
    }
  },
};
