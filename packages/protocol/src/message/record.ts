/**
 * The stored message record: the CommitLog's unit, and the unit a PULL_MESSAGE
 * response body is made of (records back to back). Big-endian; field order
 * from CommitLog.MessageExtEncoder / MessageDecoder (4.9.x; v2 from 5.x):
 *
 *   pos  size  field
 *     0     4  TOTALSIZE                 whole record, this field included
 *     4     4  MAGICCODE                 v1 0xDAA320A7 (1-byte topic length), v2 0xDAA320AB (2-byte)
 *     8     4  BODYCRC                   crc32(body) & 0x7FFFFFFF (of the stored, maybe compressed, body)
 *    12     4  QUEUEID
 *    16     4  FLAG
 *    20     8  QUEUEOFFSET
 *    28     8  PHYSICALOFFSET            the record's own CommitLog offset
 *    36     4  SYSFLAG
 *    40     8  BORNTIMESTAMP
 *    48   8|20 BORNHOST                  ip (4, or 16 if sysFlag & 0x10) + port int32
 *     h     8  STORETIMESTAMP            h = 48 + bornHostLength
 *   h+8   8|20 STOREHOST                 16-byte ip if sysFlag & 0x20
 *     s     4  RECONSUMETIMES            s = h + 8 + storeHostLength
 *   s+4     8  PREPAREDTRANSACTIONOFFSET
 *  s+12     4  BODYLEN, then BODY
 *           1|2 TOPICLEN, then TOPIC (UTF-8)
 *           2  PROPLEN (int16), then PROPERTIES (UTF-8)
 *
 * With IPv4 hosts the fixed part is 84 bytes before BODYLEN, as the table in
 * PROTOCOL-FACTS.md shows. A segment's unused tail starts with an 8-byte blank
 * marker: TOTALSIZE = bytes left in the file, MAGICCODE 0xCBD43194.
 */
import { crc32, inflateSync } from 'node:zlib';
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import { bytesToHex } from './hex.js';
import { IPV4_HOST_LENGTH, IPV6_HOST_LENGTH, encodeHostCached, readHost } from './host.js';
import { readInt64BE, writeInt32Fast, writeInt64BE } from './int64.js';
import { type MessageProperties, createProperties, decodePropertiesBytes } from './properties.js';
import { CompressionKind, SysFlag, compressionKindOf } from './sysflag.js';

/** 0xDAA320A7 as Java's int. */
export const MESSAGE_MAGIC_CODE = -626843481;
/** 0xDAA320AB as Java's int (5.x MessageVersion V2: 2-byte topic length). */
export const MESSAGE_MAGIC_CODE_V2 = -626843477;
/** 0xCBD43194 as Java's int: end-of-file blank marker. */
export const BLANK_MAGIC_CODE = -875286124;
/** A segment always keeps room for the blank marker (CommitLog.END_FILE_MIN_BLANK_LENGTH). */
export const END_FILE_MIN_BLANK_LENGTH = 8;
/** Largest topic a v1 record can hold (the length is a signed byte). */
export const MAX_TOPIC_LENGTH_V1 = 127;

/** Fixed field positions. */
export const RecordPos = {
  TOTAL_SIZE: 0,
  MAGIC_CODE: 4,
  BODY_CRC: 8,
  QUEUE_ID: 12,
  FLAG: 16,
  QUEUE_OFFSET: 20,
  PHYSICAL_OFFSET: 28,
  SYS_FLAG: 36,
  BORN_TIMESTAMP: 40,
  BORN_HOST: 48,
} as const;

export function bornHostLength(sysFlag: number): number {
  return (sysFlag & SysFlag.BORNHOST_V6) === 0 ? IPV4_HOST_LENGTH : IPV6_HOST_LENGTH;
}

export function storeHostLength(sysFlag: number): number {
  return (sysFlag & SysFlag.STOREHOST_V6) === 0 ? IPV4_HOST_LENGTH : IPV6_HOST_LENGTH;
}

export function storeTimestampPos(sysFlag: number): number {
  return 48 + bornHostLength(sysFlag);
}

export function storeHostPos(sysFlag: number): number {
  return 56 + bornHostLength(sysFlag);
}

