/**
 * Shared pieces of the message-type feature tests (delay, timer,
 * transactions, retry/DLQ, request-reply, orderly): a NameServer and broker
 * with short timers, our client with short timers, and raw reads of a
 * topic's queues.
 */
import { type Message, type MessageListener, Producer, type ProducerInit, PushConsumer, type PushConsumerInit } from '@rocketmq-ts/client';
import type { Logger } from '@rocketmq-ts/common';
import { type StoredMessage, decodeMessages } from '@rocketmq-ts/protocol';
import type { BrokerConfig } from '@rocketmq-ts/broker';
import { type StartedBroker, startBroker } from '@rocketmq-ts/testkit';
import { nameServer, onCleanup } from './helpers.js';

/** A delay table with short levels: level n waits n seconds (level 3 = 3 s is the first retry). */
export const SHORT_DELAY_LEVELS = '1s 2s 3s 4s 5s 6s 7s 8s 9s 10s 11s 12s 13s 14s 15s 16s 17s 18s';

let instance = 0;
/** A fresh client instance name, so clients in one test do not share a connection pool by accident. */
export function instanceName(prefix = 'feat'): string {
  return `${prefix}-${process.pid}-${++instance}`;
}

/** Client timers short enough for tests. */
export const FAST_CLIENT = {
  pollNameServerInterval: 300,
  heartbeatBrokerInterval: 500,
  persistConsumerOffsetInterval: 300,
  clientIP: '127.0.0.1',
} as const;

export interface FeatureCluster {
  readonly nsAddr: string;
  broker: StartedBroker;
  /** Stops the broker cleanly and starts it again on the same store and port. */
  restart(config?: Readonly<Partial<BrokerConfig>>): Promise<StartedBroker>;
}

/** A NameServer and one broker (short delay table unless given) on a store dir kept across restarts. */
export async function featureCluster(config: Readonly<Partial<BrokerConfig>> = {}, logger?: Logger): Promise<FeatureCluster> {
  const ns = await nameServer();
  const { tempDir } = await import('@rocketmq-ts/testkit');
  const t = await tempDir('rmq-features-');
  onCleanup(() => t.remove());
  const base: Partial<BrokerConfig> = { brokerName: 'broker-f', messageDelayLevel: SHORT_DELAY_LEVELS, defaultTopicQueueNums: 4, ...config };
  const start = (extra: Readonly<Partial<BrokerConfig>>): Promise<StartedBroker> =>
    startBroker({ namesrvAddr: ns.address, dir: t.dir, config: { ...base, ...extra }, ...(logger === undefined ? {} : { logger }) });
  let current = await start({});
  let closed = false;
  onCleanup(async () => {
    if (!closed) await current.close();
  });
  const cluster: FeatureCluster = {
    nsAddr: ns.address,
    broker: current,
    restart: async (extra = {}) => {
      const port = current.broker.port;
      closed = true;
      await current.close();
      current = await start({ listenPort: port, ...extra });
      closed = false;
      cluster.broker = current;
      return current;
    },
  };
  return cluster;
}

export async function producer(nsAddr: string, group: string, extra: Partial<ProducerInit> = {}): Promise<Producer> {
  const p = new Producer({ nameServer: nsAddr, group, instanceName: instanceName('p'), ...FAST_CLIENT, ...extra });
  await p.start();
  onCleanup(() => p.shutdown());
  return p;
}

/** A started push consumer; `listener` sees every message. */
export async function pushConsumer(
  nsAddr: string,
  group: string,
  topic: string,
  listener: MessageListener,
  extra: Partial<PushConsumerInit> = {},
): Promise<PushConsumer> {
  const c = new PushConsumer({
    nameServer: nsAddr,
    group,
    instanceName: instanceName('c'),
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    brokerSuspendMaxTimeMillis: 2000,
    consumerTimeoutMillisWhenSuspend: 5000,
    pullTimeDelayMillsWhenException: 200,
    rebalanceInterval: 300,
    ...FAST_CLIENT,
    ...extra,
  });
  c.subscribe(topic, '*', listener);
  await c.start();
  onCleanup(() => c.shutdown());
  return c;
}

/** Sends and returns when the broker stored it. */
export async function send(p: Producer, message: Message): Promise<{ msgId: string; sentAt: number }> {
  const r = await p.send(message);
  return { msgId: r.msgId, sentAt: Date.now() };
}

/** Every message of a topic's queues, read straight from the store (no consumer involved). */
export async function storedMessages(b: StartedBroker, topic: string): Promise<StoredMessage[]> {
  const store = b.broker.store;
  const tc = b.broker.topics.selectTopicConfig(topic);
  const queues = tc === undefined ? 1 : Math.max(tc.readQueueNums, tc.writeQueueNums);
  const out: StoredMessage[] = [];
  for (let q = 0; q < queues; q++) {
    let offset = store.getMinOffsetInQueue(topic, q);
    const max = store.getMaxOffsetInQueue(topic, q);
    while (offset < max) {
      const r = await store.getMessage('TEST_READER', topic, q, offset, 32);
      for (const rec of r.messages) out.push(...decodeMessages(rec));
      if (r.nextBeginOffset <= offset) break;
      offset = r.nextBeginOffset;
    }
  }
  return out;
}
