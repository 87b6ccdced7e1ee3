/**
 * Producer connections by group (ProducerManager.java): who may be asked
 * CHECK_TRANSACTION_STATE, and what GET_PRODUCER_CONNECTION_LIST lists.
 */
import { type Logger, silentLogger } from '@rocketmq-ts/common';
import type { Channel } from '@rocketmq-ts/remoting';
import type { ClientChannelInfo } from './client-channel-info.js';

export class ProducerManager {
  /** group -> connection -> info. */
  readonly groupChannelTable = new Map<string, Map<Channel, ClientChannelInfo>>();
  /** clientId -> its connection. */
  private readonly clientChannelTable = new Map<string, Channel>();
  private readonly log: Logger;
  private counter = 0;

  constructor(logger: Logger = silentLogger) {
    this.log = logger.child({ component: 'producers' });
  }

  registerProducer(group: string, info: ClientChannelInfo): void {
    let m = this.groupChannelTable.get(group);
    if (m === undefined) {
      m = new Map();
      this.groupChannelTable.set(group, m);
    }
    const found = m.get(info.channel);
    if (found === undefined) {
      m.set(info.channel, info);
      this.clientChannelTable.set(info.clientId, info.channel);
      this.log.info({ group, clientId: info.clientId, remote: info.channel.remoteAddress }, 'new producer connected');
    } else {
      found.lastUpdateTimestamp = Date.now();
    }
  }

  unregisterProducer(group: string, channel: Channel, clientId: string): void {
    const m = this.groupChannelTable.get(group);
    if (m === undefined || m.size === 0) return;
    if (m.delete(channel)) this.log.info({ group, remote: channel.remoteAddress }, 'unregister a producer');
    this.clientChannelTable.delete(clientId);
    if (m.size === 0) this.groupChannelTable.delete(group);
  }

  doChannelCloseEvent(channel: Channel): void {
    for (const [group, m] of [...this.groupChannelTable]) {
      const info = m.get(channel);
      if (info === undefined) continue;
      m.delete(channel);
      this.clientChannelTable.delete(info.clientId);
      // Java keeps empty groups here (it removes them only on unregister); an empty group lists no connection either way.
      if (m.size === 0) this.groupChannelTable.delete(group);
      this.log.info({ group, remote: channel.remoteAddress }, 'producer connection closed; removed from its group');
    }
  }

  expiredChannels(now: number, expiredMs: number): ClientChannelInfo[] {
    const out: ClientChannelInfo[] = [];
    for (const m of this.groupChannelTable.values()) for (const info of m.values()) if (now - info.lastUpdateTimestamp > expiredMs) out.push(info);
    return out;
  }

  /** A writable connection of the group, round robin (for transaction checks). */
  getAvailableChannel(group: string): Channel | undefined {
    const m = this.groupChannelTable.get(group);
    if (m === undefined || m.size === 0) return undefined;
    const list = [...m.keys()];
    let lastOpen: Channel | undefined;
    for (let i = 0; i < Math.min(list.length, 3); i++) {
      const ch = list[(this.counter++ & 0x7fffffff) % list.length]!;
      if (ch.isOpen && ch.isWritable) return ch;
      if (ch.isOpen) lastOpen = ch;
    }
    return lastOpen;
  }

  findChannel(clientId: string): Channel | undefined {
    return this.clientChannelTable.get(clientId);
  }
}
