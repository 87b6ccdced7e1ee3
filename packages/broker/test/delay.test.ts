/**
 * Delayed delivery by level (ScheduleMessageService): messages with DELAY
 * wait in SCHEDULE_TOPIC_XXXX and reach their real topic and queue when
 * due — never early, within a second — without DELAY; offsets in
 * delayOffset.json (GET_ALL_DELAY_OFFSET's shape); nothing lost or doubled
 * across a broker restart; the same with the npm client ali-ons.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '@rocketmq-ts/client';
import { RequestCode, ResponseCode, createRequest, decodeKVTable } from '@rocketmq-ts/protocol';
import { featureCluster, producer, pushConsumer, storedMessages } from './features-helpers.js';
import { client, onCleanup, waitFor } from './helpers.js';

describe('delayed delivery by level', () => {
  it('delivers each level when due (never early, within a second) to the real topic and queue, without DELAY', async () => {
    const cl = await featureCluster();
    const b = cl.broker;
    await b.broker.createTopic('DelayT', 4);
    const p = await producer(cl.nsAddr, 'PG_DELAY');
    const queue = { topic: 'DelayT', brokerName: 'broker-f', queueId: 2 };
    const got: ReceivedMessage[] = [];
    await pushConsumer(cl.nsAddr, 'CG_DELAY', 'DelayT', (m) => {
      got.push(m);
    });
    await p.send({ topic: 'DelayT', body: 'now' }, { queue });
    for (const level of [3, 1, 2]) await p.send({ topic: 'DelayT', body: `level-${level}`, delayTimeLevel: level }, { queue });
    await waitFor(() => got.length >= 4, 20_000, 'all four messages');
    expect(got.map((m) => m.body.toString())).toEqual(['now', 'level-1', 'level-2', 'level-3']);
    for (const m of got.slice(1)) {
      const level = Number(m.body.toString().slice('level-'.length));
      // Due at the original's store time + level s, which is after its born time: delivered (re-stored) no earlier, and within a second.
      const dueNotBefore = m.bornTimestamp + level * 1000;
      expect(m.storeTimestamp).toBeGreaterThanOrEqual(dueNotBefore);
      expect(m.storeTimestamp - dueNotBefore).toBeLessThan(1000);
      expect(m.queueId).toBe(2);
      expect(m.properties['DELAY']).toBeUndefined();
      // messageTimeup keeps REAL_TOPIC/REAL_QID, as Java.
      expect(m.properties).toMatchObject({ REAL_TOPIC: 'DelayT', REAL_QID: '2' });
    }

    // GET_ALL_DELAY_OFFSET and the runtime info show the levels' progress.
    const c = client();
    const offsets = await c.invoke(b.address, createRequest(RequestCode.GET_ALL_DELAY_OFFSET), 3000);
    expect(offsets.code).toBe(ResponseCode.SUCCESS);
    expect(offsets.body!.toString()).toBe('{"offsetTable":{1:1,2:1,3:1}}');
    const info = decodeKVTable((await c.invoke(b.address, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO), 3000)).body!).table;
    expect(info.get('scheduleMessageOffset_1')).toBe('1,1');
    expect(info.get('scheduleMessageOffset_3')).toBe('1,1');
    // The other features' figures and knobs are there too.
    for (const k of ['timerReadBehind', 'timerOffsetBehind', 'timerCongestNum', 'timerEnqueueTps', 'timerDequeueTps', 'EndTransactionQueueSize', 'EndTransactionThreadPoolQueueCapacity']) {
      expect(info.has(k), k).toBe(true);
    }
    const config = (await c.invoke(b.address, createRequest(RequestCode.GET_BROKER_CONFIG), 3000)).body!.toString();
    for (const kv of ['messageDelayLevel=1s 2s 3s', 'timerMaxDelaySec=259200', 'timerWheelEnable=true', 'rebalanceLockMaxLiveTime=60000', 'transactionCheckMax=15']) {
      expect(config).toContain(kv);
    }
    // Written at shutdown in Java's shape.
    await b.close();
    expect(await readFile(join(b.dir, 'config', 'delayOffset.json'), 'utf8')).toBe('{"offsetTable":{1:1,2:1,3:1}}');
  });

  it('loses nothing and doubles nothing across a broker restart: messages due after it still arrive, once', async () => {
    const cl = await featureCluster({ flushDelayOffsetInterval: 200 });
    await cl.broker.broker.createTopic('DelayRestart', 2);
    const p = await producer(cl.nsAddr, 'PG_DELAY_RESTART');
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      await p.send({ topic: 'DelayRestart', body: `soon-${i}`, delayTimeLevel: 1 });
      await p.send({ topic: 'DelayRestart', body: `later-${i}`, delayTimeLevel: 5 });
      sent.push(`soon-${i}`, `later-${i}`);
    }
    await p.shutdown();
    await waitFor(async () => (await storedMessages(cl.broker, 'DelayRestart')).length >= 20, 15_000, 'the level-1 messages');

    const b = await cl.restart();
    const scheduled = (level: number): number => b.broker.store.getMaxOffsetInQueue('SCHEDULE_TOPIC_XXXX', level - 1);
    expect(scheduled(1)).toBe(20);
    expect(scheduled(5)).toBe(20);
    await waitFor(() => b.broker.features.schedule.offsetTable.get(5) === 20, 20_000, 'level 5 delivered after the restart');
    const bodies = (await storedMessages(b, 'DelayRestart')).map((m) => m.body!.toString());
    expect(bodies.sort()).toEqual(sent.sort());
    expect(b.broker.features.schedule.offsetTable.get(1)).toBe(20);
  });

  it('delivers a delay level set by the npm client ali-ons', async () => {
    const cl = await featureCluster();
    await cl.broker.broker.createTopic('DelayOns', 2);
    const ons = await onsClients(cl.nsAddr);
    const msg = new ons.Message('DelayOns', 'TagA', 'from ali-ons');
    msg.delayTimeLevel = 2;
    const sentAt = Date.now();
    const r = await ons.producer.send(msg);
    expect(r.sendStatus).toBe('SEND_OK');
    const got: Array<{ body: string; at: number; properties: Record<string, string> }> = [];
    ons.consumer.subscribe('DelayOns', '*', async (m) => {
      got.push({ body: m.body.toString(), at: Date.now(), properties: m.properties });
    });
    await waitFor(() => got.length >= 1, 15_000, 'the delayed ali-ons message');
    expect(got[0]!.body).toBe('from ali-ons');
    expect(got[0]!.at - sentAt).toBeGreaterThanOrEqual(2000);
    expect(got[0]!.properties['DELAY']).toBeUndefined();
    expect(got[0]!.properties['REAL_TOPIC']).toBe('DelayOns');
  });
});

// ---------------------------------------------------------------------------
// ali-ons, unchanged (see ali-ons.test.ts for the quirks handled here)

interface OnsMessage {
  body: Buffer;
  properties: Record<string, string>;
}
interface OnsClient {
  ready(): Promise<void>;
  close(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): void;
}
interface OnsProducer extends OnsClient {
  send(msg: unknown): Promise<{ sendStatus: string }>;
}
interface OnsConsumer extends OnsClient {
  subscribe(topic: string, expression: string, handler: (msg: OnsMessage) => Promise<unknown>): void;
}
interface AliOns {
  Producer: new (options: Record<string, unknown>) => OnsProducer;
  Consumer: new (options: Record<string, unknown>) => OnsConsumer;
  Message: new (topic: string, tags: string, body: string) => { delayTimeLevel: number };
}

const require = createRequire(import.meta.url);
const aliOns = require('ali-ons') as AliOns;
const MQProducer = require('ali-ons/lib/producer/mq_producer') as { defaultProducer: OnsClient | null };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const onsOptions = {
  httpclient: {
    request(): never {
      throw new Error('ali-ons must not use HTTP here');
    },
  },
  clientIP: '127.0.0.1',
  logger: quiet,
  pollNameServerInteval: 300,
  heartbeatBrokerInterval: 1000,
  rebalanceInterval: 300,
  persistConsumerOffsetInterval: 300,
  pullTimeDelayMillsWhenException: 200,
  brokerSuspendMaxTimeMillis: 3000,
  consumerTimeoutMillisWhenSuspend: 6000,
};

afterEach(async () => {
  const inner = MQProducer.defaultProducer;
  MQProducer.defaultProducer = null;
  if (inner !== null && inner !== undefined) await closeQuietly(inner);
});

async function closeQuietly(c: OnsClient): Promise<void> {
  const mq = (c as unknown as { _mqClient?: { on(e: string, l: () => void): void } })._mqClient;
  await c.close().catch(() => undefined);
  c.on('error', () => undefined);
  mq?.on('error', () => undefined);
}

async function onsClients(nsAddr: string): Promise<{ producer: OnsProducer; consumer: OnsConsumer; Message: AliOns['Message'] }> {
  const tag = `ons-delay-${process.pid}-${Date.now()}`;
  const producer = new aliOns.Producer({ ...onsOptions, nameSrv: nsAddr, producerGroup: 'PG_ONS_DELAY', instanceName: `${tag}-p` });
  producer.on('error', () => undefined);
  onCleanup(() => closeQuietly(producer));
  await producer.ready();
  const inner = MQProducer.defaultProducer as unknown as { listenerCount(e: string): number; on(e: string, l: () => void): void } | null;
  if (inner !== null && inner.listenerCount('error') === 0) inner.on('error', () => undefined);
  const consumer = new aliOns.Consumer({ ...onsOptions, nameSrv: nsAddr, consumerGroup: 'CG_ONS_DELAY', instanceName: `${tag}-c`, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  consumer.on('error', () => undefined);
  onCleanup(() => closeQuietly(consumer));
  await consumer.ready();
  return { producer, consumer, Message: aliOns.Message };
}
