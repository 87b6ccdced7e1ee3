/**
 * Store metrics: counters the hot path bumps (a few additions per put, no
 * allocation beyond a per-topic entry on first sight), latency histograms, and
 * the once-a-second sampling behind the TPS figures of Java's StoreStatsService.
 */

/** Java's PutMessageDistributeTime buckets (StoreStatsService.PUT_MESSAGE_ENTIRE_TIME_MAX_DESC). */
export const PUT_DISTRIBUTE_LABELS = [
  '[<=0ms]', '[0~10ms]', '[10~50ms]', '[50~100ms]', '[100~200ms]', '[200~500ms]', '[500ms~1s]',
  '[1~2s]', '[2~3s]', '[3~4s]', '[4~5s]', '[5~10s]', '[10s~]',
] as const;
const PUT_DISTRIBUTE_BOUNDS = [0, 10, 50, 100, 200, 500, 1000, 2000, 3000, 4000, 5000, 10000];

/**
 * Latency histogram in microseconds: 8 sub-buckets per power of two, from
 * 1 µs to about 2^37 µs (38 h). Recording is an index computation and one
 * increment; percentiles report a bucket's upper bound (at most 12.5% high).
 */
export class LatencyHistogram {
  private static readonly SUB = 8;
  private readonly counts = new Float64Array(38 * LatencyHistogram.SUB + 1);
  private total = 0;
  private sum = 0;
  private maxUs = 0;

  private static indexOf(us: number): number {
    if (us < 1) return 0;
    if (us >= 2 ** 31) return 38 * LatencyHistogram.SUB;
    const v = us | 0;
    const exp = 31 - Math.clz32(v);
    const base = 2 ** exp;
    const sub = Math.floor(((us - base) * LatencyHistogram.SUB) / base);
    return 1 + exp * LatencyHistogram.SUB + sub;
  }

  private static upperOf(index: number): number {
    if (index === 0) return 1;
    const exp = Math.floor((index - 1) / LatencyHistogram.SUB);
    const sub = (index - 1) % LatencyHistogram.SUB;
    const base = 2 ** exp;
    return base + ((sub + 1) * base) / LatencyHistogram.SUB;
  }

  record(us: number): void {
    this.counts[LatencyHistogram.indexOf(us)]! += 1;
    this.total++;
    this.sum += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  get count(): number {
    return this.total;
  }

  get maxMicros(): number {
    return this.maxUs;
  }

  get meanMicros(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  /** The value at quantile q (0..1), in µs; 0 without samples. */
  quantileMicros(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return Math.min(LatencyHistogram.upperOf(i), this.maxUs);
    }
    return this.maxUs;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.maxUs = 0;
  }
}

export interface TopicCounters {
  times: number;
  bytes: number;
}

interface Sample {
  readonly at: number;
  readonly put: number;
  readonly getFound: number;
  readonly getMiss: number;
  readonly transferred: number;
}

/** A snapshot of the store's metrics. */
export interface StoreStatsSnapshot {
  readonly bootTimestamp: number;
  readonly putMessageTimesTotal: number;
  readonly putMessageSizeTotal: number;
  readonly putMessageFailedTimes: number;
  readonly putMessageEntireTimeMaxMs: number;
  /** Counts per Java bucket, PUT_DISTRIBUTE_LABELS order. */
  readonly putMessageDistributeTime: readonly number[];
  readonly putLatencyMicros: { readonly p50: number; readonly p99: number; readonly p999: number; readonly max: number; readonly mean: number };
  readonly getMessageTimesTotalFound: number;
  readonly getMessageTimesTotalMiss: number;
  readonly getMessageTransferedMsgCount: number;
  readonly getMessageTransferedBytes: number;
  readonly getMessageEntireTimeMaxMs: number;
  readonly putByTopic: ReadonlyMap<string, Readonly<TopicCounters>>;
  readonly getByTopic: ReadonlyMap<string, Readonly<TopicCounters>>;
  readonly dispatchedMessages: number;
  /** From a CommitLog write completing to the message being in its ConsumeQueue. */
  readonly dispatchLatencyMicros: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly dispatchMaxBuffer: number;
  /** Records that failed validation when read (never served). */
  readonly corruptRecordsSkipped: number;
  readonly putTps: number;
  readonly getFoundTps: number;
  readonly getMissTps: number;
  readonly getTransferedTps: number;
}

export class StoreStats {
  readonly bootTimestamp = Date.now();
  putTimesTotal = 0;
  putSizeTotal = 0;
  putFailedTimes = 0;
  putEntireTimeMaxMs = 0;
  readonly putDistribute = new Float64Array(13);
  readonly putLatency = new LatencyHistogram();
  getFound = 0;
  getMiss = 0;
  getTransferredMsgs = 0;
  getTransferredBytes = 0;
  getEntireTimeMaxMs = 0;
  readonly putByTopic = new Map<string, TopicCounters>();
  readonly getByTopic = new Map<string, TopicCounters>();
  dispatched = 0;
  readonly dispatchLatency = new LatencyHistogram();
  dispatchMaxBuffer = 0;
  corruptRecordsSkipped = 0;
  private readonly samples: Sample[] = [];

