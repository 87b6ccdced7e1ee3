/**
 * Start NameServers and brokers in-process for tests and benchmarks: real
 * TCP on 127.0.0.1, ports picked by the OS, files in fresh temp dirs, small
 * store files, and one close() that stops everything and removes the dirs.
 *
 *   const ns = await startNameServer();
 *   const b = await startBroker({ namesrvAddr: ns.address });
 *   ... clients connect to ns.address / b.address ...
 *   await b.close(); await ns.close();
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, type BrokerConfig, type BrokerInit } from '@rocketmq-ts/broker';
import type { Logger } from '@rocketmq-ts/common';
import { NameServer, type NameServerInit } from '@rocketmq-ts/namesrv';

export const LOOPBACK = '127.0.0.1';

/** A fresh directory under the OS temp dir, and a way to remove it. */
export async function tempDir(prefix = 'rmq-test-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface StartedNameServer {
  readonly nameServer: NameServer;
  /** "127.0.0.1:port". */
  readonly address: string;
  readonly dir: string;
  close(): Promise<void>;
}

/** A NameServer on 127.0.0.1, any free port, its KV file in a temp dir. */
export async function startNameServer(init: NameServerInit = {}): Promise<StartedNameServer> {
  const t = await tempDir('rmq-namesrv-');
  const nameServer = new NameServer({
    listenHost: LOOPBACK,
    listenPort: 0,
    kvConfigPath: join(t.dir, 'kvConfig.json'),
    configStorePath: join(t.dir, 'namesrv.properties'),
    ...init,
  });
  try {
    await nameServer.start();
  } catch (err) {
    await t.remove();
    throw err;
  }
  return {
    nameServer,
    address: nameServer.address,
    dir: t.dir,
    close: async () => {
      await nameServer.close();
      await t.remove();
    },
  };
}

/**
 * A port nothing on 127.0.0.1 listens on right now, below Linux's ephemeral range (32768+) so that outgoing
 * connections do not take it before it is used.
 */
export async function freePort(): Promise<number> {
  const free = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
    });
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await free(port)) return port;
  }
}

export interface StartBrokerOptions {
  /** NameServers to register with ("a:1;b:2"); none when omitted. */
  readonly namesrvAddr?: string;
  /** Config on top of the test defaults (see {@link testBrokerConfig}). */
  readonly config?: Readonly<Partial<BrokerConfig>>;
  /** Store root to use (kept after close); a fresh temp dir, removed on close, when omitted. */
  readonly dir?: string;
  readonly logger?: Logger;
  /** The rest of BrokerInit (store and remoting overrides, seams). */
  readonly init?: Omit<BrokerInit, 'config' | 'logger'>;
}

export interface StartedBroker {
  readonly broker: Broker;
  /** "127.0.0.1:port", what clients connect to and the NameServer hands out. */
  readonly address: string;
  readonly dir: string;
  /** Stops the broker (cleanly) and removes its dir unless it was given. */
  close(): Promise<void>;
}

/** Broker settings for tests: loopback, free port, small files, no VIP port. */
export function testBrokerConfig(dir: string): Partial<BrokerConfig> {
  return {
    brokerIP1: LOOPBACK,
    listenHost: LOOPBACK,
    listenPort: 0,
    storePathRootDir: dir,
    mappedFileSizeCommitLog: 16 * 1024 * 1024,
    mappedFileSizeConsumeQueue: 6000 * 20,
    maxHashSlotNum: 1000,
    maxIndexNum: 4000,
    vipChannelEnable: false,
  };
}

export async function startBroker(options: StartBrokerOptions = {}): Promise<StartedBroker> {
  const t = options.dir === undefined ? await tempDir('rmq-broker-') : undefined;
  const dir = options.dir ?? t!.dir;
  const config: Partial<BrokerConfig> = { ...testBrokerConfig(dir), ...options.config };
  if (options.namesrvAddr !== undefined) config.namesrvAddr = options.namesrvAddr;
  // With a fixed port (a restart on the same address) the HA port defaults to listenPort + 1, which on a busy
  // machine can be another socket's ephemeral port: take a free one unless the test chose.
  if ((config.listenPort ?? 0) !== 0 && config.haListenPort === undefined) config.haListenPort = await freePort();
  const init: BrokerInit = { ...options.init, config };
  const broker = new Broker(options.logger === undefined ? init : { ...init, logger: options.logger });
  try {
    await broker.start();
  } catch (err) {
    await t?.remove();
    throw err;
  }
  return {
    broker,
    address: `${LOOPBACK}:${broker.port}`,
    dir,
    close: async () => {
      await broker.close();
      await t?.remove();
    },
  };
}

export interface StartedCluster {
  readonly nameServer: StartedNameServer;
  readonly brokers: StartedBroker[];
  close(): Promise<void>;
}

/** A NameServer and `brokers` masters (broker-0, broker-1, ...) registered with it. */
export async function startCluster(brokers = 1, config: Readonly<Partial<BrokerConfig>> = {}): Promise<StartedCluster> {
  const nameServer = await startNameServer();
  const started: StartedBroker[] = [];
  try {
    for (let i = 0; i < brokers; i++) {
      started.push(await startBroker({ namesrvAddr: nameServer.address, config: { brokerName: `broker-${i}`, ...config } }));
    }
  } catch (err) {
    for (const b of started) await b.close();
    await nameServer.close();
    throw err;
  }
  return {
    nameServer,
    brokers: started,
    close: async () => {
      for (const b of started) await b.close();
      await nameServer.close();
    },
  };
}
