/**
 * Store append benchmark: raw disk bandwidth (dd) against store appends of
 * 1 KiB messages, in one run on the same disk.
 *
 *   npm run build && npx tsx bench/store-append.ts [dir] [--mb=512] [--no-dd]
 *
 * Phases (each on a fresh store directory, deleted afterwards):
 *   dd direct      dd if=/dev/zero of=<dir>/dd.tmp bs=1M count=1024 oflag=direct
 *   dd fdatasync   dd ... conv=fdatasync
 *   async put      ASYNC_FLUSH, putMessage, 1024 puts in flight
 *   async batch    ASYNC_FLUSH, putMessages, batches of 32, 64 in flight
 *   sync put       SYNC_FLUSH, putMessage, 64 concurrent writers
 *   sync batch     SYNC_FLUSH, putMessages of 32, 64 concurrent writers
 * and reports MB/s of stored bytes, msgs/s, ratios, and the dispatch lag
 * (time from a put being acknowledged to its message being in its
 * ConsumeQueue, as seen by the arrival listener).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeBatch } from '@rocketmq-ts/protocol';
import { DefaultMessageStore, type MessageArrivalEvent, type PutMessageResult, parseMessageStoreOptions } from '@rocketmq-ts/store';

const args = process.argv.slice(2);
const baseDir = args.find((a) => !a.startsWith('--')) ?? tmpdir();
const totalMb = Number(args.find((a) => a.startsWith('--mb='))?.slice(5) ?? 512);
const skipDd = args.includes('--no-dd');
const only = args.find((a) => a.startsWith('--only='))?.slice(7);
const BODY = Buffer.alloc(1024, 0x61);
const TOPIC = 'BenchTopic';
const QUEUES = 8;

function dd(flag: string): number {
  const file = join(baseDir, 'dd.tmp');
  spawnSync('sync');
  try {
    const r = spawnSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', 'count=1024', flag], { encoding: 'utf8' });
    return parseDd(`${r.stdout}${r.stderr}`);
  } finally {
    try {
      unlinkSync(file);
    } catch {
      // ignore
    }
  }
}

function parseDd(text: string): number {
  const m = /(\d+) bytes .* copied, ([\d.]+) s/.exec(text);
  if (m === null) throw new Error(`cannot parse dd output: ${text}`);
  return Number(m[1]) / Number(m[2]) / 1e6;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

interface PhaseResult {
  name: string;
  mbps: number;
  msgps: number;
  msgs: number;
  seconds: number;
  flushSeconds: number;
  lagMedianUs: number;
  lagP99Us: number;
  dispatchedBeforeAckPct: number;
  failed: number;
  putP50Us: number;
  putP99Us: number;
  /** Event-loop utilisation during the phase: 1 means the JS thread never waited. */
  elu: number;
  /** Process CPU (all threads, user + system) per message. */
  cpuUsPerMsg: number;
}

