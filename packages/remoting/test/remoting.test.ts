import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { ErrorCode, MemoryLogger, RmqError } from '@rocketmq-ts/common';
import {
  RequestCode,
  ResponseCode,
  RpcFlag,
  SerializeType,
  createRequest,
  createResponse,
  isResponse,
} from '@rocketmq-ts/protocol';
import type { RemotingCommand } from '@rocketmq-ts/protocol';
import { BoundedExecutor, RemotingClient, RemotingServer } from '@rocketmq-ts/remoting';
import type { Channel } from '@rocketmq-ts/remoting';
import { LOOPBACK, RawPeer, sleep, startServer, waitFor } from './helpers.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function track<T extends { close(): Promise<unknown> }>(x: T): T {
  cleanups.push(() => x.close());
  return x;
}

function echo(request: RemotingCommand): RemotingCommand {
  return createResponse(request, ResponseCode.SUCCESS, 'echo', { ...request.extFields, code: String(request.code) }, request.body);
}

async function rejection(p: Promise<unknown>): Promise<RmqError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RmqError);
    return err as RmqError;
  }
  throw new Error('expected a rejection');
}

describe('request and response', () => {
  it('answers a request with the handler response, matched by opaque', async () => {
    const { server, addr } = await startServer({}, (s) => s.registerProcessor(RequestCode.SEND_MESSAGE, echo));
    track(server);
    const client = track(new RemotingClient());
    const req = createRequest(RequestCode.SEND_MESSAGE, { topic: 'T' }, Buffer.from('hello'));
    const res = await client.invoke(addr, req, 3000);
    expect(res.code).toBe(ResponseCode.SUCCESS);
    expect(res.opaque).toBe(req.opaque);
    expect(isResponse(res)).toBe(true);
    expect(res.extFields).toEqual({ topic: 'T', code: String(RequestCode.SEND_MESSAGE) });
    expect(res.body?.toString()).toBe('hello');
  });

  it('sends a first frame whose header outgrows a fresh write batch, then small ones on the same connection', async () => {
    const { server, addr } = await startServer({}, (s) => s.registerProcessor(RequestCode.SEND_MESSAGE, echo));
    track(server);
    const client = track(new RemotingClient());
    // ~100 KB of JSON header: more than the 64 KiB a fresh batch starts with, in both directions.
    const properties = 'k\u0001' + 'v'.repeat(100_000);
    for (const serializeType of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
      const big = await client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE, { properties }, Buffer.from('big'), { serializeType }), 3000);
      expect(big.code).toBe(ResponseCode.SUCCESS);
      expect(big.extFields['properties']).toBe(properties);
      const small = await client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE, { topic: 'T' }, Buffer.from('small'), { serializeType }), 3000);
      expect(small.body?.toString()).toBe('small');
    }
  });

  it('keeps many concurrent requests apart', async () => {
    const { server, addr } = await startServer({}, (s) =>
      s.registerProcessor(RequestCode.SEND_MESSAGE, async (req) => {
        await sleep(Number(req.extFields['delay']));
        return echo(req);
      }),
    );
    track(server);
    const client = track(new RemotingClient());
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE, { i: String(i), delay: String(i % 7) }), 5000),
      ),
    );
    results.forEach((res, i) => expect(res.extFields['i']).toBe(String(i)));
  });

  it('answers JSON requests in JSON and ROCKETMQ requests in ROCKETMQ, on the wire', async () => {
    const { server, port } = await startServer({}, (s) => s.registerProcessor(RequestCode.HEART_BEAT, echo));
    track(server);
    const peer = await RawPeer.connect(port);
    cleanups.push(() => peer.destroy());
    const json = createRequest(RequestCode.HEART_BEAT, { a: '1' }, undefined, { serializeType: SerializeType.JSON });
    const binary = createRequest(RequestCode.HEART_BEAT, { a: '2' }, undefined, { serializeType: SerializeType.ROCKETMQ });
    const unsupported = createRequest(999, {}, undefined, { serializeType: SerializeType.ROCKETMQ });
    peer.send(json);
    peer.send(binary);
    peer.send(unsupported);
    const [r1, r2, r3] = await peer.waitForCount(3);
    expect(peer.receivedTypes).toEqual([SerializeType.JSON, SerializeType.ROCKETMQ, SerializeType.ROCKETMQ]);
    expect([r1!.opaque, r2!.opaque, r3!.opaque]).toEqual([json.opaque, binary.opaque, unsupported.opaque]);
    expect(r2!.extFields['a']).toBe('2');
    expect(r3!.code).toBe(ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  });

  it('resolves invoke with the same serialize type through RemotingClient', async () => {
    const { server, addr } = await startServer({}, (s) => s.registerProcessor(RequestCode.HEART_BEAT, echo));
    track(server);
    const client = track(new RemotingClient());
    for (const serializeType of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
      const res = await client.invoke(addr, createRequest(RequestCode.HEART_BEAT, { k: 'v' }, undefined, { serializeType }), 3000);
      expect(res.serializeType).toBe(serializeType);
      expect(res.extFields['k']).toBe('v');
    }
  });
});

