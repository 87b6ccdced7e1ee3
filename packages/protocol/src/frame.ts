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
    super(ErrorCode.PROTOCOL, `frame length ${length} outside 0..${max}`);
    this.name = 'FrameLengthError';
    this.length = length;
  }
}

// ---------------------------------------------------------------------------
// Encoding

/** The JSON header in fastjson's alphabetical field order, as a Java peer writes it. */
export function jsonHeaderTextSlow(cmd: RemotingCommand): string {
  const header: Record<string, unknown> = { code: cmd.code };
  for (const _ in cmd.extFields) {
    header['extFields'] = cmd.extFields;
    break;
  }
  header['flag'] = cmd.flag;
  header['language'] = languageName(cmd.language);
  header['opaque'] = cmd.opaque;
  if (cmd.remark !== undefined) header['remark'] = cmd.remark;
  header['serializeTypeCurrentRPC'] = 'JSON';
  header['version'] = cmd.version;
  return JSON.stringify(header);
}

function isJsonNumber(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/**
 * The same text as {@link jsonHeaderTextSlow}, with the outer object
 * concatenated directly (JSON.stringify still writes extFields): on the send
 * path the intermediate object cost a third of the encode. Fields of an
 * unexpected type take the slow path, so the output never differs.
 */
export function jsonHeaderText(cmd: RemotingCommand): string {
  const remark = cmd.remark;
  if (!isJsonNumber(cmd.code) || !isJsonNumber(cmd.flag) || !isJsonNumber(cmd.opaque) || !isJsonNumber(cmd.version) ||
    (remark !== undefined && typeof remark !== 'string')) {
    return jsonHeaderTextSlow(cmd);
  }
  let text = `{"code":${cmd.code}`;
  for (const _ in cmd.extFields) {
    const ext = JSON.stringify(cmd.extFields) as string | undefined;
    if (ext === undefined) return jsonHeaderTextSlow(cmd);
    text += `,"extFields":${ext}`;
    break;
  }
  text += `,"flag":${cmd.flag},"language":"${languageName(cmd.language)}","opaque":${cmd.opaque}`;
  if (remark !== undefined) text += `,"remark":${JSON.stringify(remark)}`;
  return `${text},"serializeTypeCurrentRPC":"JSON","version":${cmd.version}}`;
}

type Utf8Writable = Buffer & { utf8Write(s: string, offset: number): number };
const utf8Write: (buf: Buffer, s: string, offset: number) => number =
  typeof (Buffer.prototype as Partial<Utf8Writable>).utf8Write === 'function'
    ? (buf, s, offset) => (buf as Utf8Writable).utf8Write(s, offset)
    : (buf, s, offset) => buf.write(s, offset, 'utf8');
/**
 * `s` as UTF-8 at `pos`; returns the byte count. Short ASCII strings (every
 * key and most values) are copied in JS: the native call costs more than the loop.
 */
function writeUtf8(out: Buffer, s: string, pos: number): number {
  const n = s.length;
  if (n <= 64) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[pos + i] = c;
    }
    if (i === n) return n;
  }
  return utf8Write(out, s, pos);
}

/**
 * Writes the binary header at `start` of `out` (sized by {@link binaryHeaderBound})
 * and returns its length. Strings are written once, their lengths patched in after.
 */
function writeBinaryHeader(cmd: RemotingCommand, out: Buffer, start: number): number {
  let pos = start;
  pos = out.writeInt16BE(cmd.code, pos);
  pos = out.writeInt8(cmd.language, pos);
  pos = out.writeInt16BE(cmd.version, pos);
  pos = out.writeInt32BE(cmd.opaque, pos);
  pos = out.writeInt32BE(cmd.flag, pos);
  if (cmd.remark !== undefined && cmd.remark.length > 0) {
    const n = writeUtf8(out, cmd.remark, pos + 4);
    out.writeInt32BE(n, pos);
    pos += 4 + n;
  } else {
    pos = out.writeInt32BE(0, pos);
  }
  const extLenPos = pos;
  pos += 4;
  const ext = cmd.extFields;
  for (const k in ext) {
    const kn = writeUtf8(out, k, pos + 2);
    out.writeInt16BE(kn, pos);
    pos += 2 + kn;
    const v = ext[k]!;
    const vn = v.length === 0 ? 0 : writeUtf8(out, v, pos + 4);
    out.writeInt32BE(vn, pos);
    pos += 4 + vn;
  }
  out.writeInt32BE(pos - extLenPos - 4, extLenPos);
  return pos - start;
}

