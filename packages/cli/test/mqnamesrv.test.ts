/**
 * mqnamesrv as an operator runs it: the built command in a child process.
 * Run `npm run build` first (npm test does).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RequestCode, ResponseCode, createRequest, decodeGetKVConfigResponseHeader } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';

const BIN = fileURLToPath(new URL('../dist/bin/mqnamesrv.js', import.meta.url));
const BOOT_LINE = 'The Name Server boot success. serializeType=JSON';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rmq-mqnamesrv-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A port free a moment ago; mqnamesrv, like Java, needs an explicit one. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface Run {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitForOutput(r: Run, text: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!r.stdout().includes(text)) {
    if (r.child.exitCode !== null) throw new Error(`exited ${r.child.exitCode} before printing ${text}: ${r.stderr()}`);
    if (Date.now() > until) throw new Error(`no "${text}" in: ${r.stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function propertiesFile(dir: string, props: Record<string, string | number | boolean>): Promise<string> {
  const file = join(dir, 'namesrv.properties');
  await writeFile(file, `# test config\n${Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
  return file;
}

describe('mqnamesrv', () => {
  it('-h prints usage and exits 0', async () => {
    const r = run(['-h'], await tempDir());
    expect((await r.exited).code).toBe(0);
    expect(r.stdout()).toContain('Usage: mqnamesrv');
    expect(r.stdout()).toContain('-c, --configFile <file>');
  });

  it('-p prints the effective configuration and exits 0, warning about unknown keys by name', async () => {
    const dir = await tempDir();
    const file = await propertiesFile(dir, { listenPort: 19999, orderMessageEnable: true, kvConfigPath: join(dir, 'kv.json'), noSuchKey: 1 });
    const r = run(['-c', file, '-p'], dir);
    expect((await r.exited).code).toBe(0);
    const lines = r.stdout().split('\n');
    expect(lines).toContain(`load config properties file OK, ${file}`);
    expect(lines).toContain('listenPort=19999');
    expect(lines).toContain('orderMessageEnable=true');
    expect(lines).toContain(`kvConfigPath=${join(dir, 'kv.json')}`);
    // As Java, the -c file is where configuration updates are persisted.
    expect(lines).toContain(`configStorePath=${file}`);
    expect(lines).toContain('productEnvName=center');
    expect(r.stderr()).toContain('unknown configuration key noSuchKey');
  });

  it('-p without -c prints the defaults, port 9876', async () => {
    const r = run(['-p'], await tempDir());
    expect((await r.exited).code).toBe(0);
    expect(r.stdout().split('\n')).toContain('listenPort=9876');
  });

  it('stops on an invalid value, naming the key and the accepted values', async () => {
    const dir = await tempDir();
    const file = await propertiesFile(dir, { listenPort: 'ninety', orderMessageEnable: true });
    const r = run(['-c', file], dir);
    const { code } = await r.exited;
    expect(code).not.toBe(0);
    expect(r.stderr()).toContain('invalid value for listenPort: "ninety"; accepted: an integer >= 0 <= 65535');
    expect(r.stdout()).not.toContain(BOOT_LINE);

    const badBool = run(['-c', await propertiesFile(dir, { clusterTest: 'yes' })], dir);
    expect((await badBool.exited).code).not.toBe(0);
    expect(badBool.stderr()).toContain('invalid value for clusterTest: "yes"; accepted: true, false');
  });

  it('stops with a message naming a missing -c file', async () => {
    const dir = await tempDir();
    const r = run(['-c', join(dir, 'nope.properties')], dir);
    expect((await r.exited).code).not.toBe(0);
    expect(r.stderr()).toContain('nope.properties');
  });

  it('starts, prints the boot line, answers requests, and on SIGTERM stops with exit 0 and the KV config on disk', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const kvPath = join(dir, 'kv', 'kvConfig.json');
    const file = await propertiesFile(dir, { listenHost: '127.0.0.1', listenPort: port, kvConfigPath: kvPath });
    const r = run(['-c', file, '--log-file', join(dir, 'namesrv.log')], dir);
    await waitForOutput(r, BOOT_LINE);

    const c = new RemotingClient();
    cleanups.push(() => c.close());
    const addr = `127.0.0.1:${port}`;
    const route = await c.invoke(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' }), 3000);
    expect(route.code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    const put = await c.invoke(addr, createRequest(RequestCode.PUT_KV_CONFIG, { namespace: 'ns', key: 'k', value: 'v' }), 3000);
    expect(put.code).toBe(ResponseCode.SUCCESS);
    const got = await c.invoke(addr, createRequest(RequestCode.GET_KV_CONFIG, { namespace: 'ns', key: 'k' }), 3000);
    expect(decodeGetKVConfigResponseHeader(got.extFields).value).toBe('v');

    r.child.kill('SIGTERM');
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(JSON.parse(await readFile(kvPath, 'utf8'))).toEqual({ configTable: { ns: { k: 'v' } } });
    // Logs went to the file, as structured lines.
    const log = (await readFile(join(dir, 'namesrv.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(log.some((l) => l.msg === 'NameServer started')).toBe(true);
    expect(log.some((l) => l.msg === 'stopped')).toBe(true);
    expect(r.stdout()).not.toContain('"level"');
  });

  it('stops with exit 0 on SIGINT too', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const file = await propertiesFile(dir, { listenHost: '127.0.0.1', listenPort: port, kvConfigPath: join(dir, 'kv.json') });
    const r = run(['-c', file], dir, { ROCKETMQ_TS_LOG_LEVEL: 'warn' });
    await waitForOutput(r, BOOT_LINE);
    r.child.kill('SIGINT');
    expect(await r.exited).toEqual({ code: 0, signal: null });
  });

  it('fails to start, naming the port, when the port is taken', async () => {
    const dir = await tempDir();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as net.AddressInfo).port;
    const file = await propertiesFile(dir, { listenHost: '127.0.0.1', listenPort: port, kvConfigPath: join(dir, 'kv.json') });
    const r = run(['-c', file], dir, { ROCKETMQ_TS_LOG_LEVEL: 'silent' });
    expect((await r.exited).code).not.toBe(0);
    expect(r.stderr()).toContain(String(port));
    expect(r.stdout()).not.toContain(BOOT_LINE);
  });
});