describe('oneway', () => {
  it('delivers a oneway request and never answers it, even when the handler returns a response or throws', async () => {
    const seen: RemotingCommand[] = [];
    const { server, port, addr } = await startServer({}, (s) => {
      s.registerProcessor(RequestCode.UNREGISTER_CLIENT, (req) => {
        seen.push(req);
        return echo(req);
      });
      s.registerProcessor(RequestCode.CHECK_CLIENT_CONFIG, () => {
        throw new Error('boom');
      });
    });
    track(server);
    const client = track(new RemotingClient());
    await client.invokeOneway(addr, createRequest(RequestCode.UNREGISTER_CLIENT, { x: '1' }));
    await waitFor(() => seen.length === 1);
    expect(seen[0]!.flag & RpcFlag.ONEWAY).toBe(RpcFlag.ONEWAY);

    const peer = await RawPeer.connect(port);
    cleanups.push(() => peer.destroy());
    peer.send(createRequest(RequestCode.UNREGISTER_CLIENT, {}, undefined, { oneway: true }));
    peer.send(createRequest(RequestCode.CHECK_CLIENT_CONFIG, {}, undefined, { oneway: true }));
    peer.send(createRequest(4242, {}, undefined, { oneway: true }));
    const probe = createRequest(RequestCode.UNREGISTER_CLIENT);
    peer.send(probe);
    const [only] = await peer.waitForCount(1);
    await sleep(50);
    expect(peer.received).toHaveLength(1);
    expect(only!.opaque).toBe(probe.opaque);
  });
});

describe('timeouts', () => {
  it('rejects with retriable TIMEOUT and drops the late response with a debug log', async () => {
    const logger = new MemoryLogger();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { server, addr } = await startServer({}, (s) =>
      s.registerProcessor(RequestCode.SEND_MESSAGE, async (req) => {
        if (req.extFields['late'] === 'yes') await gate; // answered only after the caller gave up
        return echo(req);
      }),
    );
    track(server);
    const client = track(new RemotingClient({ logger, timeoutSweepIntervalMs: 10 }));
    await client.getChannel(addr); // connected first, so the 100 ms are not spent connecting
    const started = Date.now();
    const err = await rejection(client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE, { late: 'yes' }), 100));
    const took = Date.now() - started;
    expect(err.code).toBe(ErrorCode.TIMEOUT);
    expect(err.retriable).toBe(true);
    expect(took).toBeGreaterThanOrEqual(95); // never early
    release();
    await waitFor(() => logger.records.some((r) => r.level === 'debug' && r.msg.includes('matches no pending request')), 10_000);
    // The connection is still fine.
    const res = await client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE), 3000);
    expect(res.code).toBe(ResponseCode.SUCCESS);
  });
});

