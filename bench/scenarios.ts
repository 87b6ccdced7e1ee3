/**
 * The benchmark scenarios of issue #7, each one command:
 *
 *   npm run bench:s1   # or: npm run build && npx tsx bench/scenarios.ts s1 [options]
 *
 *   s1  single master, ASYNC_FLUSH, 1 KiB: sync sends with 32 and 128 senders, async sends, batch sends
 *   s2  the same with SYNC_FLUSH
 *   s3  2m-2s-sync and 2m-2s-async clusters (rocketmq-ts cluster up)
 *   s4  the same load over 1, 64, 256 and 1024 topics of 8 queues
 *   s5  drain a backlog of --messages (10 million) 1 KiB messages with one push consumer
 *   s6  end-to-end latency (store/born to consume) at a fixed --rate (5000/s)
 *   s7  footprint: launch to first acknowledged send; broker and NameServer RSS idle and under s1's load
 *   s8  NameServer route lookups per second from 64 connections
 *
 * Options: --data-dir DIR (where stores go; default the OS temp dir: put it
 * on the biggest disk for s5), --seconds N (measured seconds per run,
 * default 20), --warmup N (default 5), --messages N (s5), --rate N (s6).
 *
 * Servers are the built mqnamesrv and mqbroker in child processes and the
 * load is `rocketmq-ts bench` in another, so each RSS and CPU figure is one
 * process's. Each scenario measures the machine's limits in the same run
 * (dd conv=fdatasync on the store's disk, a loopback TCP stream), prints its
 * rows and writes bench/results/<scenario>.json. Data dirs are removed at
 * the end.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AdminClient } from '@rocketmq-ts/admin';
import { Producer } from '@rocketmq-ts/client';
import {
  HOST,
  type Limits,
  ROOT,
  type ScenarioResult,
  type Server,
  cpuSeconds,
  freeBytes,
  freePort,
  loadavg,
  log,
  machine,
  measureLimits,
  requireBuilt,
  round,
  rssMiB,
  runTool,
  startBrokerProcess,
  startNamesrv,
  watch,
  writeResult,
} from './lib/harness.js';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'data-dir': { type: 'string', default: os.tmpdir() },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    messages: { type: 'string', default: '10000000' },
    rate: { type: 'string', default: '5000' },
    'keep-data': { type: 'boolean', default: false },
  },
});

const SECONDS = Number(opts.seconds);
const WARMUP = Number(opts.warmup);
const BODY = 1024;

interface Ctx {
  base: string;
  limits: Limits;
  rows: Array<Record<string, unknown>>;
  notes: string[];
}

/** Figures of one load run against one broker: rates, ratios to the limits, latency, broker CPU and RSS. */
function loadRow(name: string, ctx: Ctx, s: Record<string, unknown>, brokerCpuS: number, brokerMaxRss: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const mps = Number(s['mps']);
  const mbps = (mps * BODY) / 1e6;
  const runSeconds = Number(s['seconds']) + WARMUP;
  return {
    run: name,
    sendsPerSec: s['tps'],
    msgsPerSec: mps,
    payloadMBps: round(mbps, 1),
    xDisk: round(mbps / ctx.limits.ddFdatasyncMBps, 3),
    xLoopback: round(mbps / ctx.limits.loopbackMBps, 3),
    p50Ms: s['p50Ms'],
    p99Ms: s['p99Ms'],
    p999Ms: s['p999Ms'],
    failed: Number(s['sendFailed']) + Number(s['responseFailed']),
    clientCpuUsPerMsg: s['clientCpuUsPerMsg'],
    // Over the whole run (warm-up included): CPU the broker process spent per message.
    brokerCpuUsPerMsg: round((brokerCpuS * 1e6) / Math.max(1, mps * runSeconds), 1),
    brokerMaxRssMiB: brokerMaxRss,
    load: loadavg(),
    ...extra,
  };
}

