/**
 * Consumer group administration (AdminBrokerProcessor):
 * UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200), GET_ALL_SUBSCRIPTIONGROUP_CONFIG
 * (201), DELETE_SUBSCRIPTIONGROUP (207), CLONE_GROUP_OFFSET (314),
 * QUERY_CORRECTION_OFFSET (308).
 */
import {
  type RemotingCommand,
  ResponseCode,
  createResponse,
  decodeCloneGroupOffsetRequestHeader,
  decodeDeleteSubscriptionGroupRequestHeader,
  decodeSubscriptionGroupConfig,
  defineHeader,
  encodeSubscriptionGroupWrapper,
  isBlank,
  stringifyRmqJson,
} from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import { type AdminContext, refuseOnSlave, success } from './common.js';

/** Java's Long.MAX_VALUE, written exactly. */
const JAVA_LONG_MAX = 9223372036854775807n;

export interface QueryCorrectionOffsetHeader {
  filterGroups?: string;
  compareGroup: string;
  topic: string;
}
const queryCorrectionOffsetHeader = defineHeader<QueryCorrectionOffsetHeader>('QueryCorrectionOffsetHeader', {
  filterGroups: { type: 'string', presence: 'optional' },
  compareGroup: { type: 'string', presence: 'required' },
  topic: { type: 'string', presence: 'required' },
});
export const decodeQueryCorrectionOffsetHeader = queryCorrectionOffsetHeader.decode;
export const encodeQueryCorrectionOffsetHeader = queryCorrectionOffsetHeader.encode;

export class GroupAdmin {
  constructor(private readonly ctx: AdminContext) {}

  /** UPDATE_AND_CREATE_SUBSCRIPTIONGROUP: the body is a SubscriptionGroupConfig. */
  readonly updateAndCreateSubscriptionGroup = (request: RemotingCommand, channel: Channel): RemotingCommand => {
    const slave = refuseOnSlave(this.ctx, request);
    if (slave !== undefined) return slave;
    if (request.body === undefined || request.body.length === 0) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, 'the request has no body: a SubscriptionGroupConfig is required');
    }
    const config = decodeSubscriptionGroupConfig(request.body);
    this.ctx.log.info({ group: config, by: channel.remoteAddress }, 'updateAndCreateSubscriptionGroup');
    this.ctx.groups.updateSubscriptionGroupConfig(config);
    return success(request);
  };

  /** GET_ALL_SUBSCRIPTIONGROUP_CONFIG: SubscriptionGroupWrapper (the subscriptionGroup.json shape). */
  readonly getAllSubscriptionGroup = (request: RemotingCommand): RemotingCommand =>
    success(
      request,
      encodeSubscriptionGroupWrapper({ subscriptionGroupTable: this.ctx.groups.table, dataVersion: this.ctx.groups.dataVersion }),
    );

  /** DELETE_SUBSCRIPTIONGROUP: the group's config, and its offsets when removeOffset is set. */
  readonly deleteSubscriptionGroup = (request: RemotingCommand, channel: Channel): RemotingCommand => {
    const slave = refuseOnSlave(this.ctx, request);
    if (slave !== undefined) return slave;
    const h = decodeDeleteSubscriptionGroupRequestHeader(request.extFields);
    this.ctx.log.info({ group: h.groupName, removeOffset: h.removeOffset, by: channel.remoteAddress }, 'deleteSubscriptionGroup');
    this.ctx.groups.deleteSubscriptionGroupConfig(h.groupName);
    if (h.removeOffset) this.ctx.offsets.removeOffset(h.groupName);
    if (this.ctx.config.autoDeleteUnusedStats) this.ctx.stats.onGroupDeleted(h.groupName);
    return success(request);
  };

  /**
   * CLONE_GROUP_OFFSET: srcGroup's committed offsets copied to destGroup, on
   * the topic named or on every topic srcGroup has offsets for; unless
   * offline, only topics srcGroup (when online) subscribes to.
   */
  readonly cloneGroupOffset = (request: RemotingCommand): RemotingCommand => {
    const h = decodeCloneGroupOffsetRequestHeader(request.extFields);
    const ctx = this.ctx;
    const topics = isBlank(h.topic) ? ctx.offsets.whichTopicByConsumer(h.srcGroup) : new Set([h.topic!]);
    for (const topic of topics) {
      if (ctx.topics.selectTopicConfig(topic) === undefined) {
        ctx.log.warn({ topic }, '[cloneGroupOffset], topic config not exist');
        continue;
      }
      if (!h.offline) {
        const online = ctx.consumers.getConsumerGroupInfo(h.srcGroup);
        if (online !== undefined && online.subscriptionTable.size > 0 && online.findSubscriptionData(topic) === undefined) {
          ctx.log.warn({ group: h.srcGroup, topic }, '[cloneGroupOffset], the consumer group does not subscribe the topic');
          continue;
        }
      }
      // Java passes the request's topic here, so without one it clones nothing; each topic of the loop is meant.
      ctx.offsets.cloneOffset(h.srcGroup, h.destGroup, topic);
    }
    return success(request);
  };

  /**
   * QUERY_CORRECTION_OFFSET: per queue, the lowest offset the other groups
   * committed on the topic; a queue where compareGroup is already behind
   * that gets Long.MAX_VALUE. Body {"correctionOffsets":{queueId:offset}}.
   */
  readonly queryCorrectionOffset = (request: RemotingCommand): RemotingCommand => {
    const h = decodeQueryCorrectionOffsetHeader(request.extFields);
    const ctx = this.ctx;
    const correction = ctx.offsets.queryMinOffsetInAllGroup(h.topic, h.filterGroups, (q) => ctx.store.getMinOffsetInQueue(h.topic, q));
    const out = new Map<number, number | bigint>(correction);
    const compare = ctx.offsets.queryOffsets(h.compareGroup, h.topic);
    for (const [queueId, offset] of compare ?? []) {
      const c = correction.get(queueId);
      if (c !== undefined && c > offset) out.set(queueId, JAVA_LONG_MAX);
    }
    return success(request, Buffer.from(stringifyRmqJson({ correctionOffsets: out }), 'utf8'));
  };
}
