/**
 * LitePullConsumer (Java's DefaultLitePullConsumer): background pull tasks
 * fill a cache and the application takes messages with poll(), or with
 * `for await (const msg of consumer)`. Queues come from subscribe() (the
 * group rebalances them) or assign() (fixed). Offsets advance as messages
 * are polled and are committed automatically (autoCommit) or by commit().
 */
import { ErrorCode, RmqError, errorMessage, isRmqError } from '@rocketmq-ts/common';
import type { Logger } from '@rocketmq-ts/common';
import { MixAll, ResponseCode, buildPullSysFlag, messageQueueKey } from '@rocketmq-ts/protocol';
import type { ConsumerData, ConsumerRunningInfo, MessageQueue, SubscriptionData } from '@rocketmq-ts/protocol';
import { argumentError, noRouteError, stateError } from './errors.js';
import { buildSubscriptionData } from './filter.js';
import type { MessageSelector } from './filter.js';
import { ClientInstance } from './instance.js';
import type { ConsumerInner } from './instance.js';
import { checkTopic } from './message.js';
import type { MutableReceivedMessage, ReceivedMessage } from './message.js';
import { LocalFileOffsetStore, RemoteBrokerOffsetStore } from './offset-store.js';
import type { OffsetStore } from './offset-store.js';
import { instanceNameAtStart, parseLitePullConsumerOptions } from './options.js';
import type { LitePullConsumerInit, LitePullConsumerOptions } from './options.js';
import { ProcessQueue } from './process-queue.js';
import { processPullBody } from './push-consumer.js';
import { Rebalancer } from './rebalance.js';
import { topicRouteToSubscribeQueues } from './route.js';

const PULL_TIME_DELAY_MILLS_WHEN_PAUSE = 1000;
const PULL_TIME_DELAY_MILLS_WHEN_FLOW_CONTROL = 50;
const PULL_TIME_DELAY_MILLS_ON_EXCEPTION = 1000;

interface Assigned {
  readonly mq: MessageQueue;
  readonly pq: ProcessQueue;
  paused: boolean;
  /** Next offset to pull; -1 until known. */
  pullOffset: number;
  /** Offset after the last polled message; -1 until something was polled or sought. */
  consumeOffset: number;
  /** A seek waiting for the pull task; -1 when none. */
  seekOffset: number;
  /** Bumped to cancel the running pull task. */
  generation: number;
}

interface CachedBatch {
  readonly msgs: MutableReceivedMessage[];
  readonly entry: Assigned;
}

export class LitePullConsumer implements AsyncIterable<ReceivedMessage> {
  private opts: LitePullConsumerOptions;
  private readonly log: Logger;
  private state: 'CREATED' | 'RUNNING' | 'SHUTDOWN' = 'CREATED';
  private mode: 'NONE' | 'SUBSCRIBE' | 'ASSIGN' = 'NONE';
  private readonly subscriptions = new Map<string, SubscriptionData>();
  private readonly assigned = new Map<string, Assigned>();
  /** The broker id each queue's last pull response suggested (Java's PullAPIWrapper.pullFromWhichNodeTable). */
  private readonly pullFromWhichNode = new Map<string, number>();
  private readonly cache: CachedBatch[] = [];
  private readonly pollWaiters = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private instance: ClientInstance | undefined;
  private rebalancer: Rebalancer | undefined;
  private offsetStore: OffsetStore | undefined;
  private nextAutoCommitDeadline = 0;
  private pullsRunning = 0;
  private readonly pullQueue: Array<() => void> = [];
  private rebalancing: Promise<void> | undefined;
  private readonly inner: ConsumerInner;

  constructor(init: LitePullConsumerInit) {
    this.opts = parseLitePullConsumerOptions(init);
    this.log = this.options.logger.child({ component: 'lite-pull-consumer', group: this.options.group });
    this.inner = {
      group: this.options.group,
      consumerData: () => this.consumerData(),
      subscriptionTopics: () => (this.mode === 'SUBSCRIBE' ? [...this.subscriptions.keys()] : [...new Set([...this.assigned.values()].map((a) => a.mq.topic))]),
      isSubscribeTopicNeedUpdate: (topic) => this.rebalancer !== undefined && this.rebalancer.subscriptionInner.has(topic) && !this.rebalancer.topicSubscribeInfoTable.has(topic),
      updateTopicSubscribeInfo: (topic, queues) => {
        if (this.rebalancer?.subscriptionInner.has(topic) === true) this.rebalancer.topicSubscribeInfoTable.set(topic, queues);
      },
      rebalanceImmediately: () => this.rebalanceImmediately(),
      persistConsumerOffset: () => this.persist(false),
      runningInfo: () => this.runningInfo(),
      offsetTable: (topic) => this.offsetStore?.cloneOffsetTable(topic) ?? [],
      resetOffset: () => Promise.resolve(),
      consumeMessageDirectly: () => Promise.resolve(undefined),
    };
  }

