/**
 * AdminBrokerProcessor: every admin request code a 4.9 broker answers
 * (mqadmin, the dashboard, rocketmq-exporter), except LOCK_BATCH_MQ /
 * UNLOCK_BATCH_MQ (the rebalance lock service), RESUME_CHECK_HALF_MESSAGE
 * (transactions) and the ACL codes. The families live in processor/admin/;
 * this file holds the offset queries clients use and wires the codes.
 *
 * Codes a 4.9 broker does not serve stay unregistered and are answered
 * REQUEST_CODE_NOT_SUPPORTED, as Java answers them: GET_TOPIC_CONFIG_LIST
 * (22), GET_TOPIC_NAME_LIST (23), RESET_CONSUMER_OFFSET_IN_BROKER (212),
 * GET_TOPICS_BY_CLUSTER (224, a NameServer code).
 */
import {
  type Connection,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  createResponse,
  decodeGetConsumerConnectionListRequestHeader,
  decodeGetEarliestMsgStoretimeRequestHeader,
  decodeGetMaxOffsetRequestHeader,
  decodeGetMinOffsetRequestHeader,
  decodeGetProducerConnectionListRequestHeader,
  decodeSearchOffsetRequestHeader,
  encodeConsumerConnection,
  encodeProducerConnection,
  formatJavaLong,
  languageName,
} from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import type { ClientChannelInfo } from '../client/client-channel-info.js';
import { BrokerInfoAdmin } from './admin/broker-info.js';
import { ClientAdmin } from './admin/clients.js';
import { type AdminContext, SerialLock } from './admin/common.js';
import { ConsumeStatsAdmin } from './admin/consume-stats.js';
import { GroupAdmin } from './admin/groups.js';
import { TopicAdmin } from './admin/topics.js';

function connectionOf(info: ClientChannelInfo): Connection {
  return { clientId: info.clientId, clientAddr: info.channel.remoteAddress, language: languageName(info.language), version: info.version };
}

export class AdminProcessor {
  /** Java's `synchronized` handlers (topic create/delete, broker config update) run one at a time. */
  private readonly lock = new SerialLock();
  readonly topics: TopicAdmin;
  readonly groups: GroupAdmin;
  readonly consumeStats: ConsumeStatsAdmin;
  readonly clients: ClientAdmin;
  readonly brokerInfo: BrokerInfoAdmin;

  constructor(private readonly ctx: AdminContext) {
    this.topics = new TopicAdmin(ctx, this.lock);
    this.groups = new GroupAdmin(ctx);
    this.consumeStats = new ConsumeStatsAdmin(ctx);
    this.clients = new ClientAdmin(ctx);
    this.brokerInfo = new BrokerInfoAdmin(ctx, this.lock);
  }

  /** Every admin code and its handler, for the broker to register on its admin pool. */
  handlers(): Array<[number, RequestHandler]> {
    const t = this.topics;
    const g = this.groups;
    const c = this.consumeStats;
    const cl = this.clients;
    const b = this.brokerInfo;
    return [
      [RequestCode.UPDATE_AND_CREATE_TOPIC, t.updateAndCreateTopic],
      [RequestCode.DELETE_TOPIC_IN_BROKER, t.deleteTopic],
      [RequestCode.GET_ALL_TOPIC_CONFIG, t.getAllTopicConfig],
      [RequestCode.UPDATE_BROKER_CONFIG, b.updateBrokerConfig],
      [RequestCode.GET_BROKER_CONFIG, b.getBrokerConfig],
      [RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, this.searchOffsetByTimestamp],
      [RequestCode.GET_MAX_OFFSET, this.getMaxOffset],
      [RequestCode.GET_MIN_OFFSET, this.getMinOffset],
      [RequestCode.GET_EARLIEST_MSG_STORETIME, this.getEarliestMsgStoretime],
      [RequestCode.GET_BROKER_RUNTIME_INFO, b.getBrokerRuntimeInfo],
      [RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, g.updateAndCreateSubscriptionGroup],
      [RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, g.getAllSubscriptionGroup],
      [RequestCode.DELETE_SUBSCRIPTIONGROUP, g.deleteSubscriptionGroup],
      [RequestCode.GET_TOPIC_STATS_INFO, t.getTopicStatsInfo],
      [RequestCode.GET_CONSUMER_CONNECTION_LIST, this.getConsumerConnectionList],
      [RequestCode.GET_PRODUCER_CONNECTION_LIST, this.getProducerConnectionList],
      [RequestCode.GET_ALL_PRODUCER_INFO, cl.getAllProducerInfo],
      [RequestCode.GET_CONSUME_STATS, c.getConsumeStats],
      [RequestCode.GET_ALL_CONSUMER_OFFSET, this.getAllConsumerOffset],
      [RequestCode.GET_ALL_DELAY_OFFSET, b.getAllDelayOffset],
      [RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, cl.resetOffset],
      [RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS, cl.getConsumerStatus],
      [RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, t.queryTopicConsumeByWho],
      [RequestCode.QUERY_CONSUME_TIME_SPAN, c.queryConsumeTimeSpan],
      [RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER, t.getSystemTopicList],
      [RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE, t.cleanExpiredConsumeQueue],
      [RequestCode.DELETE_EXPIRED_COMMITLOG, t.deleteExpiredCommitLog],
      [RequestCode.CLEAN_UNUSED_TOPIC, t.cleanUnusedTopic],
      [RequestCode.GET_CONSUMER_RUNNING_INFO, cl.getConsumerRunningInfo],
      [RequestCode.QUERY_CORRECTION_OFFSET, g.queryCorrectionOffset],
      [RequestCode.CONSUME_MESSAGE_DIRECTLY, cl.consumeMessageDirectly],
      [RequestCode.CLONE_GROUP_OFFSET, g.cloneGroupOffset],
      [RequestCode.VIEW_BROKER_STATS_DATA, b.viewBrokerStatsData],
      [RequestCode.GET_BROKER_CONSUME_STATS, c.getBrokerConsumeStats],
      [RequestCode.QUERY_CONSUME_QUEUE, c.queryConsumeQueue],
    ];
  }

