/**
 * Produce throughput against a master/slave pair, ASYNC_MASTER then
 * SYNC_MASTER, in one run, and the replication lag at that load.
 *
 * Each pair is two fresh child processes (master and slave, default broker
 * config otherwise: ASYNC_FLUSH, 1 GiB segments, stores in temp dirs); the
 * slave follows the master's HA port directly (haMasterAddress). N
 * concurrent senders share one RemotingClient connection and each sends its
 * next SEND_MESSAGE_V2 (1 KiB body, a Java producer's header) as soon as the
 * previous answer arrives; only SUCCESS answers count.
 *
 * Replication lag, measured by the master's HA service in the measured window
 * only: for every CommitLog write, the time from the write completing on the
 * master to a slave ack covering it (p50/p99/max over writes). Also sampled
 * every 50 ms: bytes written but not acked (slaveFallBehindMuch).
 *
 *   npx tsc -b && npx tsx bench/ha-sync.ts [--concurrency 16,64,256] [--seconds 10]
 *     [--warmup 2] [--body 1024] [--queues 8] [--rounds 1] [--modes ASYNC_MASTER,SYNC_MASTER]
 *     [--batch 32768] [--cpu-prof-dir DIR]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Broker, type BrokerConfig } from '@rocketmq-ts/broker';
import { RequestCode, ResponseCode, createRequest, encodeSendMessageRequestHeaderV2 } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { percentile } from './lib/child-server.js';

const HOST = '127.0.0.1';
const TOPIC = 'BenchHa';

type Msg =
  | { cmd: 'cpu' }
  | { cmd: 'reset' }
  | { cmd: 'ha' };

/** Child: one broker; answers the parent's questions over IPC. */
async function serve(role: string, queues: number, masterHa: string, batch: number): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'rmq-bench-ha-'));
  const config: Partial<BrokerConfig> = {
    brokerName: 'bench-ha',
    brokerIP1: HOST,
    listenHost: HOST,
    listenPort: 0,
    storePathRootDir: dir,
    vipChannelEnable: false,
    brokerRole: role === 'SLAVE' ? 'SLAVE' : role === 'SYNC_MASTER' ? 'SYNC_MASTER' : 'ASYNC_MASTER',
    brokerId: role === 'SLAVE' ? 1 : 0,
    haTransferBatchSize: batch,
    ...(role === 'SLAVE' ? { haMasterAddress: masterHa } : {}),
  };
  const broker = new Broker({ config });
  await broker.start();
  if (role !== 'SLAVE') {
    broker.topics.updateTopicConfig({ topicName: TOPIC, readQueueNums: queues, writeQueueNums: queues, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
  }
  process.send?.({ port: broker.port, ha: broker.haServerAddr });
  process.on('message', (m: Msg) => {
    if (m.cmd === 'cpu') process.send?.({ cpu: process.cpuUsage() });
    else if (m.cmd === 'reset') {
      broker.haService?.resetReplicationLatency();
      process.send?.({ reset: true });
    } else if (m.cmd === 'ha') process.send?.({ ha: broker.haRuntimeInfo() });
  });
  process.on('disconnect', () => {
    void broker.close().then(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

interface Child {
  port: number;
  ha: string;
  ask<T>(msg: Msg, key: string): Promise<T>;
  stop(): Promise<void>;
}

async function startChild(role: string, queues: number, masterHa: string, batch: number, cpuProfDir: string | undefined): Promise<Child> {
  const execArgv = cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`];
  const child = fork(fileURLToPath(import.meta.url), ['--serve', role, String(queues), masterHa, String(batch)], {
    stdio: 'inherit',
    execArgv: [...process.execArgv, ...execArgv],
  });
  const hello = await new Promise<{ port: number; ha: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { port: number; ha: string }));
    child.once('exit', (code) => reject(new Error(`${role} process exited with ${code}`)));
  });
  return {
    ...hello,
    ask: <T>(msg: Msg, key: string) =>
      new Promise<T>((resolve) => {
        const onMessage = (m: unknown): void => {
          const v = (m as Record<string, unknown>)[key];
          if (v === undefined) return;
          child.off('message', onMessage);
          resolve(v as T);
        };
        child.on('message', onMessage);
        child.send(msg);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

interface HaInfo {
  connectionCount: number;
  slaveFallBehindBytes: number;
  replicationLatency: { count: number; p50Ms: number; p99Ms: number; maxMs: number };
}

async function runMode(mode: string, o: { n: number; seconds: number; warmup: number; body: Buffer; queues: number; batch: number; cpuProfDir: string | undefined }) {
  const master = await startChild(mode, o.queues, '', o.batch, o.cpuProfDir);
  const slave = await startChild('SLAVE', o.queues, master.ha, o.batch, o.cpuProfDir);
  const addr = `${HOST}:${master.port}`;
  const client = new RemotingClient();
  // Wait for the slave to be connected (a SYNC_MASTER answers SLAVE_NOT_AVAILABLE until then).
  for (;;) {
    const ha = await master.ask<HaInfo>({ cmd: 'ha' }, 'ha');
    if (ha.connectionCount > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  let seq = 0;
  let measuring = false;
  let running = true;
  let completed = 0;
  const failures = new Map<number, number>();
  const latencies: number[] = [];
  const sender = async (): Promise<void> => {
    while (running) {
      const header = encodeSendMessageRequestHeaderV2({
        a: 'PG_BENCH',
        b: TOPIC,
        c: 'TBW102',
        d: 4,
        e: seq++ % o.queues,
        f: 0,
        g: Date.now(),
        h: 0,
        i: `UNIQ_KEY\u00017F00000100002A9F0000000000${(seq & 0xffffff).toString(16).padStart(6, '0')}\u0002WAIT\u0001true\u0002TAGS\u0001TagA`,
        j: 0,
        k: false,
        l: 16,
        m: false,
      });
      const t0 = performance.now();
      const res = await client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE_V2, header, o.body), 10_000);
      if (!measuring) continue;
      if (res.code === ResponseCode.SUCCESS) {
        completed++;
        latencies.push(performance.now() - t0);
      } else failures.set(res.code, (failures.get(res.code) ?? 0) + 1);
    }
  };
  const workers = Array.from({ length: o.n }, () => sender());
  await new Promise((r) => setTimeout(r, o.warmup * 1000));
  await master.ask({ cmd: 'reset' }, 'reset');
  const m0 = await master.ask<NodeJS.CpuUsage>({ cmd: 'cpu' }, 'cpu');
  const s0 = await slave.ask<NodeJS.CpuUsage>({ cmd: 'cpu' }, 'cpu');
  const behind: number[] = [];
  measuring = true;
  const start = performance.now();
  const sampler = setInterval(() => {
    void master.ask<HaInfo>({ cmd: 'ha' }, 'ha').then((h) => behind.push(h.slaveFallBehindBytes));
  }, 50);
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  measuring = false;
  clearInterval(sampler);
  const elapsed = (performance.now() - start) / 1000;
  const ha = await master.ask<HaInfo>({ cmd: 'ha' }, 'ha');
  const m1 = await master.ask<NodeJS.CpuUsage>({ cmd: 'cpu' }, 'cpu');
  const s1 = await slave.ask<NodeJS.CpuUsage>({ cmd: 'cpu' }, 'cpu');
  running = false;
  await Promise.all(workers);
  await client.close();
  await slave.stop();
  await master.stop();
  const sorted = Float64Array.from(latencies).sort();
  const sortedBehind = Float64Array.from(behind).sort();
  const us = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number => (b.user + b.system - a.user - a.system) / Math.max(1, completed);
  return {
    mode,
    rate: completed / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    lag: ha.replicationLatency,
    behindP50: percentile(sortedBehind, 50),
    behindMax: sortedBehind.length > 0 ? sortedBehind[sortedBehind.length - 1]! : NaN,
    masterUs: us(m0, m1),
    slaveUs: us(s0, s1),
    failures: [...failures].map(([c, k]) => `${c}x${k}`).join(',') || '-',
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '64' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      body: { type: 'string', default: '1024' },
      queues: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '1' },
      modes: { type: 'string', default: 'ASYNC_MASTER,SYNC_MASTER' },
      batch: { type: 'string', default: '32768' },
      'cpu-prof-dir': { type: 'string' },
    },
  });
  const levels = values.concurrency.split(',').map(Number);
  const o = {
    n: 0,
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
    body: Buffer.alloc(Number(values.body), 0x61),
    queues: Number(values.queues),
    batch: Number(values.batch),
    cpuProfDir: values['cpu-prof-dir'],
  };
  console.log(
    `ha-sync: node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, body ${o.body.length} B, ` +
      `${o.queues} queues, senders on one connection, haTransferBatchSize ${o.batch}, master and slave in child processes, ` +
      `${o.warmup}s warmup + ${o.seconds}s per mode, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  console.log('senders  mode            sends/s   send p50 ms  p99 ms   repl lag p50 ms  p99 ms  max ms (writes)   behind p50/max KiB   master/slave CPU us/send   non-OK');
  for (const n of levels) {
    o.n = n;
    const rates = new Map<string, number[]>();
    for (let r = 0; r < Number(values.rounds); r++) {
      for (const mode of values.modes.split(',')) {
        const x = await runMode(mode, o);
        (rates.get(mode) ?? rates.set(mode, []).get(mode)!).push(x.rate);
        console.log(
          `${String(n).padStart(7)}  ${mode.padEnd(13)} ${x.rate.toFixed(0).padStart(9)}  ${x.p50.toFixed(2).padStart(11)} ${x.p99.toFixed(2).padStart(7)}  ` +
            `${x.lag.p50Ms.toFixed(2).padStart(16)} ${x.lag.p99Ms.toFixed(2).padStart(7)} ${x.lag.maxMs.toFixed(1).padStart(7)} ${`(${x.lag.count})`.padStart(9)}  ` +
            `${`${(x.behindP50 / 1024).toFixed(0)}/${(x.behindMax / 1024).toFixed(0)}`.padStart(19)}  ${`${x.masterUs.toFixed(1)}/${x.slaveUs.toFixed(1)}`.padStart(25)}   ${x.failures}`,
        );
      }
    }
    const a = rates.get('ASYNC_MASTER');
    const s = rates.get('SYNC_MASTER');
    if (a !== undefined && s !== undefined) {
      const ratios = s.map((v, i) => v / a[i]!);
      console.log(`${String(n).padStart(7)}  SYNC_MASTER / ASYNC_MASTER throughput: ${ratios.map((x) => `${(x * 100).toFixed(0)}%`).join(' ')}`);
    }
  }
}

if (process.argv.includes('--serve')) {
  const i = process.argv.indexOf('--serve');
  await serve(process.argv[i + 1] ?? 'ASYNC_MASTER', Number(process.argv[i + 2] ?? '8'), process.argv[i + 3] ?? '', Number(process.argv[i + 4] ?? '32768'));
} else {
  await main();
}
