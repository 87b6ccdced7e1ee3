/**
 * The body of SEND_BATCH_MESSAGE (MessageDecoder.encodeMessages /
 * decodeMessages), per message, big-endian:
 *
 *   int32 TOTALSIZE   this entry, this field included
 *   int32 MAGICCODE   0 from the Java client
 *   int32 BODYCRC     0 from the Java client (the broker computes it)
 *   int32 FLAG
 *   int32 BODYLEN, BODY
 *   int16 PROPLEN, PROPERTIES (UTF-8, key \u0001 value \u0002 ...)
 */
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import { type MessageProperties, decodePropertiesBytes, encodeProperties } from './properties.js';

export interface BatchMessageInput {
  readonly body: Buffer;
  readonly flag?: number;
  /** A map, or properties already encoded. */
  readonly properties?: Readonly<Record<string, string | undefined>> | string;
}

/** One entry of a batch body; `body` and `propertiesBytes` are views into the input. */
export interface BatchEntry {
  readonly flag: number;
  readonly body: Buffer;
  readonly propertiesBytes: Buffer;
}

export interface BatchMessage {
  readonly flag: number;
  readonly body: Buffer;
  readonly properties: MessageProperties;
}

const ENTRY_FIXED = 4 + 4 + 4 + 4 + 4 + 2;

/** Encodes messages as a batch body. Throws RmqError(ARGUMENT) when properties exceed 32767 bytes. */
export function encodeBatch(messages: readonly BatchMessageInput[]): Buffer {
  const props = messages.map((m) => {
    const p = m.properties;
    return Buffer.from(p === undefined ? '' : typeof p === 'string' ? p : encodeProperties(p), 'utf8');
  });
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    const pl = (props[i] as Buffer).length;
    if (pl > 32767) throw new RmqError(ErrorCode.ARGUMENT, `properties of batch message ${i} have ${pl} bytes, more than 32767`);
    total += ENTRY_FIXED + (messages[i] as BatchMessageInput).body.length + pl;
  }
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as BatchMessageInput;
    const p = props[i] as Buffer;
    const size = ENTRY_FIXED + m.body.length + p.length;
    out.writeInt32BE(size, pos);
    out.writeInt32BE(0, pos + 4);
    out.writeInt32BE(0, pos + 8);
    out.writeInt32BE(m.flag ?? 0, pos + 12);
    out.writeInt32BE(m.body.length, pos + 16);
    m.body.copy(out, pos + 20);
    let q = pos + 20 + m.body.length;
    out.writeInt16BE(p.length, q);
    q += 2;
    p.copy(out, q);
    pos += size;
  }
  return out;
}

/**
 * Splits a batch body into entries without copying. Throws RmqError(PROTOCOL)
 * when an entry's lengths do not add up or run past the end.
 */
export function decodeBatchEntries(buf: Buffer): BatchEntry[] {
  const out: BatchEntry[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < ENTRY_FIXED) throw new RmqError(ErrorCode.PROTOCOL, `batch entry at ${pos} truncated`);
    const size = buf.readInt32BE(pos);
    const flag = buf.readInt32BE(pos + 12);
    const bodyLength = buf.readInt32BE(pos + 16);
    if (bodyLength < 0 || pos + 20 + bodyLength + 2 > buf.length) throw new RmqError(ErrorCode.PROTOCOL, `batch entry at ${pos}: bad body length ${bodyLength}`);
    const body = buf.subarray(pos + 20, pos + 20 + bodyLength);
    const pl = pos + 20 + bodyLength;
    const propertiesLength = buf.readInt16BE(pl);
    const end = pl + 2 + propertiesLength;
    if (propertiesLength < 0 || end > buf.length) throw new RmqError(ErrorCode.PROTOCOL, `batch entry at ${pos}: bad properties length ${propertiesLength}`);
    // Java reads the fields in sequence and ignores TOTALSIZE; insist it agrees so garbage is not stored.
    if (size !== end - pos) throw new RmqError(ErrorCode.PROTOCOL, `batch entry at ${pos}: total size ${size} but fields take ${end - pos}`);
    out.push({ flag, body, propertiesBytes: buf.subarray(pl + 2, end) });
    pos = end;
  }
  return out;
}

/** Decodes a batch body into messages (bodies are views into the input). */
export function decodeBatch(buf: Buffer): BatchMessage[] {
  return decodeBatchEntries(buf).map((e) => ({
    flag: e.flag,
    body: e.body,
    properties: decodePropertiesBytes(e.propertiesBytes),
  }));
}
