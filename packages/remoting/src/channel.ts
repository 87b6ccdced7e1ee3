import type { RemotingCommand } from '@rocketmq-ts/protocol';

/** Why a channel closed. */
export type ChannelCloseReason =
  /** close() was called on this side. */
  | 'local'
  /** The peer closed or reset the connection. */
  | 'remote'
  /** Nothing was read or written for channelMaxIdleTimeSeconds. */
  | 'idle'
  /** The peer sent a frame length that cannot be honoured. */
  | 'protocol'
  /** A socket error. */
  | 'error';

export interface ChannelCloseInfo {
  readonly reason: ChannelCloseReason;
  readonly error?: Error;
}

/**
 * One connection, seen the same way from both ends: either side can send
 * requests and answer the peer's. A broker keeps a client's Channel to send it
 * CHECK_TRANSACTION_STATE later; tests can implement it without a socket.
 */
export interface Channel {
  /** Unique within the process, for maps and logs. */
  readonly id: number;
  /** The peer as "ip:port", the way RocketMQ prints channel addresses. */
  readonly remoteAddress: string;
  /** Our end as "ip:port". */
  readonly localAddress: string;
  /** False once close started or the socket closed. */
  readonly isOpen: boolean;
  /** Resolves (never rejects) once the connection is closed. */
  readonly closed: Promise<ChannelCloseInfo>;
  /** Bytes queued for the socket and not yet handed to the kernel. */
  readonly bufferedBytes: number;
  /** False between reaching the write high-water mark and draining to the low-water mark. */
  readonly isWritable: boolean;
  /** Requests sent (or waiting to be sent) that still await their response. */
  readonly inflight: number;

  /**
   * Sends a request and resolves with the peer's response (whatever its code).
   * Rejects with RmqError: TIMEOUT (retriable) when no response came within
   * `timeoutMs`, CONNECTION (retriable) when the connection is or gets closed,
   * TOO_MANY_REQUESTS (retriable) when `maxInflight` are already outstanding,
   * ARGUMENT when the command cannot be encoded. Clears the ONEWAY and
   * RESPONSE flags; replaces the opaque if one with the same opaque is pending.
   * While the connection is unwritable the request waits (inside its timeout).
   */
  invoke(request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand>;

  /**
   * Sends a request with the ONEWAY flag; no response is awaited. Resolves
   * once the frame is queued for the socket; while the connection is
   * unwritable it waits up to `timeoutMs`, then rejects with TIMEOUT.
   */
  invokeOneway(request: RemotingCommand, timeoutMs?: number): Promise<void>;

  /**
   * Queues any command as is, normally a response written later than its
   * handler returned (long polling). False when closed or unencodable.
   */
  send(command: RemotingCommand): boolean;

  /** Resolves when the channel is writable; rejects with CONNECTION if it closes first. */
  writable(): Promise<void>;

  /** Flushes what is queued, closes, and resolves once the socket is closed. */
  close(): Promise<void>;
}
