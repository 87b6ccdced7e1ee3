/**
 * What the broker stats cost on the hot path: the calls the send and pull
 * processors make per request (BrokerStatsManager.onPutOk / onPull), in a
 * tight loop over a realistic number of topics and groups, and the cost of a
 * sampling pass over all items (what the 10-second timer does).
 *
 *   npm run build && npx tsx bench/broker-stats.ts
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { BrokerStatsManager } from '@rocketmq-ts/broker';
import { ResponseCode } from '@rocketmq-ts/protocol';

const TOPICS = 200;
const GROUPS_PER_TOPIC = 3;
const N = 5_000_000;

const topics = Array.from({ length: TOPICS }, (_, i) => `Topic${i}`);
const groups = Array.from({ length: GROUPS_PER_TOPIC }, (_, i) => `CG_${i}`);
const messages = Array.from({ length: 16 }, () => Buffer.alloc(1024));

/** CPU time (user+system) per call: unlike wall time, it barely depends on what else the machine runs. */
function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function nsPer(label: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < 200_000; i++) fn(i); // warm up, fill the caches
  const w0 = performance.now();
  const c0 = cpuMicros();
  for (let i = 0; i < n; i++) fn(i);
  const cpuNs = ((cpuMicros() - c0) * 1e3) / n;
  const wallNs = ((performance.now() - w0) * 1e6) / n;
  console.log(`${label.padEnd(44)} ${cpuNs.toFixed(1).padStart(7)} ns CPU/call ${wallNs.toFixed(1).padStart(8)} ns wall/call`);
}

const m = new BrokerStatsManager({ clusterName: 'DefaultCluster' });
console.log(`broker-stats: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`${TOPICS} topics x ${GROUPS_PER_TOPIC} groups, ${N} calls per row`);
nsPer('onPutOk (one send of one message)', N, (i) => m.onPutOk(topics[i % TOPICS]!, i & 7, 1, 1200, 'PG', undefined));
nsPer('onPull SUCCESS (16 messages)', N, (i) =>
  m.onPull(ResponseCode.SUCCESS, groups[i % GROUPS_PER_TOPIC]!, topics[i % TOPICS]!, i & 7, messages, 16 * 1024, 0, true, undefined),
);
nsPer('onPull PULL_NOT_FOUND (held)', N, (i) => m.onPull(ResponseCode.PULL_NOT_FOUND, groups[i % GROUPS_PER_TOPIC]!, topics[i % TOPICS]!, i & 7, [], 0, 0, true, undefined));
nsPer('baseline: one Map.get + two additions', N, (() => {
  const map = new Map(topics.map((t) => [t, { v: 0, t: 0 }]));
  return (i: number) => {
    const e = map.get(topics[i % TOPICS]!)!;
    e.v += 1;
    e.t += 1;
  };
})());

let items = 0;
for (const name of m.statsNames()) items += m.statsKeys(name).length;
const c0 = cpuMicros();
const rounds = 100;
for (let r = 0; r < rounds; r++) m.start({ minuteSamplingMs: 3_600_000, hourSamplingMs: 3_600_000, daySamplingMs: 3_600_000 });
m.shutdown();
console.log(`sampling pass over ${items} items (all three windows): ${((cpuMicros() - c0) / rounds).toFixed(0)} us CPU`);