  /** The options in use (instanceName as start() resolved it). */
  get options(): LitePullConsumerOptions {
    return this.opts;
  }

  get clientId(): string {
    return `${this.options.clientIP}@${this.options.instanceName}`;
  }

  /** Subscribes to a topic; the group's consumers share its queues. Not with assign(). */
  subscribe(topic: string, selector?: MessageSelector): this {
    checkTopic(topic);
    if (this.mode === 'ASSIGN') throw stateError('Subscribe and assign are mutually exclusive.');
    this.mode = 'SUBSCRIBE';
    const sub = buildSubscriptionData(topic, selector);
    this.subscriptions.set(topic, sub);
    if (this.state === 'RUNNING') {
      this.rebalancer!.subscriptionInner.set(topic, sub);
      void this.instance!.updateTopicRouteInfoFromNameServer(topic)
        .catch(() => false)
        .then(() => this.instance!.sendHeartbeatToAllBrokers())
        .then(() => this.rebalanceImmediately());
    }
    return this;
  }

  unsubscribe(topic: string): void {
    this.subscriptions.delete(topic);
    this.rebalancer?.subscriptionInner.delete(topic);
    for (const [key, a] of this.assigned) {
      if (a.mq.topic === topic) this.dropAssigned(key, a);
    }
  }

  /**
   * Consumes exactly these queues, with no rebalancing. Not with subscribe().
   * `selectors` optionally filters per topic (a tag expression or SQL92).
   */
  assign(queues: readonly MessageQueue[], selectors?: Readonly<Record<string, MessageSelector>>): void {
    if (queues.length === 0) throw argumentError('Message queues can not be null or empty.');
    if (this.mode === 'SUBSCRIBE') throw stateError('Subscribe and assign are mutually exclusive.');
    this.mode = 'ASSIGN';
    for (const [topic, sel] of Object.entries(selectors ?? {})) this.subscriptions.set(topic, buildSubscriptionData(topic, sel));
    this.updateAssigned(undefined, queues);
  }

  /** Queues this consumer pulls now. */
  assignment(): MessageQueue[] {
    return [...this.assigned.values()].map((a) => a.mq);
  }

  async start(): Promise<void> {
    if (this.state === 'RUNNING') return;
    if (this.state === 'SHUTDOWN') throw stateError('the consumer was shut down; create a new one');
    if (this.opts.messageModel === 'CLUSTERING') this.opts = { ...this.opts, instanceName: instanceNameAtStart(this.opts.instanceName) };
    const o = this.options;
    const instance = ClientInstance.acquire(o);
    this.offsetStore =
      o.messageModel === 'BROADCASTING'
        ? new LocalFileOffsetStore(o.offsetStoreDir, instance.clientId, o.group, this.log)
        : new RemoteBrokerOffsetStore(instance, o.group, this.log);
    this.rebalancer = new Rebalancer(instance, o.group, o.messageModel, o.allocateMessageQueueStrategy, {
      consumeType: 'CONSUME_ACTIVELY',
      // The pull task reads the real start offset itself; any non-negative value admits the queue.
      computePullFromWhere: () => Promise.resolve(0),
      removeUnnecessaryMessageQueue: async (mq) => {
        await this.offsetStore!.persist(mq);
        this.offsetStore!.removeOffset(mq);
        return true;
      },
      removeDirtyOffset: (mq) => this.offsetStore?.removeOffset(mq),
      messageQueueChanged: (topic, _all, divided) => {
        this.updateAssigned(topic, divided);
        void this.instance?.sendHeartbeatToAllBrokers();
      },
      dispatchPullRequests: () => undefined,
    }, this.log);
    for (const [t, s] of this.subscriptions) if (this.mode === 'SUBSCRIBE') this.rebalancer.subscriptionInner.set(t, s);
    try {
      await this.offsetStore.load();
      instance.registerConsumer(this.inner);
    } catch (err) {
      await instance.release();
      throw err;
    }
    this.instance = instance;
    this.state = 'RUNNING';
    this.nextAutoCommitDeadline = Date.now() + o.autoCommitIntervalMillis;
    instance.start();
    const topics = this.inner.subscriptionTopics();
    await Promise.all(topics.map((t) => instance.updateTopicRouteInfoFromNameServer(t).catch(() => false)));
    await instance.sendHeartbeatToAllBrokers();
    if (this.mode === 'SUBSCRIBE') {
      const t = setInterval(() => this.rebalanceImmediately(), o.rebalanceInterval);
      this.timers.add(t);
      this.rebalanceImmediately();
      if (this.rebalancing !== undefined) await this.rebalancing;
    }
    for (const a of this.assigned.values()) this.startPullTask(a, 0);
  }

