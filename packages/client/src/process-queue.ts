/**
 * A queue's messages pulled but not yet consumed (Java's ProcessQueue): the
 * offset-ordered cache whose smallest offset is the consume offset to commit,
 * plus counts and bytes for flow control, and for orderly consumption the
 * batch being consumed (commit/rollback).
 */
import type { ProcessQueueInfo } from '@rocketmq-ts/protocol';
import type { MutableReceivedMessage } from './message.js';

/**
 * Offsets in ascending order with lazy deletion: pulls append in order, so
 * insertion is a push; removal marks the map and the head skips dead keys.
 */
class OffsetIndex {
  private keys: number[] = [];
  private head = 0;
  private readonly live = new Map<number, MutableReceivedMessage>();

  get size(): number {
    return this.live.size;
  }

  get(offset: number): MutableReceivedMessage | undefined {
    return this.live.get(offset);
  }

  /** Adds or replaces; true when the offset was not present. */
  put(offset: number, msg: MutableReceivedMessage): boolean {
    const fresh = !this.live.has(offset);
    this.live.set(offset, msg);
    if (!fresh) return false;
    const last = this.lastRaw();
    if (last === undefined || offset > last) this.keys.push(offset);
    else this.insertSorted(offset);
    return true;
  }

  remove(offset: number): MutableReceivedMessage | undefined {
    const m = this.live.get(offset);
    if (m === undefined) return undefined;
    this.live.delete(offset);
    this.trim();
    return m;
  }

  firstKey(): number | undefined {
    this.trim();
    return this.head < this.keys.length ? this.keys[this.head] : undefined;
  }

  lastKey(): number | undefined {
    while (this.keys.length > this.head && !this.live.has(this.keys[this.keys.length - 1]!)) this.keys.pop();
    return this.keys.length > this.head ? this.keys[this.keys.length - 1] : undefined;
  }

  /** Removes and returns the smallest entry. */
  pollFirst(): [number, MutableReceivedMessage] | undefined {
    const k = this.firstKey();
    if (k === undefined) return undefined;
    const m = this.live.get(k)!;
    this.live.delete(k);
    this.head++;
    this.trim();
    return [k, m];
  }

  values(): MutableReceivedMessage[] {
    const out: MutableReceivedMessage[] = [];
    for (let i = this.head; i < this.keys.length; i++) {
      const m = this.live.get(this.keys[i]!);
      if (m !== undefined && m.queueOffset === this.keys[i]) out.push(m);
    }
    return out;
  }

  clear(): void {
    this.keys = [];
    this.head = 0;
    this.live.clear();
  }

  private lastRaw(): number | undefined {
    return this.keys.length > this.head ? this.keys[this.keys.length - 1] : undefined;
  }

  private insertSorted(offset: number): void {
    this.compact();
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    // A dead copy of this key may still sit in the array: reuse its slot.
    if (this.keys[lo] !== offset) this.keys.splice(lo, 0, offset);
  }

  private trim(): void {
    while (this.head < this.keys.length && !this.live.has(this.keys[this.head]!)) this.head++;
    if (this.head > 1024 && this.head * 2 > this.keys.length) this.compact();
    if (this.live.size === 0) {
      this.keys = [];
      this.head = 0;
    }
  }

  private compact(): void {
    this.keys = this.keys.slice(this.head).filter((k) => this.live.has(k));
    this.head = 0;
  }
}

function bodySize(m: MutableReceivedMessage): number {
  return m.body.length;
}

export class ProcessQueue {
  /** How long a broker lock on the queue is trusted without renewal (rocketmq.client.rebalance.lockMaxLiveTime). */
  static readonly REBALANCE_LOCK_MAX_LIVE_TIME = 30_000;
  /** How often locks are renewed (rocketmq.client.rebalance.lockInterval). */
  static readonly REBALANCE_LOCK_INTERVAL = 20_000;
  /** A queue not pulled for this long is considered stuck and rebuilt (rocketmq.client.pull.pullMaxIdleTime). */
  static readonly PULL_MAX_IDLE_TIME = 120_000;

  private readonly msgs = new OffsetIndex();
  /** Orderly only: the batch handed to the listener, not yet committed. */
  private readonly consumingOrderly = new OffsetIndex();
  private count = 0;
  private bytes = 0;
  private queueOffsetMax = 0;
  private consuming = false;
  dropped = false;
  locked = false;
  lastLockTimestamp: number;
  lastPullTimestamp: number;
  lastConsumeTimestamp: number;
  tryUnlockTimes = 0;
  /** Messages the broker has beyond the last pulled one (MAX_OFFSET - offset). */
  msgAccCnt = 0;
  /** Listener calls running for this queue (push consumer bookkeeping). */
  inflight = 0;
  /** Orderly: the running consume loop of this queue, if any. */
  orderlyRun: Promise<void> | undefined;
  /** Orderly: another loop was asked for while one ran. */
  orderlyAgain = false;

  constructor(private readonly now: () => number = Date.now) {
    const t = now();
    this.lastLockTimestamp = t;
    this.lastPullTimestamp = t;
    this.lastConsumeTimestamp = t;
  }

  get msgCount(): number {
    return this.count;
  }

  get msgSize(): number {
    return this.bytes;
  }

  isLockExpired(): boolean {
    return this.now() - this.lastLockTimestamp > ProcessQueue.REBALANCE_LOCK_MAX_LIVE_TIME;
  }

