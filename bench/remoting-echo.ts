/**
 * Request/response round trips per second over loopback through
 * @rocketmq-ts/remoting: N concurrent requesters share one client connection
 * and each sends its next request as soon as the previous answer arrives. The
 * server echoes the body back. By default the server runs in a child process
 * so client and server each get a core.
 *
 *   npx tsc -b && npx tsx bench/remoting-echo.ts [--concurrency 1,16,64,256]
 *     [--seconds 5] [--warmup 1] [--body 1024] [--serialize json|rocketmq] [--inproc]
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RequestCode, ResponseCode, SerializeType, createRequest, createResponse } from '@rocketmq-ts/protocol';
import { RemotingClient, RemotingServer } from '@rocketmq-ts/remoting';
import { forkServer, percentile, serveChild } from './lib/child-server.js';

const HOST = '127.0.0.1';

async function serve(): Promise<RemotingServer> {
  const server = new RemotingServer();
  server.registerProcessor(RequestCode.SEND_MESSAGE, (req) => createResponse(req, ResponseCode.SUCCESS, undefined, {}, req.body));
  await server.listen(0, HOST);
  return server;
}

if (process.argv.includes('--serve')) {
  const server = await serve();
  serveChild({ port: server.port }, () => server.close());
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
      serialize: { type: 'string', default: 'json' },
      inproc: { type: 'boolean', default: false },
    },
  });
  const levels = values.concurrency.split(',').map(Number);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const body = Buffer.alloc(Number(values.body), 0x61);
  const serializeType = values.serialize === 'rocketmq' ? SerializeType.ROCKETMQ : SerializeType.JSON;

  let port: number;
  let stop: () => Promise<void> | void;
  if (values.inproc) {
    const server = await serve();
    port = server.port!;
    stop = () => server.close();
  } else {
    const child = await forkServer<{ port: number }>(fileURLToPath(import.meta.url), ['--serve']);
    ({ stop } = child);
    port = child.info.port;
  }
  const addr = `${HOST}:${port}`;
  const client = new RemotingClient();

  console.log(
    `remoting-echo: node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ` +
      `body ${body.length} B, ${values.serialize} headers, server ${values.inproc ? 'in-process' : 'in a child process'}, ` +
      `one client connection, ${warmup}s warmup + ${seconds}s per level, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  console.log('concurrency  round-trips/s  MiB/s(each way)  p50 ms  p99 ms');

  for (const n of levels) {
    let measuring = false;
    let running = true;
    let completed = 0;
    const latencies: number[] = [];
    const requester = async (): Promise<void> => {
      while (running) {
        const t0 = performance.now();
        const res = await client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE, { topic: 'BenchTopic', queueId: '0' }, body, { serializeType }), 10_000);
        if (res.code !== ResponseCode.SUCCESS || res.body?.length !== body.length) throw new Error(`bad response ${res.code}`);
        if (measuring) {
          completed++;
          latencies.push(performance.now() - t0);
        }
      }
    };
    const workers = Array.from({ length: n }, () => requester());
    await new Promise((r) => setTimeout(r, warmup * 1000));
    measuring = true;
    const start = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    measuring = false;
    const elapsed = (performance.now() - start) / 1000;
    running = false;
    await Promise.all(workers);
    const sorted = Float64Array.from(latencies).sort();
    const rate = completed / elapsed;
    console.log(
      `${String(n).padStart(11)}  ${rate.toFixed(0).padStart(13)}  ${((rate * body.length) / 1048576).toFixed(1).padStart(15)}  ` +
        `${percentile(sorted, 50).toFixed(3).padStart(6)}  ${percentile(sorted, 99).toFixed(3).padStart(6)}`,
    );
  }
  await client.close();
  await stop();
}
