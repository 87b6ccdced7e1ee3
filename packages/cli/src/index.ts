export { createServerLogger } from './log.js';
export type { ServerLoggerOptions } from './log.js';
export { readPropertiesFile, parsePropertiesText } from './properties.js';
export { stopOnSignals, failStart } from './process.js';
export type { Stoppable } from './process.js';
