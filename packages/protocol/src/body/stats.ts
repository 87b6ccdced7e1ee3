/**
 * Admin and consumer-status bodies. Maps keyed by MessageQueue are written
 * in fastjson's object-key form (see queue.ts) and held as entry arrays.
 *
 *   ConsumeStats        {"consumeTps":0.0,"offsetTable":{{mq}:{"brokerOffset":..,"consumerOffset":..,"lastTimestamp":..}}}
 *                       GET_CONSUME_STATS (208)
 *   TopicStatsTable     {"offsetTable":{{mq}:{"lastUpdateTimestamp":..,"maxOffset":..,"minOffset":..}}}
 *                       GET_TOPIC_STATS_INFO (202)
 *   ConsumeStatsList    {"brokerAddr":..,"consumeStatsList":[{"group":[ConsumeStats]}],"totalDiff":..}
 *                       GET_BROKER_CONSUME_STATS (317)
 *   BrokerStatsData     {"statsDay":{"avgpt":..,"sum":..,"tps":..},"statsHour":..,"statsMinute":..}
 *                       VIEW_BROKER_STATS_DATA (315)
 *   QueryConsumeTimeSpanBody {"consumeTimeSpanSet":[QueueTimeSpan]}  QUERY_CONSUME_TIME_SPAN (303)
 *   ResetOffsetBody     {"offsetTable":{{mq}:offset}}  RESET_CONSUMER_CLIENT_OFFSET (220), reply to 222
 *   GetConsumerStatusBody {"consumerTable":{"clientId":{{mq}:offset}},"messageQueueTable":{{mq}:offset}}
 *                       GET_CONSUMER_STATUS_FROM_CLIENT (221), reply to 223
 *   ConsumerRunningInfo GET_CONSUMER_RUNNING_INFO (307) reply
 *   ConsumeMessageDirectlyResult CONSUME_MESSAGE_DIRECTLY (309) reply
 *   QueryConsumeQueueResponseBody QUERY_CONSUME_QUEUE (321)
 *   ProducerTableInfo   {"data":{"group":[ProducerInfo]}}  GET_ALL_PRODUCER_INFO (328)
 */
import { type JsonValue, stringifyRmqJson } from '../json.js';
import { type SubscriptionData, readSubscriptionData, subscriptionDataJson } from './heartbeat.js';
import { type MessageQueue, messageQueueJson, queueMapJson, readMessageQueue, readQueueMap } from './queue.js';
import { Reader, fastjsonOrder, numberValue, objectValue } from './read.js';

function json(v: unknown): Buffer {
  return Buffer.from(stringifyRmqJson(v), 'utf8');
}

/** Java doubles: fastjson writes 0.0 for a whole double; JSON readers take 0 too. */
export interface OffsetWrapper {
  brokerOffset: number;
  consumerOffset: number;
  lastTimestamp: number;
}

export interface ConsumeStats {
  offsetTable: Array<[MessageQueue, OffsetWrapper]>;
  consumeTps: number;
}

function readOffsetWrapper(r: Reader): OffsetWrapper {
  return { brokerOffset: r.number('brokerOffset'), consumerOffset: r.number('consumerOffset'), lastTimestamp: r.number('lastTimestamp') };
}

function readConsumeStats(r: Reader): ConsumeStats {
  return { offsetTable: readQueueMap(r, 'offsetTable', objectValue(r.type, readOffsetWrapper)), consumeTps: r.number('consumeTps') };
}

function consumeStatsJson(s: ConsumeStats): Record<string, unknown> {
  return fastjsonOrder({ consumeTps: s.consumeTps, offsetTable: queueMapJson(s.offsetTable, (o) => fastjsonOrder({ ...o })) });
}

export function decodeConsumeStats(body: Buffer | string | JsonValue): ConsumeStats {
  return readConsumeStats(Reader.body('ConsumeStats', body));
}

export function encodeConsumeStats(s: ConsumeStats): Buffer {
  return json(consumeStatsJson(s));
}

/** Total lag: sum of brokerOffset - consumerOffset (ConsumeStats.computeTotalDiff). */
export function computeTotalDiff(s: ConsumeStats): number {
  let diff = 0;
  for (const [, o] of s.offsetTable) diff += o.brokerOffset - o.consumerOffset;
  return diff;
}

export interface TopicOffset {
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}

export interface TopicStatsTable {
  offsetTable: Array<[MessageQueue, TopicOffset]>;
}