/** Position of BODYLEN (84 with IPv4 hosts). */
export function bodyLengthPos(sysFlag: number): number {
  return 68 + bornHostLength(sysFlag) + storeHostLength(sysFlag);
}

export function topicLengthSize(magicCode: number): number {
  return magicCode === MESSAGE_MAGIC_CODE_V2 ? 2 : 1;
}

/** Total record length (CommitLog.calMsgLength, with the topic length size of the version). */
export function recordLength(
  sysFlag: number,
  bodyLength: number,
  topicLength: number,
  propertiesLength: number,
  magicCode: number = MESSAGE_MAGIC_CODE,
): number {
  return (
    bodyLengthPos(sysFlag) + 4 + Math.max(0, bodyLength) + topicLengthSize(magicCode) + topicLength + 2 + Math.max(0, propertiesLength)
  );
}

/** crc32 & 0x7FFFFFFF, as UtilAll.crc32. */
export function bodyCrc(body: Uint8Array | undefined): number {
  if (body === undefined || body.length === 0) return 0;
  return crc32(body) & 0x7fffffff;
}

/** What encodeRecord writes. */
export interface RecordInput {
  readonly topic: string;
  readonly queueId: number;
  readonly flag: number;
  readonly queueOffset: number;
  readonly physicalOffset: number;
  /** The IPv6 bits are set from bornHost/storeHost whatever is passed here. */
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  /** "ip:port", or its 8/20 encoded bytes. */
  readonly bornHost: string | Buffer;
  readonly storeTimestamp: number;
  readonly storeHost: string | Buffer;
  readonly reconsumeTimes: number;
  readonly preparedTransactionOffset: number;
  readonly body: Buffer | undefined;
  /** Computed from body when absent. */
  readonly bodyCrc?: number;
  /** Encoded properties: a string, or its UTF-8 bytes. */
  readonly properties: string | Buffer;
  /**
   * Bytes written right after `properties` and counted in PROPLEN: how a
   * batch appends the batch's own properties to each message's
   * (CommitLog.MessageExtEncoder.encode(MessageExtBatch)). The caller adds
   * the separator if one is needed.
   */
  readonly propertiesSuffix?: Buffer;
  /** 1 (default while the topic fits in 127 bytes) or 2. */
  readonly version?: 1 | 2;
  /** The topic's UTF-8 bytes, when the caller keeps them (saves encoding the string per record). */
  readonly topicBytes?: Buffer;
}

/**
 * Buffer.prototype.utf8Write, when the runtime has it: the string write
 * without Buffer#write's argument juggling, which costs on the hot path.
 */
const utf8Write = (Buffer.prototype as unknown as { utf8Write?: (s: string, off: number, len: number) => number }).utf8Write;

function writeString(target: Buffer, s: string, pos: number, len: number): number {
  return utf8Write !== undefined ? utf8Write.call(target, s, pos, len) : target.write(s, pos, len, 'utf8');
}

function hostBytes(h: string | Buffer): Buffer {
  return typeof h === 'string' ? encodeHostCached(h) : h;
}

/** The sysFlag a record of `input` is written with (IPv6 bits from the hosts). */
export function effectiveSysFlag(input: Pick<RecordInput, 'sysFlag' | 'bornHost' | 'storeHost'>): number {
  let f = input.sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6);
  if (hostBytes(input.bornHost).length === IPV6_HOST_LENGTH) f |= SysFlag.BORNHOST_V6;
  if (hostBytes(input.storeHost).length === IPV6_HOST_LENGTH) f |= SysFlag.STOREHOST_V6;
  return f;
}

function byteLength(s: string | Buffer): number {
  return typeof s === 'string' ? Buffer.byteLength(s, 'utf8') : s.length;
}

function versionOf(input: RecordInput, topicLength: number): 1 | 2 {
  return input.version ?? (topicLength > MAX_TOPIC_LENGTH_V1 ? 2 : 1);
}

/** Total size encodeRecord will write for `input`. */
export function measureRecord(input: RecordInput): number {
  const topicLength = Buffer.byteLength(input.topic, 'utf8');
  const magic = versionOf(input, topicLength) === 2 ? MESSAGE_MAGIC_CODE_V2 : MESSAGE_MAGIC_CODE;
  const pLen = byteLength(input.properties) + (input.propertiesSuffix?.length ?? 0);
  return recordLength(effectiveSysFlag(input), input.body?.length ?? 0, topicLength, pLen, magic);
}

