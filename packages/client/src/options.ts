/**
 * Options of the producer and the consumers. Names follow the Java client
 * (DefaultMQProducer, DefaultMQPushConsumer, DefaultLitePullConsumer,
 * ClientConfig) so RocketMQ users recognise them; defaults are Java's unless
 * a field says why not.
 */
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '@rocketmq-ts/common';
import type { Logger } from '@rocketmq-ts/common';
import { SystemTopic, validateGroup } from '@rocketmq-ts/protocol';
import type { AllocateStrategy } from './allocate.js';
import { configError } from './errors.js';

/** How request headers are written on the hot path (send, pull). */
export type HeaderEncoding = 'JSON' | 'ROCKETMQ';

/** Options every client (producer or consumer) has. */
export interface ClientOptions {
  /**
   * NameServer addresses, `host:port` separated by `;` (or an array). One is
   * used at a time; on a connection failure the next one is tried.
   */
  readonly nameServer: string | readonly string[];
  /**
   * Part of the client id `clientIP@instanceName`. Producers and consumers
   * with the same client id (and NameServer list) in one process share one
   * connection pool, route table and heartbeat. "DEFAULT" is replaced at
   * start() by `pid#nanotime` for producers and clustering consumers, as Java
   * 4.9.4+ does (ClientConfig.changeInstanceNameToPID), so each of them gets
   * its own client id and two consumers of one group can live in one process.
   * Broadcasting consumers keep "DEFAULT": their client id names their local
   * offset file, which must be found again after a restart.
   * @defaultValue 'DEFAULT'
   */
  readonly instanceName: string;
  /**
   * The client's address as the broker and tools show it (first part of the
   * client id, and the ip in message ids). It is only a label: nothing
   * connects to it.
   * @defaultValue the first non-internal IPv4 address, else 127.0.0.1
   */
  readonly clientIP: string;
  /**
   * How often topic routes are refreshed from the NameServer.
   * @defaultValue 30000
   */
  readonly pollNameServerInterval: number;
  /**
   * How often every broker gets a heartbeat with this client's producer and
   * consumer groups.
   * @defaultValue 30000
   */
  readonly heartbeatBrokerInterval: number;
  /**
   * How often consumer offsets are written to the broker (clustering) or the
   * local file (broadcasting).
   * @defaultValue 5000
   */
  readonly persistConsumerOffsetInterval: number;
  /**
   * Timeout of administrative requests: routes, heartbeats, offsets, locks.
   * @defaultValue 3000
   */
  readonly mqClientApiTimeout: number;
  /**
   * Header encoding of SEND_MESSAGE_V2, SEND_BATCH_MESSAGE and PULL_MESSAGE.
   * A 4.9 broker decodes either (RemotingCommand.decode reads the type byte of
   * every frame) and answers in the request's encoding; the binary form is
   * smaller and faster to build. Everything else is sent as JSON, as Java does.
   * @defaultValue 'ROCKETMQ'
   */
  readonly headerEncoding: HeaderEncoding;
  /** @defaultValue silentLogger */
  readonly logger: Logger;
}

export interface ProducerOptions extends ClientOptions {
  /** Producer group. Required; 'DEFAULT_PRODUCER' is reserved. */
  readonly group: string;
  /** @defaultValue 3000 */
  readonly sendMsgTimeout: number;
  /** Bodies of at least this many bytes are zlib-compressed. @defaultValue 4096 */
  readonly compressMsgBodyOverHowmuch: number;
  /** zlib level. @defaultValue 5 */
  readonly compressLevel: number;
  /** Extra attempts, each on another broker when there is one, for send(). @defaultValue 2 */
  readonly retryTimesWhenSendFailed: number;
  /** Extra attempts for sendAsync() after a network failure. @defaultValue 2 */
  readonly retryTimesWhenSendAsyncFailed: number;
  /** Retry send() when the broker stored the message but answered FLUSH_DISK_TIMEOUT and the like. @defaultValue false */
  readonly retryAnotherBrokerWhenNotStoreOK: boolean;
  /** Largest body accepted. @defaultValue 4194304 (4 MiB) */
  readonly maxMessageSize: number;
  /** Isolate slow or unreachable brokers for a while (MQFaultStrategy). @defaultValue false */
  readonly sendLatencyFaultEnable: boolean;
  /** Latency thresholds (ms), ascending. @defaultValue [50, 100, 550, 1000, 2000, 3000, 15000] */
  readonly latencyMax: readonly number[];
  /** Isolation (ms) for a latency at or above the same-index threshold. @defaultValue [0, 0, 30000, 60000, 120000, 180000, 600000] */
  readonly notAvailableDuration: readonly number[];
  /** The topic whose route stands in for a topic that does not exist yet. @defaultValue 'TBW102' */
  readonly createTopicKey: string;
  /** Queues of an auto-created topic. @defaultValue 4 */
  readonly defaultTopicQueueNums: number;
}

