/**
 * Consumer groups known to this broker (SubscriptionGroupManager.java):
 * retry queue count, retry limit, whether the group may consume. A pull or
 * heartbeat from an unknown group creates it when autoCreateSubscriptionGroup
 * is on (and always for CID_RMQ_SYS_ groups).
 */
import { type Logger, silentLogger } from '@rocketmq-ts/common';
import { type DataVersion, type SubscriptionGroupConfig, MixAll, defaultSubscriptionGroupConfig } from '@rocketmq-ts/protocol';
import type { BrokerConfigFiles } from '@rocketmq-ts/store';
import type { BrokerConfig } from '../config.js';
import { CoalescingWriter, newDataVersion, nextVersion } from '../persist.js';

export function isSysConsumerGroup(group: string): boolean {
  return group.startsWith(MixAll.CID_RMQ_SYS_PREFIX);
}

export interface SubscriptionGroupManagerDeps {
  readonly config: BrokerConfig;
  readonly files: BrokerConfigFiles;
  readonly logger?: Logger;
}

export class SubscriptionGroupManager {
  readonly table = new Map<string, SubscriptionGroupConfig>();
  readonly dataVersion: DataVersion = newDataVersion();
  private readonly config: BrokerConfig;
  private readonly files: BrokerConfigFiles;
  private readonly log: Logger;
  private readonly writer: CoalescingWriter;

  constructor(deps: SubscriptionGroupManagerDeps) {
    this.config = deps.config;
    this.files = deps.files;
    this.log = (deps.logger ?? silentLogger).child({ component: 'groups' });
    this.writer = new CoalescingWriter(
      'subscriptionGroup.json',
      () =>
        this.files.saveSubscriptionGroups({
          subscriptionGroupTable: Object.fromEntries([...this.table].map(([k, v]) => [k, { ...v }])),
          dataVersion: { timestamp: this.dataVersion.timestamp, counter: this.dataVersion.counter },
        }),
      this.log,
    );
    // The groups Java's constructor adds.
    for (const g of [MixAll.TOOLS_CONSUMER_GROUP, MixAll.FILTERSRV_CONSUMER_GROUP, MixAll.SELF_TEST_CONSUMER_GROUP]) {
      this.table.set(g, defaultSubscriptionGroupConfig(g));
    }
    for (const g of [MixAll.ONS_HTTP_PROXY_GROUP, MixAll.CID_ONSAPI_PULL_GROUP, MixAll.CID_ONSAPI_PERMISSION_GROUP, MixAll.CID_ONSAPI_OWNER_GROUP]) {
      this.table.set(g, { ...defaultSubscriptionGroupConfig(g), consumeBroadcastEnable: true });
    }
  }

  async load(): Promise<void> {
    const stored = await this.files.loadSubscriptionGroups();
    if (stored === undefined) return;
    for (const [name, c] of Object.entries(stored.subscriptionGroupTable)) this.table.set(name, { ...c });
    this.dataVersion.timestamp = stored.dataVersion.timestamp;
    this.dataVersion.counter = stored.dataVersion.counter;
    this.log.info({ groups: Object.keys(stored.subscriptionGroupTable).length }, 'subscription groups loaded');
  }

  /** The group's config; creates it when allowed (findSubscriptionGroupConfig). */
  findSubscriptionGroupConfig(group: string): SubscriptionGroupConfig | undefined {
    const found = this.table.get(group);
    if (found !== undefined) return found;
    if (!this.config.autoCreateSubscriptionGroup && !isSysConsumerGroup(group)) return undefined;
    const created = defaultSubscriptionGroupConfig(group);
    this.table.set(group, created);
    this.log.info({ group: created }, 'auto create a subscription group');
    nextVersion(this.dataVersion);
    void this.persist();
    return created;
  }

  updateSubscriptionGroupConfig(c: SubscriptionGroupConfig): void {
    const old = this.table.get(c.groupName);
    this.table.set(c.groupName, c);
    this.log.info({ old, group: c }, old === undefined ? 'create new subscription group' : 'update subscription group config');
    nextVersion(this.dataVersion);
    void this.persist();
  }

  deleteSubscriptionGroupConfig(group: string): boolean {
    if (!this.table.delete(group)) return false;
    nextVersion(this.dataVersion);
    void this.persist();
    return true;
  }

  /** PROTECT_BROKER: a group reading too slowly stops consuming (not persisted, as in Java). */
  disableConsume(group: string): void {
    const c = this.table.get(group);
    if (c === undefined) return;
    c.consumeEnable = false;
    nextVersion(this.dataVersion);
  }

  persist(): Promise<void> {
    return this.writer.request();
  }

  idle(): Promise<void> {
    return this.writer.idle();
  }
}
