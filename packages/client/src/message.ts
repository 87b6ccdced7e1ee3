/**
 * Messages as users write and read them, and their wire forms: the
 * properties string and V2 header of a send, the body of a batch, and the
 * view of a pulled record.
 */
import { deflate, deflateSync } from 'node:zlib';
import { promisify } from 'node:util';
import {
  MessageConst,
  MessageSysFlag,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
  RESERVED_PROPERTY_KEYS,
  TOPIC_MAX_LENGTH,
  VALID_NAME_PATTERN,
  encodeBatch,
  encodeProperties,
  isBlank,
  isNotAllowedSendTopic,
  isRetryTopic,
  isTopicOrGroupIllegal,
} from '@rocketmq-ts/protocol';
import type { MessageQueue, SendMessageRequestHeaderV2, StoredMessage } from '@rocketmq-ts/protocol';
import { argumentError } from './errors.js';

/** A message to send. */
export interface Message {
  readonly topic: string;
  /** Strings are sent as UTF-8. */
  readonly body: Buffer | Uint8Array | string;
  /** One tag; consumers filter on it ("TagA || TagB"). */
  readonly tags?: string;
  /** Business keys for lookups (KEYS, space separated on the wire). */
  readonly keys?: string | readonly string[];
  /** User properties. Keys reserved by RocketMQ (TAGS, KEYS, DELAY, ...) are refused. */
  readonly properties?: Readonly<Record<string, string>>;
  /** Delay level 1..18 of the broker's messageDelayLevel table (1s 5s 10s 30s 1m ... 2h). */
  readonly delayTimeLevel?: number;
  /**
   * Deliver at this time (epoch ms; TIMER_DELIVER_MS). Needs a broker with
   * timer support (ours; RocketMQ 5). A 4.9 broker ignores it and delivers at once.
   */
  readonly deliverTimeMs?: number;
  /** Deliver after this many seconds (TIMER_DELAY_SEC); same broker caveat as deliverTimeMs. */
  readonly delayTimeSec?: number;
  /** Java's Message.flag, stored as is. @defaultValue 0 */
  readonly flag?: number;
  /** Wait for the broker to store the message (flush/replicate per its config) before answering. @defaultValue true */
  readonly waitStoreMsgOK?: boolean;
}

/** A message as a consumer receives it. */
export interface ReceivedMessage {
  /** The topic the producer sent to (for a retried message, its original topic). */
  readonly topic: string;
  readonly body: Buffer;
  readonly tags: string | undefined;
  readonly keys: readonly string[];
  /** All properties, the system ones (TAGS, KEYS, UNIQ_KEY, ...) included, as Java's getProperties(). */
  readonly properties: Readonly<Record<string, string>>;
  /** The producer's unique id (UNIQ_KEY), else the offset msgId. */
  readonly msgId: string;
  /** Store host and commit log offset, hex. */
  readonly offsetMsgId: string;
  readonly brokerName: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly commitLogOffset: number;
  /** Times this message was consumed before and sent back for retry. */
  readonly reconsumeTimes: number;
  readonly bornTimestamp: number;
  readonly bornHost: string;
  readonly storeTimestamp: number;
  readonly storeHost: string;
  readonly sysFlag: number;
  readonly flag: number;
  readonly preparedTransactionOffset: number;
  /** For half messages in a transaction check: UNIQ_KEY. */
  readonly transactionId: string | undefined;
}

/** Mutable internal form: the consumer updates topic and reconsume times (Java does the same on MessageExt). */
export type MutableReceivedMessage = Omit<{ -readonly [K in keyof ReceivedMessage]: ReceivedMessage[K] }, 'properties'> & {
  properties: Record<string, string>;
};

export function bodyBytes(body: Buffer | Uint8Array | string): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * The client's checks before sending (Java's Validators.checkMessage):
 * topic rules, topics producers may not send to, body present, non-empty and
 * not larger than maxMessageSize.
 */
export function validateMessage(msg: Message, body: Buffer, maxMessageSize: number): void {
  if (msg === null || typeof msg !== 'object') throw argumentError('the message is null');
  checkTopic(msg.topic);
  if (isNotAllowedSendTopic(msg.topic)) throw argumentError(`Sending message to topic[${msg.topic}] is forbidden.`);
  if (msg.body === undefined || msg.body === null) throw argumentError('the message body is null');
  if (body.length === 0) throw argumentError('the message body length is zero');
  if (body.length > maxMessageSize) throw argumentError(`the message body size over max value, MAX: ${maxMessageSize}`);
}

