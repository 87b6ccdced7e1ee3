/**
 * Delayed delivery by level (ScheduleMessageService.java). A message with
 * DELAY=n waits in SCHEDULE_TOPIC_XXXX queue n-1, whose ConsumeQueue units
 * carry the delivery time as tagsCode (store time + the level's delay). Per
 * level, delivery walks that queue from the level's offset: units already
 * due are re-put to REAL_TOPIC/REAL_QID without the DELAY property (Java's
 * messageTimeup), and the first unit not yet due sets one timer for its
 * time. Nothing polls: a level with nothing left waits for the store's
 * arrival event of its queue; a level waiting for a due time keeps its
 * timer (later arrivals in the same level are due later still).
 *
 * Offsets per level are delayOffset.json's table, written every
 * flushDelayOffsetInterval and at shutdown; after a crash the messages
 * delivered since the last write are delivered again (at-least-once, as Java).
 */
import { type Logger, errorMessage } from '@rocketmq-ts/common';
import { MessageConst, SystemTopic, parseJavaInt, readInt64BE } from '@rocketmq-ts/protocol';
import { type BrokerConfigFiles, CQ_UNIT_SIZE, type MessageStore, parseDelayLevels, stringifyDelayOffsetTable } from '@rocketmq-ts/store';
import type { DelayDelivery } from '../context.js';
import type { DelayOffsetProvider } from '../processor/admin/common.js';
import { copyProperties, isStored, reputRequest } from '../inner-message.js';

const SCHEDULE_TOPIC = SystemTopic.RMQ_SYS_SCHEDULE_TOPIC;
/** Units read per ConsumeQueue read. */
const UNITS_PER_READ = 32;
/** Java's DELAY_FOR_A_WHILE: the retry pause after a failed put. */
const RETRY_AFTER_FAILURE_MS = 100;
/** Java's DELAY_FOR_A_PERIOD: the pause after an unexpected error. */
const RETRY_AFTER_ERROR_MS = 10_000;

/** Reads raw ConsumeQueue units (20 bytes each) of a queue from an offset; undefined outside the queue. */
export type QueueUnitReader = (topic: string, queueId: number, offset: number, maxUnits: number) => Promise<Buffer | undefined>;

export interface ScheduleMessageServiceDeps {
  /** The started store (read when the service starts). */
  readonly store: () => MessageStore;
  readonly readUnits: QueueUnitReader;
  readonly files: BrokerConfigFiles;
  /** messageDelayLevel, e.g. "1s 5s 10s 30s 1m ...". */
  readonly messageDelayLevel: string;
  /** ms between writes of delayOffset.json. */
  readonly flushDelayOffsetInterval: number;
  readonly logger: Logger;
}

class Level {
  /** Next queue offset to deliver. */
  offset = 0;
  running = false;
  rerun = false;
  timer: NodeJS.Timeout | undefined;
  /** The run in progress, for shutdown. */
  current: Promise<void> = Promise.resolve();

  constructor(
    readonly level: number,
    readonly delayMs: number,
  ) {}

  get queueId(): number {
    return this.level - 1;
  }
}

export class ScheduleMessageService implements DelayDelivery, DelayOffsetProvider {
  readonly maxDelayLevel: number;
  /** delayLevel -> offset: the levels delivery has touched or that were loaded (Java's offsetTable). */
  readonly offsetTable = new Map<number, number>();
  private readonly levels: Level[];
  private readonly deps: ScheduleMessageServiceDeps;
  private readonly log: Logger;
  private started = false;
  private dirty = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private persisting: Promise<void> = Promise.resolve();
  private delivered = 0;

  constructor(deps: ScheduleMessageServiceDeps) {
    this.deps = deps;
    this.log = deps.logger.child({ component: 'schedule' });
    const delays = parseDelayLevels(deps.messageDelayLevel);
    this.levels = delays.map((ms, i) => new Level(i + 1, ms));
    this.maxDelayLevel = delays.length;
  }

  /** Messages re-put to their real topic since start. */
  get deliveredCount(): number {
    return this.delivered;
  }

