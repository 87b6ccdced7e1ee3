/**
 * The slave's side (Java's HAService.HAClient), on the event loop:
 *
 *   IDLE (no master address) --address--> CONNECTING --connected--> STREAMING
 *     ^                                       |                         |
 *     +------- wait haConnectRetryInterval ---+---- refused / error ----+
 *                     (immediately after a connection that carried data)
 *
 * - On connecting the slave reports at once (Java waits for its first
 *   heartbeat, haSendHeartbeatInterval; the master accepts either), then
 *   its max offset after every write of received data and after
 *   haSendHeartbeatInterval of silence.
 * - Each frame must start where the slave's log ends (unless the log is
 *   empty: a new slave takes the master's offset); otherwise the connection
 *   is closed, as Java does ("master pushed offset not equal the max phy
 *   offset in slave").
 * - A slave that holds data asks for the transfer to start up to
 *   VERIFY_TAIL_BYTES before its end and compares those bytes with its own
 *   log before appending anything: the master's log must continue the
 *   slave's. A master whose log ends before the slave's (it lost its tail)
 *   or differs there (it lost its tail and wrote other messages since) is
 *   refused, logged, and retried later; neither log is changed. Java
 *   reports its max offset and appends whatever comes, which after such a
 *   master restart can splice the middle of another record into its log.
 * - The master silent for haHousekeepingInterval closes the connection
 *   (Java measures the slave's own last write; 5.x the last read, as here).
 */
import { Socket } from 'node:net';
import type { Logger } from '@rocketmq-ts/common';
import { errorMessage } from '@rocketmq-ts/common';
import { type HAOptions, parseHAAddress } from './options.js';
import type { HAStore } from './store-view.js';
import { type TransferFrame, TransferFrameReader, encodeOffsetReport } from './wire.js';

/** Java's HAClient reads into a 4 MiB buffer; a frame bigger than this is not from a sane master. */
const MAX_FRAME_BODY = 64 * 1024 * 1024;
/** Java's RemotingUtil.connect timeout. */
const CONNECT_TIMEOUT_MS = 5000;
/**
 * A (re)connecting slave asks for this much of the log it already holds and
 * compares it before appending: the master's log must continue its own.
 */