/** Validators.checkTopic, in the Java client's order and words. */
export function checkTopic(topic: unknown): void {
  if (typeof topic !== 'string' || isBlank(topic)) throw argumentError('The specified topic is blank');
  if (topic.length > TOPIC_MAX_LENGTH) throw argumentError(`The specified topic is longer than topic max length ${TOPIC_MAX_LENGTH}.`);
  if (isTopicOrGroupIllegal(topic)) {
    throw argumentError(`The specified topic[${topic}] contains illegal characters, allowing only ${VALID_NAME_PATTERN}`);
  }
}

export function keysOf(keys: string | readonly string[] | undefined): string | undefined {
  if (keys === undefined) return undefined;
  const list = typeof keys === 'string' ? [keys] : keys;
  const joined = list.filter((k) => k.length > 0).join(MessageConst.KEY_SEPARATOR);
  return joined.length > 0 ? joined : undefined;
}

/**
 * The properties of a message in the order Java's Message builds them (WAIT
 * from the constructor, then tags, keys, delay, user properties). Extra
 * system properties (UNIQ_KEY, TRAN_MSG, ...) go in `system`.
 */
export function messageProperties(msg: Message, system?: Readonly<Record<string, string>>): Map<string, string> {
  const p = new Map<string, string>();
  p.set(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, msg.waitStoreMsgOK === false ? 'false' : 'true');
  if (msg.tags !== undefined && msg.tags.length > 0) p.set(MessageConst.PROPERTY_TAGS, msg.tags);
  const keys = keysOf(msg.keys);
  if (keys !== undefined) p.set(MessageConst.PROPERTY_KEYS, keys);
  const timing = [msg.delayTimeLevel, msg.deliverTimeMs, msg.delayTimeSec].filter((v) => v !== undefined && v !== 0).length;
  if (timing > 1) throw argumentError('set at most one of delayTimeLevel, deliverTimeMs and delayTimeSec');
  if (msg.delayTimeLevel !== undefined && msg.delayTimeLevel !== 0) {
    if (!Number.isInteger(msg.delayTimeLevel) || msg.delayTimeLevel < 0) throw argumentError(`delayTimeLevel must be a positive integer, got ${msg.delayTimeLevel}`);
    p.set(MessageConst.PROPERTY_DELAY_TIME_LEVEL, String(msg.delayTimeLevel));
  }
  if (msg.deliverTimeMs !== undefined) {
    if (!Number.isSafeInteger(msg.deliverTimeMs) || msg.deliverTimeMs < 0) throw argumentError(`deliverTimeMs must be epoch milliseconds, got ${msg.deliverTimeMs}`);
    p.set(MessageConst.PROPERTY_TIMER_DELIVER_MS, String(msg.deliverTimeMs));
  }
  if (msg.delayTimeSec !== undefined && msg.delayTimeSec !== 0) {
    if (!Number.isSafeInteger(msg.delayTimeSec) || msg.delayTimeSec < 0) throw argumentError(`delayTimeSec must be a non-negative integer, got ${msg.delayTimeSec}`);
    p.set(MessageConst.PROPERTY_TIMER_DELAY_SEC, String(msg.delayTimeSec));
  }
  if (msg.properties !== undefined) {
    for (const [k, v] of Object.entries(msg.properties)) {
      if (RESERVED_PROPERTY_KEYS.has(k)) throw argumentError(`The Property<${k}> is used by system, input another please`);
      if (typeof v !== 'string' || k.length === 0 || v.length === 0) {
        throw argumentError(`The Property<${k}> must be a non-empty string key and value`);
      }
      if (hasSeparator(k) || hasSeparator(v)) throw argumentError(`The Property<${k}> contains a separator character (\\u0001 or \\u0002)`);
      p.set(k, v);
    }
  }
  if (system !== undefined) for (const [k, v] of Object.entries(system)) p.set(k, v);
  return p;
}

function hasSeparator(s: string): boolean {
  return s.includes(NAME_VALUE_SEPARATOR) || s.includes(PROPERTY_SEPARATOR);
}

const deflateAsync = promisify(deflate);

/** Bodies above this are deflated on the thread pool instead of the event loop. */
const SYNC_DEFLATE_LIMIT = 256 * 1024;

/** zlib (RFC 1950), as java.util.zip.Deflater writes; large bodies off the event loop. */
export async function compressBody(body: Buffer, level: number): Promise<Buffer> {
  if (body.length <= SYNC_DEFLATE_LIMIT) return deflateSync(body, { level });
  return deflateAsync(body, { level });
}

