/**
 * A master store and a slave store replicating over 127.0.0.1 with the HA
 * service: catch-up from empty, from behind and after a slave restart; the
 * slave's CommitLog byte-identical to the master's and its queues and index
 * built from it; SYNC_MASTER waits and their failure statuses; lag metrics;
 * a slave ahead of a restarted master.
 */
import { cp, readFile, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '@rocketmq-ts/common';
import {
  DefaultHAService,
  type DefaultMessageStore,
  PutMessageStatus,
  ReplicaWaitQueue,
  haStoreOf,
  parseHAOptions,
} from '../src/index.js';
import { makeTmpDir, msg, openStore, sleep } from './helpers.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
});

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function dir(): Promise<string> {
  const t = await makeTmpDir('rmq-ha-pair-');
  cleanups.push(t.cleanup);
  return t.dir;
}

interface Node {
  store: DefaultMessageStore;
  ha: DefaultHAService;
  stop(): Promise<void>;
}

async function node(root: string, role: 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE', ha: Record<string, unknown> = {}, store: Record<string, unknown> = {}): Promise<Node> {
  const s = await openStore(root, { brokerRole: role, slaveTimeout: 1000, ...store });
  const h = new DefaultHAService(
    haStoreOf(s),
    role,
    parseHAOptions({ haListenPort: 0, haListenHost: '127.0.0.1', haSendHeartbeatInterval: 200, haHousekeepingInterval: 3000, haConnectRetryInterval: 100, ...ha }),
  );
  await h.start();
  if (role === 'SYNC_MASTER') s.setReplicaWaiter(h);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await h.shutdown();
    await s.shutdown();
  };
  cleanups.push(stop);
  return { store: s, ha: h, stop };
}

async function commitLogBytes(root: string, upTo: number): Promise<Buffer> {
  const names = (await readdir(join(root, 'commitlog'))).filter((n) => /^\d{20}$/.test(n)).sort();
  const parts: Buffer[] = [];
  for (const n of names) {
    const base = Number(n);
    if (base >= upTo) break;
    parts.push((await readFile(join(root, 'commitlog', n))).subarray(0, Math.min(64 * 1024, upTo - base)));
  }
  return Buffer.concat(parts);
}

async function sameQueues(a: DefaultMessageStore, b: DefaultMessageStore, topic: string, queues: number): Promise<void> {
  for (let q = 0; q < queues; q++) {
    expect(b.getMaxOffsetInQueue(topic, q)).toBe(a.getMaxOffsetInQueue(topic, q));
    for (let off = a.getMinOffsetInQueue(topic, q); off < a.getMaxOffsetInQueue(topic, q); ) {
      const x = await a.getMessage('g', topic, q, off, 32);
      const y = await b.getMessage('g', topic, q, off, 32);
      expect(y.messages.map((m) => m.toString('hex'))).toEqual(x.messages.map((m) => m.toString('hex')));
      off = x.nextBeginOffset;
    }
  }
}

