/**
 * mqbroker as an operator runs it: the built command in a child process,
 * started from the seed configurations deployment guides publish (with the
 * port, NameServers and store root replaced, as a deployment tool would).
 * Run `npm run build` first (npm test does).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ResponseCode, createRequest, decodeMessages, encodePullMessageRequestHeader, encodeSendMessageRequestHeaderV2, RequestCode, buildPullSysFlag } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { type StartedNameServer, startNameServer } from '@rocketmq-ts/testkit';

const BIN = fileURLToPath(new URL('../dist/bin/mqbroker.js', import.meta.url));
const SEEDS = fileURLToPath(new URL('../../broker/test/fixtures/seeds/', import.meta.url));

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rmq-mqbroker-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function ns(): Promise<StartedNameServer> {
  const n = await startNameServer();
  cleanups.push(() => n.close());
  return n;
}

/** A port free a moment ago whose VIP neighbour (port-2) and HA neighbour (port+1) are free too. */
async function freePort(): Promise<number> {
  const listen = (port: number): Promise<net.Server | undefined> =>
    new Promise((res) => {
      const s = net.createServer();
      s.once('error', () => res(undefined));
      s.listen(port, '127.0.0.1', () => res(s));
    });
  for (;;) {
    const s = (await listen(0))!;
    const port = (s.address() as net.AddressInfo).port;
    const vip = port > 2 ? await listen(port - 2) : undefined;
    const ha = port < 65535 ? await listen(port + 1) : undefined;
    await new Promise<void>((r) => s.close(() => r()));
    if (vip !== undefined) await new Promise<void>((r) => vip.close(() => r()));
    if (ha !== undefined) await new Promise<void>((r) => ha.close(() => r()));
    if (vip !== undefined && ha !== undefined) return port;
  }
}

