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
