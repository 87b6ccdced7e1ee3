/**
 * TcpChannel: one node:net socket speaking RocketMQ remoting, symmetric for
 * servers and clients. Internal; the public face is the Channel interface.
 */
import type { Socket } from 'node:net';
import { ErrorCode, RmqError, errorMessage } from '@rocketmq-ts/common';
import type { Logger } from '@rocketmq-ts/common';
import {
  FrameDecoder,
  FrameLengthError,
  HeaderDecodeError,
  ResponseCode,
  RpcFlag,
  SerializeType,
  createOpaque,
  createResponse,
  decodeCommand,
  encodeFramePrefixInto,
  isResponse,
  requestCodeName,
} from '@rocketmq-ts/protocol';
import type { RemotingCommand } from '@rocketmq-ts/protocol';
import { formatAddress } from './address.js';
import type { Channel, ChannelCloseInfo, ChannelCloseReason } from './channel.js';
import { Fifo } from './fifo.js';
import type { ChannelOptions } from './options.js';

/** Bodies shorter than this are copied into the batch with their header; longer ones are written as they are. */
const COPY_LIMIT = 16 * 1024;
/** Size of the buffer frames are encoded into. */
const BATCH_SIZE = 64 * 1024;
/** Queued bytes at which a flush happens at once instead of at the end of the tick. */
const EARLY_FLUSH_BYTES = 32 * 1024;
/** How long close() waits for the peer to finish the TCP close before destroying the socket. */
const CLOSE_GRACE_MS = 2000;
/** Per-connection log lines about bad input at warn level; later ones go to debug. */
const WARN_BUDGET = 5;

/** What a channel needs from the server or client that owns it. */
export interface ChannelHost {
  /** An incoming request (not a response). Must not throw. */
  dispatch(channel: Channel, request: RemotingCommand): void;
  channelIdle(channel: TcpChannel): void;
  channelClosed(channel: TcpChannel, info: ChannelCloseInfo): void;
}

interface PendingRequest {
  readonly resolve: (response: RemotingCommand) => void;
  readonly reject: (err: Error) => void;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly code: number;
  /** Handed to the write queue (false while waiting for writability). */
  sent: boolean;
}

/** A request or oneway held back while the connection is unwritable. */
interface BlockedSend {
  readonly command: RemotingCommand;
  /** For invoke: its entry in `pending`; undefined for oneway. */
  readonly request: PendingRequest | undefined;
  readonly resolve: (() => void) | undefined;
  readonly reject: ((err: Error) => void) | undefined;
  readonly deadline: number;
  settled: boolean;
}

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

let nextChannelId = 1;

function flushTick(channel: TcpChannel): void {
  channel.flush();
}

export class TcpChannel implements Channel {
  readonly id = nextChannelId++;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly closed: Promise<ChannelCloseInfo>;

  private state = OPEN;
  private closeInfo: ChannelCloseInfo | undefined;
  private resolveClosed!: (info: ChannelCloseInfo) => void;
  private forceCloseTimer: NodeJS.Timeout | undefined;

  private readonly socket: Socket;
  private readonly host: ChannelHost;
  private readonly options: ChannelOptions;
  private readonly log: Logger;
  private readonly decoder: FrameDecoder;
  private warnBudget = WARN_BUDGET;

