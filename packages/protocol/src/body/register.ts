/**
 * REGISTER_BROKER (103) body and its parts, and QUERY_DATA_VERSION's body.
 *
 * Plain form (header compressed=false), fastjson:
 *   {"filterServerList":[],"topicConfigSerializeWrapper":{
 *     "dataVersion":{"counter":2,"timestamp":1700000000000},
 *     "topicConfigTable":{"T":{"order":false,"perm":6,"readQueueNums":4,
 *       "topicFilterType":"SINGLE_TAG","topicName":"T","topicSysFlag":0,"writeQueueNums":4}}}}
 * Compressed form (compressed=true; brokerConfig.compressedRegister, off by
 * default), zlib-deflated (Deflater.BEST_COMPRESSION):
 *   int32 len, DataVersion JSON; int32 topicCount;
 *   topicCount x (int32 len, "topicName readQueueNums writeQueueNums perm topicFilterType");
 *   int32 len, filterServerList JSON
 *   The compressed topic line drops topicSysFlag and order (they read as 0/false).
 * bodyCrc32 in the header is CRC32(body) & 0x7FFFFFFF of the bytes sent
 * (compressed or not); the NameServer answers SYSTEM_ERROR "crc32 not match"
 * when it differs, and skips the check when it is 0.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { type JsonValue, parseRmqJson, stringifyRmqJson } from '../json.js';
import { BodyDecodeError, Reader, fastjsonOrder, objectValue } from './read.js';
import { type KVTable, decodeKVTable } from './table.js';

export interface DataVersion {
  timestamp: number;
  counter: number;
  /** 5.x only. */
  stateVersion?: number;
}

export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  /** SINGLE_TAG or MULTI_TAG. */
  topicFilterType: string;
  topicSysFlag: number;
  order: boolean;
  /** 5.x only: topic attributes ("+message.type" etc.). */
  attributes?: Map<string, string>;
}

export interface TopicConfigSerializeWrapper {
  topicConfigTable: Map<string, TopicConfig>;
  dataVersion: DataVersion;
}

export interface RegisterBrokerBody {
  topicConfigSerializeWrapper: TopicConfigSerializeWrapper;
  filterServerList: string[];
}

/** What a NameServer answers to REGISTER_BROKER: header fields plus the KVTable body (order topic config). */
export interface RegisterBrokerResult {
  haServerAddr?: string;
  masterAddr?: string;
  kvTable: KVTable;
}

/** TopicConfig defaults (TopicConfig.defaultReadQueueNums etc.). */
export const DEFAULT_TOPIC_QUEUE_NUMS = 16;

export function decodeDataVersion(body: Buffer | string | JsonValue): DataVersion {
  return readDataVersion(Reader.body('DataVersion', body));
}

function readDataVersion(r: Reader): DataVersion {
  const dv: DataVersion = { timestamp: r.number('timestamp'), counter: r.number('counter') };
  const state = r.optNumber('stateVersion');
  if (state !== undefined) dv.stateVersion = state;
  return dv;
}

export function dataVersionJson(dv: DataVersion): Record<string, unknown> {
  return fastjsonOrder({ counter: dv.counter, stateVersion: dv.stateVersion, timestamp: dv.timestamp });
}

export function encodeDataVersion(dv: DataVersion): Buffer {
  return Buffer.from(stringifyRmqJson(dataVersionJson(dv)), 'utf8');
}

export function readTopicConfig(r: Reader): TopicConfig {
  const tc: TopicConfig = {
    topicName: r.string('topicName'),
    readQueueNums: r.number('readQueueNums', DEFAULT_TOPIC_QUEUE_NUMS),
    writeQueueNums: r.number('writeQueueNums', DEFAULT_TOPIC_QUEUE_NUMS),
    perm: r.number('perm', 6),
    topicFilterType: r.string('topicFilterType', 'SINGLE_TAG'),
    topicSysFlag: r.number('topicSysFlag'),
    order: r.boolean('order'),
  };
  if (r.has('attributes')) tc.attributes = r.stringMap('attributes', (v) => String(v));
  return tc;
}

export function decodeTopicConfig(body: Buffer | string | JsonValue): TopicConfig {
  return readTopicConfig(Reader.body('TopicConfig', body));
}

export function topicConfigJson(tc: TopicConfig): Record<string, unknown> {
  return fastjsonOrder({ ...tc });
}

export function encodeTopicConfig(tc: TopicConfig): Buffer {
  return Buffer.from(stringifyRmqJson(topicConfigJson(tc)), 'utf8');
}

function readWrapper(r: Reader): TopicConfigSerializeWrapper {
  return {
    topicConfigTable: r.stringMap('topicConfigTable', objectValue(r.type, readTopicConfig)),
    dataVersion: r.has('dataVersion') ? readDataVersion(r.object('dataVersion')) : { timestamp: 0, counter: 0 },
  };
}

/** GET_ALL_TOPIC_CONFIG's response body (and topics.json). */
export function decodeTopicConfigSerializeWrapper(body: Buffer | string | JsonValue): TopicConfigSerializeWrapper {
  return readWrapper(Reader.body('TopicConfigSerializeWrapper', body));
}