  onPut(topic: string, msgs: number, bytes: number): void {
    this.putTimesTotal += msgs;
    this.putSizeTotal += bytes;
    let t = this.putByTopic.get(topic);
    if (t === undefined) {
      t = { times: 0, bytes: 0 };
      this.putByTopic.set(topic, t);
    }
    t.times += msgs;
    t.bytes += bytes;
  }

  /** A put finished after `ms` milliseconds (fractional). */
  onPutDone(ms: number, ok: boolean): void {
    if (!ok) this.putFailedTimes++;
    this.putLatency.record(ms * 1000);
    if (ms > this.putEntireTimeMaxMs) this.putEntireTimeMaxMs = ms;
    // Java (StoreStatsService.setPutMessageEntireTimeMax): <=0 -> 0, <10 -> 1, <50 -> 2 ... <10000 -> 11, else 12.
    const whole = Math.floor(ms);
    let i = 0;
    if (whole > 0) {
      i = 1;
      while (i < PUT_DISTRIBUTE_BOUNDS.length && whole >= (PUT_DISTRIBUTE_BOUNDS[i] as number)) i++;
    }
    this.putDistribute[i]! += 1;
  }

  onGet(topic: string, found: boolean, msgs: number, bytes: number, ms: number): void {
    if (found) this.getFound++;
    else this.getMiss++;
    if (ms > this.getEntireTimeMaxMs) this.getEntireTimeMaxMs = ms;
    if (msgs > 0) {
      this.getTransferredMsgs += msgs;
      this.getTransferredBytes += bytes;
      let t = this.getByTopic.get(topic);
      if (t === undefined) {
        t = { times: 0, bytes: 0 };
        this.getByTopic.set(topic, t);
      }
      t.times += msgs;
      t.bytes += bytes;
    }
  }

  /** Takes a sample for the TPS figures; the store calls it once a second. */
  sample(now = Date.now()): void {
    this.samples.push({ at: now, put: this.putTimesTotal, getFound: this.getFound, getMiss: this.getMiss, transferred: this.getTransferredMsgs });
    if (this.samples.length > 601) this.samples.shift();
  }

  /** Rate of a counter over the last `seconds` samples ('' until enough samples, like Java). */
  tps(field: 'put' | 'getFound' | 'getMiss' | 'transferred', seconds: number): number | undefined {
    const n = this.samples.length;
    if (n <= seconds) return undefined;
    const last = this.samples[n - 1] as Sample;
    const before = this.samples[n - 1 - seconds] as Sample;
    const dt = (last.at - before.at) / 1000;
    return dt <= 0 ? 0 : (last[field] - before[field]) / dt;
  }

  distributeString(): string {
    let s = '';
    for (let i = 0; i < PUT_DISTRIBUTE_LABELS.length; i++) s += `${PUT_DISTRIBUTE_LABELS[i]}:${this.putDistribute[i]} `;
    return s;
  }

  snapshot(): StoreStatsSnapshot {
    const copy = (m: Map<string, TopicCounters>): Map<string, TopicCounters> => new Map([...m].map(([k, v]) => [k, { ...v }]));
    return {
      bootTimestamp: this.bootTimestamp,
      putMessageTimesTotal: this.putTimesTotal,
      putMessageSizeTotal: this.putSizeTotal,
      putMessageFailedTimes: this.putFailedTimes,
      putMessageEntireTimeMaxMs: this.putEntireTimeMaxMs,
      putMessageDistributeTime: [...this.putDistribute],
      putLatencyMicros: {
        p50: this.putLatency.quantileMicros(0.5),
        p99: this.putLatency.quantileMicros(0.99),
        p999: this.putLatency.quantileMicros(0.999),
        max: this.putLatency.maxMicros,
        mean: this.putLatency.meanMicros,
      },
      getMessageTimesTotalFound: this.getFound,
      getMessageTimesTotalMiss: this.getMiss,
      getMessageTransferedMsgCount: this.getTransferredMsgs,
      getMessageTransferedBytes: this.getTransferredBytes,
      getMessageEntireTimeMaxMs: this.getEntireTimeMaxMs,
      putByTopic: copy(this.putByTopic),
      getByTopic: copy(this.getByTopic),
      dispatchedMessages: this.dispatched,
      dispatchLatencyMicros: {
        p50: this.dispatchLatency.quantileMicros(0.5),
        p99: this.dispatchLatency.quantileMicros(0.99),
        max: this.dispatchLatency.maxMicros,
      },
      dispatchMaxBuffer: this.dispatchMaxBuffer,
      corruptRecordsSkipped: this.corruptRecordsSkipped,
      putTps: this.tps('put', 10) ?? 0,
      getFoundTps: this.tps('getFound', 10) ?? 0,
      getMissTps: this.tps('getMiss', 10) ?? 0,
      getTransferedTps: this.tps('transferred', 10) ?? 0,
    };
  }
}
