/**
 * Master/slave brokers in-process over 127.0.0.1: the slave learns its master
 * from the NameServer, copies the CommitLog byte for byte, builds its queues
 * and index, serves pulls, refuses writes and pull-carried offset commits,
 * and copies topics, groups, consumer offsets and delay offsets from the
 * master. SYNC_MASTER answers per Java's rules; lag shows in runtime info.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MixAll, RequestCode, ResponseCode, createRequest, decodeKVTable } from '@rocketmq-ts/protocol';
import { BrokerConfigFiles } from '@rocketmq-ts/store';
import type { StartedBroker, StartedNameServer } from '@rocketmq-ts/testkit';
import { bodies, broker, client, nameServer, pullRequest, sendRequest, sleep, waitFor } from './helpers.js';

const HA = { haSendHeartbeatInterval: 300, haConnectRetryInterval: 100, slaveSynchronizeInterval: 200, registerNameServerPeriod: 1000 } as const;

async function pair(role: 'ASYNC_MASTER' | 'SYNC_MASTER', extraMaster: Record<string, unknown> = {}): Promise<{ ns: StartedNameServer; master: StartedBroker; slave: StartedBroker }> {
  const ns = await nameServer();
  const master = await broker({ namesrvAddr: ns.address, config: { brokerName: 'ha-a', brokerRole: role, ...HA, ...extraMaster } });
  const slave = await broker({ namesrvAddr: ns.address, config: { brokerName: 'ha-a', brokerId: 1, brokerRole: 'SLAVE', ...HA } });
  return { ns, master, slave };
}

async function commitLog(dir: string, upTo: number): Promise<Buffer> {
  const names = (await readdir(join(dir, 'commitlog'))).filter((n) => /^\d{20}$/.test(n)).sort();
  const parts: Buffer[] = [];
  for (const n of names) {
    const base = Number(n);
    if (base >= upTo) break;
    const b = await readFile(join(dir, 'commitlog', n));
    parts.push(b.subarray(0, Math.min(b.length, upTo - base)));
  }
  return Buffer.concat(parts);
}

async function runtimeInfo(addr: string): Promise<Map<string, string>> {
  const r = await client().invoke(addr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO, {}), 3000);
  expect(r.code).toBe(ResponseCode.SUCCESS);
  return decodeKVTable(r.body!).table;
}

describe('master and slave brokers', () => {
  it('the slave follows the master it learns from the NameServer: identical CommitLog, its own queues and index, pulls, config sync', async () => {
    const { master, slave } = await pair('ASYNC_MASTER');
    const mb = master.broker;
    // Config the slave must copy.
    await mb.createTopic('HaTopic', 4);
    mb.groups.updateSubscriptionGroupConfig({ ...mb.groups.findSubscriptionGroupConfig('HaGroup')!, retryMaxTimes: 7 });
    mb.offsets.commitOffset('test', 'HaGroup', 'HaTopic', 2, 42);
    // A delivered level-1 (1 s) message moves the master's delay offset for level 1, which the slave copies.
    await mb.createTopic('HaDelay', 1);
    const c = client();
    const delayed = await c.invoke(master.address, sendRequest({ topic: 'HaDelay', queueId: 0, body: 'later', properties: { DELAY: '1' } }), 3000);
    expect(delayed.code, delayed.remark).toBe(ResponseCode.SUCCESS);
    await waitFor(() => mb.store.getMaxOffsetInQueue('HaDelay', 0) === 1, 10_000, 'the delayed message to be delivered');
    for (let i = 0; i < 200; i++) {
      const r = await c.invoke(master.address, sendRequest({ topic: 'HaTopic', queueId: i % 4, body: `m${i}-${'x'.repeat(200)}`, properties: { KEYS: `k${i}` } }), 3000);
      expect(r.code, r.remark).toBe(ResponseCode.SUCCESS);
    }
    const max = mb.store.getMaxPhyOffset();
    await waitFor(() => slave.broker.store.getMaxPhyOffset() === max, 10_000, 'the slave to catch up');
    expect((await commitLog(slave.dir, max)).equals(await commitLog(master.dir, max))).toBe(true);

    // The slave learnt the master's HA address from its registration.
    const slaveHa = slave.broker.haRuntimeInfo()!;
    expect(slaveHa.client.masterAddress).toBe(mb.haServerAddr);
    expect(slaveHa.client.connected).toBe(true);

    // Config sync.
    await waitFor(() => slave.broker.topics.selectTopicConfig('HaTopic') !== undefined, 10_000, 'topic sync');
    await waitFor(() => slave.broker.offsets.queryOffset('HaGroup', 'HaTopic', 2) === 42, 10_000, 'offset sync');
    await waitFor(() => slave.broker.groups.findSubscriptionGroupConfig('HaGroup')?.retryMaxTimes === 7, 10_000, 'group sync');
    await waitFor(async () => (await new BrokerConfigFiles(slave.dir).loadDelayOffsets())?.offsetTable.get(1) === 1, 10_000, 'delay offset sync');
    expect(slave.broker.topics.dataVersion).toEqual(mb.topics.dataVersion);
    expect(slave.broker.slaveSynchronize?.getMasterAddr()).toBe(master.address);

    // Pulls from the slave: the same messages, its own queues and index; the master is suggested (slaveReadEnable=false).
    await waitFor(() => slave.broker.store.getMaxOffsetInQueue('HaTopic', 3) === 50, 5000, 'slave dispatch');
    const fromSlave = await c.invoke(slave.address, pullRequest({ group: 'HaGroup', topic: 'HaTopic', queueId: 3, maxMsgNums: 32 }), 3000);
    const fromMaster = await c.invoke(master.address, pullRequest({ group: 'HaGroup', topic: 'HaTopic', queueId: 3, maxMsgNums: 32 }), 3000);
    expect(fromSlave.code).toBe(ResponseCode.SUCCESS);
    expect(bodies(fromSlave)).toEqual(bodies(fromMaster));
    expect(fromSlave.extFields['suggestWhichBrokerId']).toBe(String(MixAll.MASTER_ID));
    expect((await slave.broker.store.queryMessage('HaTopic', 'k77', 4, 0, Date.now() + 60_000)).messages).toHaveLength(1);

    // A slave refuses writes, and a pull's commitOffset (Java commits only on the master).
    const w = await c.invoke(slave.address, sendRequest({ topic: 'HaTopic', body: 'no' }), 3000);
    expect(w.code).toBe(ResponseCode.SERVICE_NOT_AVAILABLE);
    const before = slave.broker.offsets.queryOffset('HaGroup', 'HaTopic', 3);
    await c.invoke(slave.address, pullRequest({ group: 'HaGroup', topic: 'HaTopic', queueId: 3, commitOffset: 33, suspendMs: 1 }), 3000);
    expect(slave.broker.offsets.queryOffset('HaGroup', 'HaTopic', 3)).toBe(before);

    // Replication state in GET_BROKER_RUNTIME_INFO.
    await waitFor(async () => (await runtimeInfo(master.address)).get('slaveFallBehindMuch') === '0', 5000, 'the ack');
    const mInfo = await runtimeInfo(master.address);
    expect(mInfo.get('haConnectionCount')).toBe('1');
    expect(mInfo.get('haSlaveFallBehindMillis')).toBe('0');
    expect(Number(mInfo.get('haReplicationLatencyCount'))).toBeGreaterThan(0);
    const sInfo = await runtimeInfo(slave.address);
    expect(sInfo.get('haClientConnected')).toBe('true');
    expect(sInfo.get('haSlaveReportedOffset')).toBe(String(max));
  });

  it('SYNC_MASTER: SEND_OK once the slave holds the message, SLAVE_NOT_AVAILABLE once it is gone; ASYNC_MASTER answers at once', async () => {
    const { master, slave } = await pair('SYNC_MASTER');
    const c = client();
    await waitFor(() => (master.broker.haRuntimeInfo()?.connectionCount ?? 0) === 1, 10_000, 'the slave to connect');
    await waitFor(async () => {
      const r = await c.invoke(master.address, sendRequest({ topic: 'SyncT', body: 'probe' }), 3000);
      return r.code === ResponseCode.SUCCESS;
    }, 10_000, 'a first SEND_OK');
    for (let i = 0; i < 50; i++) {
      const r = await c.invoke(master.address, sendRequest({ topic: 'SyncT', queueId: 0, body: `s${i}` }), 3000);
      expect(r.code, r.remark).toBe(ResponseCode.SUCCESS);
      // Answered only after the slave acknowledged it.
      expect(master.broker.haRuntimeInfo()!.push2SlaveMaxOffset).toBeGreaterThanOrEqual(master.broker.store.getMaxPhyOffset());
    }
    await slave.close();
    await waitFor(() => master.broker.haRuntimeInfo()!.connectionCount === 0, 10_000, 'the master to notice');
    const r = await c.invoke(master.address, sendRequest({ topic: 'SyncT', body: 'alone' }), 3000);
    expect(r.code).toBe(ResponseCode.SLAVE_NOT_AVAILABLE);
    // Stored all the same (Java's sendOK = true: the client gets a SendResult with status SLAVE_NOT_AVAILABLE).
    expect(r.extFields['msgId']).toBeDefined();
    await sleep(10);
  });
});