async function withSingleBroker<T>(ctx: Ctx, flush: 'ASYNC_FLUSH' | 'SYNC_FLUSH', fn: (ns: Server, broker: Server) => Promise<T>): Promise<T> {
  // A fresh NameServer and store each time: s2 runs one broker after the other.
  const ns = await startNamesrv(join(ctx.base, `namesrv-${flush}`));
  const broker = await startBrokerProcess({ dir: join(ctx.base, `broker-${flush}`), namesrv: ns.address, flushDiskType: flush });
  try {
    return await fn(ns, broker);
  } finally {
    await broker.stop();
    await ns.stop();
  }
}

const timing = (): string[] => ['--duration', String(SECONDS + WARMUP), '--warmup', String(WARMUP), '-ri', '5000'];

/** s1 / s2: the four load shapes against one master. */
async function singleMaster(ctx: Ctx, flush: 'ASYNC_FLUSH' | 'SYNC_FLUSH'): Promise<void> {
  await withSingleBroker(ctx, flush, async (ns, broker) => {
    const topic = flush === 'ASYNC_FLUSH' ? 'S1Topic' : 'S2Topic';
    const runs: Array<[string, string[]]> = [
      ['sync, 32 senders', ['producer', '-w', '32']],
      ['sync, 128 senders', ['producer', '-w', '128']],
      ['async, 10000 outstanding', ['producer', '-y', 'true', '--async-window', '10000']],
      ['async, 1000 outstanding', ['producer', '-y', 'true', '--async-window', '1000']],
      ['batch of 32, 16 senders', ['batch', '-b', '32', '-w', '16']],
    ];
    for (const [name, args] of runs) {
      const w = await watch([broker.pid], () => runTool([...args, '-n', ns.address, '-t', topic, '-s', String(BODY), '--queues', '8', ...timing()]));
      ctx.rows.push({ flush, ...loadRow(name, ctx, w.result.summary, w.cpu.get(broker.pid)!, w.maxRss.get(broker.pid)!, { command: w.result.command.replace(ns.address, '<ns>') }) });
    }
  });
}

/** s2: SYNC_FLUSH, then the same shapes with ASYNC_FLUSH in the same run, and the ratio of each pair. */
async function syncFlush(ctx: Ctx): Promise<void> {
  await singleMaster(ctx, 'SYNC_FLUSH');
  await singleMaster(ctx, 'ASYNC_FLUSH');
  const rate = (flush: string, run: unknown): number => Number(ctx.rows.find((r) => r['flush'] === flush && r['run'] === run)?.['msgsPerSec']);
  for (const run of [...new Set(ctx.rows.map((r) => r['run']))]) {
    ctx.rows.push({ run, syncOverAsync: round(rate('SYNC_FLUSH', run) / rate('ASYNC_FLUSH', run), 3) });
  }
}

