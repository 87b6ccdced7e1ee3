/**
 * GET_CONSUMER_LIST_BY_GROUP (38), UPDATE_CONSUMER_OFFSET (15),
 * QUERY_CONSUMER_OFFSET (14): ConsumerManageProcessor.java.
 */
import {
  type RemotingCommand,
  ResponseCode,
  createResponse,
  decodeGetConsumerListByGroupRequestHeader,
  decodeQueryConsumerOffsetRequestHeader,
  decodeUpdateConsumerOffsetRequestHeader,
  encodeConsumerIdList,
  formatJavaLong,
} from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import type { BrokerContext } from '../context.js';

export class ConsumerManageProcessor {
  constructor(private readonly ctx: BrokerContext) {}

  readonly getConsumerListByGroup = (request: RemotingCommand, channel: Channel): RemotingCommand => {
    const h = decodeGetConsumerListByGroupRequestHeader(request.extFields);
    const g = this.ctx.consumers.getConsumerGroupInfo(h.consumerGroup);
    const ids = g?.allClientIds() ?? [];
    if (ids.length > 0) return createResponse(request, ResponseCode.SUCCESS, undefined, {}, encodeConsumerIdList({ consumerIdList: ids }));
    this.ctx.log.warn({ group: h.consumerGroup, remote: channel.remoteAddress }, g === undefined ? 'getConsumerGroupInfo failed' : 'getAllClientId failed');
    return createResponse(request, ResponseCode.SYSTEM_ERROR, `no consumer for this group, ${h.consumerGroup}`);
  };

  readonly updateConsumerOffset = (request: RemotingCommand, channel: Channel): RemotingCommand => {
    const h = decodeUpdateConsumerOffsetRequestHeader(request.extFields);
    this.ctx.offsets.commitOffset(channel.remoteAddress, h.consumerGroup, h.topic, h.queueId, h.commitOffset);
    return createResponse(request, ResponseCode.SUCCESS);
  };

  readonly queryConsumerOffset = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const ctx = this.ctx;
    const h = decodeQueryConsumerOffsetRequestHeader(request.extFields);
    const offset = ctx.offsets.queryOffset(h.consumerGroup, h.topic, h.queueId);
    if (offset >= 0) return createResponse(request, ResponseCode.SUCCESS, undefined, { offset: formatJavaLong(offset) });
    // A group that never committed: start from 0 if the queue still holds its first message in memory.
    const minOffset = ctx.store.getMinOffsetInQueue(h.topic, h.queueId);
    if (minOffset <= 0 && !(await ctx.store.checkInDiskByConsumeOffset(h.topic, h.queueId, 0))) {
      return createResponse(request, ResponseCode.SUCCESS, undefined, { offset: '0' });
    }
    return createResponse(request, ResponseCode.QUERY_NOT_FOUND, 'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first');
  };
}
