/**
 * The client instance shared by the producers and consumers of one client id
 * (Java's MQClientInstance plus MQClientAPIImpl): one RemotingClient, the
 * topic routes and broker addresses, heartbeats, the NameServer choice, the
 * handlers for requests brokers send to clients, and the wire calls.
 */
import { inflateSync } from 'node:zlib';
import { ErrorCode, RmqError, errorMessage, isRmqError } from '@rocketmq-ts/common';
import type { Logger } from '@rocketmq-ts/common';
import {
  MessageConst,
  MixAll,
  RequestCode,
  ResponseCode,
  SerializeType,
  createRequest,
  createResponse,
  decodeCheckTransactionStateRequestHeader,
  decodeConsumeMessageDirectlyResultRequestHeader,
  decodeGetConsumerRunningInfoRequestHeader,
  decodeGetConsumerStatusRequestHeader,
  decodeLockBatchResponseBody,
  decodeConsumerIdList,
  decodeMessages,
  decodeOffsetResponseHeader,
  decodePullMessageResponseHeader,
  decodeReplyMessageRequestHeader,
  decodeResetOffsetBody,
  decodeResetOffsetRequestHeader,
  decodeTopicRouteData,
  decodeProperties,
  encodeConsumeMessageDirectlyResult,
  encodeConsumerRunningInfo,
  encodeConsumerSendMsgBackRequestHeader,
  encodeEndTransactionRequestHeader,
  encodeGetConsumerListByGroupRequestHeader,
  encodeGetConsumerStatusBody,
  encodeGetMaxOffsetRequestHeader,
  encodeGetMinOffsetRequestHeader,
  encodeGetRouteInfoRequestHeader,
  encodeHeartbeatData,
  encodeLockBatchRequestBody,
  encodePullMessageRequestHeader,
  encodeQueryConsumerOffsetRequestHeader,
  encodeSearchOffsetRequestHeader,
  encodeUnlockBatchRequestBody,
  encodeUnregisterClientRequestHeader,
  encodeUpdateConsumerOffsetRequestHeader,
  stringifyRmqJson,
  subscriptionDataJson,
  ConsumerRunningInfoProp,
} from '@rocketmq-ts/protocol';
import type {
  CheckTransactionStateRequestHeader,
  ConsumeMessageDirectlyResult,
  ConsumerData,
  ConsumerRunningInfo,
  EndTransactionRequestHeader,
  HeaderKeyOrder,
  MessageQueue,
  PullMessageRequestHeader,
  RemotingCommand,
  SubscriptionData,
  TopicRouteData,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import type { Channel } from '@rocketmq-ts/remoting';
import { noRouteError, responseError } from './errors.js';
import { toReceivedMessage } from './message.js';
import type { MutableReceivedMessage, ReceivedMessage } from './message.js';
import { nameServerAddresses } from './options.js';
import type { ClientOptions } from './options.js';
import { RotatingIndex, routeChanged, topicRouteToSubscribeQueues } from './route.js';

/** What the instance needs from a producer. */
export interface ProducerInner {
  readonly group: string;
  publishTopics(): string[];
  isPublishTopicNeedUpdate(topic: string): boolean;
  updateTopicPublishInfo(topic: string, route: TopicRouteData): void;
  checkTransactionState(channel: Channel, msg: ReceivedMessage, header: CheckTransactionStateRequestHeader): void;
}

/** What the instance needs from a consumer. */
export interface ConsumerInner {
  readonly group: string;
  consumerData(): ConsumerData;
  subscriptionTopics(): string[];
  isSubscribeTopicNeedUpdate(topic: string): boolean;
  updateTopicSubscribeInfo(topic: string, queues: MessageQueue[]): void;
  rebalanceImmediately(): void;
  persistConsumerOffset(): Promise<void>;
  runningInfo(): ConsumerRunningInfo;
  offsetTable(topic: string): Array<[MessageQueue, number]>;
  resetOffset(topic: string, table: Array<[MessageQueue, number]>): Promise<void>;
  consumeMessageDirectly(msg: MutableReceivedMessage, brokerName: string | undefined): Promise<ConsumeMessageDirectlyResult | undefined>;
}

export type PullStatus = 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';

export interface RawPullResult {
  readonly status: PullStatus;
  readonly nextBeginOffset: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  readonly suggestWhichBrokerId: number;
  readonly body: Buffer | undefined;
}

export interface FindBrokerResult {
  readonly addr: string;
  readonly slave: boolean;
}

interface ReplyWaiter {
  resolve(msg: ReceivedMessage): void;
}

/** Version string reported in ConsumerRunningInfo (MQVersion.getVersionDesc of what we announce). */
const CLIENT_VERSION_DESC = 'V4_9_4';

const registry = new Map<string, ClientInstance>();

export class ClientInstance {
  readonly clientId: string;
  readonly options: ClientOptions;
  readonly log: Logger;
  readonly remoting: RemotingClient;
  readonly nameServers: readonly string[];
  readonly topicRouteTable = new Map<string, TopicRouteData>();
  /** brokerName -> brokerId -> address. */
  readonly brokerAddrTable = new Map<string, Map<number, string>>();
  private readonly producers = new Map<string, ProducerInner>();
  private readonly consumers = new Map<string, ConsumerInner>();
  private readonly replyWaiters = new Map<string, ReplyWaiter>();
  private readonly routeUpdates = new Map<string, Promise<boolean>>();
  private readonly nsIndex = new RotatingIndex();
  private chosenNameServer: string | undefined;
  private readonly key: string;
  private users = 0;
  private timers: NodeJS.Timeout[] = [];
  private started = false;
  private closing: Promise<void> | undefined;
  private heartbeating: Promise<void> | undefined;
  private heartbeatAgain = false;
  private innerProducerValue: { shutdown(): Promise<void> } | undefined;

  private constructor(key: string, clientId: string, options: ClientOptions) {
    this.key = key;
    this.clientId = clientId;
    this.options = options;
    this.nameServers = nameServerAddresses(options);
    this.log = options.logger.child({ component: 'rocketmq-client', clientId });
    this.remoting = new RemotingClient({ logger: this.log });
    this.registerProcessors();
  }

  /**
   * The shared instance for these options' client id and NameServer list,
   * created on first use. Each acquire must be paired with a release.
   */
  static acquire(options: ClientOptions): ClientInstance {
    const clientId = `${options.clientIP}@${options.instanceName}`;
    const key = `${clientId}|${nameServerAddresses(options).join(';')}`;
    let instance = registry.get(key);
    if (instance === undefined || instance.closing !== undefined) {
      instance = new ClientInstance(key, clientId, options);
      registry.set(key, instance);
    }
    instance.users++;
    return instance;
  }

  /** Starts the periodic tasks (idempotent). */
  start(): void {
    if (this.started) return;
    this.started = true;
    const every = (first: number, period: number, task: () => Promise<unknown>, what: string): void => {
      const run = (): void => {
        task().catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, `${what} failed`));
      };
      const t = setTimeout(() => {
        run();
        const i = setInterval(run, period);
        this.timers.push(i);
      }, first);
      this.timers.push(t);
    };
    every(10, this.options.pollNameServerInterval, () => this.updateAllTopicRoutes(), 'route refresh');
    every(1000, this.options.heartbeatBrokerInterval, async () => {
      this.cleanOfflineBroker();
      await this.sendHeartbeatToAllBrokers();
    }, 'heartbeat');
    every(10_000, this.options.persistConsumerOffsetInterval, () => this.persistAllConsumerOffset(), 'offset persist');
  }

  /** Drops one user; the last one closes connections and stops the timers. */
  async release(): Promise<void> {
    this.users--;
    if (this.users > 0) return;
    if (this.closing === undefined) {
      this.closing = (async () => {
        if (registry.get(this.key) === this) registry.delete(this.key);
        for (const t of this.timers) clearTimeout(t);
        this.timers = [];
        const inner = this.innerProducerValue;
        this.innerProducerValue = undefined;
        if (inner !== undefined) await inner.shutdown().catch(() => undefined);
        for (const w of this.replyWaiters.keys()) this.replyWaiters.delete(w);
        await this.remoting.close();
      })();
    }
    await this.closing;
  }

  get isClosed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * The instance's own producer (group CLIENT_INNER_PRODUCER), which consumers
   * use to resend a message whose CONSUMER_SEND_MSG_BACK failed.
   */
  innerProducer<T extends { shutdown(): Promise<void> }>(create: () => T): T {
    if (this.innerProducerValue === undefined) this.innerProducerValue = create();
    return this.innerProducerValue as T;
  }

  registerProducer(p: ProducerInner): void {
    if (this.producers.has(p.group)) {
      throw new RmqError(ErrorCode.STATE, `producer group ${p.group} is already registered in client ${this.clientId}; give the second producer its own instanceName`);
    }
    this.producers.set(p.group, p);
  }

  async unregisterProducer(group: string): Promise<void> {
    if (!this.producers.delete(group)) return;
    await this.unregisterClient(group, undefined);
  }

  registerConsumer(c: ConsumerInner): void {
    if (this.consumers.has(c.group)) {
      throw new RmqError(ErrorCode.STATE, `consumer group ${c.group} is already registered in client ${this.clientId}; give the second consumer its own instanceName`);
    }
    this.consumers.set(c.group, c);
  }

  async unregisterConsumer(group: string): Promise<void> {
    if (!this.consumers.delete(group)) return;
    await this.unregisterClient(undefined, group);
  }

  rebalanceImmediately(): void {
    for (const c of this.consumers.values()) c.rebalanceImmediately();
  }

  // -------------------------------------------------------------------------
  // NameServer

  /**
   * Sends to the chosen NameServer; when it cannot be reached, the next in
   * the list is tried. A timeout gives up the choice for the next request.
   */
  async invokeNameServer(build: () => RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    let last: unknown;
    const n = this.nameServers.length;
    for (let i = 0; i < n; i++) {
      const addr = this.chosenNameServer ?? this.nameServers[this.nsIndex.next() % n]!;
      this.chosenNameServer = addr;
      try {
        return await this.remoting.invoke(addr, build(), timeoutMs);
      } catch (err) {
        last = err;
        this.chosenNameServer = undefined;
        if (isRmqError(err) && err.code === ErrorCode.TIMEOUT) {
          await this.remoting.closeChannel(addr).catch(() => undefined);
          throw err;
        }
        if (!(isRmqError(err) && err.code === ErrorCode.CONNECTION)) throw err;
        this.log.warn({ nameServer: addr, err: errorMessage(err) }, 'NameServer unreachable, trying the next');
      }
    }
    throw last instanceof Error ? last : new RmqError(ErrorCode.CONNECTION, 'no NameServer reachable', { retriable: true });
  }

  /** The route of a topic; undefined when the NameServer says it does not exist. */
  async fetchTopicRoute(topic: string): Promise<TopicRouteData | undefined> {
    const response = await this.invokeNameServer(
      () => createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, encodeGetRouteInfoRequestHeader({ topic })),
      this.options.mqClientApiTimeout,
    );
    if (response.code === ResponseCode.TOPIC_NOT_EXIST) return undefined;
    if (response.code !== ResponseCode.SUCCESS || response.body === undefined) {
      throw responseError(response.code, response.remark, 'NameServer', `GET_ROUTEINFO_BY_TOPIC ${topic}`);
    }
    return decodeTopicRouteData(response.body);
  }

  /**
   * Refreshes one topic's route and, when it changed (or a user lacks it),
   * hands it to producers and consumers. `fallback` is the producer's
   * auto-create path: the route of createTopicKey with at most `queueNums`
   * queues stands in for a topic that does not exist yet. Concurrent calls
   * for a topic share one request. True when the route was updated.
   */
  updateTopicRouteInfoFromNameServer(topic: string, fallback?: { createTopicKey: string; queueNums: number }): Promise<boolean> {
    const key = fallback === undefined ? topic : `${topic}\u0000default`;
    let p = this.routeUpdates.get(key);
    if (p === undefined) {
      p = this.doUpdateRoute(topic, fallback).finally(() => this.routeUpdates.delete(key));
      this.routeUpdates.set(key, p);
    }
    return p;
  }

  private async doUpdateRoute(topic: string, fallback?: { createTopicKey: string; queueNums: number }): Promise<boolean> {
    let route: TopicRouteData | undefined;
    if (fallback !== undefined) {
      const base = await this.fetchTopicRoute(fallback.createTopicKey);
      if (base !== undefined) {
        route = {
          ...base,
          queueDatas: base.queueDatas.map((q) => {
            const n = Math.min(fallback.queueNums, q.readQueueNums);
            return { ...q, readQueueNums: n, writeQueueNums: n };
          }),
        };
      }
    } else {
      route = await this.fetchTopicRoute(topic);
    }
    if (route === undefined) return false;
    const old = this.topicRouteTable.get(topic);
    let changed = routeChanged(old, route);
    if (!changed) {
      for (const p of this.producers.values()) changed ||= p.isPublishTopicNeedUpdate(topic);
      for (const c of this.consumers.values()) changed ||= c.isSubscribeTopicNeedUpdate(topic);
    }
    if (!changed) return false;
    let newBroker = false;
    for (const bd of route.brokerDatas) {
      const known = this.brokerAddrTable.get(bd.brokerName);
      for (const addr of bd.brokerAddrs.values()) if (known === undefined || ![...known.values()].includes(addr)) newBroker = true;
      this.brokerAddrTable.set(bd.brokerName, new Map(bd.brokerAddrs));
    }
    for (const p of this.producers.values()) p.updateTopicPublishInfo(topic, route);
    if (this.consumers.size > 0) {
      const queues = topicRouteToSubscribeQueues(topic, route);
      for (const c of this.consumers.values()) c.updateTopicSubscribeInfo(topic, queues);
    }
    this.topicRouteTable.set(topic, route);
    // A broker we never heartbeated cannot reach us (transaction checks, replies, consumer lists) until we do.
    if (newBroker && this.started) void this.sendHeartbeatToAllBrokers();
    return true;
  }

  async updateAllTopicRoutes(): Promise<void> {
    const topics = new Set<string>();
    for (const c of this.consumers.values()) for (const t of c.subscriptionTopics()) topics.add(t);
    for (const p of this.producers.values()) for (const t of p.publishTopics()) topics.add(t);
    await Promise.all(
      [...topics].map((t) =>
        this.updateTopicRouteInfoFromNameServer(t).catch((err: unknown) => {
          this.log.debug({ topic: t, err: errorMessage(err) }, 'route refresh failed');
        }),
      ),
    );
  }

  /** Forgets broker addresses no route mentions any more. */
  cleanOfflineBroker(): void {
    const live = new Set<string>();
    for (const r of this.topicRouteTable.values()) for (const bd of r.brokerDatas) for (const a of bd.brokerAddrs.values()) live.add(a);
    for (const [name, addrs] of this.brokerAddrTable) {
      for (const [id, addr] of addrs) if (!live.has(addr)) addrs.delete(id);
      if (addrs.size === 0) this.brokerAddrTable.delete(name);
    }
  }

  // -------------------------------------------------------------------------
  // Brokers

  findBrokerAddressInPublish(brokerName: string): string | undefined {
    return this.brokerAddrTable.get(brokerName)?.get(MixAll.MASTER_ID);
  }

  /**
   * The address for reading from `brokerName`: the suggested broker id, else
   * the next id for a slave, else (unless onlyThisBroker) any address.
   */
  findBrokerAddressInSubscribe(brokerName: string, brokerId: number, onlyThisBroker: boolean): FindBrokerResult | undefined {
    const map = this.brokerAddrTable.get(brokerName);
    if (map === undefined || map.size === 0) return undefined;
    let addr = map.get(brokerId);
    let slave = brokerId !== MixAll.MASTER_ID;
    if (addr === undefined && slave) addr = map.get(brokerId + 1);
    if (addr === undefined && !onlyThisBroker) {
      const first = map.entries().next().value as [number, string];
      addr = first[1];
      slave = first[0] !== MixAll.MASTER_ID;
    }
    return addr === undefined ? undefined : { addr, slave };
  }

  /** Any broker serving the topic (its master when there is one). */
  findBrokerAddrByTopic(topic: string): string | undefined {
    const route = this.topicRouteTable.get(topic);
    if (route === undefined || route.brokerDatas.length === 0) return undefined;
    const bd = route.brokerDatas[Math.floor(Math.random() * route.brokerDatas.length)]!;
    return bd.brokerAddrs.get(MixAll.MASTER_ID) ?? [...bd.brokerAddrs.values()][0];
  }

  async brokerAddrForRead(mq: MessageQueue): Promise<string> {
    let found = this.findBrokerAddressInSubscribe(mq.brokerName, MixAll.MASTER_ID, true);
    if (found === undefined) {
      await this.updateTopicRouteInfoFromNameServer(mq.topic).catch(() => false);
      found = this.findBrokerAddressInSubscribe(mq.brokerName, MixAll.MASTER_ID, false);
    }
    if (found === undefined) throw noRouteError(`The broker[${mq.brokerName}] not exist`);
    return found.addr;
  }

  async invokeBroker(addr: string, request: RemotingCommand, timeoutMs: number, what: string): Promise<RemotingCommand> {
    const response = await this.remoting.invoke(addr, request, timeoutMs);
    if (response.code !== ResponseCode.SUCCESS) throw responseError(response.code, response.remark, addr, what);
    return response;
  }

  /** Client ids of the group's consumers, from a broker serving the topic. */
  async findConsumerIdList(topic: string, group: string): Promise<string[] | undefined> {
    let addr = this.findBrokerAddrByTopic(topic);
    if (addr === undefined) {
      await this.updateTopicRouteInfoFromNameServer(topic).catch(() => false);
      addr = this.findBrokerAddrByTopic(topic);
    }
    if (addr === undefined) return undefined;
    try {
      const r = await this.invokeBroker(
        addr,
        createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, encodeGetConsumerListByGroupRequestHeader({ consumerGroup: group })),
        this.options.mqClientApiTimeout,
        'GET_CONSUMER_LIST_BY_GROUP',
      );
      return r.body === undefined ? [] : decodeConsumerIdList(r.body).consumerIdList;
    } catch (err) {
      this.log.warn({ topic, group, err: errorMessage(err) }, 'get consumer id list failed');
      return undefined;
    }
  }

  /**
   * Heartbeats every known broker with this client's groups (masters only
   * when there is no consumer). Calls while one runs queue a single rerun.
   */
  sendHeartbeatToAllBrokers(): Promise<void> {
    if (this.heartbeating !== undefined) {
      this.heartbeatAgain = true;
      return this.heartbeating;
    }
    const run = async (): Promise<void> => {
      do {
        this.heartbeatAgain = false;
        await this.heartbeatOnce();
      } while (this.heartbeatAgain && this.closing === undefined);
    };
    this.heartbeating = run().finally(() => {
      this.heartbeating = undefined;
    });
    return this.heartbeating;
  }

  private async heartbeatOnce(): Promise<void> {
    const consumerDataSet = [...this.consumers.values()].map((c) => c.consumerData());
    const producerDataSet = [...this.producers.keys()].map((groupName) => ({ groupName }));
    if (this.innerProducerValue !== undefined && !this.producers.has(MixAll.CLIENT_INNER_PRODUCER_GROUP)) {
      producerDataSet.push({ groupName: MixAll.CLIENT_INNER_PRODUCER_GROUP });
    }
    if (consumerDataSet.length === 0 && producerDataSet.length === 0) return;
    const body = encodeHeartbeatData({ clientID: this.clientId, producerDataSet, consumerDataSet });
    const jobs: Array<Promise<void>> = [];
    for (const [brokerName, addrs] of this.brokerAddrTable) {
      for (const [id, addr] of addrs) {
        if (consumerDataSet.length === 0 && id !== MixAll.MASTER_ID) continue;
        jobs.push(
          this.invokeBroker(addr, createRequest(RequestCode.HEART_BEAT, {}, body), this.options.mqClientApiTimeout, 'HEART_BEAT').then(
            () => undefined,
            (err: unknown) => this.log.debug({ brokerName, addr, err: errorMessage(err) }, 'heartbeat failed'),
          ),
        );
      }
    }
    await Promise.all(jobs);
  }

  private async unregisterClient(producerGroup: string | undefined, consumerGroup: string | undefined): Promise<void> {
    const header = encodeUnregisterClientRequestHeader({
      clientID: this.clientId,
      ...(producerGroup === undefined ? {} : { producerGroup }),
      ...(consumerGroup === undefined ? {} : { consumerGroup }),
    });
    const jobs: Array<Promise<unknown>> = [];
    for (const addrs of this.brokerAddrTable.values()) {
      for (const addr of addrs.values()) {
        jobs.push(
          this.invokeBroker(addr, createRequest(RequestCode.UNREGISTER_CLIENT, { ...header }), this.options.mqClientApiTimeout, 'UNREGISTER_CLIENT').catch(
            (err: unknown) => this.log.debug({ addr, err: errorMessage(err) }, 'unregister client failed'),
          ),
        );
      }
    }
    await Promise.all(jobs);
  }

  private async persistAllConsumerOffset(): Promise<void> {
    await Promise.all([...this.consumers.values()].map((c) => c.persistConsumerOffset()));
  }

  // -------------------------------------------------------------------------
  // Wire calls used by producers and consumers

  /** Request options for a hot-path call: the configured header encoding. */
  hotPath(): { serializeType: SerializeType; order: HeaderKeyOrder } {
    return this.options.headerEncoding === 'ROCKETMQ'
      ? { serializeType: SerializeType.ROCKETMQ, order: 'declared' }
      : { serializeType: SerializeType.JSON, order: 'java' };
  }

  async pullMessage(addr: string, header: PullMessageRequestHeader, timeoutMs: number): Promise<RawPullResult> {
    const { serializeType, order } = this.hotPath();
    const request = createRequest(RequestCode.PULL_MESSAGE, encodePullMessageRequestHeader(header, order), undefined, { serializeType });
    const response = await this.remoting.invoke(addr, request, timeoutMs);
    let status: PullStatus;
    switch (response.code) {
      case ResponseCode.SUCCESS:
        status = 'FOUND';
        break;
      case ResponseCode.PULL_NOT_FOUND:
        status = 'NO_NEW_MSG';
        break;
      case ResponseCode.PULL_RETRY_IMMEDIATELY:
        status = 'NO_MATCHED_MSG';
        break;
      case ResponseCode.PULL_OFFSET_MOVED:
        status = 'OFFSET_ILLEGAL';
        break;
      default:
        throw responseError(response.code, response.remark, addr, 'PULL_MESSAGE');
    }
    const h = decodePullMessageResponseHeader(response.extFields);
    return {
      status,
      nextBeginOffset: h.nextBeginOffset,
      minOffset: h.minOffset,
      maxOffset: h.maxOffset,
      suggestWhichBrokerId: h.suggestWhichBrokerId,
      body: response.body,
    };
  }

  async queryConsumerOffset(group: string, mq: MessageQueue): Promise<number> {
    const addr = await this.brokerAddrForRead(mq);
    const r = await this.invokeBroker(
      addr,
      createRequest(
        RequestCode.QUERY_CONSUMER_OFFSET,
        encodeQueryConsumerOffsetRequestHeader({ consumerGroup: group, topic: mq.topic, queueId: mq.queueId, bname: mq.brokerName }),
      ),
      5000,
      'QUERY_CONSUMER_OFFSET',
    );
    return decodeOffsetResponseHeader(r.extFields).offset;
  }

  async updateConsumerOffset(group: string, mq: MessageQueue, offset: number, sync: boolean): Promise<void> {
    const addr = await this.brokerAddrForRead(mq);
    const header = encodeUpdateConsumerOffsetRequestHeader({ consumerGroup: group, topic: mq.topic, queueId: mq.queueId, commitOffset: offset, bname: mq.brokerName });
    if (sync) {
      await this.invokeBroker(addr, createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, header), 5000, 'UPDATE_CONSUMER_OFFSET');
    } else {
      await this.remoting.invokeOneway(addr, createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, header, undefined, { oneway: true }), 5000);
    }
  }

  private async offsetQuery(code: number, what: string, mq: MessageQueue, extFields: Record<string, string>): Promise<number> {
    const addr = await this.brokerAddrForRead(mq);
    const r = await this.invokeBroker(addr, createRequest(code, extFields), this.options.mqClientApiTimeout, what);
    return decodeOffsetResponseHeader(r.extFields).offset;
  }

  maxOffset(mq: MessageQueue): Promise<number> {
    return this.offsetQuery(RequestCode.GET_MAX_OFFSET, 'GET_MAX_OFFSET', mq, encodeGetMaxOffsetRequestHeader({ topic: mq.topic, queueId: mq.queueId, bname: mq.brokerName }));
  }

  minOffset(mq: MessageQueue): Promise<number> {
    return this.offsetQuery(RequestCode.GET_MIN_OFFSET, 'GET_MIN_OFFSET', mq, encodeGetMinOffsetRequestHeader({ topic: mq.topic, queueId: mq.queueId, bname: mq.brokerName }));
  }

  searchOffset(mq: MessageQueue, timestamp: number): Promise<number> {
    return this.offsetQuery(
      RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
      'SEARCH_OFFSET_BY_TIMESTAMP',
      mq,
      encodeSearchOffsetRequestHeader({ topic: mq.topic, queueId: mq.queueId, timestamp, bname: mq.brokerName }),
    );
  }

  /** LOCK_BATCH_MQ on the master of the queues' broker; the queues it locked for us. */
  async lockBatchMQ(addr: string, group: string, mqs: MessageQueue[], timeoutMs = 1000): Promise<MessageQueue[]> {
    const body = encodeLockBatchRequestBody({ consumerGroup: group, clientId: this.clientId, mqSet: mqs });
    const r = await this.invokeBroker(addr, createRequest(RequestCode.LOCK_BATCH_MQ, {}, body), timeoutMs, 'LOCK_BATCH_MQ');
    return r.body === undefined ? [] : decodeLockBatchResponseBody(r.body).lockOKMQSet;
  }

  async unlockBatchMQ(addr: string, group: string, mqs: MessageQueue[], oneway: boolean, timeoutMs = 1000): Promise<void> {
    const body = encodeUnlockBatchRequestBody({ consumerGroup: group, clientId: this.clientId, mqSet: mqs });
    if (oneway) await this.remoting.invokeOneway(addr, createRequest(RequestCode.UNLOCK_BATCH_MQ, {}, body, { oneway: true }), timeoutMs);
    else await this.invokeBroker(addr, createRequest(RequestCode.UNLOCK_BATCH_MQ, {}, body), timeoutMs, 'UNLOCK_BATCH_MQ');
  }

  async consumerSendMessageBack(addr: string, msg: ReceivedMessage, group: string, delayLevel: number, maxReconsumeTimes: number, originTopic: string): Promise<void> {
    const header = encodeConsumerSendMsgBackRequestHeader({
      offset: msg.commitLogOffset,
      group,
      delayLevel,
      originMsgId: msg.msgId,
      originTopic,
      unitMode: false,
      maxReconsumeTimes,
      bname: msg.brokerName,
    });
    await this.invokeBroker(addr, createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, header), 5000, 'CONSUMER_SEND_MSG_BACK');
  }

  async endTransactionOneway(target: string | Channel, header: EndTransactionRequestHeader, remark: string | undefined, timeoutMs: number): Promise<void> {
    const request = createRequest(RequestCode.END_TRANSACTION, encodeEndTransactionRequestHeader(header), undefined, { oneway: true });
    if (remark !== undefined) request.remark = remark;
    if (typeof target === 'string') await this.remoting.invokeOneway(target, request, timeoutMs);
    else await target.invokeOneway(request, timeoutMs);
  }

  /** CHECK_CLIENT_CONFIG: lets the broker validate a SQL92 subscription before consuming. */
  async checkClientInBroker(addr: string, group: string, sub: SubscriptionData): Promise<void> {
    const body = Buffer.from(stringifyRmqJson({ clientId: this.clientId, group, subscriptionData: subscriptionDataJson(sub) }), 'utf8');
    await this.invokeBroker(addr, createRequest(RequestCode.CHECK_CLIENT_CONFIG, {}, body), this.options.mqClientApiTimeout, 'CHECK_CLIENT_CONFIG');
  }

  // -------------------------------------------------------------------------
  // Request-reply

  /** Waits for the reply with this correlation id; the caller times it out. */
  waitReply(correlationId: string, waiter: ReplyWaiter): () => void {
    this.replyWaiters.set(correlationId, waiter);
    return () => {
      this.replyWaiters.delete(correlationId);
    };
  }

  // -------------------------------------------------------------------------
  // Requests from brokers

  private registerProcessors(): void {
    const r = this.remoting;
    r.registerProcessor(RequestCode.CHECK_TRANSACTION_STATE, (req, channel) => {
      this.onCheckTransactionState(req, channel);
      return undefined;
    });
    r.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, () => {
      this.rebalanceImmediately();
      return undefined;
    });
    r.registerProcessor(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, (req) => {
      const h = decodeResetOffsetRequestHeader(req.extFields);
      const table = req.body === undefined || req.body.length === 0 ? [] : decodeResetOffsetBody(req.body).offsetTable;
      const c = this.consumers.get(h.group);
      if (c !== undefined) {
        c.resetOffset(h.topic, table).catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'reset offset failed'));
      }
      return undefined;
    });
    r.registerProcessor(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, (req) => {
      const h = decodeGetConsumerStatusRequestHeader(req.extFields);
      const c = this.consumers.get(h.group);
      const body = encodeGetConsumerStatusBody({ messageQueueTable: c?.offsetTable(h.topic) ?? [], consumerTable: new Map() });
      return createResponse(req, ResponseCode.SUCCESS, undefined, {}, body);
    });
    r.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, (req) => {
      const h = decodeGetConsumerRunningInfoRequestHeader(req.extFields);
      const c = this.consumers.get(h.consumerGroup);
      if (c === undefined) return createResponse(req, ResponseCode.SYSTEM_ERROR, `The Consumer Group <${h.consumerGroup}> not exist in this consumer`);
      const info = c.runningInfo();
      info.properties.set(ConsumerRunningInfoProp.PROP_NAMESERVER_ADDR, this.nameServers.map((a) => `${a};`).join(''));
      info.properties.set(ConsumerRunningInfoProp.PROP_CLIENT_VERSION, CLIENT_VERSION_DESC);
      if (h.jstackEnable) info.jstack = 'Node.js: no thread dump';
      return createResponse(req, ResponseCode.SUCCESS, undefined, {}, encodeConsumerRunningInfo(info));
    });
    r.registerProcessor(RequestCode.CONSUME_MESSAGE_DIRECTLY, async (req) => {
      const h = decodeConsumeMessageDirectlyResultRequestHeader(req.extFields);
      const c = this.consumers.get(h.consumerGroup);
      const decoded = req.body === undefined ? undefined : decodeMessages(req.body, { decompress: true })[0];
      const result = c === undefined || decoded === undefined ? undefined : await c.consumeMessageDirectly(toReceivedMessage(decoded, h.brokerName ?? ''), h.brokerName);
      if (result === undefined) return createResponse(req, ResponseCode.SYSTEM_ERROR, `The Consumer Group <${h.consumerGroup}> not exist in this consumer`);
      return createResponse(req, ResponseCode.SUCCESS, undefined, {}, encodeConsumeMessageDirectlyResult(result));
    });
    r.registerProcessor(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, (req) => {
      try {
        this.onReply(req);
        return createResponse(req, ResponseCode.SUCCESS);
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'bad reply message');
        return createResponse(req, ResponseCode.SYSTEM_ERROR, 'process reply message fail');
      }
    });
  }

  private onCheckTransactionState(req: RemotingCommand, channel: Channel): void {
    const header = decodeCheckTransactionStateRequestHeader(req.extFields);
    const decoded = req.body === undefined ? undefined : decodeMessages(req.body, { decompress: true })[0];
    if (decoded === undefined) {
      this.log.warn({ remote: channel.remoteAddress }, 'checkTransactionState: message could not be decoded');
      return;
    }
    const msg = toReceivedMessage(decoded, header.bname ?? '');
    const uniq = msg.properties[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
    if (uniq !== undefined && uniq.length > 0) msg.transactionId = uniq;
    const group = msg.properties[MessageConst.PROPERTY_PRODUCER_GROUP];
    const producer = group === undefined ? undefined : this.producers.get(group);
    if (producer === undefined) {
      this.log.warn({ group }, 'checkTransactionState: no producer of this group here');
      return;
    }
    producer.checkTransactionState(channel, msg, header);
  }

  private onReply(req: RemotingCommand): void {
    const h = decodeReplyMessageRequestHeader(req.extFields);
    let body = req.body ?? Buffer.alloc(0);
    if ((h.sysFlag & 0x1) !== 0 && body.length > 0) {
      // Reply bodies are compressed by Java repliers over 4 KiB; zlib is the type they use by default.
      body = inflateSync(body);
    }
    const properties = decodeProperties(h.properties ?? '');
    properties[MessageConst.PROPERTY_REPLY_MESSAGE_ARRIVE_TIME] = String(Date.now());
    const keys = properties[MessageConst.PROPERTY_KEYS];
    const msg: ReceivedMessage = {
      topic: h.topic,
      body,
      tags: properties[MessageConst.PROPERTY_TAGS],
      keys: keys === undefined ? [] : keys.split(' ').filter((k) => k.length > 0),
      properties,
      msgId: properties[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX] ?? '',
      offsetMsgId: '',
      brokerName: '',
      queueId: h.queueId,
      queueOffset: -1,
      commitLogOffset: -1,
      reconsumeTimes: h.reconsumeTimes ?? 0,
      bornTimestamp: h.bornTimestamp,
      bornHost: h.bornHost,
      storeTimestamp: h.storeTimestamp,
      storeHost: h.storeHost,
      sysFlag: h.sysFlag,
      flag: h.flag,
      preparedTransactionOffset: 0,
      transactionId: undefined,
    };
    const correlationId = properties[MessageConst.PROPERTY_CORRELATION_ID];
    const waiter = correlationId === undefined ? undefined : this.replyWaiters.get(correlationId);
    if (waiter === undefined) {
      this.log.warn({ correlationId, bornHost: h.bornHost }, 'reply message matches no request');
      return;
    }
    this.replyWaiters.delete(correlationId!);
    waiter.resolve(msg);
  }
}

