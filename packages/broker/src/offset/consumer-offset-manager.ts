/**
 * Committed consume progress (ConsumerOffsetManager.java): "topic@group" ->
 * queueId -> the next offset to consume. Kept in memory, written to
 * consumerOffset.json every flushConsumerOffsetInterval and at shutdown.
 */
import { type Logger, silentLogger } from '@rocketmq-ts/common';
import { type BrokerConfigFiles, stringifyConsumerOffsetTable } from '@rocketmq-ts/store';
import { CoalescingWriter } from '../persist.js';

const TOPIC_GROUP_SEPARATOR = '@';

export interface ConsumerOffsetManagerDeps {
  readonly files: BrokerConfigFiles;
  readonly logger?: Logger;
}

export class ConsumerOffsetManager {
  /** "topic@group" -> queueId -> offset. */
  readonly table = new Map<string, Map<number, number>>();
  private readonly files: BrokerConfigFiles;
  private readonly log: Logger;
  private readonly writer: CoalescingWriter;
  /** Changes since the last write; an idle broker does not rewrite the file every few seconds. */
  private dirty = false;

  constructor(deps: ConsumerOffsetManagerDeps) {
    this.files = deps.files;
    this.log = (deps.logger ?? silentLogger).child({ component: 'offsets' });
    this.writer = new CoalescingWriter(
      'consumerOffset.json',
      async () => {
        this.dirty = false;
        try {
          await this.files.saveConsumerOffsets({ offsetTable: this.table });
        } catch (err) {
          this.dirty = true;
          throw err;
        }
      },
      this.log,
    );
  }

  async load(): Promise<void> {
    const stored = await this.files.loadConsumerOffsets();
    if (stored === undefined) return;
    for (const [k, m] of stored.offsetTable) this.table.set(k, new Map(m));
    this.log.info({ entries: stored.offsetTable.size }, 'consumer offsets loaded');
  }

  commitOffset(clientHost: string, group: string, topic: string, queueId: number, offset: number): void {
    const key = topic + TOPIC_GROUP_SEPARATOR + group;
    let m = this.table.get(key);
    if (m === undefined) {
      m = new Map();
      this.table.set(key, m);
    }
    const old = m.get(queueId);
    m.set(queueId, offset);
    this.dirty = true;
    if (old !== undefined && offset < old) {
      this.log.warn({ clientHost, key, queueId, requestOffset: offset, storeOffset: old }, '[NOTIFYME]update consumer offset less than store');
    }
  }

  /** The committed offset, or -1 when the group never committed one for this queue. */
  queryOffset(group: string, topic: string, queueId: number): number {
    return this.table.get(topic + TOPIC_GROUP_SEPARATOR + group)?.get(queueId) ?? -1;
  }

  /** queueId -> offset of one group on one topic. */
  queryOffsets(group: string, topic: string): ReadonlyMap<number, number> | undefined {
    return this.table.get(topic + TOPIC_GROUP_SEPARATOR + group);
  }

  whichTopicByConsumer(group: string): Set<string> {
    const out = new Set<string>();
    for (const key of this.table.keys()) {
      const [topic, g] = key.split(TOPIC_GROUP_SEPARATOR);
      if (g === group && topic !== undefined) out.add(topic);
    }
    return out;
  }

  whichGroupByTopic(topic: string): Set<string> {
    const out = new Set<string>();
    for (const key of this.table.keys()) {
      const [t, group] = key.split(TOPIC_GROUP_SEPARATOR);
      if (t === topic && group !== undefined) out.add(group);
    }
    return out;
  }

  /** Drops every group's offsets of a topic (5.x cleanOffsetByTopic; DELETE_TOPIC_IN_BROKER). */
  cleanOffsetByTopic(topic: string): number {
    let n = 0;
    for (const key of [...this.table.keys()]) {
      const [t, group] = key.split(TOPIC_GROUP_SEPARATOR);
      if (t === topic && group !== undefined) {
        this.table.delete(key);
        n++;
        this.log.warn({ key }, 'clean topic offset');
      }
    }
    if (n > 0) this.dirty = true;
    return n;
  }

  /** Drops a group's offsets on every topic (removeOffset; DELETE_SUBSCRIPTIONGROUP with removeOffset). */
  removeOffset(group: string): number {
    let n = 0;
    for (const key of [...this.table.keys()]) {
      const parts = key.split(TOPIC_GROUP_SEPARATOR);
      if (parts.length === 2 && parts[1] === group) {
        this.table.delete(key);
        n++;
        this.log.warn({ key }, 'clean group offset');
      }
    }
    if (n > 0) this.dirty = true;
    return n;
  }

  /** Copies srcGroup's offsets of a topic to destGroup, replacing destGroup's (cloneOffset). */
  cloneOffset(srcGroup: string, destGroup: string, topic: string): boolean {
    const src = this.table.get(topic + TOPIC_GROUP_SEPARATOR + srcGroup);
    if (src === undefined) return false;
    this.table.set(topic + TOPIC_GROUP_SEPARATOR + destGroup, new Map(src));
    this.dirty = true;
    return true;
  }

  /**
   * Per queue, the smallest offset any group (but those in `filterGroups`,
   * comma-separated) committed on a topic, counting only offsets not below
   * the queue's min offset (queryMinOffsetInAllGroup). Unlike Java's, this
   * does not drop the filtered groups' offsets from the table.
   */
  queryMinOffsetInAllGroup(topic: string, filterGroups: string | undefined, minOffsetInQueue: (queueId: number) => number): Map<number, number> {
    const skip = new Set((filterGroups ?? '').split(',').filter((g) => g.trim().length > 0));
    const out = new Map<number, number>();
    for (const [key, m] of this.table) {
      const [t, group] = key.split(TOPIC_GROUP_SEPARATOR);
      if (t !== topic || group === undefined || skip.has(group)) continue;
      for (const [queueId, offset] of m) {
        if (offset < minOffsetInQueue(queueId)) continue;
        const cur = out.get(queueId);
        out.set(queueId, cur === undefined ? offset : Math.min(cur, offset));
      }
    }
    return out;
  }

  /** The JSON GET_ALL_CONSUMER_OFFSET answers and consumerOffset.json holds. */
  encode(): string {
    return stringifyConsumerOffsetTable({ offsetTable: this.table });
  }

  /** Writes consumerOffset.json if anything changed since the last write (or always with `force`). */
  persist(force = false): Promise<void> {
    if (!force && !this.dirty) return this.writer.idle();
    return this.writer.request();
  }

  idle(): Promise<void> {
    return this.writer.idle();
  }
}