describe('replication between two stores', () => {
  it('catches up from empty and from behind, byte-identical, with queues and index built on the slave', async () => {
    const mDir = await dir();
    const sDir = await dir();
    const master = await node(mDir, 'ASYNC_MASTER');
    for (let i = 0; i < 30; i++) await master.store.putMessage(msg('Pair', i % 3, `before-${i}-` + 'a'.repeat(500), { KEYS: `pk${i}` }));
    // The slave starts behind (empty, master in its first segment): it copies everything from 0.
    const slave = await node(sDir, 'SLAVE', { haMasterAddress: `127.0.0.1:${master.ha.listenPort}` });
    const load = (async () => {
      for (let i = 0; i < 200; i++) await master.store.putMessage(msg('Pair', i % 3, `during-${i}-` + 'b'.repeat(300 + (i % 50)), { KEYS: `dk${i}` }));
    })();
    await load;
    const max = master.store.getMaxPhyOffset();
    expect(max).toBeGreaterThan(64 * 1024); // rolled segments while replicating
    await waitFor('the slave to catch up', () => slave.store.getMaxPhyOffset() === max);
    expect((await commitLogBytes(sDir, max)).equals(await commitLogBytes(mDir, max))).toBe(true);
    await waitFor('slave dispatch', () => slave.store.dispatchBehindBytes() === 0);
    await sameQueues(master.store, slave.store, 'Pair', 3);
    expect((await slave.store.queryMessage('Pair', 'dk123', 4, 0, Date.now() + 60_000)).messages).toHaveLength(1);
    await waitFor('the ack', () => master.ha.slaveFallBehindMuch() === 0);
    const info = master.ha.getRuntimeInfo();
    expect(info.connectionCount).toBe(1);
    expect(info.inSyncSlaveNums).toBe(1);
    expect(info.slaveFallBehindMillis).toBe(0);
    expect(info.replicationLatency.count).toBeGreaterThan(0);
    expect(info.connections[0]!.slaveAckOffset).toBe(max);
    const table = master.ha.runtimeInfoTable();
    expect(table['slaveFallBehindMuch']).toBe('0');
    expect(Number(table['haReplicationLatency99'])).toBeGreaterThanOrEqual(0);
    const sInfo = slave.ha.getRuntimeInfo();
    expect(sInfo.master).toBe(false);
    expect(sInfo.client.connected).toBe(true);
    expect(sInfo.client.reportedOffset).toBe(max);
  });

  it('a restarted slave catches up from where it was; lag grows while it is away', async () => {
    const mDir = await dir();
    const sDir = await dir();
    const master = await node(mDir, 'ASYNC_MASTER');
    let slave = await node(sDir, 'SLAVE', { haMasterAddress: `127.0.0.1:${master.ha.listenPort}` });
    for (let i = 0; i < 50; i++) await master.store.putMessage(msg('Re', i % 2, `one-${i}-` + 'c'.repeat(700)));
    await waitFor('first catch-up', () => slave.store.getMaxPhyOffset() === master.store.getMaxPhyOffset());
    await slave.stop();
    await waitFor('the master to notice', () => master.ha.getRuntimeInfo().connectionCount === 0);
    for (let i = 0; i < 120; i++) await master.store.putMessage(msg('Re', i % 2, `two-${i}-` + 'd'.repeat(700)));
    await sleep(50);
    const behind = master.ha.getRuntimeInfo();
    expect(behind.slaveFallBehindBytes).toBeGreaterThan(0);
    expect(behind.slaveFallBehindMillis).toBeGreaterThan(0);
    slave = await node(sDir, 'SLAVE', { haMasterAddress: `127.0.0.1:${master.ha.listenPort}` });
    const max = master.store.getMaxPhyOffset();
    await waitFor('second catch-up', () => slave.store.getMaxPhyOffset() === max);
    expect((await commitLogBytes(sDir, max)).equals(await commitLogBytes(mDir, max))).toBe(true);
    await waitFor('slave dispatch', () => slave.store.dispatchBehindBytes() === 0);
    await sameQueues(master.store, slave.store, 'Re', 2);
    await waitFor('the ack', () => master.ha.getRuntimeInfo().slaveFallBehindMillis === 0);
  });

  it('SYNC_MASTER answers PUT_OK only once the slave holds the message; SLAVE_NOT_AVAILABLE without a slave; ASYNC_MASTER does not wait', async () => {
    const master = await node(await dir(), 'SYNC_MASTER');
    const lonely = await master.store.putMessage(msg('Sync', 0, 'no slave yet'));
    expect(lonely.status).toBe(PutMessageStatus.SLAVE_NOT_AVAILABLE);
    const slave = await node(await dir(), 'SLAVE', { haMasterAddress: `127.0.0.1:${master.ha.listenPort}` });
    await waitFor('the slave to catch up', () => master.ha.isSlaveOK(master.store.getMaxPhyOffset()) && master.ha.slaveFallBehindMuch() === 0);
    // Many concurrent puts: each answered only when the slave has its bytes.
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        master.store.putMessage(msg('Sync', i % 4, `s${i}`)).then((r) => ({ r, slaveMax: slave.store.getMaxPhyOffset(), acked: master.ha.getRuntimeInfo().push2SlaveMaxOffset })),
      ),
    );
    for (const { r, acked } of results) {
      expect(r.status).toBe(PutMessageStatus.PUT_OK);
      expect(acked).toBeGreaterThanOrEqual(r.wroteOffset + r.wroteBytes);
    }
    expect(slave.store.getMaxPhyOffset()).toBeGreaterThanOrEqual(Math.max(...results.map(({ r }) => r.wroteOffset + r.wroteBytes)));
    // WAIT=false does not wait for the slave.
    expect((await master.store.putMessage(msg('Sync', 0, 'nowait', {}, { waitStoreMsgOK: false }))).status).toBe(PutMessageStatus.PUT_OK);
    // The slave goes away: no slave connected -> SLAVE_NOT_AVAILABLE at once.
    await slave.stop();
    await waitFor('the master to notice', () => master.ha.getRuntimeInfo().connectionCount === 0);
    const t0 = Date.now();
    expect((await master.store.putMessage(msg('Sync', 0, 'gone'))).status).toBe(PutMessageStatus.SLAVE_NOT_AVAILABLE);
    expect(Date.now() - t0).toBeLessThan(1000); // not a slaveTimeout wait (slaveTimeout is 1000 here)

    const asyncMaster = await node(await dir(), 'ASYNC_MASTER');
    expect((await asyncMaster.store.putMessage(msg('Async', 0, 'x'))).status).toBe(PutMessageStatus.PUT_OK);
  });

  it('SYNC_MASTER: a connected slave that stops acking -> FLUSH_SLAVE_TIMEOUT after slaveTimeout; too far behind -> SLAVE_NOT_AVAILABLE', async () => {
    const master = await node(await dir(), 'SYNC_MASTER', { haSlaveFallbehindMax: 20_000 });
    for (let i = 0; i < 5; i++) await master.store.putMessage(msg('Stuck', 0, 'x', {}, { waitStoreMsgOK: false }));
    // A slave that reports once and then never again (paused).
    const sock = net.connect(master.ha.listenPort, '127.0.0.1');
    cleanups.push(async () => sock.destroy());
    sock.on('data', () => undefined);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const report = Buffer.alloc(8);
    report.writeBigInt64BE(BigInt(master.store.getMaxPhyOffset()));
    sock.write(report);
    await waitFor('the report', () => master.ha.getRuntimeInfo().push2SlaveMaxOffset === master.store.getMaxPhyOffset());
    const t0 = Date.now();
    const r = await master.store.putMessage(msg('Stuck', 0, 'waits'));
    expect(r.status).toBe(PutMessageStatus.FLUSH_SLAVE_TIMEOUT);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // slaveTimeout (1000 ms here)
    expect(r.msgId).not.toBe(''); // stored all the same
    // More than haSlaveFallbehindMax behind: not available, answered at once.
    for (let i = 0; i < 30; i++) await master.store.putMessage(msg('Stuck', 0, 'y'.repeat(1000), {}, { waitStoreMsgOK: false }));
    expect(master.ha.isSlaveOK(master.store.getMaxPhyOffset())).toBe(false);
    expect((await master.store.putMessage(msg('Stuck', 0, 'far'))).status).toBe(PutMessageStatus.SLAVE_NOT_AVAILABLE);
  });

  it.each([
    { lost: 'a small tail (the slave finds the master\'s log ends first)', second: 20, size: 10, slaveSays: 'this slave is ahead of its master', masterSays: undefined },
    {
      lost: 'more than VERIFY_TAIL_BYTES (the master refuses the report)',
      second: 100,
      size: 1000,
      slaveSays: 'before sending anything',
      masterSays: 'slave reports a CommitLog offset beyond this master',
    },
  ])('a slave ahead of a restarted master that lost $lost: neither log changes, both conditions are logged', async ({ second, size, slaveSays, masterSays }) => {
    const mDir = await dir();
    const sDir = await dir();
    const snapshot = await dir();
    let master = await node(mDir, 'ASYNC_MASTER');
    const port = master.ha.listenPort;
    const slaveLogs: string[] = [];
    const s = await openStore(sDir, { brokerRole: 'SLAVE' });
    const slaveHa = new DefaultHAService(
      haStoreOf(s),
      'SLAVE',
      parseHAOptions({ haListenPort: 0, haListenHost: '127.0.0.1', haMasterAddress: `127.0.0.1:${port}`, haSendHeartbeatInterval: 200, haConnectRetryInterval: 200 }),
      { logger: captureLogger(slaveLogs) },
    );
    await slaveHa.start();
    cleanups.push(async () => {
      await slaveHa.shutdown();
      await s.shutdown();
    });
    for (let i = 0; i < 20; i++) await master.store.putMessage(msg('Ahead', 0, `first-${i}`));
    await waitFor('replication', () => s.getMaxPhyOffset() === master.store.getMaxPhyOffset());
    // The master's disk as it was here...
    await master.stop();
    await cp(mDir, snapshot, { recursive: true });
    master = await node(mDir, 'ASYNC_MASTER', { haListenPort: port });
    for (let i = 0; i < second; i++) await master.store.putMessage(msg('Ahead', 0, `second-${i}-` + 's'.repeat(size)));
    await waitFor('replication', () => s.getMaxPhyOffset() === master.store.getMaxPhyOffset());
    const slaveEnd = s.getMaxPhyOffset();
    const slaveBytes = await commitLogBytes(sDir, slaveEnd);
    // ...comes back: the master lost the tail the slave has.
    await master.stop();
    await rm(join(mDir, 'commitlog'), { recursive: true, force: true });
    await rm(join(mDir, 'consumequeue'), { recursive: true, force: true });
    await rm(join(mDir, 'index'), { recursive: true, force: true });
    await cp(snapshot, mDir, { recursive: true, force: true });
    const masterLogs: string[] = [];
    const mStore = await openStore(mDir, { brokerRole: 'ASYNC_MASTER' });
    const mHa = new DefaultHAService(haStoreOf(mStore), 'ASYNC_MASTER', parseHAOptions({ haListenPort: port, haListenHost: '127.0.0.1', haSendHeartbeatInterval: 200 }), {
      logger: captureLogger(masterLogs),
    });
    await mHa.start();
    cleanups.push(async () => {
      await mHa.shutdown();
      await mStore.shutdown();
    });
    const masterEnd = mStore.getMaxPhyOffset();
    expect(masterEnd).toBeLessThan(slaveEnd);
    await waitFor('the slave to log it', () => slaveLogs.some((l) => l.includes(slaveSays)), 20_000);
    if (masterSays !== undefined) await waitFor('the master to log it', () => masterLogs.some((l) => l.includes(masterSays)));
    // The master's acks never went past its own log.
    expect(mHa.getRuntimeInfo().push2SlaveMaxOffset).toBeLessThanOrEqual(masterEnd);
    // The master grows past the slave with other messages: the slave refuses it as a divergence.
    for (let i = 0; i < second + 20; i++) await mStore.putMessage(msg('Ahead', 0, `third-${i}-` + 'z'.repeat(size + (i % 7))));
    expect(mStore.getMaxPhyOffset()).toBeGreaterThan(slaveEnd);
    await waitFor('the slave to log the divergence', () => slaveLogs.some((l) => l.includes("the master's log differs from this slave's")), 20_000);
    await sleep(300);
    expect(s.getMaxPhyOffset()).toBe(slaveEnd);
    expect((await commitLogBytes(sDir, slaveEnd)).equals(slaveBytes)).toBe(true);
    // The master's log is its own: the restored messages then the new ones, all valid.
    expect(mStore.getMaxOffsetInQueue('Ahead', 0)).toBe(20 + second + 20);
    const got = await mStore.lookMessageByOffset(await mStore.getCommitLogOffsetInQueue('Ahead', 0, 20));
    expect(got?.body?.toString()).toBe(`third-0-${'z'.repeat(size)}`);
  });
});

