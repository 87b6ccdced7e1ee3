/**
 * Broker configuration: RocketMQ's property names (BrokerConfig,
 * MessageStoreConfig and NettyServerConfig of 4.9.x), typed, with their
 * Java defaults unless a comment says why ours differ.
 */
import { type ConfigOf, type ConfigSchema, type ParsedConfig, RmqError, ErrorCode, parseConfig } from '@rocketmq-ts/common';
import { parseAddress } from '@rocketmq-ts/remoting';

export const BROKER_ROLES = ['ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE'] as const;
export type BrokerRole = (typeof BROKER_ROLES)[number];
export const FLUSH_DISK_TYPES = ['ASYNC_FLUSH', 'SYNC_FLUSH'] as const;
export type FlushDiskType = (typeof FLUSH_DISK_TYPES)[number];

export const brokerConfigSchema = {
  // --- identity and cluster (BrokerConfig)
  brokerClusterName: { type: 'string', default: 'DefaultCluster', doc: 'cluster this broker belongs to' },
  brokerName: { type: 'string', default: 'broker-a', doc: 'master and slaves share it; Java defaults to the host name' },
  brokerId: { type: 'int', default: 0, min: 0, doc: '0 is the master, >0 a slave' },
  brokerRole: { type: 'enum', values: BROKER_ROLES, default: 'ASYNC_MASTER' },
  namesrvAddr: { type: 'string', default: '', doc: 'NameServer addresses separated by ;' },
  brokerIP1: { type: 'string', default: '', doc: 'address registered with the NameServer; empty = first non-loopback IPv4, else 127.0.0.1' },
  brokerIP2: { type: 'string', default: '', doc: 'address slaves use for HA; empty = brokerIP1' },
  brokerPermission: { type: 'int', default: 6, min: 0, max: 7 },
  rocketmqHome: { type: 'string', default: '' },
  // --- topics and groups
  defaultTopicQueueNums: { type: 'int', default: 8, min: 1, max: 1024 },
  autoCreateTopicEnable: { type: 'boolean', default: true },
  clusterTopicEnable: { type: 'boolean', default: true },
  brokerTopicEnable: { type: 'boolean', default: true },
  autoCreateSubscriptionGroup: { type: 'boolean', default: true },
  msgTraceTopicName: { type: 'string', default: 'RMQ_SYS_TRACE_TOPIC' },
  traceTopicEnable: { type: 'boolean', default: false },
  // --- request queues (our processors bound their queues with these)
  sendThreadPoolQueueCapacity: { type: 'int', default: 10000, min: 1 },
  putThreadPoolQueueCapacity: { type: 'int', default: 10000, min: 1 },
  pullThreadPoolQueueCapacity: { type: 'int', default: 100000, min: 1 },
  replyThreadPoolQueueCapacity: { type: 'int', default: 10000, min: 1 },
  queryThreadPoolQueueCapacity: { type: 'int', default: 20000, min: 1 },
  clientManagerThreadPoolQueueCapacity: { type: 'int', default: 1000000, min: 1 },
  consumerManagerThreadPoolQueueCapacity: { type: 'int', default: 1000000, min: 1 },
  heartbeatThreadPoolQueueCapacity: { type: 'int', default: 50000, min: 1 },
  endTransactionPoolQueueCapacity: { type: 'int', default: 100000, min: 1 },
  brokerFastFailureEnable: { type: 'boolean', default: true },
  waitTimeMillsInSendQueue: { type: 'int', default: 200, min: 0 },
  waitTimeMillsInPullQueue: { type: 'int', default: 5000, min: 0 },
  waitTimeMillsInHeartbeatQueue: { type: 'int', default: 31000, min: 0 },
  waitTimeMillsInTransactionQueue: { type: 'int', default: 3000, min: 0 },
  // --- consumption
  flushConsumerOffsetInterval: { type: 'int', default: 5000, min: 100 },
  longPollingEnable: { type: 'boolean', default: true },
  shortPollingTimeMills: { type: 'int', default: 1000, min: 0 },
  notifyConsumerIdsChangedEnable: { type: 'boolean', default: true },
  channelExpiredTimeout: { type: 'int', default: 120000, min: 1, doc: 'ms without a heartbeat before a client connection is dropped (5.x key)' },
  clientHousekeepingInterval: { type: 'int', default: 10000, min: 10, doc: 'rocketmq-ts: ms between scans for silent clients (Java: 10 s, fixed)' },
  slaveReadEnable: { type: 'boolean', default: false },
  consumerFallbehindThreshold: { type: 'int', default: 17179869184, min: 0 },
  disableConsumeIfConsumerReadSlowly: { type: 'boolean', default: false },
  enablePropertyFilter: { type: 'boolean', default: false },
  filterSupportRetry: { type: 'boolean', default: false },
  maxDelayTime: { type: 'int', default: 40, min: 0 },
  // --- NameServer registration
  registerNameServerPeriod: { type: 'int', default: 30000, min: 1000, max: 60000 },
  registerBrokerTimeoutMills: { type: 'int', default: 6000, min: 100 },
  compressedRegister: { type: 'boolean', default: false },
  forceRegister: { type: 'boolean', default: true },
  // --- transactions
  rejectTransactionMessage: { type: 'boolean', default: false },
  transactionTimeOut: { type: 'int', default: 6000, min: 0 },
  transactionCheckMax: { type: 'int', default: 15, min: 1 },
  transactionCheckInterval: { type: 'int', default: 60000, min: 100 },
  // --- timed messages (5.x keys; 4.9 has no timer)
  timerWheelEnable: { type: 'boolean', default: true, doc: 'accept TIMER_DELIVER_MS / TIMER_DELAY_SEC / TIMER_DELAY_MS messages' },
  timerMaxDelaySec: { type: 'int', default: 259200, min: 1, doc: 'a timed message due later than this is refused (MESSAGE_ILLEGAL); 3 days, as 5.x' },
  timerFlushIntervalMs: { type: 'int', default: 1000, min: 10, doc: 'ms between writes of config/timerCheck.json (what a crash may redeliver)' },
  // --- ordered consumption
  rebalanceLockMaxLiveTime: {
    type: 'int',
    default: 60000,
    min: 1,
    doc: 'ms a LOCK_BATCH_MQ queue lock lives without renewal (Java: the system property rocketmq.broker.rebalance.lockMaxLiveTime)',
  },
  // --- misc
  regionId: { type: 'string', default: 'DefaultRegion', doc: 'sent as MSG_REGION in send responses' },
  traceOn: { type: 'boolean', default: true, doc: 'sent as TRACE_ON in send responses' },
  storeReplyMessageEnable: { type: 'boolean', default: true },
  enableDetailStat: { type: 'boolean', default: true, doc: 'per-queue stats, and GROUP_GET_LATENCY per queue' },
  autoDeleteUnusedStats: { type: 'boolean', default: false, doc: 'drop a topic\'s or group\'s stats when it is deleted' },
  configBlackList: { type: 'string', default: 'configBlackList;brokerConfigPath', doc: 'keys UPDATE_BROKER_CONFIG refuses, separated by ;' },
  aclEnable: { type: 'boolean', default: false },

  // --- store (MessageStoreConfig)
  storePathRootDir: { type: 'string', default: '', doc: 'empty = ~/store, as the Java broker' },
  storePathCommitLog: { type: 'string', default: '', doc: 'empty = <storePathRootDir>/commitlog' },
  storePathConsumeQueue: { type: 'string', default: '', doc: 'empty = <storePathRootDir>/consumequeue (Java 4.9 ignores this key)' },
  storePathIndex: { type: 'string', default: '', doc: 'empty = <storePathRootDir>/index (Java 4.9 ignores this key)' },
  mappedFileSizeCommitLog: { type: 'int', default: 1073741824, min: 4096 },
  mappedFileSizeConsumeQueue: { type: 'int', default: 6000000, min: 20, doc: 'bytes per ConsumeQueue file (300000 units of 20 bytes)' },
  flushDiskType: { type: 'enum', values: FLUSH_DISK_TYPES, default: 'ASYNC_FLUSH' },
  flushIntervalCommitLog: { type: 'int', default: 500, min: 1 },
  flushCommitLogLeastPages: { type: 'int', default: 4, min: 0 },
  flushCommitLogThoroughInterval: { type: 'int', default: 10000, min: 1 },
  flushCommitLogTimed: { type: 'boolean', default: true },
  flushIntervalConsumeQueue: { type: 'int', default: 1000, min: 1 },
  flushConsumeQueueLeastPages: { type: 'int', default: 2, min: 0 },
  flushConsumeQueueThoroughInterval: { type: 'int', default: 60000, min: 1 },
  syncFlushTimeout: { type: 'int', default: 5000, min: 1 },
  flushDelayOffsetInterval: { type: 'int', default: 10000, min: 100 },
  maxMessageSize: { type: 'int', default: 4194304, min: 1024 },
  checkCRCOnRecover: { type: 'boolean', default: true },
  deleteWhen: { type: 'string', default: '04', doc: 'hours of day to delete expired files, e.g. 04 or 04;05' },
  fileReservedTime: { type: 'int', default: 72, min: 0, doc: 'hours' },
  diskMaxUsedSpaceRatio: { type: 'int', default: 75, min: 10, max: 95 },
  cleanResourceInterval: { type: 'int', default: 10000, min: 100 },
  cleanFileForciblyEnable: { type: 'boolean', default: true },
  messageIndexEnable: { type: 'boolean', default: true },
  maxHashSlotNum: { type: 'int', default: 5000000, min: 1 },
  maxIndexNum: { type: 'int', default: 20000000, min: 1 },
  defaultQueryMaxNum: { type: 'int', default: 32, min: 1 },
  maxTransferBytesOnMessageInMemory: { type: 'int', default: 262144, min: 1 },
  maxTransferCountOnMessageInMemory: { type: 'int', default: 32, min: 1 },
  maxTransferBytesOnMessageInDisk: { type: 'int', default: 65536, min: 1 },
  maxTransferCountOnMessageInDisk: { type: 'int', default: 8, min: 1 },
  accessMessageInMemoryMaxRatio: { type: 'int', default: 40, min: 0, max: 100 },
  messageDelayLevel: { type: 'string', default: '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h' },
  osPageCacheBusyTimeOutMills: { type: 'int', default: 1000, min: 1 },
  // --- replication
  haListenPort: { type: 'int', default: 0, min: 0, max: 65535, doc: '0 = listenPort + 1' },
  haMasterAddress: { type: 'string', default: '', doc: 'empty = learned from the NameServer' },
  haSendHeartbeatInterval: { type: 'int', default: 5000, min: 100 },
  haHousekeepingInterval: { type: 'int', default: 20000, min: 100 },
  haTransferBatchSize: { type: 'int', default: 32768, min: 1024 },
  haSlaveFallbehindMax: { type: 'int', default: 268435456, min: 0 },
  slaveTimeout: { type: 'int', default: 3000, min: 1 },
  haConnectRetryInterval: { type: 'int', default: 5000, min: 10, doc: 'rocketmq-ts: ms a slave waits before connecting to its master again after a failed or refused connection (Java: 5 s, fixed)' },
  slaveSynchronizeInterval: { type: 'int', default: 10000, min: 100, doc: 'rocketmq-ts: ms between a slave\'s copies of its master\'s topics, groups and offsets (Java: 10 s, fixed)' },

  // --- network (NettyServerConfig; BrokerStartup sets listenPort to 10911)
  listenPort: { type: 'int', default: 10911, min: 0, max: 65535 },
  listenHost: { type: 'string', default: '0.0.0.0', doc: 'rocketmq-ts: address to bind' },
  serverChannelMaxIdleTimeSeconds: { type: 'int', default: 120, min: 0 },
  vipChannelEnable: {
    type: 'boolean',
    default: true,
    doc: 'rocketmq-ts: also listen on listenPort-2, the "VIP" port Java clients before 4.7 send to by default (never with listenPort 0)',
  },
} as const satisfies ConfigSchema;

