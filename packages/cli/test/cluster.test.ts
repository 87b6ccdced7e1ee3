/**
 * `rocketmq-ts cluster` as an operator uses it: up in the foreground (a
 * child process), status/down/restart from "another terminal" (more child
 * processes), real NameServers and brokers, clients from @rocketmq-ts/client.
 * Run `npm run build` first (npm test does).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Producer, PushConsumer, type ReceivedMessage } from '@rocketmq-ts/client';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { fetchClusterInfo } from '../src/cluster/cluster-list.js';
import { isAlive } from '../src/cluster/state.js';
import { BIN, ClusterRun, FAST_BROKER_PROPS, REPO_ROOT, freePorts, killAll, portArgs, run, tempDir, track, waitFor } from './cluster-helpers.js';

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
});
afterEach(killAll);
afterAll(killAll);

const FAST_CLIENT = { pollNameServerInterval: 1000, heartbeatBrokerInterval: 1000, persistConsumerOffsetInterval: 1000 } as const;

/** Sends `n` messages with one producer; returns their send statuses. */
async function send(namesrvAddr: string, topic: string, n: number): Promise<string[]> {
  const producer = new Producer({ nameServer: namesrvAddr, group: `P_${topic}`, instanceName: `p-${topic}`, ...FAST_CLIENT });
  await producer.start();
  try {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await producer.send({ topic, body: `${topic} ${i}`, tags: 'T' })).sendStatus);
    return out;
  } finally {
    await producer.shutdown();
  }
}

/** Consumes from the first offset until `n` distinct bodies arrived. */
async function consume(namesrvAddr: string, topic: string, n: number, timeoutMs = 20_000): Promise<string[]> {
  const seen = new Set<string>();
  const consumer = new PushConsumer({
    nameServer: namesrvAddr,
    group: `C_${topic}`,
    instanceName: `c-${topic}`,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    ...FAST_CLIENT,
  });
  consumer.subscribe(topic, '*', (m: ReceivedMessage) => void seen.add(m.body.toString()));
  await consumer.start();
  try {
    await waitFor(`${n} messages on ${topic} (have ${seen.size})`, () => seen.size >= n || undefined, timeoutMs);
  } finally {
    await consumer.shutdown();
  }
  return [...seen].sort();
}

/** The ```js block the README marks as the client quick start. */
async function readmeSnippet(): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const m = /<!-- quickstart-client[^>]*-->\s*```js\n([\s\S]*?)```/.exec(readme);
  if (m === null) throw new Error('README.md has no quickstart-client ```js block');
  return m[1]!;
}

const MODES = [
  { mode: 'single', brokers: ['broker-a-0'] },
  { mode: '2m-noslave', brokers: ['broker-a-0', 'broker-b-0'] },
  { mode: '2m-2s-async', brokers: ['broker-a-0', 'broker-a-1', 'broker-b-0', 'broker-b-1'] },
  { mode: '2m-2s-sync', brokers: ['broker-a-0', 'broker-a-1', 'broker-b-0', 'broker-b-1'] },
] as const;

