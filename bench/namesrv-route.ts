/**
 * GET_ROUTEINFO_BY_TOPIC throughput of the NameServer, on loopback.
 *
 *   npm run build && npx tsx bench/namesrv-route.ts [--connections 64] [--window 16] [--seconds 5] [--topics 1000] [--runs 3]
 *
 * The NameServer runs in this process (one event loop, as in production);
 * the clients run in a child process so they do not share its CPU. The
 * clients are raw sockets that keep `window` pre-encoded requests in flight
 * per connection and only count answers, so the server is what is measured.
 * Four brokers (two masters, two slaves) register `topics` topics; each
 * request asks for a random one of them.
 *
 * Scenarios: route cache on and off (NameServerInit.routeCache), and the two
 * JSON forms (request version 121 = fastjson form for old clients, 401 =
 * standard JSON). Each scenario runs `runs` times; the median run (by
 * routes per server CPU-second) is printed. Routes per server CPU-second is
 * the figure to compare across machines and loads: routes/s alone drops
 * whenever other processes take the CPU.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NameServer } from '@rocketmq-ts/namesrv';
import {
  RequestCode,
  ResponseCode,
  createRequest,
  decodeCommand,
  encodeFrame,
  encodeRegisterBrokerBody,
  encodeRegisterBrokerRequestHeader,
  javaCrc32,
} from '@rocketmq-ts/protocol';
import type { TopicConfig } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '64' },
    window: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    topics: { type: 'string', default: '1000' },
    client: { type: 'string' },
    version: { type: 'string', default: '401' },
    runs: { type: 'string', default: '3' },
  },
});

interface ClientResult {
  answers: number;
  errors: number;
  seconds: number;
  cpuMs: number;
}

// ---------------------------------------------------------------------------
// Client process: --client host:port

async function runClients(addr: string): Promise<void> {
  const [host, portText] = addr.split(':') as [string, string];
  const connections = Number(args.connections);
  const window = Number(args.window);
  const seconds = Number(args.seconds);
  const topics = Number(args.topics);
  const version = Number(args.version);
  const frames = Array.from({ length: 4096 }, () =>
    encodeFrame(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: `BenchTopic${Math.floor(Math.random() * topics)}` }, undefined, { version })),
  );
  let next = 0;
  let answers = 0;
  let errors = 0;
  let counting = false;
  let stopped = false;
  const sockets: net.Socket[] = [];

  await Promise.all(
    Array.from({ length: connections }, () => new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host, port: Number(portText), noDelay: true }, () => resolve());
      socket.once('error', reject);
      sockets.push(socket);
      let pending: Buffer = Buffer.alloc(0);
      let checked = false;
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        let pos = 0;
        let done = 0;
        while (pending.length - pos >= 4) {
          const len = pending.readInt32BE(pos);
          if (pending.length - pos - 4 < len) break;
          if (!checked) {
            // Check one answer per connection: a bench of errors measures nothing.
            const res = decodeCommand(pending.subarray(pos + 4, pos + 4 + len));
            if (res.code !== ResponseCode.SUCCESS) errors++;
            checked = true;
          }
          pos += 4 + len;
          done++;
        }
        pending = pos === pending.length ? Buffer.alloc(0) : pending.subarray(pos);
        if (counting) answers += done;
        if (stopped || done === 0) return;
        const out: Buffer[] = [];
        for (let i = 0; i < done; i++) out.push(frames[next++ & 4095]!);
        socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
      });
    })),
  );
  for (const s of sockets) {
    const out: Buffer[] = [];
    for (let i = 0; i < window; i++) out.push(frames[next++ & 4095]!);
    s.write(Buffer.concat(out));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000)); // warm-up
  counting = true;
  process.send!({ type: 'start' });
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  counting = false;
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  stopped = true;
  for (const s of sockets) s.destroy();
  const result: ClientResult = { answers, errors, seconds: elapsed, cpuMs: (cpu.user + cpu.system) / 1000 };
  process.send!({ type: 'result', result });
}

// ---------------------------------------------------------------------------
// Server process

function topicConfig(name: string, queues: number): TopicConfig {
  return { topicName: name, readQueueNums: queues, writeQueueNums: queues, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false };
}

async function registerBrokers(ns: NameServer, c: RemotingClient, topics: number): Promise<void> {
  const table = new Map<string, TopicConfig>();
  for (let i = 0; i < topics; i++) table.set(`BenchTopic${i}`, topicConfig(`BenchTopic${i}`, 8));
  const brokers = [
    { name: 'broker-a', id: 0, addr: '127.0.0.1:10911' },
    { name: 'broker-a', id: 1, addr: '127.0.0.1:10921' },
    { name: 'broker-b', id: 0, addr: '127.0.0.1:11011' },
    { name: 'broker-b', id: 1, addr: '127.0.0.1:11021' },
  ];
  for (const b of brokers) {
    const body = encodeRegisterBrokerBody({
      topicConfigSerializeWrapper: { topicConfigTable: table, dataVersion: { timestamp: Date.now(), counter: 1 } },
      filterServerList: [],
    });
    const header = encodeRegisterBrokerRequestHeader({
      brokerName: b.name,
      brokerAddr: b.addr,
      clusterName: 'BenchCluster',
      haServerAddr: b.addr,
      brokerId: b.id,
      compressed: false,
      bodyCrc32: javaCrc32(body),
    });
    const res = await c.invoke(ns.address, createRequest(RequestCode.REGISTER_BROKER, header, body), 10_000);
    if (res.code !== ResponseCode.SUCCESS) throw new Error(`register failed: ${res.remark}`);
  }
}

async function scenario(routeCache: boolean, version: number): Promise<{ perSecond: number; serverCpu: number; clientCpu: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-namesrv-'));
  const ns = new NameServer({
    listenHost: '127.0.0.1',
    listenPort: 0,
    kvConfigPath: join(dir, 'kv.json'),
    configStorePath: join(dir, 'namesrv.properties'),
    routeCache,
  });
  await ns.start();
  const brokers = new RemotingClient();
  await registerBrokers(ns, brokers, Number(args.topics));

  const self = fileURLToPath(import.meta.url);
  const child = fork(self, ['--client', ns.address, '--connections', args.connections, '--window', args.window, '--seconds', args.seconds, '--topics', args.topics, '--version', String(version)], {
    execArgv: process.execArgv,
  });
  // Server CPU over the client's measuring window only (not its start-up or warm-up).
  let cpu0 = process.cpuUsage();
  let cpu = cpu0;
  const result = await new Promise<ClientResult>((resolve, reject) => {
    child.on('message', (m: { type: string; result?: ClientResult }) => {
      if (m.type === 'start') {
        cpu0 = process.cpuUsage();
      } else if (m.result !== undefined) {
        cpu = process.cpuUsage(cpu0);
        resolve(m.result);
      }
    });
    child.once('exit', (code) => reject(new Error(`client exited ${code}`)));
  });
  await new Promise((resolve) => child.once('exit', resolve));
  await brokers.close();
  await ns.close();
  await rm(dir, { recursive: true, force: true });
  if (result.errors > 0) throw new Error(`${result.errors} connections got an error answer`);
  return {
    perSecond: result.answers / result.seconds,
    serverCpu: (cpu.user + cpu.system) / 1000 / (result.seconds * 1000),
    clientCpu: result.cpuMs / (result.seconds * 1000),
  };
}

async function main(): Promise<void> {
  if (args.client !== undefined) {
    await runClients(args.client);
    return;
  }
  console.log(
    `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); ${args.connections} connections x ${args.window} in flight, ${args.topics} topics, 4 brokers, ${args.seconds} s per scenario`,
  );
  console.log('| route cache | request version (form) | routes/s | server CPU | routes per server CPU-second | client CPU |');
  console.log('|---|---|---:|---:|---:|---:|');
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  for (const routeCache of [true, false]) {
    for (const version of [401, 121]) {
      const runs = [];
      for (let i = 0; i < Number(args.runs); i++) runs.push(await scenario(routeCache, version));
      runs.sort((x, y) => x.perSecond / x.serverCpu - y.perSecond / y.serverCpu);
      const r = runs[Math.floor(runs.length / 2)]!;
      const form = version >= 401 ? 'standard JSON' : 'fastjson form';
      console.log(
        `| ${routeCache ? 'on' : 'off'} | ${version} (${form}) | ${fmt(r.perSecond)} | ${(r.serverCpu * 100).toFixed(0)}% | ${fmt(r.perSecond / r.serverCpu)} | ${(r.clientCpu * 100).toFixed(0)}% |`,
      );
    }
  }
}

main().then(
  () => {
    if (args.client !== undefined) process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
