/**
 * The shipped configuration sets (conf/): the files of Apache RocketMQ
 * 4.9.x's distribution/conf, key for key, and mqbroker starts from them.
 * Run `npm run build` first (npm test does).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RequestCode, ResponseCode, createRequest, encodeSendMessageRequestHeaderV2 } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { type StartedNameServer, startNameServer } from '@rocketmq-ts/testkit';
import { readPropertiesFile } from '../src/properties.js';
import { MODE_FILES } from '../src/cluster/topology.js';
import { portFree } from '../src/cluster/layout.js';
import { killAll, tempDir, track, waitFor } from './cluster-helpers.js';

const CONF = fileURLToPath(new URL('../../../conf/', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MQBROKER = fileURLToPath(new URL('../dist/bin/mqbroker.js', import.meta.url));

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  await killAll();
});
afterAll(killAll);

/** Apache RocketMQ 4.9.x distribution/conf: every file and its keys. */
const APACHE: Record<string, Record<string, string>> = {
  'broker.conf': { brokerId: '0', brokerName: 'broker-a', brokerRole: 'ASYNC_MASTER' },
  '2m-noslave/broker-a.properties': { brokerId: '0', brokerName: 'broker-a', brokerRole: 'ASYNC_MASTER' },
  '2m-noslave/broker-b.properties': { brokerId: '0', brokerName: 'broker-b', brokerRole: 'ASYNC_MASTER' },
  '2m-2s-async/broker-a.properties': { brokerId: '0', brokerName: 'broker-a', brokerRole: 'ASYNC_MASTER' },
  '2m-2s-async/broker-a-s.properties': { brokerId: '1', brokerName: 'broker-a', brokerRole: 'SLAVE' },
  '2m-2s-async/broker-b.properties': { brokerId: '0', brokerName: 'broker-b', brokerRole: 'ASYNC_MASTER' },
  '2m-2s-async/broker-b-s.properties': { brokerId: '1', brokerName: 'broker-b', brokerRole: 'SLAVE' },
  '2m-2s-sync/broker-a.properties': { brokerId: '0', brokerName: 'broker-a', brokerRole: 'SYNC_MASTER' },
  '2m-2s-sync/broker-a-s.properties': { brokerId: '1', brokerName: 'broker-a', brokerRole: 'SLAVE' },
  '2m-2s-sync/broker-b.properties': { brokerId: '0', brokerName: 'broker-b', brokerRole: 'SYNC_MASTER' },
  '2m-2s-sync/broker-b-s.properties': { brokerId: '1', brokerName: 'broker-b', brokerRole: 'SLAVE' },
};
// The same in every file: note that even 2m-2s-sync flushes asynchronously (replication is what is synchronous).
const COMMON = { brokerClusterName: 'DefaultCluster', deleteWhen: '04', fileReservedTime: '48', flushDiskType: 'ASYNC_FLUSH' };

interface Run {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function mqbroker(args: string[], cwd: string, env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, [MQBROKER, ...args], { cwd, env: { ...process.env, NAMESRV_ADDR: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, stdout: () => out, stderr: () => err, exited: new Promise((r) => child.on('close', (code, signal) => r({ code, signal }))) };
}

describe('conf/', () => {
  it('holds the files of RocketMQ 4.9 distribution/conf with their keys and values, nothing else', async () => {
    const files: string[] = [];
    for (const entry of await readdir(CONF, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) files.push(join(entry.parentPath, entry.name).slice(CONF.length));
    }
    expect(files.sort()).toEqual(Object.keys(APACHE).sort());
    for (const [file, keys] of Object.entries(APACHE)) {
      expect(await readPropertiesFile(join(CONF, file)), file).toEqual({ ...COMMON, ...keys });
    }
    // The modes use exactly these sets.
    expect(Object.values(MODE_FILES).flat().sort()).toEqual(Object.keys(APACHE).sort());
  });

  it('mqbroker -p reads each file as RocketMQ would, paths relative to the working directory', async () => {
    const home = await tempDir('rmq-conf-home-');
    await Promise.all(
      Object.entries(APACHE).map(async ([file, keys]) => {
        const r = mqbroker(['-c', `conf/${file}`, '-p'], REPO, { HOME: home });
        expect((await r.exited).code, `${file}: ${r.stderr()}`).toBe(0);
        const lines = r.stdout().split('\n');
        for (const [k, v] of Object.entries({ ...COMMON, ...keys })) expect(lines, `${file} ${k}`).toContain(`${k}=${v}`);
        // Nothing set: the Java defaults, as BrokerStartup gives them.
        expect(lines).toContain('listenPort=10911');
        expect(lines).toContain(`storePathRootDir=${join(home, 'store')}`);
        expect(r.stderr(), file).toBe('');
      }),
    );
  });

  it('mqbroker -c conf/2m-2s-sync/broker-a.properties starts a SYNC_MASTER that registers, stores and stops cleanly', { timeout: 60_000 }, async () => {
    const home = await tempDir('rmq-conf-home-');
    const ns: StartedNameServer = await startNameServer();
    cleanups.push(() => ns.close());
    // The file as shipped needs 10909, 10911 and 10912; where something else holds them, the same file with its port moved.
    let file = 'conf/2m-2s-sync/broker-a.properties';
    let port = 10911;
    if (!((await portFree(10909)) && (await portFree(10911)) && (await portFree(10912)))) {
      port = 20_000 + Math.floor(Math.random() * 10_000);
      file = join(home, 'broker-a.properties');
      await writeFile(file, `${await readFile(join(CONF, '2m-2s-sync/broker-a.properties'), 'utf8')}listenPort=${port}\n`);
    }
    const r = mqbroker(['-c', file, '-n', ns.address], REPO, { HOME: home, ROCKETMQ_TS_LOG_LEVEL: 'warn' });
    await waitFor('the boot line', () => r.stdout().includes('boot success') || (r.child.exitCode !== null ? Promise.reject(new Error(r.stderr())) : undefined), 20_000);
    expect(r.stdout()).toMatch(new RegExp(`The broker\\[broker-a, [0-9.]+:${port}\\] boot success\\. serializeType=JSON and name server is ${ns.address}`));
    const live = ns.nameServer.liveBrokers().filter((b) => b.brokerAddr.endsWith(`:${port}`));
    expect(live).toHaveLength(1);

    const client = new RemotingClient();
    cleanups.push(() => client.close());
    const header = encodeSendMessageRequestHeaderV2({ a: 'PG_CONF', b: 'ConfTopic', c: 'TBW102', d: 4, e: 0, f: 0, g: Date.now(), h: 0, i: 'WAIT\u0001true', k: false, m: false });
    // Only loopback: the broker listens on every address, and this test talks to 127.0.0.1.
    const res = await client.invoke(`127.0.0.1:${port}`, createRequest(RequestCode.SEND_MESSAGE_V2, header, Buffer.from('hello')), 5000);
    // A SYNC_MASTER with no slave stores the message and says the slave is missing, as Java.
    expect(res.code, res.remark).toBe(ResponseCode.SLAVE_NOT_AVAILABLE);

    r.child.kill('SIGTERM');
    expect((await r.exited).code, r.stderr()).toBe(0);
    expect(existsSync(join(home, 'store', 'commitlog'))).toBe(true);
    expect(ns.nameServer.liveBrokers().some((b) => b.brokerAddr.endsWith(`:${port}`))).toBe(false);
  });
});
