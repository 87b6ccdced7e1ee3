/**
 * Client bodies: heartbeat, connections, queue locks.
 *
 *   HEART_BEAT (34) request:
 *     {"clientID":"ip@pid","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET",
 *       "consumeType":"CONSUME_PASSIVELY","groupName":"g","messageModel":"CLUSTERING",
 *       "subscriptionDataSet":[{"classFilterMode":false,"codeSet":[..],"expressionType":"TAG",
 *         "subString":"*","subVersion":1700000000000,"tagsSet":[..],"topic":"t"}],"unitMode":false}],
 *      "producerDataSet":[{"groupName":"p"}]}
 *   GET_CONSUMER_CONNECTION_LIST (203) response: ConsumerConnection
 *   GET_PRODUCER_CONNECTION_LIST (204) response: ProducerConnection
 *   LOCK_BATCH_MQ (41): LockBatchRequestBody -> LockBatchResponseBody
 *   UNLOCK_BATCH_MQ (42): UnlockBatchRequestBody
 */
import { type JsonValue, stringifyRmqJson } from '../json.js';
import { type MessageQueue, messageQueueJson, readMessageQueue } from './queue.js';
import { Reader, fastjsonOrder, objectValue } from './read.js';

export const ConsumeType = {
  CONSUME_ACTIVELY: 'CONSUME_ACTIVELY',
  CONSUME_PASSIVELY: 'CONSUME_PASSIVELY',
} as const;
export type ConsumeType = (typeof ConsumeType)[keyof typeof ConsumeType];

export const MessageModel = {
  BROADCASTING: 'BROADCASTING',
  CLUSTERING: 'CLUSTERING',
} as const;
export type MessageModel = (typeof MessageModel)[keyof typeof MessageModel];

export const ConsumeFromWhere = {
  CONSUME_FROM_LAST_OFFSET: 'CONSUME_FROM_LAST_OFFSET',
  CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST: 'CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST',
  CONSUME_FROM_MIN_OFFSET: 'CONSUME_FROM_MIN_OFFSET',
  CONSUME_FROM_MAX_OFFSET: 'CONSUME_FROM_MAX_OFFSET',
  CONSUME_FROM_FIRST_OFFSET: 'CONSUME_FROM_FIRST_OFFSET',
  CONSUME_FROM_TIMESTAMP: 'CONSUME_FROM_TIMESTAMP',
} as const;

export interface SubscriptionData {
  classFilterMode: boolean;
  topic: string;
  subString: string;
  tagsSet: string[];
  /** Java String.hashCode of each tag (see tagsString2hashCode). */
  codeSet: number[];
  subVersion: number;
  expressionType: string;
  filterClassSource?: string;
}

export interface ProducerData {
  groupName: string;
}

export interface ConsumerData {
  groupName: string;
  /** ConsumeType name; kept as sent. */
  consumeType: string;
  /** MessageModel name. */
  messageModel: string;
  /** ConsumeFromWhere name. */
  consumeFromWhere: string;
  subscriptionDataSet: SubscriptionData[];
  unitMode: boolean;
}

export interface HeartbeatData {
  clientID: string;
  producerDataSet: ProducerData[];
  consumerDataSet: ConsumerData[];
  /** 5.x only. */
  heartbeatFingerprint?: number;
  /** 5.x only. */
  isWithoutSub?: boolean;
}

export function readSubscriptionData(r: Reader): SubscriptionData {
  const s: SubscriptionData = {
    classFilterMode: r.boolean('classFilterMode'),
    topic: r.string('topic'),
    subString: r.string('subString', '*'),
    tagsSet: r.strings('tagsSet'),
    codeSet: r.array('codeSet', (v) => Number(v)),
    subVersion: r.number('subVersion'),
    expressionType: r.string('expressionType', 'TAG'),
  };
  const src = r.optString('filterClassSource');
  if (src !== undefined) s.filterClassSource = src;
  return s;
}

export function subscriptionDataJson(s: SubscriptionData): Record<string, unknown> {
  return fastjsonOrder({ ...s });
}

export function readConsumerData(r: Reader): ConsumerData {
  return {
    groupName: r.string('groupName'),
    consumeType: r.string('consumeType', ''),
    messageModel: r.string('messageModel', ''),
    consumeFromWhere: r.string('consumeFromWhere', ''),
    subscriptionDataSet: r.objects('subscriptionDataSet', readSubscriptionData),
    unitMode: r.boolean('unitMode'),
  };
}

export function decodeHeartbeatData(body: Buffer | string | JsonValue): HeartbeatData {
  const r = Reader.body('HeartbeatData', body);
  const h: HeartbeatData = {
    clientID: r.string('clientID'),
    producerDataSet: r.objects('producerDataSet', (p) => ({ groupName: p.string('groupName') })),
    consumerDataSet: r.objects('consumerDataSet', readConsumerData),
  };
  const fp = r.optNumber('heartbeatFingerprint');
  if (fp !== undefined) h.heartbeatFingerprint = fp;
  const ws = r.optBoolean('isWithoutSub');
  if (ws !== undefined) h.isWithoutSub = ws;
  return h;
}

