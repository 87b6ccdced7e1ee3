/**
 * The broker (BrokerController.java): owns the store, the config managers,
 * the client tables, long polling and the remoting servers; wires request
 * codes to processors; keeps the NameServers informed; persists and stops
 * cleanly.
 *
 *   start(): load topics/groups/offsets -> listen (listenPort, and the VIP
 *   port listenPort-2) -> open the store (STOREHOST = brokerIP1:port) ->
 *   register processors -> timers -> register with every NameServer.
 *   close(): unregister -> stop listening -> stop the store -> write
 *   offsets, topics and groups.
 */
import { networkInterfaces, homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ErrorCode, type Logger, RmqError, errorMessage, silentLogger } from '@rocketmq-ts/common';
import {
  type RegisterBrokerResult,
  type TopicConfig,
  DEFAULT_VERSION,
  RequestCode,
  ResponseCode,
  createResponse,
  isReadable,
  isWriteable,
} from '@rocketmq-ts/protocol';
import {
  type Channel,
  type RemotingServerOptions,
  type RequestHandler,
  RemotingServer,
  requestNotSupportedRemark,
} from '@rocketmq-ts/remoting';
import {
  BrokerConfigFiles,
  DefaultMessageStore,
  type HARuntimeInfo,
  type MessageArrivalEvent,
  type MessageStore,
  type MessageStoreOptions,
  parseDelayLevels,
  parseMessageStoreOptions,
} from '@rocketmq-ts/store';
import { Broker2Client } from './client/broker2client.js';
import { ConsumerManager } from './client/consumer-manager.js';
import { ProducerManager } from './client/producer-manager.js';
import { type BrokerConfig, resolveBrokerConfig, splitNamesrvAddr } from './config.js';
import type { BrokerContext, DelayDelivery, TransactionService } from './context.js';
import { BrokerFeatures } from './features.js';
import { ConsumerFilterManager } from './filter/consumer-filter-manager.js';
import { BrokerReplication } from './ha/broker-replication.js';
import { PullRequestHoldService } from './longpolling/pull-request-hold-service.js';
import { ConsumerOffsetManager } from './offset/consumer-offset-manager.js';
import { BrokerOuterAPI } from './out/broker-outer-api.js';
import { AdminProcessor } from './processor/admin.js';
import { BrokerConfiguration, STORE_LIVE_KEYS } from './processor/admin/configuration.js';
import { ClientManageProcessor } from './processor/client-manage.js';
import { ConsumerManageProcessor } from './processor/consumer-manage.js';
import { PullMessageProcessor } from './processor/pull.js';
import { QueryMessageProcessor } from './processor/query.js';
import { SendMessageProcessor } from './processor/send.js';
import { RequestPool, inlineExecutor, logFailure } from './request-pool.js';
import { BrokerStats } from './stats/broker-stats.js';
import { BrokerStatsManager, type StatsSamplingIntervals, defaultStatsSamplingIntervals } from './stats/broker-stats-manager.js';
import { type BrokerMetrics, collectBrokerMetrics } from './stats/metrics.js';
import { SubscriptionGroupManager } from './subscription/subscription-group-manager.js';
import { TopicConfigManager } from './topic/topic-config-manager.js';

export interface BrokerInit {
  /**
   * Settings by their RocketMQ property names; missing ones take the
   * defaults of {@link brokerConfigSchema}. Checked like a properties file.
   * @defaultValue {}
   */
  readonly config?: Readonly<Partial<BrokerConfig>>;
  /** @defaultValue silentLogger */
  readonly logger?: Logger;
  /**
   * Remoting limits beyond what the config sets (listen port and host, idle time).
   * @defaultValue {}
   */
  readonly remoting?: Partial<RemotingServerOptions>;
  /**
   * Store options beyond those the config maps (tests shorten the store's timers here).
   * @defaultValue {}
   */
  readonly store?: Readonly<Partial<MessageStoreOptions>>;
  /**
   * Replaces the built-in delayed delivery (a test seam): sends are routed
   * with its maxDelayLevel and nothing delivers SCHEDULE_TOPIC_XXXX.
   * @defaultValue the built-in ScheduleMessageService
   */
  readonly delayDelivery?: DelayDelivery;
  /**
   * Replaces where prepared messages are stored (a test seam); END_TRANSACTION
   * and the checks still work on the half topic.
   * @defaultValue the built-in TransactionalMessageService
   */
  readonly transactions?: TransactionService;
  /**
   * The properties file the broker was started with (mqbroker -c):
   * UPDATE_BROKER_CONFIG rewrites it with every key, as Java does.
   * @defaultValue <storePathRootDir>/config/broker.properties
   */
  readonly configFile?: string;
  /**
   * How often the broker stats windows are sampled (tests shorten them).
   * @defaultValue 10 s, 10 min, 1 h (Java's)
   */
  readonly statsSampling?: Partial<StatsSamplingIntervals>;
}