  /** Reads delayOffset.json (Java's load + correctDelayOffset). Call once the store runs. */
  async load(): Promise<void> {
    const stored = await this.deps.files.loadDelayOffsets();
    if (stored !== undefined) for (const [level, offset] of stored.offsetTable) this.offsetTable.set(level, offset);
    const store = this.deps.store();
    for (const [level, offset] of this.offsetTable) {
      const l = this.levels[level - 1];
      if (l === undefined) continue;
      const min = store.getMinOffsetInQueue(SCHEDULE_TOPIC, l.queueId);
      const max = store.getMaxOffsetInQueue(SCHEDULE_TOPIC, l.queueId);
      let correct = offset;
      if (correct < min) correct = min;
      if (correct > max) correct = max;
      if (correct !== offset) {
        this.log.error({ level, offset, min, max }, 'schedule CQ offset invalid; corrected');
        this.offsetTable.set(level, correct);
      }
      l.offset = correct;
    }
  }

  /** Starts delivering (masters only, as Java). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const l of this.levels) this.kick(l);
    const t = setInterval(() => {
      if (this.dirty) void this.persist();
    }, this.deps.flushDelayOffsetInterval);
    t.unref();
    this.flushTimer = t;
  }

  /** Stops delivering, waits for puts in flight, writes delayOffset.json. */
  async shutdown(): Promise<void> {
    const wasStarted = this.started;
    this.started = false;
    if (this.flushTimer !== undefined) clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    for (const l of this.levels) {
      if (l.timer !== undefined) clearTimeout(l.timer);
      l.timer = undefined;
    }
    await Promise.all(this.levels.map((l) => l.current));
    if (wasStarted || this.dirty) await this.persist();
  }

  /** A message reached a SCHEDULE_TOPIC_XXXX queue: wake its level if it is idle. */
  onArrival(queueId: number): void {
    const l = this.levels[queueId];
    if (l === undefined || !this.started || l.timer !== undefined) return;
    // Not from inside the store's dispatch: the run reads the store.
    queueMicrotask(() => this.kick(l));
  }

  /** delayOffset.json's text. */
  encode(): string {
    return stringifyDelayOffsetTable({ offsetTable: this.offsetTable });
  }

  /** Level -> offset (DelayOffsetProvider: GET_ALL_DELAY_OFFSET and scheduleMessageOffset_<level> read it). */
  delayOffsets(): ReadonlyMap<number, number> {
    return this.offsetTable;
  }

  persist(): Promise<void> {
    this.persisting = this.persisting.then(async () => {
      this.dirty = false;
      try {
        await this.deps.files.delayOffsets.write(this.encode());
      } catch (err) {
        this.dirty = true;
        this.log.error({ err: errorMessage(err) }, 'persisting delayOffset.json failed');
      }
    });
    return this.persisting;
  }

  private kick(l: Level): void {
    if (!this.started) return;
    if (l.running) {
      l.rerun = true;
      return;
    }
    if (l.timer !== undefined) {
      clearTimeout(l.timer);
      l.timer = undefined;
    }
    l.running = true;
    l.current = this.run(l).finally(() => {
      l.running = false;
      if (l.rerun) {
        l.rerun = false;
        if (l.timer === undefined) this.kick(l);
      }
    });
  }

  private arm(l: Level, delayMs: number): void {
    if (!this.started) return;
    if (l.timer !== undefined) clearTimeout(l.timer);
    const t = setTimeout(() => {
      l.timer = undefined;
      this.kick(l);
    }, Math.max(0, delayMs));
    t.unref();
    l.timer = t;
  }

  private async run(l: Level): Promise<void> {
    try {
      await this.deliverDue(l);
    } catch (err) {
      this.log.error({ level: l.level, offset: l.offset, err: errorMessage(err) }, 'delivering delayed messages failed');
      this.arm(l, RETRY_AFTER_ERROR_MS);
    }
  }