describe('ReplicaWaitQueue (GroupTransferService)', () => {
  it('one ack wakes every waiter it covers; one timer expires the rest', async () => {
    let now = 0;
    const q = new ReplicaWaitQueue(() => now);
    const answers: string[] = [];
    const waits = Array.from({ length: 1000 }, (_, i) => q.wait((i + 1) * 100, 50).then((s) => (answers[i] = s)));
    expect(q.length).toBe(1000);
    q.ack(50_000);
    await Promise.resolve();
    await Promise.resolve();
    expect(answers.filter((a) => a === 'PUT_OK')).toHaveLength(500);
    expect(q.length).toBe(500);
    now = 100;
    await waitFor('expiry', () => q.length === 0, 2000);
    await Promise.all(waits);
    expect(answers.slice(500).every((a) => a === 'FLUSH_SLAVE_TIMEOUT')).toBe(true);
    // Already acked: answered at once.
    expect(await q.wait(10, 50)).toBe('PUT_OK');
  });
});

function captureLogger(lines: string[]): Logger {
  const make = (bindings: Record<string, unknown>): Logger => {
    const write = (level: string) => (a: unknown, b?: unknown): void => {
      const m = typeof a === 'string' ? a : typeof b === 'string' ? b : '';
      const obj = typeof a === 'object' ? a : {};
      lines.push(`${level} ${m} ${JSON.stringify({ ...bindings, ...(obj as object) })}`);
    };
    return {
      trace: write('trace'),
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      fatal: write('fatal'),
      child: (b: Record<string, unknown>) => make({ ...bindings, ...b }),
    } as unknown as Logger;
  };
  return make({});
}