type State = 'new' | 'starting' | 'running' | 'closing' | 'closed';

/** Concurrent async handlers per family before requests queue (the thread counts of Java's pools). */
const SEND_CONCURRENCY = 1024;
const PULL_CONCURRENCY = 256;
const QUERY_CONCURRENCY = 16;
const OTHER_CONCURRENCY = 64;
/** Java's adminBrokerExecutor has an unbounded queue; ours stops somewhere. */
const ADMIN_QUEUE_CAPACITY = 100_000;
/** BrokerFastFailure runs every 10 ms. */
const FAST_FAILURE_INTERVAL_MS = 10;

/** RemotingUtil.getLocalAddress, roughly: the first non-loopback IPv4 address, else 127.0.0.1. */
export function localAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function resolvePath(p: string, base: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}

export class Broker implements BrokerContext {
  readonly config: BrokerConfig;
  readonly log: Logger;
  readonly topics: TopicConfigManager;
  readonly groups: SubscriptionGroupManager;
  readonly offsets: ConsumerOffsetManager;
  readonly consumers: ConsumerManager;
  readonly producers: ProducerManager;
  readonly filters = new ConsumerFilterManager();
  readonly pullHold: PullRequestHoldService;
  readonly broker2Client: Broker2Client;
  readonly delayDelivery: DelayDelivery | undefined;
  readonly transactions: TransactionService | undefined;
  /** Delayed, timed and transactional messages, request-reply, queue locks. */
  readonly features: BrokerFeatures;
  /** TOPIC_PUT_NUMS, GROUP_GET_NUMS... with minute/hour/day windows (BrokerStatsManager). */
  readonly stats: BrokerStatsManager;
  /** The store's put/get totals at the last midnights (BrokerStats). */
  readonly brokerStats: BrokerStats;
  /** Every config key as UPDATE_BROKER_CONFIG / GET_BROKER_CONFIG see it, and the file it is persisted to. */
  readonly configuration: BrokerConfiguration;
  /** Absolute store paths, as resolved from the config. */
  readonly storePaths: { readonly root: string; readonly commitLog: string };

  private readonly baseLog: Logger;
  private readonly init: BrokerInit;
  private readonly files: BrokerConfigFiles;
  private readonly outer: BrokerOuterAPI;
  private readonly pools: Record<'send' | 'pull' | 'query' | 'clientManage' | 'heartbeat' | 'consumerManage' | 'admin' | 'endTransaction' | 'reply', RequestPool>;
  private readonly pullProcessor: PullMessageProcessor;
  private readonly replication: BrokerReplication;
  private server: RemotingServer | undefined;
  private vipServer: RemotingServer | undefined;
  private storeImpl: DefaultMessageStore | undefined;
  /** The options object the store reads; live config updates are written into it. */
  private storeOpts: MessageStoreOptions | undefined;
  private state: State = 'new';
  private boundPort = 0;
  private vipPortBound: number | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly codes = new Set<number>();
  private registering: Promise<void> = Promise.resolve();
  private registerScheduled = false;
  private closing: Promise<void> | undefined;
  private bootTimestamp = 0;
  /** What the NameServer answered last (the master and HA addresses a slave will need). */
  lastRegisterResult: RegisterBrokerResult | undefined;

