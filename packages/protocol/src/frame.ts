/**
 * Frame codec.
 *
 * Wire grammar (big-endian):
 *   frame       = int32 length            ; bytes after this field
 *                 int32 typeAndHeaderLen  ; serializeType << 24 | headerLength
 *                 header                  ; JSON or ROCKETMQ binary, headerLength bytes
 *                 body                    ; length - 4 - headerLength bytes
 *   binary hdr  = int16 code, int8 language, int16 version, int32 opaque, int32 flag,
 *                 int32 remarkLen, remark, int32 extLen, { int16 kLen, k, int32 vLen, v }*
 *   JSON hdr    = {"code":..,"extFields":{..},"flag":..,"language":"JAVA","opaque":..,
 *                  "remark":..,"serializeTypeCurrentRPC":"JSON","version":..}
 */
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import {
  type RemotingCommand,
  SerializeType,
  languageCodeOf,
  languageName,
} from './command.js';

/** Default largest frame a peer may send: 16 MiB, as RocketMQ's com.rocketmq.remoting.frameMaxLength. */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

/**
 * A header that could not be decoded while the frame around it was intact.
 * `opaque` is recovered when the bytes allow, so the sender can be answered.
 */
export class HeaderDecodeError extends RmqError {
  readonly opaque: number | undefined;
  readonly serializeType: SerializeType;
  constructor(message: string, serializeType: SerializeType, opaque: number | undefined) {
    super(ErrorCode.PROTOCOL, message);
    this.name = 'HeaderDecodeError';
    this.serializeType = serializeType;
    this.opaque = opaque;
  }
}

/** A length prefix that cannot be honoured; the stream cannot be resynchronised. */
export class FrameLengthError extends RmqError {
  readonly length: number;
  constructor(length: number, max: number) {
    super(ErrorCode.PROTOCOL, `frame length ${length} outside 4..${max}`);
    this.name = 'FrameLengthError';
    this.length = length;
  }
}

// ---------------------------------------------------------------------------
// Encoding

function encodeJsonHeader(cmd: RemotingCommand): Buffer {
  // Field order follows fastjson's alphabetical order, as a Java peer writes it.
  const header: Record<string, unknown> = { code: cmd.code };
  if (Object.keys(cmd.extFields).length > 0) header['extFields'] = cmd.extFields;
  header['flag'] = cmd.flag;
  header['language'] = languageName(cmd.language);
  header['opaque'] = cmd.opaque;
  if (cmd.remark !== undefined) header['remark'] = cmd.remark;
  header['serializeTypeCurrentRPC'] = 'JSON';
  header['version'] = cmd.version;
  return Buffer.from(JSON.stringify(header), 'utf8');
}

function encodeBinaryHeader(cmd: RemotingCommand): Buffer {
  const remark = cmd.remark !== undefined && cmd.remark.length > 0 ? Buffer.from(cmd.remark, 'utf8') : undefined;
  const entries: Array<[Buffer, Buffer]> = [];
  let extLen = 0;
  for (const [k, v] of Object.entries(cmd.extFields)) {
    const kb = Buffer.from(k, 'utf8');
    const vb = Buffer.from(v, 'utf8');
    entries.push([kb, vb]);
    extLen += 2 + kb.length + 4 + vb.length;
  }
  const out = Buffer.allocUnsafe(2 + 1 + 2 + 4 + 4 + 4 + (remark?.length ?? 0) + 4 + extLen);
  let pos = 0;
  pos = out.writeInt16BE(cmd.code, pos);
  pos = out.writeInt8(cmd.language, pos);
  pos = out.writeInt16BE(cmd.version, pos);
  pos = out.writeInt32BE(cmd.opaque, pos);
  pos = out.writeInt32BE(cmd.flag, pos);
  if (remark !== undefined) {
    pos = out.writeInt32BE(remark.length, pos);
    pos += remark.copy(out, pos);
  } else {
    pos = out.writeInt32BE(0, pos);
  }
  pos = out.writeInt32BE(extLen, pos);
  for (const [kb, vb] of entries) {
    pos = out.writeInt16BE(kb.length, pos);
    pos += kb.copy(out, pos);
    pos = out.writeInt32BE(vb.length, pos);
    pos += vb.copy(out, pos);
  }
  return out;
}

export function encodeHeader(cmd: RemotingCommand): Buffer {
  return cmd.serializeType === SerializeType.ROCKETMQ ? encodeBinaryHeader(cmd) : encodeJsonHeader(cmd);
}

/**
 * The frame up to the body: length prefix, type word and header. Writers send
 * this and the body separately so large bodies are never copied.
 */
