/**
 * The npm client ali-ons, unchanged, against a real NameServer and our
 * broker: produce and consume in clustering and broadcasting mode, tag
 * filtering, a failed consume going through the retry topic, and committed
 * offsets surviving a broker restart.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestCode, ResponseCode, createRequest, encodeGetConsumerListByGroupRequestHeader, encodeQueryConsumerOffsetRequestHeader } from '@rocketmq-ts/protocol';
import { type StartedBroker, startBroker } from '@rocketmq-ts/testkit';
import { client, dir, nameServer, onCleanup, sleep, waitFor } from './helpers.js';

interface OnsMessage {
  topic: string;
  tags: string;
  body: Buffer;
  msgId: string;
  reconsumeTimes: number;
  queueOffset: number;
  properties: Record<string, string>;
}
interface OnsProducer {
  ready(): Promise<void>;
  close(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): void;
  send(msg: unknown): Promise<{ msgId: string; sendStatus: string; messageQueue: { queueId: number | string; brokerName: string } }>;
}
interface OnsConsumer {
  ready(): Promise<void>;
  close(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): void;
  subscribe(topic: string, expression: string, handler: (msg: OnsMessage) => Promise<unknown>): void;
  readonly processQueueTable: Map<string, unknown>;
}
interface AliOns {
  Producer: new (options: Record<string, unknown>) => OnsProducer;
  Consumer: new (options: Record<string, unknown>) => OnsConsumer;
  Message: new (topic: string, tags: string, body: string) => { keys?: string[] };
}
interface ProducerClass {
  defaultProducer: OnsProducer | null;
}

const require = createRequire(import.meta.url);
const ons = require('ali-ons') as AliOns;
const MQProducer = require('ali-ons/lib/producer/mq_producer') as ProducerClass;

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const noHttp = {
  request(): never {
    throw new Error('ali-ons must not use HTTP here');
  },
};
/** Timers short enough for a test, everything else as ali-ons ships it. */
const fast = {
  httpclient: noHttp,
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

let instance = 0;
const instanceName = (): string => `ons-test-${process.pid}-${++instance}`;

afterEach(async () => {
  // ali-ons keeps one inner producer per process, made with the first client's options; drop it between tests.
  const inner = MQProducer.defaultProducer;
  MQProducer.defaultProducer = null;
  if (inner !== null) await closeQuietly(inner);
});

/**
 * The inner producer shares the first client's connections and has no error
 * listener; a connection refused by a stopped broker would be thrown from it.
 */
function quietInnerProducer(): void {
  const inner = MQProducer.defaultProducer;
  if (inner !== null && (inner as unknown as { listenerCount(e: string): number }).listenerCount('error') === 0) inner.on('error', () => undefined);
}

async function producer(nsAddr: string, group = 'PG_ONS_TEST'): Promise<OnsProducer> {
  const p = new ons.Producer({ ...fast, nameSrv: nsAddr, producerGroup: group, instanceName: instanceName() });
  p.on('error', () => undefined);
  onCleanup(() => closeQuietly(p));
  await p.ready();
  quietInnerProducer();
  return p;
}

/**
 * Closes an ali-ons client for good: its connection pool drops every listener
 * on close while a timer of it may still run once, and an 'error' emitted
 * then would be thrown; a no-op listener keeps that quiet.
 */
async function closeQuietly(c: OnsConsumer | OnsProducer): Promise<void> {
  const mq = (c as unknown as { _mqClient?: { on(e: string, l: () => void): void } })._mqClient;
  // Closing unregisters from every broker the client knew; one already stopped refuses, which is fine here.
  await c.close().catch(() => undefined);
  c.on('error', () => undefined);
  mq?.on('error', () => undefined);
}

async function consumer(nsAddr: string, group: string, extra: Record<string, unknown> = {}): Promise<OnsConsumer> {
  const c = new ons.Consumer({ ...fast, nameSrv: nsAddr, consumerGroup: group, instanceName: instanceName(), ...extra });
  c.on('error', () => undefined);
  onCleanup(() => closeQuietly(c));
  await c.ready();
  quietInnerProducer();
  return c;
}

async function send(p: OnsProducer, topic: string, tags: string, body: string): Promise<string> {
  const r = await p.send(new ons.Message(topic, tags, body));
  expect(r.sendStatus).toBe('SEND_OK');
  return r.msgId;
}

async function cluster(): Promise<{ nsAddr: string; b: StartedBroker }> {
  const ns = await nameServer();
  // A short delay table: a failed consumption comes back after level 3 (here 1 s, not 10 s).
  const b = await startBroker({ namesrvAddr: ns.address, config: { brokerName: 'broker-ons', defaultTopicQueueNums: 4, messageDelayLevel: '1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s' } });
  onCleanup(() => b.close());
  return { nsAddr: ns.address, b };
}

/** ali-ons cannot create topics (it needs a route first), so tests create them as an operator would. */
async function createTopic(b: StartedBroker, topic: string, queueNums = 4): Promise<void> {
  await b.broker.createTopic(topic, queueNums);
}

/** Waits until the NameServer routes `topic`. */
async function routed(nsAddr: string, topic: string): Promise<void> {
  const c = client();
  await waitFor(
    async () => (await c.invoke(nsAddr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }), 3000)).code === ResponseCode.SUCCESS,
    5000,
    `route of ${topic}`,
  );
}