  constructor(init: BrokerInit = {}) {
    this.init = init;
    const config = resolveBrokerConfig(init.config ?? {});
    if (config.brokerIP1 === '') config.brokerIP1 = localAddress();
    if (config.brokerIP2 === '') config.brokerIP2 = config.brokerIP1;
    this.config = config;
    const root = resolvePath(config.storePathRootDir === '' ? join(homedir(), 'store') : config.storePathRootDir, process.cwd());
    const commitLog = config.storePathCommitLog === '' ? join(root, 'commitlog') : resolvePath(config.storePathCommitLog, process.cwd());
    this.storePaths = { root, commitLog };
    this.baseLog = init.logger ?? silentLogger;
    this.log = this.baseLog.child({ component: 'broker', broker: config.brokerName });
    this.files = new BrokerConfigFiles(root, undefined, this.log);
    this.topics = new TopicConfigManager({ config, files: this.files, logger: this.log, onTopicCreated: (tc) => this.onTopicCreated(tc) });
    this.groups = new SubscriptionGroupManager({ config, files: this.files, logger: this.log });
    this.offsets = new ConsumerOffsetManager({ files: this.files, logger: this.log });
    this.broker2Client = new Broker2Client(this.log);
    this.consumers = new ConsumerManager(
      {
        change: (group, channels) => {
          if (!this.config.notifyConsumerIdsChangedEnable) return;
          for (const ch of channels) this.broker2Client.notifyConsumerIdsChanged(ch, group);
        },
        register: (group, subs) => this.filters.register(group, subs),
        unregister: (group) => this.filters.unregister(group),
      },
      this.log,
    );
    this.producers = new ProducerManager(this.log);
    this.stats = new BrokerStatsManager({ clusterName: config.brokerClusterName, enableQueueStat: config.enableDetailStat });
    this.brokerStats = new BrokerStats(() => {
      const s = this.storeImpl?.getStats();
      return { putTotal: s?.putMessageTimesTotal ?? 0, getTotal: s?.getMessageTransferedMsgCount ?? 0 };
    });
    this.configuration = new BrokerConfiguration({
      config,
      configFile: init.configFile ?? join(root, 'config', 'broker.properties'),
      logger: this.log,
      onApplied: (changed) => this.applyConfigChanges(changed),
    });
    this.outer = new BrokerOuterAPI(this.log);
    this.outer.updateNameServerAddressList(splitNamesrvAddr(config.namesrvAddr));
    const fastFailure = config.brokerFastFailureEnable;
    const pool = (name: string, concurrency: number, queueCapacity: number, maxWaitMs: number): RequestPool =>
      new RequestPool(name, { concurrency, queueCapacity, maxWaitMs: fastFailure ? maxWaitMs : 0 }, this.log);
    this.pools = {
      send: pool('send', SEND_CONCURRENCY, config.sendThreadPoolQueueCapacity, config.waitTimeMillsInSendQueue),
      pull: pool('pull', PULL_CONCURRENCY, config.pullThreadPoolQueueCapacity, config.waitTimeMillsInPullQueue),
      query: pool('query', QUERY_CONCURRENCY, config.queryThreadPoolQueueCapacity, 0),
      clientManage: pool('clientManage', OTHER_CONCURRENCY, config.clientManagerThreadPoolQueueCapacity, 0),
      heartbeat: pool('heartbeat', OTHER_CONCURRENCY, config.heartbeatThreadPoolQueueCapacity, config.waitTimeMillsInHeartbeatQueue),
      consumerManage: pool('consumerManage', OTHER_CONCURRENCY, config.consumerManagerThreadPoolQueueCapacity, 0),
      admin: pool('admin', OTHER_CONCURRENCY, ADMIN_QUEUE_CAPACITY, 0),
      endTransaction: pool('endTransaction', OTHER_CONCURRENCY, config.endTransactionPoolQueueCapacity, config.waitTimeMillsInTransactionQueue),
      reply: pool('reply', OTHER_CONCURRENCY, config.replyThreadPoolQueueCapacity, 0),
    };
    this.features = new BrokerFeatures(this, {
      files: this.files,
      readUnits: (topic, queueId, offset, max) => this.storeImpl?.getConsumeQueue(topic, queueId)?.readUnits(offset, max) ?? Promise.resolve(undefined),
      logger: this.log,
    });
    this.delayDelivery = init.delayDelivery ?? this.features.schedule;
    this.transactions = init.transactions ?? this.features.transactions;
    this.pullProcessor = new PullMessageProcessor(this);
    this.replication = new BrokerReplication({
      config,
      logger: this.baseLog,
      topics: this.topics,
      groups: this.groups,
      offsets: this.offsets,
      files: this.files,
      brokerAddr: () => this.brokerAddr,
    });
    this.pullHold = new PullRequestHoldService({
      maxOffset: (topic, queueId) => this.store.getMaxOffsetInQueue(topic, queueId),
      // Not from inside the store's dispatch: the woken pull reads the store.
      wakeUp: (pr) => queueMicrotask(() => this.pullProcessor.wakeUp(pr)),
      checkIntervalMs: config.longPollingEnable ? 1000 : Math.max(10, config.shortPollingTimeMills),
      logger: this.log,
    });
  }

