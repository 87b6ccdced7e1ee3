/**
 * Sync sends per second into a real broker over loopback: N concurrent
 * senders share client connections and each sends its next SEND_MESSAGE_V2
 * (1 KiB body, the header a Java producer sends) as soon as the previous
 * answer arrives; every answer must be SUCCESS. The broker (default config:
 * ASYNC_MASTER, ASYNC_FLUSH, store in a temp dir) runs in a child process so
 * the senders and the broker each get a core.
 *
 *   npx tsc -b && npx tsx bench/broker-send.ts [--concurrency 1,16,64,256]
 *     [--seconds 5] [--warmup 1] [--body 1024] [--queues 8] [--connections 1]
 *     [--flush ASYNC_FLUSH|SYNC_FLUSH] [--serialize json|rocketmq] [--inproc] [--cpu-prof-dir DIR]
 *
 * --cpu-prof-dir DIR runs the broker child with --cpu-prof so a profile of
 * the broker side lands in DIR when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Broker } from '@rocketmq-ts/broker';
import { RequestCode, ResponseCode, SerializeType, createRequest, encodeSendMessageRequestHeaderV2 } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { type CpuProbe, cpuUs, forkServer, percentile, serveChild } from './lib/child-server.js';

const HOST = '127.0.0.1';
const TOPIC = 'BenchSend';

async function serve(flushDiskType: string, queues: number): Promise<{ broker: Broker; dir: string }> {
  const dir = mkdtempSync(join(os.tmpdir(), 'rmq-bench-broker-'));
  const broker = new Broker({
    config: {
      brokerName: 'bench',
      brokerIP1: HOST,
      listenHost: HOST,
      listenPort: 0,
      storePathRootDir: dir,
      flushDiskType: flushDiskType === 'SYNC_FLUSH' ? 'SYNC_FLUSH' : 'ASYNC_FLUSH',
      vipChannelEnable: false,
    },
  });
  await broker.start();
  broker.topics.updateTopicConfig({ topicName: TOPIC, readQueueNums: queues, writeQueueNums: queues, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
  return { broker, dir };
}

if (process.argv.includes('--serve')) {
  const flush = process.argv[process.argv.indexOf('--serve') + 1] ?? 'ASYNC_FLUSH';
  const queues = Number(process.argv[process.argv.indexOf('--serve') + 2] ?? '8');
  const { broker, dir } = await serve(flush, queues);
  serveChild({ port: broker.port }, () => broker.close().then(() => rmSync(dir, { recursive: true, force: true })));
} else {
  await main();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '1,16,64,256' },
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      body: { type: 'string', default: '1024' },
      queues: { type: 'string', default: '8' },
      connections: { type: 'string', default: '1' },
      flush: { type: 'string', default: 'ASYNC_FLUSH' },
      serialize: { type: 'string', default: 'json' },
      inproc: { type: 'boolean', default: false },
      'cpu-prof-dir': { type: 'string' },
    },
  });
  const levels = values.concurrency.split(',').map(Number);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const queues = Number(values.queues);
  const connections = Number(values.connections);
  const body = Buffer.alloc(Number(values.body), 0x61);
  const serializeType = values.serialize === 'rocketmq' ? SerializeType.ROCKETMQ : SerializeType.JSON;

  let port: number;
  let stop: () => Promise<void>;
  let brokerCpu: CpuProbe = () => Promise.resolve(process.cpuUsage());
  if (values.inproc) {
    const { broker, dir } = await serve(values.flush, queues);
    port = broker.port;
    stop = async () => {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    };
  } else {
    const profDir = values['cpu-prof-dir'];
    const child = await forkServer<{ port: number }>(fileURLToPath(import.meta.url), ['--serve', values.flush, String(queues)], profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
    ({ stop, cpu: brokerCpu } = child);
    port = child.info.port;
  }
  const addr = `${HOST}:${port}`;
  const clients = Array.from({ length: connections }, () => new RemotingClient());

  console.log(
    `broker-send: node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, body ${body.length} B, ` +
      `${values.serialize} headers, ${queues} queues, ${values.flush}, broker ${values.inproc ? 'in-process' : 'in a child process'}, ${connections} client connection(s), ` +
      `${warmup}s warmup + ${seconds}s per level, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  console.log('concurrency    sends/s   MiB/s  p50 ms  p99 ms  broker CPU us/send (of it kernel)  sender CPU us/send');

  let seq = 0;
  for (const n of levels) {
    let measuring = false;
    let running = true;
    let completed = 0;
    const latencies: number[] = [];
    const sender = async (i: number): Promise<void> => {
      const client = clients[i % clients.length]!;
      while (running) {
        const header = encodeSendMessageRequestHeaderV2({
          a: 'PG_BENCH',
          b: TOPIC,
          c: 'TBW102',
          d: 4,
          e: seq++ % queues,
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
        const res = await client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE_V2, header, body, { serializeType }), 10_000);
        if (res.code !== ResponseCode.SUCCESS) throw new Error(`send failed: ${res.code} ${res.remark ?? ''}`);
        if (measuring) {
          completed++;
          latencies.push(performance.now() - t0);
        }
      }
    };
    const workers = Array.from({ length: n }, (_, i) => sender(i));
    await new Promise((r) => setTimeout(r, warmup * 1000));
    const b0 = await brokerCpu();
    const c0 = process.cpuUsage();
    measuring = true;
    const start = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    measuring = false;
    const elapsed = (performance.now() - start) / 1000;
    const c1 = process.cpuUsage(c0);
    const b1 = await brokerCpu();
    const brokerUs = cpuUs(b0, b1) / Math.max(1, completed);
    const brokerSysUs = (b1.system - b0.system) / Math.max(1, completed);
    const senderUs = (c1.user + c1.system) / Math.max(1, completed);
    running = false;
    await Promise.all(workers);
    const sorted = Float64Array.from(latencies).sort();
    const rate = completed / elapsed;
    console.log(
      `${String(n).padStart(11)}  ${rate.toFixed(0).padStart(9)}  ${((rate * body.length) / 1048576).toFixed(1).padStart(6)}  ` +
        `${percentile(sorted, 50).toFixed(3).padStart(6)}  ${percentile(sorted, 99).toFixed(3).padStart(6)}  ` +
        `${(values.inproc ? NaN : brokerUs).toFixed(1).padStart(18)} ${`(${(values.inproc ? NaN : brokerSysUs).toFixed(1)})`.padStart(14)}  ${senderUs.toFixed(1).padStart(18)}`,
    );
  }
  await Promise.all(clients.map((c) => c.close()));
  await stop();
}