export const MessageModel = { CLUSTERING: 'CLUSTERING', BROADCASTING: 'BROADCASTING' } as const;
export type MessageModel = (typeof MessageModel)[keyof typeof MessageModel];

export const ConsumeFromWhere = {
  CONSUME_FROM_LAST_OFFSET: 'CONSUME_FROM_LAST_OFFSET',
  CONSUME_FROM_FIRST_OFFSET: 'CONSUME_FROM_FIRST_OFFSET',
  CONSUME_FROM_TIMESTAMP: 'CONSUME_FROM_TIMESTAMP',
} as const;
export type ConsumeFromWhere = (typeof ConsumeFromWhere)[keyof typeof ConsumeFromWhere];

/** Options both consumers share. */
export interface ConsumerOptions extends ClientOptions {
  /** Consumer group. Required; 'DEFAULT_CONSUMER' is reserved. */
  readonly group: string;
  /** @defaultValue 'CLUSTERING' */
  readonly messageModel: MessageModel;
  /**
   * Where a queue this group has no offset for starts. An existing offset
   * always wins. LAST: the queue's max offset (retry topics: 0); FIRST: 0;
   * TIMESTAMP: the offset stored nearest consumeTimestamp (retry topics: max
   * offset). A broker (Java's and ours) answers 0 instead of "no offset" for
   * a queue whose first message is still in memory, so a new group starts
   * such a young queue at 0 whatever this says.
   * @defaultValue 'CONSUME_FROM_LAST_OFFSET'
   */
  readonly consumeFromWhere: ConsumeFromWhere;
  /**
   * For CONSUME_FROM_TIMESTAMP: epoch milliseconds, a Date, or Java's
   * `yyyyMMddHHmmss` in local time.
   * @defaultValue half an hour before the consumer was created
   */
  readonly consumeTimestamp: number;
  /** 'AVG', 'AVG_BY_CIRCLE', 'CONSISTENT_HASH', or a strategy object. @defaultValue 'AVG' */
  readonly allocateMessageQueueStrategy: AllocateStrategy;
  /** Messages asked for per pull. @defaultValue 32 (push), 10 (lite pull) */
  readonly pullBatchSize: number;
  /** Cached messages per queue above which pulling pauses. @defaultValue 1000 */
  readonly pullThresholdForQueue: number;
  /** Cached MiB per queue above which pulling pauses. @defaultValue 100 */
  readonly pullThresholdSizeForQueue: number;
  /** How long the broker may hold a pull open waiting for messages. @defaultValue 15000 (push), 20000 (lite pull) */
  readonly brokerSuspendMaxTimeMillis: number;
  /** Client-side timeout of a held pull; must exceed brokerSuspendMaxTimeMillis. @defaultValue 30000 */
  readonly consumerTimeoutMillisWhenSuspend: number;
  /** Pause before pulling a queue again after an error. @defaultValue 3000 */
  readonly pullTimeDelayMillsWhenException: number;
  /**
   * Directory of the broadcasting offset files,
   * `<dir>/<clientId>/<group>/offsets.json` (Java's rocketmq.client.localOffsetStoreDir).
   * @defaultValue ~/.rocketmq_offsets
   */
  readonly offsetStoreDir: string;
  /** How often queues are reallocated among the group. @defaultValue 20000 */
  readonly rebalanceInterval: number;
}

