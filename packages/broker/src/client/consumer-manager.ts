/**
 * Consumer groups online on this broker (ConsumerManager and
 * ConsumerGroupInfo.java): their connections, subscriptions and consume
 * settings, kept up to date by heartbeats and dropped when connections close
 * or go silent. Membership and subscription changes are reported so the
 * broker can tell the group's consumers to rebalance.
 */
import { type Logger, silentLogger } from '@rocketmq-ts/common';
import type { SubscriptionData } from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import { type CompiledSubscription, compileHeartbeatSubscription } from '../filter/message-filter.js';
import type { ClientChannelInfo } from './client-channel-info.js';

/** A subscription as the client sent it, and its compiled filter. */
export interface SubscriptionEntry {
  readonly data: SubscriptionData;
  readonly compiled: CompiledSubscription;
}

export class ConsumerGroupInfo {
  readonly subscriptionTable = new Map<string, SubscriptionEntry>();
  readonly channelInfoTable = new Map<Channel, ClientChannelInfo>();
  lastUpdateTimestamp = Date.now();

  constructor(
    readonly groupName: string,
    public consumeType: string,
    public messageModel: string,
    public consumeFromWhere: string,
  ) {}

  findChannel(clientId: string): ClientChannelInfo | undefined {
    for (const info of this.channelInfoTable.values()) if (info.clientId === clientId) return info;
    return undefined;
  }

  allChannels(): Channel[] {
    return [...this.channelInfoTable.keys()];
  }

  allClientIds(): string[] {
    return [...this.channelInfoTable.values()].map((i) => i.clientId);
  }

  findSubscriptionData(topic: string): SubscriptionEntry | undefined {
    return this.subscriptionTable.get(topic);
  }

  /** True when the connection is new to the group. */
  updateChannel(info: ClientChannelInfo, consumeType: string, messageModel: string, consumeFromWhere: string): boolean {
    this.consumeType = consumeType;
    this.messageModel = messageModel;
    this.consumeFromWhere = consumeFromWhere;
    let updated = false;
    let current = this.channelInfoTable.get(info.channel);
    if (current === undefined) {
      this.channelInfoTable.set(info.channel, info);
      current = info;
      updated = true;
    } else if (current.clientId !== info.clientId) {
      // Java logs this as a bug and takes the new identity.
      this.channelInfoTable.set(info.channel, info);
      current = info;
    }
    this.lastUpdateTimestamp = Date.now();
    current.lastUpdateTimestamp = this.lastUpdateTimestamp;
    return updated;
  }

  /** True when a topic was added or removed (a newer subVersion alone replaces quietly, as Java). */
  updateSubscription(subs: readonly SubscriptionData[]): boolean {
    let updated = false;
    const topics = new Set<string>();
    for (const sub of subs) {
      topics.add(sub.topic);
      const old = this.subscriptionTable.get(sub.topic);
      if (old === undefined) {
        this.subscriptionTable.set(sub.topic, { data: sub, compiled: compileHeartbeatSubscription(sub) });
        updated = true;
      } else if (sub.subVersion > old.data.subVersion) {
        this.subscriptionTable.set(sub.topic, { data: sub, compiled: compileHeartbeatSubscription(sub) });
      }
    }
    for (const topic of [...this.subscriptionTable.keys()]) {
      if (!topics.has(topic)) {
        this.subscriptionTable.delete(topic);
        updated = true;
      }
    }
    this.lastUpdateTimestamp = Date.now();
    return updated;
  }
}

/** What the broker does about membership changes (Java's ConsumerIdsChangeListener events). */
export interface ConsumerIdsChangeListener {
  /** Membership or subscriptions changed: `channels` are the group's consumers now. */
  change(group: string, channels: Channel[]): void;
  /** Subscriptions were (re)sent. */
  register(group: string, subs: Iterable<CompiledSubscription>): void;
  /** The group's last connection went away. */
  unregister(group: string): void;
}

export interface RegisterConsumerInfo {
  readonly consumeType: string;
  readonly messageModel: string;
  readonly consumeFromWhere: string;
  readonly subscriptions: readonly SubscriptionData[];
}

export class ConsumerManager {
  readonly table = new Map<string, ConsumerGroupInfo>();
  private readonly log: Logger;

  constructor(
    private readonly listener: ConsumerIdsChangeListener,
    logger: Logger = silentLogger,
  ) {
    this.log = logger.child({ component: 'consumers' });
  }

  getConsumerGroupInfo(group: string): ConsumerGroupInfo | undefined {
    return this.table.get(group);
  }

  findChannel(group: string, clientId: string): ClientChannelInfo | undefined {
    return this.table.get(group)?.findChannel(clientId);
  }

  findSubscriptionData(group: string, topic: string): SubscriptionEntry | undefined {
    return this.table.get(group)?.findSubscriptionData(topic);
  }

  /** A heartbeat's consumer data. True when the group's membership or topics changed. */
  registerConsumer(group: string, info: ClientChannelInfo, data: RegisterConsumerInfo, notify: boolean): boolean {
    let g = this.table.get(group);
    if (g === undefined) {
      g = new ConsumerGroupInfo(group, data.consumeType, data.messageModel, data.consumeFromWhere);
      this.table.set(group, g);
    }
    const r1 = g.updateChannel(info, data.consumeType, data.messageModel, data.consumeFromWhere);
    const r2 = g.updateSubscription(data.subscriptions);
    if (r1) this.log.info({ group, clientId: info.clientId, remote: info.channel.remoteAddress }, 'new consumer connected');
    if ((r1 || r2) && notify) this.listener.change(group, g.allChannels());
    this.listener.register(group, [...g.subscriptionTable.values()].map((e) => e.compiled));
    return r1 || r2;
  }

  unregisterConsumer(group: string, channel: Channel, notify: boolean): void {
    const g = this.table.get(group);
    if (g === undefined) return;
    if (g.channelInfoTable.delete(channel)) this.log.info({ group, remote: channel.remoteAddress }, 'unregister a consumer');
    if (g.channelInfoTable.size === 0 && this.table.delete(group)) {
      this.log.info({ group }, 'unregister consumer ok, no any connection, and remove consumer group');
      this.listener.unregister(group);
    }
    if (notify) this.listener.change(group, g.allChannels());
  }

  /** The connection closed: it leaves every group it was in. */
  doChannelCloseEvent(channel: Channel): void {
    for (const [group, g] of [...this.table]) {
      if (!g.channelInfoTable.delete(channel)) continue;
      this.log.info({ group, remote: channel.remoteAddress }, 'consumer connection closed; removed from its group');
      if (g.channelInfoTable.size === 0 && this.table.delete(group)) {
        this.log.info({ group }, 'unregister consumer ok, no any connection, and remove consumer group');
        this.listener.unregister(group);
      }
      this.listener.change(group, g.allChannels());
    }
  }

  /** Connections without a heartbeat for `expiredMs`; the caller closes them (which removes them). */
  expiredChannels(now: number, expiredMs: number): ClientChannelInfo[] {
    const out: ClientChannelInfo[] = [];
    for (const g of this.table.values()) {
      for (const info of g.channelInfoTable.values()) if (now - info.lastUpdateTimestamp > expiredMs) out.push(info);
    }
    return out;
  }

  /** Groups subscribed to `topic`. */
  queryTopicConsumeByWho(topic: string): Set<string> {
    const out = new Set<string>();
    for (const [group, g] of this.table) if (g.subscriptionTable.has(topic)) out.add(group);
    return out;
  }
}
