/**
 * `rocketmq-ts bench transaction`: Java's benchmark TransactionProducer over
 * our TransactionProducer. Each local transaction answers ROLLBACK with
 * probability -sr, UNKNOW with -su, else COMMIT; a broker check-back answers
 * ROLLBACK with -cr, UNKNOW with -cu, else COMMIT. A check of a message
 * whose local answer was final is an "unexpectedCheck"; one more check of a
 * message a check already settled is a "duplicatedCheck".
 */
import { LocalTransactionState, TransactionProducer } from '@rocketmq-ts/client';
import { type BenchOutput, type RunLimits, RunClock, createTopics, every, isResponseFailure, randomBody, seconds } from './common.js';
import { Latency, round3, summaryLine, transactionLine } from './stats.js';

export interface TransactionBenchOptions extends RunLimits {
  readonly namesrv: string;
  readonly topic: string;
  readonly threads: number;
  readonly messageSize: number;
  readonly sendRollbackRate: number;
  readonly sendUnknownRate: number;
  readonly checkRollbackRate: number;
  readonly checkUnknownRate: number;
  /** Pause of each sender after each transaction, ms. */
  readonly sendIntervalMs: number;
  readonly reportIntervalMs: number;
  readonly queues: number;
  readonly producerGroup: string;
}

function pick(rollback: number, unknown: number): LocalTransactionState {
  const r = Math.random();
  if (r < rollback) return LocalTransactionState.ROLLBACK_MESSAGE;
  if (r < rollback + unknown) return LocalTransactionState.UNKNOW;
  return LocalTransactionState.COMMIT_MESSAGE;
}

class Window {
  readonly latency = new Latency();
  ok = 0;
  failed = 0;
  responseFailed = 0;
  checks = 0;
  unexpected = 0;
  duplicated = 0;

  reset(): void {
    this.latency.reset();
    this.ok = this.failed = this.responseFailed = this.checks = this.unexpected = this.duplicated = 0;
  }
}

export async function runTransactionBench(o: TransactionBenchOptions, io: BenchOutput): Promise<Record<string, unknown>> {
  io.out(
    `topic: ${o.topic} threadCount: ${o.threads} messageSize: ${o.messageSize} sendRollbackRate: ${o.sendRollbackRate} ` +
      `sendUnknownRate: ${o.sendUnknownRate} checkRollbackRate: ${o.checkRollbackRate} checkUnknownRate: ${o.checkUnknownRate}\n`,
  );
  if (o.queues > 0) await createTopics(o.namesrv, [o.topic], o.queues);
  const body = randomBody(o.messageSize);
  const clock = new RunClock(o);
  const interval = new Window();
  const total = new Window();
  let maxRtMs = 0;
  // Only transactions left UNKNOW may be checked; true once a check settled one.
  const pending = new Map<string, boolean>();

  const countCheck = (f: (w: Window) => void): void => {
    for (const w of clock.inWindow(performance.now()) ? [interval, total] : [interval]) f(w);
  };
  const producer = new TransactionProducer({
    nameServer: o.namesrv,
    group: o.producerGroup,
    instanceName: String(Date.now()),
    compressMsgBodyOverHowmuch: 2 ** 31 - 1,
    checkLocalTransaction: (msg) => {
      const id = msg.transactionId ?? msg.msgId;
      const settled = pending.get(id);
      countCheck((w) => {
        w.checks++;
        if (settled === undefined) w.unexpected++;
        else if (settled) w.duplicated++;
      });
      const state = pick(o.checkRollbackRate, o.checkUnknownRate);
      if (settled !== undefined && state !== LocalTransactionState.UNKNOW) pending.set(id, true);
      return state;
    },
  });
  await producer.start();

  let issued = 0;
  let completed = 0;
  let lastCompletion = clock.measureFrom;
  let lastReport = performance.now();
  const stopReports = every(o.reportIntervalMs, () => {
    const now = performance.now();
    io.out(
      `${transactionLine({
        timeMs: Date.now(),
        tps: (interval.ok + interval.failed + interval.responseFailed) / seconds(lastReport, now),
        maxRtMs,
        avgRtMs: interval.latency.avgMs(),
        sendFailed: interval.failed + interval.responseFailed,
        checks: interval.checks,
        unexpectedChecks: interval.unexpected,
        duplicatedChecks: interval.duplicated,
        percentiles: interval.latency.percentiles(),
      })}\n`,
    );
    // Java resets the maximum after each line here (unlike Producer.java).
    maxRtMs = 0;
    interval.reset();
    lastReport = now;
  });

  const sender = async (): Promise<void> => {
    while (!clock.stopped && (o.quantity === 0 || issued < o.quantity)) {
      issued++;
      const begin = performance.now();
      const inWindow = clock.inWindow(begin);
      try {
        const r = await producer.sendMessageInTransaction({ topic: o.topic, body }, (m) => {
          const state = pick(o.sendRollbackRate, o.sendUnknownRate);
          if (state === LocalTransactionState.UNKNOW) pending.set(m.transactionId, false);
          return state;
        });
        const us = (performance.now() - begin) * 1000;
        if (us / 1000 > maxRtMs) maxRtMs = us / 1000;
        const ok = r.sendStatus === 'SEND_OK';
        for (const w of inWindow ? [interval, total] : [interval]) {
          if (ok) {
            w.ok++;
            w.latency.record(us);
          } else w.responseFailed++;
        }
      } catch (err) {
        const response = isResponseFailure(err);
        for (const w of inWindow ? [interval, total] : [interval]) {
          if (response) w.responseFailed++;
          else w.failed++;
        }
      }
      lastCompletion = performance.now();
      completed++;
      if (o.quantity > 0 && completed >= o.quantity) clock.stop();
      if (o.sendIntervalMs > 0 && !clock.stopped) await new Promise((r) => setTimeout(r, o.sendIntervalMs));
    }
  };

  try {
    await Promise.all(Array.from({ length: o.threads }, sender));
  } finally {
    clock.stop();
    stopReports();
    await producer.shutdown();
  }

  const window = seconds(clock.measureFrom, lastCompletion);
  const all = total.ok + total.failed + total.responseFailed;
  const p = total.latency.percentiles();
  io.out(
    `[Complete] Send Total: ${all} Send TPS: ${Math.trunc(all / window)} Max RT(ms): ${Math.ceil(total.latency.maxMs())} ` +
      `AVG RT(ms): ${total.latency.avgMs().toFixed(1)} Send Failed: ${total.failed + total.responseFailed} check: ${total.checks} ` +
      `unexpectedCheck: ${total.unexpected} duplicatedCheck: ${total.duplicated}\n`,
  );
  const summary: Record<string, unknown> = {
    bench: 'transaction',
    topic: o.topic,
    threads: o.threads,
    messageSize: o.messageSize,
    seconds: round3(window),
    sent: total.ok,
    tps: Math.round(total.ok / window),
    sendFailed: total.failed,
    responseFailed: total.responseFailed,
    checks: total.checks,
    unexpectedChecks: total.unexpected,
    duplicatedChecks: total.duplicated,
    avgRtMs: round3(total.latency.avgMs()),
    maxRtMs: round3(total.latency.maxMs()),
    p50Ms: round3(p.p50),
    p99Ms: round3(p.p99),
    p999Ms: round3(p.p999),
  };
  io.out(`${summaryLine(summary)}\n`);
  return summary;
}
