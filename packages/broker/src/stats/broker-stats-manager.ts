/**
 * BrokerStatsManager of the Java broker: per-topic, per-group and
 * broker-wide counters by stats name and stats key, with minute, hour and
 * day windows for VIEW_BROKER_STATS_DATA (mqadmin statsAll, the
 * exporter's rocketmq_producer_tps / rocketmq_consumer_tps...) and the
 * consumeTps of GET_CONSUME_STATS and GET_BROKER_CONSUME_STATS.
 *
 * Hot path: the send and pull processors call onPutOk / onPull with what
 * they already hold. Each call is one or two Map lookups (topic, then
 * group) to reach cached StatsItem objects and a few additions; no string
 * is built and nothing is allocated once a topic/group has been seen. The
 * snapshots behind the windows are taken by timers (every 10 s, 10 min,
 * 1 h, as Java) over all items.
 */
import { BrokerStatsName, ResponseCode } from '@rocketmq-ts/protocol';
import type { StatsItem} from './stats-item.js';
import { StatsItemSet } from './stats-item.js';


/** BrokerStatsManager.StatsType: the last part of a commercial stats key. */
export const CommercialStatsType = {
  SEND_SUCCESS: 'SEND_SUCCESS',
  SEND_FAILURE: 'SEND_FAILURE',
  SEND_BACK: 'SEND_BACK',
  SEND_TIMER: 'SEND_TIMER',
  SEND_TRANSACTION: 'SEND_TRANSACTION',
  RCV_SUCCESS: 'RCV_SUCCESS',
  RCV_EPOLLS: 'RCV_EPOLLS',
  PERM_FAILURE: 'PERM_FAILURE',
} as const;
export type CommercialStatsType = (typeof CommercialStatsType)[keyof typeof CommercialStatsType];

/** The request ext field naming the commercial owner (BrokerStatsManager.COMMERCIAL_OWNER). */
export const COMMERCIAL_OWNER = 'Owner';
/** One commercial "call" per 64 KiB (BrokerStatsManager.SIZE_PER_COUNT). */
export const COMMERCIAL_SIZE_PER_COUNT = 64 * 1024;
/** BrokerConfig.commercialBaseCount. */
const COMMERCIAL_BASE_COUNT = 1;
const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';
const SEP = '@';

export interface BrokerStatsManagerOptions {
  /** The BROKER_PUT_NUMS / BROKER_GET_NUMS key. */
  readonly clusterName: string;
  /**
   * BrokerConfig.enableDetailStat: per-queue stats (QUEUE_*), and
   * GROUP_GET_LATENCY keyed queueId@topic@group instead of topic@group.
   * @defaultValue true
   */
  readonly enableQueueStat?: boolean;
}

/** How often the windows are sampled (Java: 10 s, 10 min, 1 h). Tests shorten them. */
export interface StatsSamplingIntervals {
  /** @defaultValue 10000 */
  readonly minuteSamplingMs: number;
  /** @defaultValue 600000 */
  readonly hourSamplingMs: number;
  /** @defaultValue 3600000 */
  readonly daySamplingMs: number;
}

export function defaultStatsSamplingIntervals(): StatsSamplingIntervals {
  return { minuteSamplingMs: 10_000, hourSamplingMs: 600_000, daySamplingMs: 3_600_000 };
}

/** The commercial (stats name, type) pairs recorded, as indexes into CommercialSlots.items. */
const Slot = {
  SEND_TIMES_SUCCESS: 0,
  SEND_SIZE_SUCCESS: 1,
  SEND_TIMES_FAILURE: 2,
  SEND_SIZE_FAILURE: 3,
  RCV_TIMES_SUCCESS: 4,
  RCV_SIZE_SUCCESS: 5,
  RCV_EPOLLS: 6,
  SNDBCK_TIMES: 7,
} as const;
type Slot = (typeof Slot)[keyof typeof Slot];

/** Commercial items of one (topic, group), for the owner they were made for. */
interface CommercialSlots {
  readonly owner: string;
  readonly items: Array<StatsItem | undefined>;
}

