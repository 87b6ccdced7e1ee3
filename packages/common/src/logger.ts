/**
 * The logging surface every package writes to. It is the subset of pino's
 * API that we use, so a pino logger can be passed as is; libraries default to
 * {@link silentLogger} and never print on their own.
 */
export interface LogFn {
  (msg: string): void;
  (obj: Record<string, unknown>, msg?: string): void;
}

export interface Logger {
  readonly trace: LogFn;
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
  readonly fatal: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const noop: LogFn = () => undefined;

export const silentLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => silentLogger,
};

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LogRecord {
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

/**
 * A logger that keeps records in memory; tests use it to assert that a
 * server logged what it should (an oversize frame, a truncated segment).
 */
export class MemoryLogger implements Logger {
  readonly records: LogRecord[];
  private readonly bindings: Record<string, unknown>;

  constructor(records: LogRecord[] = [], bindings: Record<string, unknown> = {}) {
    this.records = records;
    this.bindings = bindings;
  }

  private log(level: LogLevel): LogFn {
    return ((a: string | Record<string, unknown>, b?: string) => {
      if (typeof a === 'string') {
        this.records.push({ level, msg: a, fields: { ...this.bindings } });
      } else {
        this.records.push({ level, msg: b ?? '', fields: { ...this.bindings, ...a } });
      }
    }) as LogFn;
  }

  readonly trace = this.log('trace');
  readonly debug = this.log('debug');
  readonly info = this.log('info');
  readonly warn = this.log('warn');
  readonly error = this.log('error');
  readonly fatal = this.log('fatal');

  child(bindings: Record<string, unknown>): Logger {
    return new MemoryLogger(this.records, { ...this.bindings, ...bindings });
  }
}