/**
 * Writes the record for `input` into `target` at `pos` and returns its size.
 * No intermediate buffers: strings are written in place. `topicLength` and
 * `propertiesLength` (UTF-8 byte lengths; the latter including
 * propertiesSuffix) may be passed when the caller has them. The caller makes room (see measureRecord). Throws RmqError(ARGUMENT)
 * when the topic or the properties do not fit their length fields.
 */
export function encodeRecord(target: Buffer, pos: number, input: RecordInput, topicLength = -1, propertiesLength = -1): number {
  const tLen = topicLength >= 0 ? topicLength : Buffer.byteLength(input.topic, 'utf8');
  const suffix = input.propertiesSuffix;
  const pLen = propertiesLength >= 0 ? propertiesLength : byteLength(input.properties) + (suffix?.length ?? 0);
  const version = versionOf(input, tLen);
  if (version === 1 ? tLen > MAX_TOPIC_LENGTH_V1 : tLen > 32767) {
    throw new RmqError(ErrorCode.ARGUMENT, `topic of ${tLen} bytes does not fit a v${version} record`);
  }
  if (pLen > 32767) throw new RmqError(ErrorCode.ARGUMENT, `properties of ${pLen} bytes exceed 32767`);
  const born = hostBytes(input.bornHost);
  const store = hostBytes(input.storeHost);
  let sysFlag = input.sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6);
  if (born.length === IPV6_HOST_LENGTH) sysFlag |= SysFlag.BORNHOST_V6;
  if (store.length === IPV6_HOST_LENGTH) sysFlag |= SysFlag.STOREHOST_V6;
  const body = input.body;
  const bodyLength = body === undefined ? 0 : body.length;
  const magic = version === 2 ? MESSAGE_MAGIC_CODE_V2 : MESSAGE_MAGIC_CODE;
  const total = recordLength(sysFlag, bodyLength, tLen, pLen, magic);

  writeInt32Fast(target, pos, total);
  writeInt32Fast(target, pos + 4, magic);
  writeInt32Fast(target, pos + 8, input.bodyCrc ?? bodyCrc(body));
  writeInt32Fast(target, pos + 12, input.queueId);
  writeInt32Fast(target, pos + 16, input.flag);
  writeInt64BE(target, pos + 20, input.queueOffset);
  writeInt64BE(target, pos + 28, input.physicalOffset);
  writeInt32Fast(target, pos + 36, sysFlag);
  writeInt64BE(target, pos + 40, input.bornTimestamp);
  let p = pos + 48;
  if (born.length === IPV4_HOST_LENGTH) {
    for (let i = 0; i < 8; i++) target[p + i] = born[i] as number;
  } else born.copy(target, p);
  p += born.length;
  writeInt64BE(target, p, input.storeTimestamp);
  p += 8;
  if (store.length === IPV4_HOST_LENGTH) {
    for (let i = 0; i < 8; i++) target[p + i] = store[i] as number;
  } else store.copy(target, p);
  p += store.length;
  writeInt32Fast(target, p, input.reconsumeTimes);
  writeInt64BE(target, p + 4, input.preparedTransactionOffset);
  writeInt32Fast(target, p + 12, bodyLength);
  p += 16;
  if (bodyLength > 0) {
    target.set(body as Buffer, p);
    p += bodyLength;
  }
  if (version === 2) {
    target[p] = tLen >>> 8;
    target[p + 1] = tLen;
    p += 2;
  } else {
    target[p++] = tLen;
  }
  const tb = input.topicBytes;
  if (tb !== undefined && tb.length === tLen) {
    for (let i = 0; i < tLen; i++) target[p + i] = tb[i] as number;
    p += tLen;
  } else p += writeString(target, input.topic, p, tLen);
  target[p] = pLen >>> 8;
  target[p + 1] = pLen;
  p += 2;
  if (pLen > 0) {
    const props = input.properties;
    p += typeof props === 'string' ? writeString(target, props, p, pLen) : props.copy(target, p);
    if (suffix !== undefined) suffix.copy(target, p);
  }
  return total;
}