export interface PushConsumerOptions extends ConsumerOptions {
  /**
   * Listener calls running at once across all queues (Java's consume thread
   * pool, whose effective size is consumeThreadMin = consumeThreadMax = 20).
   * @defaultValue 20
   */
  readonly consumeThreadMax: number;
  /**
   * Consume each queue in order, one message at a time, holding a broker
   * lock on the queue in clustering mode (MessageListenerOrderly).
   * @defaultValue false
   */
  readonly consumeOrderly: boolean;
  /** Concurrent mode: pause pulling a queue while its cached offsets span more than this. @defaultValue 2000 */
  readonly consumeConcurrentlyMaxSpan: number;
  /** Cached messages per topic, spread over its queues; -1 off. @defaultValue -1 */
  readonly pullThresholdForTopic: number;
  /** Cached MiB per topic, spread over its queues; -1 off. @defaultValue -1 */
  readonly pullThresholdSizeForTopic: number;
  /** Pause between pulls of one queue. @defaultValue 0 */
  readonly pullInterval: number;
  /** Send the subscription expression with every pull. @defaultValue false */
  readonly postSubscriptionWhenPull: boolean;
  /** Retries before the dead-letter queue; -1 means 16 (orderly: unlimited). @defaultValue -1 */
  readonly maxReconsumeTimes: number;
  /** Orderly: pause of a queue after SUSPEND_CURRENT_QUEUE_A_MOMENT. @defaultValue 1000 */
  readonly suspendCurrentQueueTimeMillis: number;
  /** Minutes a message may be consuming before it is sent back for retry. @defaultValue 15 */
  readonly consumeTimeout: number;
  /**
   * On shutdown, how long to wait for running listeners so their offsets are
   * committed. Java waits 0 and interrupts its threads; a promise cannot be
   * interrupted, so we wait a while instead of redelivering.
   * @defaultValue 5000
   */
  readonly awaitTerminationMillisWhenShutdown: number;
}

export interface LitePullConsumerOptions extends ConsumerOptions {
  /** Commit polled offsets every autoCommitIntervalMillis. @defaultValue true */
  readonly autoCommit: boolean;
  /** @defaultValue 5000 */
  readonly autoCommitIntervalMillis: number;
  /** Cached messages across queues above which pulling pauses. @defaultValue 10000 */
  readonly pullThresholdForAll: number;
  /** Pause pulling a queue while its cached offsets span more than this. @defaultValue 2000 */
  readonly consumeMaxSpan: number;
  /** poll() with no argument waits this long. @defaultValue 5000 */
  readonly pollTimeoutMillis: number;
  /** Pulls in flight at once (Java's pullThreadNums). @defaultValue 20 */
  readonly pullThreadNums: number;
}

export type ProducerInit = Partial<Omit<ProducerOptions, 'nameServer' | 'group'>> & Pick<ProducerOptions, 'nameServer' | 'group'>;
type ConsumeTimestampInput = { readonly consumeTimestamp?: number | Date | string };
export type PushConsumerInit = Partial<Omit<PushConsumerOptions, 'nameServer' | 'group' | 'consumeTimestamp'>> &
  Pick<PushConsumerOptions, 'nameServer' | 'group'> &
  ConsumeTimestampInput;
export type LitePullConsumerInit = Partial<Omit<LitePullConsumerOptions, 'nameServer' | 'group' | 'consumeTimestamp'>> &
  Pick<LitePullConsumerOptions, 'nameServer' | 'group'> &
  ConsumeTimestampInput;

/** The first non-internal IPv4 address of this host (only a label; see clientIP). */
export function localClientIP(): string {
  const all = os.networkInterfaces();
  for (const list of Object.values(all)) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}

/** The instanceName that start() replaces by a name of its own (Java's "DEFAULT"). */
export const DEFAULT_INSTANCE_NAME = 'DEFAULT';

/**
 * The instanceName a client starts with: "DEFAULT" becomes `pid#nanotime`
 * (Java's changeInstanceNameToPID since 4.9.4), anything else stays.
 */
export function instanceNameAtStart(instanceName: string): string {
  return instanceName === DEFAULT_INSTANCE_NAME ? `${process.pid}#${process.hrtime.bigint()}` : instanceName;
}

export function defaultClientOptions(): Omit<ClientOptions, 'nameServer'> {
  return {
    instanceName: DEFAULT_INSTANCE_NAME,
    clientIP: localClientIP(),
    pollNameServerInterval: 30_000,
    heartbeatBrokerInterval: 30_000,
    persistConsumerOffsetInterval: 5_000,
    mqClientApiTimeout: 3_000,
    headerEncoding: 'ROCKETMQ',
    logger: silentLogger,
  };
}

