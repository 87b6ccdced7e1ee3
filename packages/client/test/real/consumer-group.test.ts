/**
 * Consumer groups against the real broker: clustering shares queues by the
 * allocation strategy and rebalances when members come and go (the broker's
 * NOTIFY_CONSUMER_IDS_CHANGED, and the periodic rebalance when a topic grows);
 * broadcasting delivers everything to every member and keeps its offsets in
 * a local file that survives a restart.
 */
import { describe, expect, it } from 'vitest';
import { tempDir } from '@rocketmq-ts/testkit';
import { allocateAveragely, allocateAveragelyByCircle, allocateConsistentHash } from '../../src/index.js';
import type { AllocateStrategy, MessageQueue, PushConsumer, ReceivedMessage } from '../../src/index.js';
import { createTopic, onCleanup, onlineClients, producer, pushConsumer, realCluster, uniq, waitFor, waitForQueues } from './support.js';

const key = (q: MessageQueue): string => `${q.brokerName}/${q.queueId}`;
const keys = (qs: readonly MessageQueue[]): string[] => qs.map(key).sort();

describe('consumer groups against the real broker', () => {
  it('clustering: members share the queues, each message is consumed once, and a member leaving or joining rebalances at once', async () => {
    const c = await realCluster();
    const topic = uniq('GT');
    await createTopic(c, topic, 4);
    const group = uniq('CG');
    const got = new Map<string, string[]>();
    const listener =
      (who: string) =>
      (m: ReceivedMessage): void => {
        got.set(m.body.toString(), [...(got.get(m.body.toString()) ?? []), who]);
      };
    // No periodic rebalance during the test: only the broker's notification can move queues.
    const slow = { rebalanceInterval: 600_000 };
    const a = pushConsumer(c, group, slow).subscribe(topic, '*', listener('a'));
    await a.start();
    await waitForQueues(a, topic, 4);
    const b = pushConsumer(c, group, slow).subscribe(topic, '*', listener('b'));
    await b.start();
    // a hears NOTIFY_CONSUMER_IDS_CHANGED when b's heartbeat registers it, and gives two queues away.
    await waitForQueues(a, topic, 2);
    await waitForQueues(b, topic, 2);
    expect(new Set([...keys(a.assignment().filter((q) => q.topic === topic)), ...keys(b.assignment().filter((q) => q.topic === topic))]).size).toBe(4);
    expect(await onlineClients(c, group)).toEqual([a.clientId, b.clientId].sort());
    expect(a.clientId).not.toBe(b.clientId);

    const p = await producer(c);
    for (let i = 0; i < 40; i++) await p.send({ topic, body: `m${i}` });
    await waitFor(() => got.size === 40, 20_000, '40 messages');
    const by = { a: 0, b: 0 };
    for (const who of got.values()) {
      expect(who).toHaveLength(1);
      by[who[0] as 'a' | 'b']++;
    }
    expect(by.a).toBeGreaterThan(0);
    expect(by.b).toBeGreaterThan(0);

    // b leaves (unregisters on shutdown): a owns everything again without waiting for a periodic rebalance.
    await b.shutdown();
    await waitForQueues(a, topic, 4);
    for (let i = 40; i < 60; i++) await p.send({ topic, body: `m${i}` });
    await waitFor(() => got.size === 60, 20_000, '60 messages');
    for (let i = 40; i < 60; i++) expect(got.get(`m${i}`)).toEqual(['a']);
  });

  it('loses nothing while members join and leave during a steady flow of messages', async () => {
    const c = await realCluster({ brokers: 2 });
    const topic = uniq('GF');
    await createTopic(c, topic, 4);
    const group = uniq('CG');
    const seen = new Set<string>();
    let deliveries = 0;
    const listener = (m: ReceivedMessage): void => {
      seen.add(m.body.toString());
      deliveries++;
    };
    const a = pushConsumer(c, group).subscribe(topic, '*', listener);
    await a.start();
    await waitForQueues(a, topic, 8);
    const p = await producer(c);
    let sent = 0;
    const sendSome = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await p.send({ topic, body: `m${sent++}` });
    };
    await sendSome(50);
    const b = pushConsumer(c, group).subscribe(topic, '*', listener);
    await b.start();
    await sendSome(50);
    const d = pushConsumer(c, group).subscribe(topic, '*', listener);
    await d.start();
    await sendSome(50);
    await waitForQueues(d, topic, 2, 20_000);
    await b.shutdown();
    await sendSome(50);
    await d.shutdown();
    await sendSome(50);
    await waitForQueues(a, topic, 8, 20_000);
    await waitFor(() => seen.size === sent, 30_000, `all ${sent} messages`);
    // At-least-once: a queue moving between members may repeat a few messages, never drop one.
    expect(deliveries).toBeGreaterThanOrEqual(sent);
  });

  it.each([
    ['AVG', allocateAveragely],
    ['AVG_BY_CIRCLE', allocateAveragelyByCircle],
    ['CONSISTENT_HASH', allocateConsistentHash],
  ] as const)('allocates with %s exactly as the strategy says for the members the broker lists', async (name, allocate) => {
    const c = await realCluster({ brokers: 2 });
    const topic = uniq('AT');
    await createTopic(c, topic, 3);
    const group = uniq('CG');
    const members: PushConsumer[] = [];
    for (let i = 0; i < 3; i++) {
      const pc = pushConsumer(c, group, { allocateMessageQueueStrategy: name as AllocateStrategy });
      pc.subscribe(topic, '*', () => undefined);
      await pc.start();
      members.push(pc);
    }
    const cids = members.map((m) => m.clientId).sort();
    await waitFor(async () => (await onlineClients(c, group)).length === 3, 15_000, 'three members');
    const mqAll: MessageQueue[] = [];
    for (const brokerName of ['broker-a', 'broker-b']) for (let q = 0; q < 3; q++) mqAll.push({ topic, brokerName, queueId: q });
    const expected = members.map((m) => keys(allocate(group, m.clientId, mqAll, cids)));
    expect(expected.flat().sort()).toEqual(keys(mqAll));
    await waitFor(
      () => members.every((m, i) => JSON.stringify(keys(m.assignment().filter((q) => q.topic === topic))) === JSON.stringify(expected[i])),
      20_000,
      `the ${name} allocation`,
    );
  });

  it('rebalances periodically: queues added to a topic are picked up by the next route refresh and rebalance', async () => {
    const c = await realCluster();
    const topic = uniq('GT');
    await createTopic(c, topic, 2);
    const pc = pushConsumer(c, uniq('CG'));
    const got = new Set<number>();
    pc.subscribe(topic, '*', (m) => {
      got.add(m.queueId);
    });
    await pc.start();
    await waitForQueues(pc, topic, 2);
    await createTopic(c, topic, 6);
    await waitForQueues(pc, topic, 6);
    const p = await producer(c);
    for (let q = 0; q < 6; q++) await p.send({ topic, body: `q${q}` }, { queue: { topic, brokerName: 'broker-a', queueId: q } });
    await waitFor(() => got.size === 6, 20_000, 'a message from each of the six queues');
  });

  it('broadcasting: every member gets every message; offsets live in a local file and survive a restart', async () => {
    const c = await realCluster();
    const topic = uniq('BT');
    await createTopic(c, topic, 2);
    const dir = await tempDir('rmq-offsets-');
    onCleanup(() => dir.remove());
    const group = uniq('BG');
    const gotA: string[] = [];
    const gotB: string[] = [];
    const broadcasting = (instanceName: string) => ({ messageModel: 'BROADCASTING' as const, offsetStoreDir: dir.dir, instanceName });
    const a = pushConsumer(c, group, broadcasting('bc-a')).subscribe(topic, '*', (m) => {
      gotA.push(m.body.toString());
    });
    const b = pushConsumer(c, group, broadcasting('bc-b')).subscribe(topic, '*', (m) => {
      gotB.push(m.body.toString());
    });
    await a.start();
    await b.start();
    await waitForQueues(a, topic, 2);
    await waitForQueues(b, topic, 2);
    const p = await producer(c);
    for (let i = 0; i < 10; i++) await p.send({ topic, body: `first-${i}` });
    await waitFor(() => gotA.length === 10 && gotB.length === 10, 20_000, 'ten messages at both members');
    expect(gotA.sort()).toEqual(gotB.sort());
    // Shutdown writes the file; nothing goes to the broker's offset table.
    await a.shutdown();
    const progress = await c.admin().examineConsumeStats(group).catch(() => undefined);
    expect(progress?.offsetTable.filter(([q]) => q.topic === topic) ?? []).toHaveLength(0);

    for (let i = 0; i < 5; i++) await p.send({ topic, body: `second-${i}` });
    // A new instance with the same name and dir resumes where a stopped, even though it would start from the first offset.
    const again: string[] = [];
    const a2 = pushConsumer(c, group, broadcasting('bc-a')).subscribe(topic, '*', (m) => {
      again.push(m.body.toString());
    });
    await a2.start();
    await waitFor(() => again.length >= 5, 20_000, 'the five new messages');
    await waitFor(() => gotB.length === 15, 20_000, 'b got the new ones too');
    expect(again.sort()).toEqual(['second-0', 'second-1', 'second-2', 'second-3', 'second-4']);
  });
});
