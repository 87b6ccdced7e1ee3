/**
 * Timed messages at any time (5.x's TIMER_DELIVER_MS / TIMER_DELAY_SEC /
 * TIMER_DELAY_MS; 4.9 has only delay levels).
 *
 * Durability: a timed message is stored in rmq_sys_wheel_timer queue 0 with
 * TIMER_OUT_MS (its due time), REAL_TOPIC and REAL_QID (see route.ts), like
 * 5.x. The CommitLog is the only durable copy; there is no timerlog.
 *
 * Index: the service reads that queue from `scanOffset` (woken by the
 * store's arrival events) and adds each message to a {@link TimerWheel}:
 * one-second slots in a min-heap, four numbers per message, one JS timer
 * for the earliest due time. Due entries are re-put to their real topic and
 * queue (REAL_TOPIC/REAL_QID removed, TIMER_OUT_MS kept so they are never
 * timed again, TIMER_ENQUEUE_MS/TIMER_DEQUEUE_MS added, as 5.x's convert).
 *
 * Restart: config/timerCheck.json holds three numbers, written every
 * timerFlushIntervalMs and at shutdown:
 *   commitOffset       every message of the queue below it is delivered;
 *   scanOffset         every message below it had been indexed;
 *   deliveredBeforeMs  the earliest due time still pending then.
 * A message in [commitOffset, scanOffset) due before deliveredBeforeMs was
 * delivered (anything pending then was due later); every other message from
 * commitOffset on is indexed again. So nothing pending is lost, and after a
 * clean shutdown nothing is delivered twice; after a crash, what was
 * delivered since the last write may be delivered again (at-least-once).
 * The cost is a read of the queue from the oldest pending message at start.
 */
import { join } from 'node:path';
import { type Logger, errorMessage } from '@rocketmq-ts/common';
import { MessageConst, decodeRecord, parseJavaInt } from '@rocketmq-ts/protocol';
import { ConfigFile, GetMessageStatus, type MessageStore, PutMessageStatus, nodeStoreFs } from '@rocketmq-ts/store';
import { copyProperties, isStored, reputRequest } from '../inner-message.js';
import { TIMER_TOPIC } from '../schedule/route.js';
import { type TimerEntry, TimerWheel } from './timer-wheel.js';

/** The group name the service reads the timer queue as (only statistics see it). */
const TIMER_GROUP = 'CID_RMQ_SYS_WHEEL_TIMER';
/** Records read per scan step. */
const SCAN_BATCH = 32;
/** Entries delivered per step (all their puts issued at once). */
const DELIVER_BATCH = 256;
/** A failed put is tried again after this long. */
const RETRY_MS = 1000;
/** setTimeout's largest delay. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** TPS window. */
const TPS_WINDOW_MS = 10_000;

export interface TimerCheckpoint {
  commitOffset: number;
  scanOffset: number;
  deliveredBeforeMs: number;
}

export interface TimerMessageServiceDeps {
  /** The started store (read when the service starts). */
  readonly store: () => MessageStore;
  /** <storePathRootDir>/config. */
  readonly configDir: string;
  /** ms between checkpoint writes. */
  readonly flushIntervalMs: number;
  readonly logger: Logger;
}

function parseCheckpoint(text: string): TimerCheckpoint {
  const j = JSON.parse(text) as Partial<Record<keyof TimerCheckpoint, unknown>>;
  const num = (k: keyof TimerCheckpoint): number => {
    const v = j[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`timerCheck.json: ${k} is not a non-negative integer`);
    return v;
  };
  return { commitOffset: num('commitOffset'), scanOffset: num('scanOffset'), deliveredBeforeMs: num('deliveredBeforeMs') };
}

export class TimerMessageService {
  private readonly deps: TimerMessageServiceDeps;
  private readonly log: Logger;
  private readonly file: ConfigFile;
  private readonly wheel = new TimerWheel();
  /** Being re-put now, by queue offset. */
  private readonly inflight = new Map<number, TimerEntry>();
  /** Failed puts waiting to be tried again. */
  private retries: Array<{ entry: TimerEntry; at: number }> = [];
  private started = false;
  private scanOffset = 0;
  /** The checkpoint read at start, until the scan has passed its scanOffset. */
  private restartSkip: TimerCheckpoint | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  private scanning = false;
  private rescan = false;
  private scanDone: Promise<void> = Promise.resolve();
  private delivering = false;
  private deliverDone: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;
  private lastWritten = '';
  private writing: Promise<void> = Promise.resolve();
  private enqueued = 0;
  private dequeued = 0;
  private readonly tpsSamples: Array<{ at: number; enq: number; deq: number }> = [];