export function defaultProducerOptions(): Omit<ProducerOptions, 'nameServer' | 'group'> {
  return {
    ...defaultClientOptions(),
    sendMsgTimeout: 3_000,
    compressMsgBodyOverHowmuch: 4 * 1024,
    compressLevel: 5,
    retryTimesWhenSendFailed: 2,
    retryTimesWhenSendAsyncFailed: 2,
    retryAnotherBrokerWhenNotStoreOK: false,
    maxMessageSize: 4 * 1024 * 1024,
    sendLatencyFaultEnable: false,
    latencyMax: [50, 100, 550, 1000, 2000, 3000, 15000],
    notAvailableDuration: [0, 0, 30000, 60000, 120000, 180000, 600000],
    createTopicKey: SystemTopic.AUTO_CREATE_TOPIC_KEY_TOPIC,
    defaultTopicQueueNums: 4,
  };
}

function defaultConsumerOptions(): Omit<ConsumerOptions, 'nameServer' | 'group'> {
  return {
    ...defaultClientOptions(),
    messageModel: 'CLUSTERING',
    consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
    consumeTimestamp: Date.now() - 30 * 60 * 1000,
    allocateMessageQueueStrategy: 'AVG',
    pullBatchSize: 32,
    pullThresholdForQueue: 1000,
    pullThresholdSizeForQueue: 100,
    brokerSuspendMaxTimeMillis: 15_000,
    consumerTimeoutMillisWhenSuspend: 30_000,
    pullTimeDelayMillsWhenException: 3_000,
    offsetStoreDir: path.join(os.homedir(), '.rocketmq_offsets'),
    rebalanceInterval: 20_000,
  };
}

export function defaultPushConsumerOptions(): Omit<PushConsumerOptions, 'nameServer' | 'group'> {
  return {
    ...defaultConsumerOptions(),
    consumeThreadMax: 20,
    consumeOrderly: false,
    consumeConcurrentlyMaxSpan: 2000,
    pullThresholdForTopic: -1,
    pullThresholdSizeForTopic: -1,
    pullInterval: 0,
    postSubscriptionWhenPull: false,
    maxReconsumeTimes: -1,
    suspendCurrentQueueTimeMillis: 1000,
    consumeTimeout: 15,
    awaitTerminationMillisWhenShutdown: 5000,
  };
}

export function defaultLitePullConsumerOptions(): Omit<LitePullConsumerOptions, 'nameServer' | 'group'> {
  return {
    ...defaultConsumerOptions(),
    pullBatchSize: 10,
    brokerSuspendMaxTimeMillis: 20_000,
    autoCommit: true,
    autoCommitIntervalMillis: 5_000,
    pullThresholdForAll: 10_000,
    consumeMaxSpan: 2000,
    pollTimeoutMillis: 5_000,
    pullThreadNums: 20,
  };
}

// ---------------------------------------------------------------------------
// Parsing

type Rule =
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'bool' }
  | { readonly kind: 'string'; readonly nonEmpty?: boolean }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'custom'; readonly check: (value: unknown, key: string, what: string) => unknown };

const INT32_MAX = 0x7fffffff;
const int = (min: number, max = INT32_MAX): Rule => ({ kind: 'int', min, max });

function nameServerList(value: unknown, key: string, what: string): unknown {
  const list = typeof value === 'string' ? value.split(';') : Array.isArray(value) ? (value as unknown[]) : undefined;
  if (list === undefined) throw configError(`${what} option "${key}" must be a string like "host:port;host:port" or an array`);
  const addrs = list.map((a) => (typeof a === 'string' ? a.trim() : '')).filter((a) => a.length > 0);
  if (addrs.length === 0) throw configError(`${what} option "${key}" lists no address`);
  for (const a of addrs) {
    if (!/^(\[[^\]]+\]|[^:]+):\d{1,5}$/.test(a)) throw configError(`${what} option "${key}": "${a}" is not host:port`);
  }
  return addrs;
}

function loggerRule(value: unknown, key: string, what: string): unknown {
  const l = value as Record<string, unknown> | null;
  if (l === null || typeof l !== 'object' || typeof l['child'] !== 'function' || typeof l['warn'] !== 'function') {
    throw configError(`${what} option "${key}" must be a Logger (pino-like: trace..fatal and child)`);
  }
  return value;
}

function groupRule(value: unknown, key: string, what: string): unknown {
  if (typeof value !== 'string') throw configError(`${what} option "${key}" must be a string`);
  const problem = validateGroup(value);
  if (problem !== undefined) throw configError(`${what} option "${key}": ${problem}`);
  return value;
}