async function phase(name: string, flushDiskType: 'ASYNC_FLUSH' | 'SYNC_FLUSH', batch: number, concurrency: number): Promise<PhaseResult> {
  // Start each phase with no dirty pages left by the previous one.
  spawnSync('sync');
  const dir = mkdtempSync(join(baseDir, 'rmq-bench-'));
  const store = new DefaultMessageStore(
    parseMessageStoreOptions({
      storePathRootDir: dir,
      flushDiskType,
      maxUnwrittenBytes: 256 * 1024 * 1024,
      commitLogCacheBytes: 64 * 1024 * 1024,
    }),
  );
  await store.start();
  const recordSize = 1024 + 200; // approximate; exact bytes come from the results
  const totalMsgs = Math.floor((totalMb * 1024 * 1024) / recordSize / batch) * batch;
  // Dispatch lag: when each (queue, offset) was acknowledged and dispatched.
  const ackAt = new Float64Array(totalMsgs);
  const dispAt = new Float64Array(totalMsgs);
  const perQueue = Math.ceil(totalMsgs / QUEUES) + batch;
  store.setMessageArrivalListener((e: MessageArrivalEvent) => {
    const idx = e.queueId * perQueue + e.queueOffset;
    if (idx < dispAt.length) dispAt[idx] = performance.now();
  });
  // A producer's properties: a 32-hex-digit UNIQ_KEY, a tag, WAIT.
  const uniqBase = 'C0A8010100FA1B2C3D4E';
  // Made before timing starts: a broker gets the properties string from the request header.
  const propsList = Array.from({ length: batch === 1 ? totalMsgs : batch }, (_, i) => `UNIQ_KEY\u0001${uniqBase}${(0x100000000000 + i).toString(16).toUpperCase()}\u0002TAGS\u0001TagA\u0002WAIT\u0001true`);
  const props = (i: number): string => propsList[i] as string;
  const batchBody = encodeBatch(Array.from({ length: batch }, (_, i) => ({ body: BODY, properties: props(i) })));
  let next = 0;
  let bytes = 0;
  let failed = 0;
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const onResult = (r: PutMessageResult, queueId: number): void => {
    const now = performance.now();
    if (r.status !== 'PUT_OK') {
      failed += batch;
      return;
    }
    bytes += r.wroteBytes;
    for (let k = 0; k < r.msgNum; k++) {
      const idx = queueId * perQueue + r.queueOffset + k;
      if (idx < ackAt.length) ackAt[idx] = now;
    }
  };
  async function writer(): Promise<void> {
    while (next < totalMsgs) {
      const i = next;
      next += batch;
      const queueId = (i / batch) % QUEUES;
      if (batch === 1) {
        const r = await store.putMessage({ topic: TOPIC, queueId, body: BODY, properties: props(i), bornTimestamp: Date.now(), bornHost: '127.0.0.1:50000' });
        onResult(r, queueId);
      } else {
        const r = await store.putMessages({ topic: TOPIC, queueId, body: batchBody, bornTimestamp: Date.now(), bornHost: '127.0.0.1:50000' });
        onResult(r, queueId);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, () => writer()));
  const seconds = (performance.now() - started) / 1000;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const cpu = process.cpuUsage(cpu0);
  const f0 = performance.now();
  await store.flush();
  const flushSeconds = (performance.now() - f0) / 1000;
  const lags: number[] = [];
  let before = 0;
  for (let i = 0; i < ackAt.length; i++) {
    if (ackAt[i] === 0 || dispAt[i] === 0) continue;
    const d = (dispAt[i] as number) - (ackAt[i] as number);
    if (d <= 0) before++;
    lags.push(Math.max(0, d) * 1000);
  }
  lags.sort((a, b) => a - b);
  const msgs = totalMsgs - failed;
  const lat = store.getStats().putLatencyMicros;
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
  return {
    name,
    mbps: bytes / seconds / 1e6,
    msgps: msgs / seconds,
    msgs,
    seconds,
    flushSeconds,
    lagMedianUs: quantile(lags, 0.5),
    lagP99Us: quantile(lags, 0.99),
    dispatchedBeforeAckPct: lags.length === 0 ? 0 : (100 * before) / lags.length,
    failed,
    putP50Us: lat.p50,
    putP99Us: lat.p99,
    elu,
    cpuUsPerMsg: (cpu.user + cpu.system) / Math.max(1, msgs),
  };
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, dir ${baseDir}`);
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other processes share these cores)`);
  let ddDirect = NaN;
  let ddSync = NaN;
  if (!skipDd) {
    ddDirect = dd('oflag=direct');
    console.log(`dd bs=1M count=1024 oflag=direct   ${ddDirect.toFixed(0)} MB/s`);
    ddSync = dd('conv=fdatasync');
    console.log(`dd bs=1M count=1024 conv=fdatasync ${ddSync.toFixed(0)} MB/s`);
  }
  const results: PhaseResult[] = [];
  if (only !== undefined) {
    const [mode, b, c] = only.split(',');
    const r = await phase(`only ${only}`, mode === 'sync' ? 'SYNC_FLUSH' : 'ASYNC_FLUSH', Number(b ?? 1), Number(c ?? 64));
    console.log(r);
    return;
  }
  const asyncPut64 = await phase('async put, 64 writers', 'ASYNC_FLUSH', 1, 64);
  const asyncPut = await phase('async put, 1024 in flight', 'ASYNC_FLUSH', 1, 1024);
  const asyncBatch = await phase('async batch put (32/batch), 64 writers', 'ASYNC_FLUSH', 32, 64);
  const syncPut = await phase('sync put, 64 writers', 'SYNC_FLUSH', 1, 64);
  const syncBatch = await phase('sync batch put (32/batch), 64 writers', 'SYNC_FLUSH', 32, 64);
  results.push(asyncPut64, asyncPut, asyncBatch, syncPut, syncBatch);
  console.log('');
  console.log('phase                                       MB/s    msgs/s  vs dd-direct vs dd-fdatasync  put p50/p99 (us)  final-flush  lag p50/p99 (us)  dispatched<=ack  ELU  CPU us/msg');
  for (const r of results) {
    console.log(
      `${r.name.padEnd(42)} ${r.mbps.toFixed(0).padStart(6)} ${r.msgps.toFixed(0).padStart(9)} ${(r.mbps / ddDirect).toFixed(2).padStart(12)} ${(r.mbps / ddSync).toFixed(2).padStart(14)} ${r.putP50Us.toFixed(0).padStart(8)}/${r.putP99Us.toFixed(0).padEnd(8)} ${(r.flushSeconds * 1000).toFixed(0).padStart(8)} ms ${r.lagMedianUs.toFixed(0).padStart(7)}/${r.lagP99Us.toFixed(0).padEnd(8)} ${r.dispatchedBeforeAckPct.toFixed(1).padStart(13)}% ${r.elu.toFixed(2).padStart(5)} ${r.cpuUsPerMsg.toFixed(1).padStart(8)}${r.failed > 0 ? `  FAILED ${r.failed}` : ''}`,
    );
  }
  const asyncBest = Math.max(asyncPut64.mbps, asyncPut.mbps, asyncBatch.mbps);
  console.log('');
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`target ASYNC >= 0.70 x dd: best async ${asyncBest.toFixed(0)} MB/s = ${(asyncBest / ddDirect).toFixed(2)} x dd oflag=direct, ${(asyncBest / ddSync).toFixed(2)} x dd conv=fdatasync`);
  console.log(`target SYNC (64 writers) >= 0.50 x ASYNC: put ${(syncPut.mbps / asyncPut64.mbps).toFixed(2)} x async put (64 writers), ${(syncPut.mbps / asyncPut.mbps).toFixed(2)} x async put (1024 in flight); batch ${(syncBatch.mbps / asyncBatch.mbps).toFixed(2)} x async batch`);
  console.log(`target dispatch lag median < 1 ms: ${Math.max(...results.map((r) => r.lagMedianUs)).toFixed(0)} us (worst phase)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