describe('server-initiated requests', () => {
  it('lets the broker side invoke the client and the client answer', async () => {
    const opened: Channel[] = [];
    const { server, addr } = await startServer({}, (s) => {
      s.on('channelOpen', (ch) => opened.push(ch));
      s.registerProcessor(RequestCode.HEART_BEAT, echo);
    });
    track(server);
    const client = track(new RemotingClient());
    const checks: RemotingCommand[] = [];
    client.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, (req) =>
      createResponse(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from(`running:${req.extFields['consumerGroup']}`)),
    );
    client.registerProcessor(RequestCode.CHECK_TRANSACTION_STATE, (req) => {
      checks.push(req);
      return undefined;
    });
    await client.invoke(addr, createRequest(RequestCode.HEART_BEAT), 3000);
    expect(opened).toHaveLength(1);
    const toClient = opened[0]!;
    expect(toClient.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(toClient.remoteAddress).toBe(client.peekChannel(addr)!.localAddress);

    const info = await server.invoke(toClient, createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: 'G' }), 3000);
    expect(info.code).toBe(ResponseCode.SUCCESS);
    expect(info.body?.toString()).toBe('running:G');

    await toClient.invokeOneway(createRequest(RequestCode.CHECK_TRANSACTION_STATE, { msgId: 'M1' }));
    await waitFor(() => checks.length === 1);
    expect(checks[0]!.extFields['msgId']).toBe('M1');

    const unsupported = await toClient.invoke(createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED), 3000);
    expect(unsupported.code).toBe(ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  });
});

