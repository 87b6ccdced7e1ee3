/**
 * Client over TCP against the FAKE cluster in support/fake-cluster.ts (not
 * the project's broker): what the client sends and how it reacts to answers.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RmqError } from '@rocketmq-ts/common';
import {
  RequestCode,
  ResponseCode,
  SerializeType,
  createRequest,
  decodeConsumeMessageDirectlyResult,
  decodeConsumerRunningInfo,
  decodeGetConsumerStatusBody,
  encodeConsumeMessageDirectlyResultRequestHeader,
  encodeGetConsumerRunningInfoRequestHeader,
  encodeGetConsumerStatusRequestHeader,
  encodeResetOffsetBody,
  encodeResetOffsetRequestHeader,
} from '@rocketmq-ts/protocol';
import type { MessageQueue } from '@rocketmq-ts/protocol';
import { LitePullConsumer, Producer, PushConsumer, TransactionProducer } from '../src/index.js';
import type { ReceivedMessage } from '../src/index.js';
import { FakeCluster, waitFor } from './support/fake-cluster.js';

const fast = { heartbeatBrokerInterval: 200, persistConsumerOffsetInterval: 100, pollNameServerInterval: 500 };
let seq = 0;
const uniq = (p: string): string => `${p}${process.pid}x${seq++}`;

let cluster: FakeCluster | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await cluster?.close();
  cluster = undefined;
});

async function startCluster(topics: Record<string, { queues: number; brokers?: string[] }>, brokers = 1): Promise<FakeCluster> {
  cluster = await FakeCluster.start({ brokers, topics });
  return cluster;
}

async function producer(c: FakeCluster, extra: Record<string, unknown> = {}): Promise<Producer> {
  const p = new Producer({ nameServer: c.nameServer, group: uniq('pg'), instanceName: uniq('p'), ...fast, ...extra });
  await p.start();
  cleanups.push(() => p.shutdown());
  return p;
}

function consumer(c: FakeCluster, group: string, extra: Record<string, unknown> = {}): PushConsumer {
  const pc = new PushConsumer({ nameServer: c.nameServer, group, instanceName: uniq('c'), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', rebalanceInterval: 300, ...fast, ...extra });
  cleanups.push(() => pc.shutdown());
  return pc;
}

describe('producer and push consumer over the wire (fake broker)', () => {
  it('sends and consumes with tags, keys, properties and compressed bodies intact, and commits offsets', async () => {
    const c = await startCluster({ T: { queues: 2 } });
    const p = await producer(c);
    const big = 'x'.repeat(10_000);
    const r = await p.send({ topic: 'T', body: 'hi', tags: 'A', keys: ['k1', 'k2'], properties: { x: '1' } });
    expect(r.sendStatus).toBe('SEND_OK');
    expect(r.msgId).toHaveLength(32);
    expect(r.offsetMsgId).toHaveLength(32);
    expect(r.messageQueue.topic).toBe('T');
    expect(r.regionId).toBe('DefaultRegion');
    await p.send({ topic: 'T', body: big, tags: 'B' });
    await p.send({ topic: 'T', body: 'skip', tags: 'C' });
    const stored = c.brokers[0]!.messages('T');
    expect(stored.find((m) => m.properties['TAGS'] === 'B')!.sysFlag & 1).toBe(1);

    const got: ReceivedMessage[] = [];
    const group = uniq('cg');
    const pc = consumer(c, group);
    pc.subscribe('T', 'A || B', (m) => {
      got.push(m);
    });
    await pc.start();
    await waitFor(() => got.length === 2, 10_000, 'two messages');
    const a = got.find((m) => m.tags === 'A')!;
    expect(a.body.toString()).toBe('hi');
    expect(a.keys).toEqual(['k1', 'k2']);
    expect(a.properties['x']).toBe('1');
    expect(a.msgId).toBe(r.msgId);
    expect(got.find((m) => m.tags === 'B')!.body.toString()).toBe(big);
    // Offsets reach the broker (periodic UPDATE_CONSUMER_OFFSET or piggy-backed on a pull).
    const q = r.messageQueue.queueId;
    await waitFor(() => (c.brokers[0]!.offsets.get(`${group}@T@${q}`) ?? 0) >= 1, 5000, 'offset commit');
  });

  it('sends a batch as one SEND_BATCH_MESSAGE with every message id', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const p = await producer(c);
    const r = await p.sendBatch([
      { topic: 'T', body: 'a', tags: 't1' },
      { topic: 'T', body: 'b', keys: 'k' },
    ]);
    expect(r.msgId.split(',')).toHaveLength(2);
    expect(c.brokers[0]!.codes).toContain(RequestCode.SEND_BATCH_MESSAGE);
    expect(c.brokers[0]!.messages('T').map((m) => m.body.toString())).toEqual(['a', 'b']);
  });

  it('retries a retriable failure on another broker and gives up at once on a non-retriable one', async () => {
    const c = await startCluster({ T: { queues: 1 } }, 2);
    const p = await producer(c);
    c.brokers[0]!.sendFault = { code: ResponseCode.SYSTEM_BUSY, times: 100 };
    for (let i = 0; i < 4; i++) {
      const r = await p.send({ topic: 'T', body: `m${i}` });
      expect(r.messageQueue.brokerName).toBe('broker-b');
    }
    c.brokers[0]!.sendFault = { code: ResponseCode.MESSAGE_ILLEGAL, times: 100 };
    c.brokers[1]!.sendFault = { code: ResponseCode.MESSAGE_ILLEGAL, times: 100 };
    const before = c.brokers[0]!.codes.length + c.brokers[1]!.codes.length;
    const err = await p.send({ topic: 'T', body: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RmqError);
    expect((err as RmqError).responseCode).toBe(ResponseCode.MESSAGE_ILLEGAL);
    expect((err as RmqError).retriable).toBe(false);
    expect(c.brokers[0]!.codes.length + c.brokers[1]!.codes.length - before).toBe(1);
  });

  it('isolates a failing broker with sendLatencyFaultEnable', async () => {
    const c = await startCluster({ T: { queues: 2 } }, 2);
    const p = await producer(c, { sendLatencyFaultEnable: true });
    c.brokers[0]!.sendFault = { code: ResponseCode.SYSTEM_ERROR, times: 1 };
    const brokers: string[] = [];
    for (let i = 0; i < 8; i++) brokers.push((await p.send({ topic: 'T', body: `m${i}` })).messageQueue.brokerName);
    expect(c.brokers[0]!.sendFault.times).toBe(0);
    // After its one failure broker-a is isolated for 10 minutes.
    expect(brokers.slice(1).every((b) => b === 'broker-b')).toBe(true);
  });

  it('sends through a selector to one queue, oneway and async', async () => {
    const c = await startCluster({ T: { queues: 4 } });
    const p = await producer(c);
    const selector = (qs: readonly MessageQueue[], _m: unknown, arg: unknown): MessageQueue => qs[Number(arg) % qs.length]!;
    for (let i = 0; i < 5; i++) expect((await p.send({ topic: 'T', body: `o${i}` }, { selector, arg: 6 })).messageQueue.queueId).toBe(2);
    const queues = await p.fetchPublishMessageQueues('T');
    expect((await p.send({ topic: 'T', body: 'q' }, { queue: queues[3]! })).messageQueue.queueId).toBe(3);
    await p.sendOneway({ topic: 'T', body: 'ow' });
    expect((await p.sendAsync({ topic: 'T', body: 'as' })).sendStatus).toBe('SEND_OK');
    await waitFor(() => c.brokers[0]!.messages('T').some((m) => m.body.toString() === 'ow'), 3000, 'oneway message');
    expect(c.brokers[0]!.queue('T', 2).map((m) => m.body.toString()).filter((b) => b.startsWith('o') && b !== 'ow')).toEqual(['o0', 'o1', 'o2', 'o3', 'o4']);
  });

  it('rejects invalid messages before sending', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const p = await producer(c, { maxMessageSize: 10 });
    await expect(p.send({ topic: 'T', body: '' })).rejects.toThrow(/length is zero/);
    await expect(p.send({ topic: 'T', body: 'x'.repeat(11) })).rejects.toThrow(/over max value/);
    await expect(p.send({ topic: 'bad topic', body: 'x' })).rejects.toThrow(/illegal characters/);
    await expect(p.send({ topic: 'Missing', body: 'x' })).rejects.toThrow(/No route info/);
    expect(c.brokers[0]!.codes.filter((x) => x === RequestCode.SEND_MESSAGE_V2)).toHaveLength(0);
  });

  it('sends a failed message back and consumes it again from the retry topic under its original topic', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const p = await producer(c);
    await p.send({ topic: 'T', body: 'retry-me', tags: 'A' });
    const seen: ReceivedMessage[] = [];
    const pc = consumer(c, uniq('cg'));
    pc.subscribe('T', '*', (m) => {
      seen.push(m);
      if (seen.length === 1) throw new Error('first attempt fails');
    });
    await pc.start();
    await waitFor(() => seen.length === 2, 15_000, 'redelivery');
    expect(c.brokers[0]!.sendBacks).toHaveLength(1);
    expect(c.brokers[0]!.sendBacks[0]!.delayLevel).toBe(0);
    expect(seen[1]!.topic).toBe('T');
    expect(seen[1]!.reconsumeTimes).toBe(1);
    expect(seen[1]!.body.toString()).toBe('retry-me');
  });

  it('resends to the retry topic itself when CONSUMER_SEND_MSG_BACK fails', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const p = await producer(c);
    await p.send({ topic: 'T', body: 'fallback' });
    c.brokers[0]!.sendBackFailCode = ResponseCode.SYSTEM_ERROR;
    const group = uniq('cg');
    const seen: ReceivedMessage[] = [];
    const pc = consumer(c, group);
    pc.subscribe('T', '*', (m) => {
      seen.push(m);
      return seen.length === 1 ? 'RECONSUME_LATER' : undefined;
    });
    await pc.start();
    await waitFor(() => seen.length === 2, 15_000, 'redelivery through the inner producer');
    const retried = c.brokers[0]!.messages(`%RETRY%${group}`)[0]!;
    expect(retried.reconsumeTimes).toBe(1);
    expect(retried.properties['RETRY_TOPIC']).toBe('T');
    expect(seen[1]!.topic).toBe('T');
  });

  it('commits a transaction when the broker checks back', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const group = uniq('tx');
    const checked: string[] = [];
    const p = new TransactionProducer({
      nameServer: c.nameServer,
      group,
      instanceName: uniq('tp'),
      ...fast,
      checkLocalTransaction: (m) => {
        checked.push(m.transactionId ?? '');
        return 'COMMIT_MESSAGE';
      },
    });
    await p.start();
    cleanups.push(() => p.shutdown());
    const r = await p.sendMessageInTransaction({ topic: 'T', body: 'tx', tags: 'A' }, () => 'UNKNOW');
    expect(r.localTransactionState).toBe('UNKNOW');
    expect(c.brokers[0]!.messages('T')).toHaveLength(0);
    await waitFor(() => c.brokers[0]!.messages('T').length === 1, 5000, 'commit after check-back');
    expect(checked).toEqual([r.msgId]);
    const ends = c.brokers[0]!.endTransactions;
    expect(ends[0]).toMatchObject({ commitOrRollback: 0, producerGroup: group, msgId: r.msgId });
    expect(ends[1]).toMatchObject({ commitOrRollback: 8, fromTransactionCheck: true });
    expect(c.brokers[0]!.messages('T')[0]!.properties['TRAN_MSG']).toBeUndefined();

    const rolled = await p.sendMessageInTransaction({ topic: 'T', body: 'no' }, () => 'ROLLBACK_MESSAGE');
    expect(rolled.localTransactionState).toBe('ROLLBACK_MESSAGE');
    const committed = await p.sendMessageInTransaction({ topic: 'T', body: 'yes' }, async () => 'COMMIT_MESSAGE' as const);
    expect(committed.localTransactionState).toBe('COMMIT_MESSAGE');
    await waitFor(() => c.brokers[0]!.messages('T').length === 2, 3000, 'direct commit');
    expect(c.brokers[0]!.messages('T').map((m) => m.body.toString())).toEqual(['tx', 'yes']);
  });

  it('request-reply: the consumer replies and the requester resolves', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const requester = await producer(c);
    const replier = await producer(c);
    const pc = consumer(c, uniq('cg'));
    pc.subscribe('T', '*', async (m) => {
      await replier.reply(m, { body: `re:${m.body.toString()}` });
    });
    await pc.start();
    const reply = await requester.request({ topic: 'T', body: 'ping' }, 8000);
    expect(reply.body.toString()).toBe('re:ping');
    expect(c.brokers[0]!.codes).toContain(RequestCode.SEND_REPLY_MESSAGE_V2);
    await expect(requester.request({ topic: 'T2', body: 'x' }, 300)).rejects.toThrow();
  });

  it('request() times out when nobody replies', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const p = await producer(c);
    const err = await p.request({ topic: 'T', body: 'ping' }, 300).catch((e: unknown) => e);
    expect((err as RmqError).code).toBe('RMQ_ERR_TIMEOUT');
  });

  it('rebalances queues between two consumers of a group', async () => {
    const c = await startCluster({ T: { queues: 4 } });
    const group = uniq('cg');
    const c1 = consumer(c, group);
    c1.subscribe('T', '*', () => undefined);
    await c1.start();
    await waitFor(() => c1.assignment().filter((q) => q.topic === 'T').length === 4, 5000, 'c1 owns all');
    const c2 = consumer(c, group);
    c2.subscribe('T', '*', () => undefined);
    await c2.start();
    await waitFor(
      () => c1.assignment().filter((q) => q.topic === 'T').length === 2 && c2.assignment().filter((q) => q.topic === 'T').length === 2,
      8000,
      'split 2/2',
    );
    const all = [...c1.assignment(), ...c2.assignment()].filter((q) => q.topic === 'T').map((q) => q.queueId).sort();
    expect(all).toEqual([0, 1, 2, 3]);
    await c2.shutdown();
    await waitFor(() => c1.assignment().filter((q) => q.topic === 'T').length === 4, 8000, 'c1 owns all again');
  });

  it('consumes orderly, one queue in order, holding broker locks', async () => {
    const c = await startCluster({ T: { queues: 2 } });
    const p = await producer(c);
    const group = uniq('cg');
    for (let i = 0; i < 20; i++) await p.send({ topic: 'T', body: String(i) }, { selector: (qs) => qs[i % 2]!, arg: i });
    const perQueue = new Map<number, number[]>();
    let failedOnce = false;
    const pc = consumer(c, group, { consumeOrderly: true, suspendCurrentQueueTimeMillis: 50 });
    pc.subscribe('T', '*', async (m) => {
      if (m.body.toString() === '5' && !failedOnce) {
        failedOnce = true;
        return 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
      }
      await new Promise((r) => setTimeout(r, 2));
      const list = perQueue.get(m.queueId) ?? [];
      list.push(Number(m.body.toString()));
      perQueue.set(m.queueId, list);
      return 'SUCCESS';
    });
    await pc.start();
    await waitFor(() => [...perQueue.values()].reduce((n, l) => n + l.length, 0) === 20, 10_000, 'all orderly');
    for (const list of perQueue.values()) expect(list).toEqual([...list].sort((x, y) => x - y));
    expect([...c.brokers[0]!.locks.values()].every((l) => l.clientId === pc.clientId)).toBe(true);
    expect(c.brokers[0]!.locks.size).toBeGreaterThanOrEqual(2);
    await pc.shutdown();
    expect(c.brokers[0]!.locks.size).toBe(0);
  });

  it('caps running listeners at consumeThreadMax and stops pulling a queue whose cache is full', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const p = await producer(c);
    await p.sendBatch(Array.from({ length: 40 }, (_, i) => ({ topic: 'T', body: `m${i}` })));
    let running = 0;
    let maxRunning = 0;
    let done = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const pc = consumer(c, uniq('cg'), { consumeThreadMax: 3, pullThresholdForQueue: 5, pullBatchSize: 4 });
    pc.subscribe('T', '*', async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await gate;
      running--;
      done++;
    });
    await pc.start();
    await waitFor(() => running === 3, 5000, 'three listeners running');
    await new Promise((r) => setTimeout(r, 300));
    const pullsAt = c.brokers[0]!.codes.filter((x) => x === RequestCode.PULL_MESSAGE).length;
    await new Promise((r) => setTimeout(r, 400));
    // Cache full (more than 5 cached): no further pulls while the listeners are blocked.
    expect(c.brokers[0]!.codes.filter((x) => x === RequestCode.PULL_MESSAGE).length).toBe(pullsAt);
    expect(maxRunning).toBe(3);
    release();
    await waitFor(() => done === 40, 10_000, 'all consumed');
    expect(maxRunning).toBe(3);
  });

  it('delivers a delay-level message later', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const p = await producer(c);
    const sent = Date.now();
    await p.send({ topic: 'T', body: 'later', delayTimeLevel: 3 });
    const got: number[] = [];
    const pc = consumer(c, uniq('cg'));
    pc.subscribe('T', '*', () => {
      got.push(Date.now());
    });
    await pc.start();
    await waitFor(() => got.length === 1, 5000, 'delayed delivery');
    expect(got[0]! - sent).toBeGreaterThanOrEqual(250);
  });

  it('CONSUME_FROM_LAST_OFFSET skips what was there before a new group started', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const p = await producer(c);
    await p.send({ topic: 'T', body: 'old' });
    const got: string[] = [];
    const pc = consumer(c, uniq('cg'), { consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET' });
    pc.subscribe('T', '*', (m) => {
      got.push(m.body.toString());
    });
    await pc.start();
    await waitFor(() => pc.assignment().some((q) => q.topic === 'T'), 5000, 'assignment');
    await new Promise((r) => setTimeout(r, 200));
    await p.send({ topic: 'T', body: 'new' });
    await waitFor(() => got.length === 1, 5000, 'new message');
    expect(got).toEqual(['new']);
  });

  it('pause stops pulling and resume continues', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    // Pause acts on the next pull, as in Java; a short hold lets the pull in flight end first.
    c.maxHoldMs = 300;
    const p = await producer(c);
    const got: string[] = [];
    const pc = consumer(c, uniq('cg'));
    pc.subscribe('T', '*', (m) => {
      got.push(m.body.toString());
    });
    await pc.start();
    await waitFor(() => pc.assignment().some((q) => q.topic === 'T'), 5000, 'assignment');
    await p.send({ topic: 'T', body: 'a' });
    await waitFor(() => got.length === 1, 5000, 'first');
    pc.pause();
    await new Promise((r) => setTimeout(r, 800));
    await p.send({ topic: 'T', body: 'b' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(got).toEqual(['a']);
    pc.resume();
    await waitFor(() => got.length === 2, 5000, 'after resume');
  });

  it('broadcasting keeps offsets in a local file that survives a restart', async () => {
    const c = await startCluster({ T: { queues: 2 } });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rmq-bcast-'));
    cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
    const p = await producer(c);
    for (let i = 0; i < 4; i++) await p.send({ topic: 'T', body: `a${i}` });
    const group = uniq('bg');
    const instanceName = uniq('bc');
    const opts = { messageModel: 'BROADCASTING', offsetStoreDir: dir, instanceName };
    const first: string[] = [];
    const c1 = consumer(c, group, opts);
    c1.subscribe('T', '*', (m) => {
      first.push(m.body.toString());
    });
    await c1.start();
    await waitFor(() => first.length === 4, 5000, 'first run');
    await c1.shutdown();
    const file = path.join(dir, `${c1.clientId}`, group, 'offsets.json');
    expect(await fs.readFile(file, 'utf8')).toContain('offsetTable');
    for (let i = 0; i < 2; i++) await p.send({ topic: 'T', body: `b${i}` });
    const second: string[] = [];
    const c2 = consumer(c, group, opts);
    c2.subscribe('T', '*', (m) => {
      second.push(m.body.toString());
    });
    await c2.start();
    await waitFor(() => second.length === 2, 5000, 'second run');
    await new Promise((r) => setTimeout(r, 300));
    expect(second.sort()).toEqual(['b0', 'b1']);
    // Broadcasting consumers do not subscribe to the retry topic.
    expect(c2.assignment().some((q) => q.topic.startsWith('%RETRY%'))).toBe(false);
  });

  it('fails over to the next NameServer when the first is unreachable', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const dead = '127.0.0.1:1';
    const p = new Producer({ nameServer: `${dead};${c.nameServer}`, group: uniq('pg'), instanceName: uniq('p'), ...fast });
    await p.start();
    cleanups.push(() => p.shutdown());
    for (let i = 0; i < 3; i++) expect((await p.send({ topic: 'T', body: 'x' })).sendStatus).toBe('SEND_OK');
    expect(c.routeRequests).toBeGreaterThan(0);
  });

  it('answers GET_CONSUMER_RUNNING_INFO from the broker', async () => {
    const c = await startCluster({ T: { queues: 2 } });
    const group = uniq('cg');
    const pc = consumer(c, group);
    pc.subscribe('T', 'A', () => undefined);
    await pc.start();
    await waitFor(() => c.brokers[0]!.clients.has(pc.clientId) && pc.assignment().length > 0, 5000, 'heartbeat');
    const ch = c.brokers[0]!.clients.get(pc.clientId)!.channel;
    const res = await ch.invoke(
      createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, encodeGetConsumerRunningInfoRequestHeader({ consumerGroup: group, clientId: pc.clientId, jstackEnable: false })),
      3000,
    );
    expect(res.code).toBe(ResponseCode.SUCCESS);
    const info = decodeConsumerRunningInfo(res.body!);
    expect(info.properties.get('PROP_CONSUMEORDERLY')).toBe('false');
    expect(info.properties.get('PROP_NAMESERVER_ADDR')).toBe(`${c.nameServer};`);
    expect(info.subscriptionSet.map((s) => s.topic).sort()).toEqual([`%RETRY%${group}`, 'T']);
    expect(info.mqTable.length).toBeGreaterThan(0);
    const missing = await ch.invoke(
      createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, encodeGetConsumerRunningInfoRequestHeader({ consumerGroup: 'nope', clientId: pc.clientId, jstackEnable: false })),
      3000,
    );
    expect(missing.code).toBe(ResponseCode.SYSTEM_ERROR);
  });
});

describe('broker-initiated requests and encodings (fake broker)', () => {
  it('writes send and pull headers in the binary ROCKETMQ encoding, others in JSON, and JSON everywhere on request', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const p = await producer(c);
    await p.send({ topic: 'T', body: 'x' });
    const pc = consumer(c, uniq('cg'));
    pc.subscribe('T', '*', () => undefined);
    await pc.start();
    await waitFor(() => c.brokers[0]!.encodings.has(RequestCode.PULL_MESSAGE), 5000, 'a pull');
    const b = c.brokers[0]!;
    expect(b.encodings.get(RequestCode.SEND_MESSAGE_V2)).toBe(SerializeType.ROCKETMQ);
    expect(b.encodings.get(RequestCode.PULL_MESSAGE)).toBe(SerializeType.ROCKETMQ);
    expect(b.encodings.get(RequestCode.HEART_BEAT)).toBe(SerializeType.JSON);
    const pj = await producer(c, { headerEncoding: 'JSON' });
    await pj.send({ topic: 'T', body: 'y' });
    expect(b.encodings.get(RequestCode.SEND_MESSAGE_V2)).toBe(SerializeType.JSON);
  });

  it('resets offsets on RESET_CONSUMER_CLIENT_OFFSET, reports status and consumes a message directly', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const p = await producer(c);
    for (let i = 0; i < 3; i++) await p.send({ topic: 'T', body: `m${i}` });
    const group = uniq('cg');
    const got: string[] = [];
    const pc = consumer(c, group);
    pc.subscribe('T', '*', (m) => {
      got.push(m.body.toString());
      return m.body.toString() === 'direct-fail' ? 'RECONSUME_LATER' : undefined;
    });
    await pc.start();
    await waitFor(() => got.length === 3, 5000, 'first pass');
    const b = c.brokers[0]!;
    const ch = b.clients.get(pc.clientId)!.channel;
    const status = await ch.invoke(createRequest(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, encodeGetConsumerStatusRequestHeader({ topic: 'T', group })), 3000);
    expect(status.code).toBe(ResponseCode.SUCCESS);
    const table = decodeGetConsumerStatusBody(status.body!).messageQueueTable;
    expect(table.map(([mq, o]) => [mq.queueId, o])).toEqual([[0, 3]]);

    await ch.invokeOneway(
      createRequest(
        RequestCode.RESET_CONSUMER_CLIENT_OFFSET,
        encodeResetOffsetRequestHeader({ topic: 'T', group, timestamp: 0, isForce: true }),
        encodeResetOffsetBody({ offsetTable: [[{ topic: 'T', brokerName: b.name, queueId: 0 }, 1]] }),
        { oneway: true },
      ),
    );
    await waitFor(() => got.length === 5, 8000, 'consumed again from offset 1');
    expect(got.slice(3)).toEqual(['m1', 'm2']);

    const direct = b.store('T', 0, { TAGS: 'Z' }, Buffer.from('direct-fail'), 0, 0, 0);
    const res = await ch.invoke(
      createRequest(RequestCode.CONSUME_MESSAGE_DIRECTLY, encodeConsumeMessageDirectlyResultRequestHeader({ consumerGroup: group, clientId: pc.clientId, brokerName: b.name }), direct.record),
      3000,
    );
    expect(res.code).toBe(ResponseCode.SUCCESS);
    expect(decodeConsumeMessageDirectlyResult(res.body!)).toMatchObject({ order: false, autoCommit: true, consumeResult: 'CR_LATER' });
  });
});

describe('lite pull consumer over the wire (fake broker)', () => {
  it('polls, commits, seeks and iterates', async () => {
    const c = await startCluster({ T: { queues: 1 } });
    const p = await producer(c);
    for (let i = 0; i < 5; i++) await p.send({ topic: 'T', body: `m${i}`, tags: i % 2 === 0 ? 'even' : 'odd' });
    const group = uniq('lg');
    const lc = new LitePullConsumer({ nameServer: c.nameServer, group, instanceName: uniq('l'), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', autoCommit: false, ...fast });
    cleanups.push(() => lc.shutdown());
    lc.subscribe('T', 'even');
    await lc.start();
    const got: string[] = [];
    while (got.length < 3) for (const m of await lc.poll(2000)) got.push(m.body.toString());
    expect(got).toEqual(['m0', 'm2', 'm4']);
    await lc.commitSync();
    expect(c.brokers[0]!.offsets.get(`${group}@T@0`)).toBe(5);
    const mq = lc.assignment().find((q) => q.topic === 'T')!;
    expect(await lc.committed(mq)).toBe(5);
    await lc.seek(mq, 2);
    const again: string[] = [];
    for await (const m of lc) {
      again.push(m.body.toString());
      if (again.length === 2) break;
    }
    expect(again).toEqual(['m2', 'm4']);
    await expect(lc.seek(mq, 99)).rejects.toThrow(/Seek offset illegal/);
  });

  it('assigns queues explicitly and pauses them', async () => {
    const c = await startCluster({ T: { queues: 2 } });
    const p = await producer(c);
    const lc = new LitePullConsumer({ nameServer: c.nameServer, group: uniq('lg'), instanceName: uniq('l'), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', ...fast });
    cleanups.push(() => lc.shutdown());
    await lc.start();
    const queues = await lc.fetchMessageQueues('T');
    expect(queues).toHaveLength(2);
    lc.assign([queues[1]!]);
    for (let i = 0; i < 4; i++) await p.send({ topic: 'T', body: `m${i}` }, { queue: { ...queues[i % 2]! } });
    const got: string[] = [];
    while (got.length < 2) for (const m of await lc.poll(2000)) got.push(m.body.toString());
    expect(got).toEqual(['m1', 'm3']);
    lc.pause([queues[1]!]);
    await new Promise((r) => setTimeout(r, 1100));
    await p.send({ topic: 'T', body: 'paused' }, { queue: queues[1]! });
    expect(await lc.poll(800)).toEqual([]);
    lc.resume([queues[1]!]);
    const after = await lc.poll(3000);
    expect(after.map((m) => m.body.toString())).toEqual(['paused']);
  });
});