/** Writes the 8-byte end-of-file blank marker; `remaining` is the rest of the segment. */
export function encodeBlankMarker(target: Buffer, pos: number, remaining: number): number {
  target.writeInt32BE(remaining, pos);
  target.writeInt32BE(BLANK_MAGIC_CODE, pos + 4);
  return END_FILE_MIN_BLANK_LENGTH;
}

/** Results of checkRecord other than a positive record size. */
export const RecordCheck = {
  /** An end-of-file blank marker. */
  BLANK: 0,
  /** Not a valid record (bad magic, inconsistent lengths, CRC mismatch...). */
  INVALID: -1,
  /** Looks like the start of a record that runs past `limit`. */
  INCOMPLETE: -2,
} as const;

/** Smallest possible record: IPv4 hosts, empty body, topic and properties. */
export const MIN_RECORD_LENGTH = recordLength(0, 0, 0, 0);

/**
 * Validates the record at `buf[pos]` without decoding it: magic, the lengths
 * adding up to TOTALSIZE and, with `verifyCrc`, the body CRC. Returns the
 * record size (> 0), RecordCheck.BLANK, INVALID or INCOMPLETE (the header is
 * plausible but `limit` cuts the record; more bytes may follow).
 */
export function checkRecord(buf: Buffer, pos: number, limit: number, verifyCrc: boolean): number {
  const avail = limit - pos;
  if (avail < 8) return RecordCheck.INCOMPLETE;
  const total = buf.readInt32BE(pos);
  const magic = buf.readInt32BE(pos + 4);
  if (magic === BLANK_MAGIC_CODE) return total >= END_FILE_MIN_BLANK_LENGTH ? RecordCheck.BLANK : RecordCheck.INVALID;
  if (magic !== MESSAGE_MAGIC_CODE && magic !== MESSAGE_MAGIC_CODE_V2) return RecordCheck.INVALID;
  if (total < MIN_RECORD_LENGTH) return RecordCheck.INVALID;
  if (total > avail) return RecordCheck.INCOMPLETE;
  const sysFlag = buf.readInt32BE(pos + 36);
  const bl = pos + bodyLengthPos(sysFlag);
  if (bl + 4 > pos + total) return RecordCheck.INVALID;
  const bodyLength = buf.readInt32BE(bl);
  if (bodyLength < 0) return RecordCheck.INVALID;
  const tl = bl + 4 + bodyLength;
  const tSize = topicLengthSize(magic);
  if (tl + tSize > pos + total) return RecordCheck.INVALID;
  const topicLength = tSize === 2 ? buf.readInt16BE(tl) : buf.readInt8(tl);
  if (topicLength < 0) return RecordCheck.INVALID;
  const pl = tl + tSize + topicLength;
  if (pl + 2 > pos + total) return RecordCheck.INVALID;
  const propertiesLength = buf.readInt16BE(pl);
  if (propertiesLength < 0) return RecordCheck.INVALID;
  if (pl + 2 + propertiesLength - pos !== total) return RecordCheck.INVALID;
  if (verifyCrc) {
    const crc = bodyLength === 0 ? 0 : crc32(buf.subarray(bl + 4, bl + 4 + bodyLength)) & 0x7fffffff;
    if (crc !== buf.readInt32BE(pos + 8)) return RecordCheck.INVALID;
  }
  return total;
}

/** A record decoded into fields. */
export interface StoredMessage {
  readonly storeSize: number;
  readonly magicCode: number;
  readonly bodyCrc: number;
  readonly queueId: number;
  readonly flag: number;
  readonly queueOffset: number;
  readonly commitLogOffset: number;
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  /** "ip:port" ("[v6]:port" for IPv6). */
  readonly bornHost: string;
  readonly storeTimestamp: number;
  readonly storeHost: string;
  readonly reconsumeTimes: number;
  readonly preparedTransactionOffset: number;
  /** A view into the input unless decompressed; undefined when not read or empty. */
  readonly body: Buffer | undefined;
  /** True when `body` is still compressed (not asked to decompress, or an algorithm Node lacks). */
  readonly bodyCompressed: boolean;
  readonly topic: string;
  readonly properties: MessageProperties;
  /** The offset message id: store host + commitLogOffset, uppercase hex. */
  readonly offsetMsgId: string;
}