  // ---------------------------------------------------------------------------
  // What processors and tools see

  /** The started store. Throws STATE before start() opened it. */
  get store(): MessageStore {
    if (this.storeImpl === undefined) throw new RmqError(ErrorCode.STATE, 'the broker has not opened its store yet');
    return this.storeImpl;
  }

  /** The port listened on (the actual one when listenPort is 0). */
  get port(): number {
    return this.boundPort;
  }

  /** The VIP port (listenPort-2), when listening there. */
  get vipPort(): number | undefined {
    return this.vipPortBound;
  }

  /** brokerIP1:port, the address registered with NameServers and clients connect to. */
  get brokerAddr(): string {
    return `${this.config.brokerIP1}:${this.boundPort}`;
  }

  get storeHost(): string {
    return this.brokerAddr;
  }

  /** brokerIP2:haListenPort (listenPort+1 unless set; the port bound once started), registered for slaves. */
  get haServerAddr(): string {
    const bound = this.replication.haListenPort;
    const ha = bound > 0 ? bound : this.config.haListenPort > 0 ? this.config.haListenPort : this.boundPort + 1;
    return `${this.config.brokerIP2}:${ha}`;
  }

  /** Replication state: slaves, acks, lag (on a master); the master connection (on a slave). Undefined before start. */
  haRuntimeInfo(): HARuntimeInfo | undefined {
    return this.replication.haRuntimeInfo();
  }

  /** The store's HA service while running (tools and benchmarks). */
  get haService(): BrokerReplication['service'] {
    return this.replication.service;
  }

