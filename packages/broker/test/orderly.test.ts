/**
 * Ordered consumption: LOCK_BATCH_MQ / UNLOCK_BATCH_MQ as
 * RebalanceLockManager. An orderly consumer locks its queues and keeps
 * each queue's order; a lock left by a vanished client keeps others out
 * until rocketmq.broker.rebalance.lockMaxLiveTime passes, then another
 * client takes the queue over.
 */
import { describe, expect, it } from 'vitest';
import type { MessageQueue } from '@rocketmq-ts/protocol';
import { RequestCode, ResponseCode, createRequest, decodeLockBatchResponseBody, encodeLockBatchRequestBody } from '@rocketmq-ts/protocol';
import { RebalanceLockManager } from '../src/rebalance/rebalance-lock-manager.js';
import { featureCluster, instanceName, producer, pushConsumer } from './features-helpers.js';
import { client, sleep, waitFor } from './helpers.js';

const byOrderId = (mqs: readonly MessageQueue[], _m: unknown, arg: unknown): MessageQueue => mqs[Number(arg) % mqs.length]!;

describe('ordered consumption', () => {
  it('keeps per-queue order with the queues locked by the consuming client', async () => {
    const cl = await featureCluster();
    const b = cl.broker;
    await b.broker.createTopic('OrderT', 4);
    const p = await producer(cl.nsAddr, 'PG_ORDER');
    const perQueue = new Map<number, number[]>();
    const name = instanceName('orderly');
    await pushConsumer(
      cl.nsAddr,
      'CG_ORDER',
      'OrderT',
      async (m) => {
        const [orderId, seq] = m.body.toString().split(':').map(Number) as [number, number];
        const list = perQueue.get(m.queueId) ?? [];
        list.push(orderId * 1000 + seq);
        perQueue.set(m.queueId, list);
        // Slow, uneven work: order must hold anyway.
        if (seq % 5 === 0) await sleep(5);
      },
      { consumeOrderly: true, instanceName: name },
    );
    const N = 25;
    for (let seq = 0; seq < N; seq++) {
      for (let orderId = 0; orderId < 4; orderId++) await p.send({ topic: 'OrderT', body: `${orderId}:${seq}` }, { selector: byOrderId, arg: orderId });
    }
    await waitFor(() => [...perQueue.values()].reduce((n, l) => n + l.length, 0) >= 4 * N, 20_000, 'every message');
    for (const [queueId, list] of perQueue) {
      expect(list, `queue ${queueId}`).toEqual(Array.from({ length: N }, (_, seq) => queueId * 1000 + seq));
    }
    for (let q = 0; q < 4; q++) {
      expect(b.broker.features.locks.lockHolder('CG_ORDER', { topic: 'OrderT', brokerName: 'broker-f', queueId: q })).toBe(`127.0.0.1@${name}`);
    }
  });

  it('keeps a vanished client\'s lock until lockMaxLiveTime, then another client re-locks the queues and consumes them in order', async () => {
    const LOCK_LIVE_MS = 2000;
    const cl = await featureCluster({ rebalanceLockMaxLiveTime: LOCK_LIVE_MS });
    const b = cl.broker;
    await b.broker.createTopic('OrderExpire', 2);
    const mqs = [0, 1].map((queueId) => ({ topic: 'OrderExpire', brokerName: 'broker-f', queueId }));
    // A client that locks and then disappears without unlocking.
    const c = client();
    const ghostLockedAt = Date.now();
    const locked = await c.invoke(b.address, createRequest(RequestCode.LOCK_BATCH_MQ, {}, encodeLockBatchRequestBody({ consumerGroup: 'CG_EXPIRE', clientId: 'ghost@1', mqSet: mqs })), 3000);
    expect(decodeLockBatchResponseBody(locked.body!).lockOKMQSet).toHaveLength(2);
    await c.close();

    const p = await producer(cl.nsAddr, 'PG_EXPIRE');
    for (let seq = 0; seq < 10; seq++) {
      for (let q = 0; q < 2; q++) await p.send({ topic: 'OrderExpire', body: `${q}:${seq}` }, { selector: byOrderId, arg: q });
    }
    const got: Array<{ queueId: number; seq: number; at: number }> = [];
    const name = instanceName('taker');
    await pushConsumer(
      cl.nsAddr,
      'CG_EXPIRE',
      'OrderExpire',
      (m) => {
        const [, seq] = m.body.toString().split(':').map(Number) as [number, number];
        got.push({ queueId: m.queueId, seq, at: Date.now() });
      },
      { consumeOrderly: true, instanceName: name },
    );
    await waitFor(() => got.length >= 20, 20_000, 'every message after the ghost lock expired');
    // Nothing before the ghost's lock had expired.
    expect(Math.min(...got.map((g) => g.at)) - ghostLockedAt).toBeGreaterThanOrEqual(LOCK_LIVE_MS);
    for (const q of [0, 1]) expect(got.filter((g) => g.queueId === q).map((g) => g.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    for (const mq of mqs) expect(b.broker.features.locks.lockHolder('CG_EXPIRE', mq)).toBe(`127.0.0.1@${name}`);
    // The ghost cannot unlock what is no longer its own, nor lock it back.
    const c2 = client();
    await c2.invoke(b.address, createRequest(RequestCode.UNLOCK_BATCH_MQ, {}, encodeLockBatchRequestBody({ consumerGroup: 'CG_EXPIRE', clientId: 'ghost@1', mqSet: mqs })), 3000);
    const again = await c2.invoke(b.address, createRequest(RequestCode.LOCK_BATCH_MQ, {}, encodeLockBatchRequestBody({ consumerGroup: 'CG_EXPIRE', clientId: 'ghost@1', mqSet: mqs })), 3000);
    expect(again.code).toBe(ResponseCode.SUCCESS);
    expect(decodeLockBatchResponseBody(again.body!).lockOKMQSet).toEqual([]);
  });
});

describe('RebalanceLockManager', () => {
  it('locks per group and client, renews on relock, expires, and unlocks only for the holder', () => {
    let now = 1_000_000;
    const m = new RebalanceLockManager(60_000, undefined, () => now);
    const q0 = { topic: 'T', brokerName: 'b', queueId: 0 };
    const q1 = { topic: 'T', brokerName: 'b', queueId: 1 };
    expect(m.tryLockBatch('G', [q0, q1], 'A')).toEqual([q0, q1]);
    expect(m.tryLockBatch('G', [q0, q1], 'B')).toEqual([]);
    // Another group is independent.
    expect(m.tryLockBatch('G2', [q0], 'B')).toEqual([q0]);
    now += 50_000;
    expect(m.tryLock('G', q0, 'A')).toBe(true); // renews q0 only
    now += 20_000;
    // q1 not renewed for 70 s: expired, B takes it; q0 renewed 20 s ago: still A's.
    expect(m.tryLockBatch('G', [q0, q1], 'B')).toEqual([q1]);
    expect(m.lockHolder('G', q0)).toBe('A');
    expect(m.lockHolder('G', q1)).toBe('B');
    m.unlockBatch('G', [q0, q1], 'B');
    expect(m.lockHolder('G', q0)).toBe('A');
    expect(m.lockHolder('G', q1)).toBeUndefined();
    expect(m.tryLock('G', q1, 'C')).toBe(true);
    // Exactly at the live time it still holds; one millisecond later it is free.
    now += 60_000;
    expect(m.tryLock('G', q1, 'D')).toBe(false);
    now += 1;
    expect(m.tryLock('G', q1, 'D')).toBe(true);
  });
});
