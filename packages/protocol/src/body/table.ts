/**
 * Small table bodies, and the properties text of broker/NameServer config.
 *
 *   KVTable      {"table":{"k":"v",...}}        GET_KVLIST_BY_NAMESPACE, GET_BROKER_RUNTIME_INFO,
 *                                               REGISTER_BROKER's response
 *   TopicList    {"brokerAddr":"..."?,"topicList":["a",...]}
 *                                               206, 224, 304, 305, 311-313
 *   GroupList    {"groupList":["g",...]}        QUERY_TOPIC_CONSUME_BY_WHO
 *   ClusterInfo  {"brokerAddrTable":{"b":BrokerData},"clusterAddrTable":{"c":["b"]}}
 *                                               GET_BROKER_CLUSTER_INFO
 *   GetConsumerListByGroupResponseBody {"consumerIdList":["ip@pid",...]}
 *   properties text "k=v\n"...                  GET_BROKER_CONFIG, UPDATE_BROKER_CONFIG,
 *                                               GET_NAMESRV_CONFIG, UPDATE_NAMESRV_CONFIG
 */
import { type JsonValue, stringifyRmqJson } from '../json.js';
import { Reader, fastjsonOrder, objectValue, stringValue } from './read.js';
import { type BrokerData, brokerDataJson, decodeBrokerData } from './route.js';

export interface KVTable {
  table: Map<string, string>;
}

export function decodeKVTable(body: Buffer | string | JsonValue): KVTable {
  const r = Reader.body('KVTable', body);
  return { table: r.stringMap('table', (v) => (typeof v === 'string' ? v : stringifyRmqJson(v))) };
}

export function encodeKVTable(t: KVTable): Buffer {
  return Buffer.from(stringifyRmqJson({ table: t.table }), 'utf8');
}

export interface TopicList {
  topicList: string[];
  brokerAddr?: string;
}

export function decodeTopicList(body: Buffer | string | JsonValue): TopicList {
  const r = Reader.body('TopicList', body);
  const t: TopicList = { topicList: r.strings('topicList') };
  const addr = r.optString('brokerAddr');
  if (addr !== undefined) t.brokerAddr = addr;
  return t;
}

export function encodeTopicList(t: TopicList): Buffer {
  return Buffer.from(stringifyRmqJson(fastjsonOrder({ brokerAddr: t.brokerAddr, topicList: t.topicList })), 'utf8');
}

export interface GroupList {
  groupList: string[];
}

export function decodeGroupList(body: Buffer | string | JsonValue): GroupList {
  return { groupList: Reader.body('GroupList', body).strings('groupList') };
}

export function encodeGroupList(g: GroupList): Buffer {
  return Buffer.from(stringifyRmqJson({ groupList: g.groupList }), 'utf8');
}

export interface GetConsumerListByGroupResponseBody {
  consumerIdList: string[];
}

export function decodeConsumerIdList(body: Buffer | string | JsonValue): GetConsumerListByGroupResponseBody {
  return { consumerIdList: Reader.body('GetConsumerListByGroupResponseBody', body).strings('consumerIdList') };
}

export function encodeConsumerIdList(b: GetConsumerListByGroupResponseBody): Buffer {
  return Buffer.from(stringifyRmqJson({ consumerIdList: b.consumerIdList }), 'utf8');
}

export interface ClusterInfo {
  /** brokerName -> BrokerData. */
  brokerAddrTable: Map<string, BrokerData>;
  /** clusterName -> brokerNames. */
  clusterAddrTable: Map<string, string[]>;
}

export function decodeClusterInfo(body: Buffer | string | JsonValue): ClusterInfo {
  const r = Reader.body('ClusterInfo', body);
  return {
    brokerAddrTable: r.stringMap('brokerAddrTable', objectValue(r.type, decodeBrokerData)),
    clusterAddrTable: r.stringMap('clusterAddrTable', (v, p) => {
      if (!Array.isArray(v)) return Reader.of(r.type, v, p).fail('', 'expected an array');
      return v.map((x, i) => stringValue(r.type)(x, `${p}[${i}]`));
    }),
  };
}

/** In fastjson's default form (brokerAddrs keys unquoted), as a 4.9 NameServer writes it. */
export function encodeClusterInfo(c: ClusterInfo, style: 'standard' | 'fastjson' = 'fastjson'): Buffer {
  return Buffer.from(
    stringifyRmqJson({
      brokerAddrTable: new Map([...c.brokerAddrTable].map(([k, b]) => [k, brokerDataJson(b, style)])),
      clusterAddrTable: c.clusterAddrTable,
    }),
    'utf8',
  );
}

/**
 * Parses config text as java.util.Properties.load(InputStream) does: bytes
 * as ISO-8859-1, `#`/`!` comments, `=`, `:` or whitespace between key and
 * value, backslash escapes (\t \n \r \f \uXXXX) and line continuations.
 * Later keys win.
 */
export function parseProperties(body: Buffer | string): Map<string, string> {
  const text = typeof body === 'string' ? body : body.toString('latin1');
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (line.length === 0 || line[0] === '#' || line[0] === '!') continue;
    // A line ending in an odd number of backslashes continues on the next one.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    let k = 0;
    let key = '';
    while (k < line.length) {
      const c = line[k]!;
      if (c === '\\') {
        key += line.slice(k, k + 2);
        k += 2;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      key += c;
      k++;
    }
    let rest = line.slice(k).replace(/^[ \t\f]+/, '');
    if (rest[0] === '=' || rest[0] === ':') rest = rest.slice(1).replace(/^[ \t\f]+/, '');
    out.set(unescapeProperty(key), unescapeProperty(rest));
  }
  return out;
}

function unescapeProperty(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    if (e.length === 5) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    switch (e) {
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      default:
        return e;
    }
  });
}

/** MixAll.properties2String: `key=value\n` per entry, no escaping, UTF-8. */
export function serializeProperties(props: ReadonlyMap<string, string> | Readonly<Record<string, string>>): Buffer {
  const entries = props instanceof Map ? [...props.entries()] : Object.entries(props);
  return Buffer.from(entries.map(([k, v]) => `${k}=${v}\n`).join(''), 'utf8');
}