  /** Delivers what is due from the level's offset; arms the timer for the first unit not due. */
  private async deliverDue(l: Level): Promise<void> {
    const store = this.deps.store();
    for (;;) {
      if (!this.started) return;
      const units = await this.deps.readUnits(SCHEDULE_TOPIC, l.queueId, l.offset, UNITS_PER_READ);
      if (units === undefined) {
        const min = store.getMinOffsetInQueue(SCHEDULE_TOPIC, l.queueId);
        const max = store.getMaxOffsetInQueue(SCHEDULE_TOPIC, l.queueId);
        if (l.offset < min) {
          this.log.error({ level: l.level, offset: l.offset, min }, 'schedule CQ offset invalid; moving to the queue minimum');
          this.setOffset(l, min);
          continue;
        }
        if (l.offset > max) {
          this.log.error({ level: l.level, offset: l.offset, max }, 'schedule CQ offset invalid; moving to the queue maximum');
          this.setOffset(l, max);
        }
        // Caught up: the next arrival in this queue wakes the level.
        return;
      }
      const n = units.length / CQ_UNIT_SIZE;
      const now = Date.now();
      const due: Array<{ offset: number; size: number }> = [];
      let notDueAt: number | undefined;
      for (let i = 0; i < n; i++) {
        const p = i * CQ_UNIT_SIZE;
        const deliverAt = this.correctDeliverTimestamp(l, now, readInt64BE(units, p + 12));
        if (deliverAt > now) {
          notDueAt = deliverAt;
          break;
        }
        due.push({ offset: readInt64BE(units, p), size: units.readInt32BE(p + 8) });
      }
      if (due.length > 0) {
        const done = await this.deliver(l, due);
        if (done > 0) this.setOffset(l, l.offset + done);
        if (done < due.length) {
          this.arm(l, RETRY_AFTER_FAILURE_MS);
          return;
        }
      }
      if (notDueAt !== undefined) {
        this.arm(l, notDueAt - Date.now());
        return;
      }
    }
  }

  /** Java's correctDeliverTimestamp: a time further away than the level's delay (the clock went back) means now. */
  private correctDeliverTimestamp(l: Level, now: number, deliverAt: number): number {
    return deliverAt > now + l.delayMs ? now : deliverAt;
  }

  /**
   * Re-puts the units' messages, all issued at once (the store keeps their
   * order); returns how many, from the first, are done. A failed put stops
   * the count there and is retried; puts after it that succeeded are then
   * delivered again (at-least-once).
   */
  private async deliver(l: Level, units: ReadonlyArray<{ offset: number; size: number }>): Promise<number> {
    const store = this.deps.store();
    const messages = await Promise.all(units.map((u) => store.lookMessageByOffset(u.offset, u.size)));
    const puts = messages.map((m, i) => {
      if (m === undefined) {
        this.log.warn({ level: l.level, offset: l.offset + i }, 'delayed message not found in the CommitLog; skipped');
        return Promise.resolve(true);
      }
      const props = copyProperties(m.properties);
      const realTopic = props[MessageConst.PROPERTY_REAL_TOPIC];
      const realQueueId = parseJavaInt(props[MessageConst.PROPERTY_REAL_QUEUE_ID] ?? '');
      if (realTopic === undefined || realQueueId === undefined) {
        this.log.error({ level: l.level, offset: l.offset + i, msgId: m.offsetMsgId }, 'delayed message without REAL_TOPIC/REAL_QID; discarded');
        return Promise.resolve(true);
      }
      if (realTopic === SystemTopic.RMQ_SYS_TRANS_HALF_TOPIC) {
        this.log.error({ level: l.level, msgId: m.offsetMsgId }, '[BUG] the real topic of schedule msg is the half topic; discarded');
        return Promise.resolve(true);
      }
      // messageTimeup: DELAY goes, REAL_TOPIC/REAL_QID stay.
      delete props[MessageConst.PROPERTY_DELAY_TIME_LEVEL];
      return store.putMessage(reputRequest(m, realTopic, realQueueId, props)).then(
        (r) => {
          if (isStored(r.status)) return true;
          this.log.warn({ level: l.level, topic: realTopic, status: r.status }, 'delivering a delayed message failed; retrying');
          return false;
        },
        (err: unknown) => {
          this.log.warn({ level: l.level, topic: realTopic, err: errorMessage(err) }, 'delivering a delayed message failed; retrying');
          return false;
        },
      );
    });
    const results = await Promise.all(puts);
    let done = 0;
    while (done < results.length && results[done] === true) done++;
    this.delivered += done;
    return done;
  }

  private setOffset(l: Level, offset: number): void {
    l.offset = offset;
    this.offsetTable.set(l.level, offset);
    this.dirty = true;
  }
}
