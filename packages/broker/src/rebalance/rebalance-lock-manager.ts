/**
 * Queue locks of orderly consumers (RebalanceLockManager.java): per
 * consumer group, which client holds each queue. A lock not renewed within
 * `lockMaxLiveTimeMs` (rocketmq.broker.rebalance.lockMaxLiveTime, 60 s)
 * may be taken by another client of the group; the holder renews it with
 * every LOCK_BATCH_MQ (orderly consumers send one every 20 s).
 *
 * Locks live in memory only, as in Java: after a broker restart every
 * queue is free and the consumers lock again within their next rebalance.
 */
import { type Logger, silentLogger } from '@rocketmq-ts/common';
import type { MessageQueue } from '@rocketmq-ts/protocol';

interface LockEntry {
  clientId: string;
  lastUpdateTimestamp: number;
}

function mqKey(mq: MessageQueue): string {
  // The three fields MessageQueue.equals compares; \u0001 cannot occur in topic or broker names.
  return `${mq.topic}\u0001${mq.brokerName}\u0001${mq.queueId}`;
}

export class RebalanceLockManager {
  /** group -> queue -> lock. */
  private readonly table = new Map<string, Map<string, LockEntry>>();
  private readonly log: Logger;

  constructor(
    readonly lockMaxLiveTimeMs: number,
    logger: Logger = silentLogger,
    private readonly now: () => number = Date.now,
  ) {
    this.log = logger.child({ component: 'rebalance-lock' });
  }

  private isExpired(e: LockEntry): boolean {
    return this.now() - e.lastUpdateTimestamp > this.lockMaxLiveTimeMs;
  }

  private isLockedBy(e: LockEntry, clientId: string): boolean {
    return e.clientId === clientId && !this.isExpired(e);
  }

  /** tryLock for one queue. */
  tryLock(group: string, mq: MessageQueue, clientId: string): boolean {
    return this.tryLockBatch(group, [mq], clientId).length === 1;
  }

  /** tryLockBatch: the queues now locked by `clientId` (renewed or newly taken). */
  tryLockBatch(group: string, mqs: readonly MessageQueue[], clientId: string): MessageQueue[] {
    let groupValue = this.table.get(group);
    if (groupValue === undefined) {
      groupValue = new Map();
      this.table.set(group, groupValue);
    }
    const locked: MessageQueue[] = [];
    const seen = new Set<string>();
    for (const mq of mqs) {
      const key = mqKey(mq);
      if (seen.has(key)) continue;
      seen.add(key);
      let e = groupValue.get(key);
      if (e === undefined) {
        e = { clientId, lastUpdateTimestamp: this.now() };
        groupValue.set(key, e);
        this.log.info({ group, clientId, mq }, 'tryLockBatch, message queue not locked, I got it');
      }
      if (this.isLockedBy(e, clientId)) {
        e.lastUpdateTimestamp = this.now();
        locked.push(mq);
        continue;
      }
      const oldClientId = e.clientId;
      if (this.isExpired(e)) {
        e.clientId = clientId;
        e.lastUpdateTimestamp = this.now();
        this.log.warn({ group, oldClientId, clientId, mq }, 'tryLockBatch, message queue lock expired, I got it');
        locked.push(mq);
        continue;
      }
      this.log.warn({ group, otherClientId: oldClientId, clientId, mq }, 'tryLockBatch, message queue locked by other client');
    }
    return locked;
  }

  /** unlockBatch: releases the queues `clientId` holds (its own locks only). */
  unlockBatch(group: string, mqs: readonly MessageQueue[], clientId: string): void {
    const groupValue = this.table.get(group);
    if (groupValue === undefined) {
      this.log.warn({ group, clientId }, 'unlockBatch, group not exist');
      return;
    }
    for (const mq of mqs) {
      const key = mqKey(mq);
      const e = groupValue.get(key);
      if (e === undefined) {
        this.log.warn({ group, mq, clientId }, 'unlockBatch, but mq not locked');
      } else if (e.clientId === clientId) {
        groupValue.delete(key);
        this.log.info({ group, mq, clientId }, 'unlockBatch');
      } else {
        this.log.warn({ lockedBy: e.clientId, group, mq, clientId }, 'unlockBatch, but mq locked by other client');
      }
    }
    if (groupValue.size === 0) this.table.delete(group);
  }

  /** Who holds a queue's lock now (undefined when free or expired). */
  lockHolder(group: string, mq: MessageQueue): string | undefined {
    const e = this.table.get(group)?.get(mqKey(mq));
    return e === undefined || this.isExpired(e) ? undefined : e.clientId;
  }

  /** Locks held (expired ones included until taken or released). */
  get size(): number {
    let n = 0;
    for (const m of this.table.values()) n += m.size;
    return n;
  }
}
