/**
 * Orderly consumption against the real broker: one message at a time per
 * queue under a broker lock (LOCK_BATCH_MQ), order kept through a retry
 * (SUSPEND_CURRENT_QUEUE_A_MOMENT) and across a rebalance that moves queues
 * between members of the group.
 */
import { describe, expect, it } from 'vitest';
import { MixAll } from '@rocketmq-ts/protocol';
import type { MessageQueue, PushConsumer, ReceivedMessage } from '../../src/index.js';
import { createTopic, producer, pushConsumer, realCluster, sleep, uniq, waitFor, waitForQueues } from './support.js';

const byKey = (queues: readonly MessageQueue[], _m: unknown, arg: unknown): MessageQueue => queues[Number(arg) % queues.length]!;

describe('orderly consumer against the real broker', () => {
  it('consumes each queue in order, one message at a time, and retries a suspended message before the next', async () => {
    const c = await realCluster();
    const topic = uniq('OT');
    await createTopic(c, topic, 2, true);
    const p = await producer(c);
    for (let i = 0; i < 20; i++) await p.send({ topic, body: `${i % 2}:${i}` }, { selector: byKey, arg: i % 2 });
    const got = new Map<number, string[]>();
    const busy = new Set<number>();
    let overlap = false;
    let suspended = 0;
    const pc = pushConsumer(c, uniq('CG'), { consumeOrderly: true, suspendCurrentQueueTimeMillis: 100 });
    pc.subscribe(topic, '*', async (m, ctx) => {
      if (busy.has(m.queueId)) overlap = true;
      busy.add(m.queueId);
      await sleep(2);
      busy.delete(m.queueId);
      if (m.body.toString() === '1:7' && suspended < 2) {
        suspended++;
        ctx.suspendCurrentQueueTimeMillis = 50;
        return 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
      }
      got.set(m.queueId, [...(got.get(m.queueId) ?? []), m.body.toString()]);
      return 'SUCCESS';
    });
    await pc.start();
    await waitFor(() => [...got.values()].reduce((n, l) => n + l.length, 0) === 20, 20_000, 'twenty messages');
    expect(overlap).toBe(false);
    expect(suspended).toBe(2);
    for (const [q, list] of got) {
      const idx = list.map((b) => Number(b.split(':')[1]));
      expect(idx, `queue ${q}`).toEqual([...idx].sort((a, b) => a - b));
      expect(idx).toHaveLength(10);
    }
    // The queues are locked by this client on the broker.
    const info = await c.admin().getConsumerRunningInfo(pc.options.group, pc.clientId);
    expect(info.mqTable.filter(([q]) => q.topic === topic).every(([, pq]) => pq.locked)).toBe(true);
  });

  it('keeps per-queue order across a rebalance: a queue moves only after its old owner unlocks it', async () => {
    const c = await realCluster();
    const topic = uniq('OR');
    const queues = 4;
    await createTopic(c, topic, queues, true);
    const group = uniq('CG');
    const p = await producer(c);
    /** Per queue, the sequence numbers in the order they were consumed, across both members. */
    const consumed = new Map<number, number[]>();
    const byMember = new Map<string, number>();
    const listener =
      (who: string) =>
      async (m: ReceivedMessage): Promise<'SUCCESS'> => {
        const seq = Number(m.body.toString().split(':')[1]);
        consumed.set(m.queueId, [...(consumed.get(m.queueId) ?? []), seq]);
        byMember.set(who, (byMember.get(who) ?? 0) + 1);
        // Slow enough that a still has messages cached when b joins.
        await sleep(3);
        return 'SUCCESS';
      };
    const members: PushConsumer[] = [];
    const join = async (who: string): Promise<PushConsumer> => {
      const pc = pushConsumer(c, group, { consumeOrderly: true, pullBatchSize: 4 });
      pc.subscribe(topic, '*', listener(who));
      await pc.start();
      members.push(pc);
      return pc;
    };
    const a = await join('a');
    await waitForQueues(a, topic, queues);
    let sent = 0;
    const sendSome = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++, sent++) await p.send({ topic, body: `${sent % queues}:${sent}` }, { selector: byKey, arg: sent % queues });
    };
    const total = (): number => [...consumed.values()].reduce((n, l) => n + l.length, 0);
    await sendSome(80);
    // b joins while a is busy: half the queues move to b once a has dropped and unlocked them.
    const b = await join('b');
    await sendSome(80);
    await waitForQueues(a, topic, queues / 2, 30_000);
    await waitForQueues(b, topic, queues / 2, 30_000);
    await sendSome(80);
    await waitFor(() => total() >= 240 && new Set([...consumed.values()].flat()).size === 240, 30_000, 'all 240 messages');
    expect(byMember.get('b') ?? 0).toBeGreaterThan(0);
    for (const [q, seqs] of consumed) {
      // Redelivery after a move may repeat a tail of messages, but never goes back past one that came later.
      let highest = -1;
      const firstSeen = new Set<number>();
      for (const s of seqs) {
        if (!firstSeen.has(s)) {
          expect(s, `queue ${q}: ${seqs.join(',')}`).toBeGreaterThan(highest);
          highest = s;
          firstSeen.add(s);
        }
      }
      expect(firstSeen.size).toBe(60);
    }
    // Cleanly handed over: nothing was consumed twice.
    expect(total()).toBe(240);
    expect(members).toHaveLength(2);
  });

  it('keeps order on its queues across a broker restart', async () => {
    const c = await realCluster();
    const topic = uniq('OB');
    await createTopic(c, topic, 2, true);
    const p = await producer(c);
    const got = new Map<number, number[]>();
    const pc = pushConsumer(c, uniq('CG'), { consumeOrderly: true });
    pc.subscribe(topic, '*', (m) => {
      got.set(m.queueId, [...(got.get(m.queueId) ?? []), Number(m.body.toString())]);
      return 'SUCCESS';
    });
    await pc.start();
    await waitForQueues(pc, topic, 2);
    for (let i = 0; i < 20; i++) await p.send({ topic, body: String(i) }, { selector: byKey, arg: i });
    await waitFor(() => [...got.values()].flat().length >= 20, 20_000, 'twenty messages');
    await c.brokers[0]!.restart();
    let sent = 20;
    await waitFor(
      async () => {
        const r = await p.send({ topic, body: String(sent) }, { selector: byKey, arg: sent }).catch(() => undefined);
        if (r !== undefined) sent++;
        return sent >= 40;
      },
      30_000,
      'twenty sends after the restart',
    );
    await waitFor(() => new Set([...got.values()].flat()).size >= 40, 30_000, 'forty messages');
    for (const [q, seqs] of got) {
      const firstSeen = [...new Set(seqs)];
      expect(firstSeen, `queue ${q}`).toEqual([...firstSeen].sort((a, b) => a - b));
    }
    // Still the owner of both queues, locked in its view (the broker's table is renewed by the periodic lockAll, every 20 s as in Java).
    await waitFor(
      async () => {
        const info = await c.admin().getConsumerRunningInfo(pc.options.group, pc.clientId);
        const mine = info.mqTable.filter(([q]) => q.topic === topic);
        return mine.length === 2 && mine.every(([, pq]) => pq.locked);
      },
      20_000,
      'both queues locked',
    );
  });

  it('sends a message still failing after maxReconsumeTimes to the DLQ, and the queue goes on', async () => {
    const c = await realCluster();
    const topic = uniq('OD');
    await createTopic(c, topic, 1, true);
    const p = await producer(c);
    const group = uniq('CG');
    const seen: string[] = [];
    const pc = pushConsumer(c, group, { consumeOrderly: true, maxReconsumeTimes: 2, suspendCurrentQueueTimeMillis: 50 });
    pc.subscribe(topic, '*', (m) => {
      seen.push(`${m.body.toString()}:${m.reconsumeTimes}`);
      return m.body.toString() === 'bad' ? 'SUSPEND_CURRENT_QUEUE_A_MOMENT' : 'SUCCESS';
    });
    await pc.start();
    await waitForQueues(pc, topic, 1);
    const bad = await p.send({ topic, body: 'bad' });
    await p.send({ topic, body: 'next' });
    await waitFor(() => seen.includes('next:0'), 20_000, 'the next message');
    // Orderly retries locally, counting reconsumeTimes; at maxReconsumeTimes it goes to the DLQ (Java's checkReconsumeTimes).
    expect(seen).toEqual(['bad:0', 'bad:1', 'bad:2', 'next:0']);
    const dlq = MixAll.DLQ_GROUP_TOPIC_PREFIX + group;
    await waitFor(
      async () => ((await c.admin().queryMessageByUniqKey(dlq, bad.msgId, 32, 0, Date.now() + 60_000).catch(() => undefined))?.messageList.length ?? 0) > 0,
      20_000,
      'the failed message in the DLQ',
    );
  });
});
