/**
 * The client's own cost against a real broker over loopback.
 *
 * send: N concurrent callers of Producer.send (1 KiB body, a tag and a key)
 * each send the next message as soon as the previous one resolves; sends/s,
 * latency, and the CPU the client process and the broker process spent per
 * send in the measured window (CPU per send barely depends on what else the
 * machine runs; compare the client figure with bench/broker-send.ts's raw
 * sender, which builds the same request by hand).
 *
 * consume: M messages are stored first, then a PushConsumer (clustering,
 * default options, an empty listener) drains them; messages/s from start()
 * to the last listener call, and CPU per message of both processes.
 *
 * The NameServer and the broker (default config, ASYNC_FLUSH, temp dir) run
 * in a child process so the client and the servers each get a core.
 *
 *   npx tsc -b && npx tsx bench/client.ts [--concurrency 1,16,64,256]
 *     [--seconds 5] [--warmup 1] [--body 1024] [--queues 8] [--messages 200000]
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Producer, PushConsumer } from '@rocketmq-ts/client';
import { startBroker, startNameServer } from '@rocketmq-ts/testkit';
import { cpuUs, forkServer, percentile, serveChild } from './lib/child-server.js';

const TOPIC = 'BenchClient';

if (process.argv.includes('--serve')) {
  const queues = Number(process.argv[process.argv.indexOf('--serve') + 1] ?? '8');
  const ns = await startNameServer();
  const broker = await startBroker({
    namesrvAddr: ns.address,
    config: { brokerName: 'bench', mappedFileSizeCommitLog: 1024 * 1024 * 1024, mappedFileSizeConsumeQueue: 300_000 * 20 },
  });
  broker.broker.topics.updateTopicConfig({ topicName: TOPIC, readQueueNums: queues, writeQueueNums: queues, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
  await broker.broker.registerBrokerAll(false, false, true);
  serveChild({ nsAddr: ns.address }, () => broker.close().then(() => ns.close()));
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
      messages: { type: 'string', default: '200000' },
    },
  });
  const levels = values.concurrency.split(',').map(Number);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const body = Buffer.alloc(Number(values.body), 0x61);
  const child = await forkServer<{ nsAddr: string }>(fileURLToPath(import.meta.url), ['--serve', values.queues]);
  const servers = { nsAddr: child.info.nsAddr, cpu: child.cpu, stop: child.stop };
  console.log(
    `client: node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, body ${body.length} B, ${values.queues} queues, ` +
      `servers in a child process, ${warmup}s warmup + ${seconds}s per level, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );

  const producer = new Producer({ nameServer: servers.nsAddr, group: 'PG_BENCH', clientIP: '127.0.0.1' });
  await producer.start();
  console.log('send: concurrency    sends/s   MiB/s  p50 ms  p99 ms  client CPU us/send  broker CPU us/send');
  let seq = 0;
  for (const n of levels) {
    let measuring = false;
    let running = true;
    let completed = 0;
    const latencies: number[] = [];
    const sender = async (): Promise<void> => {
      while (running) {
        const t0 = performance.now();
        await producer.send({ topic: TOPIC, body, tags: 'TagA', keys: `k${seq++}` });
        if (measuring) {
          completed++;
          latencies.push(performance.now() - t0);
        }
      }
    };
    const workers = Array.from({ length: n }, () => sender());
    await new Promise((r) => setTimeout(r, warmup * 1000));
    const b0 = await servers.cpu();
    const c0 = process.cpuUsage();
    measuring = true;
    const start = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    measuring = false;
    const elapsed = (performance.now() - start) / 1000;
    const c1 = process.cpuUsage();
    const b1 = await servers.cpu();
    running = false;
    await Promise.all(workers);
    const sorted = Float64Array.from(latencies).sort();
    const rate = completed / elapsed;
    console.log(
      `${String(n).padStart(17)}  ${rate.toFixed(0).padStart(9)}  ${((rate * body.length) / 1048576).toFixed(1).padStart(6)}  ` +
        `${percentile(sorted, 50).toFixed(3).padStart(6)}  ${percentile(sorted, 99).toFixed(3).padStart(6)}  ` +
        `${(cpuUs(c0, c1) / Math.max(1, completed)).toFixed(1).padStart(18)}  ${(cpuUs(b0, b1) / Math.max(1, completed)).toFixed(1).padStart(18)}`,
    );
  }

  // Top the topic up to `messages` stored, then drain them with a new group.
  const messages = Number(values.messages);
  const batch = 64;
  let stored = seq;
  while (stored < messages) {
    const inFlight: Array<Promise<unknown>> = [];
    for (let i = 0; i < 16 && stored < messages; i++) {
      const n = Math.min(batch, messages - stored);
      inFlight.push(producer.sendBatch(Array.from({ length: n }, () => ({ topic: TOPIC, body, tags: 'TagA' }))));
      stored += n;
    }
    await Promise.all(inFlight);
  }
  await producer.shutdown();
  let consumed = 0;
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const consumer = new PushConsumer({ nameServer: servers.nsAddr, group: 'CG_BENCH', clientIP: '127.0.0.1', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  consumer.subscribe(TOPIC, '*', () => {
    if (++consumed >= stored) allDone();
  });
  const b0 = await servers.cpu();
  const c0 = process.cpuUsage();
  const start = performance.now();
  await consumer.start();
  await done;
  const elapsed = (performance.now() - start) / 1000;
  const c1 = process.cpuUsage();
  const b1 = await servers.cpu();
  await consumer.shutdown();
  console.log('consume: messages  seconds    msgs/s   MiB/s  client CPU us/msg  broker CPU us/msg');
  console.log(
    `${String(stored).padStart(17)}  ${elapsed.toFixed(2).padStart(7)}  ${(stored / elapsed).toFixed(0).padStart(8)}  ${((stored * body.length) / elapsed / 1048576).toFixed(1).padStart(6)}  ` +
      `${(cpuUs(c0, c1) / stored).toFixed(1).padStart(17)}  ${(cpuUs(b0, b1) / stored).toFixed(1).padStart(17)}`,
  );
  await servers.stop();
}