  /** A slave's config sync (SlaveSynchronize); undefined on a master. */
  get slaveSynchronize(): BrokerReplication['slaveSync'] {
    return this.replication.slaveSync;
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** The request codes this broker answers (the rest: REQUEST_CODE_NOT_SUPPORTED). */
  registeredRequestCodes(): number[] {
    return [...this.codes].sort((a, b) => a - b);
  }

  runtimeInfo(): Record<string, string> {
    const p = this.pools;
    const out: Record<string, string> = {
      brokerVersionDesc: 'V4_9_4',
      brokerVersion: String(DEFAULT_VERSION),
      sendThreadPoolQueueSize: String(p.send.queued),
      sendThreadPoolQueueCapacity: String(this.config.sendThreadPoolQueueCapacity),
      sendThreadPoolQueueHeadWaitTimeMills: String(p.send.headWaitMs()),
      pullThreadPoolQueueSize: String(p.pull.queued),
      pullThreadPoolQueueCapacity: String(this.config.pullThreadPoolQueueCapacity),
      pullThreadPoolQueueHeadWaitTimeMills: String(p.pull.headWaitMs()),
      queryThreadPoolQueueSize: String(p.query.queued),
      queryThreadPoolQueueCapacity: String(this.config.queryThreadPoolQueueCapacity),
      queryThreadPoolQueueHeadWaitTimeMills: String(p.query.headWaitMs()),
      EndTransactionQueueSize: String(p.endTransaction.queued),
      EndTransactionThreadPoolQueueCapacity: String(this.config.endTransactionPoolQueueCapacity),
      startAcceptSendRequestTimeStamp: '0',
      heldPullRequests: String(this.pullHold.size),
      consumerGroupsOnline: String(this.consumers.table.size),
      producerGroupsOnline: String(this.producers.groupChannelTable.size),
      brokerBootTimestamp: String(this.bootTimestamp),
    };
    if (this.storeImpl !== undefined) {
      const s = this.storeImpl.getRuntimeInfo();
      Object.assign(out, s);
      out['commitLogMinOffset'] = String(this.storeImpl.getMinPhyOffset());
      out['commitLogMaxOffset'] = String(this.storeImpl.getMaxPhyOffset());
      this.features.buildRunningStats(out);
    }
    Object.assign(out, this.replication.runtimeInfo());
    return out;
  }

  // ---------------------------------------------------------------------------
  // Lifecycle

  async start(): Promise<void> {
    if (this.state !== 'new') throw new RmqError(ErrorCode.STATE, `the broker cannot start: it is ${this.state}`);
    this.state = 'starting';
    const config = this.config;
    try {
      await this.topics.load();
      await this.groups.load();
      await this.offsets.load();

      const remoting: Partial<RemotingServerOptions> = {
        channelMaxIdleTimeSeconds: config.serverChannelMaxIdleTimeSeconds,
        ...this.init.remoting,
      };
      const server = new RemotingServer({ logger: this.baseLog, ...remoting });
      this.server = server;
      this.prepareServer(server);
      this.boundPort = await server.listen(config.listenPort, config.listenHost);
      if (config.vipChannelEnable && config.listenPort > 2) {
        const vip = new RemotingServer({ logger: this.baseLog, ...remoting });
        this.prepareServer(vip);
        try {
          this.vipPortBound = await vip.listen(config.listenPort - 2, config.listenHost);
          this.vipServer = vip;
        } catch (err) {
          // Java refuses to start; here only clients asking for the VIP channel (before 4.7 by default) are affected.
          this.log.warn({ port: config.listenPort - 2, err: errorMessage(err) }, 'cannot listen on the VIP port (listenPort-2); continuing without it');
          await vip.close();
        }
      }

      this.storeOpts = this.storeOptions();
      const store = new DefaultMessageStore(this.storeOpts, { logger: this.baseLog });
      store.setMessageArrivalListener((e) => this.onMessageArrival(e));
      await store.start();
      this.storeImpl = store;
      await this.replication.start(store, this.boundPort);
      await this.features.start();

      this.registerProcessors(server, false);
      if (this.vipServer !== undefined) this.registerProcessors(this.vipServer, true);
      this.startTimers();
      this.bootTimestamp = Date.now();
      this.state = 'running';
      await this.registerBrokerAll(true, false, true);
      this.log.info({ addr: this.brokerAddr, vipPort: this.vipPortBound, namesrv: this.outer.nameServerAddressList }, 'broker started');
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'broker failed to start');
      await this.stopEverything(false).catch(() => undefined);
      this.state = 'closed';
      throw err;
    }
  }