/** An upper bound of the binary header's size: a UTF-16 unit takes at most 3 UTF-8 bytes. */
function binaryHeaderBound(cmd: RemotingCommand): number {
  let n = 21 + 3 * (cmd.remark?.length ?? 0);
  const ext = cmd.extFields;
  for (const k in ext) n += 6 + 3 * (k.length + ext[k]!.length);
  return n;
}

export function encodeHeader(cmd: RemotingCommand): Buffer {
  return encodeFramePrefix(cmd).subarray(8);
}

/**
 * The frame up to the body: length prefix, type word and header, in one
 * buffer. Writers send this and the body separately so large bodies are never copied.
 */
export function encodeFramePrefix(cmd: RemotingCommand): Buffer {
  // One writer for both forms: a small first guess, else exactly the room the writer asks for.
  const guess = Buffer.allocUnsafe(512);
  const n = encodeFramePrefixInto(cmd, guess, 0);
  if (n >= 0) return guess.subarray(0, n);
  const out = Buffer.allocUnsafe(-n);
  return out.subarray(0, encodeFramePrefixInto(cmd, out, 0));
}

/**
 * Writes the frame up to the body (as {@link encodeFramePrefix}) into `out`
 * at `pos` and returns its length, so a writer can batch frames without a
 * buffer per frame. When `out` may lack room nothing is written and the
 * result is minus the room to provide (an upper bound) before calling again.
 */
export function encodeFramePrefixInto(cmd: RemotingCommand, out: Buffer, pos: number): number {
  const bodyLen = cmd.body?.length ?? 0;
  let headerLen: number;
  if (cmd.serializeType === SerializeType.ROCKETMQ) {
    const bound = 8 + binaryHeaderBound(cmd);
    if (out.length - pos < bound) return -bound;
    headerLen = writeBinaryHeader(cmd, out, pos + 8);
  } else {
    const text = jsonHeaderText(cmd);
    // A UTF-16 unit takes at most 3 UTF-8 bytes; measuring exactly would cost a pass over the text.
    const bound = 8 + 3 * text.length;
    if (out.length - pos < bound) return -bound;
    headerLen = utf8Write(out, text, pos + 8);
  }
  writeInt32(out, pos, 4 + headerLen + bodyLen);
  writeInt32(out, pos + 4, ((cmd.serializeType & 0xff) << 24) | headerLen);
  return 8 + headerLen;
}

/** Big-endian int32 without Buffer's range checks (the callers checked the room). */
function writeInt32(out: Buffer, pos: number, v: number): void {
  out[pos] = v >>> 24;
  out[pos + 1] = v >>> 16;
  out[pos + 2] = v >>> 8;
  out[pos + 3] = v;
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

/** True when every value is already a string, as Java and Go peers send them. */
function allStrings(ext: Record<string, unknown>): boolean {
  for (const k in ext) if (typeof ext[k] !== 'string') return false;
  return true;
}

function decodeJsonHeader(frame: Buffer, start: number, end: number, body: Buffer | undefined): RemotingCommand {
  const text = utf8(frame, start, end);
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
    let extFields: Record<string, string>;
    const ext = obj['extFields'];
    if (ext === undefined || ext === null) {
      extFields = {};
    } else if (typeof ext !== 'object' || Array.isArray(ext)) {
      throw new Error('extFields is not an object');
    } else if (allStrings(ext as Record<string, unknown>)) {
      // JSON.parse gives own data properties, "__proto__" included, so the object can be used as is.
      extFields = ext as Record<string, string>;
    } else {
      // ali-ons sends numbers and booleans; we hand out strings only.
      extFields = {};
      for (const [k, v] of Object.entries(ext as Record<string, unknown>)) {
        const s = toStringValue(v);
        if (s !== undefined) Object.defineProperty(extFields, k, { value: s, enumerable: true, writable: true, configurable: true });
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
      body,
      serializeType: SerializeType.JSON,
    };
  } catch (err) {
    throw new HeaderDecodeError(`bad JSON header: ${(err as Error).message}`, SerializeType.JSON, opaque);
  }
}

/** One-character strings for single-byte keys (SEND_MESSAGE_V2 uses a..n). */
const ONE_CHAR_STRINGS: readonly string[] = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i));