export interface DecodeRecordOptions {
  /** @defaultValue true */
  readonly readBody?: boolean;
  /** Inflate a compressed body (zlib; LZ4/ZSTD bodies are left as they are). @defaultValue false */
  readonly decompress?: boolean;
  /** Check BODYCRC against the body. @defaultValue false */
  readonly verifyCrc?: boolean;
  /**
   * Require TOTALSIZE to equal the length the fields add up to. Java's
   * decoder reads the fields in sequence and ignores TOTALSIZE, and old
   * brokers wrote a TOTALSIZE computed before compression (see the ali-ons
   * fixture message_compress.bin), so a client decode leaves this off.
   * @defaultValue false
   */
  readonly strictLength?: boolean;
}

export class RecordDecodeError extends RmqError {
  readonly position: number;
  constructor(message: string, position: number) {
    super(ErrorCode.PROTOCOL, `${message} (record at ${position})`);
    this.name = 'RecordDecodeError';
    this.position = position;
  }
}

/** Offset message id of the record at `pos`: store host bytes + PHYSICALOFFSET, hex. */
export function recordOffsetMsgId(buf: Buffer, pos = 0): string {
  const sysFlag = buf.readInt32BE(pos + 36);
  const sh = pos + storeHostPos(sysFlag);
  return bytesToHex(buf, sh, sh + storeHostLength(sysFlag)) + bytesToHex(buf, pos + 28, pos + 36);
}

/**
 * Decodes the record at `buf[pos]`, reading fields in sequence as Java's
 * MessageDecoder.decode does. Throws RecordDecodeError when a field runs past
 * the end of `buf`, the magic code is unknown, the CRC does not match (with
 * verifyCrc) or, with strictLength, TOTALSIZE disagrees with the fields.
 */
export function decodeRecord(buf: Buffer, pos = 0, options: DecodeRecordOptions = {}): StoredMessage {
  return decodeRecordAt(buf, pos, options).message;
}

