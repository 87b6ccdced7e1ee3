/**
 * The client SDK's CPU per synchronous send: our Producer (route lookup,
 * queue choice, properties with a UNIQ_KEY, SEND_MESSAGE_V2 through the
 * remoting client) with N concurrent senders, against a NameServer and a
 * broker (default config: ASYNC_FLUSH) in a child process. Next to it, on the
 * same broker, the minimal loop bench/broker-send.ts drives: a bare
 * RemotingClient sending pre-built SEND_MESSAGE_V2 headers. The difference
 * in "sender CPU us/send" is what the Producer adds.
 *
 *   npx tsc -b && npx tsx bench/client-send.ts [--concurrency 1,64,256]
 *     [--seconds 5] [--warmup 3] [--body 1024] [--queues 8] [--modes producer,raw]
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Producer } from '@rocketmq-ts/client';
import { RequestCode, ResponseCode, createRequest, encodeSendMessageRequestHeaderV2 } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { startBroker, startNameServer } from '@rocketmq-ts/testkit';
import { cpuUs, forkServer, percentile, serveChild } from './lib/child-server.js';

const TOPIC = 'BenchClientSend';

if (process.argv.includes('--serve')) {
  const queues = Number(process.argv[process.argv.indexOf('--serve') + 1] ?? '8');
  const ns = await startNameServer();
  // Default segment sizes, as bench/broker-send.ts runs the broker (the testkit's are small for tests).
  const b = await startBroker({ namesrvAddr: ns.address, config: { brokerName: 'bench', mappedFileSizeCommitLog: 1024 * 1024 * 1024, mappedFileSizeConsumeQueue: 300_000 * 20 } });
  await b.broker.createTopic(TOPIC, queues);
  serveChild({ namesrv: ns.address, broker: b.address }, () => b.close().then(() => ns.close()));
} else {
  await main();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '1,64,256' },
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '3' },
      body: { type: 'string', default: '1024' },
      queues: { type: 'string', default: '8' },
      modes: { type: 'string', default: 'producer,raw' },
    },
  });
  const levels = values.concurrency.split(',').map(Number);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const queues = Number(values.queues);
  const body = Buffer.alloc(Number(values.body), 0x61);
  const modes = values.modes.split(',');

  const {
    info: { namesrv, broker },
    stop,
    cpu: brokerCpu,
  } = await forkServer<{ namesrv: string; broker: string }>(fileURLToPath(import.meta.url), ['--serve', String(queues)]);
  const producer = new Producer({ nameServer: namesrv, group: 'PG_BENCH_CLIENT' });
  await producer.start();
  const raw = new RemotingClient();

  console.log(
    `client-send: node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, body ${body.length} B, ${queues} queues, ` +
      `NameServer and broker (ASYNC_FLUSH) in a child process, ${warmup}s warmup + ${seconds}s per level, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  console.log('mode       concurrency    sends/s  p50 ms  p99 ms  broker CPU us/send  sender CPU us/send');

  let seq = 0;
  const sendRaw = async (): Promise<void> => {
    const header = encodeSendMessageRequestHeaderV2({
      a: 'PG_BENCH', b: TOPIC, c: 'TBW102', d: 4, e: seq++ % queues, f: 0, g: Date.now(), h: 0,
      i: `UNIQ_KEY\u00017F00000100002A9F0000000000${(seq & 0xffffff).toString(16).padStart(6, '0')}\u0002WAIT\u0001true\u0002TAGS\u0001TagA`,
      j: 0, k: false, l: 16, m: false,
    });
    const res = await raw.invoke(broker, createRequest(RequestCode.SEND_MESSAGE_V2, header, body), 10_000);
    if (res.code !== ResponseCode.SUCCESS) throw new Error(`send failed: ${res.code} ${res.remark ?? ''}`);
  };
  const sendProducer = async (): Promise<void> => {
    const r = await producer.send({ topic: TOPIC, body, tags: 'TagA' });
    if (r.sendStatus !== 'SEND_OK') throw new Error(`send status ${r.sendStatus}`);
  };

  for (const mode of modes) {
    const one = mode === 'raw' ? sendRaw : sendProducer;
    for (const n of levels) {
      let measuring = false;
      let running = true;
      let completed = 0;
      const latencies: number[] = [];
      const sender = async (): Promise<void> => {
        while (running) {
          const t0 = performance.now();
          await one();
          if (measuring) {
            completed++;
            latencies.push(performance.now() - t0);
          }
        }
      };
      const workers = Array.from({ length: n }, () => sender());
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
      running = false;
      await Promise.all(workers);
      const brokerUs = cpuUs(b0, b1) / Math.max(1, completed);
      const senderUs = (c1.user + c1.system) / Math.max(1, completed);
      const sorted = Float64Array.from(latencies).sort();
      console.log(
        `${mode.padEnd(9)}  ${String(n).padStart(11)}  ${(completed / elapsed).toFixed(0).padStart(9)}  ` +
          `${percentile(sorted, 50).toFixed(3).padStart(6)}  ${percentile(sorted, 99).toFixed(3).padStart(6)}  ` +
          `${brokerUs.toFixed(1).padStart(18)}  ${senderUs.toFixed(1).padStart(18)}`,
      );
    }
  }
  await producer.shutdown();
  await raw.close();
  await stop();
}
