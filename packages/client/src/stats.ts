/**
 * Per-topic consume statistics for GET_CONSUMER_RUNNING_INFO (Java's
 * ConsumerStatsManager): averages and rates over the last minute, kept as
 * one-second buckets so memory stays constant.
 */
import type { ConsumeStatus } from '@rocketmq-ts/protocol';

class MinuteWindow {
  private readonly sums = new Float64Array(60);
  private readonly counts = new Float64Array(60);
  private readonly stamps = new Float64Array(60);

  constructor(private readonly now: () => number) {}

  add(value: number, times = 1): void {
    const sec = Math.floor(this.now() / 1000);
    const i = sec % 60;
    if (this.stamps[i] !== sec) {
      this.stamps[i] = sec;
      this.sums[i] = 0;
      this.counts[i] = 0;
    }
    this.sums[i]! += value;
    this.counts[i]! += times;
  }

  /** Sum and count over the last 60 seconds. */
  totals(): { sum: number; count: number } {
    const sec = Math.floor(this.now() / 1000);
    let sum = 0;
    let count = 0;
    for (let i = 0; i < 60; i++) {
      if (sec - this.stamps[i]! < 60) {
        sum += this.sums[i]!;
        count += this.counts[i]!;
      }
    }
    return { sum, count };
  }
}

class TopicStats {
  readonly pullRT: MinuteWindow;
  readonly pullTPS: MinuteWindow;
  readonly consumeRT: MinuteWindow;
  readonly consumeOK: MinuteWindow;
  readonly consumeFailed: MinuteWindow;
  failedLastHour = 0;

  constructor(now: () => number) {
    this.pullRT = new MinuteWindow(now);
    this.pullTPS = new MinuteWindow(now);
    this.consumeRT = new MinuteWindow(now);
    this.consumeOK = new MinuteWindow(now);
    this.consumeFailed = new MinuteWindow(now);
  }
}

export class ConsumerStats {
  private readonly topics = new Map<string, TopicStats>();

  constructor(private readonly now: () => number = Date.now) {}

  private of(topic: string): TopicStats {
    let t = this.topics.get(topic);
    if (t === undefined) {
      t = new TopicStats(this.now);
      this.topics.set(topic, t);
    }
    return t;
  }

  incPullRT(topic: string, ms: number): void {
    this.of(topic).pullRT.add(ms);
  }

  incPullTPS(topic: string, msgs: number): void {
    this.of(topic).pullTPS.add(msgs);
  }

  incConsumeRT(topic: string, ms: number): void {
    this.of(topic).consumeRT.add(ms);
  }

  incConsumeOK(topic: string, msgs: number): void {
    this.of(topic).consumeOK.add(msgs);
  }

  incConsumeFailed(topic: string, msgs: number): void {
    const t = this.of(topic);
    t.consumeFailed.add(msgs);
    t.failedLastHour += msgs;
  }

  status(topic: string): ConsumeStatus {
    const t = this.of(topic);
    const avg = (w: MinuteWindow): number => {
      const { sum, count } = w.totals();
      return count === 0 ? 0 : sum / count;
    };
    const tps = (w: MinuteWindow): number => w.totals().sum / 60;
    return {
      pullRT: avg(t.pullRT),
      pullTPS: tps(t.pullTPS),
      consumeRT: avg(t.consumeRT),
      consumeOKTPS: tps(t.consumeOK),
      consumeFailedTPS: tps(t.consumeFailed),
      consumeFailedMsgs: t.failedLastHour,
    };
  }
}
