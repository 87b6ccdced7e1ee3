export { Broker, localAddress } from './broker.js';
export type { BrokerInit } from './broker.js';
export type { BrokerContext, DelayDelivery, TransactionService } from './context.js';
export {
  brokerConfigSchema,
  brokerConfigAliases,
  brokerIgnoredKeys,
  parseBrokerConfig,
  resolveBrokerConfig,
  splitNamesrvAddr,
  BROKER_ROLES,
  FLUSH_DISK_TYPES,
} from './config.js';
export type { BrokerConfig, BrokerRole, FlushDiskType } from './config.js';
export { TopicConfigManager, newTopicConfig, topicConfigToString, SCHEDULE_TOPIC_QUEUE_NUM } from './topic/topic-config-manager.js';
export { SubscriptionGroupManager, isSysConsumerGroup } from './subscription/subscription-group-manager.js';
export { ConsumerOffsetManager } from './offset/consumer-offset-manager.js';
export { ConsumerManager, ConsumerGroupInfo } from './client/consumer-manager.js';
export type { ConsumerIdsChangeListener, SubscriptionEntry, RegisterConsumerInfo } from './client/consumer-manager.js';
export { ProducerManager } from './client/producer-manager.js';
export type { ClientChannelInfo } from './client/client-channel-info.js';
export { Broker2Client, CALL_CLIENT_TIMEOUT_MS } from './client/broker2client.js';
export { ConsumerFilterManager } from './filter/consumer-filter-manager.js';
export type { ConsumerFilterData } from './filter/consumer-filter-manager.js';
export {
  ExpressionMessageFilter,
  compileRequestSubscription,
  compileHeartbeatSubscription,
  recordTags,
} from './filter/message-filter.js';
export type { CompiledSubscription } from './filter/message-filter.js';
export { compileSql92, Sql92SyntaxError } from './filter/sql92.js';
export type { Sql92Selector } from './filter/sql92.js';
export { parseTagExpression, tagHashMatches, tagMatches } from './filter/tags.js';
export type { TagSelector } from './filter/tags.js';
export { PullRequestHoldService } from './longpolling/pull-request-hold-service.js';
export type { PullRequest } from './longpolling/pull-request-hold-service.js';
export { BrokerOuterAPI } from './out/broker-outer-api.js';
export { RequestPool, inlineExecutor } from './request-pool.js';
export type { RequestPoolOptions } from './request-pool.js';
export { putStatusAnswer, FAQ_SUFFIX } from './processor/send.js';
export type { SendStatusAnswer } from './processor/send.js';
export { pullStatusCode } from './processor/pull.js';
export { rewriteSendProperties, SendProperties, clusterPropertyEntry } from './processor/send-properties.js';
export { AdminProcessor } from './processor/admin.js';
export type { AdminContext, DelayOffsetProvider } from './processor/admin/common.js';
export { BrokerConfiguration, BROKER_LIVE_KEYS, STORE_LIVE_KEYS } from './processor/admin/configuration.js';
export type { ConfigUpdateResult } from './processor/admin/configuration.js';
export { brokerRuntimeInfo } from './processor/admin/broker-info.js';
export { decodeQueryCorrectionOffsetHeader, encodeQueryCorrectionOffsetHeader } from './processor/admin/groups.js';
export type { QueryCorrectionOffsetHeader } from './processor/admin/groups.js';
export {
  BrokerStatsManager,
  CommercialStatsType,
  COMMERCIAL_OWNER,
  defaultStatsSamplingIntervals,
} from './stats/broker-stats-manager.js';
export type { BrokerStatsManagerOptions, StatsSamplingIntervals } from './stats/broker-stats-manager.js';
export { StatsItem, StatsItemSet } from './stats/stats-item.js';
export type { StatsSnapshot } from './stats/stats-item.js';
export { BrokerStats } from './stats/broker-stats.js';
export type { StoreTotals } from './stats/broker-stats.js';
export type { BrokerMetrics, RequestQueueMetrics, StatsItemMetrics } from './stats/metrics.js';
export { BrokerFeatures } from './features.js';
export type { BrokerFeaturesDeps, FeaturePools, RegisterProcessor } from './features.js';
export { ScheduleMessageService } from './schedule/schedule-message-service.js';
export type { QueueUnitReader, ScheduleMessageServiceDeps } from './schedule/schedule-message-service.js';
export { TIMER_TOPIC, routeWaitingMessage, isRouteRefusal } from './schedule/route.js';
export type { WaitRoute, RouteRefusal } from './schedule/route.js';
export { TimerMessageService } from './timer/timer-message-service.js';
export type { TimerCheckpoint, TimerMessageServiceDeps } from './timer/timer-message-service.js';
export { TimerWheel, TIMER_SLOT_MS } from './timer/timer-wheel.js';
export type { TimerEntry } from './timer/timer-wheel.js';
export { TransactionalMessageService, HALF_TOPIC, OP_TOPIC, TRANS_GROUP, REMOVE_TAG } from './transaction/transactional-message-service.js';
export type { TransactionalMessageServiceStats } from './transaction/transactional-message-service.js';
export { RebalanceLockManager } from './rebalance/rebalance-lock-manager.js';
