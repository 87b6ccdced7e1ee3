/**
 * The broker's replication role (BrokerController's HA parts):
 * - every broker runs the store's HA service (Java's HAService: it listens
 *   for slaves whatever the role);
 * - a SYNC_MASTER makes it the store's ReplicaWaiter;
 * - a SLAVE follows haMasterAddress when set (6+ characters, as Java checks),
 *   else the master HA address the NameServer returns on each registration,
 *   and copies the master's config every slaveSynchronizeInterval;
 * - a master logs how far its slave is behind every minute
 *   (printMasterAndSlaveDiff).
 */
import { type Logger, errorMessage } from '@rocketmq-ts/common';
import type { RegisterBrokerResult } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import {
  type BrokerConfigFiles,
  DefaultHAService,
  type DefaultMessageStore,
  type HARuntimeInfo,
  haStoreOf,
  parseHAOptions,
} from '@rocketmq-ts/store';
import type { BrokerConfig } from '../config.js';
import type { ConsumerOffsetManager } from '../offset/consumer-offset-manager.js';
import { SlaveSynchronize } from '../slave/slave-synchronize.js';
import type { SubscriptionGroupManager } from '../subscription/subscription-group-manager.js';
import type { TopicConfigManager } from '../topic/topic-config-manager.js';

/** Java: printMasterAndSlaveDiff 10 s after start, then every 60 s. */
const DIFF_LOG_INTERVAL_MS = 60_000;
/** Java: syncAll 3 s after start, then every 10 s (slaveSynchronizeInterval here). */
const FIRST_SYNC_DELAY_MS = 3000;

export interface BrokerReplicationDeps {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly topics: TopicConfigManager;
  readonly groups: SubscriptionGroupManager;
  readonly offsets: ConsumerOffsetManager;
  readonly files: BrokerConfigFiles;
  readonly brokerAddr: () => string;
}

export class BrokerReplication {
  private ha: DefaultHAService | undefined;
  private readonly log: Logger;
  private readonly timers: NodeJS.Timeout[] = [];
  private client: RemotingClient | undefined;
  /** Java's updateMasterHAServerAddrPeriodically: no haMasterAddress, so take the one the NameServer returns. */
  private haAddrFromNameServer = false;
  readonly slaveSync: SlaveSynchronize | undefined;

  constructor(private readonly deps: BrokerReplicationDeps) {
    this.log = deps.logger.child({ component: 'replication' });
    if (deps.config.brokerRole === 'SLAVE') {
      this.client = new RemotingClient({ logger: deps.logger });
      this.slaveSync = new SlaveSynchronize({
        client: this.client,
        topics: deps.topics,
        groups: deps.groups,
        offsets: deps.offsets,
        files: deps.files,
        brokerAddr: deps.brokerAddr,
        logger: deps.logger,
      });
    }
  }

  /** The HA port listened on; 0 before start. */
  get haListenPort(): number {
    return this.ha?.listenPort ?? 0;
  }

  /** Starts HA on `haListenPort` (0 = listenPort + 1, or any free port when the broker listens on port 0). */
  async start(store: DefaultMessageStore, boundPort: number): Promise<void> {
    const c = this.deps.config;
    const port = c.haListenPort > 0 ? c.haListenPort : c.listenPort === 0 ? 0 : boundPort + 1;
    const fromConfig = c.haMasterAddress.length >= 6 ? c.haMasterAddress : '';
    const ha = new DefaultHAService(
      haStoreOf(store),
      c.brokerRole,
      parseHAOptions({
        haListenPort: port,
        haListenHost: c.listenHost,
        haMasterAddress: c.brokerRole === 'SLAVE' ? fromConfig : '',
        haSendHeartbeatInterval: c.haSendHeartbeatInterval,
        haHousekeepingInterval: c.haHousekeepingInterval,
        haTransferBatchSize: c.haTransferBatchSize,
        haSlaveFallbehindMax: c.haSlaveFallbehindMax,
        haConnectRetryInterval: c.haConnectRetryInterval,
      }),
      { logger: this.deps.logger },
    );
    await ha.start();
    this.ha = ha;
    if (c.brokerRole === 'SYNC_MASTER') store.setReplicaWaiter(ha);
    const every = (first: number, period: number, what: string, fn: () => Promise<unknown> | void): void => {
      const run = (): void => {
        try {
          const r = fn();
          if (r !== undefined) r.catch((err: unknown) => this.log.error({ err: errorMessage(err) }, what));
        } catch (err) {
          this.log.error({ err: errorMessage(err) }, what);
        }
      };
      const t = setTimeout(() => {
        run();
        const i = setInterval(run, period);
        i.unref();
        this.timers.push(i);
      }, first);
      t.unref();
      this.timers.push(t);
    };
    if (c.brokerRole === 'SLAVE') {
      this.haAddrFromNameServer = fromConfig === '';
      const sync = this.slaveSync as SlaveSynchronize;
      every(Math.min(FIRST_SYNC_DELAY_MS, c.slaveSynchronizeInterval), c.slaveSynchronizeInterval, 'ScheduledTask SlaveSynchronize syncAll error', () => sync.syncAll());
    } else {
      every(10_000, DIFF_LOG_INTERVAL_MS, 'schedule printMasterAndSlaveDiff error', () => {
        this.log.info({ bytes: ha.slaveFallBehindMuch() }, 'Slave fall behind master');
      });
    }
  }

  /** What a NameServer answered to REGISTER_BROKER: a slave learns its master's addresses from it. */
  onRegisterResult(r: RegisterBrokerResult): void {
    if (this.haAddrFromNameServer && r.haServerAddr !== undefined && r.haServerAddr !== '') this.ha?.updateMasterAddress(r.haServerAddr);
    this.slaveSync?.setMasterAddr(r.masterAddr);
  }

  runtimeInfo(): Record<string, string> {
    return this.ha?.runtimeInfoTable() ?? {};
  }

  haRuntimeInfo(): HARuntimeInfo | undefined {
    return this.ha?.getRuntimeInfo();
  }

  /** The running HA service (tools and benchmarks); undefined before start and after close. */
  get service(): DefaultHAService | undefined {
    return this.ha;
  }

  /** Stops replication before the store shuts down. */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
    await this.ha?.shutdown();
    this.ha = undefined;
    await this.client?.close();
    this.client = undefined;
  }
}