describe('rocketmq-ts cluster up, per mode', () => {
  for (const { mode, brokers } of MODES) {
    it(`${mode}: starts, prints clusterList and NAMESRV_ADDR, takes a send and a consume, and cluster down stops it`, { timeout: 90_000 }, async () => {
      const c = await ClusterRun.up(['--mode', mode, ...FAST_BROKER_PROPS], { namesrvs: 1, brokers: brokers.length });
      const out = c.run.stdout();
      expect(out).toContain(`NAMESRV_ADDR=127.0.0.1:${c.ports.namesrvPort}\n`);
      expect(out).toMatch(/#Cluster Name {5}#Broker Name {12}#BID {2}#Addr {18}#Version {16}#InTPS\(LOAD\) {7}#OutTPS\(LOAD\) #PCWait\(ms\) #Hour #SPACE/);
      brokers.forEach((name, i) => {
        const [, brokerName, id] = /^(.*)-(\d+)$/.exec(name)!;
        const addr = `127.0.0.1:${c.ports.brokerPort + i * c.ports.portStep}`;
        expect(out).toMatch(new RegExp(`DefaultCluster {4}${brokerName} +${id} +${addr.replace(/\./g, '\\.')} +V4_9_4 `));
      });

      // Masters start before slaves, and up waits for replication, so the first send to a SYNC_MASTER finds its slave.
      if (brokers.length === 4) {
        expect(out).toContain('  broker-a-0 replicating to broker-a-1\n');
        expect(out).toContain('  broker-b-0 replicating to broker-b-1\n');
        expect(out.indexOf('broker-b-0 registered')).toBeLessThan(out.indexOf('broker-a-1 registered'));
      }
      const st = await c.state();
      expect(st.state).toBe('running');
      expect(st.mode).toBe(mode);
      expect(st.processes.map((p) => p.name)).toEqual(['namesrv-0', ...brokers]);
      expect(st.processes.every((p) => p.alive)).toBe(true);
      for (const p of st.processes) {
        expect(existsSync(p.config), p.config).toBe(true);
        expect(existsSync(p.log), p.log).toBe(true);
        expect(p.log).toBe(join(c.dataDir, 'logs', `${p.name}.log`));
      }
      // The effective file says where it came from and what the layout added.
      const conf = await readFile(join(c.dataDir, 'conf', 'broker-a-0.properties'), 'utf8');
      expect(conf).toContain(`# From ${mode === 'single' ? 'conf/broker.conf' : `conf/${mode}/broker-a.properties`}`);
      expect(conf).toContain(`listenPort=${c.ports.brokerPort}\n`);
      expect(conf).toContain('brokerIP1=127.0.0.1\n');

      const topic = `Mode_${mode.replace(/-/g, '_')}`;
      if (mode === '2m-2s-sync') {
        // The default mode is what npm start gives, so the README's snippet runs here, as a user would run it.
        const script = await readmeSnippet();
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
          cwd: REPO_ROOT,
          env: { ...process.env, NAMESRV_ADDR: c.namesrvAddr },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        track(child);
        let sout = '';
        let serr = '';
        child.stdout.on('data', (d: Buffer) => (sout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (serr += d.toString()));
        const code = await Promise.race([
          new Promise<number | null>((r) => child.on('exit', (code) => r(code))),
          new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 40_000)),
        ]);
        if (code === 'timeout') child.kill('SIGKILL');
        expect(code, `${sout}\n${serr}`).toBe(0);
        const lines = sout.trim().split('\n');
        const sent = lines.filter((l) => l.startsWith('sent '));
        expect(sent).toHaveLength(10);
        // Without replication a SYNC_MASTER stores the message and says so with SLAVE_NOT_AVAILABLE.
        for (const l of sent) expect(l).toMatch(/^sent SEND_OK [0-9A-F]{32}$/);
        expect(lines.filter((l) => l.startsWith('received ')).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `received Hello RocketMQ ${i}`).sort());
      } else {
        const statuses = await send(c.namesrvAddr, topic, 4);
        expect(statuses).toEqual(['SEND_OK', 'SEND_OK', 'SEND_OK', 'SEND_OK']);
        expect(await consume(c.namesrvAddr, topic, 4)).toEqual([0, 1, 2, 3].map((i) => `${topic} ${i}`));
      }

      const { down, supervisor } = await c.down();
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toContain(`Stopped: namesrv-0, ${brokers.join(', ')}`);
      expect(supervisor).toEqual({ code: 0, signal: null });
      expect(c.run.stdout()).toContain('Stopping the cluster (SIGTERM): brokers first, then NameServers');
      expect(c.run.stdout()).toMatch(/Stopped\.\n$/);
      for (const p of st.processes) expect(isAlive(p.pid, p.startTime), p.name).toBe(false);
      expect(existsSync(join(c.dataDir, 'cluster.json'))).toBe(false);
      // The brokers shut down cleanly: each one's log says so.
      for (const name of brokers) expect(await readFile(join(c.dataDir, 'logs', `${name}.log`), 'utf8')).toContain('"msg":"stopped"');
    });
  }
});