function ascendingLongs(value: unknown, key: string, what: string): unknown {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
    throw configError(`${what} option "${key}" must be a non-empty array of non-negative integers`);
  }
  return [...(value as number[])];
}

/** yyyyMMddHHmmss in local time, as Java's UtilAll.parseDate. */
export function parseConsumeTimestamp(value: unknown, key = 'consumeTimestamp', what = 'consumer'): number {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.floor(value);
  if (typeof value === 'string') {
    const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
    if (m !== null) {
      const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
      const t = new Date(y, mo - 1, d, h, mi, s, 0);
      if (t.getMonth() === mo - 1 && t.getDate() === d) return t.getTime();
    }
  }
  throw configError(`${what} option "${key}" must be epoch milliseconds, a Date or "yyyyMMddHHmmss", got ${JSON.stringify(value)}`);
}

function strategyRule(value: unknown, key: string, what: string): unknown {
  if (value === 'AVG' || value === 'AVG_BY_CIRCLE' || value === 'CONSISTENT_HASH') return value;
  if (value !== null && typeof value === 'object' && typeof (value as Record<string, unknown>)['allocate'] === 'function') return value;
  throw configError(`${what} option "${key}" must be 'AVG', 'AVG_BY_CIRCLE', 'CONSISTENT_HASH' or an object with allocate()`);
}

const clientRules: Record<keyof ClientOptions, Rule> = {
  nameServer: { kind: 'custom', check: nameServerList },
  instanceName: { kind: 'string', nonEmpty: true },
  clientIP: { kind: 'string', nonEmpty: true },
  pollNameServerInterval: int(10),
  heartbeatBrokerInterval: int(10),
  persistConsumerOffsetInterval: int(10),
  mqClientApiTimeout: int(1),
  headerEncoding: { kind: 'enum', values: ['JSON', 'ROCKETMQ'] },
  logger: { kind: 'custom', check: loggerRule },
};

const producerRules: Record<keyof ProducerOptions, Rule> = {
  ...clientRules,
  group: { kind: 'custom', check: groupRule },
  sendMsgTimeout: int(1),
  compressMsgBodyOverHowmuch: int(0),
  compressLevel: int(0, 9),
  retryTimesWhenSendFailed: int(0, 100),
  retryTimesWhenSendAsyncFailed: int(0, 100),
  retryAnotherBrokerWhenNotStoreOK: { kind: 'bool' },
  maxMessageSize: int(1),
  sendLatencyFaultEnable: { kind: 'bool' },
  latencyMax: { kind: 'custom', check: ascendingLongs },
  notAvailableDuration: { kind: 'custom', check: ascendingLongs },
  createTopicKey: { kind: 'string', nonEmpty: true },
  defaultTopicQueueNums: int(1, 1024),
};

const consumerRules: Record<keyof ConsumerOptions, Rule> = {
  ...clientRules,
  group: { kind: 'custom', check: groupRule },
  messageModel: { kind: 'enum', values: Object.values(MessageModel) },
  consumeFromWhere: { kind: 'enum', values: Object.values(ConsumeFromWhere) },
  consumeTimestamp: { kind: 'custom', check: parseConsumeTimestamp },
  allocateMessageQueueStrategy: { kind: 'custom', check: strategyRule },
  pullBatchSize: int(1, 1024),
  pullThresholdForQueue: int(1, 65535),
  pullThresholdSizeForQueue: int(1, 1024),
  brokerSuspendMaxTimeMillis: int(0),
  consumerTimeoutMillisWhenSuspend: int(1),
  pullTimeDelayMillsWhenException: int(0),
  offsetStoreDir: { kind: 'string', nonEmpty: true },
  rebalanceInterval: int(10),
};

const pushRules: Record<keyof PushConsumerOptions, Rule> = {
  ...consumerRules,
  consumeThreadMax: int(1, 1000),
  consumeOrderly: { kind: 'bool' },
  consumeConcurrentlyMaxSpan: int(1, 65535),
  pullThresholdForTopic: int(-1, 6553500),
  pullThresholdSizeForTopic: int(-1, 102400),
  pullInterval: int(0, 65535),
  postSubscriptionWhenPull: { kind: 'bool' },
  maxReconsumeTimes: int(-1),
  suspendCurrentQueueTimeMillis: int(10, 30000),
  consumeTimeout: int(1),
  awaitTerminationMillisWhenShutdown: int(0),
};