  /** Unregisters from the NameServers, stops serving, stops the store and writes the config files. Idempotent. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    if (this.state === 'new' || this.state === 'closed') {
      this.state = 'closed';
      this.closing = Promise.resolve();
      return this.closing;
    }
    this.closing = this.stopEverything(true).finally(() => {
      this.state = 'closed';
      this.log.info('broker stopped');
    });
    return this.closing;
  }

  private async stopEverything(unregister: boolean): Promise<void> {
    this.state = 'closing';
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.stats.shutdown();
    this.brokerStats.shutdown();
    if (unregister) {
      await this.registering.catch(() => undefined);
      await this.outer.unregisterBrokerAll(this.identity());
    }
    for (const p of Object.values(this.pools)) p.rejectAll('[SHUTDOWN]broker is shutting down');
    this.pullHold.shutdown();
    await Promise.all([this.server?.close(), this.vipServer?.close()]);
    await this.replication.close();
    if (this.storeImpl !== undefined) await this.features.shutdown();
    await this.storeImpl?.shutdown();
    await this.offsets.persist(true);
    await Promise.all([this.offsets.idle(), this.topics.idle(), this.groups.idle()]);
    await this.outer.close();
  }

  private storeOptions(): MessageStoreOptions {
    const c = this.config;
    return parseMessageStoreOptions({
      storePathRootDir: this.storePaths.root,
      storePathCommitLog: this.storePaths.commitLog,
      mappedFileSizeCommitLog: c.mappedFileSizeCommitLog,
      mappedFileSizeConsumeQueue: c.mappedFileSizeConsumeQueue,
      flushDiskType: c.flushDiskType,
      flushIntervalCommitLog: c.flushIntervalCommitLog,
      flushCommitLogLeastPages: c.flushCommitLogLeastPages,
      flushCommitLogThoroughInterval: c.flushCommitLogThoroughInterval,
      syncFlushTimeout: c.syncFlushTimeout,
      flushIntervalConsumeQueue: c.flushIntervalConsumeQueue,
      brokerRole: c.brokerRole,
      slaveTimeout: c.slaveTimeout,
      maxMessageSize: c.maxMessageSize,
      checkCRCOnRecover: c.checkCRCOnRecover,
      messageIndexEnable: c.messageIndexEnable,
      maxHashSlotNum: c.maxHashSlotNum,
      maxIndexNum: c.maxIndexNum,
      messageDelayLevel: c.messageDelayLevel,
      deleteWhen: c.deleteWhen,
      fileReservedTime: c.fileReservedTime,
      diskMaxUsedSpaceRatio: c.diskMaxUsedSpaceRatio,
      cleanFileForciblyEnable: c.cleanFileForciblyEnable,
      cleanResourceInterval: c.cleanResourceInterval,
      maxTransferBytesOnMessageInMemory: c.maxTransferBytesOnMessageInMemory,
      maxTransferCountOnMessageInMemory: c.maxTransferCountOnMessageInMemory,
      maxTransferBytesOnMessageInDisk: c.maxTransferBytesOnMessageInDisk,
      maxTransferCountOnMessageInDisk: c.maxTransferCountOnMessageInDisk,
      accessMessageInMemoryMaxRatio: c.accessMessageInMemoryMaxRatio,
      osPageCacheBusyTimeOutMills: c.osPageCacheBusyTimeOutMills,
      storeHost: this.storeHost,
      ...this.init.store,
    });
  }

  /** The highest delay level the config defines (what delayed delivery will clamp to). */
  get maxDelayLevel(): number {
    return parseDelayLevels(this.config.messageDelayLevel).length;
  }

  // ---------------------------------------------------------------------------
  // Requests

  /** Before the store is open every request is answered busy; unknown codes always get REQUEST_CODE_NOT_SUPPORTED. */
  private prepareServer(server: RemotingServer): void {
    server.registerDefaultProcessor(
      (request) => {
        if (this.state === 'starting') return createResponse(request, ResponseCode.SYSTEM_BUSY, '[STARTING]broker is starting, try again shortly');
        return createResponse(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, requestNotSupportedRemark(request.code));
      },
      { executor: inlineExecutor },
    );
    // ClientHousekeepingService: a closed (or idle-closed) connection leaves the client tables at once.
    server.on('channelClose', (channel) => this.onChannelClose(channel));
  }

  private registerProcessors(server: RemotingServer, vip: boolean): void {
    const p = this.pools;
    const add = (code: number, pool: RequestPool, handler: RequestHandler, rejectRequest?: () => boolean): void => {
      server.registerProcessor(code, pool.wrap(handler), rejectRequest === undefined ? { executor: inlineExecutor } : { executor: inlineExecutor, rejectRequest });
      this.codes.add(code);
    };
    const send = new SendMessageProcessor(this);
    const storeBusy = (): boolean => this.storeImpl?.isOSPageCacheBusy() ?? false;
    add(RequestCode.SEND_MESSAGE, p.send, send.processSend, storeBusy);
    add(RequestCode.SEND_MESSAGE_V2, p.send, send.processSend, storeBusy);
    add(RequestCode.SEND_BATCH_MESSAGE, p.send, send.processSend, storeBusy);
    add(RequestCode.CONSUMER_SEND_MSG_BACK, p.send, send.processSendBack, storeBusy);
    // As Java: the VIP channel serves everything but pulls.
    if (!vip) {
      add(RequestCode.PULL_MESSAGE, p.pull, this.pullProcessor.processPull);
      add(RequestCode.LITE_PULL_MESSAGE, p.pull, this.pullProcessor.processPull);
    }
    const query = new QueryMessageProcessor(this);
    add(RequestCode.QUERY_MESSAGE, p.query, query.queryMessage);
    add(RequestCode.VIEW_MESSAGE_BY_ID, p.query, query.viewMessageById);
    const client = new ClientManageProcessor(this);
    add(RequestCode.HEART_BEAT, p.heartbeat, client.heartBeat);
    add(RequestCode.UNREGISTER_CLIENT, p.clientManage, client.unregisterClient);
    add(RequestCode.CHECK_CLIENT_CONFIG, p.clientManage, client.checkClientConfig);
    const consumer = new ConsumerManageProcessor(this);
    add(RequestCode.GET_CONSUMER_LIST_BY_GROUP, p.consumerManage, consumer.getConsumerListByGroup);
    add(RequestCode.UPDATE_CONSUMER_OFFSET, p.consumerManage, consumer.updateConsumerOffset);
    add(RequestCode.QUERY_CONSUMER_OFFSET, p.consumerManage, consumer.queryConsumerOffset);
    for (const [code, handler] of new AdminProcessor(this).handlers()) add(code, p.admin, handler);
    this.features.registerProcessors(add, p, send, storeBusy);
  }

