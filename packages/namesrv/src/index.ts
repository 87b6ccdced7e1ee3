export { NameServer } from './nameserver.js';
export type { NameServerInit } from './nameserver.js';
export {
  namesrvConfigSchema,
  namesrvIgnoredKeys,
  defaultNameServerOptions,
  parseNameServerOptions,
  parseNamesrvProperties,
  namesrvConfigEntries,
} from './config.js';
export type { NameServerOptions } from './config.js';
export { NAMESPACE_ORDER_TOPIC_CONFIG } from './kv-config.js';
export type { BrokerLiveSnapshot } from './route-table.js';