interface Run {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NAMESRV_ADDR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('close', (code, signal) => res({ code, signal })));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitForOutput(r: Run, text: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!r.stdout().includes(text)) {
    if (r.child.exitCode !== null) throw new Error(`exited ${r.child.exitCode} before printing ${text}: ${r.stderr()}`);
    if (Date.now() > until) throw new Error(`no "${text}" in: ${r.stdout()}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

function parseProps(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const i = t.indexOf('=');
    out.push([t.slice(0, i).trim(), t.slice(i + 1).trim()]);
  }
  return out;
}

/** The seed with the port, NameServers and store paths made the test's own (relative store paths stay relative to cwd). */
async function prepareSeed(seed: string, dir: string, port: number, namesrvAddr: string): Promise<{ file: string; props: Map<string, string> }> {
  const props = new Map(parseProps(await readFile(join(SEEDS, seed), 'utf8')));
  props.set('listenPort', String(port));
  props.set('namesrvAddr', namesrvAddr);
  const root = props.get('storePathRootDir');
  // A seed without a store root would use ~/store; relative ones resolve inside the temp dir (the child's cwd).
  if (root === undefined || isAbsolute(root)) props.set('storePathRootDir', join(dir, 'store'));
  const file = join(dir, 'broker.properties');
  await writeFile(file, `# from ${seed}\n${[...props].map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
  return { file, props };
}

function sendRequest(topic: string, body: string): ReturnType<typeof createRequest> {
  return createRequest(
    RequestCode.SEND_MESSAGE_V2,
    encodeSendMessageRequestHeaderV2({
      a: 'PG_SEED',
      b: topic,
      c: 'TBW102',
      d: 4,
      e: 0,
      f: 0,
      g: Date.now(),
      h: 0,
      i: 'TAGS\u0001TagA\u0002WAIT\u0001true',
      k: false,
      m: false,
    }),
    Buffer.from(body),
  );
}

function pullRequest(topic: string): ReturnType<typeof createRequest> {
  return createRequest(
    RequestCode.PULL_MESSAGE,
    encodePullMessageRequestHeader({
      consumerGroup: 'CG_SEED',
      topic,
      queueId: 0,
      queueOffset: 0,
      maxMsgNums: 32,
      sysFlag: buildPullSysFlag(false, false, true, false),
      commitOffset: 0,
      suspendTimeoutMillis: 0,
      subscription: '*',
      subVersion: 0,
    }),
  );
}

const seedFiles = async (): Promise<string[]> => {
  const out: string[] = [];
  for (const d of ['2m-2s-sync', 'iotcls']) for (const f of await readdir(join(SEEDS, d))) if (f.endsWith('.properties')) out.push(`${d}/${f}`);
  return out.sort();
};

describe('mqbroker', () => {
  it('-h prints usage and exits 0', async () => {
    const r = run(['-h'], await tempDir());
    expect((await r.exited).code).toBe(0);
    expect(r.stdout()).toContain('Usage: mqbroker');
    expect(r.stdout()).toContain('-c, --configFile <file>');
    expect(r.stdout()).toContain('-n, --namesrvAddr <addr>');
  });

  it('-p prints the effective configuration, relative paths resolved, warning about legacy and unknown keys', async () => {
    const dir = await tempDir();
    const file = join(dir, 'b.properties');
    await writeFile(file, 'brokerName=b-print\nmapedFileSizeCommitLog=2097152\nstorePathRootDir=./data\nbrokerClusterNmae=typo\nbrokerIP1=127.0.0.1\n');
    const r = run(['-c', file, '-p', '-n', '127.0.0.1:9876;127.0.0.1:9877'], dir);
    expect((await r.exited).code).toBe(0);
    const lines = r.stdout().split('\n');
    expect(lines).toContain('brokerName=b-print');
    expect(lines).toContain('mappedFileSizeCommitLog=2097152');
    expect(lines).toContain(`storePathRootDir=${resolve(dir, 'data')}`);
    expect(lines).toContain(`storePathCommitLog=${resolve(dir, 'data', 'commitlog')}`);
    expect(lines).toContain('namesrvAddr=127.0.0.1:9876;127.0.0.1:9877');
    expect(lines).toContain('listenPort=10911');
    expect(r.stderr()).toContain('mapedFileSizeCommitLog is the legacy name of mappedFileSizeCommitLog');
    expect(r.stderr()).toContain('unknown configuration key brokerClusterNmae');
  });

  it('-m prints the important configuration only; NAMESRV_ADDR is used when nothing else names NameServers', async () => {
    const dir = await tempDir();
    const r = run(['-m'], dir, { NAMESRV_ADDR: '127.0.0.1:9999' });
    expect((await r.exited).code).toBe(0);
    const lines = r.stdout().trim().split('\n');
    expect(lines).toContain('namesrvAddr=127.0.0.1:9999');
    expect(lines).toContain('brokerRole=ASYNC_MASTER');
    expect(lines.some((l) => l.startsWith('listenPort='))).toBe(false);
  });

  it('stops on an invalid value, naming the key and the accepted values', async () => {
    const dir = await tempDir();
    const file = join(dir, 'b.properties');
    await writeFile(file, 'brokerRole=MASTER\n');
    const r = run(['-c', file], dir);
    expect((await r.exited).code).not.toBe(0);
    expect(r.stderr()).toContain('invalid value for brokerRole: "MASTER"; accepted: ASYNC_MASTER, SYNC_MASTER, SLAVE');
    const bad = run(['-n', 'nohost'], dir);
    expect((await bad.exited).code).not.toBe(0);
    expect(bad.stderr()).toContain('The Name Server Address[nohost] illegal');
    const missing = run(['-c', join(dir, 'nope.properties')], dir);
    expect((await missing.exited).code).not.toBe(0);
    expect(missing.stderr()).toContain(`cannot read configuration file ${join(dir, 'nope.properties')}: ENOENT`);
  });

  it('starts from every seed configuration: boot line, registration, a send and a pull, then SIGTERM stops it with exit 0', async () => {
    for (const seed of await seedFiles()) {
      const dir = await tempDir();
      const ns1 = await ns();
      const twoNameServers = (await readFile(join(SEEDS, seed), 'utf8')).includes(';');
      const ns2 = twoNameServers ? await ns() : undefined;
      const namesrvAddr = ns2 === undefined ? ns1.address : `${ns1.address};${ns2.address}`;
      const port = await freePort();
      const { file, props } = await prepareSeed(seed, dir, port, namesrvAddr);
      const brokerName = props.get('brokerName')!;
      const r = run(['-c', file], dir);
      await waitForOutput(r, `boot success. serializeType=JSON and name server is ${namesrvAddr}`);
      expect(r.stdout(), seed).toMatch(new RegExp(`The broker\\[${brokerName}, [0-9.]+:${port}\\] boot success\\. serializeType=JSON and name server is `));
      for (const n of [ns1, ns2]) {
        if (n !== undefined) expect(n.nameServer.liveBrokers().some((b) => b.brokerAddr.endsWith(`:${port}`)), seed).toBe(true);
      }

      const client = new RemotingClient();
      cleanups.push(() => client.close());
      const addr = `127.0.0.1:${port}`;
      const topic = 'SeedTopic';
      const sent = await client.invoke(addr, sendRequest(topic, `from ${seed}`), 5000);
      const pulled = await client.invoke(addr, pullRequest(topic), 5000);
      const role = props.get('brokerRole');
      if (role === 'SLAVE') {
        // A slave stores nothing sent to it; there is nothing to pull.
        expect(sent.code, seed).toBe(ResponseCode.SERVICE_NOT_AVAILABLE);
        expect(pulled.code, seed).toBe(ResponseCode.PULL_NOT_FOUND);
      } else {
        // SYNC_MASTER with no slave: stored, answered SLAVE_NOT_AVAILABLE, as Java.
        expect(sent.code, `${seed}: ${sent.remark}`).toBe(role === 'SYNC_MASTER' ? ResponseCode.SLAVE_NOT_AVAILABLE : ResponseCode.SUCCESS);
        expect(pulled.code, `${seed}: ${pulled.remark}`).toBe(ResponseCode.SUCCESS);
        expect(decodeMessages(pulled.body!).map((m) => m.body!.toString())).toEqual([`from ${seed}`]);
      }
      r.child.kill('SIGTERM');
      const { code } = await r.exited;
      expect(code, `${seed}: ${r.stderr()}`).toBe(0);
      for (const n of [ns1, ns2]) {
        if (n !== undefined) expect(n.nameServer.liveBrokers().some((b) => b.brokerAddr.endsWith(`:${port}`)), `${seed} unregistered`).toBe(false);
      }
      // Relative store paths land in the working directory; the topic the send created was written at shutdown at the latest.
      const root = props.get('storePathRootDir')!;
      expect(existsSync(join(isAbsolute(root) ? root : resolve(dir, root), 'config', 'topics.json')), seed).toBe(true);
      await client.close();
    }
  });
});
