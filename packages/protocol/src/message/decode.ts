/**
 * Decoding a PULL_MESSAGE response body (stored records back to back, exactly
 * as in the CommitLog) into MessageExt (MessageDecoder.decodes with
 * MessageClientExt semantics: msgId is UNIQ_KEY when the producer set one,
 * else the offset msgId). The admin tools read messages this way; the
 * client's consumers build their own view straight from decodeRecordAt
 * (client/src/message.ts).
 */
import { type StoredMessage, MESSAGE_MAGIC_CODE, MESSAGE_MAGIC_CODE_V2, MIN_RECORD_LENGTH, decodeRecordAt } from './record.js';
import { PropertyKey } from './properties.js';

export interface MessageExt extends StoredMessage {
  /** UNIQ_KEY when present, else the offset msgId. */
  readonly msgId: string;
  readonly tags: string | undefined;
  readonly keys: string | undefined;
}

export interface DecodeMessagesOptions {
  /** @defaultValue true */
  readonly readBody?: boolean;
  /** Inflate zlib-compressed bodies. @defaultValue true */
  readonly decompress?: boolean;
  /** Check each body's CRC; a mismatch ends decoding like any invalid record. @defaultValue false */
  readonly verifyCrc?: boolean;
}

export interface DecodedMessages {
  readonly messages: MessageExt[];
  /** Bytes consumed; less than the body's length when something after could not be decoded. */
  readonly consumed: number;
}

/** Adds the client view (msgId, tags, keys) to a decoded record. */
export function toMessageExt(m: StoredMessage): MessageExt {
  const p = m.properties;
  // Field by field, not `{ ...m }`: V8's slow path for that spread took 14% of a draining consumer's CPU when consumers
  // still came through here (bench/RESULTS.md, s5). A field added to StoredMessage must be added here too.
  return {
    storeSize: m.storeSize,
    magicCode: m.magicCode,
    bodyCrc: m.bodyCrc,
    queueId: m.queueId,
    flag: m.flag,
    queueOffset: m.queueOffset,
    commitLogOffset: m.commitLogOffset,
    sysFlag: m.sysFlag,
    bornTimestamp: m.bornTimestamp,
    bornHost: m.bornHost,
    storeTimestamp: m.storeTimestamp,
    storeHost: m.storeHost,
    reconsumeTimes: m.reconsumeTimes,
    preparedTransactionOffset: m.preparedTransactionOffset,
    body: m.body,
    bodyCompressed: m.bodyCompressed,
    topic: m.topic,
    properties: p,
    offsetMsgId: m.offsetMsgId,
    msgId: p[PropertyKey.UNIQ_KEY] ?? m.offsetMsgId,
    tags: p[PropertyKey.TAGS],
    keys: p[PropertyKey.KEYS],
  };
}

/**
 * Decodes records back to back, each read field by field as Java's
 * MessageDecoder.decodes does. Stops at the first bytes that are not a
 * record (unknown magic, fields running past the end, a CRC mismatch with
 * verifyCrc) and reports how far it got.
 */
export function decodeMessagesDetailed(body: Buffer, options: DecodeMessagesOptions = {}): DecodedMessages {
  const messages: MessageExt[] = [];
  const opts = { readBody: options.readBody !== false, decompress: options.decompress !== false, verifyCrc: options.verifyCrc === true };
  let pos = 0;
  while (body.length - pos >= MIN_RECORD_LENGTH) {
    const magic = body.readInt32BE(pos + 4);
    if (magic !== MESSAGE_MAGIC_CODE && magic !== MESSAGE_MAGIC_CODE_V2) break;
    let decoded;
    try {
      decoded = decodeRecordAt(body, pos, opts);
    } catch {
      break;
    }
    messages.push(toMessageExt(decoded.message));
    pos += decoded.length;
  }
  return { messages, consumed: pos };
}

/** Decodes a pull response body into messages. */
export function decodeMessages(body: Buffer, options: DecodeMessagesOptions = {}): MessageExt[] {
  return decodeMessagesDetailed(body, options).messages;
}