export function encodeFramePrefix(cmd: RemotingCommand): Buffer {
  const header = encodeHeader(cmd);
  const bodyLen = cmd.body?.length ?? 0;
  const prefix = Buffer.allocUnsafe(8 + header.length);
  prefix.writeInt32BE(4 + header.length + bodyLen, 0);
  prefix.writeInt32BE(((cmd.serializeType & 0xff) << 24) | header.length, 4);
  header.copy(prefix, 8);
  return prefix;
}

/** The whole frame, length prefix included, in one buffer. */
export function encodeFrame(cmd: RemotingCommand): Buffer {
  const prefix = encodeFramePrefix(cmd);
  return cmd.body === undefined || cmd.body.length === 0 ? prefix : Buffer.concat([prefix, cmd.body]);
}

// ---------------------------------------------------------------------------
// Decoding

const OPAQUE_IN_JSON = /"opaque"\s*:\s*(-?\d+)/;

function toStringValue(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  // Objects are not legal header values; keep their JSON so nothing is silently lost.
  return JSON.stringify(v);
}

function intField(obj: Record<string, unknown>, key: string, fallback: number): number {
  const v = obj[key];
  if (v === undefined || v === null) return fallback;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) throw new Error(`header field ${key} is not an integer`);
  return n;
}

function decodeJsonHeader(bytes: Buffer): Omit<RemotingCommand, 'body'> {
  const text = bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const m = OPAQUE_IN_JSON.exec(text);
    throw new HeaderDecodeError(`bad JSON header: ${(err as Error).message}`, SerializeType.JSON, m?.[1] === undefined ? undefined : Number(m[1]) | 0);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HeaderDecodeError('JSON header is not an object', SerializeType.JSON, undefined);
  }
  const obj = parsed as Record<string, unknown>;
  const opaqueRaw = obj['opaque'];
  const opaque = typeof opaqueRaw === 'number' && Number.isInteger(opaqueRaw) ? opaqueRaw | 0 : undefined;
  try {
    const extFields: Record<string, string> = {};
    const ext = obj['extFields'];
    if (ext !== undefined && ext !== null) {
      if (typeof ext !== 'object' || Array.isArray(ext)) throw new Error('extFields is not an object');
      for (const [k, v] of Object.entries(ext as Record<string, unknown>)) {
        const s = toStringValue(v);
        if (s !== undefined) extFields[k] = s;
      }
    }
    const lang = obj['language'];
    const remark = obj['remark'];
    return {
      code: intField(obj, 'code', NaN),
      language: typeof lang === 'number' ? lang : typeof lang === 'string' ? languageCodeOf(lang) : 0,
      version: intField(obj, 'version', 0),
      opaque: intField(obj, 'opaque', 0) | 0,
      flag: intField(obj, 'flag', 0),
      remark: remark === undefined || remark === null ? undefined : String(remark),
      extFields,
      serializeType: SerializeType.JSON,
    };
  } catch (err) {
    throw new HeaderDecodeError(`bad JSON header: ${(err as Error).message}`, SerializeType.JSON, opaque);
  }
}

function decodeBinaryHeader(bytes: Buffer): Omit<RemotingCommand, 'body'> {
  const opaque = bytes.length >= 9 ? bytes.readInt32BE(5) : undefined;
  const fail = (why: string): never => {
    throw new HeaderDecodeError(`bad ROCKETMQ header: ${why}`, SerializeType.ROCKETMQ, opaque);
  };
  if (bytes.length < 21) fail(`header of ${bytes.length} bytes is shorter than 21`);
  let pos = 0;
  const code = bytes.readInt16BE(pos); pos += 2;
  const language = bytes.readInt8(pos); pos += 1;
  const version = bytes.readInt16BE(pos); pos += 2;
  pos += 4; // opaque, read above
  const flag = bytes.readInt32BE(pos); pos += 4;
  const remarkLen = bytes.readInt32BE(pos); pos += 4;
  if (remarkLen < 0 || pos + remarkLen + 4 > bytes.length) fail(`remark length ${remarkLen}`);
  const remark = remarkLen > 0 ? bytes.toString('utf8', pos, pos + remarkLen) : undefined;
  pos += remarkLen;
  const extLen = bytes.readInt32BE(pos); pos += 4;
  if (extLen < 0 || pos + extLen > bytes.length) fail(`extFields length ${extLen}`);
  const end = pos + extLen;
  const extFields: Record<string, string> = {};
  while (pos < end) {
    if (pos + 2 > end) fail('truncated extFields key length');
    const kLen = bytes.readInt16BE(pos); pos += 2;
    if (kLen < 0 || pos + kLen + 4 > end) fail(`extFields key length ${kLen}`);
    const k = bytes.toString('utf8', pos, pos + kLen); pos += kLen;
    const vLen = bytes.readInt32BE(pos); pos += 4;
    if (vLen < 0 || pos + vLen > end) fail(`extFields value length ${vLen}`);
    extFields[k] = bytes.toString('utf8', pos, pos + vLen); pos += vLen;
  }
  return { code, language, version, opaque: opaque ?? 0, flag, remark, extFields, serializeType: SerializeType.ROCKETMQ };
}

