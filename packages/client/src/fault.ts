/**
 * Latency-based fault avoidance (MQFaultStrategy + LatencyFaultToleranceImpl).
 * Each send's latency maps to an isolation time through two tables; a broker
 * inside its isolation time is skipped when choosing a queue. A failed send
 * counts as 30 s of latency, which with Java's tables isolates the broker for
 * 10 minutes (unless every broker is isolated: then the least bad is used).
 */
import type { MessageQueue } from '@rocketmq-ts/protocol';
import { RotatingIndex } from './route.js';
import type { TopicPublishInfo } from './route.js';

interface FaultItem {
  readonly name: string;
  currentLatency: number;
  startTimestamp: number;
}

export class LatencyFaultTolerance {
  private readonly items = new Map<string, FaultItem>();
  private readonly whichItemWorst = new RotatingIndex();

  constructor(private readonly now: () => number = Date.now) {}

  updateFaultItem(name: string, currentLatency: number, notAvailableDuration: number): void {
    const start = this.now() + notAvailableDuration;
    const old = this.items.get(name);
    if (old === undefined) this.items.set(name, { name, currentLatency, startTimestamp: start });
    else {
      old.currentLatency = currentLatency;
      old.startTimestamp = start;
    }
  }

  isAvailable(name: string): boolean {
    const item = this.items.get(name);
    return item === undefined || this.now() - item.startTimestamp >= 0;
  }

  remove(name: string): void {
    this.items.delete(name);
  }

  /**
   * A broker to use when none is available: one of the better half, sorted
   * available-first, then by latency, then by when its isolation ends.
   */
  pickOneAtLeast(): string | undefined {
    const list = [...this.items.values()];
    if (list.length === 0) return undefined;
    const now = this.now();
    const avail = (i: FaultItem): boolean => now - i.startTimestamp >= 0;
    list.sort((a, b) => {
      if (avail(a) !== avail(b)) return avail(a) ? -1 : 1;
      if (a.currentLatency !== b.currentLatency) return a.currentLatency - b.currentLatency;
      return a.startTimestamp - b.startTimestamp;
    });
    const half = Math.floor(list.length / 2);
    if (half <= 0) return list[0]!.name;
    return list[this.whichItemWorst.next() % half]!.name;
  }
}

export interface FaultStrategyOptions {
  readonly sendLatencyFaultEnable: boolean;
  readonly latencyMax: readonly number[];
  readonly notAvailableDuration: readonly number[];
}

export class FaultStrategy {
  readonly tolerance: LatencyFaultTolerance;

  constructor(private readonly options: FaultStrategyOptions, now: () => number = Date.now) {
    this.tolerance = new LatencyFaultTolerance(now);
  }

  get enabled(): boolean {
    return this.options.sendLatencyFaultEnable;
  }

  selectOneMessageQueue(info: TopicPublishInfo, lastBrokerName: string | undefined): MessageQueue {
    if (!this.options.sendLatencyFaultEnable) return info.selectAvoiding(lastBrokerName);
    const list = info.messageQueueList;
    let index = info.sendWhichQueue.next();
    for (let i = 0; i < list.length; i++) {
      const mq = list[index % list.length]!;
      index = (index + 1) & 0x7fffffff;
      if (this.tolerance.isAvailable(mq.brokerName)) return mq;
    }
    const notBest = this.tolerance.pickOneAtLeast();
    if (notBest !== undefined) {
      const writeQueueNums = info.writeQueueNumsOf(notBest);
      if (writeQueueNums > 0) {
        const mq = info.selectOneMessageQueue();
        return { topic: mq.topic, brokerName: notBest, queueId: info.sendWhichQueue.next() % writeQueueNums };
      }
      this.tolerance.remove(notBest);
    }
    return info.selectOneMessageQueue();
  }

  /** Records a send's latency; `isolation` (a failure) counts as 30 s. */
  updateFaultItem(brokerName: string, currentLatency: number, isolation: boolean): void {
    if (!this.options.sendLatencyFaultEnable) return;
    const duration = this.computeNotAvailableDuration(isolation ? 30_000 : currentLatency);
    this.tolerance.updateFaultItem(brokerName, currentLatency, duration);
  }

  computeNotAvailableDuration(currentLatency: number): number {
    const { latencyMax, notAvailableDuration } = this.options;
    for (let i = latencyMax.length - 1; i >= 0; i--) {
      if (currentLatency >= latencyMax[i]!) return notAvailableDuration[i] ?? 0;
    }
    return 0;
  }
}
