/**
 * Queue ownership of one consumer (Java's RebalanceImpl): which queues this
 * client consumes, each with its ProcessQueue, recomputed from the topic's
 * readable queues and the group's client ids. Orderly consumers also hold
 * broker locks on their queues (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ).
 */
import { errorMessage } from '@rocketmq-ts/common';
import type { Logger } from '@rocketmq-ts/common';
import { MixAll, isRetryTopic, messageQueueKey } from '@rocketmq-ts/protocol';
import type { MessageQueue, SubscriptionData } from '@rocketmq-ts/protocol';
import { compareMessageQueue, compareString, resolveAllocateStrategy } from './allocate.js';
import type { AllocateStrategy, AllocateStrategyObject } from './allocate.js';
import type { ClientInstance } from './instance.js';
import type { MessageModel } from './options.js';
import { ProcessQueue } from './process-queue.js';

export interface PullRequest {
  readonly consumerGroup: string;
  readonly messageQueue: MessageQueue;
  readonly processQueue: ProcessQueue;
  nextOffset: number;
  previouslyLocked: boolean;
}

/** What differs between the push and the lite pull consumer. */
export interface RebalanceHooks {
  readonly consumeType: 'CONSUME_PASSIVELY' | 'CONSUME_ACTIVELY';
  /** Where a newly owned queue starts; -1 to skip it this round. */
  computePullFromWhere(mq: MessageQueue): Promise<number>;
  /** Releases a queue no longer owned; false keeps it for the next round (orderly: still consuming). */
  removeUnnecessaryMessageQueue(mq: MessageQueue, pq: ProcessQueue): Promise<boolean>;
  removeDirtyOffset(mq: MessageQueue): void;
  messageQueueChanged(topic: string, mqAll: MessageQueue[], mqDivided: MessageQueue[]): void;
  dispatchPullRequests(requests: PullRequest[]): void;
}

export interface OwnedQueue {
  readonly mq: MessageQueue;
  readonly pq: ProcessQueue;
}

export class Rebalancer {
  readonly subscriptionInner = new Map<string, SubscriptionData>();
  readonly topicSubscribeInfoTable = new Map<string, MessageQueue[]>();
  readonly processQueueTable = new Map<string, OwnedQueue>();
  readonly strategy: AllocateStrategyObject;

  constructor(
    private readonly instance: ClientInstance,
    readonly consumerGroup: string,
    readonly messageModel: MessageModel,
    strategy: AllocateStrategy,
    private readonly hooks: RebalanceHooks,
    private readonly log: Logger,
  ) {
    this.strategy = resolveAllocateStrategy(strategy);
  }

  get(mq: MessageQueue): OwnedQueue | undefined {
    return this.processQueueTable.get(messageQueueKey(mq));
  }

  owned(): OwnedQueue[] {
    return [...this.processQueueTable.values()];
  }

  async doRebalance(isOrder: boolean): Promise<void> {
    for (const topic of [...this.subscriptionInner.keys()]) {
      try {
        await this.rebalanceByTopic(topic, isOrder);
      } catch (err) {
        if (!isRetryTopic(topic)) this.log.warn({ topic, err: errorMessage(err) }, 'rebalance failed');
      }
    }
    this.truncateMessageQueueNotMyTopic();
  }

  private async rebalanceByTopic(topic: string, isOrder: boolean): Promise<void> {
    const mqSet = this.topicSubscribeInfoTable.get(topic);
    if (this.messageModel === 'BROADCASTING') {
      if (mqSet === undefined) {
        this.log.warn({ topic }, 'rebalance: topic has no route yet');
        return;
      }
      // Broadcasting consumers of one group each read every queue: there is nothing to lock against.
      if (await this.updateProcessQueueTableInRebalance(topic, mqSet, false)) this.hooks.messageQueueChanged(topic, mqSet, mqSet);
      return;
    }
    const cidAll = await this.instance.findConsumerIdList(topic, this.consumerGroup);
    if (mqSet === undefined) {
      if (!isRetryTopic(topic)) this.log.warn({ topic }, 'rebalance: topic has no route yet');
      return;
    }
    if (cidAll === undefined) {
      this.log.warn({ topic }, 'rebalance: consumer id list unavailable');
      return;
    }
    const mqAll = [...mqSet].sort(compareMessageQueue);
    const cids = [...cidAll].sort(compareString);
    let allocated: MessageQueue[];
    try {
      allocated = this.strategy.allocate(this.consumerGroup, this.instance.clientId, mqAll, cids);
    } catch (err) {
      this.log.error({ strategy: this.strategy.name, err: errorMessage(err) }, 'allocate threw');
      return;
    }
    if (await this.updateProcessQueueTableInRebalance(topic, allocated, isOrder)) {
      this.log.info({ topic, strategy: this.strategy.name, cids: cids.length, queues: allocated.length }, 'rebalanced result changed');
      this.hooks.messageQueueChanged(topic, mqAll, allocated);
    }
  }

  private truncateMessageQueueNotMyTopic(): void {
    for (const [key, { mq, pq }] of this.processQueueTable) {
      if (!this.subscriptionInner.has(mq.topic)) {
        this.processQueueTable.delete(key);
        pq.dropped = true;
      }
    }
  }