describe('processor registry', () => {
  it('routes by code, falls back to the default processor, and answers unknown codes like Java', async () => {
    const { server, addr } = await startServer({}, (s) => {
      s.registerProcessor(10, (req) => createResponse(req, ResponseCode.SUCCESS, 'ten'));
      s.registerProcessor(11, (req) => createResponse(req, ResponseCode.SUCCESS, 'eleven'));
    });
    track(server);
    const client = track(new RemotingClient());
    expect((await client.invoke(addr, createRequest(10), 3000)).remark).toBe('ten');
    expect((await client.invoke(addr, createRequest(11), 3000)).remark).toBe('eleven');
    const unknown = await client.invoke(addr, createRequest(777), 3000);
    expect(unknown.code).toBe(ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    expect(unknown.remark).toBe(' request type 777 not supported');

    server.registerDefaultProcessor((req) => createResponse(req, ResponseCode.SUCCESS, `default ${req.code}`));
    expect((await client.invoke(addr, createRequest(777), 3000)).remark).toBe('default 777');
    expect((await client.invoke(addr, createRequest(10), 3000)).remark).toBe('ten');
  });

  it('answers SYSTEM_BUSY when the executor is saturated, then serves queued requests', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const executor = new BoundedExecutor({ concurrency: 1, queueCapacity: 1 });
    const { server, addr } = await startServer({}, (s) =>
      s.registerProcessor(
        RequestCode.PULL_MESSAGE,
        async (req) => {
          await gate;
          return createResponse(req, ResponseCode.SUCCESS);
        },
        { executor },
      ),
    );
    track(server);
    const client = track(new RemotingClient());
    const first = client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 5000);
    const second = client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 5000);
    const third = await client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 5000);
    expect(third.code).toBe(ResponseCode.SYSTEM_BUSY);
    expect(third.remark).toContain('system busy');
    expect(executor.running).toBe(1);
    expect(executor.queued).toBe(1);
    release();
    expect((await first).code).toBe(ResponseCode.SUCCESS);
    expect((await second).code).toBe(ResponseCode.SUCCESS);
  });

  it('answers SYSTEM_BUSY when the processor rejects requests', async () => {
    let busy = true;
    const { server, addr } = await startServer({}, (s) =>
      s.registerProcessor(RequestCode.SEND_MESSAGE, echo, { rejectRequest: () => busy }),
    );
    track(server);
    const client = track(new RemotingClient());
    const res = await client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE), 3000);
    expect(res.code).toBe(ResponseCode.SYSTEM_BUSY);
    expect(res.remark).toContain('[REJECTREQUEST]');
    busy = false;
    expect((await client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE), 3000)).code).toBe(ResponseCode.SUCCESS);
  });

  it('answers SYSTEM_ERROR with the message when a handler throws or rejects, and keeps serving', async () => {
    const logger = new MemoryLogger();
    const { server, addr } = await startServer({ logger }, (s) => {
      s.registerProcessor(1000, () => {
        throw new Error('sync failure');
      });
      s.registerProcessor(1001, () => Promise.reject(new Error('async failure')));
      s.registerProcessor(1002, echo);
    });
    track(server);
    const client = track(new RemotingClient());
    const a = await client.invoke(addr, createRequest(1000), 3000);
    expect(a.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(a.remark).toBe('sync failure');
    const b = await client.invoke(addr, createRequest(1001, {}, undefined, { serializeType: SerializeType.ROCKETMQ }), 3000);
    expect(b.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(b.remark).toBe('async failure');
    expect(b.serializeType).toBe(SerializeType.ROCKETMQ);
    expect((await client.invoke(addr, createRequest(1002), 3000)).code).toBe(ResponseCode.SUCCESS);
    expect(logger.records.filter((r) => r.level === 'error')).toHaveLength(2);
  });

  it('answers SYSTEM_ERROR when a custom executor throws, and keeps the connection', async () => {
    const { server, addr } = await startServer({}, (s) => {
      s.registerProcessor(1003, echo, {
        executor: {
          submit: () => {
            throw new Error('executor exploded');
          },
        },
      });
      s.registerProcessor(1004, echo);
    });
    track(server);
    const client = track(new RemotingClient());
    const res = await client.invoke(addr, createRequest(1003), 3000);
    expect(res.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(res.remark).toBe('executor exploded');
    expect((await client.invoke(addr, createRequest(1004), 3000)).code).toBe(ResponseCode.SUCCESS);
  });

  it('lets a handler answer later through channel.send (long polling)', async () => {
    const { server, addr } = await startServer({}, (s) =>
      s.registerProcessor(RequestCode.PULL_MESSAGE, (req, channel) => {
        setTimeout(() => channel.send(createResponse(req, ResponseCode.PULL_NOT_FOUND, 'later')), 30);
        return undefined;
      }),
    );
    track(server);
    const client = track(new RemotingClient());
    const res = await client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 3000);
    expect(res.code).toBe(ResponseCode.PULL_NOT_FOUND);
    expect(res.remark).toBe('later');
  });
});

