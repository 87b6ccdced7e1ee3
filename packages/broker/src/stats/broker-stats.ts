/**
 * BrokerStats of the Java broker: the store's put and get totals as they
 * stood at the last two local midnights, so the runtime info can report
 * "today" and "yesterday" (msgPutTotalTodayNow - msgPutTotalTodayMorning is
 * today's traffic). Both mornings are 0 until the broker has seen a
 * midnight, as in Java.
 */

/** The store's running totals. */
export interface StoreTotals {
  /** Messages stored since the store started (Java's putMessageTimesTotal). */
  readonly putTotal: number;
  /** Messages handed to consumers since the store started (Java's getMessageTransferedMsgCount). */
  readonly getTotal: number;
}

/** The next local midnight after `now` (UtilAll.computeNextMorningTimeMillis). */
export function nextMorning(now: number): number {
  const d = new Date(now);
  d.setHours(24, 0, 0, 0);
  return d.getTime();
}

export class BrokerStats {
  msgPutTotalYesterdayMorning = 0;
  msgPutTotalTodayMorning = 0;
  msgGetTotalYesterdayMorning = 0;
  msgGetTotalTodayMorning = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly totals: () => StoreTotals) {}

  get msgPutTotalTodayNow(): number {
    return this.totals().putTotal;
  }

  get msgGetTotalTodayNow(): number {
    return this.totals().getTotal;
  }

  /** Shifts today's morning to yesterday and takes the current totals as today's morning. */
  record(): void {
    const t = this.totals();
    this.msgPutTotalYesterdayMorning = this.msgPutTotalTodayMorning;
    this.msgGetTotalYesterdayMorning = this.msgGetTotalTodayMorning;
    this.msgPutTotalTodayMorning = t.putTotal;
    this.msgGetTotalTodayMorning = t.getTotal;
  }

  /** Records at every local midnight (recomputed each time, so a DST change does not shift it). */
  start(onRecord?: (stats: BrokerStats) => void): void {
    this.shutdown();
    const arm = (): void => {
      const now = Date.now();
      this.timer = setTimeout(() => {
        this.record();
        onRecord?.(this);
        arm();
      }, nextMorning(now) - now);
      this.timer.unref();
    };
    arm();
  }

  shutdown(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
