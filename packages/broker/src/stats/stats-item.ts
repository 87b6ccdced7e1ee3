/**
 * StatsItem and StatsItemSet of the Java broker (common/stats): a counter
 * pair (value, times) per stats key, and three short histories of
 * snapshots from which the last minute, hour and day are computed.
 *
 * Recording is two additions on an object the caller already holds; the
 * histories are appended by the owner's timers (every 10 s, 10 min and
 * 1 h in Java), never on the hot path.
 */

/** Java's StatsSnapshot: what happened between the oldest and the newest snapshot of a history. */
export interface StatsSnapshot {
  /** Value added over the window. */
  readonly sum: number;
  /** sum per second over the window. */
  readonly tps: number;
  /** sum / times over the window (average per call; average latency for RT items). */
  readonly avgpt: number;
  /** Calls over the window. */
  readonly times: number;
}

interface CallSnapshot {
  readonly timestamp: number;
  readonly times: number;
  readonly value: number;
}

/** Snapshots kept: 7 ten-second ones make a minute, 7 ten-minute ones an hour, 25 hourly ones a day (Java's limits). */
const MINUTE_SNAPSHOTS = 7;
const HOUR_SNAPSHOTS = 7;
const DAY_SNAPSHOTS = 25;

const EMPTY: StatsSnapshot = { sum: 0, tps: 0, avgpt: 0, times: 0 };

function compute(list: readonly CallSnapshot[]): StatsSnapshot {
  const first = list[0];
  const last = list[list.length - 1];
  if (first === undefined || last === undefined) return EMPTY;
  const sum = last.value - first.value;
  const span = last.timestamp - first.timestamp;
  // Java divides by the span even when it is 0 (NaN/Infinity); a window of no time has no rate.
  const tps = span > 0 ? (sum * 1000) / span : 0;
  const times = last.times - first.times;
  return { sum, tps, avgpt: times > 0 ? sum / times : 0, times };
}

function sample(list: CallSnapshot[], now: number, intervalMs: number, max: number, times: number, value: number): void {
  // The first sample gets a zero baseline one interval back, so a new item's first window is one interval long.
  if (list.length === 0) list.push({ timestamp: now - intervalMs, times: 0, value: 0 });
  list.push({ timestamp: now, times, value });
  if (list.length > max) list.shift();
}

export class StatsItem {
  /** Running totals; callers add to them directly. */
  value = 0;
  times = 0;
  private readonly minute: CallSnapshot[] = [];
  private readonly hour: CallSnapshot[] = [];
  private readonly day: CallSnapshot[] = [];

  constructor(
    readonly statsName: string,
    readonly statsKey: string,
    /** Response-time item (GROUP_GET_LATENCY): avgpt is the average latency. */
    readonly rt = false,
  ) {}

  add(value: number, times: number): void {
    this.value += value;
    this.times += times;
  }

  samplingInSeconds(now: number, intervalMs: number): void {
    sample(this.minute, now, intervalMs, MINUTE_SNAPSHOTS, this.times, this.value);
  }

  samplingInMinutes(now: number, intervalMs: number): void {
    sample(this.hour, now, intervalMs, HOUR_SNAPSHOTS, this.times, this.value);
  }

  samplingInHour(now: number, intervalMs: number): void {
    sample(this.day, now, intervalMs, DAY_SNAPSHOTS, this.times, this.value);
  }

  getStatsDataInMinute(): StatsSnapshot {
    return compute(this.minute);
  }

  getStatsDataInHour(): StatsSnapshot {
    return compute(this.hour);
  }

  getStatsDataInDay(): StatsSnapshot {
    return compute(this.day);
  }
}

/** The items of one stats name, by stats key. */
export class StatsItemSet {
  readonly items = new Map<string, StatsItem>();

  constructor(
    readonly statsName: string,
    private readonly rt = false,
  ) {}

  getAndCreateStatsItem(statsKey: string): StatsItem {
    let item = this.items.get(statsKey);
    if (item === undefined) {
      item = new StatsItem(this.statsName, statsKey, this.rt);
      this.items.set(statsKey, item);
    }
    return item;
  }

  addValue(statsKey: string, value: number, times: number): void {
    this.getAndCreateStatsItem(statsKey).add(value, times);
  }

  getStatsItem(statsKey: string): StatsItem | undefined {
    return this.items.get(statsKey);
  }

  getStatsDataInMinute(statsKey: string): StatsSnapshot {
    return this.items.get(statsKey)?.getStatsDataInMinute() ?? EMPTY;
  }

  delValue(statsKey: string): void {
    this.items.delete(statsKey);
  }

  /** Keys starting with `prefix` + separator (a topic's "topic@..." keys). */
  delValueByPrefixKey(prefix: string, separator: string): void {
    this.deleteWhere((k) => k.startsWith(prefix + separator));
  }

  /** Keys containing separator + `infix` + separator ("queueId@topic@group" keys of a topic). */
  delValueByInfixKey(infix: string, separator: string): void {
    this.deleteWhere((k) => k.includes(separator + infix + separator));
  }

  /** Keys ending with separator + `suffix` (a group's "...@group" keys). */
  delValueBySuffixKey(suffix: string, separator: string): void {
    this.deleteWhere((k) => k.endsWith(separator + suffix));
  }

  samplingInSeconds(now: number, intervalMs: number): void {
    for (const item of this.items.values()) item.samplingInSeconds(now, intervalMs);
  }

  samplingInMinutes(now: number, intervalMs: number): void {
    for (const item of this.items.values()) item.samplingInMinutes(now, intervalMs);
  }

  samplingInHour(now: number, intervalMs: number): void {
    for (const item of this.items.values()) item.samplingInHour(now, intervalMs);
  }

  private deleteWhere(match: (key: string) => boolean): void {
    for (const k of [...this.items.keys()]) if (match(k)) this.items.delete(k);
  }
}
