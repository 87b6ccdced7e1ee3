/**
 * One error base class for every rocketmq-ts package.
 *
 * `code` is a stable string callers may switch on; `retriable` is the only
 * thing retry logic should read. When a broker or NameServer answered with an
 * error, its response code and remark travel along.
 */
export interface RmqErrorOptions {
  readonly retriable?: boolean;
  readonly responseCode?: number;
  readonly remark?: string;
  readonly cause?: unknown;
}

export class RmqError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly responseCode: number | undefined;
  readonly remark: string | undefined;

  constructor(code: string, message: string, options: RmqErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RmqError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.responseCode = options.responseCode;
    this.remark = options.remark;
  }
}

/** Stable error codes. Add, never rename. */
export const ErrorCode = {
  /** Bytes that do not form a valid frame, header or body. */
  PROTOCOL: 'RMQ_ERR_PROTOCOL',
  /** A request did not get its response in time. */
  TIMEOUT: 'RMQ_ERR_TIMEOUT',
  /** The connection closed or could not be opened. */
  CONNECTION: 'RMQ_ERR_CONNECTION',
  /** Too many requests in flight on one connection. */
  TOO_MANY_REQUESTS: 'RMQ_ERR_TOO_MANY_REQUESTS',
  /** The peer answered with a non-success response code. */
  RESPONSE: 'RMQ_ERR_RESPONSE',
  /** Configuration that cannot be used. */
  CONFIG: 'RMQ_ERR_CONFIG',
  /** The component is not started, or already shut down. */
  STATE: 'RMQ_ERR_STATE',
  /** An argument the caller passed is not acceptable. */
  ARGUMENT: 'RMQ_ERR_ARGUMENT',
  /** No route, broker or queue to send to or read from. */
  NO_ROUTE: 'RMQ_ERR_NO_ROUTE',
  /** Storage failed (I/O error, full disk, corrupt data). */
  STORE: 'RMQ_ERR_STORE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function isRmqError(err: unknown): err is RmqError {
  return err instanceof RmqError;
}

/** Turns anything thrown into a message worth logging. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
