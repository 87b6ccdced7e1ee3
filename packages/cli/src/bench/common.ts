/**
 * What the bench subcommands share: where output goes, when a run stops,
 * the message they send, how failures are counted, topic creation.
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdminClient } from '@rocketmq-ts/admin';
import { isRmqError } from '@rocketmq-ts/common';
import type { Message } from '@rocketmq-ts/client';

/** Where a bench run writes: stdout/stderr for the command, buffers in tests. */
export interface BenchOutput {
  out(text: string): void;
  err(text: string): void;
}

/** What ends a run; whichever comes first. */
export interface RunLimits {
  /** Messages (or batches, transactions) to send or consume; 0 = no limit. */
  readonly quantity: number;
  /** Seconds to run; 0 = no limit. */
  readonly durationS: number;
  /** Seconds at the start left out of the summary (periodic lines still print). */
  readonly warmupS: number;
  /** Aborted by Ctrl-C / SIGTERM in the command. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Resolves when the run's duration is over or the signal fires; `stop()`
 * ends it early (quantity reached). `stopped` is what loops poll.
 */
export class RunClock {
  readonly startedAt = performance.now();
  stopped = false;
  private resolveDone!: () => void;
  readonly done: Promise<void> = new Promise((resolve) => (this.resolveDone = resolve));
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = (): void => this.stop();

  constructor(private readonly limits: RunLimits) {
    if (limits.durationS > 0) this.timer = setTimeout(() => this.stop(), limits.durationS * 1000);
    if (limits.signal !== undefined) {
      if (limits.signal.aborted) this.stop();
      else limits.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** performance.now() at which the summary's window opens. */
  get measureFrom(): number {
    return this.startedAt + this.limits.warmupS * 1000;
  }

  inWindow(t: number): boolean {
    return t >= this.measureFrom;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.limits.signal?.removeEventListener('abort', this.onAbort);
    this.resolveDone();
  }
}

/**
 * Paces sends to `rate` per second over all senders (0 = as fast as they
 * go): the n-th send may start at start + n/rate, so a slow moment is caught
 * up rather than lost, as a fixed-rate load generator should.
 */
export class Pacer {
  private issued = 0;
  private readonly start = performance.now();

  constructor(private readonly rate: number) {}

  async next(): Promise<void> {
    if (this.rate <= 0) return;
    const due = this.start + (this.issued++ * 1000) / this.rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
  }
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random alphanumeric body of `size` bytes, as Java's benchmarks build theirs (once per run). */
export function randomBody(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = ALPHANUMERIC.charCodeAt(randomInt(ALPHANUMERIC.length));
  return b;
}

/** Producer.java's user properties of about `size` characters: prop0=hello<n>, prop1=<n>, ... */
export function benchProperties(size: number): Record<string, string> | undefined {
  if (size <= 0) return undefined;
  const props: Record<string, string> = {};
  let start = randomInt(100);
  let total = 0;
  for (let i = 0; ; i += 2, start += 2) {
    const k1 = `prop${i}`;
    const v1 = `hello${start}`;
    const k2 = `prop${i + 1}`;
    const v2 = String(start);
    props[k1] = v1;
    props[k2] = v2;
    total += k1.length + v1.length + k2.length + v2.length;
    if (total > size) return props;
  }
}

export interface MessageShape {
  readonly body: Buffer;
  /** KEYS = the send's start second, as Java's benchmark. */
  readonly keys: boolean;
  /** TAGS = tag<now % tagCount> when > 0. */
  readonly tagCount: number;
  readonly properties: Record<string, string> | undefined;
  /** Delay level, 0 = none. */
  readonly delayLevel: number;
}

export function buildMessage(topic: string, shape: MessageShape, nowMs: number): Message {
  return {
    topic,
    body: shape.body,
    ...(shape.keys ? { keys: String(Math.floor(nowMs / 1000)) } : {}),
    ...(shape.tagCount > 0 ? { tags: `tag${nowMs % shape.tagCount}` } : {}),
    ...(shape.properties === undefined ? {} : { properties: shape.properties }),
    ...(shape.delayLevel > 0 ? { delayTimeLevel: shape.delayLevel } : {}),
  };
}

/**
 * Java's split of failures: "Response Failed" when a broker answered with an
 * error (MQBrokerException), "Send Failed" for everything else (no route,
 * timeouts, connections).
 */
export function isResponseFailure(err: unknown): boolean {
  return isRmqError(err) && err.responseCode !== undefined;
}

/** The topics a run sends to: `topic`, or `topic_0 .. topic_<n-1>` for `--topic-count n`. */
export function topicNames(topic: string, count: number): string[] {
  if (count <= 1) return [topic];
  return Array.from({ length: count }, (_, i) => `${topic}_${i}`);
}

/**
 * Creates (or updates) `topics` with `queues` read and write queues on every
 * master the NameServer knows, as `mqadmin updateTopic -c` would. Java's
 * benchmarks rely on auto-creation instead, which gives 4 queues.
 */
export async function createTopics(nameServer: string, topics: readonly string[], queues: number): Promise<void> {
  const admin = new AdminClient({ nameServer });
  try {
    const info = await admin.examineBrokerClusterInfo();
    const masters: string[] = [];
    for (const b of info.brokerAddrTable.values()) {
      const addr = b.brokerAddrs.get(0);
      if (addr !== undefined) masters.push(addr);
    }
    if (masters.length === 0) throw new Error('no master broker is registered with the NameServer');
    // A few at a time: each creation makes the broker re-register with the NameServer.
    const work = topics.flatMap((topicName) => masters.map((addr) => ({ addr, topicName })));
    const next = async (): Promise<void> => {
      for (let w = work.pop(); w !== undefined; w = work.pop()) {
        await admin.createAndUpdateTopicConfig(w.addr, {
          topicName: w.topicName,
          readQueueNums: queues,
          writeQueueNums: queues,
          perm: 6,
          topicFilterType: 'SINGLE_TAG',
          topicSysFlag: 0,
          order: false,
        });
      }
    };
    await Promise.all(Array.from({ length: 8 }, next));
  } finally {
    await admin.close();
  }
}

/**
 * Calls `fn` every `intervalMs` until cleared; the line printer of a run.
 * Unref'd: it never keeps a finished run alive.
 */
export function every(intervalMs: number, fn: () => void): () => void {
  const t = setInterval(fn, intervalMs);
  t.unref();
  return () => clearInterval(t);
}

/** Seconds between two performance.now() readings, never 0 (rates divide by it). */
export function seconds(from: number, to: number): number {
  return Math.max(to - from, 1) / 1000;
}
