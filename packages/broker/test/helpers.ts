import { afterEach } from 'vitest';
import {
  type RemotingCommand,
  RequestCode,
  buildPullSysFlag,
  createRequest,
  decodeMessages,
  encodeProperties,
  encodePullMessageRequestHeader,
  encodeSendMessageRequestHeaderV2,
  sendHeaderToV2,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { type StartBrokerOptions, type StartedBroker, type StartedNameServer, startBroker, startNameServer, tempDir } from '@rocketmq-ts/testkit';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Runs `fn` after the current test, last registered first. */
export function onCleanup(fn: () => Promise<unknown> | void): void {
  cleanups.push(fn);
}

export async function broker(options: StartBrokerOptions = {}): Promise<StartedBroker> {
  const b = await startBroker(options);
  onCleanup(() => b.close());
  return b;
}

export async function nameServer(): Promise<StartedNameServer> {
  const ns = await startNameServer();
  onCleanup(() => ns.close());
  return ns;
}

export async function dir(): Promise<string> {
  const t = await tempDir('rmq-broker-test-');
  onCleanup(() => t.remove());
  return t.dir;
}

export function client(): RemotingClient {
  const c = new RemotingClient();
  onCleanup(() => c.close());
  return c;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export interface SendSpec {
  topic: string;
  body?: string | Buffer;
  queueId?: number;
  properties?: Record<string, string>;
  producerGroup?: string;
  sysFlag?: number;
  reconsumeTimes?: number;
  maxReconsumeTimes?: number;
  batch?: boolean;
  code?: number;
  defaultTopicQueueNums?: number;
}

/** A SEND_MESSAGE_V2 request as the Java client builds it. */
export function sendRequest(s: SendSpec): RemotingCommand {
  const header = {
    producerGroup: s.producerGroup ?? 'PG_TEST',
    topic: s.topic,
    defaultTopic: 'TBW102',
    defaultTopicQueueNums: s.defaultTopicQueueNums ?? 4,
    queueId: s.queueId ?? 0,
    sysFlag: s.sysFlag ?? 0,
    bornTimestamp: Date.now(),
    flag: 0,
    properties: encodeProperties({ WAIT: 'true', ...s.properties }),
    unitMode: false,
    batch: s.batch ?? false,
    ...(s.reconsumeTimes === undefined ? {} : { reconsumeTimes: s.reconsumeTimes }),
    ...(s.maxReconsumeTimes === undefined ? {} : { maxReconsumeTimes: s.maxReconsumeTimes }),
  };
  const code = s.code ?? (s.batch === true ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2);
  const body = typeof s.body === 'string' ? Buffer.from(s.body) : (s.body ?? Buffer.from('hello'));
  return createRequest(code, encodeSendMessageRequestHeaderV2(sendHeaderToV2(header)), body);
}

export interface PullSpec {
  group: string;
  topic: string;
  queueId?: number;
  offset?: number;
  maxMsgNums?: number;
  subscription?: string;
  expressionType?: string;
  suspendMs?: number;
  commitOffset?: number;
  subVersion?: number;
  withSubscription?: boolean;
  code?: number;
}

export function pullRequest(p: PullSpec): RemotingCommand {
  const suspend = p.suspendMs !== undefined && p.suspendMs > 0;
  const commit = p.commitOffset !== undefined;
  return createRequest(
    p.code ?? RequestCode.PULL_MESSAGE,
    encodePullMessageRequestHeader({
      consumerGroup: p.group,
      topic: p.topic,
      queueId: p.queueId ?? 0,
      queueOffset: p.offset ?? 0,
      maxMsgNums: p.maxMsgNums ?? 32,
      sysFlag: buildPullSysFlag(commit, suspend, p.withSubscription ?? true, false),
      commitOffset: p.commitOffset ?? 0,
      suspendTimeoutMillis: p.suspendMs ?? 0,
      subscription: p.subscription ?? '*',
      subVersion: p.subVersion ?? 0,
      ...(p.expressionType === undefined ? {} : { expressionType: p.expressionType }),
    }),
  );
}

/** The bodies of a pull response, as strings. */
export function bodies(response: RemotingCommand): string[] {
  if (response.body === undefined) return [];
  return decodeMessages(response.body).map((m) => m.body?.toString() ?? '');
}