function recoverOpaque(type: SerializeType, header: Buffer): number | undefined {
  if (type === SerializeType.ROCKETMQ) return header.length >= 9 ? header.readInt32BE(5) : undefined;
  const m = OPAQUE_IN_JSON.exec(header.toString('utf8'));
  return m?.[1] === undefined ? undefined : Number(m[1]) | 0;
}

/**
 * Decodes one frame without its length prefix (what a frame decoder yields).
 * Throws {@link HeaderDecodeError} for a bad header inside an intact frame.
 */
export function decodeCommand(frame: Buffer): RemotingCommand {
  if (frame.length < 4) throw new HeaderDecodeError(`frame of ${frame.length} bytes has no header word`, SerializeType.JSON, undefined);
  const word = frame.readInt32BE(0);
  const type = (word >>> 24) & 0xff;
  const headerLen = word & 0xffffff;
  if (type !== SerializeType.JSON && type !== SerializeType.ROCKETMQ) {
    throw new HeaderDecodeError(`unknown serialize type ${type}`, SerializeType.JSON, undefined);
  }
  if (headerLen > frame.length - 4) {
    // The header was cut short (or its length overstated): answer with the opaque if the bytes still hold it.
    throw new HeaderDecodeError(`header length ${headerLen} exceeds frame of ${frame.length}`, type, recoverOpaque(type, frame.subarray(4)));
  }
  const header = frame.subarray(4, 4 + headerLen);
  const cmd = type === SerializeType.ROCKETMQ ? decodeBinaryHeader(header) : decodeJsonHeader(header);
  if (Number.isNaN(cmd.code)) throw new HeaderDecodeError('header has no code', type, cmd.opaque);
  const bodyLen = frame.length - 4 - headerLen;
  return { ...cmd, body: bodyLen > 0 ? frame.subarray(4 + headerLen) : undefined };
}

/** Decodes a whole frame, length prefix included. */
export function decodeFrame(bytes: Buffer): RemotingCommand {
  if (bytes.length < 4) throw new FrameLengthError(bytes.length, DEFAULT_MAX_FRAME_SIZE);
  const length = bytes.readInt32BE(0);
  if (length !== bytes.length - 4) throw new FrameLengthError(length, bytes.length - 4);
  return decodeCommand(bytes.subarray(4));
}

/**
 * Splits a byte stream into frames. Frames that sit inside one chunk are
 * returned as views of it, without a copy.
 */
export class FrameDecoder {
  private readonly maxFrameSize: number;
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(maxFrameSize: number = DEFAULT_MAX_FRAME_SIZE) {
    this.maxFrameSize = maxFrameSize;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next complete frame (without its length prefix), or undefined when
   * more bytes are needed. Throws {@link FrameLengthError} when the length
   * prefix is negative, too small or over the limit: the stream is lost.
   */
  next(): Buffer | undefined {
    if (this.buffered < 4) return undefined;
    let first = this.chunks[0]!;
    if (first.length < 4) {
      first = this.coalesce(4);
    }
    const length = first.readInt32BE(0);
    if (length < 4 || length > this.maxFrameSize) throw new FrameLengthError(length, this.maxFrameSize);
    const total = 4 + length;
    if (this.buffered < total) return undefined;
    if (first.length < total) first = this.coalesce(total);
    const frame = first.subarray(4, total);
    if (first.length === total) {
      this.chunks.shift();
    } else {
      this.chunks[0] = first.subarray(total);
    }
    this.buffered -= total;
    return frame;
  }

  /** Merges leading chunks until the first holds at least `n` bytes. */
  private coalesce(n: number): Buffer {
    let size = 0;
    let count = 0;
    while (size < n) {
      size += this.chunks[count]!.length;
      count++;
    }
    const merged = Buffer.concat(this.chunks.slice(0, count), size);
    this.chunks.splice(0, count, merged);
    return merged;
  }
}
