export { RmqError, ErrorCode, isRmqError, errorMessage } from './errors.js';
export type { RmqErrorOptions } from './errors.js';
export { silentLogger, MemoryLogger } from './logger.js';
export type { Logger, LogFn, LogLevel, LogRecord } from './logger.js';