/** s3: 2m-2s clusters from `rocketmq-ts cluster up` (a supervisor with six child processes). */
async function clusterModes(ctx: Ctx): Promise<void> {
  const { existsSync, readFileSync } = await import('node:fs');
  const { spawn } = await import('node:child_process');
  if (!existsSync(join(ROOT, 'packages', 'cli', 'dist', 'cluster'))) throw new Error('rocketmq-ts cluster is not in this build');
  for (const mode of ['2m-2s-sync', '2m-2s-async']) {
    const dir = join(ctx.base, mode);
    const nsPort = await freePort();
    const brokerPort = 20000 + 10 * Math.floor(Math.random() * 2000);
    const up = spawn(process.execPath, [join(ROOT, 'packages/cli/dist/bin/rocketmq-ts.js'), 'cluster', 'up', '--mode', mode, '-d', dir, '--namesrv-port', String(nsPort), '--broker-port', String(brokerPort)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    up.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    // `up` prints NAMESRV_ADDR= once every broker is registered and every slave replicates.
    await new Promise<void>((res, rej) => {
      up.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('NAMESRV_ADDR=')) res();
      });
      up.once('exit', (c) => rej(new Error(`cluster up exited ${c}: ${out}`)));
    });
    try {
      const state = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { namesrvAddr: string; processes: Array<{ kind: string; pid: number; brokerId?: number }> };
      const ns = state.namesrvAddr;
      const brokers = state.processes.filter((p) => p.kind === 'broker');
      const pids = brokers.map((p) => p.pid);
      const masters = new Set(brokers.filter((p) => p.brokerId === 0).map((p) => p.pid));
      for (const [name, args] of [
        ['sync, 128 senders', ['producer', '-w', '128']],
        ['batch of 32, 16 senders', ['batch', '-b', '32', '-w', '16']],
      ] as Array<[string, string[]]>) {
        const w = await watch(pids, () => runTool([...args, '-n', ns, '-t', 'S3Topic', '-s', String(BODY), '--queues', '8', ...timing()]));
        const cpu = [...w.cpu.values()].reduce((a, b) => a + b, 0);
        const masterRss = Math.max(...[...w.maxRss].filter(([p]) => masters.has(p)).map(([, v]) => v));
        const slaveRss = Math.max(...[...w.maxRss].filter(([p]) => !masters.has(p)).map(([, v]) => v));
        ctx.rows.push({ mode, ...loadRow(name, ctx, w.result.summary, cpu, masterRss, { slaveMaxRssMiB: slaveRss, command: w.result.command.replace(ns, '<ns>') }) });
      }
    } finally {
      up.kill('SIGINT');
      await new Promise((r) => up.once('exit', r));
    }
  }
  ctx.notes.push('s3: brokerCpuUsPerMsg is the CPU of all four brokers (two masters, two slaves) per message; brokerMaxRssMiB is the largest master, slaveMaxRssMiB the largest slave');
  ctx.notes.push('s3: --queues 8 creates the topic with 8 queues on each of the two masters (16 in all)');
}

/** s4: the same load spread over more topics; one topic again at the end, so drift in the machine's load shows. */
async function manyTopics(ctx: Ctx): Promise<void> {
  await withSingleBroker(ctx, 'ASYNC_FLUSH', async (ns, broker) => {
    const counts = [1, 64, 256, 1024];
    // Topics first, outside the watched runs: creating 1024 topics (each a registration with the NameServer) is not the load being measured.
    for (const n of counts) await runTool(['producer', '-w', '1', '-q', '1', '-n', ns.address, '-t', `S4x${n}`, '--topic-count', String(n), '--queues', '8'], false);
    const single: number[] = [];
    const rows: Array<Record<string, unknown>> = [];
    for (const n of [...counts, 1]) {
      const w = await watch([broker.pid], () => runTool(['producer', '-w', '128', '-n', ns.address, '-t', `S4x${n}`, '--topic-count', String(n), '-s', String(BODY), ...timing()]));
      if (n === 1) single.push(Number(w.result.summary['tps']));
      rows.push(loadRow(`${n} topics x 8 queues, sync, 128 senders`, ctx, w.result.summary, w.cpu.get(broker.pid)!, w.maxRss.get(broker.pid)!, { topics: n, command: w.result.command.replace(ns.address, '<ns>') }));
    }
    const base = single.reduce((a, b) => a + b, 0) / single.length;
    for (const r of rows) ctx.rows.push({ ...r, xOneTopic: round(Number(r['sendsPerSec']) / base, 3) });
    ctx.notes.push('s4: xOneTopic divides by the mean of the two 1-topic runs (first and last)');
  });
}

