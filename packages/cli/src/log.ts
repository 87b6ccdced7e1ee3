/**
 * Server logging: pino, one JSON object per line, to stdout or to a file.
 * Libraries receive this logger through their options; they never create one.
 */
import { pino } from 'pino';
import type { Logger } from '@rocketmq-ts/common';

export interface ServerLoggerOptions {
  /** Component name, e.g. "namesrv" or "broker". */
  readonly name: string;
  /** Append logs to this file instead of stdout. */
  readonly file?: string | undefined;
  /** @defaultValue process.env.ROCKETMQ_TS_LOG_LEVEL ?? 'info' */
  readonly level?: string | undefined;
}

export function createServerLogger(options: ServerLoggerOptions): Logger & { flush(): void } {
  const level = options.level ?? process.env['ROCKETMQ_TS_LOG_LEVEL'] ?? 'info';
  const destination =
    options.file === undefined ? pino.destination({ dest: 1, sync: false }) : pino.destination({ dest: options.file, mkdir: true, sync: false });
  const logger = pino({ name: options.name, level, base: { pid: process.pid } }, destination);
  return logger as unknown as Logger & { flush(): void };
}
