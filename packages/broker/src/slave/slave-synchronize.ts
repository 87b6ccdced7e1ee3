/**
 * SlaveSynchronize.java: a slave copies its master's topic config,
 * consumer offsets, delay offsets and subscription groups (in that order,
 * every slaveSynchronizeInterval, Java's fixed 10 s) over remoting to the
 * master's broker address, which it learns from its NameServer registration.
 *
 * All four go to the master's broker port (Java sends GET_ALL_TOPIC_CONFIG
 * to its VIP port, listenPort - 2; a Java master serves it on both).
 * - Topics and groups are replaced wholesale when the master's DataVersion
 *   differs, and written to topics.json / subscriptionGroup.json.
 * - Consumer offsets are merged in (Java's putAll): the master's entries win,
 *   offsets only the slave has (committed to it while the master was away)
 *   stay until the master has that key.
 * - The delay offset JSON is written to delayOffset.json as the master sent it.
 * Each part fails on its own (logged); the others still run.
 */
import { type Logger, errorMessage } from '@rocketmq-ts/common';
import {
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  createRequest,
  decodeConsumerOffsetSerializeWrapper,
  decodeSubscriptionGroupWrapper,
  decodeTopicConfigSerializeWrapper,
} from '@rocketmq-ts/protocol';
import type { RemotingClient } from '@rocketmq-ts/remoting';
import type { BrokerConfigFiles } from '@rocketmq-ts/store';
import type { ConsumerOffsetManager } from '../offset/consumer-offset-manager.js';
import type { SubscriptionGroupManager } from '../subscription/subscription-group-manager.js';
import type { TopicConfigManager } from '../topic/topic-config-manager.js';

/** BrokerOuterAPI's timeout for these calls. */
const SYNC_TIMEOUT_MS = 3000;

export interface SlaveSynchronizeDeps {
  readonly client: RemotingClient;
  readonly topics: TopicConfigManager;
  readonly groups: SubscriptionGroupManager;
  readonly offsets: ConsumerOffsetManager;
  readonly files: BrokerConfigFiles;
  /** This broker's own address (never synced from itself). */
  readonly brokerAddr: () => string;
  readonly logger: Logger;
}

/** What one syncAll did, for tests and logs. */
export interface SyncResult {
  topics: 'updated' | 'unchanged' | 'failed' | 'skipped';
  consumerOffsets: 'updated' | 'failed' | 'skipped';
  delayOffsets: 'updated' | 'failed' | 'skipped';
  subscriptionGroups: 'updated' | 'unchanged' | 'failed' | 'skipped';
}

export class SlaveSynchronize {
  private masterAddr: string | undefined;
  private readonly log: Logger;
  private running: Promise<SyncResult> | undefined;
  /** Last completed sync (ms since epoch), 0 before any. */
  lastSyncTimestamp = 0;

  constructor(private readonly deps: SlaveSynchronizeDeps) {
    this.log = deps.logger.child({ component: 'slave-sync' });
  }

  getMasterAddr(): string | undefined {
    return this.masterAddr;
  }

  setMasterAddr(addr: string | undefined): void {
    const next = addr === '' ? undefined : addr;
    if (next !== this.masterAddr) this.log.info({ old: this.masterAddr, new: next }, 'master broker address for config sync');
    this.masterAddr = next;
  }