/** s5: fill a backlog with batches, then drain it with one push consumer. */
async function drain(ctx: Ctx): Promise<void> {
  const messages = Number(opts.messages);
  const need = messages * 1300 * 1.1;
  const free = freeBytes(ctx.base);
  log(`s5: ${messages} messages need about ${round(need / 2 ** 30, 1)} GiB; ${round(free / 2 ** 30, 1)} GiB free under --data-dir`);
  if (free < need) throw new Error('not enough free disk under --data-dir for s5; pass a bigger disk or fewer --messages');
  await withSingleBroker(ctx, 'ASYNC_FLUSH', async (ns, broker) => {
    const batch = 64;
    const fill = await watch([broker.pid], () =>
      runTool(['batch', '-n', ns.address, '-t', 'S5Topic', '-s', String(BODY), '-b', String(batch), '-w', '16', '-q', String(Math.ceil(messages / batch)), '--queues', '8', '-ri', '10000']),
    );
    ctx.rows.push({ run: 'fill (batch of 64, 16 senders)', msgsPerSec: fill.result.summary['mps'], messages: fill.result.summary['messages'], seconds: fill.result.summary['seconds'], brokerMaxRssMiB: fill.maxRss.get(broker.pid), load: loadavg() });
    const rssBefore = rssMiB(broker.pid);
    const d = await watch([broker.pid], () =>
      runTool(['consumer', '-n', ns.address, '-t', 'S5Topic', '-g', 'S5Drain', '--from', 'first', '-q', String(Number(fill.result.summary['messages'])), '-ri', '10000']),
    );
    const s = d.result.summary;
    const tps = Number(s['tps']);
    ctx.rows.push({
      run: 'drain (one push consumer, 20 listener calls, pullBatchSize 32)',
      msgsPerSec: tps,
      consumed: s['consumed'],
      seconds: s['seconds'],
      payloadMBps: round((tps * BODY) / 1e6, 1),
      xLoopback: round((tps * BODY) / 1e6 / ctx.limits.loopbackMBps, 3),
      consumerCpuUsPerMsg: s['clientCpuUsPerMsg'],
      brokerRssBeforeMiB: rssBefore,
      brokerMaxRssMiB: d.maxRss.get(broker.pid),
      brokerCpuUsPerMsg: round((d.cpu.get(broker.pid)! * 1e6) / Math.max(1, Number(s['consumed'])), 1),
      load: loadavg(),
      command: d.result.command.replace(ns.address, '<ns>'),
    });
  });
}

