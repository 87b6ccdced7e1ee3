export { RmqError, ErrorCode, isRmqError, errorMessage } from './errors.js';
export type { RmqErrorOptions } from './errors.js';
export { silentLogger, MemoryLogger } from './logger.js';
export type { Logger, LogFn, LogLevel, LogRecord } from './logger.js';
export { parseConfig, parseConfigValue, defaultConfig, describeField, formatConfig } from './config.js';
export type {
  ConfigSchema,
  ConfigOf,
  FieldSpec,
  IntField,
  NumberField,
  BooleanField,
  StringField,
  EnumField,
  ParseConfigOptions,
  ParsedConfig,
} from './config.js';
