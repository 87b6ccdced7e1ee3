/**
 * Consumption progress (AdminBrokerProcessor): GET_CONSUME_STATS (208),
 * GET_BROKER_CONSUME_STATS (317), QUERY_CONSUME_TIME_SPAN (303),
 * QUERY_CONSUME_QUEUE (321).
 */
import {
  type ConsumeQueueData,
  type ConsumeStats,
  type MessageQueue,
  type OffsetWrapper,
  type QueueTimeSpan,
  type RemotingCommand,
  type QueryConsumeQueueResponseBody,
  ResponseCode,
  computeTotalDiff,
  createResponse,
  decodeGetConsumeStatsInBrokerHeader,
  decodeGetConsumeStatsRequestHeader,
  decodeQueryConsumeQueueRequestHeader,
  decodeQueryConsumeTimeSpanRequestHeader,
  encodeConsumeStats,
  encodeConsumeStatsList,
  encodeQueryConsumeQueueResponseBody,
  encodeQueryConsumeTimeSpanBody,
  isBlank,
} from '@rocketmq-ts/protocol';
import { CQ_UNIT_SIZE, DefaultMessageStore } from '@rocketmq-ts/store';
import type { ConsumerFilterData } from '../../filter/consumer-filter-manager.js';
import { type AdminContext, formatTimeSpanDate, queueOf, success } from './common.js';

/** fastjson's pretty form (tabs, no spaces), which Java's QUERY_CONSUME_QUEUE uses for filterData. */
function prettyFilterData(fd: ConsumerFilterData | undefined): string {
  if (fd === undefined) return 'null';
  const fields: Array<[string, string]> = [
    ['clientVersion', String(fd.clientVersion)],
    ['consumerGroup', JSON.stringify(fd.consumerGroup)],
    ['deadTime', String(fd.deadTime)],
    ['expression', JSON.stringify(fd.expression)],
    ['expressionType', JSON.stringify(fd.expressionType)],
    ['topic', JSON.stringify(fd.topic)],
  ];
  return `{\n${fields.map(([k, v]) => `\t"${k}":${v}`).join(',\n')}\n}`;
}

export class ConsumeStatsAdmin {
  constructor(private readonly ctx: AdminContext) {}

  /**
   * The group's progress on one topic over `queueCount` queues, or
   * undefined when Java skips the topic (no topic config; the group is
   * online but does not subscribe to it).
   */
  private async topicStats(group: string, topic: string, queueCount: (writeQueueNums: number, readQueueNums: number) => number): Promise<ConsumeStats | undefined> {
    const ctx = this.ctx;
    const tc = ctx.topics.selectTopicConfig(topic);
    if (tc === undefined) {
      ctx.log.warn({ topic }, 'consumeStats, topic config not exist');
      return undefined;
    }
    const online = ctx.consumers.getConsumerGroupInfo(group);
    if (online !== undefined && online.subscriptionTable.size > 0 && online.findSubscriptionData(topic) === undefined) {
      ctx.log.warn({ group, topic }, 'consumeStats, the consumer group does not subscribe the topic');
      return undefined;
    }
    const store = ctx.store;
    const offsetTable: Array<[MessageQueue, OffsetWrapper]> = [];
    const n = queueCount(tc.writeQueueNums, tc.readQueueNums);
    for (let i = 0; i < n; i++) {
      const brokerOffset = Math.max(0, store.getMaxOffsetInQueue(topic, i));
      const consumerOffset = Math.max(0, ctx.offsets.queryOffset(group, topic, i));
      let lastTimestamp = 0;
      if (consumerOffset - 1 >= 0) {
        const t = await store.getMessageStoreTimeStamp(topic, i, consumerOffset - 1);
        if (t > 0) lastTimestamp = t;
      }
      offsetTable.push([queueOf(ctx, topic, i), { brokerOffset, consumerOffset, lastTimestamp }]);
    }
    return { offsetTable, consumeTps: ctx.stats.tpsGroupGetNums(group, topic) };
  }

