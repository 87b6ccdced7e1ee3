/**
 * Client-management headers, both directions.
 *
 * Client -> broker:
 *   34  HEART_BEAT                 no header; body HeartbeatData
 *   35  UNREGISTER_CLIENT          clientID producerGroup? consumerGroup?
 *   38  GET_CONSUMER_LIST_BY_GROUP consumerGroup -> body {"consumerIdList":[..]}
 *   41  LOCK_BATCH_MQ, 42 UNLOCK_BATCH_MQ: no header; bodies in body/
 * Broker -> client:
 *   40  NOTIFY_CONSUMER_IDS_CHANGED (oneway) consumerGroup
 *   221 GET_CONSUMER_STATUS_FROM_CLIENT, 223 INVOKE_BROKER_TO_GET_CONSUMER_STATUS
 *                                  topic group clientAddr?
 *   307 GET_CONSUMER_RUNNING_INFO  consumerGroup clientId jstackEnable -> body ConsumerRunningInfo
 *   309 CONSUME_MESSAGE_DIRECTLY   consumerGroup clientId? msgId? brokerName?
 *                                  body: the stored message -> body ConsumeMessageDirectlyResult
 */
import { defineHeader } from './spec.js';

export interface UnregisterClientRequestHeader {
  /** Note the capital ID, on the wire too. */
  clientID: string;
  producerGroup?: string;
  consumerGroup?: string;
}
const unregisterClient = defineHeader<UnregisterClientRequestHeader>('UnregisterClientRequestHeader', {
  clientID: { type: 'string', presence: 'required' },
  producerGroup: { type: 'string', presence: 'optional' },
  consumerGroup: { type: 'string', presence: 'optional' },
});
export const decodeUnregisterClientRequestHeader = unregisterClient.decode;
export const encodeUnregisterClientRequestHeader = unregisterClient.encode;

/** GET_CONSUMER_LIST_BY_GROUP, NOTIFY_CONSUMER_IDS_CHANGED and GET_CONSUMER_CONNECTION_LIST all name just the group. */
export interface ConsumerGroupRequestHeader {
  consumerGroup: string;
}
const consumerGroup = defineHeader<ConsumerGroupRequestHeader>('GetConsumerListByGroupRequestHeader', {
  consumerGroup: { type: 'string', presence: 'required' },
});
export type GetConsumerListByGroupRequestHeader = ConsumerGroupRequestHeader;
export type NotifyConsumerIdsChangedRequestHeader = ConsumerGroupRequestHeader;
export type GetConsumerConnectionListRequestHeader = ConsumerGroupRequestHeader;
export const decodeGetConsumerListByGroupRequestHeader = consumerGroup.decode;
export const encodeGetConsumerListByGroupRequestHeader = consumerGroup.encode;
export const decodeNotifyConsumerIdsChangedRequestHeader = consumerGroup.decode;
export const encodeNotifyConsumerIdsChangedRequestHeader = consumerGroup.encode;
export const decodeGetConsumerConnectionListRequestHeader = consumerGroup.decode;
export const encodeGetConsumerConnectionListRequestHeader = consumerGroup.encode;

export interface GetConsumerStatusRequestHeader {
  topic: string;
  group: string;
  clientAddr?: string;
}
const getConsumerStatus = defineHeader<GetConsumerStatusRequestHeader>('GetConsumerStatusRequestHeader', {
  topic: { type: 'string', presence: 'required' },
  group: { type: 'string', presence: 'required' },
  clientAddr: { type: 'string', presence: 'optional' },
});
export const decodeGetConsumerStatusRequestHeader = getConsumerStatus.decode;
export const encodeGetConsumerStatusRequestHeader = getConsumerStatus.encode;

export interface GetConsumerRunningInfoRequestHeader {
  consumerGroup: string;
  clientId: string;
  jstackEnable: boolean;
}
const getConsumerRunningInfo = defineHeader<GetConsumerRunningInfoRequestHeader>('GetConsumerRunningInfoRequestHeader', {
  consumerGroup: { type: 'string', presence: 'required' },
  clientId: { type: 'string', presence: 'required' },
  jstackEnable: { type: 'boolean', presence: 'primitive' },
});
export const decodeGetConsumerRunningInfoRequestHeader = getConsumerRunningInfo.decode;
export const encodeGetConsumerRunningInfoRequestHeader = getConsumerRunningInfo.encode;

export interface ConsumeMessageDirectlyResultRequestHeader {
  consumerGroup: string;
  clientId?: string;
  msgId?: string;
  brokerName?: string;
}
const consumeMessageDirectly = defineHeader<ConsumeMessageDirectlyResultRequestHeader>('ConsumeMessageDirectlyResultRequestHeader', {
  consumerGroup: { type: 'string', presence: 'required' },
  clientId: { type: 'string', presence: 'optional' },
  msgId: { type: 'string', presence: 'optional' },
  brokerName: { type: 'string', presence: 'optional' },
});
export const decodeConsumeMessageDirectlyResultRequestHeader = consumeMessageDirectly.decode;
export const encodeConsumeMessageDirectlyResultRequestHeader = consumeMessageDirectly.encode;

export const clientHeaderCodecs = {
  unregisterClient,
  consumerGroup,
  getConsumerStatus,
  getConsumerRunningInfo,
  consumeMessageDirectly,
} as const;