  isPullExpired(): boolean {
    return this.now() - this.lastPullTimestamp > ProcessQueue.PULL_MAX_IDLE_TIME;
  }

  /**
   * Caches pulled messages. True when a consumer should be started for the
   * queue (there are messages and none is running): orderly mode runs one
   * consumer per queue at a time.
   */
  putMessage(list: readonly MutableReceivedMessage[], maxOffset?: number): boolean {
    let valid = 0;
    for (const m of list) {
      if (this.msgs.put(m.queueOffset, m)) {
        valid++;
        this.queueOffsetMax = m.queueOffset;
        this.bytes += bodySize(m);
      }
    }
    this.count += valid;
    let dispatch = false;
    if (this.msgs.size > 0 && !this.consuming) {
      dispatch = true;
      this.consuming = true;
    }
    const last = list[list.length - 1];
    if (last !== undefined && maxOffset !== undefined) {
      const acc = maxOffset - last.queueOffset;
      if (acc > 0) this.msgAccCnt = acc;
    }
    return dispatch;
  }

  /** Offsets spanned by the cache (concurrent mode pauses pulling past consumeConcurrentlyMaxSpan). */
  getMaxSpan(): number {
    const first = this.msgs.firstKey();
    const last = this.msgs.lastKey();
    return first === undefined || last === undefined ? 0 : last - first;
  }

  /**
   * Removes consumed messages and returns the offset to commit: the smallest
   * offset still cached, or one past the largest ever cached when empty; -1
   * when nothing was cached (Java's removeMessage).
   */
  removeMessage(list: readonly MutableReceivedMessage[]): number {
    this.lastConsumeTimestamp = this.now();
    if (this.msgs.size === 0) return -1;
    let result = this.queueOffsetMax + 1;
    let removed = 0;
    for (const m of list) {
      if (this.msgs.remove(m.queueOffset) !== undefined) {
        removed++;
        this.bytes -= bodySize(m);
      }
    }
    this.count -= removed;
    if (this.count === 0) this.bytes = 0;
    const first = this.msgs.firstKey();
    if (first !== undefined) result = first;
    return result;
  }

  hasTempMessage(): boolean {
    return this.msgs.size > 0;
  }

  firstCached(): MutableReceivedMessage | undefined {
    const k = this.msgs.firstKey();
    return k === undefined ? undefined : this.msgs.get(k);
  }

  /** Orderly: the next `batchSize` messages, moved to the consuming set. Clears `consuming` when empty. */
  takeMessages(batchSize: number): MutableReceivedMessage[] {
    this.lastConsumeTimestamp = this.now();
    const out: MutableReceivedMessage[] = [];
    for (let i = 0; i < batchSize; i++) {
      const e = this.msgs.pollFirst();
      if (e === undefined) break;
      out.push(e[1]);
      this.consumingOrderly.put(e[0], e[1]);
    }
    if (out.length === 0) this.consuming = false;
    return out;
  }

  /** Orderly: the consuming batch is done; returns the offset to commit, or -1. */
  commit(): number {
    const last = this.consumingOrderly.lastKey();
    this.count -= this.consumingOrderly.size;
    if (this.count === 0) this.bytes = 0;
    else for (const m of this.consumingOrderly.values()) this.bytes -= bodySize(m);
    this.consumingOrderly.clear();
    return last === undefined ? -1 : last + 1;
  }

  /** Orderly: put the consuming batch back to be consumed again. */
  rollback(): void {
    for (const m of this.consumingOrderly.values()) this.msgs.put(m.queueOffset, m);
    this.consumingOrderly.clear();
  }

  /** Orderly: these messages go back to the cache for another attempt. */
  makeMessageToConsumeAgain(list: readonly MutableReceivedMessage[]): void {
    for (const m of list) {
      this.consumingOrderly.remove(m.queueOffset);
      this.msgs.put(m.queueOffset, m);
    }
  }

  /** Orderly: marks that a consume loop runs (the first dispatch sets it through putMessage). */
  markConsuming(): void {
    this.consuming = true;
  }

  clear(): void {
    this.msgs.clear();
    this.consumingOrderly.clear();
    this.count = 0;
    this.bytes = 0;
    this.queueOffsetMax = 0;
  }

  /** Snapshot for GET_CONSUMER_RUNNING_INFO. */
  info(commitOffset: number): ProcessQueueInfo {
    const cMin = this.consumingOrderly.firstKey();
    const cMax = this.consumingOrderly.lastKey();
    return {
      commitOffset,
      cachedMsgMinOffset: this.msgs.firstKey() ?? 0,
      cachedMsgMaxOffset: this.msgs.lastKey() ?? 0,
      cachedMsgCount: this.msgs.size,
      cachedMsgSizeInMiB: Math.floor(this.bytes / (1024 * 1024)),
      transactionMsgMinOffset: cMin ?? 0,
      transactionMsgMaxOffset: cMax ?? 0,
      transactionMsgCount: this.consumingOrderly.size,
      locked: this.locked,
      tryUnlockTimes: this.tryUnlockTimes,
      lastLockTimestamp: this.lastLockTimestamp,
      droped: this.dropped,
      lastPullTimestamp: this.lastPullTimestamp,
      lastConsumeTimestamp: this.lastConsumeTimestamp,
    };
  }
}