  /** GET_CONSUME_STATS: per read queue, the broker's max offset, the group's committed offset and when that message was stored. */
  readonly getConsumeStats = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const h = decodeGetConsumeStatsRequestHeader(request.extFields);
    const topics = isBlank(h.topic) ? this.ctx.offsets.whichTopicByConsumer(h.consumerGroup) : new Set([h.topic!]);
    const all: ConsumeStats = { offsetTable: [], consumeTps: 0 };
    for (const topic of topics) {
      const s = await this.topicStats(h.consumerGroup, topic, (_w, r) => r);
      if (s === undefined) continue;
      all.offsetTable.push(...s.offsetTable);
      all.consumeTps += s.consumeTps;
    }
    return success(request, encodeConsumeStats(all));
  };

  /** GET_BROKER_CONSUME_STATS: every subscription group's ConsumeStats per topic (write queues), and the total lag. */
  readonly getBrokerConsumeStats = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const h = decodeGetConsumeStatsInBrokerHeader(request.extFields);
    const ctx = this.ctx;
    const list: Array<Map<string, ConsumeStats[]>> = [];
    let totalDiff = 0;
    for (const group of [...ctx.groups.table.keys()]) {
      const statsOfGroup: ConsumeStats[] = [];
      for (const topic of ctx.offsets.whichTopicByConsumer(group)) {
        if (h.isOrder && ctx.topics.selectTopicConfig(topic)?.order === false) continue;
        const s = await this.topicStats(group, topic, (w) => w);
        if (s === undefined) continue;
        totalDiff += computeTotalDiff(s);
        statsOfGroup.push(s);
      }
      list.push(new Map([[group, statsOfGroup]]));
    }
    return success(request, encodeConsumeStatsList({ brokerAddr: ctx.brokerAddr, consumeStatsList: list, totalDiff }));
  };

  /** QUERY_CONSUME_TIME_SPAN: per write queue, the store times of the first, last and last-consumed messages, and how far behind the group is. */
  readonly queryConsumeTimeSpan = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const h = decodeQueryConsumeTimeSpanRequestHeader(request.extFields);
    const ctx = this.ctx;
    const tc = ctx.topics.selectTopicConfig(h.topic);
    if (tc === undefined) return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist`);
    const store = ctx.store;
    const spans: QueueTimeSpan[] = [];
    for (let i = 0; i < tc.writeQueueNums; i++) {
      const minTimeStamp = await store.getEarliestMessageTime(h.topic, i);
      const max = store.getMaxOffsetInQueue(h.topic, i);
      const maxTimeStamp = await store.getMessageStoreTimeStamp(h.topic, i, max - 1);
      const consumerOffset = ctx.offsets.queryOffset(h.group, h.topic, i);
      const consumeTimeStamp = consumerOffset > 0 ? await store.getMessageStoreTimeStamp(h.topic, i, consumerOffset - 1) : minTimeStamp;
      let delayTime = 0;
      if (consumerOffset < max) {
        const nextTime = await store.getMessageStoreTimeStamp(h.topic, i, consumerOffset);
        delayTime = Date.now() - nextTime;
      }
      spans.push({
        messageQueue: queueOf(ctx, h.topic, i),
        minTimeStamp,
        maxTimeStamp,
        consumeTimeStamp,
        delayTime,
        // Java's QueueTimeSpan has getters for these, so fastjson writes them too.
        minTimeStampStr: formatTimeSpanDate(minTimeStamp),
        maxTimeStampStr: formatTimeSpanDate(maxTimeStamp),
        consumeTimeStampStr: formatTimeSpanDate(consumeTimeStamp),
      });
    }
    return success(request, encodeQueryConsumeTimeSpanBody({ consumeTimeSpanSet: spans }));
  };

  /**
   * QUERY_CONSUME_QUEUE: raw ConsumeQueue units from `index` (at most
   * `count`, not past the end of the file holding it), with the group's
   * subscription and filter data when a group is named.
   */
  readonly queryConsumeQueue = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const h = decodeQueryConsumeQueueRequestHeader(request.extFields);
    const ctx = this.ctx;
    const store = ctx.store;
    const topic = h.topic ?? 'null';
    const cq = store instanceof DefaultMessageStore && h.topic !== undefined ? store.getConsumeQueue(h.topic, h.queueId) : undefined;
    if (cq === undefined) return createResponse(request, ResponseCode.SYSTEM_ERROR, `${h.queueId}@${topic} is not exist!`);
    const body: QueryConsumeQueueResponseBody = {
      queueData: [],
      maxQueueIndex: cq.getMaxOffsetInQueue(),
      minQueueIndex: cq.getMinOffsetInQueue(),
    };
    if (h.consumerGroup !== undefined) {
      const sub = ctx.consumers.findSubscriptionData(h.consumerGroup, topic);
      if (sub === undefined) {
        body.filterData = `${h.consumerGroup}@${topic} is not online!`;
      } else {
        body.subscriptionData = sub.data;
        body.filterData = prettyFilterData(ctx.filters.get(topic, h.consumerGroup));
      }
    }
    const units = await cq.readUnits(h.index, Math.max(0, h.count));
    if (units === undefined) {
      return createResponse(request, ResponseCode.SUCCESS, `Index ${h.index} of ${h.queueId}@${topic} is not exist!`);
    }
    const queueData: ConsumeQueueData[] = [];
    for (let pos = 0; pos + CQ_UNIT_SIZE <= units.length; pos += CQ_UNIT_SIZE) {
      // No ConsumeQueueExt here, so no unit carries ext data and `eval` stays false, as Java without it.
      queueData.push({ physicOffset: Number(units.readBigInt64BE(pos)), physicSize: units.readInt32BE(pos + 8), tagsCode: Number(units.readBigInt64BE(pos + 12)), eval: false });
    }
    body.queueData = queueData;
    return success(request, encodeQueryConsumeQueueResponseBody(body));
  };
}