describe('rocketmq-ts cluster from another terminal', () => {
  it('up again changes nothing; a dead process is reported with its exit and log; status and restart; Ctrl-C stops with exit 0', { timeout: 90_000 }, async () => {
    const c = await ClusterRun.up(['--mode', '2m-noslave', ...FAST_BROKER_PROPS], { namesrvs: 1, brokers: 2 });
    const before = await c.state();

    const again = await c.cli(['cluster', 'up', '--mode', '2m-noslave', ...portArgs(c.ports)]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`A cluster already runs from ${c.dataDir} (mode 2m-noslave, supervisor pid ${before.supervisor.pid}, running); nothing changed.`);
    expect(again.stdout).toContain('#Cluster Name');
    const other = await c.cli(['cluster', 'up', '--mode', 'single']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('run rocketmq-ts cluster down first to change it');
    const after = await c.state();
    expect(after.processes.map((p) => p.pid)).toEqual(before.processes.map((p) => p.pid));

    const victim = after.processes.find((p) => p.name === 'broker-b-0')!;
    process.kill(victim.pid!, 'SIGKILL');
    await waitFor('the death report', () => c.run.stderr().includes('bring it back with') || undefined);
    const report = c.run.stderr();
    expect(report).toContain(`broker-b-0 (pid ${victim.pid}) exited: signal SIGKILL`);
    expect(report).toContain(`last lines of ${victim.log}:`);
    expect(report).toMatch(/ {2}\| The broker\[broker-b, 127\.0\.0\.1:\d+\] boot success/);

    const degraded = await c.cli(['cluster', 'status']);
    expect(degraded.code).toBe(1);
    expect(degraded.stdout).toContain('DEGRADED');
    expect(degraded.stdout).toMatch(/broker-b-0 +ASYNC_MASTER +\d+ +127\.0\.0\.1:\d+ +exited \(signal SIGKILL\)/);

    const restarted = await c.cli(['cluster', 'restart', 'broker-b-0']);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stdout).toMatch(/^broker-b-0 is back \(pid \d+\)\n$/);
    const running = await c.cli(['cluster', 'status']);
    expect(running.code, running.stdout).toBe(0);
    expect(running.stdout).toMatch(/broker-b-0 +ASYNC_MASTER +\d+ +127\.0\.0\.1:\d+ +running/);
    expect(running.stdout).toMatch(/DefaultCluster {4}broker-b +0 /);
    const twice = await c.cli(['cluster', 'restart', 'broker-b-0']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('broker-b-0 is running');
    const unknown = await c.cli(['cluster', 'restart', 'broker-z-0']);
    expect(unknown.stderr).toContain('No process broker-z-0; there are namesrv-0, broker-a-0, broker-b-0.');

    const final = await c.state();
    // Ctrl-C in the terminal: SIGINT to the supervisor only (the servers are in their own process groups).
    c.run.child.kill('SIGINT');
    expect(await c.run.exited).toEqual({ code: 0, signal: null });
    expect(c.run.stdout()).toContain('Stopping the cluster (SIGINT)');
    for (const p of final.processes) expect(isAlive(p.pid, p.startTime), p.name).toBe(false);
    const none = await c.cli(['cluster', 'status']);
    expect(none.code).toBe(3);
    expect(none.stdout).toBe(`No cluster runs from ${c.dataDir} (no cluster.json).\n`);
  });

  it('a supervisor killed outright leaves processes that down stops; a stale state file is detected and replaced', { timeout: 90_000 }, async () => {
    const c = await ClusterRun.up(['--mode', 'single', ...FAST_BROKER_PROPS], { namesrvs: 1, brokers: 1 });
    const st = await c.state();
    process.kill(st.supervisor.pid, 'SIGKILL');
    await c.run.exited;

    const orphaned = await c.cli(['cluster', 'status']);
    expect(orphaned.code).toBe(1);
    expect(orphaned.stdout).toContain(`supervisor pid ${st.supervisor.pid} is GONE`);
    const blocked = await c.cli(['cluster', 'up', '--mode', 'single', ...portArgs(c.ports)]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('still run without their supervisor: namesrv-0');
    const stateText = await readFile(join(c.dataDir, 'cluster.json'), 'utf8');

    const down = await c.cli(['cluster', 'down']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain('is gone; stopping its processes directly');
    for (const p of st.processes) expect(isAlive(p.pid, p.startTime), p.name).toBe(false);
    expect(await readFile(join(c.dataDir, 'logs', 'broker-a-0.log'), 'utf8')).toContain('"msg":"stopped"');

    // As after a reboot: the file is there, nothing it names runs.
    await writeFile(join(c.dataDir, 'cluster.json'), stateText);
    const stale = await c.cli(['cluster', 'status']);
    expect(stale.code).toBe(3);
    expect(stale.stdout).toContain('Stale state in');
    const c2 = await ClusterRun.up(['--mode', 'single', ...FAST_BROKER_PROPS], { namesrvs: 1, brokers: 1, dataDir: c.dataDir });
    expect(c2.run.stdout()).toContain(`Removing stale state ${join(c.dataDir, 'cluster.json')}`);
    const { down: d2, supervisor } = await c2.down();
    expect(d2.code).toBe(0);
    expect(supervisor.code).toBe(0);
  });

  it('fails clearly, naming the port, when a port is taken, and leaves no state behind', async () => {
    const dir = await tempDir();
    const ports = await freePorts(1, 1);
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(ports.brokerPort - 2, '127.0.0.1', r));
    try {
      const r = await run(['cluster', 'up', '--mode', 'single', '--data-dir', join(dir, 'data'), ...portArgs(ports)], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `port ${ports.brokerPort - 2} on 127.0.0.1 is in use (wanted for broker-a-0 VIP port (listenPort-2)); stop what uses it or choose other ports with --broker-port`,
      );
      expect(existsSync(join(dir, 'data', 'cluster.json'))).toBe(false);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('refuses bad requests before starting anything, naming what is wrong', async () => {
    const dir = await tempDir();
    const data = join(dir, 'data');
    const bad = join(dir, 'bad.ini');
    await writeFile(bad, '[rocketmq_namesrv]\n10.0.0.1\n[rocketmq_broker]\n10.0.0.3 brokerName=broker-a brokerId\n');
    const [inv, both, mode, prop] = await Promise.all([
      run(['cluster', 'up', '--data-dir', data, '--inventory', bad], dir),
      run(['cluster', 'up', '--data-dir', data, '--inventory', bad, '--mode', 'single'], dir),
      run(['cluster', 'up', '--data-dir', data, '--mode', '3m'], dir),
      run(['cluster', 'up', '--data-dir', data, '--broker-prop', 'brokerRole=MASTER'], dir),
    ]);
    expect([inv.code, inv.stderr]).toEqual([1, `rocketmq-ts: ${bad}:4: expected key=value host variable, got "brokerId"\n`]);
    expect([both.code, both.stderr]).toEqual([1, 'rocketmq-ts: --mode and --inventory exclude each other: an inventory defines the cluster\n']);
    expect(mode.code).toBe(1);
    expect(mode.stderr).toContain("error: option '-m, --mode <mode>' argument '3m' is invalid. Allowed choices are single, 2m-noslave, 2m-2s-async, 2m-2s-sync.");
    expect(prop.code).toBe(1);
    expect(prop.stderr).toContain('broker-a-0: invalid value for brokerRole: "MASTER"; accepted: ASYNC_MASTER, SYNC_MASTER, SLAVE');
    expect(existsSync(join(data, 'cluster.json'))).toBe(false);
  });

  it('a broker that cannot start is reported with its exit and log, and the rest is stopped', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    // A file where the broker's commit log directory goes: the store cannot open.
    await mkdir(join(dir, 'data', 'store', 'broker-a-0'), { recursive: true });
    await writeFile(join(dir, 'data', 'store', 'broker-a-0', 'commitlog'), 'not a directory');
    const ports = await freePorts(1, 1);
    const r = await run(['cluster', 'up', '--mode', 'single', '--data-dir', join(dir, 'data'), ...portArgs(ports)], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cluster up failed: broker-a-0 exited during start-up: code 1\n {2}last lines of .*broker-a-0\.log:\n {2}\| /);
    expect(r.stdout).toContain('namesrv-0 ready');
    expect(existsSync(join(dir, 'data', 'cluster.json'))).toBe(false);
    await waitFor('the NameServer to stop', async () => (await portFreeNow(ports.namesrvPort)) || undefined, 10_000);
  });

  it('an Ansible inventory becomes a loopback cluster: two NameServers, every broker registered with both', { timeout: 90_000 }, async () => {
    const dir = await tempDir();
    const inventory = join(dir, 'hosts.ini');
    await writeFile(
      inventory,
      [
        '[rocketmq_namesrv]',
        '10.0.0.1',
        '10.0.0.2',
        '[rocketmq_broker]',
        '10.0.0.3 brokerName=broker-a brokerId=0 brokerRole=ASYNC_MASTER',
        '10.0.0.4 brokerName=broker-a brokerId=1 brokerRole=SLAVE',
        '[rocketmq_broker:vars]',
        'brokerClusterName=DefaultCluster',
        'flushDiskType=ASYNC_FLUSH',
        '',
      ].join('\n'),
    );
    const c = await ClusterRun.up(['--inventory', inventory, ...FAST_BROKER_PROPS], { namesrvs: 2, brokers: 2, dataDir: join(dir, 'data') });
    expect(c.namesrvAddr).toBe(`127.0.0.1:${c.ports.namesrvPort};127.0.0.1:${c.ports.namesrvPort + 1}`);
    const st = await c.state();
    expect(st.mode).toBe('inventory');
    expect(st.inventory).toBe(inventory);
    expect(st.processes.map((p) => [p.name, p.host])).toEqual([
      ['namesrv-0', '10.0.0.1'],
      ['namesrv-1', '10.0.0.2'],
      ['broker-a-0', '10.0.0.3'],
      ['broker-a-1', '10.0.0.4'],
    ]);
    const conf = await readFile(join(c.dataDir, 'conf', 'broker-a-1.properties'), 'utf8');
    expect(conf).toContain('Stands for inventory host 10.0.0.4.');
    expect(conf).toContain(`# From ${inventory}:6`);
    expect(conf).toContain('brokerRole=SLAVE\n');
    expect(conf).toContain(`namesrvAddr=${c.namesrvAddr}\n`);
    // Each NameServer knows both brokers, and routes from either one work.
    const client = new RemotingClient();
    try {
      for (const addr of c.namesrvAddr.split(';')) {
        const info = await fetchClusterInfo(client, addr, 3000);
        expect([...info.brokerAddrTable.get('broker-a')!.brokerAddrs], addr).toEqual([
          [0, `127.0.0.1:${c.ports.brokerPort}`],
          [1, `127.0.0.1:${c.ports.brokerPort + c.ports.portStep}`],
        ]);
        expect(await send(addr, `Inv_${addr.split(':')[1]!}`, 2)).toEqual(['SEND_OK', 'SEND_OK']);
      }
    } finally {
      await client.close();
    }
    const { down, supervisor } = await c.down();
    expect(down.code).toBe(0);
    expect(supervisor.code).toBe(0);
  });
});

function portFreeNow(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