const litePullRules: Record<keyof LitePullConsumerOptions, Rule> = {
  ...consumerRules,
  autoCommit: { kind: 'bool' },
  autoCommitIntervalMillis: int(1000),
  pullThresholdForAll: int(1),
  consumeMaxSpan: int(1),
  pollTimeoutMillis: int(0),
  pullThreadNums: int(1, 1000),
};

function parseWith<T>(what: string, rules: Record<string, Rule>, defaults: Record<string, unknown>, input: unknown, required: readonly string[]): T {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw configError(`${what} options must be an object`);
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const rule = rules[key];
    if (rule === undefined) throw configError(`unknown ${what} option "${key}"`);
    if (value === undefined) continue;
    out[key] = check(rule, value, key, what);
  }
  for (const key of required) {
    if (out[key] === undefined) throw configError(`${what} option "${key}" is required`);
  }
  return out as T;
}

function check(rule: Rule, value: unknown, key: string, what: string): unknown {
  switch (rule.kind) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < rule.min || value > rule.max) {
        throw configError(`${what} option "${key}" must be an integer in ${rule.min}..${rule.max}, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw configError(`${what} option "${key}" must be a boolean, got ${JSON.stringify(value)}`);
      return value;
    case 'string':
      if (typeof value !== 'string' || (rule.nonEmpty === true && value.trim().length === 0)) {
        throw configError(`${what} option "${key}" must be a non-empty string, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'enum':
      if (typeof value !== 'string' || !rule.values.includes(value)) {
        throw configError(`${what} option "${key}" must be one of ${rule.values.join(', ')}, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'custom':
      return rule.check(value, key, what);
  }
}

function checkLatencyTables(o: ProducerOptions): ProducerOptions {
  if (o.latencyMax.length !== o.notAvailableDuration.length) {
    throw configError('producer options "latencyMax" and "notAvailableDuration" must have the same length');
  }
  return o;
}

function checkReserved(what: string, group: string, reserved: string): void {
  if (group === reserved) throw configError(`${what} option "group": ${reserved} is reserved; pick your own group name`);
}

function checkSuspend(what: string, o: ConsumerOptions): void {
  if (o.consumerTimeoutMillisWhenSuspend <= o.brokerSuspendMaxTimeMillis) {
    throw configError(
      `${what} option "consumerTimeoutMillisWhenSuspend" (${o.consumerTimeoutMillisWhenSuspend}) must exceed brokerSuspendMaxTimeMillis (${o.brokerSuspendMaxTimeMillis})`,
    );
  }
}

/** Defaults merged with `input`; throws RmqError CONFIG naming the first bad, unknown or missing key. */
export function parseProducerOptions(input: unknown): ProducerOptions {
  const o = checkLatencyTables(parseWith<ProducerOptions>('producer', producerRules, defaultProducerOptions(), input, ['nameServer', 'group']));
  checkReserved('producer', o.group, 'DEFAULT_PRODUCER');
  return o;
}

/** Defaults merged with `input`; throws RmqError CONFIG naming the first bad, unknown or missing key. */
export function parsePushConsumerOptions(input: unknown): PushConsumerOptions {
  const o = parseWith<PushConsumerOptions>('push consumer', pushRules, defaultPushConsumerOptions(), input, ['nameServer', 'group']);
  checkReserved('push consumer', o.group, 'DEFAULT_CONSUMER');
  checkSuspend('push consumer', o);
  return o;
}

/** Defaults merged with `input`; throws RmqError CONFIG naming the first bad, unknown or missing key. */
export function parseLitePullConsumerOptions(input: unknown): LitePullConsumerOptions {
  const o = parseWith<LitePullConsumerOptions>('lite pull consumer', litePullRules, defaultLitePullConsumerOptions(), input, ['nameServer', 'group']);
  checkReserved('lite pull consumer', o.group, 'DEFAULT_CONSUMER');
  checkSuspend('lite pull consumer', o);
  return o;
}

/** The NameServer list as parsed (parse functions normalise it to an array). */
export function nameServerAddresses(o: ClientOptions): string[] {
  return typeof o.nameServer === 'string' ? (nameServerList(o.nameServer, 'nameServer', 'client') as string[]) : [...o.nameServer];
}
