/**
 * Replication between real broker processes (the built mqbroker, so run
 * `npm run build` first; `npm test` does), killed with SIGKILL:
 *  - a slave killed and restarted again and again under continuous load
 *    catches up each time, its CommitLog byte-identical to the master's up to
 *    the master's offset; with SYNC_MASTER every message answered SEND_OK
 *    before a kill is on the killed slave's disk;
 *  - SYNC_MASTER with the slave paused (SIGSTOP) answers FLUSH_SLAVE_TIMEOUT,
 *    with the slave killed SLAVE_NOT_AVAILABLE, and SEND_OK again once back;
 *  - consumers drain from the slave after the master process is killed, from
 *    the offsets the slave copied.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConsumeConcurrentlyStatus, PushConsumer } from '@rocketmq-ts/client';
import { RequestCode, ResponseCode, createRequest, decodeKVTable } from '@rocketmq-ts/protocol';
import type { RemotingClient } from '@rocketmq-ts/remoting';
import { client, dir, nameServer, onCleanup, sendRequest, sleep, waitFor } from './helpers.js';

const BIN = fileURLToPath(new URL('../../cli/dist/bin/mqbroker.js', import.meta.url));
const SEG = 1024 * 1024;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
});

/**
 * A port free a moment ago whose HA neighbour (port + 1) is free too, below Linux's ephemeral range (32768+) so that
 * no outgoing connection takes it while a broker process is down between restarts.
 */
async function freePort(): Promise<number> {
  const free = (port: number): Promise<boolean> =>
    new Promise((res) => {
      const s = net.createServer();
      s.once('error', () => res(false));
      s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
    });
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if ((await free(port)) && (await free(port + 1))) return port;
  }
}