  private onMessageArrival(e: MessageArrivalEvent): void {
    this.features.onArrival(e);
    if (this.pullHold.size === 0) return;
    this.pullHold.notifyMessageArriving(e.topic, e.queueId, e.queueOffset + 1, e.tagsCode, () => e.properties);
  }

  private onChannelClose(channel: Channel): void {
    this.producers.doChannelCloseEvent(channel);
    this.consumers.doChannelCloseEvent(channel);
  }

  private startTimers(): void {
    const every = (ms: number, what: string, fn: () => void | Promise<void>): void => {
      const t = setInterval(() => {
        try {
          const r = fn();
          if (r !== undefined) r.catch(logFailure(this.log, what));
        } catch (err) {
          logFailure(this.log, what)(err);
        }
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    const c = this.config;
    every(c.flushConsumerOffsetInterval, 'persisting consumer offsets failed', () => this.offsets.persist());
    every(c.clientHousekeepingInterval, 'scanning for silent clients failed', () => {
      this.scanNotActiveChannels();
    });
    every(c.registerNameServerPeriod, 'registering with the NameServers failed', () => this.registerBrokerAll(true, false, c.forceRegister));
    if (c.brokerFastFailureEnable) every(FAST_FAILURE_INTERVAL_MS, 'fast failure failed', () => this.cleanExpiredRequests());
    this.pullHold.start();
    this.stats.start({ ...defaultStatsSamplingIntervals(), ...this.init.statsSampling });
    this.brokerStats.start((b) => this.log.info({ yesterdayPut: b.msgPutTotalTodayMorning - b.msgPutTotalYesterdayMorning, yesterdayGet: b.msgGetTotalTodayMorning - b.msgGetTotalYesterdayMorning }, 'daily totals'));
  }

  /** BrokerFastFailure: answer requests that waited too long rather than serving them late. */
  private cleanExpiredRequests(): void {
    const now = Date.now();
    if (this.storeImpl?.isOSPageCacheBusy() === true) this.pools.send.cleanAll(now);
    this.pools.send.cleanExpired(now);
    this.pools.pull.cleanExpired(now);
    this.pools.heartbeat.cleanExpired(now);
    this.pools.endTransaction.cleanExpired(now);
  }

  /** ClientHousekeepingService: connections silent past channelExpiredTimeout are closed (and so leave the tables). */
  scanNotActiveChannels(now = Date.now()): number {
    const expiredMs = this.config.channelExpiredTimeout;
    const expired = [...this.producers.expiredChannels(now, expiredMs), ...this.consumers.expiredChannels(now, expiredMs)];
    const channels = new Set(expired.map((i) => i.channel));
    for (const ch of channels) {
      this.log.warn({ remote: ch.remoteAddress, expiredMs }, 'SCAN: remove expired channel');
      // Closing fires channelClose, which removes the client and notifies its groups.
      if (ch.isOpen) void ch.close();
      else this.onChannelClose(ch);
    }
    return channels.size;
  }

  /** UPDATE_BROKER_CONFIG changed keys the running broker reads: hand them to whoever holds a copy. */
  private applyConfigChanges(changed: ReadonlyMap<string, unknown>): void {
    if (changed.has('namesrvAddr')) this.outer.updateNameServerAddressList(splitNamesrvAddr(this.config.namesrvAddr));
    const opts = this.storeOpts as Record<string, unknown> | undefined;
    if (opts === undefined) return;
    // The store reads these from its options object on each use.
    for (const [k, v] of changed) if (STORE_LIVE_KEYS.has(k)) opts[k] = v;
  }

  /** A typed snapshot of the broker's metrics, for an in-process exporter (the remoting admin codes serve the same figures). */
  metrics(): BrokerMetrics {
    return collectBrokerMetrics({
      clusterName: this.config.brokerClusterName,
      brokerName: this.config.brokerName,
      brokerAddr: this.brokerAddr,
      store: this.storeImpl,
      pools: this.pools,
      producers: this.producers,
      consumers: this.consumers,
      pullHold: this.pullHold,
      brokerStats: this.brokerStats,
      stats: this.stats,
    });
  }

  /**
   * Creates (or replaces) a topic and tells the NameServers at once, as
   * UPDATE_AND_CREATE_TOPIC does; for tools and tests until the admin codes land.
   */
  async createTopic(topic: string, queueNums: number = this.config.defaultTopicQueueNums, perm = 6): Promise<TopicConfig> {
    const tc: TopicConfig = { topicName: topic, readQueueNums: queueNums, writeQueueNums: queueNums, perm, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false };
    this.topics.updateTopicConfig(tc);
    await this.registerBrokerAll(false, false, true);
    return tc;
  }

  // ---------------------------------------------------------------------------
  // NameServer registration

  private identity(): { clusterName: string; brokerAddr: string; brokerName: string; brokerId: number } {
    return { clusterName: this.config.brokerClusterName, brokerAddr: this.brokerAddr, brokerName: this.config.brokerName, brokerId: this.config.brokerId };
  }

  /** A send created a topic: register soon (once for a burst of new topics), oneway and forced, as Java. */
  private onTopicCreated(tc: TopicConfig): void {
    this.log.info({ topic: tc.topicName }, 'topic created; registering with the NameServers');
    if (this.registerScheduled || this.state !== 'running') return;
    this.registerScheduled = true;
    setImmediate(() => {
      this.registerScheduled = false;
      this.registerBrokerAll(false, true, true).catch(logFailure(this.log, 'registering with the NameServers failed'));
    });
  }

  /**
   * registerBrokerAll: every topic (with the broker's permission if it is
   * not read-write) to every NameServer; without forceRegister only when a
   * NameServer's data version differs (QUERY_DATA_VERSION). One at a time.
   */
  registerBrokerAll(checkOrderConfig: boolean, oneway: boolean, forceRegister: boolean): Promise<void> {
    const next = this.registering.then(() => this.doRegisterBrokerAll(checkOrderConfig, oneway, forceRegister));
    this.registering = next.catch(() => undefined);
    return next;
  }

  private async doRegisterBrokerAll(checkOrderConfig: boolean, oneway: boolean, forceRegister: boolean): Promise<void> {
    if (this.outer.nameServerAddressList.length === 0 || this.state !== 'running') return;
    const c = this.config;
    const wrapper = this.topics.buildTopicConfigSerializeWrapper();
    if (!isWriteable(c.brokerPermission) || !isReadable(c.brokerPermission)) {
      for (const [name, tc] of wrapper.topicConfigTable) {
        wrapper.topicConfigTable.set(name, {
          topicName: name,
          readQueueNums: tc.readQueueNums,
          writeQueueNums: tc.writeQueueNums,
          perm: c.brokerPermission,
          topicFilterType: 'SINGLE_TAG',
          topicSysFlag: 0,
          order: false,
        });
      }
    }
    if (!forceRegister) {
      const changed = await this.outer.needRegister(this.identity(), wrapper.dataVersion, c.registerBrokerTimeoutMills);
      if (!changed.some((x) => x)) return;
    }
    const results = await this.outer.registerBrokerAll({
      ...this.identity(),
      haServerAddr: this.haServerAddr,
      topicConfigWrapper: wrapper,
      filterServerList: [],
      oneway,
      timeoutMs: c.registerBrokerTimeoutMills,
      compressed: c.compressedRegister,
    });
    const first = results[0];
    if (first !== undefined) {
      this.lastRegisterResult = first;
      this.replication.onRegisterResult(first);
      // An absent or empty ORDER_TOPIC_CONFIG leaves the order flags alone (Java gets null then).
      if (checkOrderConfig && first.kvTable.table.size > 0) this.topics.updateOrderTopicConfig(first.kvTable);
    }
  }
}
