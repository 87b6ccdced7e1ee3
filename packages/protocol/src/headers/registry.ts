/**
 * Which header class each request code carries, for servers that validate
 * generically and for tooling. Codes whose request has no header fields are
 * absent. Response headers are looked up by the same request code.
 */
import { RequestCode } from '../codes.js';
import { adminHeaderCodecs as admin } from './admin.js';
import { clientHeaderCodecs as client } from './client.js';
import { namesrvHeaderCodecs as namesrv } from './namesrv.js';
import { offsetHeaderCodecs as offset } from './offset.js';
import { pullHeaderCodecs as pull } from './pull.js';
import { sendHeaderCodecs as send } from './send.js';
import type { FieldSpec } from './spec.js';
import { transactionHeaderCodecs as tx } from './transaction.js';

/** The type-erased face of a header codec. */
export interface HeaderDecoder {
  readonly name: string;
  readonly fields: ReadonlyArray<readonly [string, FieldSpec]>;
  decode(extFields: Readonly<Record<string, string>>): object;
}

const C = RequestCode;

const requestHeaders: ReadonlyArray<readonly [number, HeaderDecoder]> = [
  [C.PUT_KV_CONFIG, namesrv.putKVConfig],
  [C.GET_KV_CONFIG, namesrv.getKVConfig],
  [C.DELETE_KV_CONFIG, namesrv.deleteKVConfig],
  [C.REGISTER_BROKER, namesrv.registerBroker],
  [C.UNREGISTER_BROKER, namesrv.unregisterBroker],
  [C.GET_ROUTEINFO_BY_TOPIC, namesrv.getRouteInfo],
  [C.WIPE_WRITE_PERM_OF_BROKER, namesrv.wipeWritePerm],
  [C.DELETE_TOPIC_IN_NAMESRV, namesrv.deleteTopicFromNamesrv],
  [C.REGISTER_TOPIC_IN_NAMESRV, namesrv.registerTopic],
  [C.GET_KVLIST_BY_NAMESPACE, namesrv.getKVList],
  [C.GET_TOPICS_BY_CLUSTER, namesrv.getTopicsByCluster],
  [C.QUERY_DATA_VERSION, namesrv.queryDataVersion],
  [C.ADD_WRITE_PERM_OF_BROKER, namesrv.addWritePerm],
  [C.SEND_MESSAGE, send.sendMessage],
  [C.SEND_REPLY_MESSAGE, send.sendMessage],
  [C.SEND_MESSAGE_V2, send.sendMessageV2],
  [C.SEND_BATCH_MESSAGE, send.sendMessageV2],
  [C.SEND_REPLY_MESSAGE_V2, send.sendMessageV2],
  [C.CONSUMER_SEND_MSG_BACK, send.consumerSendMsgBack],
  [C.PUSH_REPLY_MESSAGE_TO_CLIENT, send.replyMessage],
  [C.PULL_MESSAGE, pull.pullMessage],
  [C.LITE_PULL_MESSAGE, pull.pullMessage],
  [C.QUERY_MESSAGE, pull.queryMessage],
  [C.VIEW_MESSAGE_BY_ID, pull.viewMessage],
  [C.QUERY_CONSUMER_OFFSET, offset.queryConsumerOffset],
  [C.UPDATE_CONSUMER_OFFSET, offset.updateConsumerOffset],
  [C.SEARCH_OFFSET_BY_TIMESTAMP, offset.searchOffset],
  [C.GET_MAX_OFFSET, offset.topicQueue],
  [C.GET_MIN_OFFSET, offset.topicQueue],
  [C.GET_EARLIEST_MSG_STORETIME, offset.topicQueue],
  [C.RESET_CONSUMER_OFFSET_IN_BROKER, offset.resetOffset],
  [C.INVOKE_BROKER_TO_RESET_OFFSET, offset.resetOffset],
  [C.RESET_CONSUMER_CLIENT_OFFSET, offset.resetOffset],
  [C.CLONE_GROUP_OFFSET, offset.cloneGroupOffset],
  [C.END_TRANSACTION, tx.endTransaction],
  [C.CHECK_TRANSACTION_STATE, tx.checkTransactionState],
  [C.RESUME_CHECK_HALF_MESSAGE, tx.resumeCheckHalfMessage],
  [C.UNREGISTER_CLIENT, client.unregisterClient],
  [C.GET_CONSUMER_LIST_BY_GROUP, client.consumerGroup],
  [C.NOTIFY_CONSUMER_IDS_CHANGED, client.consumerGroup],
  [C.GET_CONSUMER_CONNECTION_LIST, client.consumerGroup],
  [C.GET_CONSUMER_STATUS_FROM_CLIENT, client.getConsumerStatus],
  [C.INVOKE_BROKER_TO_GET_CONSUMER_STATUS, client.getConsumerStatus],
  [C.GET_CONSUMER_RUNNING_INFO, client.getConsumerRunningInfo],
  [C.CONSUME_MESSAGE_DIRECTLY, client.consumeMessageDirectly],
  [C.UPDATE_AND_CREATE_TOPIC, admin.createTopic],
  [C.GET_TOPIC_STATS_INFO, admin.topicOnly],
  [C.DELETE_TOPIC_IN_BROKER, admin.topicOnly],
  [C.QUERY_TOPIC_CONSUME_BY_WHO, admin.topicOnly],
  [C.GET_PRODUCER_CONNECTION_LIST, admin.getProducerConnectionList],
  [C.DELETE_SUBSCRIPTIONGROUP, admin.deleteSubscriptionGroup],
  [C.GET_CONSUME_STATS, admin.getConsumeStats],
  [C.QUERY_CONSUME_TIME_SPAN, admin.queryConsumeTimeSpan],
  [C.VIEW_BROKER_STATS_DATA, admin.viewBrokerStatsData],
  [C.GET_BROKER_CONSUME_STATS, admin.getConsumeStatsInBroker],
  [C.QUERY_CONSUME_QUEUE, admin.queryConsumeQueue],
];

