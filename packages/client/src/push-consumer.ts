/**
 * PushConsumer (Java's DefaultMQPushConsumer and its Impl, PullAPIWrapper,
 * RebalancePushImpl, ConsumeMessageConcurrentlyService and
 * ConsumeMessageOrderlyService) on one event loop:
 *
 * - Each owned queue has one pull in flight at most: a long-polling
 *   PULL_MESSAGE that the broker holds up to brokerSuspendMaxTimeMillis.
 *   Its result is cached in the queue's ProcessQueue and the next pull is
 *   scheduled; a queue whose cache is over its count, size or span limit is
 *   not pulled again until 50 ms later (flow control, as Java).
 * - Listener calls are promises; consumeThreadMax caps how many run at once
 *   across all queues (a semaphore in front of a FIFO of consume requests).
 * - Offsets are the smallest offset still cached per queue, kept in memory,
 *   piggy-backed on pulls and written out every persistConsumerOffsetInterval.
 */
import { ErrorCode, RmqError, errorMessage, isRmqError } from '@rocketmq-ts/common';
import type { Logger } from '@rocketmq-ts/common';
import {
  CMResult,
  ConsumerRunningInfoProp,
  MessageConst,
  MixAll,
  ResponseCode,
  buildPullSysFlag,
  decodeRecordAt,
  getRetryTopic,
  isRetryTopic,
  messageQueueKey,
} from '@rocketmq-ts/protocol';
import type { ConsumeMessageDirectlyResult, ConsumerData, ConsumerRunningInfo, MessageQueue, SubscriptionData } from '@rocketmq-ts/protocol';
import { argumentError, stateError } from './errors.js';
import { buildSubscriptionData } from './filter.js';
import type { MessageSelector } from './filter.js';
import { ClientInstance } from './instance.js';
import type { ConsumerInner, RawPullResult } from './instance.js';
import { checkTopic, toReceivedMessage } from './message.js';
import type { MutableReceivedMessage, ReceivedMessage } from './message.js';
import { LocalFileOffsetStore, RemoteBrokerOffsetStore } from './offset-store.js';
import type { OffsetStore } from './offset-store.js';
import { instanceNameAtStart, parsePushConsumerOptions } from './options.js';
import type { PushConsumerInit, PushConsumerOptions } from './options.js';
import { ProcessQueue } from './process-queue.js';
import { Producer } from './producer.js';
import { Rebalancer } from './rebalance.js';
import type { PullRequest } from './rebalance.js';
import { ConsumerStats } from './stats.js';

export const ConsumeConcurrentlyStatus = {
  CONSUME_SUCCESS: 'CONSUME_SUCCESS',
  RECONSUME_LATER: 'RECONSUME_LATER',
} as const;
export type ConsumeConcurrentlyStatus = (typeof ConsumeConcurrentlyStatus)[keyof typeof ConsumeConcurrentlyStatus];

export const ConsumeOrderlyStatus = {
  SUCCESS: 'SUCCESS',
  SUSPEND_CURRENT_QUEUE_A_MOMENT: 'SUSPEND_CURRENT_QUEUE_A_MOMENT',
} as const;
export type ConsumeOrderlyStatus = (typeof ConsumeOrderlyStatus)[keyof typeof ConsumeOrderlyStatus];

/** What a listener may return; nothing (or resolving) means success, a throw or rejection means retry. */
export type ConsumeResult = ConsumeConcurrentlyStatus | ConsumeOrderlyStatus | void | undefined;

export interface ConsumeContext {
  readonly messageQueue: MessageQueue;
  /**
   * Concurrent mode: delay level of the retry after a failure. 0 lets the
   * broker choose (3 + reconsumeTimes); -1 sends the message straight to the
   * dead-letter queue.
   */
  delayLevelWhenNextConsume: number;
  /** Orderly mode: how long the queue pauses after a failure. */
  suspendCurrentQueueTimeMillis: number;
}

export type MessageListener = (message: ReceivedMessage, context: ConsumeContext) => ConsumeResult | Promise<ConsumeResult>;

const PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL = 50;
const PULL_TIME_DELAY_MILLS_WHEN_BROKER_FLOW_CONTROL = 20;
const PULL_TIME_DELAY_MILLS_WHEN_SUSPEND = 1000;
const MAX_TIME_CONSUME_CONTINUOUSLY = 60_000;
/** Orderly: a queue given away while messages are cached is unlocked this much later (RebalanceImpl UNLOCK_DELAY). */
const UNLOCK_DELAY_TIME_MILLS = 20_000;

