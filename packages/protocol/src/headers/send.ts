/**
 * Send-family headers.
 *
 *   10  SEND_MESSAGE, 324 SEND_REPLY_MESSAGE      SendMessageRequestHeader (full names)
 *   310 SEND_MESSAGE_V2, 320 SEND_BATCH_MESSAGE,
 *   325 SEND_REPLY_MESSAGE_V2                      SendMessageRequestHeaderV2 (keys a..n)
 *   response to all of them                        SendMessageResponseHeader
 *   36  CONSUMER_SEND_MSG_BACK                     ConsumerSendMsgBackRequestHeader
 *   326 PUSH_REPLY_MESSAGE_TO_CLIENT (broker->client) ReplyMessageRequestHeader
 *
 * V2 keys: a producerGroup, b topic, c defaultTopic, d defaultTopicQueueNums,
 * e queueId, f sysFlag, g bornTimestamp, h flag, i properties,
 * j reconsumeTimes, k unitMode, l maxReconsumeTimes, m batch, n bname.
 * The body of a send is the message body (a batch body for 320).
 */
import { javaHashMapOrder } from '../javahash.js';
import { type HeaderKeyOrder, defineHeader } from './spec.js';

export interface SendMessageRequestHeader {
  producerGroup: string;
  topic: string;
  defaultTopic: string;
  defaultTopicQueueNums: number;
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  flag: number;
  /** Properties text: `k\u0001v\u0002...`. */
  properties?: string;
  reconsumeTimes?: number;
  unitMode: boolean;
  batch: boolean;
  maxReconsumeTimes?: number;
  /** Broker name the client meant (4.9.x tip RpcRequestHeader). */
  bname?: string;
}
const sendMessage = defineHeader<SendMessageRequestHeader>('SendMessageRequestHeader', {
  producerGroup: { type: 'string', presence: 'required' },
  topic: { type: 'string', presence: 'required' },
  defaultTopic: { type: 'string', presence: 'required' },
  defaultTopicQueueNums: { type: 'int', presence: 'required' },
  queueId: { type: 'int', presence: 'required' },
  sysFlag: { type: 'int', presence: 'required' },
  bornTimestamp: { type: 'long', presence: 'required' },
  flag: { type: 'int', presence: 'required' },
  properties: { type: 'string', presence: 'optional' },
  reconsumeTimes: { type: 'int', presence: 'optional' },
  unitMode: { type: 'boolean', presence: 'primitive' },
  batch: { type: 'boolean', presence: 'primitive' },
  maxReconsumeTimes: { type: 'int', presence: 'optional' },
  bname: { type: 'string', presence: 'optional' },
});
export const decodeSendMessageRequestHeader = sendMessage.decode;
export const encodeSendMessageRequestHeader = sendMessage.encode;

export interface SendMessageRequestHeaderV2 {
  a: string;
  b: string;
  c: string;
  d: number;
  e: number;
  f: number;
  g: number;
  h: number;
  i?: string;
  j?: number;
  k: boolean;
  l?: number;
  m: boolean;
  n?: string;
}
const sendMessageV2 = defineHeader<SendMessageRequestHeaderV2>('SendMessageRequestHeaderV2', {
  a: { type: 'string', presence: 'required' },
  b: { type: 'string', presence: 'required' },
  c: { type: 'string', presence: 'required' },
  d: { type: 'int', presence: 'required' },
  e: { type: 'int', presence: 'required' },
  f: { type: 'int', presence: 'required' },
  g: { type: 'long', presence: 'required' },
  h: { type: 'int', presence: 'required' },
  i: { type: 'string', presence: 'optional' },
  j: { type: 'int', presence: 'optional' },
  k: { type: 'boolean', presence: 'primitive' },
  l: { type: 'int', presence: 'optional' },
  m: { type: 'boolean', presence: 'primitive' },
  n: { type: 'string', presence: 'optional' },
});
export const decodeSendMessageRequestHeaderV2 = sendMessageV2.decode;
/** Java writes V2 in declaration order (a..n) in binary headers; pass 'declared' for those. */
export const encodeSendMessageRequestHeaderV2 = sendMessageV2.encode;

/** SendMessageRequestHeaderV2.createSendMessageRequestHeaderV1. */
export function sendHeaderFromV2(v2: SendMessageRequestHeaderV2): SendMessageRequestHeader {
  const v1: SendMessageRequestHeader = {
    producerGroup: v2.a,
    topic: v2.b,
    defaultTopic: v2.c,
    defaultTopicQueueNums: v2.d,
    queueId: v2.e,
    sysFlag: v2.f,
    bornTimestamp: v2.g,
    flag: v2.h,
    unitMode: v2.k,
    batch: v2.m,
  };
  if (v2.i !== undefined) v1.properties = v2.i;
  if (v2.j !== undefined) v1.reconsumeTimes = v2.j;
  if (v2.l !== undefined) v1.maxReconsumeTimes = v2.l;
  if (v2.n !== undefined) v1.bname = v2.n;
  return v1;
}

/** SendMessageRequestHeaderV2.createSendMessageRequestHeaderV2. */
export function sendHeaderToV2(v1: SendMessageRequestHeader): SendMessageRequestHeaderV2 {
  const v2: SendMessageRequestHeaderV2 = {
    a: v1.producerGroup,
    b: v1.topic,
    c: v1.defaultTopic,
    d: v1.defaultTopicQueueNums,
    e: v1.queueId,
    f: v1.sysFlag,
    g: v1.bornTimestamp,
    h: v1.flag,
    k: v1.unitMode,
    m: v1.batch,
  };
  if (v1.properties !== undefined) v2.i = v1.properties;
  if (v1.reconsumeTimes !== undefined) v2.j = v1.reconsumeTimes;
  if (v1.maxReconsumeTimes !== undefined) v2.l = v1.maxReconsumeTimes;
  if (v1.bname !== undefined) v2.n = v1.bname;
  return v2;
}

