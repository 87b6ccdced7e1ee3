/**
 * Master/slave replication (Java's HAService): every broker listens for
 * slaves and, when told a master address, follows that master. A SYNC_MASTER
 * uses it as its ReplicaWaiter.
 *
 * Lag is measured on the master: every CommitLog write is noted with its
 * time; when the best slave's ack covers it, (ack time - write time) goes into
 * a histogram. "Fall behind" is the bytes written but not acked
 * (Java's slaveFallBehindMuch) and the age of the oldest such write (how long
 * ago the slave last had everything).
 */
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import type { Logger } from '@rocketmq-ts/common';
import { ErrorCode, RmqError, errorMessage, silentLogger } from '@rocketmq-ts/common';
import { BrokerRole } from '../options.js';
import { LatencyHistogram } from '../stats.js';
import { PutMessageStatus, type ReplicaWaiter } from '../types.js';
import { HAClient } from './client.js';
import { HAConnection, type HAConnectionOwner } from './connection.js';
import type { HAOptions } from './options.js';
import type { HAStore } from './store-view.js';
import { ReplicaWaitQueue } from './wait-queue.js';

/** One slave as the master sees it (fields after 5.x's HAConnectionRuntimeInfo, plus ours). */
export interface HAConnectionRuntimeInfo {
  readonly addr: string;
  readonly state: string;
  readonly slaveRequestOffset: number;
  readonly slaveAckOffset: number;
  /** Master's written end minus this slave's ack. */
  readonly diff: number;
  /** diff < haSlaveFallbehindMax. */
  readonly inSync: boolean;
  readonly transferFromWhere: number;
  readonly transferredBytes: number;
  readonly transferredByteInSecond: number;
  readonly connectedAt: number;
  readonly lastReadTimestamp: number;
}

/** The slave's follower state (5.x's HAClientRuntimeInfo, plus ours). */
export interface HAClientRuntimeInfo {
  readonly masterAddress: string;
  readonly state: string;
  readonly connected: boolean;
  /** The slave's written CommitLog end. */
  readonly maxOffset: number;
  readonly reportedOffset: number;
  readonly receivedBytes: number;
  readonly transferredByteInSecond: number;
  readonly lastReadTimestamp: number;
  readonly lastWriteTimestamp: number;
  readonly connects: number;
  readonly lastCloseReason: string;
}

export interface ReplicationLatency {
  /** Writes whose replication was measured. */
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface HARuntimeInfo {
  readonly master: boolean;
  readonly masterCommitLogMaxOffset: number;
  /** Slaves connected now (Java's connectionCount). */
  readonly connectionCount: number;
  readonly inSyncSlaveNums: number;
  /** The highest offset any slave acknowledged since start (Java's push2SlaveMaxOffset). */
  readonly push2SlaveMaxOffset: number;
  /** masterCommitLogMaxOffset - push2SlaveMaxOffset (Java's slaveFallBehindMuch). */
  readonly slaveFallBehindBytes: number;
  /** ms since the slave last held everything written (0 when it does now). */
  readonly slaveFallBehindMillis: number;
  /** Master write completed -> a slave acknowledged it. */
  readonly replicationLatency: ReplicationLatency;
  readonly connections: readonly HAConnectionRuntimeInfo[];
  readonly client: HAClientRuntimeInfo;
}

/** The replication service the broker owns. */
export interface HAService extends ReplicaWaiter {
  /** Listens for slaves and starts following the master, if one is known. */
  start(): Promise<void>;
  shutdown(): Promise<void>;
  /** The HA port listened on (the real one when 0 was asked for). */
  readonly listenPort: number;
  /** Tells a slave where its master's HA port is ("ip:port"). */
  updateMasterAddress(addr: string): void;
  /** Java's isSlaveOK: a slave is connected and at most haSlaveFallbehindMax bytes behind `masterPutWhere`. */
  isSlaveOK(masterPutWhere: number): boolean;
  /** Java's slaveFallBehindMuch. */
  slaveFallBehindMuch(): number;
  getRuntimeInfo(): HARuntimeInfo;
  /** String entries for GET_BROKER_RUNTIME_INFO. */
  runtimeInfoTable(): Record<string, string>;
}

export interface HAServiceDeps {
  /** @defaultValue silentLogger */
  readonly logger?: Logger;
}

/** Write times awaiting an ack, oldest first, in a ring; when full, new writes merge into the newest entry (so lag is never under-reported). */
class WriteTimeline {
  private readonly offsets: Float64Array;
  private readonly times: Float64Array;
  private head = 0;
  private size = 0;

  constructor(private readonly capacity = 1 << 16) {
    this.offsets = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }

  push(offset: number, t: number): void {
    if (this.size > 0) {
      const last = (this.head + this.size - 1) % this.capacity;
      if (offset <= (this.offsets[last] as number)) return;
      if (this.size === this.capacity) {
        this.offsets[last] = offset;
        return;
      }
    }
    const i = (this.head + this.size) % this.capacity;
    this.offsets[i] = offset;
    this.times[i] = t;
    this.size++;
  }

  /** Drops the writes `ack` covers, recording each one's lag. */
  ack(ack: number, now: number, into: LatencyHistogram): void {
    while (this.size > 0 && (this.offsets[this.head] as number) <= ack) {
      into.record((now - (this.times[this.head] as number)) * 1000);
      this.head = (this.head + 1) % this.capacity;
      this.size--;
    }
  }

  /** Time of the oldest write not acked yet; undefined when all are. */
  oldest(): number | undefined {
    return this.size === 0 ? undefined : this.times[this.head];
  }
}

export class DefaultHAService implements HAService, HAConnectionOwner {
  readonly options: HAOptions;
  readonly log: Logger;
  private readonly client: HAClient;
  private readonly connections = new Set<HAConnection>();
  private readonly waits = new ReplicaWaitQueue();
  private readonly timeline = new WriteTimeline();
  private readonly latency = new LatencyHistogram();
  private server: Server | undefined;
  private port = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private rateTimer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly rates = new Map<object, { last: number; perSecond: number }>();

  constructor(
    readonly store: HAStore,
    private readonly role: BrokerRole,
    options: HAOptions,
    deps: HAServiceDeps = {},
  ) {
    this.options = options;
    this.log = (deps.logger ?? silentLogger).child({ component: 'ha' });
    this.client = new HAClient(store, options, this.log.child({ component: 'ha-client' }));
  }