export const VERIFY_TAIL_BYTES = 64 * 1024;
/** Repeated failures are logged at most this often. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

export type HAClientState = 'IDLE' | 'CONNECTING' | 'STREAMING' | 'STOPPED';

export class HAClient {
  state: HAClientState = 'IDLE';
  masterAddress = '';
  /** The last offset reported to the master. */
  reportedOffset = 0;
  lastReadTimestamp = 0;
  lastWriteTimestamp = 0;
  receivedBytes = 0;
  connects = 0;
  /** Why the last connection ended (empty while none did). */
  lastCloseReason = '';

  private socket: Socket | undefined;
  private readonly reader = new TransferFrameReader(MAX_FRAME_BODY);
  private framesThisConnection = 0;
  private readonly pending: TransferFrame[] = [];
  private processing = false;
  /** Bytes [verifyNext, verifyUntil) the master sends must equal this slave's log; appends start at verifyUntil. */
  private verifyNext = 0;
  private verifyUntil = 0;
  private heartbeatsWhileVerifying = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastFailureLogAt = 0;
  private lastLoggedReason = '';

  constructor(
    private readonly store: HAStore,
    private readonly options: HAOptions,
    private readonly log: Logger,
  ) {
    if (options.haMasterAddress !== '') this.masterAddress = options.haMasterAddress;
  }

  start(): void {
    if (this.state === 'STOPPED') return;
    this.scheduleConnect(0);
  }

  stop(): void {
    this.state = 'STOPPED';
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.socket?.destroy();
    this.socket = undefined;
  }

  /** Java's updateMasterAddress: takes effect on the next connection. */
  updateMasterAddress(addr: string): void {
    if (addr === this.masterAddress) return;
    if (addr !== '') parseHAAddress(addr);
    this.log.info({ old: this.masterAddress, new: addr }, 'update master address');
    this.masterAddress = addr;
    if (this.state === 'IDLE') this.scheduleConnect(0);
  }

  get isConnected(): boolean {
    return this.state === 'STREAMING';
  }

  private scheduleConnect(delayMs: number): void {
    if (this.state === 'STOPPED' || this.socket !== undefined) return;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delayMs);
    this.retryTimer.unref();
  }

  private connect(): void {
    if (this.state === 'STOPPED' || this.socket !== undefined) return;
    if (this.masterAddress === '') {
      this.state = 'IDLE';
      return;
    }
    const { host, port } = parseHAAddress(this.masterAddress);
    const addr = this.masterAddress;
    this.state = 'CONNECTING';
    this.framesThisConnection = 0;
    this.reader.reset();
    const socket = new Socket();
    this.socket = socket;
    socket.setNoDelay(true);
    this.connectTimer = setTimeout(() => {
      if (this.socket === socket && this.state === 'CONNECTING') this.closeSocket(`connect to ${addr} timed out`, true);
    }, CONNECT_TIMEOUT_MS);
    this.connectTimer.unref();
    socket.on('connect', () => this.onConnected(socket, addr));
    socket.on('data', (chunk: Buffer) => {
      if (this.socket === socket) this.onData(chunk);
    });
    socket.on('error', (err) => {
      if (this.socket === socket) this.lastCloseReason = errorMessage(err);
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      const carriedData = this.framesThisConnection > 0;
      const reason = this.state === 'CONNECTING' ? `cannot connect to master ${addr}: ${this.lastCloseReason}` : this.lastCloseReason || 'master closed the connection';
      this.closeSocket(
        carriedData || this.state === 'CONNECTING'
          ? reason
          : `${reason} before sending anything (slave offset ${this.reportedOffset}); if this repeats, the master may be refusing this slave — a slave ahead of its master is refused, see the master's log`,
        !carriedData,
      );
    });
    socket.connect(port, host);
  }

  private onConnected(socket: Socket, addr: string): void {
    if (this.socket !== socket) return;
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    const store = this.store;
    const max = store.getMaxPhyOffset();
    if (store.getAppendOffset() !== max) {
      // Appends from the last connection are still being written: start once the log is settled.
      this.closeSocket('waiting for earlier appends to be written', false, 10);
      return;
    }
    this.state = 'STREAMING';
    this.connects++;
    this.lastCloseReason = '';
    this.lastReadTimestamp = Date.now();
    this.pending.length = 0;
    // Ask for the tail we already hold again and compare it before appending anything: the master's log must continue ours.
    const min = store.getMinPhyOffset();
    // Within the segment holding the slave's last byte (a master that still has that byte has all of it), and
    // never 0 for a slave that holds data: a report of 0 means "new slave" (the master starts at its last segment).
    const lastSegmentStart = max - 1 - ((max - 1) % store.segmentSize);
    const from = max <= 0 || min < 0 ? max : Math.max(min, max - VERIFY_TAIL_BYTES, lastSegmentStart, 1);
    this.verifyNext = from;
    this.verifyUntil = max;
    this.heartbeatsWhileVerifying = 0;
    this.reportedOffset = from;
    this.log.info({ master: addr, offset: max, requestFrom: from }, 'connected to master; asking for the transfer from the tail of this slave\'s log');
    this.report(from);
  }

  private onData(chunk: Buffer): void {
    this.lastReadTimestamp = Date.now();
    this.receivedBytes += chunk.length;
    let frames;
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      this.closeSocket(`bad frame from master: ${errorMessage(err)}`, true);
      return;
    }
    for (const f of frames) this.pending.push(f);
    if (!this.processing && this.pending.length > 0) void this.processFrames(this.socket);
  }

  /** Frames in arrival order: the verified tail first, then appends (each checked against the log's end, as Java). */
  private async processFrames(socket: Socket | undefined): Promise<void> {
    this.processing = true;
    try {
      const store = this.store;
      while (this.pending.length > 0 && this.socket === socket && socket !== undefined) {
        const f = this.pending.shift() as TransferFrame;
        this.framesThisConnection++;
        let offset = f.masterPhyOffset;
        let body = f.body;
        if (this.verifyNext < this.verifyUntil) {
          if (offset !== this.verifyNext) {
            this.closeSocket(`master pushed offset ${offset} while this slave asked for ${this.verifyNext}`, true);
            return;
          }
          if (body.length === 0) {
            // A heartbeat at the offset asked for: the master may just not have sent yet (Java heartbeats before data
            // after a quiet spell). A second one with no data between means its log ends there.
            if (++this.heartbeatsWhileVerifying < 2) continue;
            this.closeSocket(
              `this slave is ahead of its master: the master sends nothing from ${offset} while this slave's log goes on to ${this.verifyUntil} ` +
                `(${this.verifyUntil - offset} bytes more): the master lost the tail of its log. Nothing was changed on either side. To resolve: if the ` +
                'master\'s data is authoritative, stop this slave, move its store directory aside (it keeps the extra messages) and start it empty; ' +
                'otherwise rebuild the master from this slave. (If the master\'s log is in fact longer but no longer holds that offset, the master ' +
                'logs that this slave cannot catch up: start this slave empty.)',
              true,
            );
            return;
          }
          this.heartbeatsWhileVerifying = 0;
          const n = Math.min(body.length, this.verifyUntil - offset);
          const same = await this.sameAsLocal(offset, body.subarray(0, n));
          if (this.socket !== socket) return;
          if (!same) {
            this.closeSocket(
              `the master's log differs from this slave's at offset ${offset} (before the slave's end ${this.verifyUntil}): the master's history diverged ` +
                '(it lost the tail of its log and wrote other messages since). Nothing was appended. To resolve: if the master\'s data is authoritative, ' +
                'stop this slave, move its store directory aside (it keeps the messages the master lost) and start it empty',
              true,
            );
            return;
          }
          this.verifyNext += n;
          if (n === body.length) continue;
          offset += n;
          body = body.subarray(n);
        }
        // Java's check: each frame must start at the slave's end (an empty log takes the master's offset).
        const slaveOffset = store.getAppendOffset();
        if (slaveOffset !== 0 && slaveOffset !== offset) {
          this.closeSocket(`master pushed offset not equal the max phy offset in slave, SLAVE: ${slaveOffset} MASTER: ${offset}`, true);
          return;
        }
        if (body.length === 0) continue;
        const len = body.length;
        store.appendToCommitLog(offset, body).then(
          (ok) => {
            if (ok) this.reportPlus();
            else this.closeSocket(`appending ${len} bytes at ${offset} to the CommitLog failed`, true);
          },
          (err: unknown) => this.closeSocket(`appending to the CommitLog failed: ${errorMessage(err)}`, true),
        );
      }
    } finally {
      this.processing = false;
    }
    // Frames that arrived for a newer connection while this one was finishing.
    if (this.pending.length > 0 && this.socket !== undefined && this.socket !== socket) void this.processFrames(this.socket);
  }

  /** Whether `bytes` equal this slave's own log at `offset`. */
  private async sameAsLocal(offset: number, bytes: Buffer): Promise<boolean> {
    let pos = 0;
    while (pos < bytes.length) {
      const mine = await this.store.getCommitLogData(offset + pos, bytes.length - pos);
      if (mine === undefined || mine.length === 0) return false;
      if (!mine.equals(bytes.subarray(pos, pos + mine.length))) return false;
      pos += mine.length;
    }
    return true;
  }

  /** Reports the written end if it moved (Java's reportSlaveMaxOffsetPlus). */
  private reportPlus(): void {
    const cur = this.store.getMaxPhyOffset();
    if (cur > this.reportedOffset) {
      this.reportedOffset = cur;
      this.report(cur);
    }
  }

  private report(offset: number): void {
    const s = this.socket;
    if (s === undefined || this.state !== 'STREAMING') return;
    s.write(encodeOffsetReport(offset));
    this.lastWriteTimestamp = Date.now();
  }

  /** Heartbeat and housekeeping, from the service's timer. */
  tick(now: number): void {
    if (this.state !== 'STREAMING') return;
    if (now - this.lastReadTimestamp > this.options.haHousekeepingInterval) {
      this.closeSocket(`master silent for ${now - this.lastReadTimestamp} ms (haHousekeepingInterval)`, false);
      return;
    }
    if (now - this.lastWriteTimestamp > this.options.haSendHeartbeatInterval) this.report(this.reportedOffset);
  }

  private closeSocket(reason: string, failed: boolean, retryMs?: number): void {
    const s = this.socket;
    if (s === undefined) return;
    this.socket = undefined;
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    s.destroy();
    if (this.state === 'STOPPED') return;
    this.state = 'IDLE';
    this.lastCloseReason = reason;
    this.pending.length = 0;
    if (retryMs === undefined) this.logFailure(reason, failed);
    // As Java: straight back after a connection that carried data; otherwise wait.
    this.scheduleConnect(retryMs ?? (failed ? this.options.haConnectRetryInterval : 0));
  }

  private logFailure(reason: string, failed: boolean): void {
    const now = Date.now();
    if (!failed) {
      this.failures = 0;
      this.lastLoggedReason = '';
      this.log.warn({ master: this.masterAddress, reason }, 'HA connection to master closed; reconnecting');
      return;
    }
    this.failures++;
    // A new reason is always logged; the same one again at most every FAILURE_LOG_INTERVAL_MS.
    if (reason !== this.lastLoggedReason || now - this.lastFailureLogAt >= FAILURE_LOG_INTERVAL_MS) {
      this.lastFailureLogAt = now;
      this.lastLoggedReason = reason;
      this.log.error({ master: this.masterAddress, attempts: this.failures, retryMs: this.options.haConnectRetryInterval }, `slave cannot replicate: ${reason}`);
    }
  }
}