export function encodeHeartbeatData(h: HeartbeatData): Buffer {
  return Buffer.from(
    stringifyRmqJson(
      fastjsonOrder({
        clientID: h.clientID,
        consumerDataSet: h.consumerDataSet.map((c) =>
          fastjsonOrder({ ...c, subscriptionDataSet: c.subscriptionDataSet.map(subscriptionDataJson) }),
        ),
        heartbeatFingerprint: h.heartbeatFingerprint,
        isWithoutSub: h.isWithoutSub,
        producerDataSet: h.producerDataSet.map((p) => ({ groupName: p.groupName })),
      }),
    ),
    'utf8',
  );
}

export interface Connection {
  clientId: string;
  clientAddr: string;
  /** LanguageCode name ("JAVA", "GO", ...). */
  language: string;
  version: number;
}

function readConnection(r: Reader): Connection {
  return { clientId: r.string('clientId'), clientAddr: r.string('clientAddr'), language: r.string('language', 'JAVA'), version: r.number('version') };
}

function connectionJson(c: Connection): Record<string, unknown> {
  return fastjsonOrder({ ...c });
}

export interface ConsumerConnection {
  connectionSet: Connection[];
  /** topic -> subscription. */
  subscriptionTable: Map<string, SubscriptionData>;
  consumeType?: string;
  messageModel?: string;
  consumeFromWhere?: string;
}

export function decodeConsumerConnection(body: Buffer | string | JsonValue): ConsumerConnection {
  const r = Reader.body('ConsumerConnection', body);
  const c: ConsumerConnection = {
    connectionSet: r.objects('connectionSet', readConnection),
    subscriptionTable: r.stringMap('subscriptionTable', objectValue(r.type, readSubscriptionData)),
  };
  for (const k of ['consumeType', 'messageModel', 'consumeFromWhere'] as const) {
    const v = r.optString(k);
    if (v !== undefined) c[k] = v;
  }
  return c;
}

export function encodeConsumerConnection(c: ConsumerConnection): Buffer {
  return Buffer.from(
    stringifyRmqJson(
      fastjsonOrder({
        connectionSet: c.connectionSet.map(connectionJson),
        consumeFromWhere: c.consumeFromWhere,
        consumeType: c.consumeType,
        messageModel: c.messageModel,
        subscriptionTable: new Map([...c.subscriptionTable].map(([k, v]) => [k, subscriptionDataJson(v)])),
      }),
    ),
    'utf8',
  );
}

export interface ProducerConnection {
  connectionSet: Connection[];
}

export function decodeProducerConnection(body: Buffer | string | JsonValue): ProducerConnection {
  return { connectionSet: Reader.body('ProducerConnection', body).objects('connectionSet', readConnection) };
}

export function encodeProducerConnection(p: ProducerConnection): Buffer {
  return Buffer.from(stringifyRmqJson({ connectionSet: p.connectionSet.map(connectionJson) }), 'utf8');
}

export interface LockBatchRequestBody {
  consumerGroup: string;
  clientId: string;
  mqSet: MessageQueue[];
}
export type UnlockBatchRequestBody = LockBatchRequestBody;

export function decodeLockBatchRequestBody(body: Buffer | string | JsonValue): LockBatchRequestBody {
  const r = Reader.body('LockBatchRequestBody', body);
  return { consumerGroup: r.string('consumerGroup'), clientId: r.string('clientId'), mqSet: r.objects('mqSet', readMessageQueue) };
}
export const decodeUnlockBatchRequestBody = decodeLockBatchRequestBody;

export function encodeLockBatchRequestBody(b: LockBatchRequestBody): Buffer {
  return Buffer.from(
    stringifyRmqJson(fastjsonOrder({ clientId: b.clientId, consumerGroup: b.consumerGroup, mqSet: b.mqSet.map(messageQueueJson) })),
    'utf8',
  );
}
export const encodeUnlockBatchRequestBody = encodeLockBatchRequestBody;

export interface LockBatchResponseBody {
  lockOKMQSet: MessageQueue[];
}

export function decodeLockBatchResponseBody(body: Buffer | string | JsonValue): LockBatchResponseBody {
  return { lockOKMQSet: Reader.body('LockBatchResponseBody', body).objects('lockOKMQSet', readMessageQueue) };
}

export function encodeLockBatchResponseBody(b: LockBatchResponseBody): Buffer {
  return Buffer.from(stringifyRmqJson({ lockOKMQSet: b.lockOKMQSet.map(messageQueueJson) }), 'utf8');
}
