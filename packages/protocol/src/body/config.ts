/**
 * Broker configuration tables as admin requests carry them (and as the
 * broker's config/*.json files hold them).
 *
 *   SubscriptionGroupConfig   UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200) request body
 *   SubscriptionGroupWrapper  {"dataVersion":{..},"subscriptionGroupTable":{"g":SubscriptionGroupConfig}}
 *                             GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201)
 *   ConsumerOffsetSerializeWrapper {"offsetTable":{"topic@group":{0:12,1:40}}}
 *                             GET_ALL_CONSUMER_OFFSET (43); queue ids unquoted, as fastjson writes
 *   DelayOffsetSerializeWrapper {"offsetTable":{1:0,2:17}} (delay level -> offset)
 *                             GET_ALL_DELAY_OFFSET (45)
 */
import { type JsonValue, stringifyRmqJson } from '../json.js';
import { type DataVersion, dataVersionJson, decodeDataVersion } from './register.js';
import { Reader, fastjsonOrder, numberValue, objectValue } from './read.js';

export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
}

/** A group's config with the Java defaults. */
export function defaultSubscriptionGroupConfig(groupName: string): SubscriptionGroupConfig {
  return {
    groupName,
    consumeEnable: true,
    consumeFromMinEnable: true,
    consumeBroadcastEnable: true,
    retryQueueNums: 1,
    retryMaxTimes: 16,
    brokerId: 0,
    whichBrokerWhenConsumeSlowly: 1,
    notifyConsumerIdsChangedEnable: true,
  };
}

function readSubscriptionGroupConfig(r: Reader): SubscriptionGroupConfig {
  const d = defaultSubscriptionGroupConfig(r.string('groupName'));
  return {
    groupName: d.groupName,
    consumeEnable: r.boolean('consumeEnable', d.consumeEnable),
    consumeFromMinEnable: r.boolean('consumeFromMinEnable', d.consumeFromMinEnable),
    consumeBroadcastEnable: r.boolean('consumeBroadcastEnable', d.consumeBroadcastEnable),
    retryQueueNums: r.number('retryQueueNums', d.retryQueueNums),
    retryMaxTimes: r.number('retryMaxTimes', d.retryMaxTimes),
    brokerId: r.number('brokerId', d.brokerId),
    whichBrokerWhenConsumeSlowly: r.number('whichBrokerWhenConsumeSlowly', d.whichBrokerWhenConsumeSlowly),
    notifyConsumerIdsChangedEnable: r.boolean('notifyConsumerIdsChangedEnable', d.notifyConsumerIdsChangedEnable),
  };
}

export function decodeSubscriptionGroupConfig(body: Buffer | string | JsonValue): SubscriptionGroupConfig {
  return readSubscriptionGroupConfig(Reader.body('SubscriptionGroupConfig', body));
}

export function encodeSubscriptionGroupConfig(c: SubscriptionGroupConfig): Buffer {
  return Buffer.from(stringifyRmqJson(fastjsonOrder({ ...c })), 'utf8');
}

export interface SubscriptionGroupWrapper {
  subscriptionGroupTable: Map<string, SubscriptionGroupConfig>;
  dataVersion: DataVersion;
}

export function decodeSubscriptionGroupWrapper(body: Buffer | string | JsonValue): SubscriptionGroupWrapper {
  const r = Reader.body('SubscriptionGroupWrapper', body);
  const dv = r.raw('dataVersion');
  return {
    subscriptionGroupTable: r.stringMap('subscriptionGroupTable', objectValue(r.type, readSubscriptionGroupConfig)),
    dataVersion: dv === undefined || dv === null ? { timestamp: 0, counter: 0 } : decodeDataVersion(dv),
  };
}

export function encodeSubscriptionGroupWrapper(w: SubscriptionGroupWrapper): Buffer {
  return Buffer.from(
    stringifyRmqJson({
      dataVersion: dataVersionJson(w.dataVersion),
      subscriptionGroupTable: new Map([...w.subscriptionGroupTable].map(([k, c]) => [k, fastjsonOrder({ ...c })])),
    }),
    'utf8',
  );
}

export interface ConsumerOffsetSerializeWrapper {
  /** "topic@group" -> queueId -> offset. */
  offsetTable: Map<string, Map<number, number>>;
}

export function decodeConsumerOffsetSerializeWrapper(body: Buffer | string | JsonValue): ConsumerOffsetSerializeWrapper {
  const r = Reader.body('ConsumerOffsetSerializeWrapper', body);
  return { offsetTable: r.stringMap('offsetTable', (v, p) => Reader.of(r.type, { t: v }, p).numberMap('t', numberValue(r.type))) };
}

export function encodeConsumerOffsetSerializeWrapper(w: ConsumerOffsetSerializeWrapper): Buffer {
  return Buffer.from(stringifyRmqJson({ offsetTable: w.offsetTable }), 'utf8');
}

export interface DelayOffsetSerializeWrapper {
  /** delay level -> offset in SCHEDULE_TOPIC_XXXX's queue (level - 1). */
  offsetTable: Map<number, number>;
  /** 5.x only. */
  dataVersion?: DataVersion;
}

export function decodeDelayOffsetSerializeWrapper(body: Buffer | string | JsonValue): DelayOffsetSerializeWrapper {
  const r = Reader.body('DelayOffsetSerializeWrapper', body);
  const w: DelayOffsetSerializeWrapper = { offsetTable: r.numberMap('offsetTable', numberValue(r.type)) };
  const dv = r.raw('dataVersion');
  if (dv !== undefined && dv !== null) w.dataVersion = decodeDataVersion(dv);
  return w;
}

export function encodeDelayOffsetSerializeWrapper(w: DelayOffsetSerializeWrapper): Buffer {
  return Buffer.from(
    stringifyRmqJson(fastjsonOrder({ dataVersion: w.dataVersion === undefined ? undefined : dataVersionJson(w.dataVersion), offsetTable: w.offsetTable })),
    'utf8',
  );
}