export function decodeTopicStatsTable(body: Buffer | string | JsonValue): TopicStatsTable {
  const r = Reader.body('TopicStatsTable', body);
  return {
    offsetTable: readQueueMap(
      r,
      'offsetTable',
      objectValue(r.type, (o) => ({ minOffset: o.number('minOffset'), maxOffset: o.number('maxOffset'), lastUpdateTimestamp: o.number('lastUpdateTimestamp') })),
    ),
  };
}

export function encodeTopicStatsTable(t: TopicStatsTable): Buffer {
  return json({ offsetTable: queueMapJson(t.offsetTable, (o) => fastjsonOrder({ ...o })) });
}

export interface ConsumeStatsList {
  consumeStatsList: Array<Map<string, ConsumeStats[]>>;
  brokerAddr?: string;
  totalDiff: number;
}

export function decodeConsumeStatsList(body: Buffer | string | JsonValue): ConsumeStatsList {
  const r = Reader.body('ConsumeStatsList', body);
  const list: ConsumeStatsList = {
    consumeStatsList: r.array('consumeStatsList', (v, p) =>
      Reader.of(r.type, { m: v }, p).stringMap('m', (lv, lp) => Reader.of(r.type, { l: lv }, lp).objects('l', readConsumeStats)),
    ),
    totalDiff: r.number('totalDiff'),
  };
  const addr = r.optString('brokerAddr');
  if (addr !== undefined) list.brokerAddr = addr;
  return list;
}

export function encodeConsumeStatsList(l: ConsumeStatsList): Buffer {
  return json(
    fastjsonOrder({
      brokerAddr: l.brokerAddr,
      consumeStatsList: l.consumeStatsList.map((m) => new Map([...m].map(([g, stats]) => [g, stats.map(consumeStatsJson)]))),
      totalDiff: l.totalDiff,
    }),
  );
}

export interface BrokerStatsItem {
  sum: number;
  tps: number;
  avgpt: number;
}

export interface BrokerStatsData {
  statsMinute: BrokerStatsItem;
  statsHour: BrokerStatsItem;
  statsDay: BrokerStatsItem;
}

export function decodeBrokerStatsData(body: Buffer | string | JsonValue): BrokerStatsData {
  const r = Reader.body('BrokerStatsData', body);
  const item = (k: string): BrokerStatsItem => {
    const o = r.optObject(k);
    return o === undefined ? { sum: 0, tps: 0, avgpt: 0 } : { sum: o.number('sum'), tps: o.number('tps'), avgpt: o.number('avgpt') };
  };
  return { statsMinute: item('statsMinute'), statsHour: item('statsHour'), statsDay: item('statsDay') };
}

export function encodeBrokerStatsData(d: BrokerStatsData): Buffer {
  const item = (i: BrokerStatsItem): Record<string, unknown> => fastjsonOrder({ ...i });
  return json({ statsDay: item(d.statsDay), statsHour: item(d.statsHour), statsMinute: item(d.statsMinute) });
}

export interface QueueTimeSpan {
  messageQueue: MessageQueue;
  minTimeStamp: number;
  maxTimeStamp: number;
  consumeTimeStamp: number;
  delayTime: number;
  /** Java also writes the three times formatted in the broker's zone; optional here. */
  minTimeStampStr?: string;
  maxTimeStampStr?: string;
  consumeTimeStampStr?: string;
}

export interface QueryConsumeTimeSpanBody {
  consumeTimeSpanSet: QueueTimeSpan[];
}

export function decodeQueryConsumeTimeSpanBody(body: Buffer | string | JsonValue): QueryConsumeTimeSpanBody {
  const r = Reader.body('QueryConsumeTimeSpanBody', body);
  return {
    consumeTimeSpanSet: r.objects('consumeTimeSpanSet', (o) => {
      const span: QueueTimeSpan = {
        messageQueue: readMessageQueue(o.object('messageQueue')),
        minTimeStamp: o.number('minTimeStamp'),
        maxTimeStamp: o.number('maxTimeStamp'),
        consumeTimeStamp: o.number('consumeTimeStamp'),
        delayTime: o.number('delayTime'),
      };
      for (const k of ['minTimeStampStr', 'maxTimeStampStr', 'consumeTimeStampStr'] as const) {
        const v = o.optString(k);
        if (v !== undefined) span[k] = v;
      }
      return span;
    }),
  };
}

