/**
 * Admin headers (mqadmin, dashboard, exporter -> broker).
 *
 *   17  UPDATE_AND_CREATE_TOPIC  CreateTopicRequestHeader
 *   21  GET_ALL_TOPIC_CONFIG     no header -> body TopicConfigSerializeWrapper
 *   25  UPDATE_BROKER_CONFIG     no header; body properties text
 *   26  GET_BROKER_CONFIG        no header -> version (a DataVersion JSON); body properties text
 *   28  GET_BROKER_RUNTIME_INFO  no header -> body KVTable
 *   43  GET_ALL_CONSUMER_OFFSET  no header -> body ConsumerOffsetSerializeWrapper
 *   45  GET_ALL_DELAY_OFFSET     no header -> body delayOffset.json text
 *   200 UPDATE_AND_CREATE_SUBSCRIPTIONGROUP  no header; body SubscriptionGroupConfig
 *   201 GET_ALL_SUBSCRIPTIONGROUP_CONFIG     no header -> body SubscriptionGroupWrapper
 *   202 GET_TOPIC_STATS_INFO     topic -> body TopicStatsTable
 *   203 GET_CONSUMER_CONNECTION_LIST consumerGroup (client.ts) -> body ConsumerConnection
 *   204 GET_PRODUCER_CONNECTION_LIST producerGroup -> body ProducerConnection
 *   207 DELETE_SUBSCRIPTIONGROUP groupName removeOffset
 *   208 GET_CONSUME_STATS        consumerGroup topic? -> body ConsumeStats
 *   215 DELETE_TOPIC_IN_BROKER   topic
 *   300 QUERY_TOPIC_CONSUME_BY_WHO topic -> body GroupList
 *   303 QUERY_CONSUME_TIME_SPAN  topic group -> body QueryConsumeTimeSpanBody
 *   305 GET_SYSTEM_TOPIC_LIST_FROM_BROKER no header -> body TopicList
 *   315 VIEW_BROKER_STATS_DATA   statsName statsKey -> body BrokerStatsData
 *   317 GET_BROKER_CONSUME_STATS isOrder -> body ConsumeStatsList
 *   321 QUERY_CONSUME_QUEUE      topic queueId index count consumerGroup
 *                                -> body QueryConsumeQueueResponseBody
 *   328 GET_ALL_PRODUCER_INFO    no fields -> body ProducerTableInfo
 *
 * WHO_CONSUME_THE_MESSAGE (214) has no header class in 4.9 and no 4.9
 * broker serves it.
 */
import { defineHeader } from './spec.js';

/** TopicFilterType names. */
export const TopicFilterType = {
  SINGLE_TAG: 'SINGLE_TAG',
  MULTI_TAG: 'MULTI_TAG',
} as const;
export type TopicFilterType = (typeof TopicFilterType)[keyof typeof TopicFilterType];

export interface CreateTopicRequestHeader {
  topic: string;
  defaultTopic: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: string;
  topicSysFlag?: number;
  /** @CFNotNull in Java but initialised to false, so absent reads as false. */
  order: boolean;
}
const createTopic = defineHeader<CreateTopicRequestHeader>(
  'CreateTopicRequestHeader',
  {
    topic: { type: 'string', presence: 'required' },
    defaultTopic: { type: 'string', presence: 'required' },
    readQueueNums: { type: 'int', presence: 'required' },
    writeQueueNums: { type: 'int', presence: 'required' },
    perm: { type: 'int', presence: 'required' },
    topicFilterType: { type: 'string', presence: 'required' },
    topicSysFlag: { type: 'int', presence: 'optional' },
    order: { type: 'boolean', presence: 'primitive' },
  },
  (h) =>
    h.topicFilterType === TopicFilterType.SINGLE_TAG || h.topicFilterType === TopicFilterType.MULTI_TAG
      ? undefined
      : ['topicFilterType', `topicFilterType = [${h.topicFilterType}] value invalid`],
);
export const decodeCreateTopicRequestHeader = createTopic.decode;
export const encodeCreateTopicRequestHeader = createTopic.encode;

/** GET_TOPIC_STATS_INFO, DELETE_TOPIC_IN_BROKER and QUERY_TOPIC_CONSUME_BY_WHO name just the topic. */
export interface TopicRequestHeader {
  topic: string;
}
const topicOnly = defineHeader<TopicRequestHeader>('DeleteTopicRequestHeader', {
  topic: { type: 'string', presence: 'required' },
});
export type GetTopicStatsInfoRequestHeader = TopicRequestHeader;
export type DeleteTopicRequestHeader = TopicRequestHeader;
export type QueryTopicConsumeByWhoRequestHeader = TopicRequestHeader;
export const decodeGetTopicStatsInfoRequestHeader = topicOnly.decode;
export const encodeGetTopicStatsInfoRequestHeader = topicOnly.encode;
export const decodeDeleteTopicRequestHeader = topicOnly.decode;
export const encodeDeleteTopicRequestHeader = topicOnly.encode;
export const decodeQueryTopicConsumeByWhoRequestHeader = topicOnly.decode;
export const encodeQueryTopicConsumeByWhoRequestHeader = topicOnly.encode;

