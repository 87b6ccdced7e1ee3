/**
 * LitePullConsumer against the real broker: subscribe with a rebalanced
 * group, poll and commit, a second consumer continuing from the committed
 * offsets, assign with seek, and the async iterator.
 */
import { describe, expect, it } from 'vitest';
import type { MessageQueue, ReceivedMessage } from '../../src/index.js';
import { createTopic, litePullConsumer, producer, realCluster, uniq, waitFor } from './support.js';

async function pollUntil(lc: { poll(ms?: number): Promise<ReceivedMessage[]> }, n: number, what: string): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  const until = Date.now() + 20_000;
  while (out.length < n) {
    if (Date.now() > until) throw new Error(`timed out polling ${what}: ${out.length} of ${n}`);
    out.push(...(await lc.poll(1000)));
  }
  return out;
}

describe('lite pull consumer against the real broker', () => {
  it('subscribes, polls with a tag filter, commits, and a later consumer of the group continues from the commit', async () => {
    const c = await realCluster();
    const topic = uniq('LT');
    await createTopic(c, topic, 2);
    const p = await producer(c);
    for (let i = 0; i < 20; i++) await p.send({ topic, body: `m${i}`, tags: i % 2 === 0 ? 'EVEN' : 'ODD', keys: `k${i}`, properties: { i: String(i) } });
    const group = uniq('LG');
    const lc = litePullConsumer(c, group, { autoCommit: false, pullBatchSize: 3 });
    lc.subscribe(topic, 'EVEN');
    await lc.start();
    const first = await pollUntil(lc, 10, 'the even messages');
    expect(first.map((m) => m.tags)).toEqual(Array(10).fill('EVEN'));
    expect(first.every((m) => m.keys[0] === `k${m.properties['i']}` && m.body.toString() === `m${m.properties['i']}`)).toBe(true);
    expect(new Set(first.map((m) => m.body.toString())).size).toBe(10);
    for (const m of first) expect(m.body.length).toBeGreaterThan(0);
    await lc.commitSync();
    const queues = lc.assignment();
    expect(queues).toHaveLength(2);
    // The committed offset of a queue is the one after the last message polled from it.
    for (const q of queues) {
      const polled = first.filter((m) => m.queueId === q.queueId).map((m) => m.queueOffset);
      if (polled.length > 0) expect(await lc.committed(q)).toBe(Math.max(...polled) + 1);
    }
    await lc.shutdown();

    for (let i = 20; i < 24; i++) await p.send({ topic, body: `m${i}`, tags: 'EVEN' });
    const next = litePullConsumer(c, group, { autoCommit: false });
    next.subscribe(topic, 'EVEN');
    await next.start();
    const rest = await pollUntil(next, 4, 'the new messages');
    expect(rest.map((m) => m.body.toString()).sort()).toEqual(['m20', 'm21', 'm22', 'm23']);
  });

  it('shares the queues of a subscribed topic between two consumers of a group', async () => {
    const c = await realCluster();
    const topic = uniq('LS');
    await createTopic(c, topic, 4);
    const group = uniq('LG');
    const a = litePullConsumer(c, group);
    const b = litePullConsumer(c, group);
    a.subscribe(topic);
    b.subscribe(topic);
    await a.start();
    await b.start();
    await waitFor(() => a.assignment().length === 2 && b.assignment().length === 2, 20_000, 'two queues each');
    const owned = [...a.assignment(), ...b.assignment()].map((q) => q.queueId).sort();
    expect(owned).toEqual([0, 1, 2, 3]);
    const p = await producer(c);
    for (let i = 0; i < 20; i++) await p.send({ topic, body: `m${i}` });
    const got: string[] = [];
    await waitFor(
      async () => {
        const [x, y] = await Promise.all([a.poll(200), b.poll(200)]);
        got.push(...x.map((m) => m.body.toString()), ...y.map((m) => m.body.toString()));
        return got.length >= 20;
      },
      20_000,
      'twenty messages between them',
    );
    expect(got.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
  });

  it('assigns queues explicitly, seeks anywhere, and commits given offsets', async () => {
    const c = await realCluster();
    const topic = uniq('LA');
    await createTopic(c, topic, 2);
    const p = await producer(c);
    const q0 = { topic, brokerName: 'broker-a', queueId: 0 };
    const q1 = { topic, brokerName: 'broker-a', queueId: 1 };
    for (let i = 0; i < 10; i++) await p.send({ topic, body: `a${i}` }, { queue: q0 });
    for (let i = 0; i < 10; i++) await p.send({ topic, body: `b${i}` }, { queue: q1 });
    const group = uniq('LG');
    const lc = litePullConsumer(c, group, { autoCommit: false, pullBatchSize: 5 });
    const fetched = await (async () => {
      await lc.start();
      return lc.fetchMessageQueues(topic);
    })();
    expect(fetched.map((q: MessageQueue) => q.queueId).sort()).toEqual([0, 1]);
    lc.assign([q0]);
    expect(lc.assignment()).toEqual([q0]);
    const a = await pollUntil(lc, 10, 'queue 0');
    expect(a.map((m) => m.body.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`));
    await lc.seek(q0, 7);
    const again = await pollUntil(lc, 3, 'after seek');
    expect(again.map((m) => m.body.toString())).toEqual(['a7', 'a8', 'a9']);
    await lc.seekToBegin(q0);
    expect((await pollUntil(lc, 5, 'from the beginning')).map((m) => m.queueOffset)).toEqual([0, 1, 2, 3, 4]);
    await expect(lc.seek(q0, 11)).rejects.toMatchObject({ code: 'RMQ_ERR_ARGUMENT' });
    await expect(lc.seek(q1, 0)).rejects.toMatchObject({ code: 'RMQ_ERR_STATE' });
    const tsOffset = await lc.offsetForTimestamp(q0, 0);
    expect(tsOffset).toBe(0);

    await lc.commit([[q0, 6]]);
    expect(await lc.committed(q0)).toBe(6);
    // Assigned consumers have no retry topic, so ask the broker directly.
    const progress = await c.admin().getConsumeStats(c.brokers[0]!.address, group, topic);
    expect(progress.offsetTable.find(([q]) => q.queueId === 0)?.[1].consumerOffset).toBe(6);

    // A new assignment replaces the old one; pausing a queue stops it.
    lc.assign([q0, q1]);
    lc.pause([q0]);
    await lc.seekToBegin(q1);
    // (Messages of queue 0 cached before the pause may still come, as in Java.)
    const b: ReceivedMessage[] = [];
    await waitFor(async () => {
      b.push(...(await lc.poll(500)).filter((m) => m.queueId === 1));
      return b.length >= 10;
    }, 20_000, 'queue 1');
    expect(b.map((m) => m.body.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `b${i}`));
    await lc.seekToEnd(q1);
    lc.resume([q0]);
  });

  it('iterates messages with for await until shutdown', async () => {
    const c = await realCluster();
    const topic = uniq('LI');
    await createTopic(c, topic, 2);
    const p = await producer(c);
    const lc = litePullConsumer(c, uniq('LG'), { pollTimeoutMillis: 500 });
    lc.subscribe(topic, '*');
    await lc.start();
    const got: string[] = [];
    const loop = (async () => {
      for await (const m of lc) {
        got.push(m.body.toString());
        if (got.length === 6) break;
      }
    })();
    for (let i = 0; i < 6; i++) await p.send({ topic, body: `it${i}` });
    await loop;
    expect(got.sort()).toEqual(['it0', 'it1', 'it2', 'it3', 'it4', 'it5']);
    // autoCommit commits what was polled (on the next poll after the interval, and at shutdown).
    await lc.shutdown();
    await waitFor(
      async () => {
        const stats = await c.admin().examineConsumeStats(lc.options.group, topic).catch(() => undefined);
        return stats !== undefined && stats.offsetTable.reduce((n, [, o]) => n + o.consumerOffset, 0) === 6;
      },
      20_000,
      'offsets committed by shutdown',
    );
  });
});