  readonly searchOffsetByTimestamp = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const h = decodeSearchOffsetRequestHeader(request.extFields);
    const offset = await this.ctx.store.getOffsetInQueueByTime(h.topic, h.queueId, h.timestamp);
    return createResponse(request, ResponseCode.SUCCESS, undefined, { offset: formatJavaLong(offset) });
  };

  readonly getMaxOffset = (request: RemotingCommand): RemotingCommand => {
    const h = decodeGetMaxOffsetRequestHeader(request.extFields);
    return createResponse(request, ResponseCode.SUCCESS, undefined, { offset: formatJavaLong(this.ctx.store.getMaxOffsetInQueue(h.topic, h.queueId)) });
  };

  readonly getMinOffset = (request: RemotingCommand): RemotingCommand => {
    const h = decodeGetMinOffsetRequestHeader(request.extFields);
    return createResponse(request, ResponseCode.SUCCESS, undefined, { offset: formatJavaLong(this.ctx.store.getMinOffsetInQueue(h.topic, h.queueId)) });
  };

  readonly getEarliestMsgStoretime = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const h = decodeGetEarliestMsgStoretimeRequestHeader(request.extFields);
    const ts = await this.ctx.store.getEarliestMessageTime(h.topic, h.queueId);
    return createResponse(request, ResponseCode.SUCCESS, undefined, { timestamp: formatJavaLong(ts) });
  };

  readonly getAllConsumerOffset = (request: RemotingCommand): RemotingCommand =>
    createResponse(request, ResponseCode.SUCCESS, undefined, {}, Buffer.from(this.ctx.offsets.encode(), 'utf8'));

  readonly getConsumerConnectionList = (request: RemotingCommand): RemotingCommand => {
    const h = decodeGetConsumerConnectionListRequestHeader(request.extFields);
    const g = this.ctx.consumers.getConsumerGroupInfo(h.consumerGroup);
    if (g === undefined) return createResponse(request, ResponseCode.CONSUMER_NOT_ONLINE, `the consumer group[${h.consumerGroup}] not online`);
    const body = encodeConsumerConnection({
      connectionSet: [...g.channelInfoTable.values()].map(connectionOf),
      subscriptionTable: new Map([...g.subscriptionTable].map(([topic, e]) => [topic, e.data])),
      consumeType: g.consumeType,
      messageModel: g.messageModel,
      consumeFromWhere: g.consumeFromWhere,
    });
    return createResponse(request, ResponseCode.SUCCESS, undefined, {}, body);
  };

  readonly getProducerConnectionList = (request: RemotingCommand): RemotingCommand => {
    const h = decodeGetProducerConnectionListRequestHeader(request.extFields);
    const m = this.ctx.producers.groupChannelTable.get(h.producerGroup);
    if (m === undefined) return createResponse(request, ResponseCode.SYSTEM_ERROR, `the producer group[${h.producerGroup}] not exist`);
    return createResponse(request, ResponseCode.SUCCESS, undefined, {}, encodeProducerConnection({ connectionSet: [...m.values()].map(connectionOf) }));
  };
}