interface ProducerEntry {
  commercial: CommercialSlots | undefined;
}

interface ConsumerEntry {
  readonly getNums: StatsItem;
  readonly getSize: StatsItem;
  /** topic@group latency (enableQueueStat off). */
  latency: StatsItem | undefined;
  /** queueId@topic@group latency (enableQueueStat on), by queue id. */
  readonly latencyByQueue: Array<StatsItem | undefined>;
  sendBack: StatsItem | undefined;
  commercial: CommercialSlots | undefined;
}

interface TopicEntry {
  readonly putNums: StatsItem;
  readonly putSize: StatsItem;
  readonly producers: Map<string, ProducerEntry>;
  readonly consumers: Map<string, ConsumerEntry>;
}

export class BrokerStatsManager {
  readonly clusterName: string;
  readonly enableQueueStat: boolean;
  private readonly sets = new Map<string, StatsItemSet>();
  /** Hot-path cache of the items above, by topic then group; rebuilt on demand after deletions. */
  private readonly topics = new Map<string, TopicEntry>();
  private readonly brokerPut: StatsItem;
  private readonly brokerGet: StatsItem;
  private timers: NodeJS.Timeout[] = [];

  constructor(options: BrokerStatsManagerOptions) {
    this.clusterName = options.clusterName;
    this.enableQueueStat = options.enableQueueStat ?? true;
    for (const name of Object.values(BrokerStatsName)) {
      if (!this.enableQueueStat && name.startsWith('QUEUE_')) continue;
      this.sets.set(name, new StatsItemSet(name, name === BrokerStatsName.GROUP_GET_LATENCY));
    }
    this.brokerPut = this.set(BrokerStatsName.BROKER_PUT_NUMS).getAndCreateStatsItem(this.clusterName);
    this.brokerGet = this.set(BrokerStatsName.BROKER_GET_NUMS).getAndCreateStatsItem(this.clusterName);
  }

  private set(name: string): StatsItemSet {
    return this.sets.get(name)!;
  }

  /** Starts the sampling timers (one per window, over every item). Sampling starts at once, as Java's. */
  start(intervals: StatsSamplingIntervals = defaultStatsSamplingIntervals()): void {
    this.shutdown();
    const every = (ms: number, run: (now: number) => void): void => {
      run(Date.now());
      const t = setInterval(() => run(Date.now()), ms);
      t.unref();
      this.timers.push(t);
    };
    every(intervals.minuteSamplingMs, (now) => {
      for (const s of this.sets.values()) s.samplingInSeconds(now, intervals.minuteSamplingMs);
    });
    every(intervals.hourSamplingMs, (now) => {
      for (const s of this.sets.values()) s.samplingInMinutes(now, intervals.hourSamplingMs);
    });
    every(intervals.daySamplingMs, (now) => {
      for (const s of this.sets.values()) s.samplingInHour(now, intervals.daySamplingMs);
    });
  }