/** decodeRecord, also telling how many bytes the fields took. */
export function decodeRecordAt(buf: Buffer, pos: number, options: DecodeRecordOptions = {}): { message: StoredMessage; length: number } {
  const end = buf.length;
  const need = (at: number, n: number, what: string): void => {
    if (at + n > end) throw new RecordDecodeError(`truncated record: ${what} runs past the end`, pos);
  };
  need(pos, 48, 'fixed header');
  const storeSize = buf.readInt32BE(pos);
  const magicCode = buf.readInt32BE(pos + 4);
  if (magicCode !== MESSAGE_MAGIC_CODE && magicCode !== MESSAGE_MAGIC_CODE_V2) {
    throw new RecordDecodeError(magicCode === BLANK_MAGIC_CODE ? 'blank marker, not a record' : `unknown magic code 0x${(magicCode >>> 0).toString(16)}`, pos);
  }
  const sysFlag = buf.readInt32BE(pos + 36);
  const bh = bornHostLength(sysFlag);
  const sh = storeHostLength(sysFlag);
  const stPos = pos + 48 + bh;
  const shPos = stPos + 8;
  const rcPos = shPos + sh;
  const blPos = rcPos + 12;
  need(pos, blPos + 4 - pos, 'fixed header');
  const bodyLength = buf.readInt32BE(blPos);
  if (bodyLength < 0) throw new RecordDecodeError(`negative body length ${bodyLength}`, pos);
  need(blPos + 4, bodyLength, 'body');
  const tSize = topicLengthSize(magicCode);
  const tlPos = blPos + 4 + bodyLength;
  need(tlPos, tSize, 'topic length');
  const topicLength = tSize === 2 ? buf.readInt16BE(tlPos) : buf.readInt8(tlPos);
  if (topicLength < 0) throw new RecordDecodeError(`negative topic length ${topicLength}`, pos);
  const topicPos = tlPos + tSize;
  need(topicPos, topicLength + 2, 'topic');
  const plPos = topicPos + topicLength;
  const propertiesLength = buf.readInt16BE(plPos);
  if (propertiesLength < 0) throw new RecordDecodeError(`negative properties length ${propertiesLength}`, pos);
  need(plPos + 2, propertiesLength, 'properties');
  const length = plPos + 2 + propertiesLength - pos;
  if (options.strictLength === true && length !== storeSize) {
    throw new RecordDecodeError(`TOTALSIZE ${storeSize} but the fields take ${length} bytes`, pos);
  }
  const rawBody = buf.subarray(blPos + 4, blPos + 4 + bodyLength);
  const crc = buf.readInt32BE(pos + 8);
  if (options.verifyCrc === true && (bodyLength === 0 ? 0 : crc32(rawBody) & 0x7fffffff) !== crc) {
    throw new RecordDecodeError('body CRC mismatch', pos);
  }

  let body: Buffer | undefined;
  let bodyCompressed = (sysFlag & SysFlag.COMPRESSED) !== 0 && bodyLength > 0;
  if (options.readBody !== false && bodyLength > 0) {
    body = rawBody;
    if (bodyCompressed && options.decompress === true && compressionKindOf(sysFlag) === CompressionKind.ZLIB) {
      try {
        body = inflateSync(body);
        bodyCompressed = false;
      } catch (err) {
        throw new RmqError(ErrorCode.PROTOCOL, `cannot inflate the body of the record at ${pos}`, { cause: err });
      }
    }
  }
  const message: StoredMessage = {
    storeSize,
    magicCode,
    bodyCrc: crc,
    queueId: buf.readInt32BE(pos + 12),
    flag: buf.readInt32BE(pos + 16),
    queueOffset: readInt64BE(buf, pos + 20),
    commitLogOffset: readInt64BE(buf, pos + 28),
    sysFlag,
    bornTimestamp: readInt64BE(buf, pos + 40),
    bornHost: readHost(buf, pos + 48, bh === IPV4_HOST_LENGTH ? 4 : 16),
    storeTimestamp: readInt64BE(buf, stPos),
    storeHost: readHost(buf, shPos, sh === IPV4_HOST_LENGTH ? 4 : 16),
    reconsumeTimes: buf.readInt32BE(rcPos),
    preparedTransactionOffset: readInt64BE(buf, rcPos + 4),
    body,
    bodyCompressed,
    topic: buf.toString('utf8', topicPos, topicPos + topicLength),
    properties: propertiesLength > 0 ? decodePropertiesBytes(buf, plPos + 2, plPos + 2 + propertiesLength) : createProperties(),
    offsetMsgId: bytesToHex(buf, shPos, shPos + sh) + bytesToHex(buf, pos + 28, pos + 36),
  };
  return { message, length };
}

/** Where the topic and properties of the record at `pos` lie (for filters that read one property). */
export interface RecordSections {
  readonly bodyStart: number;
  readonly bodyLength: number;
  readonly topicStart: number;
  readonly topicLength: number;
  readonly propertiesStart: number;
  readonly propertiesLength: number;
}

/** Locates body, topic and properties of a record already validated (checkRecord). */
export function recordSections(buf: Buffer, pos = 0): RecordSections {
  const magicCode = buf.readInt32BE(pos + 4);
  const sysFlag = buf.readInt32BE(pos + 36);
  const bl = pos + bodyLengthPos(sysFlag);
  const bodyLength = buf.readInt32BE(bl);
  const tSize = topicLengthSize(magicCode);
  const tl = bl + 4 + bodyLength;
  const topicLength = tSize === 2 ? buf.readInt16BE(tl) : buf.readInt8(tl);
  const pl = tl + tSize + topicLength;
  return {
    bodyStart: bl + 4,
    bodyLength,
    topicStart: tl + tSize,
    topicLength,
    propertiesStart: pl + 2,
    propertiesLength: buf.readInt16BE(pl),
  };
}

/** The properties of a record (MessageDecoder.decodeProperties). */
export function decodeRecordProperties(buf: Buffer, pos = 0): MessageProperties {
  const s = recordSections(buf, pos);
  return decodePropertiesBytes(buf, s.propertiesStart, s.propertiesStart + s.propertiesLength);
}
