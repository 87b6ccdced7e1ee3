// Public surface of @rocketmq-ts/admin. Every export is listed by name.
export { AdminClient, TrackType, selectBrokerAddr, compareMessageQueue, compute24HourSum, defaultTopicConfig } from './admin.js';
export type {
  RollbackStats,
  MessageTrack,
  QueryResult,
  PullStatus,
  PullResult,
  MasterAndSlaves,
  SendRTResult,
  SendMessageTarget,
  PullOptions,
} from './admin.js';
export { defaultAdminOptions, parseAdminOptions, parseNameServerList } from './options.js';
export type { AdminOptions, AdminInit } from './options.js';
export { mqVersionDesc, mqVersionOrdinal } from './version.js';
/** Statistic names for viewBrokerStatsData (defined by the protocol). */
export { BrokerStatsName } from '@rocketmq-ts/protocol';
