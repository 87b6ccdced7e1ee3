/**
 * The client against the REAL servers: a NameServer and brokers of this
 * project started in-process by @rocketmq-ts/testkit (127.0.0.1, port 0,
 * temp dirs), with knobs short enough for tests (delay table, transaction
 * checks, client timers). Every helper registers its cleanup; afterEach runs
 * them, last first.
 */
import { afterEach } from 'vitest';
import { AdminClient } from '@rocketmq-ts/admin';
import type { BrokerConfig } from '@rocketmq-ts/broker';
import { type StartedBroker, startBroker, startNameServer, tempDir } from '@rocketmq-ts/testkit';
import { LitePullConsumer, Producer, PushConsumer, TransactionProducer } from '../../src/index.js';
import type { LitePullConsumerInit, MessageListener, MessageSelector, ProducerInit, PushConsumerInit, TransactionProducerInit } from '../../src/index.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch {
      // A failed cleanup must not hide the test's own result.
    }
  }
});

/** Runs `fn` after the current test, last registered first. */
export function onCleanup(fn: () => Promise<unknown> | void): void {
  cleanups.push(fn);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `condition` until it holds; fails naming `what` after `timeoutMs`.
 * Deadlines are generous: the machine is shared, nothing here measures speed.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

let seq = 0;
/** A name unique in this run (topics, groups, instance names). */
export function uniq(prefix: string): string {
  return `${prefix}_${process.pid}_${++seq}`;
}

/**
 * Delay levels for tests: every level waits 1 s except level 2 (2 s), so a
 * retry (level 3 + reconsumeTimes) comes back after a second.
 */
export const TEST_DELAY_LEVELS = '1s 2s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s';

/** Broker settings of these tests on top of testkit's. */
export const TEST_BROKER_CONFIG: Readonly<Partial<BrokerConfig>> = {
  messageDelayLevel: TEST_DELAY_LEVELS,
  enablePropertyFilter: true,
  transactionCheckInterval: 300,
  transactionTimeOut: 300,
  defaultTopicQueueNums: 4,
  // A loaded machine can hold a send in the queue longer than Java's 200 ms; the client would retry, but slowly.
  waitTimeMillsInSendQueue: 3000,
};

/** Client timers short enough for tests. */
export const FAST_CLIENT = {
  clientIP: '127.0.0.1',
  pollNameServerInterval: 300,
  heartbeatBrokerInterval: 500,
  persistConsumerOffsetInterval: 300,
} as const;

/** Consumer knobs short enough for tests. */
export const FAST_CONSUMER = {
  ...FAST_CLIENT,
  brokerSuspendMaxTimeMillis: 2000,
  consumerTimeoutMillisWhenSuspend: 6000,
  pullTimeDelayMillsWhenException: 200,
  rebalanceInterval: 500,
} as const;

export interface RealBroker {
  readonly name: string;
  /** "127.0.0.1:port" (kept across restarts). */
  readonly address: string;
  readonly current: StartedBroker;
  readonly running: boolean;
  /** Clean stop (unregisters from the NameServer); the store dir is kept. */
  stop(): Promise<void>;
  /** Starts again on the same store dir and port. */
  start(config?: Readonly<Partial<BrokerConfig>>): Promise<void>;
  restart(config?: Readonly<Partial<BrokerConfig>>): Promise<void>;
}

export interface RealCluster {
  readonly nsAddr: string;
  readonly brokers: RealBroker[];
  /** An admin client on this NameServer, closed after the test. */
  admin(): AdminClient;
}

export interface ClusterOptions {
  readonly brokers?: number;
  readonly config?: Readonly<Partial<BrokerConfig>>;
}

/** A NameServer and `brokers` masters (broker-a, broker-b, ...) registered with it. */
export async function realCluster(options: ClusterOptions = {}): Promise<RealCluster> {
  const ns = await startNameServer();
  onCleanup(() => ns.close());
  const brokers: RealBroker[] = [];
  for (let i = 0; i < (options.brokers ?? 1); i++) {
    const name = `broker-${String.fromCharCode(97 + i)}`;
    const dir = await tempDir('rmq-client-it-');
    onCleanup(() => dir.remove());
    // On a restart with the fixed listenPort, testkit picks a free HA port (listenPort + 1 may be taken).
    const launch = (port: number, extra: Readonly<Partial<BrokerConfig>>): Promise<StartedBroker> =>
      startBroker({ namesrvAddr: ns.address, dir: dir.dir, config: { brokerName: name, ...TEST_BROKER_CONFIG, ...options.config, listenPort: port, ...extra } });
    let current = await launch(0, {});
    const port = current.broker.port;
    let running = true;
    const b: RealBroker = {
      name,
      address: current.address,
      get current() {
        return current;
      },
      get running() {
        return running;
      },
      stop: async () => {
        if (!running) return;
        running = false;
        await current.close();
      },
      start: async (extra = {}) => {
        if (running) return;
        current = await launch(port, extra);
        running = true;
      },
      restart: async (extra = {}) => {
        await b.stop();
        await b.start(extra);
      },
    };
    onCleanup(() => b.stop());
    brokers.push(b);
  }
  let adminClient: AdminClient | undefined;
  return {
    nsAddr: ns.address,
    brokers,
    admin: () => {
      if (adminClient === undefined) {
        const a = new AdminClient({ nameServer: ns.address, timeoutMillis: 10_000 });
        adminClient = a;
        onCleanup(() => a.close());
      }
      return adminClient;
    },
  };
}

/** Creates `topic` with `queues` read/write queues on every broker and waits until the NameServer routes it. */
export async function createTopic(c: RealCluster, topic: string, queues: number, order = false): Promise<void> {
  const admin = c.admin();
  for (const b of c.brokers) {
    if (!b.running) continue;
    await admin.createAndUpdateTopicConfig(b.address, { topicName: topic, readQueueNums: queues, writeQueueNums: queues, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order });
  }
  const wanted = c.brokers.filter((b) => b.running).length;
  await waitFor(
    async () => {
      const route = await admin.examineTopicRouteInfo(topic).catch(() => undefined);
      return route !== undefined && route.queueDatas.length === wanted;
    },
    10_000,
    `route of ${topic}`,
  );
}

export async function producer(c: RealCluster, extra: Partial<ProducerInit> = {}): Promise<Producer> {
  const p = new Producer({ nameServer: c.nsAddr, group: uniq('PG'), ...FAST_CLIENT, ...extra });
  await p.start();
  onCleanup(() => p.shutdown());
  return p;
}

export async function transactionProducer(c: RealCluster, init: Omit<TransactionProducerInit, 'nameServer' | 'group'> & { group?: string }): Promise<TransactionProducer> {
  const p = new TransactionProducer({ nameServer: c.nsAddr, group: uniq('TXG'), ...FAST_CLIENT, ...init });
  await p.start();
  onCleanup(() => p.shutdown());
  return p;
}

/** A push consumer (not started), shut down after the test. */
export function pushConsumer(c: RealCluster, group: string, extra: Partial<PushConsumerInit> = {}): PushConsumer {
  const pc = new PushConsumer({ nameServer: c.nsAddr, group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', ...FAST_CONSUMER, ...extra });
  onCleanup(() => pc.shutdown());
  return pc;
}

/** A started push consumer of `topic`. */
export async function startedConsumer(
  c: RealCluster,
  group: string,
  topic: string,
  selector: MessageSelector | undefined,
  listener: MessageListener,
  extra: Partial<PushConsumerInit> = {},
): Promise<PushConsumer> {
  const pc = pushConsumer(c, group, extra);
  pc.subscribe(topic, selector, listener);
  await pc.start();
  return pc;
}

/** A lite pull consumer (not started), shut down after the test. */
export function litePullConsumer(c: RealCluster, group: string, extra: Partial<LitePullConsumerInit> = {}): LitePullConsumer {
  const lc = new LitePullConsumer({ nameServer: c.nsAddr, group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', ...FAST_CONSUMER, ...extra });
  onCleanup(() => lc.shutdown());
  return lc;
}

/** Waits until `pc` owns `n` queues of `topic`. */
export async function waitForQueues(pc: { assignment(): Array<{ topic: string }> }, topic: string, n: number, timeoutMs = 15_000): Promise<void> {
  await waitFor(() => pc.assignment().filter((q) => q.topic === topic).length === n, timeoutMs, `${n} queues of ${topic}`);
}

/** The group's client ids the broker knows (GET_CONSUMER_CONNECTION_LIST through the admin client); [] when none. */
export async function onlineClients(c: RealCluster, group: string, brokerAddr?: string): Promise<string[]> {
  try {
    const cc = await c.admin().examineConsumerConnectionInfo(group, brokerAddr ?? c.brokers[0]!.address);
    return cc.connectionSet.map((x) => x.clientId).sort();
  } catch {
    return [];
  }
}
