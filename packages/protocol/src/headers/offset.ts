/**
 * Offset headers.
 *
 *   14  QUERY_CONSUMER_OFFSET    consumerGroup topic queueId          -> offset
 *   15  UPDATE_CONSUMER_OFFSET   consumerGroup topic queueId commitOffset
 *   29  SEARCH_OFFSET_BY_TIMESTAMP topic queueId timestamp           -> offset
 *   30  GET_MAX_OFFSET           topic queueId                        -> offset
 *   31  GET_MIN_OFFSET           topic queueId                        -> offset
 *   32  GET_EARLIEST_MSG_STORETIME topic queueId                      -> timestamp
 *   212 RESET_CONSUMER_OFFSET_IN_BROKER, 222 INVOKE_BROKER_TO_RESET_OFFSET,
 *   220 RESET_CONSUMER_CLIENT_OFFSET (broker->client, body ResetOffsetBody)
 *                                topic group timestamp isForce
 *   314 CLONE_GROUP_OFFSET       srcGroup destGroup topic? offline
 *
 * QUERY_BROKER_OFFSET (13) has no header class in 4.9 and no 4.9 broker
 * serves it.
 */
import { defineHeader } from './spec.js';

export interface QueryConsumerOffsetRequestHeader {
  consumerGroup: string;
  topic: string;
  queueId: number;
  bname?: string;
}
const queryConsumerOffset = defineHeader<QueryConsumerOffsetRequestHeader>('QueryConsumerOffsetRequestHeader', {
  consumerGroup: { type: 'string', presence: 'required' },
  topic: { type: 'string', presence: 'required' },
  queueId: { type: 'int', presence: 'required' },
  bname: { type: 'string', presence: 'optional' },
});
export const decodeQueryConsumerOffsetRequestHeader = queryConsumerOffset.decode;
export const encodeQueryConsumerOffsetRequestHeader = queryConsumerOffset.encode;

/** The single-offset response shared by QUERY_CONSUMER_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP, GET_MAX_OFFSET and GET_MIN_OFFSET. */
export interface OffsetResponseHeader {
  offset: number;
}
const offsetResponse = defineHeader<OffsetResponseHeader>('QueryConsumerOffsetResponseHeader', {
  offset: { type: 'long', presence: 'required' },
});
export const decodeOffsetResponseHeader = offsetResponse.decode;
export const encodeOffsetResponseHeader = offsetResponse.encode;

export interface UpdateConsumerOffsetRequestHeader {
  consumerGroup: string;
  topic: string;
  queueId: number;
  commitOffset: number;
  bname?: string;
}
const updateConsumerOffset = defineHeader<UpdateConsumerOffsetRequestHeader>('UpdateConsumerOffsetRequestHeader', {
  consumerGroup: { type: 'string', presence: 'required' },
  topic: { type: 'string', presence: 'required' },
  queueId: { type: 'int', presence: 'required' },
  commitOffset: { type: 'long', presence: 'required' },
  bname: { type: 'string', presence: 'optional' },
});
export const decodeUpdateConsumerOffsetRequestHeader = updateConsumerOffset.decode;
export const encodeUpdateConsumerOffsetRequestHeader = updateConsumerOffset.encode;

export interface SearchOffsetRequestHeader {
  topic: string;
  queueId: number;
  timestamp: number;
  bname?: string;
}
const searchOffset = defineHeader<SearchOffsetRequestHeader>('SearchOffsetRequestHeader', {
  topic: { type: 'string', presence: 'required' },
  queueId: { type: 'int', presence: 'required' },
  timestamp: { type: 'long', presence: 'required' },
  bname: { type: 'string', presence: 'optional' },
});
export const decodeSearchOffsetRequestHeader = searchOffset.decode;
export const encodeSearchOffsetRequestHeader = searchOffset.encode;

/** GET_MAX_OFFSET, GET_MIN_OFFSET and GET_EARLIEST_MSG_STORETIME all ask with topic and queueId. */
export interface TopicQueueRequestHeader {
  topic: string;
  queueId: number;
  bname?: string;
}
const topicQueue = defineHeader<TopicQueueRequestHeader>('GetMaxOffsetRequestHeader', {
  topic: { type: 'string', presence: 'required' },
  queueId: { type: 'int', presence: 'required' },
  bname: { type: 'string', presence: 'optional' },
});
export type GetMaxOffsetRequestHeader = TopicQueueRequestHeader;
export type GetMinOffsetRequestHeader = TopicQueueRequestHeader;
export type GetEarliestMsgStoretimeRequestHeader = TopicQueueRequestHeader;
export const decodeGetMaxOffsetRequestHeader = topicQueue.decode;
export const encodeGetMaxOffsetRequestHeader = topicQueue.encode;
export const decodeGetMinOffsetRequestHeader = topicQueue.decode;
export const encodeGetMinOffsetRequestHeader = topicQueue.encode;
export const decodeGetEarliestMsgStoretimeRequestHeader = topicQueue.decode;
export const encodeGetEarliestMsgStoretimeRequestHeader = topicQueue.encode;

export interface GetEarliestMsgStoretimeResponseHeader {
  timestamp: number;
}
const earliestResponse = defineHeader<GetEarliestMsgStoretimeResponseHeader>('GetEarliestMsgStoretimeResponseHeader', {
  timestamp: { type: 'long', presence: 'required' },
});
export const decodeGetEarliestMsgStoretimeResponseHeader = earliestResponse.decode;
export const encodeGetEarliestMsgStoretimeResponseHeader = earliestResponse.encode;

export interface ResetOffsetRequestHeader {
  topic: string;
  group: string;
  timestamp: number;
  /** The Java field is `isForce`, and so is the wire key. */
  isForce: boolean;
}
const resetOffset = defineHeader<ResetOffsetRequestHeader>('ResetOffsetRequestHeader', {
  topic: { type: 'string', presence: 'required' },
  group: { type: 'string', presence: 'required' },
  timestamp: { type: 'long', presence: 'required' },
  isForce: { type: 'boolean', presence: 'required' },
});
export const decodeResetOffsetRequestHeader = resetOffset.decode;
export const encodeResetOffsetRequestHeader = resetOffset.encode;

export interface CloneGroupOffsetRequestHeader {
  srcGroup: string;
  destGroup: string;
  topic?: string;
  offline: boolean;
}
const cloneGroupOffset = defineHeader<CloneGroupOffsetRequestHeader>('CloneGroupOffsetRequestHeader', {
  srcGroup: { type: 'string', presence: 'required' },
  destGroup: { type: 'string', presence: 'required' },
  topic: { type: 'string', presence: 'optional' },
  offline: { type: 'boolean', presence: 'primitive' },
});
export const decodeCloneGroupOffsetRequestHeader = cloneGroupOffset.decode;
export const encodeCloneGroupOffsetRequestHeader = cloneGroupOffset.encode;

export const offsetHeaderCodecs = {
  queryConsumerOffset,
  offsetResponse,
  updateConsumerOffset,
  searchOffset,
  topicQueue,
  earliestResponse,
  resetOffset,
  cloneGroupOffset,
} as const;
