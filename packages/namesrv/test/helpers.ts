import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import {
  type DataVersion,
  type RemotingCommand,
  type TopicConfig,
  FrameDecoder,
  RequestCode,
  createRequest,
  decodeCommand,
  encodeRegisterBrokerBody,
  encodeRegisterBrokerRequestHeader,
  javaCrc32,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { NameServer, type NameServerInit } from '../src/index.js';

export const LOOPBACK = '127.0.0.1';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Runs `fn` after the current test, last registered first. */
export function onCleanup(fn: () => Promise<unknown> | void): void {
  cleanups.push(fn);
}

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rmq-namesrv-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A started NameServer on 127.0.0.1 with its files in a temp dir (or `dir`). */
export async function startNameServer(init: NameServerInit = {}, dir?: string): Promise<{ ns: NameServer; dir: string }> {
  const home = dir ?? (await tempDir());
  const ns = new NameServer({
    listenHost: LOOPBACK,
    listenPort: 0,
    kvConfigPath: join(home, 'kvConfig.json'),
    configStorePath: join(home, 'namesrv.properties'),
    ...init,
  });
  await ns.start();
  onCleanup(() => ns.close());
  return { ns, dir: home };
}

export function client(): RemotingClient {
  const c = new RemotingClient();
  onCleanup(() => c.close());
  return c;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function topic(name: string, queues = 4, perm = 6, extra: Partial<TopicConfig> = {}): TopicConfig {
  return { topicName: name, readQueueNums: queues, writeQueueNums: queues, perm, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false, ...extra };
}

export interface BrokerSpec {
  cluster?: string;
  name: string;
  id?: number;
  addr: string;
  haAddr?: string;
  topics?: TopicConfig[];
  dataVersion?: DataVersion;
  filterServers?: string[];
  compressed?: boolean;
  /** Request version; a 4.9.4 broker sends 401. */
  version?: number;
  /** Extra header fields (5.x's heartbeatTimeoutMillis...). */
  extFields?: Record<string, string>;
}

/** REGISTER_BROKER as a Java broker builds it: body, its CRC32 in the header. */
export function registerRequest(b: BrokerSpec): RemotingCommand {
  const body = encodeRegisterBrokerBody(
    {
      topicConfigSerializeWrapper: {
        topicConfigTable: new Map((b.topics ?? []).map((t) => [t.topicName, t])),
        dataVersion: b.dataVersion ?? { timestamp: 1_700_000_000_000, counter: 1 },
      },
      filterServerList: b.filterServers ?? [],
    },
    b.compressed ?? false,
  );
  const header = encodeRegisterBrokerRequestHeader({
    brokerName: b.name,
    brokerAddr: b.addr,
    clusterName: b.cluster ?? 'DefaultCluster',
    haServerAddr: b.haAddr ?? b.addr.replace(/:(\d+)$/, (_m, p: string) => `:${Number(p) + 1}`),
    brokerId: b.id ?? 0,
    compressed: b.compressed ?? false,
    bodyCrc32: javaCrc32(body),
  });
  return createRequest(RequestCode.REGISTER_BROKER, { ...header, ...b.extFields }, body, { version: b.version ?? 401 });
}

/** Registers a broker from its own connection, as every broker process has one. Returns that client. */
export async function registerBroker(nsAddr: string, b: BrokerSpec, via: RemotingClient = client()): Promise<{ client: RemotingClient; response: RemotingCommand }> {
  const response = await via.invoke(nsAddr, registerRequest(b), 3000);
  return { client: via, response };
}

export function invoke(c: RemotingClient, addr: string, code: number, extFields: Record<string, string> = {}, body?: Buffer, version = 401): Promise<RemotingCommand> {
  return c.invoke(addr, createRequest(code, extFields, body, { version }), 3000);
}

/** A bare TCP peer that writes exact bytes and decodes the frames that come back. */
export class RawPeer {
  readonly received: RemotingCommand[] = [];
  readonly closed: Promise<void>;
  private readonly decoder = new FrameDecoder();

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
      for (let frame = this.decoder.next(); frame !== undefined; frame = this.decoder.next()) {
        this.received.push(decodeCommand(frame));
        this.rawFrames.push(frame);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  /** Each received frame without its length prefix. */
  readonly rawFrames: Buffer[] = [];

  static connect(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: LOOPBACK, port }, () => {
        const peer = new RawPeer(socket);
        onCleanup(() => {
          socket.destroy();
        });
        resolve(peer);
      });
      socket.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async next(count = 1): Promise<RemotingCommand> {
    await waitFor(() => this.received.length >= count, 5000, `${count} frames`);
    return this.received[count - 1]!;
  }
}