export function encodeQueryConsumeTimeSpanBody(b: QueryConsumeTimeSpanBody): Buffer {
  return json({
    consumeTimeSpanSet: b.consumeTimeSpanSet.map((s) => fastjsonOrder({ ...s, messageQueue: messageQueueJson(s.messageQueue) })),
  });
}

export interface ResetOffsetBody {
  offsetTable: Array<[MessageQueue, number]>;
}

export function decodeResetOffsetBody(body: Buffer | string | JsonValue): ResetOffsetBody {
  const r = Reader.body('ResetOffsetBody', body);
  return { offsetTable: readQueueMap(r, 'offsetTable', numberValue(r.type)) };
}

export function encodeResetOffsetBody(b: ResetOffsetBody): Buffer {
  return json({ offsetTable: queueMapJson(b.offsetTable, (n) => n) });
}

export interface GetConsumerStatusBody {
  messageQueueTable: Array<[MessageQueue, number]>;
  /** clientId -> its queues' offsets. */
  consumerTable: Map<string, Array<[MessageQueue, number]>>;
}

export function decodeGetConsumerStatusBody(body: Buffer | string | JsonValue): GetConsumerStatusBody {
  const r = Reader.body('GetConsumerStatusBody', body);
  return {
    messageQueueTable: readQueueMap(r, 'messageQueueTable', numberValue(r.type)),
    consumerTable: r.stringMap('consumerTable', (v, p) => readQueueMap(Reader.of(r.type, { t: v }, p), 't', numberValue(r.type))),
  };
}

export function encodeGetConsumerStatusBody(b: GetConsumerStatusBody): Buffer {
  return json({
    consumerTable: new Map([...b.consumerTable].map(([k, t]) => [k, queueMapJson(t, (n) => n)])),
    messageQueueTable: queueMapJson(b.messageQueueTable, (n) => n),
  });
}

export interface ProcessQueueInfo {
  commitOffset: number;
  cachedMsgMinOffset: number;
  cachedMsgMaxOffset: number;
  cachedMsgCount: number;
  cachedMsgSizeInMiB: number;
  transactionMsgMinOffset: number;
  transactionMsgMaxOffset: number;
  transactionMsgCount: number;
  locked: boolean;
  tryUnlockTimes: number;
  lastLockTimestamp: number;
  droped: boolean;
  lastPullTimestamp: number;
  lastConsumeTimestamp: number;
}

const PROCESS_QUEUE_NUMBERS = [
  'commitOffset', 'cachedMsgMinOffset', 'cachedMsgMaxOffset', 'cachedMsgCount', 'cachedMsgSizeInMiB',
  'transactionMsgMinOffset', 'transactionMsgMaxOffset', 'transactionMsgCount', 'tryUnlockTimes',
  'lastLockTimestamp', 'lastPullTimestamp', 'lastConsumeTimestamp',
] as const;

function readProcessQueueInfo(r: Reader): ProcessQueueInfo {
  const out = { locked: r.boolean('locked'), droped: r.boolean('droped') } as ProcessQueueInfo;
  for (const k of PROCESS_QUEUE_NUMBERS) out[k] = r.number(k);
  return out;
}

export interface ConsumeStatus {
  pullRT: number;
  pullTPS: number;
  consumeRT: number;
  consumeOKTPS: number;
  consumeFailedTPS: number;
  consumeFailedMsgs: number;
}

function readConsumeStatus(r: Reader): ConsumeStatus {
  return {
    pullRT: r.number('pullRT'),
    pullTPS: r.number('pullTPS'),
    consumeRT: r.number('consumeRT'),
    consumeOKTPS: r.number('consumeOKTPS'),
    consumeFailedTPS: r.number('consumeFailedTPS'),
    consumeFailedMsgs: r.number('consumeFailedMsgs'),
  };
}

/** Property keys of ConsumerRunningInfo.properties. */
export const ConsumerRunningInfoProp = {
  PROP_NAMESERVER_ADDR: 'PROP_NAMESERVER_ADDR',
  PROP_THREADPOOL_CORE_SIZE: 'PROP_THREADPOOL_CORE_SIZE',
  PROP_CONSUME_ORDERLY: 'PROP_CONSUMEORDERLY',
  PROP_CONSUME_TYPE: 'PROP_CONSUME_TYPE',
  PROP_CLIENT_VERSION: 'PROP_CLIENT_VERSION',
  PROP_CONSUMER_START_TIMESTAMP: 'PROP_CONSUMER_START_TIMESTAMP',
} as const;