  get listenPort(): number {
    return this.port;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => {
        reject(new RmqError(ErrorCode.CONNECTION, `cannot listen on the HA port ${this.options.haListenHost}:${this.options.haListenPort}: ${errorMessage(err)}`, { cause: err }));
      });
      server.listen(this.options.haListenPort, this.options.haListenHost, () => resolve());
    });
    server.on('error', (err) => this.log.error({ err: errorMessage(err) }, 'HA acceptor error'));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.running = true;
    this.store.setCommitLogWrittenListener((written) => this.onWritten(written));
    const tickMs = Math.max(10, Math.min(1000, Math.floor(this.options.haSendHeartbeatInterval / 2)));
    this.tickTimer = setInterval(() => this.tick(), tickMs);
    this.tickTimer.unref();
    this.rateTimer = setInterval(() => this.sampleRates(), 1000);
    this.rateTimer.unref();
    this.client.start();
    this.log.info({ port: this.port, masterAddress: this.client.masterAddress || undefined }, 'HA service started');
  }

  async shutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.store.setCommitLogWrittenListener(undefined);
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer);
    if (this.rateTimer !== undefined) clearInterval(this.rateTimer);
    this.client.stop();
    for (const c of [...this.connections]) c.close('shutdown');
    // Puts still waiting would wait for an ack that cannot come now.
    this.waits.failAll(PutMessageStatus.FLUSH_SLAVE_TIMEOUT);
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  updateMasterAddress(addr: string): void {
    this.client.updateMasterAddress(addr);
  }

  // ---------------------------------------------------------------------------
  // Master side

  private accept(socket: Socket): void {
    if (!this.running) {
      socket.destroy();
      return;
    }
    this.log.info({ slave: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}` }, 'HAService receive new connection');
    this.connections.add(new HAConnection(socket, this));
  }

  removeConnection(conn: HAConnection): void {
    this.connections.delete(conn);
    this.rates.delete(conn);
  }

  notifyTransferSome(offset: number): void {
    if (this.waits.ack(offset)) this.timeline.ack(offset, performance.now(), this.latency);
  }

  private onWritten(written: number): void {
    if (this.role !== BrokerRole.SLAVE) this.timeline.push(written, performance.now());
    for (const c of this.connections) c.pump();
  }

  isSlaveOK(masterPutWhere: number): boolean {
    return this.connections.size > 0 && masterPutWhere - this.waits.ackedOffset < this.options.haSlaveFallbehindMax;
  }

  waitForReplica(nextOffset: number, timeoutMs: number): Promise<PutMessageStatus> {
    if (!this.isSlaveOK(nextOffset)) return Promise.resolve(PutMessageStatus.SLAVE_NOT_AVAILABLE);
    return this.waits.wait(nextOffset, timeoutMs);
  }

  /** Starts the replication latency histogram afresh (a benchmark's measured window). */
  resetReplicationLatency(): void {
    this.latency.reset();
  }

  slaveFallBehindMuch(): number {
    return this.store.getMaxPhyOffset() - this.waits.ackedOffset;
  }

  // ---------------------------------------------------------------------------
  // Timers and metrics

  private tick(): void {
    const now = Date.now();
    for (const c of [...this.connections]) c.tick(now);
    this.client.tick(now);
  }

  private sampleRates(): void {
    const sample = (key: object, total: number): void => {
      const r = this.rates.get(key);
      if (r === undefined) this.rates.set(key, { last: total, perSecond: 0 });
      else {
        r.perSecond = total - r.last;
        r.last = total;
      }
    };
    for (const c of this.connections) sample(c, c.transferredBytes);
    sample(this.client, this.client.receivedBytes);
  }

  getRuntimeInfo(): HARuntimeInfo {
    const max = this.store.getMaxPhyOffset();
    const o = this.options;
    const connections: HAConnectionRuntimeInfo[] = [...this.connections].map((c) => {
      const diff = c.slaveAckOffset < 0 ? max : max - c.slaveAckOffset;
      return {
        addr: c.addr,
        state: c.state,
        slaveRequestOffset: c.slaveRequestOffset,
        slaveAckOffset: c.slaveAckOffset,
        diff,
        inSync: diff < o.haSlaveFallbehindMax,
        transferFromWhere: c.nextTransferFromWhere,
        transferredBytes: c.transferredBytes,
        transferredByteInSecond: this.rates.get(c)?.perSecond ?? 0,
        connectedAt: c.connectedAt,
        lastReadTimestamp: c.lastReadTimestamp,
      };
    });
    const acked = this.waits.ackedOffset;
    const oldest = acked >= max ? undefined : this.timeline.oldest();
    const cl = this.client;
    const ms = (us: number): number => Math.round(us) / 1000;
    return {
      master: this.role !== BrokerRole.SLAVE,
      masterCommitLogMaxOffset: max,
      connectionCount: this.connections.size,
      inSyncSlaveNums: connections.filter((c) => c.inSync && c.slaveAckOffset >= 0).length,
      push2SlaveMaxOffset: acked,
      slaveFallBehindBytes: max - acked,
      slaveFallBehindMillis: oldest === undefined ? 0 : Math.max(0, Math.round(performance.now() - oldest)),
      replicationLatency: {
        count: this.latency.count,
        p50Ms: ms(this.latency.quantileMicros(0.5)),
        p99Ms: ms(this.latency.quantileMicros(0.99)),
        maxMs: ms(this.latency.maxMicros),
      },
      connections,
      client: {
        masterAddress: cl.masterAddress,
        state: cl.state,
        connected: cl.isConnected,
        maxOffset: max,
        reportedOffset: cl.reportedOffset,
        receivedBytes: cl.receivedBytes,
        transferredByteInSecond: this.rates.get(cl)?.perSecond ?? 0,
        lastReadTimestamp: cl.lastReadTimestamp,
        lastWriteTimestamp: cl.lastWriteTimestamp,
        connects: cl.connects,
        lastCloseReason: cl.lastCloseReason,
      },
    };
  }

  runtimeInfoTable(): Record<string, string> {
    const r = this.getRuntimeInfo();
    const out: Record<string, string> = {
      haListenPort: String(this.port),
      haConnectionCount: String(r.connectionCount),
    };
    if (r.master) {
      Object.assign(out, {
        slaveFallBehindMuch: String(r.slaveFallBehindBytes),
        haSlaveFallBehindMillis: String(r.slaveFallBehindMillis),
        haPush2SlaveMaxOffset: String(r.push2SlaveMaxOffset),
        haInSyncSlaveNums: String(r.inSyncSlaveNums),
        haTransferredBytes: String(r.connections.reduce((s, c) => s + c.transferredBytes, 0)),
        haTransferredByteInSecond: String(r.connections.reduce((s, c) => s + c.transferredByteInSecond, 0)),
        haReplicationLatencyCount: String(r.replicationLatency.count),
        haReplicationLatency50: r.replicationLatency.p50Ms.toFixed(2),
        haReplicationLatency99: r.replicationLatency.p99Ms.toFixed(2),
        haReplicationLatencyMax: r.replicationLatency.maxMs.toFixed(2),
      });
    } else {
      Object.assign(out, {
        haMasterAddress: r.client.masterAddress,
        haClientConnected: String(r.client.connected),
        haSlaveReportedOffset: String(r.client.reportedOffset),
        haReceivedBytes: String(r.client.receivedBytes),
        haReceivedByteInSecond: String(r.client.transferredByteInSecond),
        haLastReadTimestamp: String(r.client.lastReadTimestamp),
        haLastCloseReason: r.client.lastCloseReason,
      });
    }
    return out;
  }
}
