export { brokerConfigSchema, brokerConfigAliases, brokerIgnoredKeys, parseBrokerConfig, BROKER_ROLES, FLUSH_DISK_TYPES } from './config.js';
export type { BrokerConfig, BrokerRole, FlushDiskType } from './config.js';
