/**
 * `rocketmq-ts bench consumer`: Java's benchmark Consumer over our push
 * consumer. Every message's born-to-consume (B2C: now - bornTimestamp, the
 * producer's clock) and store-to-consume (S2C: now - storeTimestamp, the
 * broker's clock) latencies are recorded; both clocks are milliseconds, so
 * these are too.
 */
import { readFile } from 'node:fs/promises';
import { ConsumeConcurrentlyStatus, PushConsumer } from '@rocketmq-ts/client';
import type { MessageSelector } from '@rocketmq-ts/client';
import { type BenchOutput, type RunLimits, RunClock, every, seconds, topicNames } from './common.js';
import { Latency, consumerLine, cpuPerMessage, round3, summaryLine } from './stats.js';

export interface ConsumerBenchOptions extends RunLimits {
  readonly namesrv: string;
  readonly topic: string;
  /** Listener calls at once (Java: consume threads). */
  readonly threads: number;
  readonly group: string;
  /** Append `_<now % 100>` to the group, as Java's -p. */
  readonly groupSuffix: boolean;
  /** TAG or SQL92, with `expressionFile`; both or neither. */
  readonly filterType: 'TAG' | 'SQL92' | undefined;
  /** A file holding the filter expression, as Java's -e. */
  readonly expressionFile: string | undefined;
  /** Share of messages answered RECONSUME_LATER. */
  readonly failRate: number;
  readonly reportIntervalMs: number;
  readonly topicCount: number;
  /** Where a group without offsets starts. */
  readonly consumeFrom: 'first' | 'last';
  readonly pullBatchSize: number;
}

class Window {
  readonly b2c = new Latency();
  readonly s2c = new Latency();
  consumed = 0;
  failed = 0;

  reset(): void {
    this.b2c.reset();
    this.s2c.reset();
    this.consumed = this.failed = 0;
  }
}

export async function runConsumerBench(o: ConsumerBenchOptions, io: BenchOutput): Promise<Record<string, unknown>> {
  const group = o.groupSuffix ? `${o.group}_${Date.now() % 100}` : o.group;
  let selector: MessageSelector = '*';
  if (o.filterType !== undefined && o.expressionFile !== undefined) {
    const expression = (await readFile(o.expressionFile, 'utf8')).trim();
    io.out(`Expression: ${expression}\n`);
    selector = { type: o.filterType, expression };
  }
  io.out(
    `topic: ${o.topic}, threadCount ${o.threads}, group: ${group}, suffix: ${o.groupSuffix}, filterType: ${o.filterType ?? null}, ` +
      `expression: ${o.expressionFile ?? null}, msgTraceEnable: false, aclEnable: false\n`,
  );

  const cpuAtStart = process.cpuUsage();
  const clock = new RunClock(o);
  const interval = new Window();
  const total = new Window();
  let firstInWindow: number | undefined;
  let last = 0;
  let seen = 0;

  const consumer = new PushConsumer({
    nameServer: o.namesrv,
    group,
    instanceName: String(Date.now()),
    consumeThreadMax: o.threads,
    pullBatchSize: o.pullBatchSize,
    consumeFromWhere: o.consumeFrom === 'first' ? 'CONSUME_FROM_FIRST_OFFSET' : 'CONSUME_FROM_LAST_OFFSET',
  });
  for (const topic of topicNames(o.topic, o.topicCount)) {
    consumer.subscribe(topic, selector, (msg) => {
      const nowMs = Date.now();
      const t = performance.now();
      const b2c = (nowMs - msg.bornTimestamp) * 1000;
      const s2c = (nowMs - msg.storeTimestamp) * 1000;
      const fail = o.failRate > 0 && Math.random() < o.failRate;
      const measured = clock.inWindow(t) && !clock.stopped;
      if (measured && firstInWindow === undefined) firstInWindow = t;
      for (const w of measured ? [interval, total] : [interval]) {
        w.consumed++;
        w.b2c.record(b2c);
        w.s2c.record(s2c);
        if (fail) w.failed++;
      }
      if (measured) last = t;
      seen++;
      if (o.quantity > 0 && seen >= o.quantity) clock.stop();
      return fail ? ConsumeConcurrentlyStatus.RECONSUME_LATER : ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
  }

  let lastReport = performance.now();
  const stopReports = every(o.reportIntervalMs, () => {
    const now = performance.now();
    io.out(
      `${consumerLine({
        timeMs: Date.now(),
        tps: interval.consumed / seconds(lastReport, now),
        failed: interval.failed,
        avgB2cMs: interval.b2c.avgMs(),
        avgS2cMs: interval.s2c.avgMs(),
        maxB2cMs: interval.b2c.maxMs(),
        maxS2cMs: interval.s2c.maxMs(),
        b2c: interval.b2c.percentiles(),
        s2c: interval.s2c.percentiles(),
      })}\n`,
    );
    interval.reset();
    lastReport = now;
  });

  await consumer.start();
  io.out('Consumer Started.\n');
  try {
    await clock.done;
  } finally {
    stopReports();
    await consumer.shutdown();
  }

  // The window runs from the first measured message to the last: a drain's rate, not its wait for the first pull.
  const window = firstInWindow === undefined ? 0 : seconds(firstInWindow, last);
  const tps = window === 0 ? 0 : total.consumed / window;
  const figures = (l: Latency): Record<string, number> => {
    const p = l.percentiles();
    return { avgMs: round3(l.avgMs()), maxMs: round3(l.maxMs()), p50Ms: round3(p.p50), p99Ms: round3(p.p99), p999Ms: round3(p.p999) };
  };
  io.out(
    `[Complete] Consume Total: ${total.consumed} Consume TPS: ${Math.trunc(tps)} FAIL: ${total.failed} ` +
      `AVG(B2C) RT(ms): ${total.b2c.avgMs().toFixed(3)} AVG(S2C) RT(ms): ${total.s2c.avgMs().toFixed(3)} ` +
      `MAX(B2C) RT(ms): ${Math.ceil(total.b2c.maxMs())} MAX(S2C) RT(ms): ${Math.ceil(total.s2c.maxMs())}\n`,
  );
  const summary: Record<string, unknown> = {
    bench: 'consumer',
    topic: o.topic,
    group,
    threads: o.threads,
    seconds: round3(window),
    consumed: total.consumed,
    tps: Math.round(tps),
    failed: total.failed,
    b2c: figures(total.b2c),
    s2c: figures(total.s2c),
    clientCpuUsPerMsg: round3(cpuPerMessage(process.cpuUsage(cpuAtStart), seen)),
  };
  io.out(`${summaryLine(summary)}\n`);
  return summary;
}