export interface ConsumerRunningInfo {
  properties: Map<string, string>;
  subscriptionSet: SubscriptionData[];
  mqTable: Array<[MessageQueue, ProcessQueueInfo]>;
  /** topic -> status. */
  statusTable: Map<string, ConsumeStatus>;
  jstack?: string;
}

export function decodeConsumerRunningInfo(body: Buffer | string | JsonValue): ConsumerRunningInfo {
  const r = Reader.body('ConsumerRunningInfo', body);
  const info: ConsumerRunningInfo = {
    properties: r.stringMap('properties', (v) => (typeof v === 'string' ? v : stringifyRmqJson(v))),
    subscriptionSet: r.objects('subscriptionSet', readSubscriptionData),
    mqTable: readQueueMap(r, 'mqTable', objectValue(r.type, readProcessQueueInfo)),
    statusTable: r.stringMap('statusTable', objectValue(r.type, readConsumeStatus)),
  };
  const jstack = r.optString('jstack');
  if (jstack !== undefined) info.jstack = jstack;
  return info;
}

export function encodeConsumerRunningInfo(i: ConsumerRunningInfo): Buffer {
  return json(
    fastjsonOrder({
      jstack: i.jstack,
      mqTable: queueMapJson(i.mqTable, (p) => fastjsonOrder({ ...p })),
      properties: i.properties,
      statusTable: new Map([...i.statusTable].map(([k, s]) => [k, fastjsonOrder({ ...s })])),
      subscriptionSet: i.subscriptionSet.map(subscriptionDataJson),
    }),
  );
}

/** CMResult names. */
export const CMResult = {
  CR_SUCCESS: 'CR_SUCCESS',
  CR_LATER: 'CR_LATER',
  CR_ROLLBACK: 'CR_ROLLBACK',
  CR_COMMIT: 'CR_COMMIT',
  CR_THROW_EXCEPTION: 'CR_THROW_EXCEPTION',
  CR_RETURN_NULL: 'CR_RETURN_NULL',
} as const;

export interface ConsumeMessageDirectlyResult {
  order: boolean;
  autoCommit: boolean;
  /** CMResult name. */
  consumeResult?: string;
  remark?: string;
  spentTimeMills: number;
}

export function decodeConsumeMessageDirectlyResult(body: Buffer | string | JsonValue): ConsumeMessageDirectlyResult {
  const r = Reader.body('ConsumeMessageDirectlyResult', body);
  const res: ConsumeMessageDirectlyResult = { order: r.boolean('order'), autoCommit: r.boolean('autoCommit', true), spentTimeMills: r.number('spentTimeMills') };
  const cr = r.optString('consumeResult');
  if (cr !== undefined) res.consumeResult = cr;
  const remark = r.optString('remark');
  if (remark !== undefined) res.remark = remark;
  return res;
}

export function encodeConsumeMessageDirectlyResult(r: ConsumeMessageDirectlyResult): Buffer {
  return json(fastjsonOrder({ ...r }));
}

export interface ConsumeQueueData {
  physicOffset: number;
  physicSize: number;
  tagsCode: number;
  extendDataJson?: string;
  bitMap?: string;
  eval: boolean;
  msg?: string;
}

export interface QueryConsumeQueueResponseBody {
  subscriptionData?: SubscriptionData;
  filterData?: string;
  queueData: ConsumeQueueData[];
  maxQueueIndex: number;
  minQueueIndex: number;
}

export function decodeQueryConsumeQueueResponseBody(body: Buffer | string | JsonValue): QueryConsumeQueueResponseBody {
  const r = Reader.body('QueryConsumeQueueResponseBody', body);
  const out: QueryConsumeQueueResponseBody = {
    queueData: r.objects('queueData', (o) => {
      const d: ConsumeQueueData = { physicOffset: o.number('physicOffset'), physicSize: o.number('physicSize'), tagsCode: o.number('tagsCode'), eval: o.boolean('eval') };
      for (const k of ['extendDataJson', 'bitMap', 'msg'] as const) {
        const v = o.optString(k);
        if (v !== undefined) d[k] = v;
      }
      return d;
    }),
    maxQueueIndex: r.number('maxQueueIndex'),
    minQueueIndex: r.number('minQueueIndex'),
  };
  const sub = r.optObject('subscriptionData');
  if (sub !== undefined) out.subscriptionData = readSubscriptionData(sub);
  const fd = r.optString('filterData');
  if (fd !== undefined) out.filterData = fd;
  return out;
}