/** s6: a consumer keeping up with a producer at a fixed rate; latency from born and from stored to consumed. */
async function latency(ctx: Ctx): Promise<void> {
  const rate = Number(opts.rate);
  // The consumer's first seconds are a start-up transient (first pulls, JIT): measured after a 10 s warm-up, at least 10 s.
  const settle = Math.max(10, WARMUP);
  const total = rate * (SECONDS + settle);
  await withSingleBroker(ctx, 'ASYNC_FLUSH', async (ns, broker) => {
    const admin = new AdminClient({ nameServer: ns.address });
    await admin.createAndUpdateTopicConfig(broker.address, { topicName: 'S6Topic', readQueueNums: 8, writeQueueNums: 8, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
    await admin.close();
    let started!: () => void;
    const ready = new Promise<void>((r) => (started = r));
    const consumer = runTool(['consumer', '-n', ns.address, '-t', 'S6Topic', '-g', 'S6Latency', '--from', 'last', '-q', String(total), '--warmup', String(settle), '--duration', String((SECONDS + settle) * 4 + 60), '-ri', '5000'], true, (l) => {
      if (l.startsWith('Consumer Started')) started();
    });
    await ready;
    // Let the first rebalance assign the queues before the first message is born.
    await new Promise((r) => setTimeout(r, 3000));
    const w = await watch([broker.pid], async () => {
      const p = await runTool(['producer', '-n', ns.address, '-t', 'S6Topic', '-s', String(BODY), '-w', '16', '--rate', String(rate), '-q', String(total), '-ri', '5000']);
      return { p, c: await consumer };
    });
    const c = w.result.c.summary;
    const b2c = c['b2c'] as Record<string, number>;
    const s2c = c['s2c'] as Record<string, number>;
    ctx.rows.push({
      run: `${rate} msgs/s, ${settle} s warm-up + ${SECONDS} s measured, 16 senders, one push consumer`,
      sentPerSec: w.result.p.summary['tps'],
      consumed: c['consumed'],
      b2cP50Ms: b2c['p50Ms'],
      b2cP99Ms: b2c['p99Ms'],
      b2cP999Ms: b2c['p999Ms'],
      b2cMaxMs: b2c['maxMs'],
      s2cP50Ms: s2c['p50Ms'],
      s2cP99Ms: s2c['p99Ms'],
      s2cP999Ms: s2c['p999Ms'],
      sendP99Ms: w.result.p.summary['p99Ms'],
      brokerMaxRssMiB: w.maxRss.get(broker.pid),
      load: loadavg(),
      command: `${w.result.p.command.replace(ns.address, '<ns>')}  &&  ${w.result.c.command.replace(ns.address, '<ns>')}`,
    });
    ctx.notes.push('s6: born and store timestamps are milliseconds, so latencies are in whole-ms steps (the histogram adds <0.1%)');
  });
}

/** s7: launch-to-first-send (three launches), then RSS idle and under s1's 128-sender load. */
async function footprint(ctx: Ctx): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const dir = join(ctx.base, `launch-${i}`);
    const nsPort = await freePort();
    const brokerPort = await freePort();
    const t0 = performance.now();
    const producer = new Producer({ nameServer: `${HOST}:${nsPort}`, group: 'S7Launch', instanceName: `launch${i}`, sendMsgTimeout: 1000, retryTimesWhenSendFailed: 0 });
    await producer.start();
    const nsP = startNamesrv(join(dir, 'namesrv'), nsPort);
    const brP = startBrokerProcess({ dir: join(dir, 'broker'), namesrv: `${HOST}:${nsPort}`, port: brokerPort });
    let firstMs = 0;
    let attempts = 0;
    for (;;) {
      attempts++;
      const r = await producer.send({ topic: 'S7Topic', body: 'x' }).catch(() => undefined);
      if (r?.sendStatus === 'SEND_OK') {
        firstMs = performance.now() - t0;
        break;
      }
      if (performance.now() - t0 > 60_000) throw new Error('no acknowledged send within 60 s of launch');
      await new Promise((res) => setTimeout(res, 5));
    }
    const [ns, broker] = await Promise.all([nsP, brP]);
    ctx.rows.push({
      run: `launch ${i + 1}: spawn NameServer and broker -> first SEND_OK`,
      firstSendMs: round(firstMs, 0),
      // When each printed its boot line, from the same start.
      namesrvBootMs: round(ns.bootedAt - t0, 0),
      brokerBootMs: round(broker.bootedAt - t0, 0),
      attempts,
      load: loadavg(),
    });
    await producer.shutdown();
    await broker.stop();
    await ns.stop();
  }
  await withSingleBroker(ctx, 'ASYNC_FLUSH', async (ns, broker) => {
    await new Promise((r) => setTimeout(r, 10_000));
    ctx.rows.push({ run: 'idle 10 s after start', brokerRssMiB: rssMiB(broker.pid), namesrvRssMiB: rssMiB(ns.pid), load: loadavg() });
    const w = await watch([broker.pid, ns.pid], () => runTool(['producer', '-w', '128', '-n', ns.address, '-t', 'S7Topic', '-s', String(BODY), '--queues', '8', ...timing()]));
    ctx.rows.push({
      run: 'under load (s1 sync, 128 senders)',
      sendsPerSec: w.result.summary['tps'],
      brokerMaxRssMiB: w.maxRss.get(broker.pid),
      namesrvMaxRssMiB: w.maxRss.get(ns.pid),
      load: loadavg(),
      command: w.result.command.replace(ns.address, '<ns>'),
    });
    await new Promise((r) => setTimeout(r, 10_000));
    ctx.rows.push({ run: 'idle 10 s after the load', brokerRssMiB: rssMiB(broker.pid), namesrvRssMiB: rssMiB(ns.pid), load: loadavg() });
  });
}