  private async updateProcessQueueTableInRebalance(topic: string, mqSet: readonly MessageQueue[], needLock: boolean): Promise<boolean> {
    let changed = false;
    const wanted = new Set(mqSet.map(messageQueueKey));
    for (const [key, { mq, pq }] of [...this.processQueueTable]) {
      if (mq.topic !== topic) continue;
      if (!wanted.has(key)) {
        pq.dropped = true;
        if (await this.hooks.removeUnnecessaryMessageQueue(mq, pq)) {
          this.processQueueTable.delete(key);
          changed = true;
        }
      } else if (pq.isPullExpired() && this.hooks.consumeType === 'CONSUME_PASSIVELY') {
        pq.dropped = true;
        if (await this.hooks.removeUnnecessaryMessageQueue(mq, pq)) {
          this.processQueueTable.delete(key);
          changed = true;
          this.log.error({ mq }, 'removed a queue whose pulling stalled; it will be pulled again');
        }
      }
    }
    const requests: PullRequest[] = [];
    for (const mq of mqSet) {
      const key = messageQueueKey(mq);
      if (this.processQueueTable.has(key)) continue;
      if (needLock && !(await this.lock(mq))) {
        this.log.warn({ mq }, 'rebalance: lock failed, queue not added this round');
        continue;
      }
      this.hooks.removeDirtyOffset(mq);
      const pq = new ProcessQueue();
      // Locked from the start, as Java 4.9.x: clustering got the broker lock just above, broadcasting needs none.
      pq.locked = true;
      let nextOffset = -1;
      try {
        nextOffset = await this.hooks.computePullFromWhere(mq);
      } catch (err) {
        this.log.warn({ mq, err: errorMessage(err) }, 'rebalance: compute pull offset failed');
        continue;
      }
      if (nextOffset < 0) {
        this.log.warn({ mq }, 'rebalance: no pull offset, queue not added this round');
        continue;
      }
      if (this.processQueueTable.has(key)) continue;
      this.processQueueTable.set(key, { mq, pq });
      requests.push({ consumerGroup: this.consumerGroup, messageQueue: mq, processQueue: pq, nextOffset, previouslyLocked: false });
      changed = true;
    }
    this.hooks.dispatchPullRequests(requests);
    return changed;
  }

  /** Drops and releases one queue (after OFFSET_ILLEGAL). */
  async removeProcessQueue(mq: MessageQueue): Promise<void> {
    const key = messageQueueKey(mq);
    const owned = this.processQueueTable.get(key);
    if (owned === undefined) return;
    this.processQueueTable.delete(key);
    owned.pq.dropped = true;
    await this.hooks.removeUnnecessaryMessageQueue(mq, owned.pq);
  }

  // -------------------------------------------------------------------------
  // Locks (orderly, clustering)

  private masterOf(brokerName: string): string | undefined {
    return this.instance.findBrokerAddressInSubscribe(brokerName, MixAll.MASTER_ID, true)?.addr;
  }

  async lock(mq: MessageQueue): Promise<boolean> {
    const addr = this.masterOf(mq.brokerName);
    if (addr === undefined) return false;
    try {
      const locked = await this.instance.lockBatchMQ(addr, this.consumerGroup, [mq]);
      const now = Date.now();
      for (const l of locked) {
        const owned = this.get(l);
        if (owned !== undefined) {
          owned.pq.locked = true;
          owned.pq.lastLockTimestamp = now;
        }
      }
      return locked.some((l) => messageQueueKey(l) === messageQueueKey(mq));
    } catch (err) {
      this.log.warn({ mq, err: errorMessage(err) }, 'lock failed');
      return false;
    }
  }

  /** Renews the locks of every owned queue, broker by broker. */
  async lockAll(): Promise<void> {
    for (const [brokerName, mqs] of this.byBroker()) {
      const addr = this.masterOf(brokerName);
      if (addr === undefined) continue;
      try {
        const locked = new Set((await this.instance.lockBatchMQ(addr, this.consumerGroup, mqs)).map(messageQueueKey));
        const now = Date.now();
        for (const mq of mqs) {
          const owned = this.get(mq);
          if (owned === undefined) continue;
          if (locked.has(messageQueueKey(mq))) {
            owned.pq.locked = true;
            owned.pq.lastLockTimestamp = now;
          } else {
            owned.pq.locked = false;
            this.log.warn({ mq }, 'queue lock lost');
          }
        }
      } catch (err) {
        this.log.warn({ brokerName, err: errorMessage(err) }, 'lock renewal failed');
      }
    }
  }

  async unlock(mq: MessageQueue, oneway: boolean): Promise<void> {
    const addr = this.masterOf(mq.brokerName);
    if (addr === undefined) return;
    try {
      await this.instance.unlockBatchMQ(addr, this.consumerGroup, [mq], oneway);
    } catch (err) {
      this.log.warn({ mq, err: errorMessage(err) }, 'unlock failed');
    }
  }

  async unlockAll(oneway: boolean): Promise<void> {
    for (const [brokerName, mqs] of this.byBroker()) {
      const addr = this.masterOf(brokerName);
      if (addr === undefined) continue;
      try {
        await this.instance.unlockBatchMQ(addr, this.consumerGroup, mqs, oneway);
        for (const mq of mqs) {
          const owned = this.get(mq);
          if (owned !== undefined) owned.pq.locked = false;
        }
      } catch (err) {
        this.log.warn({ brokerName, err: errorMessage(err) }, 'unlock failed');
      }
    }
  }

  private byBroker(): Map<string, MessageQueue[]> {
    const out = new Map<string, MessageQueue[]>();
    for (const { mq } of this.processQueueTable.values()) {
      const list = out.get(mq.brokerName);
      if (list === undefined) out.set(mq.brokerName, [mq]);
      else list.push(mq);
    }
    return out;
  }

  /** Marks every queue dropped and forgets them. */
  destroy(): void {
    for (const { pq } of this.processQueueTable.values()) pq.dropped = true;
    this.processQueueTable.clear();
  }
}