export interface GetBrokerConfigResponseHeader {
  /** The broker's config DataVersion as JSON text. */
  version: string;
}
const getBrokerConfigResponse = defineHeader<GetBrokerConfigResponseHeader>('GetBrokerConfigResponseHeader', {
  version: { type: 'string', presence: 'required' },
});
export const decodeGetBrokerConfigResponseHeader = getBrokerConfigResponse.decode;
export const encodeGetBrokerConfigResponseHeader = getBrokerConfigResponse.encode;

export interface GetProducerConnectionListRequestHeader {
  producerGroup: string;
}
const getProducerConnectionList = defineHeader<GetProducerConnectionListRequestHeader>('GetProducerConnectionListRequestHeader', {
  producerGroup: { type: 'string', presence: 'required' },
});
export const decodeGetProducerConnectionListRequestHeader = getProducerConnectionList.decode;
export const encodeGetProducerConnectionListRequestHeader = getProducerConnectionList.encode;

export interface DeleteSubscriptionGroupRequestHeader {
  groupName: string;
  removeOffset: boolean;
}
const deleteSubscriptionGroup = defineHeader<DeleteSubscriptionGroupRequestHeader>('DeleteSubscriptionGroupRequestHeader', {
  groupName: { type: 'string', presence: 'required' },
  removeOffset: { type: 'boolean', presence: 'primitive' },
});
export const decodeDeleteSubscriptionGroupRequestHeader = deleteSubscriptionGroup.decode;
export const encodeDeleteSubscriptionGroupRequestHeader = deleteSubscriptionGroup.encode;

export interface GetConsumeStatsRequestHeader {
  consumerGroup: string;
  topic?: string;
}
const getConsumeStats = defineHeader<GetConsumeStatsRequestHeader>('GetConsumeStatsRequestHeader', {
  consumerGroup: { type: 'string', presence: 'required' },
  topic: { type: 'string', presence: 'optional' },
});
export const decodeGetConsumeStatsRequestHeader = getConsumeStats.decode;
export const encodeGetConsumeStatsRequestHeader = getConsumeStats.encode;

export interface QueryConsumeTimeSpanRequestHeader {
  topic: string;
  group: string;
}
const queryConsumeTimeSpan = defineHeader<QueryConsumeTimeSpanRequestHeader>('QueryConsumeTimeSpanRequestHeader', {
  topic: { type: 'string', presence: 'required' },
  group: { type: 'string', presence: 'required' },
});
export const decodeQueryConsumeTimeSpanRequestHeader = queryConsumeTimeSpan.decode;
export const encodeQueryConsumeTimeSpanRequestHeader = queryConsumeTimeSpan.encode;

export interface ViewBrokerStatsDataRequestHeader {
  statsName: string;
  statsKey: string;
}
const viewBrokerStatsData = defineHeader<ViewBrokerStatsDataRequestHeader>('ViewBrokerStatsDataRequestHeader', {
  statsName: { type: 'string', presence: 'required' },
  statsKey: { type: 'string', presence: 'required' },
});
export const decodeViewBrokerStatsDataRequestHeader = viewBrokerStatsData.decode;
export const encodeViewBrokerStatsDataRequestHeader = viewBrokerStatsData.encode;

export interface GetConsumeStatsInBrokerHeader {
  /** The Java field is `isOrder`, and so is the wire key. */
  isOrder: boolean;
}
const getConsumeStatsInBroker = defineHeader<GetConsumeStatsInBrokerHeader>('GetConsumeStatsInBrokerHeader', {
  isOrder: { type: 'boolean', presence: 'required' },
});
export const decodeGetConsumeStatsInBrokerHeader = getConsumeStatsInBroker.decode;
export const encodeGetConsumeStatsInBrokerHeader = getConsumeStatsInBroker.encode;

export interface QueryConsumeQueueRequestHeader {
  topic?: string;
  queueId: number;
  index: number;
  count: number;
  consumerGroup?: string;
}
const queryConsumeQueue = defineHeader<QueryConsumeQueueRequestHeader>('QueryConsumeQueueRequestHeader', {
  topic: { type: 'string', presence: 'optional' },
  queueId: { type: 'int', presence: 'primitive' },
  index: { type: 'long', presence: 'primitive' },
  count: { type: 'int', presence: 'primitive' },
  consumerGroup: { type: 'string', presence: 'optional' },
});
export const decodeQueryConsumeQueueRequestHeader = queryConsumeQueue.decode;
export const encodeQueryConsumeQueueRequestHeader = queryConsumeQueue.encode;

/** GET_ALL_PRODUCER_INFO's header has no fields. */
export type GetAllProducerInfoRequestHeader = Record<string, never>;

export const adminHeaderCodecs = {
  createTopic,
  topicOnly,
  getBrokerConfigResponse,
  getProducerConnectionList,
  deleteSubscriptionGroup,
  getConsumeStats,
  queryConsumeTimeSpan,
  viewBrokerStatsData,
  getConsumeStatsInBroker,
  queryConsumeQueue,
} as const;