/** s8: GET_ROUTEINFO_BY_TOPIC from 64 connections (bench/namesrv-route.ts's client) against mqnamesrv with a real broker's 1000 topics. */
async function routes(ctx: Ctx): Promise<void> {
  await withSingleBroker(ctx, 'ASYNC_FLUSH', async (ns, broker) => {
    const admin = new AdminClient({ nameServer: ns.address });
    const names = Array.from({ length: 1000 }, (_, i) => `BenchTopic${i}`);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let t = names.pop(); t !== undefined; t = names.pop()) {
          await admin.createAndUpdateTopicConfig(broker.address, { topicName: t, readQueueNums: 8, writeQueueNums: 8, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
        }
      }),
    );
    await admin.close();
    for (const version of ['401', '121']) {
      const child = fork(join(ROOT, 'bench', 'namesrv-route.ts'), ['--client', ns.address, '--connections', '64', '--window', '16', '--seconds', String(SECONDS), '--topics', '1000', '--version', version], {
        execArgv: process.execArgv,
      });
      let cpu0 = 0;
      const result = await new Promise<{ answers: number; errors: number; seconds: number; cpuMs: number }>((res, rej) => {
        child.on('message', (m: { type: string; result?: { answers: number; errors: number; seconds: number; cpuMs: number } }) => {
          if (m.type === 'start') cpu0 = cpuSeconds(ns.pid);
          else if (m.result !== undefined) res(m.result);
        });
        child.once('exit', (c) => rej(new Error(`route client exited ${c}`)));
      });
      const nsCpu = cpuSeconds(ns.pid) - cpu0;
      await new Promise((r) => child.once('exit', r));
      if (result.errors > 0) throw new Error(`${result.errors} route lookups failed`);
      const perSec = result.answers / result.seconds;
      ctx.rows.push({
        run: `64 connections x 16 in flight, 1000 topics, request version ${version}`,
        routesPerSec: Math.round(perSec),
        namesrvCpuShare: round(nsCpu / result.seconds, 2),
        routesPerNamesrvCpuSecond: Math.round(result.answers / Math.max(nsCpu, 0.01)),
        namesrvRssMiB: rssMiB(ns.pid),
        load: loadavg(),
        command: `npx tsx bench/namesrv-route.ts --client <ns> --connections 64 --window 16 --seconds ${SECONDS} --topics 1000 --version ${version}`,
      });
    }
  });
}

const SCENARIOS: Record<string, [string, (ctx: Ctx) => Promise<void>]> = {
  s1: ['Single master, ASYNC_FLUSH, 1 KiB messages', (c) => singleMaster(c, 'ASYNC_FLUSH')],
  s2: ['Single master, SYNC_FLUSH against ASYNC_FLUSH in the same run, 1 KiB messages', syncFlush],
  s3: ['2m-2s-sync and 2m-2s-async clusters, 1 KiB messages', clusterModes],
  s4: ['The same load over 1, 64, 256 and 1024 topics (8 queues each)', manyTopics],
  s5: ['Drain a backlog with one push consumer', drain],
  s6: ['End-to-end latency at a fixed rate', latency],
  s7: ['Footprint: launch to first send, RSS idle and under load', footprint],
  s8: ['NameServer route lookups per second', routes],
};

async function main(): Promise<void> {
  const name = positionals[0] ?? '';
  const scenario = SCENARIOS[name];
  if (scenario === undefined) throw new Error(`usage: npx tsx bench/scenarios.ts <${Object.keys(SCENARIOS).join('|')}> [--data-dir DIR] [--seconds N] [--warmup N] [--messages N] [--rate N]`);
  requireBuilt();
  const base = mkdtempSync(join(opts['data-dir'], 'rmq-bench-'));
  const loadBefore = loadavg();
  log(`${name}: ${scenario[0]}; data under ${base}; load ${loadBefore}`);
  try {
    const limits = await measureLimits(base);
    log(`limits: dd conv=fdatasync ${limits.ddFdatasyncMBps} MB/s, loopback TCP ${limits.loopbackMBps} MB/s`);
    const ctx: Ctx = { base, limits, rows: [], notes: [] };
    await scenario[1](ctx);
    const argv = process.argv.slice(2).filter((a) => a !== opts['data-dir']);
    const result: ScenarioResult = {
      scenario: name,
      title: scenario[0],
      date: new Date().toISOString(),
      command: `npm run build && npx tsx bench/scenarios.ts ${argv.filter((a) => a !== '--data-dir').join(' ')}`.trim(),
      machine: machine(),
      limits,
      loadBefore,
      loadAfter: loadavg(),
      rows: ctx.rows,
      notes: ctx.notes,
    };
    writeResult(result);
  } finally {
    if (!opts['keep-data']) rmSync(base, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