  /** One round; concurrent calls share it. */
  syncAll(): Promise<SyncResult> {
    this.running ??= this.doSyncAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async doSyncAll(): Promise<SyncResult> {
    const master = this.masterAddr;
    const result: SyncResult = { topics: 'skipped', consumerOffsets: 'skipped', delayOffsets: 'skipped', subscriptionGroups: 'skipped' };
    if (master === undefined || master === this.deps.brokerAddr()) return result;
    result.topics = await this.syncTopicConfig(master);
    result.consumerOffsets = await this.syncConsumerOffset(master);
    result.delayOffsets = await this.syncDelayOffset(master);
    result.subscriptionGroups = await this.syncSubscriptionGroupConfig(master);
    this.lastSyncTimestamp = Date.now();
    return result;
  }

  private async call(addr: string, code: number): Promise<Buffer> {
    const r: RemotingCommand = await this.deps.client.invoke(addr, createRequest(code, {}), SYNC_TIMEOUT_MS);
    if (r.code !== ResponseCode.SUCCESS) throw new Error(`code ${r.code}: ${r.remark ?? ''}`);
    return r.body ?? Buffer.alloc(0);
  }

  private async syncTopicConfig(master: string): Promise<SyncResult['topics']> {
    try {
      // Java asks the VIP channel (listenPort - 2) for this one. A Java master serves it on both ports, and
      // listenPort - 2 may be another process when the master has no VIP port: ask the master's port.
      const w = decodeTopicConfigSerializeWrapper(await this.call(master, RequestCode.GET_ALL_TOPIC_CONFIG));
      const topics = this.deps.topics;
      if (sameVersion(topics.dataVersion, w.dataVersion)) return 'unchanged';
      topics.dataVersion.timestamp = w.dataVersion.timestamp;
      topics.dataVersion.counter = w.dataVersion.counter;
      topics.table.clear();
      for (const [name, tc] of w.topicConfigTable) topics.table.set(name, tc);
      await topics.persist();
      this.log.info({ master, topics: topics.table.size }, 'Update slave topic config from master');
      return 'updated';
    } catch (err) {
      this.log.error({ master, err: errorMessage(err) }, 'SyncTopicConfig Exception');
      return 'failed';
    }
  }

  private async syncConsumerOffset(master: string): Promise<SyncResult['consumerOffsets']> {
    try {
      const w = decodeConsumerOffsetSerializeWrapper(await this.call(master, RequestCode.GET_ALL_CONSUMER_OFFSET));
      const table = this.deps.offsets.table;
      for (const [key, m] of w.offsetTable) table.set(key, new Map(m));
      await this.deps.offsets.persist(true);
      this.log.info({ master, entries: w.offsetTable.size }, 'Update slave consumer offset from master');
      return 'updated';
    } catch (err) {
      this.log.error({ master, err: errorMessage(err) }, 'SyncConsumerOffset Exception');
      return 'failed';
    }
  }

  private async syncDelayOffset(master: string): Promise<SyncResult['delayOffsets']> {
    try {
      const text = (await this.call(master, RequestCode.GET_ALL_DELAY_OFFSET)).toString('utf8');
      if (text.length > 0) await this.deps.files.delayOffsets.write(text);
      this.log.info({ master }, 'Update slave delay offset from master');
      return 'updated';
    } catch (err) {
      this.log.error({ master, err: errorMessage(err) }, 'SyncDelayOffset Exception');
      return 'failed';
    }
  }

  private async syncSubscriptionGroupConfig(master: string): Promise<SyncResult['subscriptionGroups']> {
    try {
      const w = decodeSubscriptionGroupWrapper(await this.call(master, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG));
      const groups = this.deps.groups;
      if (sameVersion(groups.dataVersion, w.dataVersion)) return 'unchanged';
      groups.dataVersion.timestamp = w.dataVersion.timestamp;
      groups.dataVersion.counter = w.dataVersion.counter;
      groups.table.clear();
      for (const [name, c] of w.subscriptionGroupTable) groups.table.set(name, c);
      await groups.persist();
      this.log.info({ master, groups: groups.table.size }, 'Update slave Subscription Group from master');
      return 'updated';
    } catch (err) {
      this.log.error({ master, err: errorMessage(err) }, 'SyncSubscriptionGroup Exception');
      return 'failed';
    }
  }
}

function sameVersion(a: { timestamp: number; counter: number }, b: { timestamp: number; counter: number }): boolean {
  return a.timestamp === b.timestamp && a.counter === b.counter;
}