  shutdown(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  // ---------------------------------------------------------------------------
  // Reading

  /** The item VIEW_BROKER_STATS_DATA shows; undefined when the name or key was never recorded. */
  getStatsItem(statsName: string, statsKey: string): StatsItem | undefined {
    return this.sets.get(statsName)?.getStatsItem(statsKey);
  }

  /** Stats names this broker keeps. */
  statsNames(): string[] {
    return [...this.sets.keys()];
  }

  /** Keys recorded under a stats name. */
  statsKeys(statsName: string): string[] {
    return [...(this.sets.get(statsName)?.items.keys() ?? [])];
  }

  /** Messages per second a group got from a topic over the last minute (ConsumeStats.consumeTps). */
  tpsGroupGetNums(group: string, topic: string): number {
    return this.set(BrokerStatsName.GROUP_GET_NUMS).getStatsDataInMinute(topic + SEP + group).tps;
  }

  /** Every item of every stats name (for an exporter: totals are monotonic counters). */
  *allItems(): Generator<StatsItem> {
    for (const set of this.sets.values()) yield* set.items.values();
  }

  // ---------------------------------------------------------------------------
  // Recording (hot path)

  private topicEntry(topic: string): TopicEntry {
    let e = this.topics.get(topic);
    if (e === undefined) {
      e = {
        putNums: this.set(BrokerStatsName.TOPIC_PUT_NUMS).getAndCreateStatsItem(topic),
        putSize: this.set(BrokerStatsName.TOPIC_PUT_SIZE).getAndCreateStatsItem(topic),
        producers: new Map(),
        consumers: new Map(),
      };
      this.topics.set(topic, e);
    }
    return e;
  }

  private consumerEntry(topic: string, group: string): ConsumerEntry {
    const t = this.topicEntry(topic);
    let e = t.consumers.get(group);
    if (e === undefined) {
      const key = topic + SEP + group;
      e = {
        getNums: this.set(BrokerStatsName.GROUP_GET_NUMS).getAndCreateStatsItem(key),
        getSize: this.set(BrokerStatsName.GROUP_GET_SIZE).getAndCreateStatsItem(key),
        latency: undefined,
        latencyByQueue: [],
        sendBack: undefined,
        commercial: undefined,
      };
      t.consumers.set(group, e);
    }
    return e;
  }

  private commercial(slots: CommercialSlots | undefined, owner: string): CommercialSlots {
    if (slots !== undefined && slots.owner === owner) return slots;
    return { owner, items: [] };
  }

  /** The item BrokerStatsManager.incCommercialValue adds to: key owner@topic@group@type. */
  private commercialItem(slots: CommercialSlots, slot: Slot, statsName: string, type: CommercialStatsType, topic: string, group: string): StatsItem {
    let item = slots.items[slot];
    if (item === undefined) {
      item = this.set(statsName).getAndCreateStatsItem(slots.owner + SEP + topic + SEP + group + SEP + type);
      slots.items[slot] = item;
    }
    return item;
  }

  /**
   * A send stored `msgNum` messages (`bytes` written) in `topic` (the topic
   * actually written: %DLQ% or SCHEDULE_TOPIC_XXXX when the message went
   * there): TOPIC_PUT_NUMS/SIZE, BROKER_PUT_NUMS, QUEUE_PUT_* for delayed
   * messages, and the commercial SEND_SUCCESS figures.
   */
  onPutOk(topic: string, queueId: number, msgNum: number, bytes: number, producerGroup: string, owner: string | undefined): void {
    const t = this.topicEntry(topic);
    t.putNums.value += msgNum;
    t.putNums.times += 1;
    t.putSize.value += bytes;
    t.putSize.times += 1;
    this.brokerPut.value += msgNum;
    if (this.enableQueueStat && topic === SCHEDULE_TOPIC) this.incQueuePut(topic, queueId, msgNum, bytes);
    this.commercialSend(t, topic, producerGroup, owner, true, Math.ceil(bytes / COMMERCIAL_SIZE_PER_COUNT) * COMMERCIAL_BASE_COUNT, bytes);
  }

  /** A send the store refused: the commercial SEND_FAILURE figures (by the request body's size, as Java). */
  onPutFailed(topic: string, producerGroup: string, bodyBytes: number, owner: string | undefined): void {
    this.commercialSend(this.topicEntry(topic), topic, producerGroup, owner, false, Math.ceil(bodyBytes / COMMERCIAL_SIZE_PER_COUNT), bodyBytes);
  }

  private commercialSend(t: TopicEntry, topic: string, group: string, owner: string | undefined, ok: boolean, times: number, bytes: number): void {
    let p = t.producers.get(group);
    if (p === undefined) {
      p = { commercial: undefined };
      t.producers.set(group, p);
    }
    const slots = this.commercial(p.commercial, owner ?? 'null');
    p.commercial = slots;
    const type = ok ? CommercialStatsType.SEND_SUCCESS : CommercialStatsType.SEND_FAILURE;
    this.commercialItem(slots, ok ? Slot.SEND_TIMES_SUCCESS : Slot.SEND_TIMES_FAILURE, BrokerStatsName.COMMERCIAL_SEND_TIMES, type, topic, group).add(times, 1);
    this.commercialItem(slots, ok ? Slot.SEND_SIZE_SUCCESS : Slot.SEND_SIZE_FAILURE, BrokerStatsName.COMMERCIAL_SEND_SIZE, type, topic, group).add(bytes, 1);
  }

  /** QUEUE_PUT_NUMS / QUEUE_PUT_SIZE (key topic@queueId); Java records them for SCHEDULE_TOPIC_XXXX only. */
  incQueuePut(topic: string, queueId: number, msgNum: number, bytes: number): void {
    if (!this.enableQueueStat) return;
    const key = topic + SEP + queueId;
    this.set(BrokerStatsName.QUEUE_PUT_NUMS).addValue(key, msgNum, 1);
    this.set(BrokerStatsName.QUEUE_PUT_SIZE).addValue(key, bytes, 1);
  }

  /** QUEUE_GET_NUMS / QUEUE_GET_SIZE (key topic@queueId@group); Java's delay service records its deliveries so. */
  incQueueGet(group: string, topic: string, queueId: number, msgNum: number, bytes: number): void {
    if (!this.enableQueueStat) return;
    const key = topic + SEP + queueId + SEP + group;
    this.set(BrokerStatsName.QUEUE_GET_NUMS).addValue(key, msgNum, 1);
    this.set(BrokerStatsName.QUEUE_GET_SIZE).addValue(key, bytes, 1);
  }

  /** A topic put that is not a client send (Java's delay service delivering, send-back to the schedule topic): TOPIC_PUT_* only. */
  incTopicPut(topic: string, msgNum: number, bytes: number): void {
    const t = this.topicEntry(topic);
    t.putNums.add(msgNum, 1);
    t.putSize.add(bytes, 1);
  }

  incBrokerPutNums(msgNum: number): void {
    this.brokerPut.value += msgNum;
  }

  /** GROUP_GET_NUMS / GROUP_GET_SIZE / BROKER_GET_NUMS outside a pull (Java's delay service and transaction checks). */
  incGroupGet(group: string, topic: string, msgNum: number, bytes: number): void {
    const c = this.consumerEntry(topic, group);
    c.getNums.add(msgNum, 1);
    c.getSize.add(bytes, 1);
    this.brokerGet.value += msgNum;
  }

  /**
   * A pull answered `code` (PullMessageProcessor): on SUCCESS the
   * GROUP_GET_NUMS/SIZE, BROKER_GET_NUMS and GROUP_GET_LATENCY figures and
   * the commercial RCV_SUCCESS ones; otherwise the commercial RCV_EPOLLS
   * ("empty poll") when Java counts one.
   */
  onPull(
    code: number,
    group: string,
    topic: string,
    queueId: number,
    messages: readonly Buffer[],
    bufferTotalSize: number,
    beginMs: number,
    brokerAllowSuspend: boolean,
    owner: string | undefined,
  ): void {
    if (code === ResponseCode.SUCCESS) {
      const c = this.consumerEntry(topic, group);
      const n = messages.length;
      c.getNums.value += n;
      c.getNums.times += 1;
      c.getSize.value += bufferTotalSize;
      c.getSize.times += 1;
      this.brokerGet.value += n;
      this.latencyItem(c, topic, group, queueId).add(Date.now() - beginMs, 1);
      let count4Commercial = 0;
      for (let i = 0; i < n; i++) count4Commercial += Math.ceil(messages[i]!.length / COMMERCIAL_SIZE_PER_COUNT);
      const slots = this.commercial(c.commercial, owner ?? 'null');
      c.commercial = slots;
      this.commercialItem(slots, Slot.RCV_TIMES_SUCCESS, BrokerStatsName.COMMERCIAL_RCV_TIMES, CommercialStatsType.RCV_SUCCESS, topic, group).add(count4Commercial * COMMERCIAL_BASE_COUNT, 1);
      this.commercialItem(slots, Slot.RCV_SIZE_SUCCESS, BrokerStatsName.COMMERCIAL_RCV_SIZE, CommercialStatsType.RCV_SUCCESS, topic, group).add(bufferTotalSize, 1);
      return;
    }
    if ((code === ResponseCode.PULL_NOT_FOUND && !brokerAllowSuspend) || code === ResponseCode.PULL_RETRY_IMMEDIATELY || code === ResponseCode.PULL_OFFSET_MOVED) {
      const c = this.consumerEntry(topic, group);
      const slots = this.commercial(c.commercial, owner ?? 'null');
      c.commercial = slots;
      this.commercialItem(slots, Slot.RCV_EPOLLS, BrokerStatsName.COMMERCIAL_RCV_EPOLLS, CommercialStatsType.RCV_EPOLLS, topic, group).add(1, 1);
    }
  }

  private latencyItem(c: ConsumerEntry, topic: string, group: string, queueId: number): StatsItem {
    const set = this.set(BrokerStatsName.GROUP_GET_LATENCY);
    if (!this.enableQueueStat) {
      c.latency ??= set.getAndCreateStatsItem(topic + SEP + group);
      return c.latency;
    }
    let item = c.latencyByQueue[queueId];
    if (item === undefined) {
      item = set.getAndCreateStatsItem(queueId + SEP + topic + SEP + group);
      c.latencyByQueue[queueId] = item;
    }
    return item;
  }

  /** CONSUMER_SEND_MSG_BACK stored the message: SNDBCK_PUT_NUMS (key topic@group, the message's original topic) and the commercial SEND_BACK count. */
  onSendBack(group: string, topic: string, owner: string | undefined): void {
    const c = this.consumerEntry(topic, group);
    c.sendBack ??= this.set(BrokerStatsName.SNDBCK_PUT_NUMS).getAndCreateStatsItem(topic + SEP + group);
    c.sendBack.add(1, 1);
    const slots = this.commercial(c.commercial, owner ?? 'null');
    c.commercial = slots;
    this.commercialItem(slots, Slot.SNDBCK_TIMES, BrokerStatsName.COMMERCIAL_SNDBCK_TIMES, CommercialStatsType.SEND_BACK, topic, group).add(1, 1);
  }

  // ---------------------------------------------------------------------------
  // Cleanup (autoDeleteUnusedStats)

  /** BrokerStatsManager.onTopicDeleted: the topic's items go. */
  onTopicDeleted(topic: string): void {
    this.sets.get(BrokerStatsName.TOPIC_PUT_NUMS)?.delValue(topic);
    this.sets.get(BrokerStatsName.TOPIC_PUT_SIZE)?.delValue(topic);
    for (const name of [
      BrokerStatsName.QUEUE_PUT_NUMS,
      BrokerStatsName.QUEUE_PUT_SIZE,
      BrokerStatsName.GROUP_GET_NUMS,
      BrokerStatsName.GROUP_GET_SIZE,
      BrokerStatsName.QUEUE_GET_NUMS,
      BrokerStatsName.QUEUE_GET_SIZE,
      BrokerStatsName.SNDBCK_PUT_NUMS,
    ]) {
      this.sets.get(name)?.delValueByPrefixKey(topic, SEP);
    }
    this.sets.get(BrokerStatsName.GROUP_GET_LATENCY)?.delValueByInfixKey(topic, SEP);
    this.topics.clear();
  }

  /** BrokerStatsManager.onGroupDeleted: the group's items go. */
  onGroupDeleted(group: string): void {
    for (const name of [
      BrokerStatsName.GROUP_GET_NUMS,
      BrokerStatsName.GROUP_GET_SIZE,
      BrokerStatsName.QUEUE_GET_NUMS,
      BrokerStatsName.QUEUE_GET_SIZE,
      BrokerStatsName.SNDBCK_PUT_NUMS,
      BrokerStatsName.GROUP_GET_LATENCY,
    ]) {
      this.sets.get(name)?.delValueBySuffixKey(group, SEP);
    }
    this.topics.clear();
  }
}