/** A FIFO with O(1) push and shift. */
class Deque<T> {
  private items: Array<T | undefined> = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(v: T): void {
    this.items.push(v);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
}

interface ConsumeRequest {
  readonly msgs: MutableReceivedMessage[];
  readonly pq: ProcessQueue;
  readonly mq: MessageQueue;
}

/** Runs one task per permit; more wait in FIFO order. */
class Semaphore {
  private running = 0;
  private readonly waiting = new Deque<() => void>();
  constructor(private readonly permits: number) {}
  get active(): number {
    return this.running;
  }
  acquire(): Promise<void> {
    if (this.running < this.permits) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.running--;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits for `p`, at most `ms`. The timer is cleared when `p` settles first:
 * a pending one would keep the process alive after shutdown() for that long.
 */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([p.then(() => undefined, () => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export class PushConsumer {
  private opts: PushConsumerOptions;
  private readonly log: Logger;
  private readonly listeners = new Map<string, MessageListener>();
  private readonly subscriptions = new Map<string, SubscriptionData>();
  private state: 'CREATED' | 'RUNNING' | 'STOPPING' | 'SHUTDOWN' = 'CREATED';
  private paused = false;
  private instance: ClientInstance | undefined;
  private rebalancer: Rebalancer | undefined;
  private offsetStore: OffsetStore | undefined;
  private readonly stats = new ConsumerStats();
  private readonly pullFromWhichNode = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  private readonly permits: Semaphore;
  private readonly inflight = new Set<Promise<void>>();
  private rebalancing: Promise<void> | undefined;
  private rebalanceAgain = false;
  private startTimestamp = 0;
  private readonly inner: ConsumerInner;

  constructor(init: PushConsumerInit) {
    this.opts = parsePushConsumerOptions(init);
    this.log = this.options.logger.child({ component: 'push-consumer', group: this.options.group });
    this.permits = new Semaphore(this.options.consumeThreadMax);
    this.inner = {
      group: this.options.group,
      consumerData: () => this.consumerData(),
      subscriptionTopics: () => [...(this.rebalancer?.subscriptionInner.keys() ?? [])],
      isSubscribeTopicNeedUpdate: (topic) => this.rebalancer !== undefined && this.rebalancer.subscriptionInner.has(topic) && !this.rebalancer.topicSubscribeInfoTable.has(topic),
      updateTopicSubscribeInfo: (topic, queues) => {
        if (this.rebalancer?.subscriptionInner.has(topic) === true) this.rebalancer.topicSubscribeInfoTable.set(topic, queues);
      },
      rebalanceImmediately: () => this.rebalanceImmediately(),
      persistConsumerOffset: () => this.persistConsumerOffset(false),
      runningInfo: () => this.runningInfo(),
      offsetTable: (topic) => this.offsetStore?.cloneOffsetTable(topic) ?? [],
      resetOffset: (topic, table) => this.resetOffset(topic, table),
      consumeMessageDirectly: (msg, brokerName) => this.consumeMessageDirectly(msg, brokerName),
    };
  }

  /** The options in use (instanceName as start() resolved it). */
  get options(): PushConsumerOptions {
    return this.opts;
  }

  get clientId(): string {
    return `${this.options.clientIP}@${this.options.instanceName}`;
  }

  /**
   * Subscribes to a topic with a tag expression ("*", "TagA || TagB") or a
   * SQL92 selector, and the listener for its messages. In clustering mode the
   * group's retry topic is subscribed too; retried messages reach the
   * listener of their original topic. Subscribing again replaces both.
   */
  subscribe(topic: string, selector: MessageSelector | undefined, listener: MessageListener): this {
    checkTopic(topic);
    if (typeof listener !== 'function') throw argumentError('listener must be a function');
    const sub = buildSubscriptionData(topic, selector);
    this.subscriptions.set(topic, sub);
    this.listeners.set(topic, listener);
    if (this.state === 'RUNNING') {
      this.rebalancer!.subscriptionInner.set(topic, sub);
      void this.afterSubscriptionChange(topic);
    }
    return this;
  }

  unsubscribe(topic: string): void {
    this.subscriptions.delete(topic);
    this.listeners.delete(topic);
    this.rebalancer?.subscriptionInner.delete(topic);
  }

  /** Stops pulling (consuming what is cached) until resume(). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.rebalanceImmediately();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  async start(): Promise<void> {
    if (this.state === 'RUNNING') return;
    if (this.state !== 'CREATED') throw stateError('the consumer was shut down; create a new one');
    if (this.subscriptions.size === 0) throw stateError('subscribe to at least one topic before start()');
    if (this.opts.messageModel === 'CLUSTERING') this.opts = { ...this.opts, instanceName: instanceNameAtStart(this.opts.instanceName) };
    const o = this.options;
    const instance = ClientInstance.acquire(o);
    const rebalancer = new Rebalancer(instance, o.group, o.messageModel, o.allocateMessageQueueStrategy, {
      consumeType: 'CONSUME_PASSIVELY',
      computePullFromWhere: (mq) => this.computePullFromWhere(mq),
      removeUnnecessaryMessageQueue: (mq, pq) => this.removeUnnecessaryMessageQueue(mq, pq),
      removeDirtyOffset: (mq) => this.offsetStore?.removeOffset(mq),
      messageQueueChanged: (topic) => this.messageQueueChanged(topic),
      dispatchPullRequests: (reqs) => {
        for (const r of reqs) this.pullLater(r, 0);
      },
    }, this.log);
    for (const [t, s] of this.subscriptions) rebalancer.subscriptionInner.set(t, s);
    if (o.messageModel === 'CLUSTERING') {
      const retry = getRetryTopic(o.group);
      rebalancer.subscriptionInner.set(retry, buildSubscriptionData(retry, '*'));
    }
    this.offsetStore =
      o.messageModel === 'BROADCASTING'
        ? new LocalFileOffsetStore(o.offsetStoreDir, instance.clientId, o.group, this.log)
        : new RemoteBrokerOffsetStore(instance, o.group, this.log);
    try {
      await this.offsetStore.load();
      instance.registerConsumer(this.inner);
    } catch (err) {
      await instance.release();
      throw err;
    }
    this.instance = instance;
    this.rebalancer = rebalancer;
    this.state = 'RUNNING';
    this.startTimestamp = Date.now();
    instance.start();
    // Routes first, so the first rebalance has queues to hand out (updateTopicSubscribeInfoWhenSubscriptionChanged).
    await Promise.all([...rebalancer.subscriptionInner.keys()].map((t) => instance.updateTopicRouteInfoFromNameServer(t).catch(() => false)));
    await this.checkClientInBroker();
    await instance.sendHeartbeatToAllBrokers();
    this.every(o.rebalanceInterval, () => this.rebalanceImmediately());
    if (o.consumeOrderly && o.messageModel === 'CLUSTERING') {
      this.after(1000, () => {
        void this.lockAllPeriodically();
      });
    }
    if (!o.consumeOrderly) this.every(o.consumeTimeout * 60_000, () => void this.cleanExpiredMsg());
    this.rebalanceImmediately();
  }

  /**
   * Stops pulling, waits up to awaitTerminationMillisWhenShutdown for running
   * listeners, unlocks orderly queues, writes offsets, unregisters from the
   * brokers and closes connections no other client here uses.
   */
  async shutdown(): Promise<void> {
    if (this.state !== 'RUNNING') {
      this.state = 'SHUTDOWN';
      return;
    }
    this.state = 'STOPPING';
    this.clearTimers();
    if (this.rebalancing !== undefined) await this.rebalancing.catch(() => undefined);
    await settledWithin(Promise.allSettled([...this.inflight]), this.options.awaitTerminationMillisWhenShutdown);
    const instance = this.instance!;
    const rebalancer = this.rebalancer!;
    if (this.options.consumeOrderly && this.options.messageModel === 'CLUSTERING') await rebalancer.unlockAll(false);
    await this.persistConsumerOffset(true);
    rebalancer.destroy();
    this.state = 'SHUTDOWN';
    await instance.unregisterConsumer(this.options.group).catch(() => undefined);
    await instance.release();
  }

  /** Queues this consumer owns now. */
  assignment(): MessageQueue[] {
    return this.rebalancer?.owned().map((o) => o.mq) ?? [];
  }

  // -------------------------------------------------------------------------
  // Scheduling

  private after(ms: number, task: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      task();
    }, ms);
    this.timers.add(t);
  }

  private every(ms: number, task: () => void): void {
    const t = setInterval(task, ms);
    this.timers.add(t);
  }

  private get running(): boolean {
    return this.state === 'RUNNING';
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  rebalanceImmediately(): void {
    if (!this.running) return;
    if (this.rebalancing !== undefined) {
      this.rebalanceAgain = true;
      return;
    }
    const run = async (): Promise<void> => {
      do {
        this.rebalanceAgain = false;
        await this.rebalancer!.doRebalance(this.options.consumeOrderly);
      } while (this.rebalanceAgain && this.running);
    };
    this.rebalancing = run()
      .catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'rebalance failed'))
      .finally(() => {
        this.rebalancing = undefined;
      });
  }

  private async afterSubscriptionChange(topic: string): Promise<void> {
    await this.instance!.updateTopicRouteInfoFromNameServer(topic).catch(() => false);
    await this.instance!.sendHeartbeatToAllBrokers();
    this.rebalanceImmediately();
  }

  private async checkClientInBroker(): Promise<void> {
    const instance = this.instance!;
    for (const sub of this.rebalancer!.subscriptionInner.values()) {
      if (sub.expressionType !== 'SQL92') continue;
      const addr = instance.findBrokerAddrByTopic(sub.topic);
      if (addr === undefined) continue;
      try {
        await instance.checkClientInBroker(addr, this.options.group, sub);
      } catch (err) {
        if (isRmqError(err) && err.responseCode === ResponseCode.REQUEST_CODE_NOT_SUPPORTED) {
          this.log.warn({ topic: sub.topic }, 'broker does not check client configs; SQL92 subscription not validated');
          continue;
        }
        await this.abortStart();
        throw new RmqError(isRmqError(err) ? err.code : ErrorCode.RESPONSE, `the broker rejected the SQL92 subscription of ${sub.topic}: ${errorMessage(err)}`, {
          cause: err,
          ...(isRmqError(err) && err.responseCode !== undefined ? { responseCode: err.responseCode } : {}),
        });
      }
    }
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const t of this.immediates) clearImmediate(t);
    this.immediates.clear();
  }

  private async abortStart(): Promise<void> {
    this.state = 'SHUTDOWN';
    this.clearTimers();
    await this.instance!.unregisterConsumer(this.options.group).catch(() => undefined);
    await this.instance!.release();
  }

  private consumerData(): ConsumerData {
    return {
      groupName: this.options.group,
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: this.options.messageModel,
      consumeFromWhere: this.options.consumeFromWhere,
      subscriptionDataSet: [...(this.rebalancer?.subscriptionInner.values() ?? [])],
      unitMode: false,
    };
  }

  private messageQueueChanged(topic: string): void {
    // RebalancePushImpl.messageQueueChanged: a new subVersion tells the broker the subscription is current.
    const sub = this.rebalancer!.subscriptionInner.get(topic);
    if (sub !== undefined) sub.subVersion = Date.now();
    void this.instance!.sendHeartbeatToAllBrokers();
  }

  private thresholds(): { count: number; sizeMiB: number } {
    const o = this.options;
    const queues = Math.max(1, this.rebalancer?.processQueueTable.size ?? 1);
    return {
      count: o.pullThresholdForTopic === -1 ? o.pullThresholdForQueue : Math.max(1, Math.floor(o.pullThresholdForTopic / queues)),
      sizeMiB: o.pullThresholdSizeForTopic === -1 ? o.pullThresholdSizeForQueue : Math.max(1, Math.floor(o.pullThresholdSizeForTopic / queues)),
    };
  }

  // -------------------------------------------------------------------------
  // Offsets

  private async computePullFromWhere(mq: MessageQueue): Promise<number> {
    const store = this.offsetStore!;
    const last = await store.readOffset(mq, 'READ_FROM_STORE');
    if (last >= 0) return last;
    if (last !== -1) throw new RmqError(ErrorCode.CONNECTION, `could not read the offset of ${messageQueueKey(mq)}`, { retriable: true });
    const instance = this.instance!;
    switch (this.options.consumeFromWhere) {
      case 'CONSUME_FROM_FIRST_OFFSET':
        return 0;
      case 'CONSUME_FROM_TIMESTAMP':
        return isRetryTopic(mq.topic) ? instance.maxOffset(mq) : instance.searchOffset(mq, this.options.consumeTimestamp);
      default:
        return isRetryTopic(mq.topic) ? 0 : instance.maxOffset(mq);
    }
  }

  private async persistConsumerOffset(sync: boolean): Promise<void> {
    const store = this.offsetStore;
    const rebalancer = this.rebalancer;
    if (store === undefined || rebalancer === undefined) return;
    await store.persistAll(rebalancer.owned().map((o) => o.mq), sync);
  }

  private async removeUnnecessaryMessageQueue(mq: MessageQueue, pq: ProcessQueue): Promise<boolean> {
    const store = this.offsetStore!;
    await store.persist(mq);
    store.removeOffset(mq);
    if (!(this.options.consumeOrderly && this.options.messageModel === 'CLUSTERING')) return true;
    // Orderly: the listener must not be running on this queue when we give up its lock.
    const consuming = pq.orderlyRun;
    if (consuming !== undefined) await settledWithin(consuming, 1000);
    if (pq.orderlyRun !== undefined) {
      pq.tryUnlockTimes++;
      this.log.warn({ mq, tries: pq.tryUnlockTimes }, 'queue is consuming, cannot unlock it yet');
      return false;
    }
    if (pq.hasTempMessage()) this.after(UNLOCK_DELAY_TIME_MILLS, () => void this.rebalancer?.unlock(mq, true));
    else await this.rebalancer!.unlock(mq, true);
    return true;
  }

  private async resetOffset(topic: string, table: Array<[MessageQueue, number]>): Promise<void> {
    const rebalancer = this.rebalancer;
    const store = this.offsetStore;
    if (rebalancer === undefined || store === undefined) return;
    const wanted = new Map(table.map(([mq, offset]) => [messageQueueKey(mq), offset]));
    this.paused = true;
    try {
      const affected = rebalancer.owned().filter(({ mq }) => mq.topic === topic && wanted.has(messageQueueKey(mq)));
      for (const { pq } of affected) {
        pq.dropped = true;
        pq.clear();
      }
      // Java sleeps 10 s here for consume threads to finish; we wait for them, at most that long.
      const deadline = Date.now() + 10_000;
      while (affected.some(({ pq }) => pq.inflight > 0 || pq.orderlyRun !== undefined) && Date.now() < deadline) await sleep(20);
      for (const { mq, pq } of affected) {
        store.updateOffset(mq, wanted.get(messageQueueKey(mq))!, false);
        await this.removeUnnecessaryMessageQueue(mq, pq);
        rebalancer.processQueueTable.delete(messageQueueKey(mq));
      }
    } finally {
      this.resume();
    }
  }

  // -------------------------------------------------------------------------
  // Pulling

  private pullLater(pr: PullRequest, delay: number): void {
    if (!this.running) return;
    if (delay <= 0) {
      const t = setImmediate(() => {
        this.immediates.delete(t);
        void this.pullMessage(pr);
      });
      this.immediates.add(t);
      return;
    }
    this.after(delay, () => void this.pullMessage(pr));
  }

  private recalculatePullFromWhichNode(mq: MessageQueue): number {
    return this.pullFromWhichNode.get(messageQueueKey(mq)) ?? MixAll.MASTER_ID;
  }

  private async pullMessage(pr: PullRequest): Promise<void> {
    const pq = pr.processQueue;
    const mq = pr.messageQueue;
    if (pq.dropped || !this.running) return;
    pq.lastPullTimestamp = Date.now();
    const o = this.options;
    if (this.paused) return this.pullLater(pr, PULL_TIME_DELAY_MILLS_WHEN_SUSPEND);
    const limits = this.thresholds();
    if (pq.msgCount > limits.count || pq.msgSize / (1024 * 1024) > limits.sizeMiB) {
      return this.pullLater(pr, PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL);
    }
    if (!o.consumeOrderly) {
      if (pq.getMaxSpan() > o.consumeConcurrentlyMaxSpan) return this.pullLater(pr, PULL_TIME_DELAY_MILLS_WHEN_CACHE_FLOW_CONTROL);
    } else {
      if (!pq.locked) return this.pullLater(pr, o.pullTimeDelayMillsWhenException);
      if (!pr.previouslyLocked) {
        // The first pull after locking re-reads the offset: the previous owner may have moved it.
        try {
          pr.nextOffset = await this.computePullFromWhere(mq);
        } catch (err) {
          this.log.warn({ mq, err: errorMessage(err) }, 'compute pull offset failed');
          return this.pullLater(pr, o.pullTimeDelayMillsWhenException);
        }
        pr.previouslyLocked = true;
      }
    }
    const sub = this.rebalancer!.subscriptionInner.get(mq.topic);
    if (sub === undefined) return this.pullLater(pr, o.pullTimeDelayMillsWhenException);

    let commitOffset = 0;
    if (o.messageModel === 'CLUSTERING') {
      const v = await this.offsetStore!.readOffset(mq, 'READ_FROM_MEMORY');
      if (v > 0) commitOffset = v;
    }
    const subExpression = o.postSubscriptionWhenPull ? sub.subString : undefined;
    const instance = this.instance!;
    let found = instance.findBrokerAddressInSubscribe(mq.brokerName, this.recalculatePullFromWhichNode(mq), false);
    if (found === undefined) {
      await instance.updateTopicRouteInfoFromNameServer(mq.topic).catch(() => false);
      found = instance.findBrokerAddressInSubscribe(mq.brokerName, this.recalculatePullFromWhichNode(mq), false);
    }
    if (found === undefined) {
      this.log.warn({ mq }, 'pull: broker not found');
      return this.pullLater(pr, o.pullTimeDelayMillsWhenException);
    }
    // A slave cannot store offsets, so the piggy-backed commit goes only to a master.
    const sysFlag = buildPullSysFlag(commitOffset > 0 && !found.slave, true, subExpression !== undefined, false);
    const begin = Date.now();
    let raw: RawPullResult;
    try {
      raw = await instance.pullMessage(
        found.addr,
        {
          consumerGroup: o.group,
          topic: mq.topic,
          queueId: mq.queueId,
          queueOffset: pr.nextOffset,
          maxMsgNums: o.pullBatchSize,
          sysFlag,
          commitOffset,
          suspendTimeoutMillis: o.brokerSuspendMaxTimeMillis,
          ...(subExpression === undefined ? {} : { subscription: subExpression }),
          subVersion: sub.subVersion,
          expressionType: sub.expressionType,
          bname: mq.brokerName,
        },
        o.consumerTimeoutMillisWhenSuspend,
      );
    } catch (err) {
      if (!this.running || pq.dropped) return;
      if (!isRetryTopic(mq.topic)) this.log.warn({ mq, err: errorMessage(err) }, 'pull failed');
      const flow = isRmqError(err) && err.responseCode === ResponseCode.FLOW_CONTROL;
      return this.pullLater(pr, flow ? PULL_TIME_DELAY_MILLS_WHEN_BROKER_FLOW_CONTROL : o.pullTimeDelayMillsWhenException);
    }
    if (!this.running || pq.dropped) return;
    this.onPullResult(pr, raw, sub, begin);
  }

  private onPullResult(pr: PullRequest, raw: RawPullResult, sub: SubscriptionData, begin: number): void {
    const pq = pr.processQueue;
    const mq = pr.messageQueue;
    this.pullFromWhichNode.set(messageQueueKey(mq), raw.suggestWhichBrokerId);
    switch (raw.status) {
      case 'FOUND': {
        const msgs = processPullBody(raw, mq, sub);
        const prev = pr.nextOffset;
        pr.nextOffset = raw.nextBeginOffset;
        this.stats.incPullRT(mq.topic, Date.now() - begin);
        if (msgs.length === 0) {
          this.pullLater(pr, 0);
        } else {
          this.stats.incPullTPS(mq.topic, msgs.length);
          const dispatch = pq.putMessage(msgs, raw.maxOffset);
          this.submitConsumeRequest(msgs, pq, mq, dispatch);
          this.pullLater(pr, this.options.pullInterval);
        }
        if (raw.nextBeginOffset < prev || (msgs[0] !== undefined && msgs[0].queueOffset < prev)) {
          this.log.warn({ mq, prev, next: raw.nextBeginOffset }, '[BUG] pull result offsets went backwards');
        }
        break;
      }
      case 'NO_NEW_MSG':
      case 'NO_MATCHED_MSG':
        pr.nextOffset = raw.nextBeginOffset;
        // correctTagsOffset: with nothing cached, everything before nextOffset is consumed (or filtered out).
        if (pq.msgCount === 0) this.offsetStore!.updateOffset(mq, pr.nextOffset, true);
        this.pullLater(pr, 0);
        break;
      case 'OFFSET_ILLEGAL':
        this.log.warn({ mq, offset: pr.nextOffset, next: raw.nextBeginOffset }, 'pull offset illegal, correcting it');
        pr.nextOffset = raw.nextBeginOffset;
        pq.dropped = true;
        this.after(10_000, () => {
          const store = this.offsetStore!;
          store.updateOffset(mq, pr.nextOffset, false);
          void store
            .persist(mq)
            .then(() => this.rebalancer!.removeProcessQueue(mq))
            .catch((err: unknown) => this.log.warn({ mq, err: errorMessage(err) }, 'fixing the offset failed'));
        });
        break;
    }
  }

  // -------------------------------------------------------------------------
  // Consuming

  private submitConsumeRequest(msgs: MutableReceivedMessage[], pq: ProcessQueue, mq: MessageQueue, dispatch: boolean): void {
    if (this.options.consumeOrderly) {
      if (dispatch) this.runOrderly(pq, mq);
      return;
    }
    for (const m of msgs) this.track(this.consumeConcurrently({ msgs: [m], pq, mq }));
  }

  /** Java's resetRetryAndNamespace: a retried message shows its original topic. */
  private resetRetryTopic(msgs: MutableReceivedMessage[]): void {
    const retry = getRetryTopic(this.options.group);
    for (const m of msgs) {
      const original = m.properties[MessageConst.PROPERTY_RETRY_TOPIC];
      if (original !== undefined && m.topic === retry) m.topic = original;
    }
  }

  private listenerFor(topic: string): MessageListener | undefined {
    return this.listeners.get(topic);
  }

  /** Calls the listener; undefined status means it threw (or there is none). */
  private async callListener(msg: MutableReceivedMessage, ctx: ConsumeContext): Promise<{ status: ConsumeResult | 'THREW'; error?: unknown }> {
    const listener = this.listenerFor(msg.topic);
    if (listener === undefined) {
      this.log.warn({ topic: msg.topic }, 'no listener for this topic; the message will be retried');
      return { status: 'THREW', error: new Error(`no listener for topic ${msg.topic}`) };
    }
    try {
      return { status: await listener(msg, ctx) };
    } catch (err) {
      return { status: 'THREW', error: err };
    }
  }

  private async consumeConcurrently(req: ConsumeRequest): Promise<void> {
    await this.permits.acquire();
    try {
      // Once shutdown starts, requests still queued are left for redelivery; only running listeners finish.
      if (req.pq.dropped || !this.running) return;
      req.pq.inflight++;
      try {
        await this.consumeConcurrentlyNow(req);
      } finally {
        req.pq.inflight--;
      }
    } finally {
      this.permits.release();
    }
  }

  private async consumeConcurrentlyNow(req: ConsumeRequest): Promise<void> {
    const ctx: ConsumeContext = { messageQueue: req.mq, delayLevelWhenNextConsume: 0, suspendCurrentQueueTimeMillis: this.options.suspendCurrentQueueTimeMillis };
    this.resetRetryTopic(req.msgs);
    const start = Date.now();
    for (const m of req.msgs) m.properties[MessageConst.PROPERTY_CONSUME_START_TIMESTAMP] = String(start);
    const { status, error } = await this.callListener(req.msgs[0]!, ctx);
    this.stats.incConsumeRT(req.mq.topic, Date.now() - start);
    const ok = status === undefined || status === ConsumeConcurrentlyStatus.CONSUME_SUCCESS || status === ConsumeOrderlyStatus.SUCCESS;
    if (!ok && error !== undefined) this.log.warn({ mq: req.mq, msgId: req.msgs[0]!.msgId, err: errorMessage(error) }, 'listener failed; message will be retried');
    if (req.pq.dropped) {
      this.log.warn({ mq: req.mq }, 'queue dropped while consuming; result not processed');
      return;
    }
    await this.processConcurrentResult(ok, ctx, req);
  }

  private async processConcurrentResult(ok: boolean, ctx: ConsumeContext, req: ConsumeRequest): Promise<void> {
    const topic = req.mq.topic;
    let done = req.msgs;
    if (ok) this.stats.incConsumeOK(topic, req.msgs.length);
    else {
      this.stats.incConsumeFailed(topic, req.msgs.length);
      if (this.options.messageModel === 'BROADCASTING') {
        for (const m of req.msgs) this.log.warn({ msgId: m.msgId }, 'BROADCASTING: the message consume failed, drop it');
      } else {
        const failed: MutableReceivedMessage[] = [];
        for (const m of req.msgs) {
          if (!(await this.sendMessageBack(m, ctx.delayLevelWhenNextConsume, req.mq.brokerName))) {
            m.reconsumeTimes++;
            failed.push(m);
          }
        }
        if (failed.length > 0) {
          done = req.msgs.filter((m) => !failed.includes(m));
          // Could not hand them back to the broker: consume them again here in 5 s.
          this.after(5000, () => {
            for (const m of failed) this.track(this.consumeConcurrently({ msgs: [m], pq: req.pq, mq: req.mq }));
          });
        }
      }
    }
    const offset = req.pq.removeMessage(done);
    if (offset >= 0 && !req.pq.dropped) this.offsetStore!.updateOffset(req.mq, offset, true);
  }

  private maxReconsumeTimes(orderly: boolean): number {
    const v = this.options.maxReconsumeTimes;
    return v === -1 ? (orderly ? 0x7fffffff : 16) : v;
  }

  private innerProducer(): Producer {
    const o = this.options;
    return this.instance!.innerProducer(() => {
      const p = new Producer({
        nameServer: o.nameServer,
        group: MixAll.CLIENT_INNER_PRODUCER_GROUP,
        instanceName: o.instanceName,
        clientIP: o.clientIP,
        logger: o.logger,
        headerEncoding: o.headerEncoding,
      });
      void p.start();
      return p;
    });
  }

  /**
   * CONSUMER_SEND_MSG_BACK: the broker schedules the message on the retry
   * topic (or the DLQ). When that fails, resend it ourselves to the retry
   * topic through the client's inner producer, as Java does. False when both fail.
   */
  private async sendMessageBack(msg: MutableReceivedMessage, delayLevel: number, brokerName: string | undefined): Promise<boolean> {
    const instance = this.instance!;
    const maxTimes = this.maxReconsumeTimes(false);
    try {
      const addr = brokerName !== undefined ? instance.findBrokerAddressInPublish(brokerName) : msg.storeHost;
      if (addr === undefined) throw new RmqError(ErrorCode.NO_ROUTE, `The broker[${brokerName}] not exist`, { retriable: true });
      await instance.consumerSendMessageBack(addr, msg, this.options.group, delayLevel, maxTimes, msg.topic);
      return true;
    } catch (err) {
      this.log.warn({ msgId: msg.msgId, err: errorMessage(err) }, 'send message back failed; resending to the retry topic');
    }
    try {
      const props: Record<string, string> = { ...msg.properties };
      const origin = props[MessageConst.PROPERTY_ORIGIN_MESSAGE_ID];
      props[MessageConst.PROPERTY_ORIGIN_MESSAGE_ID] = origin === undefined || origin.trim() === '' ? msg.msgId : origin;
      props[MessageConst.PROPERTY_RETRY_TOPIC] = msg.topic;
      await this.innerProducer().sendToRetryTopic(msg, getRetryTopic(this.options.group), props, 3 + msg.reconsumeTimes, msg.reconsumeTimes + 1, maxTimes);
      return true;
    } catch (err) {
      this.log.error({ msgId: msg.msgId, err: errorMessage(err) }, 'resend to the retry topic failed');
      return false;
    }
  }

  /** Sends back messages that have been consuming for longer than consumeTimeout (ProcessQueue.cleanExpiredMsg). */
  private async cleanExpiredMsg(): Promise<void> {
    const limit = this.options.consumeTimeout * 60_000;
    for (const { pq, mq } of this.rebalancer?.owned() ?? []) {
      for (let i = 0; i < 16; i++) {
        const first = pq.firstCached();
        const started = first?.properties[MessageConst.PROPERTY_CONSUME_START_TIMESTAMP];
        if (first === undefined || started === undefined || Date.now() - Number(started) <= limit) break;
        if (!(await this.sendMessageBack(first, 3, undefined))) break;
        if (pq.firstCached() === first) {
          const offset = pq.removeMessage([first]);
          if (offset >= 0 && !pq.dropped) this.offsetStore!.updateOffset(mq, offset, true);
        }
      }
    }
  }

  // Orderly ------------------------------------------------------------------

  private runOrderly(pq: ProcessQueue, mq: MessageQueue): void {
    if (pq.dropped || !this.running) return;
    if (pq.orderlyRun !== undefined) {
      pq.orderlyAgain = true;
      return;
    }
    const run = (async () => {
      do {
        pq.orderlyAgain = false;
        await this.consumeOrderlyLoop(pq, mq);
      } while (pq.orderlyAgain && !pq.dropped && this.running);
    })().finally(() => {
      pq.orderlyRun = undefined;
    });
    pq.orderlyRun = run;
    this.track(run);
  }

  private orderlyLater(pq: ProcessQueue, mq: MessageQueue, ms: number): void {
    this.after(Math.min(30_000, Math.max(10, ms)), () => this.runOrderly(pq, mq));
  }

  private tryLockLaterAndReconsume(pq: ProcessQueue, mq: MessageQueue, ms: number): void {
    this.after(ms, () => {
      void this.rebalancer!.lock(mq).then((ok) => this.orderlyLater(pq, mq, ok ? 10 : 3000));
    });
  }

  private async consumeOrderlyLoop(pq: ProcessQueue, mq: MessageQueue): Promise<void> {
    const clustering = this.options.messageModel === 'CLUSTERING';
    if (clustering && (!pq.locked || pq.isLockExpired())) {
      this.tryLockLaterAndReconsume(pq, mq, 100);
      return;
    }
    const begin = Date.now();
    for (;;) {
      if (pq.dropped || !this.running) return;
      if (clustering && (!pq.locked || pq.isLockExpired())) {
        this.tryLockLaterAndReconsume(pq, mq, 10);
        return;
      }
      if (Date.now() - begin > MAX_TIME_CONSUME_CONTINUOUSLY) {
        this.orderlyLater(pq, mq, 10);
        return;
      }
      const msgs = pq.takeMessages(1);
      if (msgs.length === 0) return;
      this.resetRetryTopic(msgs);
      const ctx: ConsumeContext = { messageQueue: mq, delayLevelWhenNextConsume: 0, suspendCurrentQueueTimeMillis: this.options.suspendCurrentQueueTimeMillis };
      await this.permits.acquire();
      let status: ConsumeResult | 'THREW';
      const start = Date.now();
      pq.inflight++;
      try {
        if (pq.dropped) {
          pq.rollback();
          return;
        }
        const r = await this.callListener(msgs[0]!, ctx);
        status = r.status;
        if (r.error !== undefined) this.log.warn({ mq, msgId: msgs[0]!.msgId, err: errorMessage(r.error) }, 'orderly listener failed; queue suspended');
      } finally {
        pq.inflight--;
        this.permits.release();
      }
      this.stats.incConsumeRT(mq.topic, Date.now() - start);
      const ok = status === undefined || status === ConsumeOrderlyStatus.SUCCESS || status === ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
      if (!(await this.processOrderlyResult(msgs, ok, ctx, pq, mq))) return;
    }
  }

  private async processOrderlyResult(msgs: MutableReceivedMessage[], ok: boolean, ctx: ConsumeContext, pq: ProcessQueue, mq: MessageQueue): Promise<boolean> {
    let commitOffset = -1;
    let cont = true;
    if (ok) {
      commitOffset = pq.commit();
      this.stats.incConsumeOK(mq.topic, msgs.length);
    } else {
      this.stats.incConsumeFailed(mq.topic, msgs.length);
      if (await this.checkReconsumeTimes(msgs)) {
        pq.makeMessageToConsumeAgain(msgs);
        this.orderlyLater(pq, mq, ctx.suspendCurrentQueueTimeMillis);
        cont = false;
      } else {
        commitOffset = pq.commit();
      }
    }
    if (commitOffset >= 0 && !pq.dropped) this.offsetStore!.updateOffset(mq, commitOffset, false);
    return cont;
  }

  /** True when the queue must pause and retry; messages past maxReconsumeTimes go to the retry topic (then the DLQ). */
  private async checkReconsumeTimes(msgs: MutableReceivedMessage[]): Promise<boolean> {
    let suspend = false;
    const max = this.maxReconsumeTimes(true);
    for (const m of msgs) {
      if (m.reconsumeTimes >= max) {
        m.properties[MessageConst.PROPERTY_RECONSUME_TIME] = String(m.reconsumeTimes);
        if (!(await this.sendToDeadLetterPath(m, max))) {
          suspend = true;
          m.reconsumeTimes++;
        }
      } else {
        suspend = true;
        m.reconsumeTimes++;
      }
    }
    return suspend;
  }

  private async sendToDeadLetterPath(m: MutableReceivedMessage, max: number): Promise<boolean> {
    try {
      const props: Record<string, string> = { ...m.properties };
      const origin = props[MessageConst.PROPERTY_ORIGIN_MESSAGE_ID];
      props[MessageConst.PROPERTY_ORIGIN_MESSAGE_ID] = origin === undefined || origin.trim() === '' ? m.msgId : origin;
      props[MessageConst.PROPERTY_RETRY_TOPIC] = m.topic;
      await this.innerProducer().sendToRetryTopic(m, getRetryTopic(this.options.group), props, 3 + m.reconsumeTimes, m.reconsumeTimes, max);
      return true;
    } catch (err) {
      this.log.error({ msgId: m.msgId, err: errorMessage(err) }, 'orderly: sending a message past maxReconsumeTimes back failed');
      return false;
    }
  }

  private async lockAllPeriodically(): Promise<void> {
    if (!this.running) return;
    await this.rebalancer!.lockAll();
    this.after(ProcessQueue.REBALANCE_LOCK_INTERVAL, () => void this.lockAllPeriodically());
  }

  // -------------------------------------------------------------------------
  // Admin requests

  private runningInfo(): ConsumerRunningInfo {
    const o = this.options;
    const properties = new Map<string, string>();
    for (const [k, v] of Object.entries(o)) {
      if (k === 'logger' || typeof v === 'object' || typeof v === 'function') continue;
      properties.set(k, String(v));
    }
    properties.set('allocateMessageQueueStrategy', typeof o.allocateMessageQueueStrategy === 'string' ? o.allocateMessageQueueStrategy : o.allocateMessageQueueStrategy.name);
    properties.set(ConsumerRunningInfoProp.PROP_CONSUME_ORDERLY, String(o.consumeOrderly));
    properties.set(ConsumerRunningInfoProp.PROP_THREADPOOL_CORE_SIZE, String(o.consumeThreadMax));
    properties.set(ConsumerRunningInfoProp.PROP_CONSUMER_START_TIMESTAMP, String(this.startTimestamp));
    properties.set(ConsumerRunningInfoProp.PROP_CONSUME_TYPE, 'CONSUME_PASSIVELY');
    const offsets = new Map((this.offsetStore?.cloneOffsetTable() ?? []).map(([mq, v]) => [messageQueueKey(mq), v]));
    const mqTable = (this.rebalancer?.owned() ?? []).map(({ mq, pq }) => [mq, pq.info(offsets.get(messageQueueKey(mq)) ?? -1)] as [MessageQueue, ReturnType<ProcessQueue['info']>]);
    const statusTable = new Map<string, ReturnType<ConsumerStats['status']>>();
    for (const t of this.rebalancer?.subscriptionInner.keys() ?? []) statusTable.set(t, this.stats.status(t));
    return { properties, subscriptionSet: [...(this.rebalancer?.subscriptionInner.values() ?? [])], mqTable, statusTable };
  }

  private async consumeMessageDirectly(msg: MutableReceivedMessage, brokerName: string | undefined): Promise<ConsumeMessageDirectlyResult> {
    this.resetRetryTopic([msg]);
    const mq: MessageQueue = { topic: msg.topic, brokerName: brokerName ?? '', queueId: msg.queueId };
    const ctx: ConsumeContext = { messageQueue: mq, delayLevelWhenNextConsume: 0, suspendCurrentQueueTimeMillis: this.options.suspendCurrentQueueTimeMillis };
    const begin = Date.now();
    const { status, error } = await this.callListener(msg, ctx);
    let consumeResult: string;
    let remark: string | undefined;
    if (status === 'THREW') {
      consumeResult = CMResult.CR_THROW_EXCEPTION;
      remark = errorMessage(error);
    } else if (status === ConsumeConcurrentlyStatus.RECONSUME_LATER || status === ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT) {
      consumeResult = CMResult.CR_LATER;
    } else {
      consumeResult = CMResult.CR_SUCCESS;
    }
    return {
      order: this.options.consumeOrderly,
      autoCommit: true,
      consumeResult,
      ...(remark === undefined ? {} : { remark }),
      spentTimeMills: Date.now() - begin,
    };
  }
}

/**
 * PullAPIWrapper.processPullResult for a FOUND result: decode the records
 * (inflating compressed bodies), drop messages whose tag the subscription
 * does not list (the broker filters on tag hash codes, which can collide),
 * and stamp MIN_OFFSET / MAX_OFFSET and the broker name.
 */
export function processPullBody(raw: RawPullResult, mq: MessageQueue, sub: SubscriptionData): MutableReceivedMessage[] {
  const body = raw.body;
  if (body === undefined || body.length === 0) return [];
  const filter = sub.tagsSet.length > 0 && !sub.classFilterMode ? new Set(sub.tagsSet) : undefined;
  const out: MutableReceivedMessage[] = [];
  const min = String(raw.minOffset);
  const max = String(raw.maxOffset);
  // Records back to back (decodeMessages' loop without its intermediate MessageExt copy per message);
  // the first bytes that are not a record end the batch, as Java's MessageDecoder.decodes.
  for (let pos = 0; pos < body.length; ) {
    let decoded;
    try {
      decoded = decodeRecordAt(body, pos, { decompress: true });
    } catch {
      break;
    }
    pos += decoded.length;
    const d = decoded.message;
    if (filter !== undefined) {
      const tags = d.properties[MessageConst.PROPERTY_TAGS];
      if (tags === undefined || !filter.has(tags)) continue;
    }
    const m = toReceivedMessage(d, mq.brokerName);
    m.properties[MessageConst.PROPERTY_MIN_OFFSET] = min;
    m.properties[MessageConst.PROPERTY_MAX_OFFSET] = max;
    out.push(m);
  }
  return out;
}