export function topicConfigSerializeWrapperJson(w: TopicConfigSerializeWrapper): Record<string, unknown> {
  return fastjsonOrder({
    dataVersion: dataVersionJson(w.dataVersion),
    topicConfigTable: new Map([...w.topicConfigTable].map(([k, v]) => [k, topicConfigJson(v)])),
  });
}

export function encodeTopicConfigSerializeWrapper(w: TopicConfigSerializeWrapper): Buffer {
  return Buffer.from(stringifyRmqJson(topicConfigSerializeWrapperJson(w)), 'utf8');
}

/** Decodes a REGISTER_BROKER body in the form the header's `compressed` names. */
export function decodeRegisterBrokerBody(body: Buffer, compressed: boolean): RegisterBrokerBody {
  if (compressed) return decodeCompressedRegisterBrokerBody(body);
  const r = Reader.body('RegisterBrokerBody', body);
  return {
    topicConfigSerializeWrapper: r.has('topicConfigSerializeWrapper')
      ? readWrapper(r.object('topicConfigSerializeWrapper'))
      : { topicConfigTable: new Map(), dataVersion: { timestamp: 0, counter: 0 } },
    filterServerList: r.strings('filterServerList'),
  };
}

export function encodeRegisterBrokerBody(b: RegisterBrokerBody, compressed = false): Buffer {
  if (compressed) return encodeCompressedRegisterBrokerBody(b);
  return Buffer.from(
    stringifyRmqJson(
      fastjsonOrder({
        filterServerList: b.filterServerList,
        topicConfigSerializeWrapper: topicConfigSerializeWrapperJson(b.topicConfigSerializeWrapper),
      }),
    ),
    'utf8',
  );
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}

function encodeCompressedRegisterBrokerBody(b: RegisterBrokerBody): Buffer {
  const parts: Buffer[] = [];
  const push = (bytes: Buffer): void => {
    parts.push(int32(bytes.length), bytes);
  };
  push(encodeDataVersion(b.topicConfigSerializeWrapper.dataVersion));
  const table = b.topicConfigSerializeWrapper.topicConfigTable;
  parts.push(int32(table.size));
  for (const tc of table.values()) {
    push(Buffer.from(`${tc.topicName} ${tc.readQueueNums} ${tc.writeQueueNums} ${tc.perm} ${tc.topicFilterType}`, 'utf8'));
  }
  push(Buffer.from(stringifyRmqJson(b.filterServerList), 'utf8'));
  return deflateSync(Buffer.concat(parts), { level: 9 });
}

function decodeCompressedRegisterBrokerBody(body: Buffer): RegisterBrokerBody {
  const type = 'RegisterBrokerBody(compressed)';
  let data: Buffer;
  try {
    data = inflateSync(body);
  } catch (err) {
    throw new BodyDecodeError(type, '$', `inflate failed: ${(err as Error).message}`);
  }
  let pos = 0;
  const readInt = (): number => {
    if (pos + 4 > data.length) throw new BodyDecodeError(type, `@${pos}`, 'End of compressed data has reached');
    const n = data.readInt32BE(pos);
    pos += 4;
    return n;
  };
  const readBytes = (): string => {
    const len = readInt();
    if (len < 0 || pos + len > data.length) throw new BodyDecodeError(type, `@${pos}`, 'End of compressed data has reached');
    const s = data.toString('utf8', pos, pos + len);
    pos += len;
    return s;
  };
  const dataVersion = decodeDataVersion(readBytes());
  const count = readInt();
  const topicConfigTable = new Map<string, TopicConfig>();
  for (let i = 0; i < count; i++) {
    const line = readBytes();
    const f = line.split(' ');
    // Java's TopicConfig.decode ignores a line that is not exactly five fields.
    if (f.length !== 5) continue;
    const tc: TopicConfig = {
      topicName: f[0]!,
      readQueueNums: Number.parseInt(f[1]!, 10),
      writeQueueNums: Number.parseInt(f[2]!, 10),
      perm: Number.parseInt(f[3]!, 10),
      topicFilterType: f[4]!,
      topicSysFlag: 0,
      order: false,
    };
    topicConfigTable.set(tc.topicName, tc);
  }
  let filterServerList: string[] = [];
  const filterJson = parseRmqJson(readBytes());
  if (Array.isArray(filterJson)) filterServerList = filterJson.filter((x): x is string => typeof x === 'string');
  return { topicConfigSerializeWrapper: { topicConfigTable, dataVersion }, filterServerList };
}

/** The NameServer's REGISTER_BROKER answer, from response header fields and body. */
export function decodeRegisterBrokerResult(extFields: Readonly<Record<string, string>>, body: Buffer | undefined): RegisterBrokerResult {
  const result: RegisterBrokerResult = { kvTable: body === undefined || body.length === 0 ? { table: new Map() } : decodeKVTable(body) };
  if (extFields['haServerAddr'] !== undefined) result.haServerAddr = extFields['haServerAddr'];
  if (extFields['masterAddr'] !== undefined) result.masterAddr = extFields['masterAddr'];
  return result;
}

let crcTable: Int32Array | undefined;

/** UtilAll.crc32: CRC-32 (IEEE) of the bytes, masked to 31 bits. */
export function javaCrc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) & 0x7fffffff;
}
