/**
 * The AdminBrokerProcessor codes clients use (offsets by queue, all consumer
 * offsets, connection lists, runtime info, consumer running info relayed to
 * the consumer). The admin tool's other codes come in a later task; until
 * then they are answered REQUEST_CODE_NOT_SUPPORTED, as Java answers codes
 * it does not know.
 */
import { ErrorCode, errorMessage, isRmqError } from '@rocketmq-ts/common';
import {
  type Connection,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  createRequest,
  createResponse,
  decodeGetConsumerConnectionListRequestHeader,
  decodeGetConsumerRunningInfoRequestHeader,
  decodeGetEarliestMsgStoretimeRequestHeader,
  decodeGetMaxOffsetRequestHeader,
  decodeGetMinOffsetRequestHeader,
  decodeGetProducerConnectionListRequestHeader,
  decodeSearchOffsetRequestHeader,
  encodeConsumerConnection,
  encodeKVTable,
  encodeProducerConnection,
  formatJavaLong,
  languageName,
} from '@rocketmq-ts/protocol';
import type { ClientChannelInfo } from '../client/client-channel-info.js';
import type { BrokerContext } from '../context.js';

/** MQVersion.Version.V3_1_8_SNAPSHOT: older clients cannot answer relayed requests. */
const V3_1_8_SNAPSHOT = 62;

function connectionOf(info: ClientChannelInfo): Connection {
  return { clientId: info.clientId, clientAddr: info.channel.remoteAddress, language: languageName(info.language), version: info.version };
}

export class AdminProcessor {
  constructor(private readonly ctx: BrokerContext) {}

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

  readonly getBrokerRuntimeInfo = (request: RemotingCommand): RemotingCommand =>
    createResponse(request, ResponseCode.SUCCESS, undefined, {}, encodeKVTable({ table: new Map(Object.entries(this.ctx.runtimeInfo())) }));

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

  /** GET_CONSUMER_RUNNING_INFO from an admin: asked of the consumer over its own connection, its answer passed back. */
  readonly getConsumerRunningInfo = (request: RemotingCommand): Promise<RemotingCommand> | RemotingCommand => {
    const h = decodeGetConsumerRunningInfoRequestHeader(request.extFields);
    return this.callConsumer(RequestCode.GET_CONSUMER_RUNNING_INFO, request, h.consumerGroup, h.clientId);
  };

  private async callConsumer(code: number, request: RemotingCommand, group: string, clientId: string): Promise<RemotingCommand> {
    const info = this.ctx.consumers.findChannel(group, clientId);
    if (info === undefined) return createResponse(request, ResponseCode.SYSTEM_ERROR, `The Consumer <${group}> <${clientId}> not online`);
    if (info.version < V3_1_8_SNAPSHOT) {
      return createResponse(
        request,
        ResponseCode.SYSTEM_ERROR,
        `The Consumer <${clientId}> Version <${info.version}> too low to finish, please upgrade it to V3_1_8_SNAPSHOT`,
      );
    }
    try {
      return await this.ctx.broker2Client.callClient(info.channel, createRequest(code, { ...request.extFields }, request.body));
    } catch (err) {
      if (isRmqError(err) && err.code === ErrorCode.TIMEOUT) {
        return createResponse(request, ResponseCode.CONSUME_MSG_TIMEOUT, `consumer <${group}> <${clientId}> Timeout: ${errorMessage(err)}`);
      }
      return createResponse(request, ResponseCode.SYSTEM_ERROR, `invoke consumer <${group}> <${clientId}> Exception: ${errorMessage(err)}`);
    }
  }
}