type Utf8Sliceable = Buffer & { utf8Slice(start: number, end: number): string };

/**
 * `buf.toString('utf8', s, e)` spends a third of its time choosing the
 * encoding; header decoding calls it two dozen times per frame.
 */
const utf8: (buf: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as Partial<Utf8Sliceable>).utf8Slice === 'function'
    ? (buf, start, end) => (buf as Utf8Sliceable).utf8Slice(start, end)
    : (buf, start, end) => buf.toString('utf8', start, end);

function decodeBinaryHeader(frame: Buffer, start: number, end: number, body: Buffer | undefined): RemotingCommand {
  const opaque = end - start >= 9 ? frame.readInt32BE(start + 5) : undefined;
  const fail = (why: string): never => {
    throw new HeaderDecodeError(`bad ROCKETMQ header: ${why}`, SerializeType.ROCKETMQ, opaque);
  };
  if (end - start < 21) fail(`header of ${end - start} bytes is shorter than 21`);
  let pos = start;
  const code = frame.readInt16BE(pos); pos += 2;
  const language = frame.readInt8(pos); pos += 1;
  const version = frame.readInt16BE(pos); pos += 2;
  pos += 4; // opaque, read above
  const flag = frame.readInt32BE(pos); pos += 4;
  const remarkLen = frame.readInt32BE(pos); pos += 4;
  if (remarkLen < 0 || pos + remarkLen + 4 > end) fail(`remark length ${remarkLen}`);
  const remark = remarkLen > 0 ? utf8(frame, pos, pos + remarkLen) : undefined;
  pos += remarkLen;
  const extLen = frame.readInt32BE(pos); pos += 4;
  if (extLen < 0 || pos + extLen > end) fail(`extFields length ${extLen}`);
  const extEnd = pos + extLen;
  const extFields: Record<string, string> = {};
  while (pos < extEnd) {
    if (pos + 2 > extEnd) fail('truncated extFields key length');
    const kLen = frame.readInt16BE(pos); pos += 2;
    if (kLen < 0 || pos + kLen + 4 > extEnd) fail(`extFields key length ${kLen}`);
    const first = frame[pos]!;
    const k = kLen === 1 && first < 0x80 ? ONE_CHAR_STRINGS[first]! : utf8(frame, pos, pos + kLen);
    pos += kLen;
    const vLen = frame.readInt32BE(pos); pos += 4;
    if (vLen < 0 || pos + vLen > extEnd) fail(`extFields value length ${vLen}`);
    extFields[k] = vLen === 0 ? '' : utf8(frame, pos, pos + vLen);
    pos += vLen;
  }
  return { code, language, version, opaque: opaque ?? 0, flag, remark, extFields, body, serializeType: SerializeType.ROCKETMQ };
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
  const body = frame.length - 4 - headerLen > 0 ? frame.subarray(4 + headerLen) : undefined;
  const cmd = type === SerializeType.ROCKETMQ ? decodeBinaryHeader(frame, 4, 4 + headerLen, body) : decodeJsonHeader(frame, 4, 4 + headerLen, body);
  if (Number.isNaN(cmd.code)) throw new HeaderDecodeError('header has no code', type, cmd.opaque);
  return cmd;
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
   * prefix is negative or over the limit: the stream is lost. A frame too
   * short to hold a header word (length 0..3) still has a known end, so it is
   * returned and decodeCommand reports it as a bad header.
   */
  next(): Buffer | undefined {
    if (this.buffered < 4) return undefined;
    let first = this.chunks[0]!;
    if (first.length < 4) {
      first = this.coalesce(4);
    }
    const length = first.readInt32BE(0);
    if (length < 0 || length > this.maxFrameSize) throw new FrameLengthError(length, this.maxFrameSize);
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