/**
 * Decodes the header of any send request code into the full form: V2 keys
 * for SEND_MESSAGE_V2, SEND_BATCH_MESSAGE and SEND_REPLY_MESSAGE_V2, full
 * names otherwise (as AbstractSendMessageProcessor.parseRequestHeader).
 */
export function decodeAnySendMessageRequestHeader(code: number, extFields: Readonly<Record<string, string>>): SendMessageRequestHeader {
  if (code === 310 || code === 320 || code === 325) return sendHeaderFromV2(sendMessageV2.decode(extFields));
  return sendMessage.decode(extFields);
}

export interface SendMessageResponseHeader {
  /** The offset message id (store host + commit log offset, hex). */
  msgId: string;
  queueId: number;
  queueOffset: number;
  transactionId?: string;
}
const sendMessageResponse = defineHeader<SendMessageResponseHeader>('SendMessageResponseHeader', {
  msgId: { type: 'string', presence: 'required' },
  queueId: { type: 'int', presence: 'required' },
  queueOffset: { type: 'long', presence: 'required' },
  transactionId: { type: 'string', presence: 'optional' },
});
export const decodeSendMessageResponseHeader = sendMessageResponse.decode;
export const encodeSendMessageResponseHeader = sendMessageResponse.encode;

/**
 * All extFields of a Java broker's send response: the 4.9 SendMessageProcessor
 * adds MSG_REGION (brokerConfig.regionId, default "DefaultRegion") and
 * TRACE_ON (brokerConfig.traceOn, default true) before the header fields.
 * `java` gives the JSON-header order (one HashMap); `declared` the binary
 * order (header fields a FastCodesHeader writes first, then the map).
 */
export function encodeSendMessageResponseFields(
  header: SendMessageResponseHeader,
  regionId = 'DefaultRegion',
  traceOn = true,
  order: HeaderKeyOrder = 'java',
): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const k of javaHashMapOrder(['MSG_REGION', 'TRACE_ON'])) extra[k] = k === 'MSG_REGION' ? regionId : String(traceOn);
  const fields = sendMessageResponse.encode(header, 'declared');
  if (order === 'declared') return { ...fields, ...extra };
  // Java inserts the two extras first, then the header fields in declaration order.
  const all: Record<string, string> = { MSG_REGION: regionId, TRACE_ON: String(traceOn), ...fields };
  const out: Record<string, string> = {};
  for (const k of javaHashMapOrder(Object.keys(all))) out[k] = all[k]!;
  return out;
}

export interface ConsumerSendMsgBackRequestHeader {
  /** Commit log offset of the message being returned. */
  offset: number;
  group: string;
  delayLevel: number;
  originMsgId?: string;
  originTopic?: string;
  unitMode: boolean;
  maxReconsumeTimes?: number;
  bname?: string;
}
const consumerSendMsgBack = defineHeader<ConsumerSendMsgBackRequestHeader>('ConsumerSendMsgBackRequestHeader', {
  offset: { type: 'long', presence: 'required' },
  group: { type: 'string', presence: 'required' },
  delayLevel: { type: 'int', presence: 'required' },
  originMsgId: { type: 'string', presence: 'optional' },
  originTopic: { type: 'string', presence: 'optional' },
  unitMode: { type: 'boolean', presence: 'primitive' },
  maxReconsumeTimes: { type: 'int', presence: 'optional' },
  bname: { type: 'string', presence: 'optional' },
});
export const decodeConsumerSendMsgBackRequestHeader = consumerSendMsgBack.decode;
export const encodeConsumerSendMsgBackRequestHeader = consumerSendMsgBack.encode;

export interface ReplyMessageRequestHeader {
  producerGroup: string;
  topic: string;
  defaultTopic: string;
  defaultTopicQueueNums: number;
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  flag: number;
  properties?: string;
  reconsumeTimes?: number;
  unitMode: boolean;
  bornHost: string;
  storeHost: string;
  storeTimestamp: number;
}
const replyMessage = defineHeader<ReplyMessageRequestHeader>('ReplyMessageRequestHeader', {
  producerGroup: { type: 'string', presence: 'required' },
  topic: { type: 'string', presence: 'required' },
  defaultTopic: { type: 'string', presence: 'required' },
  defaultTopicQueueNums: { type: 'int', presence: 'required' },
  queueId: { type: 'int', presence: 'required' },
  sysFlag: { type: 'int', presence: 'required' },
  bornTimestamp: { type: 'long', presence: 'required' },
  flag: { type: 'int', presence: 'required' },
  properties: { type: 'string', presence: 'optional' },
  reconsumeTimes: { type: 'int', presence: 'optional' },
  unitMode: { type: 'boolean', presence: 'primitive' },
  bornHost: { type: 'string', presence: 'required' },
  storeHost: { type: 'string', presence: 'required' },
  storeTimestamp: { type: 'long', presence: 'required' },
});
export const decodeReplyMessageRequestHeader = replyMessage.decode;
export const encodeReplyMessageRequestHeader = replyMessage.encode;

export const sendHeaderCodecs = {
  sendMessage,
  sendMessageV2,
  sendMessageResponse,
  consumerSendMsgBack,
  replyMessage,
} as const;
