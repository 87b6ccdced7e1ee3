/**
 * The master's side of one slave (Java's HAConnection: ReadSocketService +
 * WriteSocketService), on the event loop:
 *
 *   AWAIT_REPORT --first report R--> TRANSFERRING --close/error/silence--> CLOSED
 *
 * - AWAIT_REPORT: nothing is sent until the slave says where it is.
 * - The first report fixes where the transfer starts: R, or for R = 0 the
 *   start of the master's last CommitLog segment (Java's rule for a new slave).
 * - TRANSFERRING: after every CommitLog write (and when the socket drains) the
 *   written bytes from nextTransferFromWhere go out as frames of at most
 *   haTransferBatchSize; each later report is the slave's ack.
 *   An empty header goes out after haSendHeartbeatInterval of silence.
 * - A report beyond the master's written end means the slave holds log this
 *   master does not have (the master lost its tail): the connection is
 *   refused and the condition logged. Java refuses only from the second
 *   report on and meanwhile counts the first one as an ack; see ha.md.
 */
import type { Socket } from 'node:net';
import type { Logger } from '@rocketmq-ts/common';
import { errorMessage } from '@rocketmq-ts/common';
import type { HAOptions } from './options.js';
import type { HAStore } from './store-view.js';
import { OffsetReportReader, encodeTransferHeader } from './wire.js';

/** What a connection needs from the HA service. */
export interface HAConnectionOwner {
  readonly store: HAStore;
  readonly options: HAOptions;
  readonly log: Logger;
  /** A slave acknowledged `offset` (Java's notifyTransferSome). */
  notifyTransferSome(offset: number): void;
  /** The connection is gone. */
  removeConnection(conn: HAConnection): void;
}

export type HAConnectionState = 'AWAIT_REPORT' | 'TRANSFERRING' | 'CLOSED';

export class HAConnection {
  readonly addr: string;
  readonly connectedAt = Date.now();
  state: HAConnectionState = 'AWAIT_REPORT';
  /** The first report: where the slave asked the transfer to start (-1: none yet). */
  slaveRequestOffset = -1;
  /** The latest report (-1: none yet). */
  slaveAckOffset = -1;
  /** The next CommitLog offset to send (-1: not transferring yet). */
  nextTransferFromWhere = -1;
  lastReadTimestamp = Date.now();
  lastWriteTimestamp = Date.now();
  transferredBytes = 0;
  /** Why the connection closed, for logs and tests. */
  closeReason = '';

  private readonly reader = new OffsetReportReader();
  private readonly log: Logger;
  private pumping = false;
  private waitingDrain = false;
  private warnedBelowMin = false;

  constructor(
    private readonly socket: Socket,
    private readonly owner: HAConnectionOwner,
  ) {
    this.addr = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.log = owner.log.child({ slave: this.addr });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      if (this.state !== 'CLOSED') this.log.warn({ err: errorMessage(err) }, 'HA connection error');
    });
    socket.on('close', () => this.onClosed());
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'CLOSED') return;
    this.lastReadTimestamp = Date.now();
    const offset = this.reader.push(chunk);
    if (offset === undefined) return;
    const store = this.owner.store;
    const max = store.getMaxPhyOffset();
    if (offset > max) {
      this.log.error(
        { slaveOffset: offset, masterMaxOffset: max, aheadBytes: offset - max },
        'slave reports a CommitLog offset beyond this master\'s log: it holds data this master does not have (the master lost the tail of its log, ' +
          'or the slave followed another master). Refusing to replicate to it; nothing is changed on either side. To resolve: if this master\'s ' +
          'data is authoritative, stop the slave, move its store directory aside (it keeps the extra messages for inspection) and start it empty ' +
          'so it copies this master again; if the slave\'s data must survive, stop this master and rebuild it from the slave\'s CommitLog.',
      );
      this.close('slave ahead of master');
      return;
    }
    this.slaveAckOffset = offset;
    if (this.slaveRequestOffset < 0) {
      this.slaveRequestOffset = offset;
      const seg = store.segmentSize;
      // A new slave (offset 0) starts at the master's last segment, as Java does.
      this.nextTransferFromWhere = offset === 0 ? Math.max(0, max - (max % seg)) : offset;
      this.state = 'TRANSFERRING';
      this.log.info({ slaveRequestOffset: offset, transferFrom: this.nextTransferFromWhere }, 'slave request offset; master transfers data from there');
      this.pump();
    }
    this.owner.notifyTransferSome(offset);
  }

  /** Sends what the log holds beyond nextTransferFromWhere, until caught up or the socket backs up. */
  pump(): void {
    if (this.pumping || this.waitingDrain || this.state !== 'TRANSFERRING') return;
    this.pumping = true;
    void this.transfer().finally(() => {
      this.pumping = false;
    });
  }

  private async transfer(): Promise<void> {
    const store = this.owner.store;
    const o = this.owner.options;
    const socket = this.socket;
    try {
      while (this.state === 'TRANSFERRING') {
        if (socket.writableLength >= o.haMaxSocketBufferedBytes) {
          this.waitingDrain = true;
          socket.once('drain', () => {
            this.waitingDrain = false;
            this.pump();
          });
          return;
        }
        const from = this.nextTransferFromWhere;
        if (from >= store.getMaxPhyOffset()) return;
        const data = await store.getCommitLogData(from, o.haTransferBatchSize);
        if (this.state !== 'TRANSFERRING') return;
        if (data === undefined || data.length === 0) {
          const min = store.getMinPhyOffset();
          if (from < min && !this.warnedBelowMin) {
            this.warnedBelowMin = true;
            this.log.error(
              { transferFrom: from, masterMinOffset: min },
              'the slave needs CommitLog data this master has already deleted; it cannot catch up. Stop the slave, clear its store directory and start it again (it then copies from the start of the master\'s last CommitLog file).',
            );
          }
          return;
        }
        socket.cork();
        socket.write(encodeTransferHeader(from, data.length));
        socket.write(data);
        socket.uncork();
        this.nextTransferFromWhere = from + data.length;
        this.transferredBytes += data.length;
        this.lastWriteTimestamp = Date.now();
      }
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'HA transfer failed');
      this.close('transfer failed');
    }
  }

  /** Heartbeat and housekeeping, from the service's timer. */
  tick(now: number): void {
    if (this.state === 'CLOSED') return;
    const o = this.owner.options;
    if (now - this.lastReadTimestamp > o.haHousekeepingInterval) {
      this.log.warn({ silentMs: now - this.lastReadTimestamp }, 'ha housekeeping: the slave connection expired');
      this.close('slave silent');
      return;
    }
    if (this.state === 'TRANSFERRING' && now - this.lastWriteTimestamp > o.haSendHeartbeatInterval && this.socket.writableLength === 0) {
      this.socket.write(encodeTransferHeader(this.nextTransferFromWhere, 0));
      this.lastWriteTimestamp = now;
    }
  }

  close(reason: string): void {
    if (this.state === 'CLOSED') return;
    this.closeReason = reason;
    this.state = 'CLOSED';
    this.socket.destroy();
    this.owner.removeConnection(this);
  }

  private onClosed(): void {
    if (this.state === 'CLOSED') return;
    this.closeReason = 'closed by the slave';
    this.state = 'CLOSED';
    this.log.info({ ackOffset: this.slaveAckOffset }, 'slave connection closed');
    this.owner.removeConnection(this);
  }
}
