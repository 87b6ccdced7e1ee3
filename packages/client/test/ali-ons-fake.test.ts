/**
 * Cross-client checks with ali-ons (the npm RocketMQ client) through the
 * FAKE broker of support/fake-cluster.ts: what one client writes the other
 * reads, tags, keys and properties included. The same checks against the
 * project's real broker belong in the integration suite.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { Producer, PushConsumer } from '../src/index.js';
import type { ReceivedMessage } from '../src/index.js';
import { FakeCluster, waitFor } from './support/fake-cluster.js';

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
interface AliOns {
  Producer: new (options: Record<string, unknown>) => OnsClient & { send(msg: unknown): Promise<{ msgId: string; sendStatus: string }> };
  Consumer: new (options: Record<string, unknown>) => OnsClient & {
    subscribe(topic: string, expression: string, handler: (msg: OnsMessage) => Promise<void>): void;
  };
  Message: new (topic: string, tags: string, body: string) => { keys: string[]; properties: Record<string, string> };
}

const require = createRequire(import.meta.url);
const ons = require('ali-ons') as AliOns;
const httpclient = {
  request(): never {
    throw new Error('no HTTP in tests');
  },
};
/** ali-ons logs to the console unless given a logger. */
const logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

let cluster: FakeCluster | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await cluster?.close();
  cluster = undefined;
});

describe('ali-ons interoperability (fake broker)', () => {
  it('our consumer reads what ali-ons sends', async () => {
    cluster = await FakeCluster.start({ topics: { OnsT: { queues: 2 } } });
    const p = new ons.Producer({ httpclient, logger, nameSrv: cluster.nameServer, clientIP: '127.0.0.1', producerGroup: 'PG_ONS', instanceName: 'ons-p' });
    p.on('error', () => undefined);
    await p.ready();
    cleanups.push(() => p.close());
    const m = new ons.Message('OnsT', 'TagA', 'from ali-ons');
    m.keys = ['ok1', 'ok2'];
    m.properties = { ...m.properties, color: 'red' };
    const sent = await p.send(m);

    const got: ReceivedMessage[] = [];
    const c = new PushConsumer({ nameServer: cluster.nameServer, group: 'CG_TS', instanceName: 'ts-c', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    cleanups.push(() => c.shutdown());
    c.subscribe('OnsT', 'TagA', (msg) => {
      got.push(msg);
    });
    await c.start();
    await waitFor(() => got.length === 1, 10_000, 'message from ali-ons');
    expect(got[0]!.body.toString()).toBe('from ali-ons');
    expect(got[0]!.tags).toBe('TagA');
    expect(got[0]!.keys).toEqual(['ok1', 'ok2']);
    expect(got[0]!.properties['color']).toBe('red');
    expect(got[0]!.msgId).toBe(sent.msgId);
  });

  it('ali-ons consumes what we send', async () => {
    cluster = await FakeCluster.start({ topics: { OnsT: { queues: 2 } } });
    const p = new Producer({ nameServer: cluster.nameServer, group: 'PG_TS', instanceName: 'ts-p' });
    await p.start();
    cleanups.push(() => p.shutdown());
    const sent = await p.send({ topic: 'OnsT', body: 'from rocketmq-ts', tags: 'TagB', keys: ['k1', 'k2'], properties: { size: 'L' } });
    const big = await p.send({ topic: 'OnsT', body: 'z'.repeat(8000), tags: 'TagB' });

    const got: OnsMessage[] = [];
    const c = new ons.Consumer({
      httpclient,
      logger,
      nameSrv: cluster.nameServer,
      clientIP: '127.0.0.1',
      consumerGroup: 'CG_ONS',
      instanceName: 'ons-c',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    c.on('error', () => undefined);
    c.subscribe('OnsT', 'TagB', async (msg) => {
      got.push(msg);
    });
    await c.ready();
    cleanups.push(() => c.close());
    await waitFor(() => got.length === 2, 15_000, 'ali-ons to receive both');
    // ali-ons shows the offset msgId as msgId; our msgId is the UNIQ_KEY property.
    const small = got.find((m) => m.properties['UNIQ_KEY'] === sent.msgId)!;
    expect(small.msgId).toBe(sent.offsetMsgId);
    expect(small.body.toString()).toBe('from rocketmq-ts');
    expect(small.tags).toBe('TagB');
    expect(String(small.keys)).toBe('k1 k2');
    expect(small.properties['size']).toBe('L');
    expect(got.find((m) => m.properties['UNIQ_KEY'] === big.msgId)!.body.toString()).toBe('z'.repeat(8000));
  });
});
