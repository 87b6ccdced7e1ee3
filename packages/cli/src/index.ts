export { createServerLogger } from './log.js';
export type { ServerLoggerOptions } from './log.js';
export { readPropertiesFile, parsePropertiesText } from './properties.js';
export { stopOnSignals, failStart } from './process.js';
export type { Stoppable } from './process.js';
export { runMqnamesrv, NAMESRV_BOOT_LINE, LOG_FILE_ENV } from './namesrv.js';
export { runMqbroker, brokerBootLine, BROKER_IMPORTANT_KEYS } from './broker.js';
export { runMqadmin, MQADMIN_COMMANDS, NAMESRV_ADDR_ENV } from './mqadmin/mqadmin.js';
export type { MqadminIo } from './mqadmin/mqadmin.js';