describe('connection lifecycle', () => {
  it('rejects pending requests with retriable CONNECTION when the server closes the connection', async () => {
    const opened: Channel[] = [];
    const closedInfo: string[] = [];
    const { server, addr } = await startServer({}, (s) => {
      s.on('channelOpen', (ch) => opened.push(ch));
      s.on('channelClose', (_ch, info) => closedInfo.push(info.reason));
      s.registerProcessor(RequestCode.PULL_MESSAGE, () => undefined); // never answers
    });
    track(server);
    const client = track(new RemotingClient());
    const clientCloses: string[] = [];
    client.on('channelClose', (_ch, info) => clientCloses.push(info.reason));
    const pending = [1, 2, 3].map(() => client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 10_000));
    await waitFor(() => opened.length === 1 && client.peekChannel(addr)?.inflight === 3);
    const errors = pending.map((p) => rejection(p));
    await opened[0]!.close();
    for (const err of await Promise.all(errors)) {
      expect(err.code).toBe(ErrorCode.CONNECTION);
      expect(err.retriable).toBe(true);
    }
    expect(closedInfo).toEqual(['local']);
    await waitFor(() => clientCloses.length === 1);
    expect(clientCloses).toEqual(['remote']);
    expect(server.channels.size).toBe(0);
  });

  it('rejects pending requests when the client closes, and refuses use afterwards', async () => {
    const { server, addr } = await startServer({}, (s) => s.registerProcessor(RequestCode.PULL_MESSAGE, () => undefined));
    track(server);
    const client = new RemotingClient();
    const pending = rejection(client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 10_000));
    await waitFor(() => client.peekChannel(addr)?.inflight === 1);
    await client.close();
    expect((await pending).code).toBe(ErrorCode.CONNECTION);
    expect((await rejection(client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 1000))).code).toBe(ErrorCode.STATE);
  });

  it('reconnects on the next use after the connection closed', async () => {
    const opened: Channel[] = [];
    const { server, addr } = await startServer({}, (s) => {
      s.on('channelOpen', (ch) => opened.push(ch));
      s.registerProcessor(RequestCode.HEART_BEAT, echo);
    });
    track(server);
    const client = track(new RemotingClient());
    await client.invoke(addr, createRequest(RequestCode.HEART_BEAT), 3000);
    const firstLocal = client.peekChannel(addr)!.localAddress;
    await opened[0]!.close();
    await waitFor(() => client.peekChannel(addr) === undefined);
    const res = await client.invoke(addr, createRequest(RequestCode.HEART_BEAT), 3000);
    expect(res.code).toBe(ResponseCode.SUCCESS);
    expect(opened).toHaveLength(2);
    expect(client.peekChannel(addr)!.localAddress).not.toBe(firstLocal);
  });

  it('reconnects after the whole server restarted on the same port', async () => {
    const first = await startServer({}, (s) => s.registerProcessor(RequestCode.HEART_BEAT, echo));
    const client = track(new RemotingClient());
    await client.invoke(first.addr, createRequest(RequestCode.HEART_BEAT), 3000);
    await first.server.close();
    const err = await rejection(client.invoke(first.addr, createRequest(RequestCode.HEART_BEAT), 3000));
    expect(err.code).toBe(ErrorCode.CONNECTION);
    expect(err.retriable).toBe(true);
    const again = new RemotingServer();
    again.registerProcessor(RequestCode.HEART_BEAT, echo);
    await again.listen(first.port, LOOPBACK);
    track(again);
    expect((await client.invoke(first.addr, createRequest(RequestCode.HEART_BEAT), 3000)).code).toBe(ResponseCode.SUCCESS);
  });

  it('shares one connection attempt between concurrent first calls', async () => {
    let opened = 0;
    const { server, addr } = await startServer({}, (s) => {
      s.on('channelOpen', () => opened++);
      s.registerProcessor(RequestCode.HEART_BEAT, echo);
    });
    track(server);
    const client = track(new RemotingClient());
    await Promise.all(Array.from({ length: 20 }, () => client.invoke(addr, createRequest(RequestCode.HEART_BEAT), 3000)));
    expect(opened).toBe(1);
  });

  it('fails fast with CONNECTION for a refused port and ARGUMENT for a bad address', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, LOOPBACK, resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = track(new RemotingClient());
    const refused = await rejection(client.invoke(`${LOOPBACK}:${port}`, createRequest(RequestCode.HEART_BEAT), 3000));
    expect(refused.code).toBe(ErrorCode.CONNECTION);
    expect(refused.retriable).toBe(true);
    expect((await rejection(client.invoke('no-port-here', createRequest(1), 1000))).code).toBe(ErrorCode.ARGUMENT);
  });

  it('rejects with retriable CONNECTION when connecting takes longer than connectTimeoutMs', async () => {
    // A listener in another process that never accepts: once its accept queue is full, the kernel
    // drops further SYNs and connecting hangs, all on loopback.
    const script =
      "const net=require('net');const s=net.createServer();" +
      "s.listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(s.address().port+'\\n');" +
      'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,20000);process.exit(0)})';
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => void child.kill());
    const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    const fillers: net.Socket[] = [];
    cleanups.push(() => fillers.forEach((f) => f.destroy()));
    while (fillers.length < 16 && !fillers.some((f) => f.readyState === 'opening')) {
      const f = net.connect({ host: LOOPBACK, port });
      f.on('error', () => undefined);
      fillers.push(f);
      await sleep(50);
    }
    const client = track(new RemotingClient({ connectTimeoutMs: 200 }));
    const started = Date.now();
    const err = await rejection(client.invoke(`${LOOPBACK}:${port}`, createRequest(RequestCode.HEART_BEAT), 5000));
    expect(err.code).toBe(ErrorCode.CONNECTION);
    expect(err.retriable).toBe(true);
    expect(err.message).toContain('timed out');
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
  });

  it('closes connections idle longer than channelMaxIdleTimeSeconds and tells listeners', async () => {
    const events: string[] = [];
    const { server, addr } = await startServer({ channelMaxIdleTimeSeconds: 1, timeoutSweepIntervalMs: 20 }, (s) => {
      s.on('channelIdle', () => events.push('idle'));
      s.on('channelClose', (_ch, info) => events.push(`close:${info.reason}`));
      s.registerProcessor(RequestCode.HEART_BEAT, echo);
    });
    track(server);
    const client = track(new RemotingClient({ channelMaxIdleTimeSeconds: 0 }));
    await client.invoke(addr, createRequest(RequestCode.HEART_BEAT), 3000);
    await waitFor(() => events.length === 2, 5000, 'idle close');
    expect(events).toEqual(['idle', 'close:idle']);
    await waitFor(() => client.peekChannel(addr) === undefined);
  });

  it('server.close stops accepting, closes connections and resolves', async () => {
    const { server, addr, port } = await startServer({}, (s) => s.registerProcessor(RequestCode.HEART_BEAT, echo));
    const clients = [new RemotingClient(), new RemotingClient()];
    for (const c of clients) {
      track(c);
      await c.invoke(addr, createRequest(RequestCode.HEART_BEAT), 3000);
    }
    expect(server.channels.size).toBe(2);
    await server.close();
    expect(server.channels.size).toBe(0);
    await expect(
      new Promise((resolve, reject) => {
        const s = net.connect({ host: LOOPBACK, port }, () => resolve('connected'));
        s.on('error', reject);
      }),
    ).rejects.toThrow();
  });
});