export type BrokerConfig = ConfigOf<typeof brokerConfigSchema>;

/** Spellings older RocketMQ releases and many deployment guides use. Java 4.9 silently ignores them. */
export const brokerConfigAliases: Readonly<Record<string, string>> = {
  mapedFileSizeCommitLog: 'mappedFileSizeCommitLog',
  mapedFileSizeConsumeQueue: 'mappedFileSizeConsumeQueue',
  'rocketmq.broker.rebalance.lockMaxLiveTime': 'rebalanceLockMaxLiveTime',
};

/** Java keys we accept without acting on them (thread pools have no meaning on one event loop). */
export const brokerIgnoredKeys: readonly string[] = [
  'sendMessageThreadPoolNums', 'putMessageFutureThreadPoolNums', 'pullMessageThreadPoolNums',
  'processReplyMessageThreadPoolNums', 'queryMessageThreadPoolNums', 'adminBrokerThreadPoolNums',
  'clientManageThreadPoolNums', 'consumerManageThreadPoolNums', 'heartbeatThreadPoolNums',
  'endTransactionThreadPoolNums', 'serverWorkerThreads', 'serverCallbackExecutorThreads',
  'serverSelectorThreads', 'serverOnewaySemaphoreValue', 'serverAsyncSemaphoreValue',
  'serverSocketSndBufSize', 'serverSocketRcvBufSize', 'serverPooledByteBufAllocatorEnable',
  'useEpollNativeSelector', 'useReentrantLockWhenPutMessage', 'transientStorePoolEnable',
  'transientStorePoolSize', 'fastFailIfNoBufferInStorePool', 'warmMapedFileEnable',
  'commitIntervalCommitLog', 'commitCommitLogLeastPages', 'commitCommitLogThoroughInterval',
  'flushLeastPagesWhenWarmMapedFile', 'messageStorePlugIn', 'highSpeedMode', 'commercialEnable',
  'commercialTimerCount', 'commercialTransCount', 'commercialBigCount', 'commercialBaseCount',
  'transferMsgByHeap', 'enableCalcFilterBitMap', 'expectConsumerNumUseFilter',
  'maxErrorRateOfBloomFilter', 'filterDataCleanTimeSpan', 'filterServerNums', 'fetchNamesrvAddrByAddressServer',
  'flushConsumerOffsetHistoryInterval', 'startAcceptSendRequestTimeStamp',
  'isolateLogEnable', 'enableConsumeQueueExt', 'mappedFileSizeConsumeQueueExt',
  'bitMapLengthConsumeQueueExt', 'deleteCommitLogFilesInterval', 'deleteConsumeQueueFilesInterval',
  'destroyMapedFileIntervalForcibly', 'redeleteHangedFileInterval', 'putMsgIndexHightWater',
  'maxMsgsNumBatch', 'messageIndexSafe', 'offsetCheckInSlave', 'debugLockEnable', 'duplicationEnable',
  'diskFallRecorded', 'enableDLegerCommitLog', 'dLegerGroup', 'dLegerPeers', 'dLegerSelfId',
  'preferredLeaderId', 'isEnableBatchPush', 'enableScheduleMessageStats', 'enableLmq', 'enableMultiDispatch',
  'maxLmqConsumeQueueNum', 'enableScheduleAsyncDeliver', 'scheduleAsyncDeliverMaxPendingLimit',
  'scheduleAsyncDeliverMaxResendNum2Blocked', 'storePathDLedgerCommitLog', 'readOnlyCommitLogStorePaths',
  'writeBufferHighWaterMark', 'writeBufferLowWaterMark', 'serverSocketBacklog', 'clientCloseSocketIfTimeout',
];

