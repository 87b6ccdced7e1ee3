import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import { DEFAULT_MAX_FRAME_SIZE } from '@rocketmq-ts/protocol';

/** Limits of one connection, the same on both ends. */
export interface ChannelOptions {
  /**
   * Largest frame (the value of the 4-byte length prefix) accepted from the
   * peer; a larger or negative one closes the connection. Java's
   * com.rocketmq.remoting.frameMaxLength.
   * @defaultValue 16777216 (16 MiB)
   */
  readonly maxFrameSize: number;
  /**
   * Bytes waiting to be written (ours plus the socket's) at which the
   * connection turns unwritable: new requests wait for it to drain and,
   * where `pauseReadingWhenUnwritable` is set, reading stops.
   * @defaultValue 4194304 (4 MiB)
   */
  readonly writeHighWaterMark: number;
  /**
   * Buffered bytes at or below which an unwritable connection is writable again.
   * @defaultValue 1048576 (1 MiB)
   */
  readonly writeLowWaterMark: number;
  /**
   * Requests this side may have outstanding on one connection (awaiting a
   * response, or waiting to be written). One more is rejected at once with
   * TOO_MANY_REQUESTS (retriable). Java's client async semaphore is 65535.
   * @defaultValue 65535
   */
  readonly maxInflight: number;
  /**
   * A connection with nothing read or written for this long is closed
   * (Java's serverChannelMaxIdleTimeSeconds / clientChannelMaxIdleTimeSeconds).
   * 0 disables.
   * @defaultValue 120
   */
  readonly channelMaxIdleTimeSeconds: number;
  /**
   * How often one timer per server or client scans pending requests for
   * expired deadlines; a timeout fires up to this much late.
   * @defaultValue 100
   */
  readonly timeoutSweepIntervalMs: number;
  /**
   * Handlers running at once in the shared executor that processors
   * registered without their own executor use.
   * @defaultValue 64
   */
  readonly processorConcurrency: number;
  /**
   * Requests queued in that shared executor before SYSTEM_BUSY is answered.
   * @defaultValue 10000
   */
  readonly processorQueueCapacity: number;
  /**
   * Stop reading from a connection while it is unwritable, so a peer that
   * sends requests but does not read responses cannot grow our memory. On by
   * default for servers; off for clients, whose outgoing data are requests
   * already bounded by `maxInflight` (and pausing both ends could deadlock).
   * @defaultValue true for RemotingServer, false for RemotingClient
   */
  readonly pauseReadingWhenUnwritable: boolean;
}

export interface RemotingServerOptions extends ChannelOptions {
  /**
   * Pending-connection queue of the listening socket (Java's serverSocketBacklog).
   * @defaultValue 1024
   */
  readonly backlog: number;
}

export interface RemotingClientOptions extends ChannelOptions {
  /**
   * How long opening a connection may take (Java's connectTimeoutMillis).
   * @defaultValue 3000
   */
  readonly connectTimeoutMs: number;
}

function defaultChannelOptions(): ChannelOptions {
  return {
    maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
    writeHighWaterMark: 4 * 1024 * 1024,
    writeLowWaterMark: 1024 * 1024,
    maxInflight: 65_535,
    channelMaxIdleTimeSeconds: 120,
    timeoutSweepIntervalMs: 100,
    processorConcurrency: 64,
    processorQueueCapacity: 10_000,
    pauseReadingWhenUnwritable: true,
  };
}

export function defaultRemotingServerOptions(): RemotingServerOptions {
  return { ...defaultChannelOptions(), backlog: 1024 };
}

export function defaultRemotingClientOptions(): RemotingClientOptions {
  return { ...defaultChannelOptions(), pauseReadingWhenUnwritable: false, connectTimeoutMs: 3000 };
}

type Rule = { readonly kind: 'int'; readonly min: number; readonly max: number } | { readonly kind: 'bool' };

const INT32_MAX = 0x7fffffff;

const channelRules: Record<keyof ChannelOptions, Rule> = {
  maxFrameSize: { kind: 'int', min: 64, max: INT32_MAX },
  writeHighWaterMark: { kind: 'int', min: 1, max: Number.MAX_SAFE_INTEGER },
  writeLowWaterMark: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER },
  maxInflight: { kind: 'int', min: 1, max: INT32_MAX },
  channelMaxIdleTimeSeconds: { kind: 'int', min: 0, max: 365 * 24 * 3600 },
  timeoutSweepIntervalMs: { kind: 'int', min: 1, max: 60_000 },
  processorConcurrency: { kind: 'int', min: 1, max: INT32_MAX },
  processorQueueCapacity: { kind: 'int', min: 0, max: INT32_MAX },
  pauseReadingWhenUnwritable: { kind: 'bool' },
};

const serverRules: Record<keyof RemotingServerOptions, Rule> = {
  ...channelRules,
  backlog: { kind: 'int', min: 1, max: 65_535 },
};

const clientRules: Record<keyof RemotingClientOptions, Rule> = {
  ...channelRules,
  connectTimeoutMs: { kind: 'int', min: 1, max: INT32_MAX },
};

function parseWith<T extends ChannelOptions>(what: string, rules: Record<keyof T, Rule>, defaults: T, input: unknown): T {
  if (input === undefined || input === null) return defaults;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new RmqError(ErrorCode.CONFIG, `${what} options must be an object`);
  }
  const out: Record<string, unknown> = { ...(defaults as object) };
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const rule = (rules as Record<string, Rule | undefined>)[key];
    if (rule === undefined) throw new RmqError(ErrorCode.CONFIG, `unknown ${what} option "${key}"`);
    if (value === undefined) continue;
    if (rule.kind === 'bool') {
      if (typeof value !== 'boolean') {
        throw new RmqError(ErrorCode.CONFIG, `${what} option "${key}" must be a boolean, got ${JSON.stringify(value)}`);
      }
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < rule.min || value > rule.max) {
      throw new RmqError(
        ErrorCode.CONFIG,
        `${what} option "${key}" must be an integer in ${rule.min}..${rule.max}, got ${JSON.stringify(value)}`,
      );
    }
    out[key] = value;
  }
  const parsed = out as unknown as T;
  if (parsed.writeLowWaterMark > parsed.writeHighWaterMark) {
    throw new RmqError(
      ErrorCode.CONFIG,
      `${what} option "writeLowWaterMark" (${parsed.writeLowWaterMark}) must not exceed writeHighWaterMark (${parsed.writeHighWaterMark})`,
    );
  }
  return parsed;
}

/** Defaults merged with `input`; throws RmqError CONFIG naming the first bad or unknown key. */
export function parseRemotingServerOptions(input: unknown): RemotingServerOptions {
  return parseWith('remoting server', serverRules, defaultRemotingServerOptions(), input);
}

/** Defaults merged with `input`; throws RmqError CONFIG naming the first bad or unknown key. */
export function parseRemotingClientOptions(input: unknown): RemotingClientOptions {
  return parseWith('remoting client', clientRules, defaultRemotingClientOptions(), input);
}
