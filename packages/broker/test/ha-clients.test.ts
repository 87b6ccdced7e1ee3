/**
 * Consumers (the client SDK) and a master/slave pair: pointed to the slave
 * when the master suggests it (suggestWhichBrokerId), and consuming from the
 * slave with the offsets the slave copied while the master is gone.
 */
import { describe, expect, it } from 'vitest';
import { ConsumeConcurrentlyStatus, LitePullConsumer, Producer, PushConsumer } from '@rocketmq-ts/client';
import type { StartedBroker, StartedNameServer } from '@rocketmq-ts/testkit';
import { broker, nameServer, onCleanup, waitFor } from './helpers.js';

const HA = { haSendHeartbeatInterval: 300, haConnectRetryInterval: 100, slaveSynchronizeInterval: 200, registerNameServerPeriod: 1000 } as const;
const CLIENT = { pollNameServerInterval: 300, heartbeatBrokerInterval: 300, persistConsumerOffsetInterval: 200 } as const;
const CONSUMER = { ...CLIENT, pullTimeDelayMillsWhenException: 200, rebalanceInterval: 300 } as const;

async function pair(extra: Record<string, unknown> = {}): Promise<{ ns: StartedNameServer; master: StartedBroker; slave: StartedBroker }> {
  const ns = await nameServer();
  const master = await broker({ namesrvAddr: ns.address, config: { brokerName: 'ha-c', brokerRole: 'ASYNC_MASTER', ...HA, ...extra } });
  const slave = await broker({ namesrvAddr: ns.address, config: { brokerName: 'ha-c', brokerId: 1, brokerRole: 'SLAVE', ...HA, ...extra } });
  return { ns, master, slave };
}

async function producer(ns: string): Promise<Producer> {
  const p = new Producer({ nameServer: ns, group: 'HaPG', ...CLIENT });
  await p.start();
  onCleanup(() => p.shutdown());
  return p;
}

async function consumer(ns: string, group: string, topic: string, got: string[]): Promise<PushConsumer> {
  const c = new PushConsumer({ nameServer: ns, group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', ...CONSUMER });
  c.subscribe(topic, '*', (m) => {
    got.push(m.body.toString());
    return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
  });
  await c.start();
  onCleanup(() => c.shutdown());
  return c;
}

describe('consumers and a master/slave pair', () => {
  it('a consumer reads from the slave when the master suggests it (slaveReadEnable, data no longer "in memory")', async () => {
    const { ns, master, slave } = await pair({ slaveReadEnable: true });
    // Every read counts as far behind: the store's in-memory window is made 0 bytes.
    Object.defineProperty(master.broker.store, 'memoryForInMemory', { value: 0 });
    await master.broker.createTopic('Suggest', 2);
    await waitFor(() => slave.broker.topics.selectTopicConfig('Suggest') !== undefined, 10_000, 'topic sync');
    const p = await producer(ns.address);
    for (let i = 0; i < 60; i++) expect((await p.send({ topic: 'Suggest', body: `s${i}` })).sendStatus).toBe('SEND_OK');
    await waitFor(() => slave.broker.store.getMaxPhyOffset() === master.broker.store.getMaxPhyOffset(), 10_000, 'replication');
    const got: string[] = [];
    await consumer(ns.address, 'SuggestGroup', 'Suggest', got);
    await waitFor(() => new Set(got).size === 60, 20_000, 'all messages');
    // The master answered the first pulls with suggestWhichBrokerId=1; the rest went to the slave.
    expect(slave.broker.store.getStats().getMessageTimesTotalFound).toBeGreaterThan(0);
  });

  it('a LitePullConsumer follows the suggestion too', async () => {
    const { ns, master, slave } = await pair({ slaveReadEnable: true });
    Object.defineProperty(master.broker.store, 'memoryForInMemory', { value: 0 });
    await master.broker.createTopic('SuggestLite', 1);
    await waitFor(() => slave.broker.topics.selectTopicConfig('SuggestLite') !== undefined, 10_000, 'topic sync');
    const p = await producer(ns.address);
    for (let i = 0; i < 40; i++) expect((await p.send({ topic: 'SuggestLite', body: `l${i}` })).sendStatus).toBe('SEND_OK');
    await waitFor(() => slave.broker.store.getMaxPhyOffset() === master.broker.store.getMaxPhyOffset(), 10_000, 'replication');
    const c = new LitePullConsumer({ nameServer: ns.address, group: 'LiteGroup', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pullBatchSize: 4, ...CONSUMER });
    c.subscribe('SuggestLite', '*');
    await c.start();
    onCleanup(() => c.shutdown());
    const got = new Set<string>();
    await waitFor(async () => {
      for (const m of await c.poll(200)) got.add(m.body.toString());
      return got.size === 40;
    }, 20_000, 'all messages');
    expect(slave.broker.store.getStats().getMessageTimesTotalFound).toBeGreaterThan(0);
  });

  it('while the master is gone, consumers keep consuming from the slave, from the offsets the slave copied', async () => {
    const { ns, master, slave } = await pair();
    await master.broker.createTopic('Drain', 2);
    const p = await producer(ns.address);
    for (let i = 0; i < 50; i++) expect((await p.send({ topic: 'Drain', body: `first-${i}` })).sendStatus).toBe('SEND_OK');
    const first: string[] = [];
    const c1 = await consumer(ns.address, 'DrainGroup', 'Drain', first);
    await waitFor(() => new Set(first).size === 50, 20_000, 'the first batch');
    await c1.shutdown(); // persists its offsets to the master
    const committed = (q: StartedBroker): number =>
      [0, 1].reduce((sum, qid) => sum + Math.max(0, q.broker.offsets.queryOffset('DrainGroup', 'Drain', qid)), 0);
    await waitFor(() => committed(master) === 50, 10_000, 'offsets on the master');
    await waitFor(() => committed(slave) === 50, 10_000, 'offsets copied to the slave');

    for (let i = 0; i < 50; i++) expect((await p.send({ topic: 'Drain', body: `second-${i}` })).sendStatus).toBe('SEND_OK');
    await waitFor(() => slave.broker.store.getMaxPhyOffset() === master.broker.store.getMaxPhyOffset(), 10_000, 'replication');
    await master.close();

    const second: string[] = [];
    await consumer(ns.address, 'DrainGroup', 'Drain', second);
    await waitFor(() => new Set(second).size === 50, 20_000, 'the second batch, from the slave');
    expect(second.every((b) => b.startsWith('second-'))).toBe(true);
    expect(slave.broker.store.getStats().getMessageTimesTotalFound).toBeGreaterThan(0);
  });
});