/**
 * Parses broker properties (file first, overrides after) and applies the
 * cross-key rules of BrokerStartup: a slave needs brokerId > 0, a master is
 * brokerId 0.
 */
export function parseBrokerConfig(layers: ReadonlyArray<Readonly<Record<string, string>>>): ParsedConfig<typeof brokerConfigSchema> {
  const parsed = parseConfig(brokerConfigSchema, layers, { aliases: brokerConfigAliases, ignored: brokerIgnoredKeys });
  const c = parsed.config;
  if (c.brokerRole === 'SLAVE' && c.brokerId <= 0) {
    throw new RmqError(ErrorCode.CONFIG, `invalid value for brokerId: ${c.brokerId}; accepted: an integer > 0 when brokerRole=SLAVE`);
  }
  if (c.brokerRole !== 'SLAVE' && c.brokerId !== 0) {
    parsed.warnings.push(`brokerId=${c.brokerId} with brokerRole=${c.brokerRole}: a master is brokerId 0; using 0`);
    c.brokerId = 0;
  }
  for (const addr of splitNamesrvAddr(c.namesrvAddr)) {
    try {
      parseAddress(addr);
    } catch {
      // BrokerStartup's message, then our own key name.
      throw new RmqError(
        ErrorCode.CONFIG,
        `The Name Server Address[${c.namesrvAddr}] illegal, please set it as follows, "127.0.0.1:9876;192.168.0.1:9876" (invalid value for namesrvAddr)`,
      );
    }
  }
  for (const level of c.messageDelayLevel.split(/\s+/).filter((s) => s.length > 0)) {
    if (!/^\d+[smhd]$/.test(level)) {
      throw new RmqError(ErrorCode.CONFIG, `invalid value for messageDelayLevel: ${JSON.stringify(c.messageDelayLevel)}; accepted: space-separated durations like 1s 5m 2h 1d`);
    }
  }
  for (const hour of c.deleteWhen.split(';')) {
    const h = Number(hour);
    if (!/^\d{1,2}$/.test(hour.trim()) || h > 23) {
      throw new RmqError(ErrorCode.CONFIG, `invalid value for deleteWhen: ${JSON.stringify(c.deleteWhen)}; accepted: hours 00-23 separated by ;`);
    }
  }
  return parsed;
}

/** The NameServer addresses of a `;`-separated namesrvAddr, blanks dropped. */
export function splitNamesrvAddr(namesrvAddr: string): string[] {
  return namesrvAddr
    .split(';')
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
}

/**
 * A full BrokerConfig from typed values (what code passes instead of a
 * properties file): defaults for what is missing, the same checks as
 * {@link parseBrokerConfig}, and an error naming any key the schema does not know.
 */
export function resolveBrokerConfig(partial: Readonly<Partial<BrokerConfig>> = {}): BrokerConfig {
  const layer: Record<string, string> = {};
  for (const [k, v] of Object.entries(partial)) {
    if (v === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(brokerConfigSchema, k)) {
      throw new RmqError(ErrorCode.CONFIG, `unknown broker configuration key ${k}`);
    }
    layer[k] = String(v);
  }
  return parseBrokerConfig([layer]).config;
}
