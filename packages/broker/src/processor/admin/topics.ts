/**
 * Topic administration (AdminBrokerProcessor): UPDATE_AND_CREATE_TOPIC (17),
 * DELETE_TOPIC_IN_BROKER (215), GET_ALL_TOPIC_CONFIG (21),
 * GET_TOPIC_STATS_INFO (202), QUERY_TOPIC_CONSUME_BY_WHO (300),
 * GET_SYSTEM_TOPIC_LIST_FROM_BROKER (305), CLEAN_EXPIRED_CONSUMEQUEUE (306),
 * CLEAN_UNUSED_TOPIC (316), DELETE_EXPIRED_COMMITLOG (329).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '@rocketmq-ts/common';
import {
  type RemotingCommand,
  type TopicConfig,
  type TopicOffset,
  type MessageQueue,
  ResponseCode,
  SystemTopic,
  createResponse,
  decodeCreateTopicRequestHeader,
  decodeDeleteTopicRequestHeader,
  decodeGetTopicStatsInfoRequestHeader,
  decodeQueryTopicConsumeByWhoRequestHeader,
  encodeGroupList,
  encodeTopicConfigSerializeWrapper,
  encodeTopicList,
  encodeTopicStatsTable,
  validateTopic,
} from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import { DefaultMessageStore, SCHEDULE_TOPIC } from '@rocketmq-ts/store';
import type { SerialLock} from './common.js';
import { type AdminContext, isSystemTopicHere, queueOf, refuseOnSlave, success } from './common.js';

const LMQ_PREFIX = '%LMQ%';

export class TopicAdmin {
  constructor(
    private readonly ctx: AdminContext,
    private readonly lock: SerialLock,
  ) {}

  /** Name checks shared by create and delete: TopicValidator.validateTopic, then isSystemTopic. */
  private refuseName(request: RemotingCommand, topic: string): RemotingCommand | undefined {
    const rejected = validateTopic(topic);
    if (rejected !== undefined) return createResponse(request, rejected.code, rejected.remark);
    if (isSystemTopicHere(this.ctx, topic)) return createResponse(request, ResponseCode.SYSTEM_ERROR, `The topic[${topic}] is conflict with system topic.`);
    return undefined;
  }

  /** UPDATE_AND_CREATE_TOPIC: creates or replaces the topic, then registers with the NameServers before answering. */
  readonly updateAndCreateTopic = (request: RemotingCommand, channel: Channel): Promise<RemotingCommand> =>
    this.lock.run(async () => {
      const slave = refuseOnSlave(this.ctx, request);
      if (slave !== undefined) return slave;
      const h = decodeCreateTopicRequestHeader(request.extFields);
      const refused = this.refuseName(request, h.topic);
      if (refused !== undefined) return refused;
      // As Java: a fresh TopicConfig, so `order` is false here; the NameServer's ORDER_TOPIC_CONFIG sets it again at registration.
      const tc: TopicConfig = {
        topicName: h.topic,
        readQueueNums: h.readQueueNums,
        writeQueueNums: h.writeQueueNums,
        perm: h.perm,
        topicFilterType: h.topicFilterType,
        topicSysFlag: h.topicSysFlag ?? 0,
        order: false,
      };
      this.ctx.log.info({ topic: tc, by: channel.remoteAddress }, 'updateAndCreateTopic');
      this.ctx.topics.updateTopicConfig(tc);
      try {
        await this.ctx.registerBrokerAll(true, false, true);
      } catch (err) {
        // Java logs a failed registration and still answers SUCCESS; the periodic registration retries.
        this.ctx.log.warn({ topic: h.topic, err: errorMessage(err) }, 'registering the new topic with the NameServers failed');
      }
      return success(request);
    });

  /**
   * DELETE_TOPIC_IN_BROKER: the topic's config, its committed offsets (as
   * 5.x; 4.9 keeps them) and the ConsumeQueues of every topic no longer in
   * the table (Java's cleanUnusedTopic). The NameServers are not told: the
   * admin tool deletes the route there itself.
   */
  readonly deleteTopic = (request: RemotingCommand, channel: Channel): Promise<RemotingCommand> =>
    this.lock.run(async () => {
      const slave = refuseOnSlave(this.ctx, request);
      if (slave !== undefined) return slave;
      const h = decodeDeleteTopicRequestHeader(request.extFields);
      const refused = this.refuseName(request, h.topic);
      if (refused !== undefined) return refused;
      if (h.topic.startsWith(LMQ_PREFIX)) return success(request);
      const ctx = this.ctx;
      ctx.topics.deleteTopicConfig(h.topic);
      ctx.offsets.cleanOffsetByTopic(h.topic);
      await ctx.store.cleanUnusedTopic(new Set(ctx.topics.table.keys()));
      if (ctx.config.autoDeleteUnusedStats) ctx.stats.onTopicDeleted(h.topic);
      ctx.log.info({ topic: h.topic, by: channel.remoteAddress }, 'topic deleted');
      return success(request);
    });

  /** GET_ALL_TOPIC_CONFIG: TopicConfigSerializeWrapper (the topics.json shape). */
  readonly getAllTopicConfig = (request: RemotingCommand): RemotingCommand =>
    success(request, encodeTopicConfigSerializeWrapper(this.ctx.topics.buildTopicConfigSerializeWrapper()));

  /** GET_TOPIC_STATS_INFO: min/max offset and last store time of each write queue. */
  readonly getTopicStatsInfo = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const h = decodeGetTopicStatsInfoRequestHeader(request.extFields);
    const tc = this.ctx.topics.selectTopicConfig(h.topic);
    if (tc === undefined) return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist`);
    const store = this.ctx.store;
    const offsetTable: Array<[MessageQueue, TopicOffset]> = [];
    for (let i = 0; i < tc.writeQueueNums; i++) {
      const min = Math.max(0, store.getMinOffsetInQueue(h.topic, i));
      const max = Math.max(0, store.getMaxOffsetInQueue(h.topic, i));
      const lastUpdateTimestamp = max > 0 ? await store.getMessageStoreTimeStamp(h.topic, i, max - 1) : 0;
      offsetTable.push([queueOf(this.ctx, h.topic, i), { minOffset: min, maxOffset: max, lastUpdateTimestamp }]);
    }
    return success(request, encodeTopicStatsTable({ offsetTable }));
  };

  /** QUERY_TOPIC_CONSUME_BY_WHO: groups online and subscribed, and groups with offsets on the topic. */
  readonly queryTopicConsumeByWho = (request: RemotingCommand): RemotingCommand => {
    const h = decodeQueryTopicConsumeByWhoRequestHeader(request.extFields);
    const groups = this.ctx.consumers.queryTopicConsumeByWho(h.topic);
    for (const g of this.ctx.offsets.whichGroupByTopic(h.topic)) groups.add(g);
    return success(request, encodeGroupList({ groupList: [...groups] }));
  };

  /** GET_SYSTEM_TOPIC_LIST_FROM_BROKER: TopicValidator's system topics, with those this broker added. */
  readonly getSystemTopicList = (request: RemotingCommand): RemotingCommand => {
    const topics = new Set<string>(Object.values(SystemTopic).filter((t) => t !== SystemTopic.SYSTEM_TOPIC_PREFIX));
    for (const t of this.ctx.topics.systemTopics) topics.add(t);
    return success(request, encodeTopicList({ topicList: [...topics] }));
  };

  /**
   * CLEAN_EXPIRED_CONSUMEQUEUE (DefaultMessageStore.cleanExpiredConsumerQueue):
   * queues whose last message lies below the CommitLog's start go. This
   * store deletes queues a topic at a time, so a topic goes when all its
   * queues expired (Java also drops single expired queues of a live topic).
   */
  readonly cleanExpiredConsumeQueue = async (request: RemotingCommand): Promise<RemotingCommand> => {
    this.ctx.log.warn('invoke cleanExpiredConsumeQueue start.');
    const store = this.ctx.store;
    if (store instanceof DefaultMessageStore) {
      const minPhy = store.getMinPhyOffset();
      const expired: string[] = [];
      for (const topic of store.getConsumeQueueTopics()) {
        if (topic === SCHEDULE_TOPIC) continue;
        const queueIds = await readdir(join(this.ctx.storePaths.root, 'consumequeue', topic)).catch(() => [] as string[]);
        let all = queueIds.length > 0;
        for (const name of queueIds) {
          const cq = /^\d+$/.test(name) ? store.getConsumeQueue(topic, Number(name)) : undefined;
          // maxPhysicOffset: where the last unit's message ends; -1 for an empty queue, which Java leaves alone.
          if (cq === undefined || cq.maxPhysicOffset < 0 || cq.maxPhysicOffset >= minPhy) {
            all = false;
            break;
          }
        }
        if (all) expired.push(topic);
      }
      if (expired.length > 0) {
        this.ctx.log.info({ topics: expired, minPhy }, 'cleanExpiredConsumerQueue: deleting queues below the CommitLog start');
        await store.deleteTopics(expired);
      }
    }
    this.ctx.log.warn('invoke cleanExpiredConsumeQueue end.');
    return success(request);
  };

  /** CLEAN_UNUSED_TOPIC: ConsumeQueues of topics not in the topic table go. */
  readonly cleanUnusedTopic = async (request: RemotingCommand): Promise<RemotingCommand> => {
    this.ctx.log.warn('invoke cleanUnusedTopic start.');
    await this.ctx.store.cleanUnusedTopic(new Set(this.ctx.topics.table.keys()));
    this.ctx.log.warn('invoke cleanUnusedTopic end.');
    return success(request);
  };

  /** DELETE_EXPIRED_COMMITLOG: retention runs now, deleting expired segments whatever the hour. */
  readonly deleteExpiredCommitLog = (request: RemotingCommand): RemotingCommand => {
    this.ctx.log.warn('invoke deleteExpiredCommitLog start.');
    this.ctx.store.executeDeleteFilesManually();
    this.ctx.log.warn('invoke deleteExpiredCommitLog end.');
    return success(request);
  };
}