  constructor(deps: TimerMessageServiceDeps) {
    this.deps = deps;
    this.log = deps.logger.child({ component: 'timer' });
    this.file = new ConfigFile(join(deps.configDir, 'timerCheck.json'), nodeStoreFs, this.log);
  }

  /** Timed messages waiting (indexed, being delivered, or retrying). */
  get pending(): number {
    return this.wheel.size + this.inflight.size + this.retries.length;
  }

  /** Messages delivered to their real topic since start. */
  get deliveredCount(): number {
    return this.dequeued;
  }

  /** Reads the checkpoint and starts indexing and delivering (masters only). */
  async start(): Promise<void> {
    if (this.started) return;
    const store = this.deps.store();
    const loaded = await this.file.load(parseCheckpoint).catch((err: unknown) => {
      this.log.error({ err: errorMessage(err) }, 'timerCheck.json unreadable; indexing the timer queue from its start');
      return undefined;
    });
    const min = store.getMinOffsetInQueue(TIMER_TOPIC, 0);
    const max = store.getMaxOffsetInQueue(TIMER_TOPIC, 0);
    const cp = loaded?.value;
    if (cp === undefined) {
      this.scanOffset = min;
    } else {
      this.scanOffset = Math.min(Math.max(cp.commitOffset, min), max);
      // A queue shorter than the checkpoint says (its tail lost in a crash) gets new messages at those offsets.
      const scanned = Math.min(cp.scanOffset, max);
      if (scanned > this.scanOffset) this.restartSkip = { ...cp, scanOffset: scanned };
      this.lastWritten = JSON.stringify(cp);
    }
    this.log.info({ from: this.scanOffset, max, checkpoint: cp }, 'timer service starting');
    this.started = true;
    this.kickScan();
    const t = setInterval(() => {
      this.sampleTps();
      void this.writeCheckpoint();
    }, this.deps.flushIntervalMs);
    t.unref();
    this.flushTimer = t;
  }