  /** Commits what was polled (when autoCommit), stops the pull tasks, persists offsets and unregisters. */
  async shutdown(): Promise<void> {
    if (this.state !== 'RUNNING') {
      this.state = 'SHUTDOWN';
      return;
    }
    if (this.options.autoCommit) this.commitAll();
    this.state = 'SHUTDOWN';
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const w of this.pollWaiters) w();
    this.pollWaiters.clear();
    if (this.rebalancing !== undefined) await this.rebalancing.catch(() => undefined);
    await this.persist(true);
    for (const a of this.assigned.values()) {
      a.generation++;
      a.pq.dropped = true;
    }
    this.rebalancer?.destroy();
    const instance = this.instance!;
    await instance.unregisterConsumer(this.options.group).catch(() => undefined);
    await instance.release();
  }

  /**
   * Up to pullBatchSize messages of one queue, waiting up to `timeoutMs` for
   * some; an empty array when none came. With autoCommit, offsets polled
   * earlier are committed every autoCommitIntervalMillis.
   */
  async poll(timeoutMs: number = this.options.pollTimeoutMillis): Promise<ReceivedMessage[]> {
    if (this.state !== 'RUNNING') throw stateError('The consumer not running, please start it first.');
    if (!(timeoutMs >= 0)) throw argumentError('Timeout must not be negative');
    if (this.options.autoCommit) this.maybeAutoCommit();
    const end = Date.now() + timeoutMs;
    for (;;) {
      const batch = this.cache.shift();
      if (batch !== undefined) {
        if (batch.entry.pq.dropped) continue;
        const offset = batch.entry.pq.removeMessage(batch.msgs);
        if (offset >= 0) batch.entry.consumeOffset = offset;
        return batch.msgs;
      }
      const left = end - Date.now();
      if (left <= 0 || this.state !== 'RUNNING') return [];
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.pollWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.pollWaiters.add(done);
      });
    }
  }

  /** Messages one by one until shutdown(). */
  async *[Symbol.asyncIterator](): AsyncIterator<ReceivedMessage> {
    while (this.state === 'RUNNING') {
      const msgs = await this.poll();
      for (const m of msgs) yield m;
    }
  }

  /** Commits the polled offsets of every queue and writes them out now. */
  async commitSync(): Promise<void> {
    this.ensureRunning();
    this.commitAll();
    await this.persist(true);
  }

  /**
   * Commits given offsets (the next offset to consume per queue), or the
   * polled ones of `queues`; persist writes them out now.
   */
  async commit(offsets: ReadonlyArray<readonly [MessageQueue, number]> | readonly MessageQueue[], persist = true): Promise<void> {
    this.ensureRunning();
    const store = this.offsetStore!;
    const touched: MessageQueue[] = [];
    for (const item of offsets) {
      const [mq, offset] = Array.isArray(item) ? (item as readonly [MessageQueue, number]) : [item as MessageQueue, undefined];
      const a = this.assigned.get(messageQueueKey(mq));
      const value = offset ?? a?.consumeOffset ?? -1;
      if (value < 0) continue;
      if (a !== undefined && !a.pq.dropped) {
        store.updateOffset(mq, value, false);
        touched.push(mq);
      }
    }
    if (persist) await store.persistAll(touched, true);
  }

  /** The committed offset of a queue (memory first, then the store). */
  async committed(mq: MessageQueue): Promise<number> {
    this.ensureRunning();
    const v = await this.offsetStore!.readOffset(mq, 'MEMORY_FIRST_THEN_STORE');
    if (v === -2) throw new RmqError(ErrorCode.CONNECTION, 'Fetch consume offset from broker exception', { retriable: true });
    return v;
  }

  /** Next poll of this queue starts at `offset` (between its min and max offset). */
  async seek(mq: MessageQueue, offset: number): Promise<void> {
    this.ensureRunning();
    const a = this.assigned.get(messageQueueKey(mq));
    if (a === undefined) {
      throw stateError(`The message queue is not in assigned list${this.mode === 'SUBSCRIBE' ? ', may be rebalancing' : ''}, message queue: ${messageQueueKey(mq)}`);
    }
    const [min, max] = await Promise.all([this.instance!.minOffset(mq), this.instance!.maxOffset(mq)]);
    if (offset < min || offset > max) throw argumentError(`Seek offset illegal, seek offset = ${offset}, min offset = ${min}, max offset = ${max}`);
    this.clearQueueCache(a);
    a.seekOffset = offset;
    this.startPullTask(a, 0);
  }

  async seekToBegin(mq: MessageQueue): Promise<void> {
    this.ensureRunning();
    await this.seek(mq, await this.instance!.minOffset(mq));
  }

  async seekToEnd(mq: MessageQueue): Promise<void> {
    this.ensureRunning();
    await this.seek(mq, await this.instance!.maxOffset(mq));
  }

  /** The offset of the message stored nearest `timestamp` (the broker's SEARCH_OFFSET_BY_TIMESTAMP, as Java's offsetForTimestamp). */
  async offsetForTimestamp(mq: MessageQueue, timestamp: number): Promise<number> {
    this.ensureRunning();
    return this.instance!.searchOffset(mq, timestamp);
  }

  pause(queues: readonly MessageQueue[]): void {
    for (const mq of queues) {
      const a = this.assigned.get(messageQueueKey(mq));
      if (a !== undefined) a.paused = true;
    }
  }

  resume(queues: readonly MessageQueue[]): void {
    for (const mq of queues) {
      const a = this.assigned.get(messageQueueKey(mq));
      if (a !== undefined) a.paused = false;
    }
  }

  /** The readable queues of a topic. */
  async fetchMessageQueues(topic: string): Promise<MessageQueue[]> {
    const instance = this.ensureRunning();
    const route = await instance.fetchTopicRoute(topic);
    if (route === undefined) throw new RmqError(ErrorCode.NO_ROUTE, `Can not find Message Queue for this topic, ${topic}`, { retriable: true, responseCode: ResponseCode.TOPIC_NOT_EXIST });
    for (const bd of route.brokerDatas) if (!instance.brokerAddrTable.has(bd.brokerName)) instance.brokerAddrTable.set(bd.brokerName, new Map(bd.brokerAddrs));
    return topicRouteToSubscribeQueues(topic, route);
  }

  // -------------------------------------------------------------------------

  private ensureRunning(): ClientInstance {
    if (this.state !== 'RUNNING' || this.instance === undefined) throw stateError('The consumer not running, please start it first.');
    return this.instance;
  }

  private consumerData(): ConsumerData {
    return {
      groupName: this.options.group,
      consumeType: 'CONSUME_ACTIVELY',
      messageModel: this.options.messageModel,
      consumeFromWhere: this.options.consumeFromWhere,
      subscriptionDataSet: this.mode === 'SUBSCRIBE' ? [...this.subscriptions.values()] : [],
      unitMode: false,
    };
  }

  private runningInfo(): ConsumerRunningInfo {
    const offsets = new Map((this.offsetStore?.cloneOffsetTable() ?? []).map(([mq, v]) => [messageQueueKey(mq), v]));
    return {
      properties: new Map([
        ['PROP_CONSUME_TYPE', 'CONSUME_ACTIVELY'],
        ['messageModel', this.options.messageModel],
      ]),
      subscriptionSet: [...this.subscriptions.values()],
      mqTable: [...this.assigned.values()].map((a) => [a.mq, a.pq.info(offsets.get(messageQueueKey(a.mq)) ?? -1)] as [MessageQueue, ReturnType<ProcessQueue['info']>]),
      statusTable: new Map(),
    };
  }

  private rebalanceImmediately(): void {
    if (this.state !== 'RUNNING' || this.mode !== 'SUBSCRIBE' || this.rebalancing !== undefined) return;
    this.rebalancing = this.rebalancer!
      .doRebalance(false)
      .catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'rebalance failed'))
      .finally(() => {
        this.rebalancing = undefined;
      });
  }

  /** Replaces the queues of `topic` (or all, for assign) with `queues`, starting and stopping pull tasks. */
  private updateAssigned(topic: string | undefined, queues: readonly MessageQueue[]): void {
    const wanted = new Map(queues.map((mq) => [messageQueueKey(mq), mq]));
    for (const [key, a] of this.assigned) {
      if ((topic === undefined || a.mq.topic === topic) && !wanted.has(key)) this.dropAssigned(key, a);
    }
    for (const [key, mq] of wanted) {
      if (this.assigned.has(key)) continue;
      const a: Assigned = { mq, pq: new ProcessQueue(), paused: false, pullOffset: -1, consumeOffset: -1, seekOffset: -1, generation: 0 };
      this.assigned.set(key, a);
      if (this.state === 'RUNNING') this.startPullTask(a, 0);
    }
  }

  private dropAssigned(key: string, a: Assigned): void {
    a.generation++;
    a.pq.dropped = true;
    this.assigned.delete(key);
    this.clearQueueCache(a);
  }

  private clearQueueCache(a: Assigned): void {
    a.pq.clear();
    for (let i = this.cache.length - 1; i >= 0; i--) if (this.cache[i]!.entry === a) this.cache.splice(i, 1);
  }

  private commitAll(): void {
    const store = this.offsetStore;
    if (store === undefined) return;
    for (const a of this.assigned.values()) {
      if (a.consumeOffset >= 0 && !a.pq.dropped) store.updateOffset(a.mq, a.consumeOffset, false);
    }
  }

  private maybeAutoCommit(): void {
    const now = Date.now();
    if (now >= this.nextAutoCommitDeadline) {
      this.commitAll();
      this.nextAutoCommitDeadline = now + this.options.autoCommitIntervalMillis;
    }
  }

  private async persist(sync: boolean): Promise<void> {
    if (this.offsetStore === undefined) return;
    await this.offsetStore.persistAll(this.assignment(), sync);
  }

  // Pull tasks ---------------------------------------------------------------

  private startPullTask(a: Assigned, delay: number): void {
    const generation = ++a.generation;
    this.schedule(a, generation, delay);
  }

  private schedule(a: Assigned, generation: number, delay: number): void {
    if (this.state !== 'RUNNING') return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.withPullSlot(() => this.pullOnce(a, generation));
    }, delay);
    this.timers.add(t);
  }

  /** At most pullThreadNums pulls run at once (Java's pull thread pool). */
  private withPullSlot(task: () => Promise<void>): void {
    const run = (): void => {
      this.pullsRunning++;
      void task().finally(() => {
        this.pullsRunning--;
        this.pullQueue.shift()?.();
      });
    };
    if (this.pullsRunning < this.options.pullThreadNums) run();
    else this.pullQueue.push(run);
  }

  private async pullOnce(a: Assigned, generation: number): Promise<void> {
    const o = this.options;
    const alive = (): boolean => this.state === 'RUNNING' && a.generation === generation && !a.pq.dropped;
    if (!alive()) return;
    const again = (delay: number): void => this.schedule(a, generation, delay);
    if (a.paused) return again(PULL_TIME_DELAY_MILLS_WHEN_PAUSE);
    const pq = a.pq;
    let cached = 0;
    for (const b of this.cache) cached += b.msgs.length;
    if (cached > o.pullThresholdForAll) return again(PULL_TIME_DELAY_MILLS_WHEN_FLOW_CONTROL);
    if (pq.msgCount > o.pullThresholdForQueue || pq.msgSize / (1024 * 1024) > o.pullThresholdSizeForQueue || pq.getMaxSpan() > o.consumeMaxSpan) {
      return again(PULL_TIME_DELAY_MILLS_WHEN_FLOW_CONTROL);
    }
    let offset: number;
    try {
      offset = await this.nextPullOffset(a);
    } catch (err) {
      this.log.warn({ mq: a.mq, err: errorMessage(err) }, 'next pull offset unknown');
      return again(PULL_TIME_DELAY_MILLS_ON_EXCEPTION);
    }
    if (!alive()) return;
    const sub = this.subscriptions.get(a.mq.topic) ?? buildSubscriptionData(a.mq.topic, '*', 0);
    const instance = this.instance!;
    try {
      const addr = await this.brokerAddrForPull(a.mq);
      const raw = await instance.pullMessage(
        addr,
        {
          consumerGroup: o.group,
          topic: a.mq.topic,
          queueId: a.mq.queueId,
          queueOffset: offset,
          maxMsgNums: o.pullBatchSize,
          // The subscription travels with each pull: an assigning consumer has none registered by heartbeat.
          sysFlag: buildPullSysFlag(false, true, true, false),
          commitOffset: 0,
          suspendTimeoutMillis: o.brokerSuspendMaxTimeMillis,
          subscription: sub.subString,
          subVersion: sub.subVersion,
          expressionType: sub.expressionType,
          bname: a.mq.brokerName,
        },
        o.consumerTimeoutMillisWhenSuspend,
      );
      if (!alive()) return;
      this.pullFromWhichNode.set(messageQueueKey(a.mq), raw.suggestWhichBrokerId);
      if (raw.status === 'FOUND') {
        const msgs = processPullBody(raw, a.mq, sub);
        if (msgs.length > 0) {
          pq.putMessage(msgs, raw.maxOffset);
          this.cache.push({ msgs, entry: a });
          for (const w of [...this.pollWaiters]) w();
        }
      } else if (raw.status === 'OFFSET_ILLEGAL') {
        this.log.warn({ mq: a.mq, offset, next: raw.nextBeginOffset }, 'pull offset illegal');
      }
      if (a.seekOffset === -1) a.pullOffset = raw.nextBeginOffset;
      again(0);
    } catch (err) {
      if (!alive()) return;
      const flow = isRmqError(err) && err.responseCode === ResponseCode.FLOW_CONTROL;
      this.log.warn({ mq: a.mq, err: errorMessage(err) }, 'pull failed');
      again(flow ? 20 : PULL_TIME_DELAY_MILLS_ON_EXCEPTION);
    }
  }

  /**
   * Where to pull a queue from: the broker its last response suggested (the
   * master unless it pointed to a slave), else any broker of that name (a
   * slave when the master left the route), as Java's pullKernelImpl.
   */
  private async brokerAddrForPull(mq: MessageQueue): Promise<string> {
    const instance = this.instance!;
    const id = this.pullFromWhichNode.get(messageQueueKey(mq)) ?? MixAll.MASTER_ID;
    let found = instance.findBrokerAddressInSubscribe(mq.brokerName, id, false);
    if (found === undefined) {
      await instance.updateTopicRouteInfoFromNameServer(mq.topic).catch(() => false);
      found = instance.findBrokerAddressInSubscribe(mq.brokerName, id, false);
    }
    if (found === undefined) throw noRouteError(`The broker[${mq.brokerName}] not exist`);
    return found.addr;
  }

  private async nextPullOffset(a: Assigned): Promise<number> {
    if (a.seekOffset !== -1) {
      const offset = a.seekOffset;
      a.consumeOffset = offset;
      a.seekOffset = -1;
      a.pullOffset = offset;
      return offset;
    }
    if (a.pullOffset !== -1) return a.pullOffset;
    a.pullOffset = await this.computePullFromWhere(a.mq);
    return a.pullOffset;
  }

  private async computePullFromWhere(mq: MessageQueue): Promise<number> {
    const last = await this.offsetStore!.readOffset(mq, 'READ_FROM_STORE');
    if (last >= 0) return last;
    if (last !== -1) throw new RmqError(ErrorCode.CONNECTION, `could not read the offset of ${messageQueueKey(mq)}`, { retriable: true });
    const instance = this.instance!;
    switch (this.options.consumeFromWhere) {
      case 'CONSUME_FROM_FIRST_OFFSET':
        return 0;
      case 'CONSUME_FROM_TIMESTAMP':
        return instance.searchOffset(mq, this.options.consumeTimestamp);
      default:
        return mq.topic.startsWith('%RETRY%') ? 0 : instance.maxOffset(mq);
    }
  }
}