const responseHeaders: ReadonlyArray<readonly [number, HeaderDecoder]> = [
  [C.GET_KV_CONFIG, namesrv.getKVConfigResponse],
  [C.REGISTER_BROKER, namesrv.registerBrokerResponse],
  [C.WIPE_WRITE_PERM_OF_BROKER, namesrv.wipeWritePermResponse],
  [C.ADD_WRITE_PERM_OF_BROKER, namesrv.addWritePermResponse],
  [C.QUERY_DATA_VERSION, namesrv.queryDataVersionResponse],
  [C.SEND_MESSAGE, send.sendMessageResponse],
  [C.SEND_MESSAGE_V2, send.sendMessageResponse],
  [C.SEND_BATCH_MESSAGE, send.sendMessageResponse],
  [C.SEND_REPLY_MESSAGE, send.sendMessageResponse],
  [C.SEND_REPLY_MESSAGE_V2, send.sendMessageResponse],
  [C.PULL_MESSAGE, pull.pullMessageResponse],
  [C.LITE_PULL_MESSAGE, pull.pullMessageResponse],
  [C.QUERY_MESSAGE, pull.queryMessageResponse],
  [C.QUERY_CONSUMER_OFFSET, offset.offsetResponse],
  [C.SEARCH_OFFSET_BY_TIMESTAMP, offset.offsetResponse],
  [C.GET_MAX_OFFSET, offset.offsetResponse],
  [C.GET_MIN_OFFSET, offset.offsetResponse],
  [C.GET_EARLIEST_MSG_STORETIME, offset.earliestResponse],
  [C.GET_BROKER_CONFIG, admin.getBrokerConfigResponse],
];

const byRequest = new Map(requestHeaders);
const byResponse = new Map(responseHeaders);

/** The header class a request with this code carries, or undefined when it has none. */
export function requestHeaderDecoder(code: number): HeaderDecoder | undefined {
  return byRequest.get(code);
}

/** The header class a successful response to this request code carries. */
export function responseHeaderDecoder(requestCode: number): HeaderDecoder | undefined {
  return byResponse.get(requestCode);
}

/** Every (request code, header) pair we know, requests then responses. */
export function allHeaderDecoders(): ReadonlyArray<readonly [number, HeaderDecoder, 'request' | 'response']> {
  return [
    ...requestHeaders.map(([c, d]) => [c, d, 'request'] as const),
    ...responseHeaders.map(([c, d]) => [c, d, 'response'] as const),
  ];
}
