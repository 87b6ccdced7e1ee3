/**
 * Producer against the real NameServer and broker: every way to send, what
 * arrives at a consumer, delays and timers, retries on another broker with
 * fault isolation, and request-reply.
 */
import { MemoryLogger } from '@rocketmq-ts/common';
import { describe, expect, it } from 'vitest';
import { decodeOffsetMsgId } from '@rocketmq-ts/protocol';
import type { MessageQueue, ReceivedMessage } from '../../src/index.js';
import { createTopic, producer, realCluster, sleep, startedConsumer, uniq, waitFor } from './support.js';

describe('producer against the real broker', () => {
  it('sends sync, async and oneway with tags, keys and properties intact; compresses bodies from the threshold on', async () => {
    const c = await realCluster();
    const topic = uniq('PT');
    await createTopic(c, topic, 2);
    const p = await producer(c, { compressMsgBodyOverHowmuch: 1024 });
    const sync = await p.send({ topic, body: 'sync-body', tags: 'A', keys: ['k1', 'k2'], properties: { color: 'red', n: '1' } });
    expect(sync.sendStatus).toBe('SEND_OK');
    expect(sync.msgId).toMatch(/^[0-9A-F]{32}$/);
    expect(decodeOffsetMsgId(sync.offsetMsgId).address).toBe(c.brokers[0]!.address);
    expect(sync.messageQueue.brokerName).toBe('broker-a');
    const asyncResult = await p.sendAsync({ topic, body: 'async-body', tags: 'B', keys: 'k3' });
    expect(asyncResult.sendStatus).toBe('SEND_OK');
    await p.sendOneway({ topic, body: 'oneway-body', tags: 'C', properties: { via: 'oneway' } });
    const big = 'x'.repeat(5000);
    const bigResult = await p.send({ topic, body: big, tags: 'D' });
    const atThreshold = await p.send({ topic, body: 'y'.repeat(1024), tags: 'E' });
    const below = await p.send({ topic, body: 'z'.repeat(1023), tags: 'F' });

    const got = new Map<string, ReceivedMessage>();
    await startedConsumer(c, uniq('CG'), topic, '*', (m) => {
      got.set(m.body.toString().slice(0, 12), m);
    });
    await waitFor(() => got.size === 6, 20_000, 'six messages');
    const s = got.get('sync-body')!;
    expect(s).toMatchObject({ topic, tags: 'A', keys: ['k1', 'k2'], msgId: sync.msgId, offsetMsgId: sync.offsetMsgId, queueId: sync.messageQueue.queueId, queueOffset: sync.queueOffset });
    expect(s.properties).toMatchObject({ color: 'red', n: '1', TAGS: 'A', KEYS: 'k1 k2', UNIQ_KEY: sync.msgId });
    expect(got.get('async-body')).toMatchObject({ tags: 'B', keys: ['k3'], msgId: asyncResult.msgId });
    expect(got.get('oneway-body')!.properties['via']).toBe('oneway');
    const bigGot = got.get(big.slice(0, 12))!;
    expect(bigGot.body.toString()).toBe(big);
    expect(bigGot.msgId).toBe(bigResult.msgId);
    // The stored record is compressed (sysFlag bit 0) and smaller than the body; the consumer inflated it.
    expect(bigGot.sysFlag & 1).toBe(1);
    expect(got.get('y'.repeat(12))!.sysFlag & 1).toBe(1);
    expect(got.get('y'.repeat(12))!.msgId).toBe(atThreshold.msgId);
    expect(got.get('z'.repeat(12))!.sysFlag & 1).toBe(0);
    expect(got.get('z'.repeat(12))!.msgId).toBe(below.msgId);
    const stored = await c.brokers[0]!.current.broker.store.lookMessageByOffset(decodeOffsetMsgId(bigResult.offsetMsgId).offset);
    expect(stored!.body!.length).toBeLessThan(big.length);
  });

  it('sends a batch as one request: stored together on one queue, each message with its id and properties', async () => {
    const c = await realCluster();
    const topic = uniq('BT');
    await createTopic(c, topic, 4);
    const p = await producer(c);
    const r = await p.sendBatch(Array.from({ length: 5 }, (_, i) => ({ topic, body: `b${i}`, tags: `T${i % 2}`, keys: [`key${i}`], properties: { i: String(i) } })));
    const ids = r.msgId.split(',');
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    const got: ReceivedMessage[] = [];
    await startedConsumer(c, uniq('CG'), topic, '*', (m) => {
      got.push(m);
    });
    await waitFor(() => got.length === 5, 20_000, 'the batch');
    got.sort((a, b) => a.queueOffset - b.queueOffset);
    expect(got.map((m) => m.body.toString())).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(new Set(got.map((m) => m.queueId))).toEqual(new Set([r.messageQueue.queueId]));
    expect(got.map((m) => m.queueOffset)).toEqual([0, 1, 2, 3, 4].map((i) => r.queueOffset + i));
    expect(got.map((m) => m.msgId)).toEqual(ids);
    expect(got.map((m) => m.keys[0])).toEqual(['key0', 'key1', 'key2', 'key3', 'key4']);
    expect(got.map((m) => m.tags)).toEqual(['T0', 'T1', 'T0', 'T1', 'T0']);
    expect(got.map((m) => m.properties['i'])).toEqual(['0', '1', '2', '3', '4']);
  });

  it('sends ordered messages through a selector (and to a given queue) in order on one queue', async () => {
    const c = await realCluster();
    const topic = uniq('OT');
    await createTopic(c, topic, 4);
    const p = await producer(c);
    const selector = (queues: readonly MessageQueue[], _m: unknown, arg: unknown): MessageQueue => queues[Number(arg) % queues.length]!;
    for (let i = 0; i < 20; i++) {
      const r = await p.send({ topic, body: `order-${i % 2}-${i}` }, { selector, arg: i % 2 === 0 ? 6 : 3 });
      expect(r.messageQueue.queueId).toBe(i % 2 === 0 ? 2 : 3);
    }
    const queues = await p.fetchPublishMessageQueues(topic);
    expect(queues.map((q) => q.queueId)).toEqual([0, 1, 2, 3]);
    const toQueue0 = await p.send({ topic, body: 'fixed' }, { queue: queues[0]! });
    expect(toQueue0.messageQueue).toEqual(queues[0]);
    const got = new Map<number, string[]>();
    await startedConsumer(
      c,
      uniq('CG'),
      topic,
      '*',
      (m) => {
        const list = got.get(m.queueId) ?? [];
        list.push(m.body.toString());
        got.set(m.queueId, list);
        return 'SUCCESS';
      },
      { consumeOrderly: true },
    );
    await waitFor(() => [...got.values()].reduce((n, l) => n + l.length, 0) === 21, 20_000, 'all ordered messages');
    expect(got.get(2)).toEqual(Array.from({ length: 10 }, (_, i) => `order-0-${2 * i}`));
    expect(got.get(3)).toEqual(Array.from({ length: 10 }, (_, i) => `order-1-${2 * i + 1}`));
    expect(got.get(0)).toEqual(['fixed']);
  });

  it('delays by level, by TIMER_DELIVER_MS and by TIMER_DELAY_SEC', async () => {
    const c = await realCluster();
    const topic = uniq('DT');
    await createTopic(c, topic, 2);
    const p = await producer(c);
    const arrived = new Map<string, { at: number; msg: ReceivedMessage }>();
    await startedConsumer(c, uniq('CG'), topic, '*', (m) => {
      arrived.set(m.body.toString(), { at: Date.now(), msg: m });
    });
    const sentAt = Date.now();
    await p.send({ topic, body: 'now' });
    await p.send({ topic, body: 'level-2', delayTimeLevel: 2, tags: 'L' });
    const deliverAt = Date.now() + 1500;
    await p.send({ topic, body: 'deliver-ms', deliverTimeMs: deliverAt, keys: 'dk' });
    const secAt = Date.now();
    await p.send({ topic, body: 'delay-sec', delayTimeSec: 1, properties: { p: 'v' } });
    await waitFor(() => arrived.size === 4, 30_000, 'all delayed messages');
    // Level 2 of the test table is 2 s; the broker never delivers early.
    expect(arrived.get('level-2')!.at - sentAt).toBeGreaterThanOrEqual(2000);
    expect(arrived.get('deliver-ms')!.at).toBeGreaterThanOrEqual(deliverAt);
    expect(arrived.get('delay-sec')!.at - secAt).toBeGreaterThanOrEqual(1000);
    // Delivered to the real topic with what the producer set.
    expect(arrived.get('level-2')!.msg).toMatchObject({ topic, tags: 'L' });
    expect(arrived.get('deliver-ms')!.msg.keys).toEqual(['dk']);
    expect(arrived.get('delay-sec')!.msg.properties['p']).toBe('v');
    expect(arrived.get('level-2')!.msg.storeTimestamp - sentAt).toBeGreaterThanOrEqual(2000);
  });

  it('retries a send on the other broker when one is down, and isolates the dead broker with sendLatencyFaultEnable', async () => {
    const c = await realCluster({ brokers: 2 });
    const topic = uniq('FT');
    await createTopic(c, topic, 2);
    // Routes are not refreshed during the test (the first periodic refresh runs right after start, before
    // the topic is known): the producers keep the stopped broker's queues.
    const plainLog = new MemoryLogger();
    const plain = await producer(c, { pollNameServerInterval: 600_000, logger: plainLog, sendMsgTimeout: 10_000 });
    const isolatingLog = new MemoryLogger();
    // Only failures isolate (a slow answer on a loaded machine must not isolate broker-b too).
    const isolating = await producer(c, {
      pollNameServerInterval: 600_000,
      logger: isolatingLog,
      sendMsgTimeout: 10_000,
      sendLatencyFaultEnable: true,
      notAvailableDuration: [0, 0, 0, 0, 0, 0, 600_000],
    });
    await sleep(200);
    const before = await Promise.all([plain, isolating].map(async (p) => (await p.fetchPublishMessageQueues(topic)).map((q) => q.brokerName)));
    for (const names of before) expect(new Set(names)).toEqual(new Set(['broker-a', 'broker-b']));

    await c.brokers[0]!.stop();
    for (const p of [plain, isolating]) {
      for (let i = 0; i < 8; i++) {
        const r = await p.send({ topic, body: `m${i}` });
        expect(r.sendStatus).toBe('SEND_OK');
        expect(r.messageQueue.brokerName).toBe('broker-b');
      }
    }
    const failuresOnA = (log: MemoryLogger): number => log.records.filter((l) => l.msg === 'send failed' && l.fields['broker'] === 'broker-a').length;
    // Without fault isolation every send that picks broker-a first fails there and is retried on broker-b.
    expect(failuresOnA(plainLog)).toBeGreaterThanOrEqual(2);
    // With it, broker-a is not tried again after its first failure (isolated for 10 minutes).
    expect(failuresOnA(isolatingLog)).toBe(1);
    // Nothing reached the stopped broker; broker-b holds all 16.
    const stats = await c.admin().getTopicStatsInfo(c.brokers[1]!.address, topic);
    expect(stats.offsetTable.reduce((n, [, o]) => n + o.maxOffset, 0)).toBe(16);
  });

  it('retries an async send on the other broker when the first one fails', async () => {
    const c = await realCluster({ brokers: 2 });
    const topic = uniq('AT');
    await createTopic(c, topic, 2);
    const log = new MemoryLogger();
    const p = await producer(c, { pollNameServerInterval: 600_000, logger: log, sendMsgTimeout: 10_000 });
    await sleep(200);
    expect(new Set((await p.fetchPublishMessageQueues(topic)).map((q) => q.brokerName))).toEqual(new Set(['broker-a', 'broker-b']));
    await c.brokers[0]!.stop();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => p.sendAsync({ topic, body: `a${i}` })));
    for (const r of results) expect(r.messageQueue.brokerName).toBe('broker-b');
    expect(log.records.filter((l) => l.fields['broker'] === 'broker-a').length).toBeGreaterThan(0);
  });

  it('request-reply: a consumer replies through the broker and request() resolves with the reply', async () => {
    const c = await realCluster();
    const topic = uniq('RT');
    await createTopic(c, topic, 2);
    const requester = await producer(c);
    const replier = await producer(c);
    await startedConsumer(c, uniq('CG'), topic, '*', async (m) => {
      await replier.reply(m, { body: `re:${m.body.toString()}`, properties: { answered: 'yes' } });
    });
    const reply = await requester.request({ topic, body: 'ping', tags: 'Q' }, 15_000);
    expect(reply.body.toString()).toBe('re:ping');
    expect(reply.properties['answered']).toBe('yes');
    const replies = await Promise.all([1, 2, 3].map((i) => requester.request({ topic, body: `n${i}` }, 15_000)));
    expect(replies.map((r) => r.body.toString())).toEqual(['re:n1', 're:n2', 're:n3']);
  });

  it('request-reply over two brokers: each broker pushes the reply to the requester it knows from heartbeats', async () => {
    const c = await realCluster({ brokers: 2 });
    const topic = uniq('RT');
    await createTopic(c, topic, 2);
    const requester = await producer(c);
    const replier = await producer(c);
    await startedConsumer(c, uniq('CG'), topic, '*', async (m) => {
      await replier.reply(m, { body: `re:${m.body.toString()}:${m.brokerName}` });
    });
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => requester.request({ topic, body: `n${i}` }, 15_000)));
    expect(replies.map((r) => r.body.toString().split(':').slice(0, 2).join(':'))).toEqual(Array.from({ length: 8 }, (_, i) => `re:n${i}`));
    expect(new Set(replies.map((r) => r.body.toString().split(':')[2]))).toEqual(new Set(['broker-a', 'broker-b']));
  });

  it('request() times out when nobody replies', async () => {
    const c = await realCluster();
    const topic = uniq('RT');
    await createTopic(c, topic, 1);
    const p = await producer(c);
    await expect(p.request({ topic, body: 'ping' }, 1500)).rejects.toMatchObject({ code: 'RMQ_ERR_TIMEOUT' });
  });
});