/** The sysFlag bits of a zlib-compressed body (4.9.x tip writes the type bits too; older readers ignore them). */
export const COMPRESSED_ZLIB_SYSFLAG = MessageSysFlag.COMPRESSED_FLAG | MessageSysFlag.COMPRESSION_ZLIB_TYPE;

export interface SendHeaderInput {
  readonly producerGroup: string;
  readonly topic: string;
  readonly createTopicKey: string;
  readonly defaultTopicQueueNums: number;
  readonly queue: MessageQueue;
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  readonly flag: number;
  readonly properties: string;
  readonly batch: boolean;
  readonly reconsumeTimes?: number;
  readonly maxReconsumeTimes?: number;
}

/** SendMessageRequestHeaderV2, as DefaultMQProducerImpl.sendKernelImpl fills it. */
export function sendHeaderV2(h: SendHeaderInput): SendMessageRequestHeaderV2 {
  const v2: SendMessageRequestHeaderV2 = {
    a: h.producerGroup,
    b: h.topic,
    c: h.createTopicKey,
    d: h.defaultTopicQueueNums,
    e: h.queue.queueId,
    f: h.sysFlag,
    g: h.bornTimestamp,
    h: h.flag,
    i: h.properties,
    j: h.reconsumeTimes ?? 0,
    k: false,
    m: h.batch,
    n: h.queue.brokerName,
  };
  if (h.maxReconsumeTimes !== undefined) v2.l = h.maxReconsumeTimes;
  return v2;
}

export interface PreparedBatch {
  readonly topic: string;
  readonly body: Buffer;
  readonly properties: string;
  readonly msgIds: string[];
}

/**
 * MessageBatch.generateFromList plus encode: one topic, no delays, no retry
 * topic, one waitStoreMsgOK; each message gets its UNIQ_KEY.
 */
export function prepareBatch(messages: readonly Message[], nextId: () => string, maxMessageSize: number): PreparedBatch {
  if (!Array.isArray(messages) || messages.length === 0) throw argumentError('a batch needs at least one message');
  const first = messages[0]!;
  const entries: Array<{ body: Buffer; flag: number; properties: string }> = [];
  const msgIds: string[] = [];
  for (const m of messages) {
    if (m.topic !== first.topic) throw argumentError('The topic of the messages in one batch should be the same');
    if (m.delayTimeLevel !== undefined && m.delayTimeLevel > 0) throw argumentError('TimeDelayLevel is not supported for batching');
    if (isRetryTopic(m.topic)) throw argumentError('Retry Group is not supported for batching');
    if ((m.waitStoreMsgOK ?? true) !== (first.waitStoreMsgOK ?? true)) throw argumentError('The waitStoreMsgOK of the messages in one batch should the same');
    const body = bodyBytes(m.body);
    validateMessage(m, body, maxMessageSize);
    const id = nextId();
    msgIds.push(id);
    entries.push({ body, flag: m.flag ?? 0, properties: encodeProperties(messageProperties(m, { [MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX]: id })) });
  }
  const body = encodeBatch(entries);
  const properties = encodeProperties(new Map([[MessageConst.PROPERTY_WAIT_STORE_MSG_OK, first.waitStoreMsgOK === false ? 'false' : 'true']]));
  return { topic: first.topic, body, properties, msgIds };
}

/**
 * The consumer's view of a decoded record pulled from `brokerName`: msgId is
 * UNIQ_KEY when the producer set one, else the offset msgId (MessageClientExt).
 * Built straight from the stored record, in one object: this runs per message.
 */
export function toReceivedMessage(m: StoredMessage, brokerName: string): MutableReceivedMessage {
  const p = m.properties;
  const keys = p[MessageConst.PROPERTY_KEYS];
  const prepared = p[MessageConst.PROPERTY_TRANSACTION_PREPARED];
  return {
    topic: m.topic,
    body: m.body ?? Buffer.alloc(0),
    tags: p[MessageConst.PROPERTY_TAGS],
    keys: keys === undefined ? [] : keys.split(MessageConst.KEY_SEPARATOR).filter((k) => k.length > 0),
    properties: p,
    msgId: p[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX] ?? m.offsetMsgId,
    offsetMsgId: m.offsetMsgId,
    brokerName,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    commitLogOffset: m.commitLogOffset,
    reconsumeTimes: m.reconsumeTimes,
    bornTimestamp: m.bornTimestamp,
    bornHost: m.bornHost,
    storeTimestamp: m.storeTimestamp,
    storeHost: m.storeHost,
    sysFlag: m.sysFlag,
    flag: m.flag,
    preparedTransactionOffset: m.preparedTransactionOffset,
    transactionId: prepared !== undefined && prepared.toLowerCase() === 'true' ? p[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX] : undefined,
  };
}