export function encodeQueryConsumeQueueResponseBody(b: QueryConsumeQueueResponseBody): Buffer {
  return json(
    fastjsonOrder({
      filterData: b.filterData,
      maxQueueIndex: b.maxQueueIndex,
      minQueueIndex: b.minQueueIndex,
      queueData: b.queueData.map((d) => fastjsonOrder({ ...d })),
      subscriptionData: b.subscriptionData === undefined ? undefined : subscriptionDataJson(b.subscriptionData),
    }),
  );
}

export interface ProducerInfo {
  clientId: string;
  remoteIP: string;
  /** LanguageCode name. */
  language: string;
  version: number;
  lastUpdateTimestamp: number;
}

export interface ProducerTableInfo {
  /** producer group -> producers. */
  data: Map<string, ProducerInfo[]>;
}

export function decodeProducerTableInfo(body: Buffer | string | JsonValue): ProducerTableInfo {
  const r = Reader.body('ProducerTableInfo', body);
  return {
    data: r.stringMap('data', (v, p) =>
      Reader.of(r.type, { l: v }, p).objects('l', (o) => ({
        clientId: o.string('clientId'),
        remoteIP: o.string('remoteIP'),
        language: o.string('language', 'JAVA'),
        version: o.number('version'),
        lastUpdateTimestamp: o.number('lastUpdateTimestamp'),
      })),
    ),
  };
}

export function encodeProducerTableInfo(t: ProducerTableInfo): Buffer {
  return json({ data: new Map([...t.data].map(([g, list]) => [g, list.map((p) => fastjsonOrder({ ...p }))])) });
}

/**
 * Statistic names (org.apache.rocketmq.common.stats.Stats): what
 * VIEW_BROKER_STATS_DATA asks for; keys are a topic, "topic@group" or
 * "queueId@topic@group".
 */
export const BrokerStatsName = {
  QUEUE_PUT_NUMS: 'QUEUE_PUT_NUMS',
  QUEUE_PUT_SIZE: 'QUEUE_PUT_SIZE',
  QUEUE_GET_NUMS: 'QUEUE_GET_NUMS',
  QUEUE_GET_SIZE: 'QUEUE_GET_SIZE',
  TOPIC_PUT_NUMS: 'TOPIC_PUT_NUMS',
  TOPIC_PUT_SIZE: 'TOPIC_PUT_SIZE',
  GROUP_GET_NUMS: 'GROUP_GET_NUMS',
  GROUP_GET_SIZE: 'GROUP_GET_SIZE',
  SNDBCK_PUT_NUMS: 'SNDBCK_PUT_NUMS',
  BROKER_PUT_NUMS: 'BROKER_PUT_NUMS',
  BROKER_GET_NUMS: 'BROKER_GET_NUMS',
  GROUP_GET_FROM_DISK_NUMS: 'GROUP_GET_FROM_DISK_NUMS',
  GROUP_GET_FROM_DISK_SIZE: 'GROUP_GET_FROM_DISK_SIZE',
  BROKER_GET_FROM_DISK_NUMS: 'BROKER_GET_FROM_DISK_NUMS',
  BROKER_GET_FROM_DISK_SIZE: 'BROKER_GET_FROM_DISK_SIZE',
  GROUP_GET_LATENCY: 'GROUP_GET_LATENCY',
  COMMERCIAL_SEND_TIMES: 'COMMERCIAL_SEND_TIMES',
  COMMERCIAL_SNDBCK_TIMES: 'COMMERCIAL_SNDBCK_TIMES',
  COMMERCIAL_RCV_TIMES: 'COMMERCIAL_RCV_TIMES',
  COMMERCIAL_RCV_EPOLLS: 'COMMERCIAL_RCV_EPOLLS',
  COMMERCIAL_SEND_SIZE: 'COMMERCIAL_SEND_SIZE',
  COMMERCIAL_RCV_SIZE: 'COMMERCIAL_RCV_SIZE',
  COMMERCIAL_PERM_FAILURES: 'COMMERCIAL_PERM_FAILURES',
} as const;
export type BrokerStatsName = (typeof BrokerStatsName)[keyof typeof BrokerStatsName];
