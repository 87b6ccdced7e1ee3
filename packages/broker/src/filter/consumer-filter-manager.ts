/**
 * SQL92 filters of the consumer groups, from their heartbeats
 * (ConsumerFilterManager.java without the bloom filter: every candidate
 * message is evaluated, none is skipped by bit map). Held in memory; Java
 * also writes consumerFilter.json, which only seeds the bloom filter.
 */
import { ExpressionType, isTagType } from '@rocketmq-ts/protocol';
import type { CompiledSubscription } from './message-filter.js';
import type { Sql92Selector } from './sql92.js';

export interface ConsumerFilterData {
  readonly topic: string;
  readonly consumerGroup: string;
  readonly expression: string;
  readonly expressionType: string;
  /** The subscription's subVersion; a pull with a newer one gets FILTER_DATA_NOT_LATEST. */
  readonly clientVersion: number;
  readonly compiled: Sql92Selector;
  /** When the group stopped subscribing to the topic (0: alive). */
  deadTime: number;
}

export class ConsumerFilterManager {
  /** topic -> group -> filter. */
  private readonly byTopic = new Map<string, Map<string, ConsumerFilterData>>();

  /** REGISTER: the group's current subscriptions; topics it no longer names are marked dead. */
  register(group: string, subs: Iterable<CompiledSubscription>): void {
    const topics = new Set<string>();
    for (const s of subs) {
      topics.add(s.topic);
      // An expression that does not compile is not registered: its pulls get FILTER_DATA_NOT_EXIST, as Java.
      if (isTagType(s.expressionType) || s.subString.length === 0 || s.sql === undefined) continue;
      let m = this.byTopic.get(s.topic);
      if (m === undefined) {
        m = new Map();
        this.byTopic.set(s.topic, m);
      }
      const old = m.get(group);
      // Java keeps the old data unless the client's version is newer or the expression changed.
      if (old !== undefined && old.deadTime === 0 && old.clientVersion >= s.subVersion && old.expression === s.subString) continue;
      m.set(group, {
        topic: s.topic,
        consumerGroup: group,
        expression: s.subString,
        expressionType: s.expressionType === '' ? ExpressionType.SQL92 : s.expressionType,
        clientVersion: s.subVersion,
        compiled: s.sql,
        deadTime: 0,
      });
    }
    for (const [topic, m] of this.byTopic) {
      const f = m.get(group);
      if (f !== undefined && !topics.has(topic) && f.deadTime === 0) f.deadTime = Date.now();
    }
  }

  /** UNREGISTER: the group has no connection left. */
  unregister(group: string): void {
    for (const m of this.byTopic.values()) {
      const f = m.get(group);
      if (f !== undefined && f.deadTime === 0) f.deadTime = Date.now();
    }
  }

  get(topic: string, group: string): ConsumerFilterData | undefined {
    return this.byTopic.get(topic)?.get(group);
  }
}
