/**
 * Cross-client checks with ali-ons (the npm RocketMQ client, unchanged)
 * through the real NameServer and broker: what one client sends, the other
 * consumes, with tags, keys and user properties intact both ways.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../../src/index.js';
import { createTopic, onCleanup, producer, realCluster, startedConsumer, uniq, waitFor } from './support.js';

interface OnsMessage {
  msgId: string;
  tags: string;
  keys: string | string[];
  body: Buffer;
  properties: Record<string, string>;
}
interface OnsClient {
  ready(): Promise<void>;
  close(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): void;
}
interface OnsProducer extends OnsClient {
  send(msg: unknown): Promise<{ msgId: string; sendStatus: string }>;
}
interface OnsConsumer extends OnsClient {
  subscribe(topic: string, expression: string, handler: (msg: OnsMessage) => Promise<void>): void;
}
interface AliOns {
  Producer: new (options: Record<string, unknown>) => OnsProducer;
  Consumer: new (options: Record<string, unknown>) => OnsConsumer;
  Message: new (topic: string, tags: string, body: string | Buffer) => { keys: string[]; properties: Record<string, string> };
}

const require = createRequire(import.meta.url);
const ons = require('ali-ons') as AliOns;
const MQProducer = require('ali-ons/lib/producer/mq_producer') as { defaultProducer: OnsClient | null };

/** ali-ons logs to the console unless given a logger. */
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const noHttp = {
  request(): never {
    throw new Error('ali-ons must not use HTTP here');
  },
};
const fast = {
  httpclient: noHttp,
  clientIP: '127.0.0.1',
  logger: quiet,
  pollNameServerInteval: 300,
  heartbeatBrokerInterval: 1000,
  rebalanceInterval: 300,
  persistConsumerOffsetInterval: 300,
  brokerSuspendMaxTimeMillis: 3000,
  consumerTimeoutMillisWhenSuspend: 6000,
};

afterEach(async () => {
  // ali-ons keeps one inner producer per process, made with the first client's options: drop it between tests.
  const inner = MQProducer.defaultProducer;
  MQProducer.defaultProducer = null;
  if (inner !== null) await closeQuietly(inner);
});

/** Closes an ali-ons client; its pool may still emit once after close, so a no-op listener stays. */
async function closeQuietly(c: OnsClient): Promise<void> {
  await c.close().catch(() => undefined);
  c.on('error', () => undefined);
  (c as unknown as { _mqClient?: OnsClient })._mqClient?.on('error', () => undefined);
}

describe('ali-ons and rocketmq-ts through the real broker', () => {
  it('our PushConsumer reads what ali-ons sends: body, tag filter, keys, properties, msgId', async () => {
    const c = await realCluster();
    const topic = uniq('OnsIn');
    await createTopic(c, topic, 2);
    const p = new ons.Producer({ ...fast, nameSrv: c.nsAddr, producerGroup: uniq('PG_ONS'), instanceName: uniq('ons-p') });
    p.on('error', () => undefined);
    onCleanup(() => closeQuietly(p));
    await p.ready();
    const sent = new Map<string, string>();
    for (let i = 0; i < 6; i++) {
      const m = new ons.Message(topic, i % 2 === 0 ? 'TagA' : 'TagB', i === 4 ? `big-${'x'.repeat(6000)}` : `from-ons-${i}`);
      m.keys = [`key${i}`, 'shared'];
      m.properties = { ...m.properties, color: i % 2 === 0 ? 'red' : 'blue', idx: String(i) };
      const r = await p.send(m);
      expect(r.sendStatus).toBe('SEND_OK');
      sent.set(String(i), r.msgId);
    }
    const got: ReceivedMessage[] = [];
    await startedConsumer(c, uniq('CG'), topic, 'TagA', (m) => {
      got.push(m);
    });
    await waitFor(() => got.length === 3, 20_000, 'the three TagA messages');
    got.sort((a, b) => Number(a.properties['idx']) - Number(b.properties['idx']));
    expect(got.map((m) => m.properties['idx'])).toEqual(['0', '2', '4']);
    for (const m of got) {
      const i = m.properties['idx']!;
      expect(m.topic).toBe(topic);
      expect(m.tags).toBe('TagA');
      expect(m.keys).toEqual([`key${i}`, 'shared']);
      expect(m.properties['color']).toBe('red');
      expect(m.msgId).toBe(sent.get(i));
      expect(m.body.toString()).toBe(i === '4' ? `big-${'x'.repeat(6000)}` : `from-ons-${i}`);
    }
    // ali-ons compresses bodies over 4 KiB the same way (zlib, sysFlag bit 0); we inflated it.
    expect(got[2]!.sysFlag & 1).toBe(1);
  });

  it('an ali-ons consumer reads what our Producer sends: single, batch and compressed, with a tag filter', async () => {
    const c = await realCluster();
    const topic = uniq('OnsOut');
    await createTopic(c, topic, 2);
    const p = await producer(c);
    const one = await p.send({ topic, body: 'from rocketmq-ts', tags: 'TagB', keys: ['k1', 'k2'], properties: { size: 'L', lang: 'ts' } });
    const big = await p.send({ topic, body: 'z'.repeat(8000), tags: 'TagB', keys: 'kz', properties: { size: 'XL' } });
    await p.send({ topic, body: 'filtered out', tags: 'TagC' });
    const batch = await p.sendBatch([0, 1, 2].map((i) => ({ topic, body: `batch-${i}`, tags: 'TagB', keys: `kb${i}`, properties: { i: String(i) } })));
    const batchIds = batch.msgId.split(',');

    const got: OnsMessage[] = [];
    const consumer = new ons.Consumer({ ...fast, nameSrv: c.nsAddr, consumerGroup: uniq('CG_ONS'), instanceName: uniq('ons-c'), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    consumer.on('error', () => undefined);
    onCleanup(() => closeQuietly(consumer));
    consumer.subscribe(topic, 'TagB', async (msg) => {
      got.push(msg);
    });
    await consumer.ready();
    await waitFor(() => got.length === 5, 20_000, 'ali-ons to receive the five TagB messages');
    // ali-ons shows the offset msgId as msgId; our msgId is the UNIQ_KEY property, as in Java.
    const byUniq = (id: string): OnsMessage => got.find((m) => m.properties['UNIQ_KEY'] === id)!;
    const small = byUniq(one.msgId);
    expect(small.msgId).toBe(one.offsetMsgId);
    expect(small.body.toString()).toBe('from rocketmq-ts');
    expect(small.tags).toBe('TagB');
    expect(String(small.keys)).toBe('k1 k2');
    expect(small.properties).toMatchObject({ size: 'L', lang: 'ts' });
    const bigGot = byUniq(big.msgId);
    expect(bigGot.body.toString()).toBe('z'.repeat(8000));
    expect(String(bigGot.keys)).toBe('kz');
    expect(bigGot.properties['size']).toBe('XL');
    for (const [i, id] of batchIds.entries()) {
      const m = byUniq(id);
      expect(m.body.toString()).toBe(`batch-${i}`);
      expect(String(m.keys)).toBe(`kb${i}`);
      expect(m.properties['i']).toBe(String(i));
    }
    expect(got.some((m) => m.tags === 'TagC')).toBe(false);
  });
});