  private readonly pending = new Map<number, PendingRequest>();
  /** No pending deadline is earlier than this; lets most sweeps skip the scan. */
  private nextDeadline = Infinity;
  private readonly blocked = new Fifo<BlockedSend>();
  private blockedOneways = 0;
  private writableWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];

  /** Buffers ready for the socket (sealed batch slices, large bodies); `outHead` is the first unwritten. */
  private out: Buffer[] = [];
  private outHead = 0;
  /** Bytes in `out` and in the batch's open region. */
  private outBytes = 0;
  /**
   * Frames are encoded straight into this buffer; [batchStart, batchLen) is
   * the open region not yet in `out`. Sealed regions may still be referenced
   * by the socket, so the buffer is only refilled from 0 once the socket
   * holds nothing (see flush), else a new one is taken when it is full.
   */
  private batch: Buffer | undefined;
  private batchStart = 0;
  private batchLen = 0;
  private flushScheduled = false;
  private awaitingDrain = false;
  private unwritable = false;
  private readPaused = false;

  /** Set on every read and write; the sweeper turns it into a timestamp. */
  activity = false;
  lastActivityAt: number;

  constructor(socket: Socket, host: ChannelHost, options: ChannelOptions, logger: Logger) {
    this.socket = socket;
    this.host = host;
    this.options = options;
    this.remoteAddress = formatAddress(socket.remoteAddress, socket.remotePort);
    this.localAddress = formatAddress(socket.localAddress, socket.localPort);
    this.log = logger.child({ channel: this.id, remote: this.remoteAddress });
    this.decoder = new FrameDecoder(options.maxFrameSize);
    this.lastActivityAt = Date.now();
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', (err: Error) => this.onSocketError(err));
    socket.on('close', () => this.onSocketClose());
  }

  get isOpen(): boolean {
    return this.state === OPEN;
  }

  get bufferedBytes(): number {
    return this.outBytes + (this.state === CLOSED ? 0 : this.socket.writableLength);
  }

  get isWritable(): boolean {
    return this.state === OPEN && !this.unwritable;
  }

  get inflight(): number {
    return this.pending.size + this.blockedOneways;
  }

  /** True while reading is paused because the connection is unwritable. */
  get readingPaused(): boolean {
    return this.readPaused;
  }

  // -------------------------------------------------------------------------
  // Outgoing

  invoke(request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    if (this.state !== OPEN) return Promise.reject(this.closedError());
    if (!(timeoutMs > 0)) {
      return Promise.reject(new RmqError(ErrorCode.ARGUMENT, `invoke timeout must be > 0 ms, got ${timeoutMs}`));
    }
    if (this.pending.size + this.blockedOneways >= this.options.maxInflight) return Promise.reject(this.tooManyError());
    request.flag &= ~(RpcFlag.RESPONSE | RpcFlag.ONEWAY);
    if (this.pending.has(request.opaque)) {
      let opaque = createOpaque();
      while (this.pending.has(opaque)) opaque = createOpaque();
      request.opaque = opaque;
    }
    return new Promise<RemotingCommand>((resolve, reject) => {
      const entry: PendingRequest = { resolve, reject, deadline: Date.now() + timeoutMs, timeoutMs, code: request.code, sent: false };
      this.pending.set(request.opaque, entry);
      if (entry.deadline < this.nextDeadline) this.nextDeadline = entry.deadline;
      if (this.unwritable || this.blocked.length > 0) {
        this.blocked.push({ command: request, request: entry, resolve: undefined, reject: undefined, deadline: entry.deadline, settled: false });
        return;
      }
      const err = this.enqueueCommand(request);
      if (err !== undefined) {
        this.pending.delete(request.opaque);
        reject(err);
      } else {
        entry.sent = true;
      }
    });
  }

  invokeOneway(request: RemotingCommand, timeoutMs = 3000): Promise<void> {
    if (this.state !== OPEN) return Promise.reject(this.closedError());
    request.flag = (request.flag | RpcFlag.ONEWAY) & ~RpcFlag.RESPONSE;
    if (!this.unwritable && this.blocked.length === 0) {
      const err = this.enqueueCommand(request);
      return err === undefined ? Promise.resolve() : Promise.reject(err);
    }
    if (this.pending.size + this.blockedOneways >= this.options.maxInflight) return Promise.reject(this.tooManyError());
    return new Promise<void>((resolve, reject) => {
      this.blocked.push({ command: request, request: undefined, resolve, reject, deadline: Date.now() + timeoutMs, settled: false });
      this.blockedOneways++;
    });
  }

  send(command: RemotingCommand): boolean {
    if (this.state !== OPEN) return false;
    const err = this.enqueueCommand(command);
    if (err !== undefined) {
      this.log.error({ code: command.code, err: err.message }, 'command could not be encoded; not sent');
      return false;
    }
    return true;
  }

  writable(): Promise<void> {
    if (this.state !== OPEN) return Promise.reject(this.closedError());
    if (!this.unwritable) return Promise.resolve();
    return new Promise((resolve, reject) => this.writableWaiters.push({ resolve, reject }));
  }

  close(): Promise<void> {
    if (this.state === OPEN) {
      this.closeInfo = { reason: 'local' };
      this.state = CLOSING;
      this.failOutstanding(this.closedError());
      // Hand what is queued to the socket; end() sends it before the FIN.
      this.awaitingDrain = false;
      this.flushAll();
      this.socket.end();
      this.forceCloseTimer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
      this.forceCloseTimer.unref();
    }
    return this.closed.then(() => undefined);
  }

  /** Closes at once, dropping what is queued. */
  destroy(reason: ChannelCloseReason, error?: Error): void {
    if (this.state === CLOSED) return;
    if (this.closeInfo === undefined) this.closeInfo = error === undefined ? { reason } : { reason, error };
    this.state = CLOSING;
    this.failOutstanding(this.closedError());
    this.out = [];
    this.outHead = 0;
    this.outBytes = 0;
    this.batch = undefined;
    this.batchStart = 0;
    this.batchLen = 0;
    this.socket.destroy();
  }

  private enqueueCommand(command: RemotingCommand): RmqError | undefined {
    try {
      // Bytes past batchLen are not ours until counted, so a throw halfway leaves nothing behind.
      // A negative answer is the room the prefix needs; a fresh batch's default size may still be too small for a
      // large header (a first frame, or after the idle sweep dropped the batch), so ask again with the size it gave.
      let n = this.batch === undefined ? -1 : encodeFramePrefixInto(command, this.batch, this.batchLen);
      for (let attempt = 0; n < 0; attempt++) {
        if (attempt === 2) throw new Error(`the frame prefix does not fit the ${-n} bytes it asked for`);
        this.newBatch(-n);
        n = encodeFramePrefixInto(command, this.batch!, 0);
      }
      this.batchLen += n;
      this.outBytes += n;
    } catch (err) {
      return new RmqError(ErrorCode.ARGUMENT, `command ${command.code} cannot be encoded: ${errorMessage(err)}`, { cause: err });
    }
    const body = command.body;
    if (body !== undefined && body.length > 0) {
      if (body.length < COPY_LIMIT) {
        if (this.batch!.length - this.batchLen < body.length) this.newBatch(body.length);
        this.batch!.set(body, this.batchLen);
        this.batchLen += body.length;
        this.outBytes += body.length;
      } else {
        this.seal();
        this.out.push(body);
        this.outBytes += body.length;
      }
    }
    this.scheduleFlush();
    if (!this.unwritable && this.bufferedBytes >= this.options.writeHighWaterMark) this.becomeUnwritable();
    return undefined;
  }

  /** Seals the open region and continues in a fresh buffer with room for `need` bytes. */
  private newBatch(need: number): void {
    this.seal();
    this.batch = Buffer.allocUnsafeSlow(Math.max(BATCH_SIZE, need));
    this.batchStart = 0;
    this.batchLen = 0;
  }

  /** Moves the batch's open region to `out`. */
  private seal(): void {
    if (this.batchLen > this.batchStart) {
      this.out.push(this.batch!.subarray(this.batchStart, this.batchLen));
      this.batchStart = this.batchLen;
    }
  }

  private scheduleFlush(): void {
    if (this.awaitingDrain) return;
    if (this.outBytes >= EARLY_FLUSH_BYTES) {
      // Enough for a full batch: send it now so the peer starts on it while we keep encoding.
      this.flush();
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Everything queued during this tick goes out in one write.
      process.nextTick(flushTick, this);
    }
  }

  /** Writes what is queued, in order, until the socket's buffer is full. */
  flush(): void {
    this.flushScheduled = false;
    const socket = this.socket;
    if (this.awaitingDrain || socket.destroyed) return;
    this.seal();
    if (this.outHead === this.out.length) return;
    const out = this.out;
    const end = out.length;
    let i = this.outHead;
    let ok = true;
    // While unwritable, learn when the kernel took the bytes: 'drain' only follows a write that returned false.
    const written = this.unwritable ? this.onWritten : undefined;
    if (end - i > 1) socket.cork();
    while (ok && i < end) {
      const b = out[i]!;
      ok = socket.write(b, written);
      this.outBytes -= b.length;
      i++;
    }
    if (end - this.outHead > 1) socket.uncork();
    this.activity = true;
    if (i === end) {
      out.length = 0;
      this.outHead = 0;
      // The kernel took everything: nothing references the batch any more, so it is filled again from its start.
      if (socket.writableLength === 0) {
        this.batchStart = 0;
        this.batchLen = 0;
      }
    } else if (i > 1024 && i * 2 > end) {
      this.out = out.slice(i);
      this.outHead = 0;
    } else {
      // Drop references to written buffers so large bodies can be collected.
      for (let k = this.outHead; k < i; k++) out[k] = EMPTY;
      this.outHead = i;
    }
    if (!ok) {
      this.awaitingDrain = true;
    } else if (this.unwritable) {
      this.checkWritable();
    }
  }

  /** Used when closing: everything to the socket regardless of its buffer. */
  private flushAll(): void {
    while ((this.outHead < this.out.length || this.batchLen > this.batchStart) && !this.socket.destroyed) {
      this.awaitingDrain = false;
      this.flush();
    }
  }

  private readonly onWritten = (): void => {
    if (this.unwritable && !this.awaitingDrain) this.checkWritable();
  };

  private onDrain(): void {
    this.awaitingDrain = false;
    if (this.state === CLOSED) return;
    this.flush();
    if (this.unwritable) this.checkWritable();
  }

  private becomeUnwritable(): void {
    this.unwritable = true;
    if (this.options.pauseReadingWhenUnwritable && !this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
      this.log.debug({ bufferedBytes: this.bufferedBytes }, 'write high-water mark reached; reading paused');
    }
  }

  private checkWritable(): void {
    if (!this.unwritable || this.state !== OPEN || this.bufferedBytes > this.options.writeLowWaterMark) return;
    this.unwritable = false;
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    for (const w of waiters) w.resolve();
    this.releaseBlocked();
    if (this.readPaused && !this.unwritable) {
      this.readPaused = false;
      this.log.debug('write low-water mark reached; reading resumed');
      this.socket.resume();
      this.processFrames();
    }
  }

  private releaseBlocked(): void {
    while (!this.unwritable && this.state === OPEN && this.blocked.length > 0) {
      const b = this.blocked.shift()!;
      if (b.settled) continue;
      if (b.request !== undefined) {
        // Skip requests that timed out (or were answered by a confused peer) while held back.
        if (this.pending.get(b.command.opaque) !== b.request) continue;
        const err = this.enqueueCommand(b.command);
        if (err === undefined) {
          b.request.sent = true;
        } else {
          this.pending.delete(b.command.opaque);
          b.request.reject(err);
        }
      } else {
        b.settled = true;
        this.blockedOneways--;
        const err = this.enqueueCommand(b.command);
        if (err === undefined) b.resolve!();
        else b.reject!(err);
      }
    }
  }

  // -------------------------------------------------------------------------
  // Incoming

  private onData(chunk: Buffer): void {
    if (this.state !== OPEN) return;
    this.activity = true;
    this.decoder.push(chunk);
    this.processFrames();
  }

  private processFrames(): void {
    while (!this.readPaused && this.state === OPEN) {
      let frame: Buffer | undefined;
      try {
        frame = this.decoder.next();
      } catch (err) {
        this.onBadLength(err);
        return;
      }
      if (frame === undefined) return;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    let command: RemotingCommand;
    try {
      command = decodeCommand(frame);
    } catch (err) {
      this.onMalformedHeader(err);
      return;
    }
    if (isResponse(command)) {
      this.onResponse(command);
      return;
    }
    try {
      this.host.dispatch(this, command);
    } catch (err) {
      // Only a custom Executor can throw here; the socket's data handler must not.
      this.log.error({ code: command.code, err: errorMessage(err) }, 'dispatch failed');
      if ((command.flag & RpcFlag.ONEWAY) === 0) {
        this.send(createResponse(command, ResponseCode.SYSTEM_ERROR, errorMessage(err)));
      }
    }
  }

  private onResponse(response: RemotingCommand): void {
    const entry = this.pending.get(response.opaque);
    if (entry === undefined) {
      this.log.debug({ opaque: response.opaque, code: response.code }, 'response matches no pending request (timed out?); dropped');
      return;
    }
    this.pending.delete(response.opaque);
    entry.resolve(response);
  }

  private onBadLength(err: unknown): void {
    const length = err instanceof FrameLengthError ? err.length : undefined;
    this.log.warn(
      { length, maxFrameSize: this.options.maxFrameSize },
      `frame length ${String(length)} outside 0..${this.options.maxFrameSize}; closing connection`,
    );
    this.destroy('protocol', err instanceof Error ? err : undefined);
  }

  private onMalformedHeader(err: unknown): void {
    const opaque = err instanceof HeaderDecodeError ? (err.opaque ?? 0) : 0;
    const serializeType = err instanceof HeaderDecodeError ? err.serializeType : SerializeType.JSON;
    const message = errorMessage(err);
    this.logBadInput({ opaque, err: message }, 'malformed header; answered SYSTEM_ERROR');
    this.send(createResponse({ opaque, serializeType }, ResponseCode.SYSTEM_ERROR, message));
  }

  private logBadInput(fields: Record<string, unknown>, msg: string): void {
    if (this.warnBudget > 0) {
      this.warnBudget--;
      this.log.warn(fields, this.warnBudget === 0 ? `${msg} (further ones on this connection logged at debug)` : msg);
    } else {
      this.log.debug(fields, msg);
    }
  }

  // -------------------------------------------------------------------------
  // Timers (driven by the owner's single sweep interval) and closing

  sweep(now: number, idleMs: number): void {
    if (this.activity) {
      this.activity = false;
      this.lastActivityAt = now;
    } else if (this.batch !== undefined && this.batchLen === this.batchStart && this.outHead === this.out.length) {
      // Quiet since the last sweep: an idle connection keeps no batch memory.
      this.batch = undefined;
      this.batchStart = 0;
      this.batchLen = 0;
    }
    if (this.pending.size > 0 && now >= this.nextDeadline) this.expirePending(now);
    if (this.blockedOneways > 0) this.expireBlockedOneways(now);
    if (idleMs > 0 && this.state === OPEN && now - this.lastActivityAt >= idleMs) {
      this.log.debug({ idleMs }, 'connection idle; closing');
      this.closeInfo = { reason: 'idle' };
      this.host.channelIdle(this);
      this.destroy('idle');
    }
  }

  private expirePending(now: number): void {
    let next = Infinity;
    for (const [opaque, entry] of this.pending) {
      if (entry.deadline <= now) {
        this.pending.delete(opaque);
        entry.reject(this.timeoutError(entry));
      } else if (entry.deadline < next) {
        next = entry.deadline;
      }
    }
    this.nextDeadline = next;
  }

  private expireBlockedOneways(now: number): void {
    this.blocked.forEach((b) => {
      if (b.request === undefined && !b.settled && b.deadline <= now) {
        b.settled = true;
        this.blockedOneways--;
        b.reject!(
          new RmqError(ErrorCode.TIMEOUT, `oneway request ${requestCodeName(b.command.code)} to ${this.remoteAddress} not writable in time`, {
            retriable: true,
          }),
        );
      }
    });
  }

  private onSocketError(err: Error): void {
    this.log.debug({ err: err.message, errno: (err as NodeJS.ErrnoException).code }, 'socket error');
    if (this.closeInfo === undefined) this.closeInfo = { reason: 'error', error: err };
  }

  private onSocketClose(): void {
    if (this.state === CLOSED) return;
    if (this.closeInfo === undefined) this.closeInfo = { reason: 'remote' };
    this.state = CLOSED;
    if (this.forceCloseTimer !== undefined) clearTimeout(this.forceCloseTimer);
    this.failOutstanding(this.closedError());
    this.out = [];
    this.outHead = 0;
    this.outBytes = 0;
    this.batch = undefined;
    this.batchStart = 0;
    this.batchLen = 0;
    const info = this.closeInfo;
    this.resolveClosed(info);
    this.host.channelClosed(this, info);
  }

  private failOutstanding(err: RmqError): void {
    if (this.pending.size > 0) {
      const entries = [...this.pending.values()];
      this.pending.clear();
      for (const entry of entries) entry.reject(err);
    }
    if (this.blocked.length > 0) {
      this.blocked.forEach((b) => {
        if (!b.settled && b.request === undefined) b.reject!(err);
        b.settled = true;
      });
      this.blocked.clear();
      this.blockedOneways = 0;
    }
    if (this.writableWaiters.length > 0) {
      const waiters = this.writableWaiters;
      this.writableWaiters = [];
      for (const w of waiters) w.reject(err);
    }
  }

  private closedError(): RmqError {
    const why = this.closeInfo === undefined ? '' : ` (${this.closeInfo.reason})`;
    return new RmqError(ErrorCode.CONNECTION, `connection to ${this.remoteAddress} closed${why}`, {
      retriable: true,
      cause: this.closeInfo?.error,
    });
  }

  private tooManyError(): RmqError {
    return new RmqError(
      ErrorCode.TOO_MANY_REQUESTS,
      `${this.options.maxInflight} requests already in flight to ${this.remoteAddress}`,
      { retriable: true },
    );
  }

  private timeoutError(entry: PendingRequest): RmqError {
    const what = entry.sent ? 'wait response' : 'wait for a writable connection';
    return new RmqError(
      ErrorCode.TIMEOUT,
      `${what} for request ${requestCodeName(entry.code)} on the channel <${this.remoteAddress}> timeout, ${entry.timeoutMs}(ms)`,
      { retriable: true },
    );
  }
}

const EMPTY = Buffer.alloc(0);
