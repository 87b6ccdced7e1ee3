/**
 * Counters, latency histograms and the printed lines of `rocketmq-ts bench`.
 * The periodic lines keep the wording of Java's benchmark classes
 * (org.apache.rocketmq.example.benchmark.*) so scripts written for them
 * still match, with p50/p99/p99.9 appended; the run ends with Java's
 * `[Complete]` line and then one line of JSON for scripts.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Latencies in microseconds: an HDR histogram (3 significant digits) plus the sum, for Java's average. */
export class Latency {
  private hist: RecordableHistogram = createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });
  private sumUs = 0;

  record(us: number): void {
    // The histogram takes integers >= 1; a sub-microsecond reading is a clock artefact.
    const v = us < 1 ? 1 : Math.round(us);
    this.hist.record(v);
    this.sumUs += v;
  }

  get count(): number {
    return this.hist.count;
  }

  /** Largest recorded value in ms, 0 when empty. */
  maxMs(): number {
    return this.hist.count === 0 ? 0 : this.hist.max / 1000;
  }

  avgMs(): number {
    return this.hist.count === 0 ? 0 : this.sumUs / this.hist.count / 1000;
  }

  /** The value at percentile p (0-100) in ms, 0 when empty. */
  percentileMs(p: number): number {
    return this.hist.count === 0 ? 0 : this.hist.percentile(p) / 1000;
  }

  /** p50/p99/p99.9 in ms. */
  percentiles(): Percentiles {
    return { p50: this.percentileMs(50), p99: this.percentileMs(99), p999: this.percentileMs(99.9) };
  }

  reset(): void {
    this.hist.reset();
    this.sumUs = 0;
  }
}

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
}

/** Java's UtilAll.timeMillisToHumanString2: `yyyy-MM-dd HH:mm:ss,SSS` in local time. */
export function javaTimeString(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getFullYear(), 4)}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

/** Java's `%7.3f`. */
export function f73(v: number): string {
  return v.toFixed(3).padStart(7, ' ');
}

/** Milliseconds with three decimals, for the appended percentiles. */
function ms3(v: number): string {
  return v.toFixed(3);
}

export function percentileText(p: Percentiles, label = ''): string {
  const l = label === '' ? '' : `(${label})`;
  return `p50${l} RT(ms): ${ms3(p.p50)} p99${l} RT(ms): ${ms3(p.p99)} p99.9${l} RT(ms): ${ms3(p.p999)}`;
}

export interface ProducerInterval {
  readonly timeMs: number;
  readonly tps: number;
  /** Java prints the maximum since the start for the producer. */
  readonly maxRtMs: number;
  readonly avgRtMs: number;
  readonly sendFailed: number;
  readonly responseFailed: number;
  readonly percentiles: Percentiles;
}

/** Producer.java's periodic line, with percentiles appended. */
export function producerLine(s: ProducerInterval): string {
  return (
    `Current Time: ${javaTimeString(s.timeMs)} Send TPS: ${Math.trunc(s.tps)} Max RT(ms): ${Math.ceil(s.maxRtMs)} ` +
    `Average RT(ms): ${f73(s.avgRtMs)} Send Failed: ${s.sendFailed} Response Failed: ${s.responseFailed} ${percentileText(s.percentiles)}`
  );
}

export interface BatchInterval extends ProducerInterval {
  /** Messages per second (TPS counts batches). */
  readonly mps: number;
  readonly avgMsgRtMs: number;
  readonly sendMessageFailed: number;
}

/** BatchProducer.java's periodic line, with percentiles (per batch) appended. */
export function batchLine(s: BatchInterval): string {
  return (
    `Current Time: ${s.timeMs} Send TPS: ${Math.trunc(s.tps)} Send MPS: ${Math.trunc(s.mps)} Max RT(ms): ${Math.ceil(s.maxRtMs)} ` +
    `Average RT(ms): ${f73(s.avgRtMs)} Average Message RT(ms): ${f73(s.avgMsgRtMs)} Send Failed: ${s.sendFailed} ` +
    `Send Message Failed: ${s.sendMessageFailed} ${percentileText(s.percentiles)}`
  );
}

export interface TransactionInterval {
  readonly timeMs: number;
  readonly tps: number;
  readonly maxRtMs: number;
  readonly avgRtMs: number;
  readonly sendFailed: number;
  readonly checks: number;
  readonly unexpectedChecks: number;
  readonly duplicatedChecks: number;
  readonly percentiles: Percentiles;
}

/** TransactionProducer.java's periodic line (its own spacing), with percentiles appended. */
export function transactionLine(s: TransactionInterval): string {
  return (
    `Current Time: ${s.timeMs} Send TPS:${String(Math.trunc(s.tps)).padStart(5, ' ')} Max RT(ms):${String(Math.ceil(s.maxRtMs)).padStart(5, ' ')} ` +
    `AVG RT(ms):${s.avgRtMs.toFixed(1)} Send Failed: ${s.sendFailed} check: ${s.checks} unexpectedCheck: ${s.unexpectedChecks} ` +
    `duplicatedCheck: ${s.duplicatedChecks} ${percentileText(s.percentiles)}`
  );
}

export interface ConsumerInterval {
  readonly timeMs: number;
  readonly tps: number;
  readonly failed: number;
  readonly avgB2cMs: number;
  readonly avgS2cMs: number;
  readonly maxB2cMs: number;
  readonly maxS2cMs: number;
  readonly b2c: Percentiles;
  readonly s2c: Percentiles;
}

/** Consumer.java's periodic line, with born-to-consume and store-to-consume percentiles appended. */
export function consumerLine(s: ConsumerInterval): string {
  return (
    `Current Time: ${s.timeMs} TPS: ${Math.trunc(s.tps)} FAIL: ${s.failed} AVG(B2C) RT(ms): ${f73(s.avgB2cMs)} ` +
    `AVG(S2C) RT(ms): ${f73(s.avgS2cMs)} MAX(B2C) RT(ms): ${Math.ceil(s.maxB2cMs)} MAX(S2C) RT(ms): ${Math.ceil(s.maxS2cMs)} ` +
    `${percentileText(s.b2c, 'B2C')} ${percentileText(s.s2c, 'S2C')}`
  );
}

/** Rounds figures for the JSON summary: 3 decimals are more than a millisecond clock gives. */
export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** The last line of every run: `{"bench":...}` on one line, so `tail -1 | jq` works. */
export function summaryLine(summary: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(summary);
}

/** Microseconds of CPU (user + system) per message; 0 when nothing was done. */
export function cpuPerMessage(cpu: NodeJS.CpuUsage, messages: number): number {
  return messages === 0 ? 0 : (cpu.user + cpu.system) / messages;
}