describe('ali-ons against the broker', () => {
  it('produces and consumes in clustering mode, the group sharing the queues', async () => {
    const { nsAddr, b } = await cluster();
    const TOPIC = 'OnsCluster';
    await createTopic(b, TOPIC);
    const p = await producer(nsAddr);
    await send(p, TOPIC, 'TagA', 'warm-up');
    await routed(nsAddr, TOPIC);

    const got = new Map<string, string[]>();
    const handler = (who: string) => async (msg: OnsMessage): Promise<void> => {
      const list = got.get(who) ?? [];
      list.push(msg.body.toString());
      got.set(who, list);
    };
    const c1 = await consumer(nsAddr, 'CG_ONS_CLUSTER');
    c1.subscribe(TOPIC, '*', handler('c1'));
    const c2 = await consumer(nsAddr, 'CG_ONS_CLUSTER');
    c2.subscribe(TOPIC, '*', handler('c2'));
    // Both members known to the broker, and each holding its share of the four queues.
    const cc = client();
    await waitFor(async () => {
      const r = await cc.invoke(b.address, createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, encodeGetConsumerListByGroupRequestHeader({ consumerGroup: 'CG_ONS_CLUSTER' })), 3000);
      return r.code === ResponseCode.SUCCESS && (JSON.parse(r.body!.toString()) as { consumerIdList: string[] }).consumerIdList.length === 2;
    }, 5000, 'two consumers');
    const queuesOf = (c: OnsConsumer): number => [...c.processQueueTable.keys()].filter((k) => k.includes(`topic="${TOPIC}"`)).length;
    await waitFor(() => queuesOf(c1) === 2 && queuesOf(c2) === 2, 8000, 'rebalance to 2+2 queues');

    const sent: string[] = ['warm-up'];
    for (let i = 0; i < 20; i++) {
      const body = `cluster-${i}`;
      await send(p, TOPIC, i % 2 === 0 ? 'TagA' : 'TagB', body);
      sent.push(body);
    }
    const all = (): string[] => [...(got.get('c1') ?? []), ...(got.get('c2') ?? [])];
    await waitFor(() => new Set(all()).size === sent.length, 10_000, 'every message consumed');
    expect(new Set(all())).toEqual(new Set(sent));
    expect((got.get('c1') ?? []).length).toBeGreaterThan(0);
    expect((got.get('c2') ?? []).length).toBeGreaterThan(0);
  });

  it('delivers every message to every consumer in broadcasting mode', async () => {
    const { nsAddr, b } = await cluster();
    const TOPIC = 'OnsBroadcast';
    await createTopic(b, TOPIC);
    const p = await producer(nsAddr);
    await send(p, TOPIC, 'TagA', 'b-0');
    await routed(nsAddr, TOPIC);
    const got = [new Set<string>(), new Set<string>()];
    for (const g of got) {
      const c = await consumer(nsAddr, 'CG_ONS_BROADCAST', { isBroadcast: true, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
      c.subscribe(TOPIC, '*', async (msg) => {
        g.add(msg.body.toString());
      });
    }
    const sent = ['b-0'];
    for (let i = 1; i <= 10; i++) {
      await send(p, TOPIC, 'TagA', `b-${i}`);
      sent.push(`b-${i}`);
    }
    await waitFor(() => got.every((g) => g.size === sent.length), 10_000, 'both consumers got everything');
    for (const g of got) expect(g).toEqual(new Set(sent));
  });

  it('filters by tag: a TagA subscriber gets the TagA messages only', async () => {
    const { nsAddr, b } = await cluster();
    const TOPIC = 'OnsTags';
    await createTopic(b, TOPIC);
    const p = await producer(nsAddr);
    const expected = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const tag = ['TagA', 'TagB', 'TagC'][i % 3]!;
      await send(p, TOPIC, tag, `${tag}-${i}`);
      if (tag === 'TagA') expected.add(`${tag}-${i}`);
    }
    await routed(nsAddr, TOPIC);
    const got: OnsMessage[] = [];
    const c = await consumer(nsAddr, 'CG_ONS_TAGS');
    c.subscribe(TOPIC, 'TagA', async (msg) => {
      got.push(msg);
    });
    await waitFor(() => new Set(got.map((m) => m.body.toString())).size === expected.size, 10_000, 'the TagA messages');
    await sleep(300);
    expect(new Set(got.map((m) => m.body.toString()))).toEqual(expected);
    expect(got.every((m) => m.tags === 'TagA')).toBe(true);
  });

  it('redelivers a message whose consumption failed through the retry topic (CONSUMER_SEND_MSG_BACK)', async () => {
    const { nsAddr, b } = await cluster();
    const TOPIC = 'OnsRetry';
    await createTopic(b, TOPIC);
    const p = await producer(nsAddr);
    await send(p, TOPIC, 'TagA', 'fail-once');
    await routed(nsAddr, TOPIC);
    const attempts: Array<{ body: string; reconsumeTimes: number; topic: string }> = [];
    const c = await consumer(nsAddr, 'CG_ONS_RETRY');
    c.subscribe(TOPIC, '*', async (msg) => {
      attempts.push({ body: msg.body.toString(), reconsumeTimes: msg.reconsumeTimes, topic: msg.topic });
      if (msg.reconsumeTimes === 0) throw new Error('first attempt fails');
    });
    await waitFor(() => attempts.length >= 2, 15_000, 'the retried delivery');
    expect(attempts[0]).toEqual({ body: 'fail-once', reconsumeTimes: 0, topic: TOPIC });
    // Redelivered from %RETRY%CG_ONS_RETRY; ali-ons shows it under the original topic (RETRY_TOPIC).
    expect(attempts[1]).toEqual({ body: 'fail-once', reconsumeTimes: 1, topic: TOPIC });
  });

  it('keeps committed offsets across a broker restart on the same store', async () => {
    const ns = await nameServer();
    const storeDir = await dir();
    const TOPIC = 'OnsRestart';
    const GROUP = 'CG_ONS_RESTART';
    let b = await startBroker({ namesrvAddr: ns.address, dir: storeDir, config: { brokerName: 'broker-restart', defaultTopicQueueNums: 1 } });
    await createTopic(b, TOPIC, 1);
    const p = await producer(ns.address);
    for (let i = 0; i < 10; i++) await send(p, TOPIC, 'TagA', `before-${i}`);
    await routed(ns.address, TOPIC);
    const first = new Set<string>();
    const c1 = await consumer(ns.address, GROUP, { consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    c1.subscribe(TOPIC, '*', async (msg) => {
      first.add(msg.body.toString());
    });
    await waitFor(() => first.size === 10, 10_000, 'the first ten');
    const raw = client();
    const committed = async (addr: string): Promise<string | undefined> => {
      const r = await raw.invoke(addr, createRequest(RequestCode.QUERY_CONSUMER_OFFSET, encodeQueryConsumerOffsetRequestHeader({ consumerGroup: GROUP, topic: TOPIC, queueId: 0 })), 3000);
      return r.code === ResponseCode.SUCCESS ? r.extFields['offset'] : undefined;
    };
    await waitFor(async () => (await committed(b.address)) === '10', 5000, 'offset 10 committed');
    await closeQuietly(c1);
    // The producer stays up across the restart (closing an ali-ons client while its shared inner producer lives on leaves it without error listeners).
    await b.close();

    // Back on the same port, as a restarted broker is: clients reconnect to the address they know.
    b = await startBroker({ namesrvAddr: ns.address, dir: storeDir, config: { brokerName: 'broker-restart', defaultTopicQueueNums: 1, listenPort: b.broker.port } });
    onCleanup(() => b.close());
    expect(await committed(b.address)).toBe('10');
    await waitFor(async () => {
      try {
        await send(p, TOPIC, 'TagA', 'after-0');
        return true;
      } catch {
        return false;
      }
    }, 8000, 'a send to the restarted broker');
    for (let i = 1; i < 5; i++) await send(p, TOPIC, 'TagA', `after-${i}`);
    const second: string[] = [];
    const c2 = await consumer(ns.address, GROUP, { consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    c2.subscribe(TOPIC, '*', async (msg) => {
      second.push(msg.body.toString());
    });
    await waitFor(() => second.length >= 5, 10_000, 'the five new ones');
    await sleep(300);
    expect(second.sort()).toEqual(['after-0', 'after-1', 'after-2', 'after-3', 'after-4']);
  });
});