  /** Stops indexing and delivering, waits for puts in flight, writes the checkpoint. */
  async shutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.flushTimer !== undefined) clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    this.clearTimer();
    await this.scanDone;
    await this.deliverDone;
    await this.writeCheckpoint();
    this.wheel.clear();
    this.retries = [];
  }

  /** A message reached the timer queue: index it. */
  onArrival(): void {
    if (!this.started) return;
    // Not from inside the store's dispatch: the scan reads the store.
    queueMicrotask(() => this.kickScan());
  }

  /** What a checkpoint written now would hold. */
  checkpoint(): TimerCheckpoint {
    let qo = Number.MAX_SAFE_INTEGER;
    let due = Number.MAX_SAFE_INTEGER;
    const m = this.wheel.minima();
    if (m !== undefined) {
      qo = m.queueOffset;
      due = m.dueMs;
    }
    const consider = (e: TimerEntry): void => {
      if (e.queueOffset < qo) qo = e.queueOffset;
      if (e.dueMs < due) due = e.dueMs;
    };
    for (const e of this.inflight.values()) consider(e);
    for (const r of this.retries) consider(r.entry);
    let scanOffset = this.scanOffset;
    const skip = this.restartSkip;
    if (skip !== undefined) {
      // Not yet rescanned up to the old scanOffset: the old rule still covers [scanOffset, skip.scanOffset).
      scanOffset = Math.max(scanOffset, skip.scanOffset);
      if (qo > this.scanOffset) qo = this.scanOffset;
      if (skip.deliveredBeforeMs < due) due = skip.deliveredBeforeMs;
    }
    if (qo === Number.MAX_SAFE_INTEGER) return { commitOffset: scanOffset, scanOffset, deliveredBeforeMs: 0 };
    return { commitOffset: qo, scanOffset, deliveredBeforeMs: due };
  }

  /** GET_BROKER_RUNTIME_INFO's timer keys (5.x names) and ours. */
  buildRunningStats(out: Record<string, string>): void {
    const store = this.deps.store();
    const next = this.wheel.nextDueMs();
    const now = Date.now();
    out['timerReadBehind'] = String(next === undefined || next >= now ? 0 : Math.floor((now - next) / 1000));
    out['timerOffsetBehind'] = String(Math.max(0, store.getMaxOffsetInQueue(TIMER_TOPIC, 0) - this.scanOffset));
    out['timerCongestNum'] = String(this.pending);
    const [enqTps, deqTps] = this.tps();
    out['timerEnqueueTps'] = enqTps.toFixed(1);
    out['timerDequeueTps'] = deqTps.toFixed(1);
    out['timerPending'] = String(this.pending);
    out['timerSlots'] = String(this.wheel.slotCount);
  }

  /** Writes timerCheck.json if it changed. */
  writeCheckpoint(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const text = JSON.stringify(this.checkpoint());
      if (text === this.lastWritten) return;
      try {
        await this.file.write(text);
        this.lastWritten = text;
      } catch (err) {
        this.log.error({ err: errorMessage(err) }, 'writing timerCheck.json failed');
      }
    });
    return this.writing;
  }

  // ---------------------------------------------------------------------------
  // Indexing

  private kickScan(): void {
    if (!this.started) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = true;
    this.scanDone = this.scan()
      .catch((err: unknown) => this.log.error({ offset: this.scanOffset, err: errorMessage(err) }, 'indexing timed messages failed'))
      .finally(() => {
        this.scanning = false;
        if (this.rescan) {
          this.rescan = false;
          this.kickScan();
        }
      });
  }

  private async scan(): Promise<void> {
    const store = this.deps.store();
    while (this.started) {
      const from = this.scanOffset;
      const r = await store.getMessage(TIMER_GROUP, TIMER_TOPIC, 0, from, SCAN_BATCH);
      if (r.status === GetMessageStatus.FOUND) {
        for (let i = 0; i < r.messages.length; i++) this.index(r.messages[i] as Buffer, r.queueOffsets[i] as number);
        this.setScanOffset(r.nextBeginOffset);
        this.arm();
        continue;
      }
      if (r.status === GetMessageStatus.NO_MESSAGE_IN_QUEUE || r.status === GetMessageStatus.OFFSET_OVERFLOW_ONE) return;
      this.log.warn({ offset: from, status: r.status, next: r.nextBeginOffset }, 'timer queue offset moved');
      if (r.nextBeginOffset === from) return;
      this.setScanOffset(r.nextBeginOffset);
    }
  }

  private setScanOffset(offset: number): void {
    this.scanOffset = offset;
    if (this.restartSkip !== undefined && offset >= this.restartSkip.scanOffset) this.restartSkip = undefined;
  }

  private index(record: Buffer, queueOffset: number): void {
    const m = decodeRecord(record, 0, { readBody: false });
    const out = m.properties[MessageConst.PROPERTY_TIMER_OUT_MS];
    const due = out === undefined || !/^\d{1,16}$/.test(out) ? Number.NaN : Number(out);
    if (Number.isNaN(due)) {
      this.log.error({ queueOffset, msgId: m.offsetMsgId }, 'timed message without a valid TIMER_OUT_MS; discarded');
      return;
    }
    const skip = this.restartSkip;
    // Delivered before the restart (see the file comment).
    if (skip !== undefined && queueOffset < skip.scanOffset && due < skip.deliveredBeforeMs) return;
    this.wheel.add(queueOffset, m.commitLogOffset, record.length, due);
    this.enqueued++;
  }

  // ---------------------------------------------------------------------------
  // Delivery

  private nextWakeMs(): number | undefined {
    let next = this.wheel.nextDueMs();
    for (const r of this.retries) if (next === undefined || r.at < next) next = r.at;
    return next;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One timer, for the earliest due entry (or retry). */
  private arm(): void {
    if (!this.started || this.delivering) return;
    const next = this.nextWakeMs();
    if (next === undefined) {
      this.clearTimer();
      return;
    }
    if (this.timer !== undefined && this.timerAt === next) return;
    this.clearTimer();
    this.timerAt = next;
    const t = setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, Math.min(MAX_TIMEOUT_MS, Math.max(0, next - Date.now())));
    t.unref();
    this.timer = t;
  }

  private fire(): void {
    if (!this.started || this.delivering) return;
    this.delivering = true;
    this.deliverDone = this.deliverDue()
      .catch((err: unknown) => this.log.error({ err: errorMessage(err) }, 'delivering timed messages failed'))
      .finally(() => {
        this.delivering = false;
        this.arm();
      });
  }

  private async deliverDue(): Promise<void> {
    const store = this.deps.store();
    while (this.started) {
      const now = Date.now();
      const batch: TimerEntry[] = [];
      if (this.retries.length > 0) {
        const later: Array<{ entry: TimerEntry; at: number }> = [];
        for (const r of this.retries) {
          if (r.at <= now && batch.length < DELIVER_BATCH) batch.push(r.entry);
          else later.push(r);
        }
        this.retries = later;
      }
      this.wheel.takeDue(now, DELIVER_BATCH - batch.length, batch);
      if (batch.length === 0) return;
      for (const e of batch) this.inflight.set(e.queueOffset, e);
      const results = await Promise.all(batch.map((e) => this.deliverOne(store, e, now)));
      for (let i = 0; i < batch.length; i++) {
        const e = batch[i] as TimerEntry;
        this.inflight.delete(e.queueOffset);
        if (results[i] === true) this.dequeued++;
        else this.retries.push({ entry: e, at: Date.now() + RETRY_MS });
      }
    }
  }

  /** true when done with (delivered, or impossible to deliver); false to try again. */
  private async deliverOne(store: MessageStore, e: TimerEntry, now: number): Promise<boolean> {
    const m = await store.lookMessageByOffset(e.commitLogOffset, e.size);
    if (m === undefined) {
      this.log.warn({ queueOffset: e.queueOffset, commitLogOffset: e.commitLogOffset }, 'timed message no longer in the CommitLog; dropped');
      return true;
    }
    const props = copyProperties(m.properties);
    const realTopic = props[MessageConst.PROPERTY_REAL_TOPIC];
    const realQueueId = parseJavaInt(props[MessageConst.PROPERTY_REAL_QUEUE_ID] ?? '');
    if (realTopic === undefined || realQueueId === undefined) {
      this.log.error({ queueOffset: e.queueOffset, msgId: m.offsetMsgId }, 'timed message without REAL_TOPIC/REAL_QID; discarded');
      return true;
    }
    delete props[MessageConst.PROPERTY_REAL_TOPIC];
    delete props[MessageConst.PROPERTY_REAL_QUEUE_ID];
    props[MessageConst.PROPERTY_TIMER_ENQUEUE_MS] = String(m.storeTimestamp);
    props[MessageConst.PROPERTY_TIMER_DEQUEUE_MS] = String(now);
    try {
      const r = await store.putMessage(reputRequest(m, realTopic, realQueueId, props));
      if (isStored(r.status)) return true;
      if (r.status === PutMessageStatus.MESSAGE_ILLEGAL || r.status === PutMessageStatus.PROPERTIES_SIZE_EXCEEDED) {
        this.log.error({ queueOffset: e.queueOffset, topic: realTopic, status: r.status }, 'timed message refused by the store; discarded');
        return true;
      }
      this.log.warn({ queueOffset: e.queueOffset, topic: realTopic, status: r.status }, 'delivering a timed message failed; retrying');
      return false;
    } catch (err) {
      this.log.warn({ queueOffset: e.queueOffset, topic: realTopic, err: errorMessage(err) }, 'delivering a timed message failed; retrying');
      return false;
    }
  }

  // ---------------------------------------------------------------------------
  // Statistics

  private sampleTps(): void {
    const now = Date.now();
    this.tpsSamples.push({ at: now, enq: this.enqueued, deq: this.dequeued });
    while (this.tpsSamples.length > 2 && now - (this.tpsSamples[1] as { at: number }).at >= TPS_WINDOW_MS) this.tpsSamples.shift();
  }

  private tps(): [number, number] {
    const first = this.tpsSamples[0];
    const last = this.tpsSamples[this.tpsSamples.length - 1];
    if (first === undefined || last === undefined || last.at === first.at) return [0, 0];
    const s = (last.at - first.at) / 1000;
    return [(last.enq - first.enq) / s, (last.deq - first.deq) / s];
  }
}