interface BrokerProc {
  readonly addr: string;
  readonly root: string;
  child: ChildProcess;
  out: string;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

async function brokerProc(props: Record<string, string | number>): Promise<BrokerProc> {
  const base = await dir();
  const port = await freePort();
  const root = join(base, 'store');
  const file = join(base, 'broker.properties');
  const all: Record<string, string | number> = {
    brokerClusterName: 'HaCluster',
    brokerIP1: '127.0.0.1',
    listenHost: '127.0.0.1',
    listenPort: port,
    storePathRootDir: root,
    mappedFileSizeCommitLog: SEG,
    mappedFileSizeConsumeQueue: 6000 * 20,
    maxHashSlotNum: 1000,
    maxIndexNum: 4000,
    maxMessageSize: 65536,
    vipChannelEnable: 'false',
    haSendHeartbeatInterval: 500,
    haConnectRetryInterval: 200,
    slaveSynchronizeInterval: 300,
    registerNameServerPeriod: 1000,
    ...props,
  };
  await writeFile(file, Object.entries(all).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const p: BrokerProc = {
    addr: `127.0.0.1:${port}`,
    root,
    child: undefined as unknown as ChildProcess,
    out: '',
    async start() {
      const child = spawn(process.execPath, [BIN, '-c', file], { cwd: base, env: { ...process.env, NAMESRV_ADDR: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      p.child = child;
      p.out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => (p.out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const until = Date.now() + 20_000;
      while (!p.out.includes('boot success')) {
        if (child.exitCode !== null) throw new Error(`mqbroker exited ${child.exitCode}: ${err}`);
        if (Date.now() > until) throw new Error(`mqbroker did not boot: ${p.out.slice(-2000)} ${err}`);
        await sleep(20);
      }
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      const c = p.child;
      if (c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      await gone;
    },
  };
  onCleanup(async () => {
    if (p.child !== undefined && p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGCONT');
      await p.kill('SIGKILL');
    }
  });
  return p;
}

async function runtimeInfo(c: RemotingClient, addr: string): Promise<Map<string, string>> {
  const r = await c.invoke(addr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO, {}), 3000);
  return decodeKVTable(r.body!).table;
}

async function maxOffset(c: RemotingClient, addr: string): Promise<number> {
  return Number((await runtimeInfo(c, addr)).get('commitLogMaxOffset'));
}

/** Bytes [from, to) of a store's CommitLog, read from its files. */
async function logBytes(root: string, from: number, to: number): Promise<Buffer> {
  const out = Buffer.alloc(Math.max(0, to - from));
  const names = (await readdir(join(root, 'commitlog'))).filter((n) => /^\d{20}$/.test(n));
  for (const n of names) {
    const base = Number(n);
    const a = Math.max(from, base);
    const b = Math.min(to, base + SEG);
    if (a >= b) continue;
    const f = await open(join(root, 'commitlog', n), 'r');
    try {
      await f.read(out, a - from, b - a, a - base);
    } finally {
      await f.close();
    }
  }
  return out;
}

/** Concurrent senders until stopped; every SEND_OK's CommitLog offset (from its offset msgId). */
function load(c: RemotingClient, addr: string, senders: number, topic: string) {
  let stop = false;
  const ok: number[] = [];
  const codes = new Map<number, number>();
  let n = 0;
  const loops = Array.from({ length: senders }, async (_, s) => {
    while (!stop) {
      try {
        const r = await c.invoke(addr, sendRequest({ topic, queueId: s % 4, body: `load-${s}-${n++}-${'p'.repeat(300 + (n % 200))}` }), 5000);
        codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
        if (r.code === ResponseCode.SUCCESS) ok.push(parseInt((r.extFields['msgId'] ?? '').slice(-16), 16));
      } catch {
        await sleep(20);
      }
    }
  });
  return {
    ok,
    codes,
    stop: async () => {
      stop = true;
      await Promise.all(loops);
    },
  };
}

const masterConfig = (ns: string, role: string) => ({ brokerName: 'ha-p', brokerId: 0, brokerRole: role, namesrvAddr: ns });
const slaveConfig = (ns: string) => ({ brokerName: 'ha-p', brokerId: 1, brokerRole: 'SLAVE', namesrvAddr: ns });

describe('replication between broker processes', () => {
  it.each([
    { role: 'SYNC_MASTER', kills: 6 },
    { role: 'ASYNC_MASTER', kills: 4 },
  ])('$role: a slave SIGKILLed $kills times under load catches up each time, byte-identical', async ({ role, kills }) => {
    const ns = await nameServer();
    const master = await brokerProc(masterConfig(ns.address, role));
    const slave = await brokerProc(slaveConfig(ns.address));
    await master.start();
    await slave.start();
    const c = client();
    // Topic on the master first, then the slave connects and copies.
    await waitFor(async () => (await runtimeInfo(c, master.addr)).get('haConnectionCount') === '1', 20_000, 'the slave to connect');
    const l = load(c, master.addr, 8, 'KillTopic');
    let checkedAcks = 0;
    for (let k = 0; k < kills; k++) {
      await sleep(400 + Math.floor(Math.random() * 600));
      await slave.kill('SIGKILL');
      if (role === 'SYNC_MASTER') {
        // Every SEND_OK answered before the kill is on the dead slave's disk, byte for byte.
        const acked = [...l.ok];
        for (const off of acked.slice(-200)) {
          const head = await logBytes(master.root, off, off + 4);
          const size = head.readInt32BE(0);
          const m = await logBytes(master.root, off, off + size);
          const s = await logBytes(slave.root, off, off + size);
          expect(s.equals(m), `message at ${off} acked SEND_OK but not on the slave`).toBe(true);
        }
        checkedAcks += Math.min(200, acked.length);
      }
      await sleep(200 + Math.floor(Math.random() * 300));
      await slave.start();
      // It catches up while the load goes on.
      const target = await maxOffset(c, master.addr);
      await waitFor(async () => (await maxOffset(c, slave.addr)) >= target, 30_000, `catch-up after kill ${k + 1}`);
    }
    await l.stop();
    const end = await maxOffset(c, master.addr);
    await waitFor(async () => (await maxOffset(c, slave.addr)) === end, 30_000, 'the slave to catch up');
    const min = Number((await runtimeInfo(c, slave.addr)).get('commitLogMinOffset'));
    expect((await logBytes(slave.root, min, end)).equals(await logBytes(master.root, min, end))).toBe(true);
    expect(l.ok.length).toBeGreaterThan(100);
    if (role === 'SYNC_MASTER') expect(checkedAcks).toBeGreaterThan(0);
    // The slave's queues were rebuilt across the restarts: same max offsets as the master.
    for (let q = 0; q < 4; q++) {
      const offsetOf = async (addr: string): Promise<string> => {
        const r = await c.invoke(addr, createRequest(RequestCode.GET_MAX_OFFSET, { topic: 'KillTopic', queueId: String(q) }), 3000);
        return r.extFields['offset'] ?? '';
      };
      await waitFor(async () => (await offsetOf(slave.addr)) === (await offsetOf(master.addr)), 10_000, `queue ${q} on the slave`);
    }
  }, 180_000);

  it('a master SIGKILLed and restarted twice under load: the slave re-checks the tail it holds and continues, byte-identical', async () => {
    const ns = await nameServer();
    const master = await brokerProc(masterConfig(ns.address, 'ASYNC_MASTER'));
    const slave = await brokerProc(slaveConfig(ns.address));
    await master.start();
    await slave.start();
    const c = client();
    await waitFor(async () => (await runtimeInfo(c, master.addr)).get('haConnectionCount') === '1', 20_000, 'the slave to connect');
    const l = load(c, master.addr, 8, 'MasterKill');
    for (let k = 0; k < 2; k++) {
      await sleep(500 + Math.floor(Math.random() * 500));
      await master.kill('SIGKILL');
      await sleep(300);
      await master.start();
      await waitFor(async () => (await runtimeInfo(c, master.addr)).get('haConnectionCount') === '1', 20_000, `the slave to reconnect after kill ${k + 1}`);
    }
    await l.stop();
    const end = await maxOffset(c, master.addr);
    await waitFor(async () => (await maxOffset(c, slave.addr)) === end, 30_000, 'the slave to catch up');
    const min = Number((await runtimeInfo(c, slave.addr)).get('commitLogMinOffset'));
    expect((await logBytes(slave.root, min, end)).equals(await logBytes(master.root, min, end))).toBe(true);
    expect((await runtimeInfo(c, slave.addr)).get('haLastCloseReason') ?? '').not.toMatch(/differs|ahead/);
  }, 120_000);

  it('SYNC_MASTER: a paused slave -> FLUSH_SLAVE_TIMEOUT, a killed slave -> SLAVE_NOT_AVAILABLE, SEND_OK once it is back', async () => {
    const ns = await nameServer();
    const master = await brokerProc({ ...masterConfig(ns.address, 'SYNC_MASTER'), slaveTimeout: 1000 });
    const slave = await brokerProc(slaveConfig(ns.address));
    await master.start();
    await slave.start();
    const c = client();
    const send = async (body: string): Promise<number> => (await c.invoke(master.addr, sendRequest({ topic: 'PauseTopic', body }), 5000)).code;
    await waitFor(async () => (await send('probe')) === ResponseCode.SUCCESS, 20_000, 'SEND_OK');
    slave.child.kill('SIGSTOP');
    // Connected but silent: the put waits slaveTimeout for an ack that does not come.
    const t0 = Date.now();
    expect(await send('paused')).toBe(ResponseCode.FLUSH_SLAVE_TIMEOUT);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    slave.child.kill('SIGCONT');
    await waitFor(async () => (await send('resumed')) === ResponseCode.SUCCESS, 20_000, 'SEND_OK after SIGCONT');
    await slave.kill('SIGKILL');
    await waitFor(async () => (await runtimeInfo(c, master.addr)).get('haConnectionCount') === '0', 20_000, 'the master to notice');
    expect(await send('alone')).toBe(ResponseCode.SLAVE_NOT_AVAILABLE);
    await slave.start();
    await waitFor(async () => (await send('back')) === ResponseCode.SUCCESS, 20_000, 'SEND_OK with the slave back');
  }, 90_000);

  it('consumers drain from the slave after the master process is killed, from the offsets the slave copied', async () => {
    const ns = await nameServer();
    const master = await brokerProc(masterConfig(ns.address, 'ASYNC_MASTER'));
    const slave = await brokerProc(slaveConfig(ns.address));
    await master.start();
    await slave.start();
    const c = client();
    for (let i = 0; i < 40; i++) expect((await c.invoke(master.addr, sendRequest({ topic: 'DrainP', queueId: i % 4, body: `first-${i}` }), 5000)).code).toBe(ResponseCode.SUCCESS);
    const opts = { nameServer: ns.address, group: 'DrainPG', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollNameServerInterval: 300, heartbeatBrokerInterval: 300, persistConsumerOffsetInterval: 200, pullTimeDelayMillsWhenException: 200, rebalanceInterval: 300 } as const;
    const first: string[] = [];
    const c1 = new PushConsumer(opts);
    c1.subscribe('DrainP', '*', (m) => {
      first.push(m.body.toString());
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    await c1.start();
    onCleanup(() => c1.shutdown());
    await waitFor(() => new Set(first).size === 40, 20_000, 'the first batch');
    await c1.shutdown();
    // The slave copied the group's offsets (GET_ALL_CONSUMER_OFFSET every slaveSynchronizeInterval).
    const slaveOffsets = async (): Promise<number> => {
      let sum = 0;
      for (let q = 0; q < 4; q++) {
        const r = await c.invoke(slave.addr, createRequest(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'DrainPG', topic: 'DrainP', queueId: String(q) }), 3000);
        if (r.code === ResponseCode.SUCCESS) sum += Number(r.extFields['offset']);
      }
      return sum;
    };
    await waitFor(async () => (await slaveOffsets()) === 40, 20_000, 'offsets on the slave');
    for (let i = 0; i < 40; i++) expect((await c.invoke(master.addr, sendRequest({ topic: 'DrainP', queueId: i % 4, body: `second-${i}` }), 5000)).code).toBe(ResponseCode.SUCCESS);
    const end = await maxOffset(c, master.addr);
    await waitFor(async () => (await maxOffset(c, slave.addr)) === end, 20_000, 'replication');
    await master.kill('SIGKILL');

    const second: string[] = [];
    const c2 = new PushConsumer(opts);
    c2.subscribe('DrainP', '*', (m) => {
      second.push(m.body.toString());
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    await c2.start();
    onCleanup(() => c2.shutdown());
    await waitFor(() => new Set(second).size === 40, 30_000, 'the second batch, from the slave');
    expect(second.every((b) => b.startsWith('second-'))).toBe(true);
  }, 90_000);
});
