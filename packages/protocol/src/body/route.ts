/**
 * TopicRouteData: the body of GET_ROUTEINFO_BY_TOPIC's response (and of
 * REGISTER_TOPIC_IN_NAMESRV's request in 5.x).
 *
 *   {"brokerDatas":[{"brokerAddrs":{0:"ip:port",1:".."},"brokerName":"b","cluster":"c"}],
 *    "filterServerTable":{},"orderTopicConf":"..."?,
 *    "queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}
 *
 * Two encodings, as a 4.9.4+ NameServer picks per request (routeJsonStyleFor):
 * - `standard`: quoted keys, map keys sorted (SerializerFeature.QuoteFieldNames,
 *   MapSortField, BrowserCompatible); sent when the request's version is
 *   V4_9_4 (401) or later, or it asks acceptStandardJsonOnly.
 * - `fastjson` (the default here): fastjson's default, brokerAddrs keys
 *   unquoted; sent to older clients. Java and ali-ons read both forms, but
 *   rocketmq-client-go splits brokerAddrs on "," and ":" and parses the key
 *   as an integer, so with quoted keys every address lands on brokerId 0
 *   (the last one wins): Go clients need this form.
 */
import { type JsonValue, stringifyRmqJson } from '../json.js';
import { Reader, fastjsonOrder, objectValue, stringValue } from './read.js';

export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface BrokerData {
  cluster: string;
  brokerName: string;
  /** brokerId (0 = master) -> "ip:port". */
  brokerAddrs: Map<number, string>;
  /** 5.x only. */
  enableActingMaster?: boolean;
  /** 5.x only. */
  zoneName?: string;
}

export interface TopicRouteData {
  orderTopicConf?: string;
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  /** brokerAddr -> filter server addresses. */
  filterServerTable: Map<string, string[]>;
}

export type RouteJsonStyle = 'standard' | 'fastjson';

/** V4_9_4's ordinal in MQVersion.Version: the first client version given standard JSON. */
export const STANDARD_JSON_MIN_VERSION = 401;

/** The form a 4.9.4 NameServer answers GET_ROUTEINFO_BY_TOPIC in, for this request. */
export function routeJsonStyleFor(requestVersion: number, acceptStandardJsonOnly?: boolean): RouteJsonStyle {
  return requestVersion >= STANDARD_JSON_MIN_VERSION || acceptStandardJsonOnly === true ? 'standard' : 'fastjson';
}

export function decodeQueueData(r: Reader): QueueData {
  return {
    brokerName: r.string('brokerName'),
    readQueueNums: r.number('readQueueNums'),
    writeQueueNums: r.number('writeQueueNums'),
    perm: r.number('perm'),
    topicSysFlag: r.number('topicSysFlag'),
  };
}

export function decodeBrokerData(r: Reader): BrokerData {
  const b: BrokerData = {
    cluster: r.string('cluster', ''),
    brokerName: r.string('brokerName'),
    brokerAddrs: r.numberMap('brokerAddrs', stringValue(r.type)),
  };
  const acting = r.optBoolean('enableActingMaster');
  if (acting !== undefined) b.enableActingMaster = acting;
  const zone = r.optString('zoneName');
  if (zone !== undefined) b.zoneName = zone;
  return b;
}

export function decodeTopicRouteData(body: Buffer | string | JsonValue): TopicRouteData {
  const r = Reader.body('TopicRouteData', body);
  const route: TopicRouteData = {
    queueDatas: r.objects('queueDatas', decodeQueueData),
    brokerDatas: r.objects('brokerDatas', decodeBrokerData),
    filterServerTable: r.stringMap('filterServerTable', (v, p) => Reader.of(r.type, { list: v }, p).strings('list')),
  };
  const conf = r.optString('orderTopicConf');
  if (conf !== undefined) route.orderTopicConf = conf;
  return route;
}

function sortedMap<K extends string | number, V>(m: Map<K, V>): Map<K, V> {
  return new Map([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The JSON value of a BrokerData, in fastjson's field order. */
export function brokerDataJson(b: BrokerData, style: RouteJsonStyle = 'fastjson'): Record<string, unknown> {
  const addrs =
    style === 'standard'
      ? new Map([...sortedMap(b.brokerAddrs).entries()].map(([k, v]) => [String(k), v]))
      : javaLongKeyOrder(b.brokerAddrs);
  return fastjsonOrder({
    brokerAddrs: addrs,
    brokerName: b.brokerName,
    cluster: b.cluster,
    enableActingMaster: b.enableActingMaster,
    zoneName: b.zoneName,
  });
}

export function queueDataJson(q: QueueData): Record<string, unknown> {
  return fastjsonOrder({ ...q });
}

export function topicRouteDataJson(route: TopicRouteData, style: RouteJsonStyle = 'fastjson'): Record<string, unknown> {
  return fastjsonOrder({
    brokerDatas: route.brokerDatas.map((b) => brokerDataJson(b, style)),
    filterServerTable: style === 'standard' ? sortedMap(route.filterServerTable) : route.filterServerTable,
    orderTopicConf: route.orderTopicConf,
    queueDatas: route.queueDatas.map(queueDataJson),
  });
}

export function encodeTopicRouteData(route: TopicRouteData, style: RouteJsonStyle = 'fastjson'): Buffer {
  return Buffer.from(stringifyRmqJson(topicRouteDataJson(route, style)), 'utf8');
}

/**
 * A HashMap<Long, V> iterates small non-negative keys in ascending order
 * (Long.hashCode of a small id is the id itself); fastjson writes it so.
 */
function javaLongKeyOrder<V>(m: Map<number, V>): Map<number, V> {
  return sortedMap(m);
}

/** Reads a standalone BrokerData or QueueData JSON value. */
export const brokerDataValue = objectValue('BrokerData', decodeBrokerData);
export const queueDataValue = objectValue('QueueData', decodeQueueData);