describe('in-flight cap', () => {
  it('rejects the request over maxInflight at once with retriable TOO_MANY_REQUESTS', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { server, addr } = await startServer({}, (s) =>
      s.registerProcessor(RequestCode.PULL_MESSAGE, async (req) => {
        if (req.extFields['hold'] === 'yes') await gate;
        return createResponse(req, ResponseCode.SUCCESS);
      }),
    );
    track(server);
    const client = track(new RemotingClient({ maxInflight: 5 }));
    const held = Array.from({ length: 5 }, () => client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE, { hold: 'yes' }), 10_000));
    await waitFor(() => client.peekChannel(addr)?.inflight === 5);
    const err = await rejection(client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 5000));
    expect(err.code).toBe(ErrorCode.TOO_MANY_REQUESTS);
    expect(err.retriable).toBe(true);
    release();
    for (const r of await Promise.all(held)) expect(r.code).toBe(ResponseCode.SUCCESS);
    expect(client.peekChannel(addr)!.inflight).toBe(0);
    expect((await client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 5000)).code).toBe(ResponseCode.SUCCESS);
  });

  it('frees slots when requests time out', async () => {
    const { server, addr } = await startServer({}, (s) => s.registerProcessor(RequestCode.PULL_MESSAGE, () => undefined));
    track(server);
    const client = track(new RemotingClient({ maxInflight: 2, timeoutSweepIntervalMs: 10 }));
    await client.getChannel(addr);
    const a = client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 50);
    const b = client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 50);
    await Promise.allSettled([a, b]);
    expect(client.peekChannel(addr)!.inflight).toBe(0);
    const c = client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 50);
    expect((await rejection(c)).code).toBe(ErrorCode.TIMEOUT);
  });
});
