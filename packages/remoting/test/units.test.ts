import { describe, expect, it } from 'vitest';
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import { ResponseCode, createRequest } from '@rocketmq-ts/protocol';
import type { RemotingCommand } from '@rocketmq-ts/protocol';
import {
  BoundedExecutor,
  ProcessorRegistry,
  defaultRemotingClientOptions,
  defaultRemotingServerOptions,
  formatAddress,
  parseAddress,
  parseRemotingClientOptions,
  parseRemotingServerOptions,
} from '@rocketmq-ts/remoting';
import type { Channel } from '@rocketmq-ts/remoting';
import { Fifo } from '../src/fifo.js';

function configError(fn: () => unknown): RmqError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RmqError);
    expect((err as RmqError).code).toBe(ErrorCode.CONFIG);
    return err as RmqError;
  }
  throw new Error('expected a CONFIG error');
}

describe('options', () => {
  it('defaults match Java where Java has the setting', () => {
    const s = defaultRemotingServerOptions();
    expect(s.maxFrameSize).toBe(16 * 1024 * 1024);
    expect(s.channelMaxIdleTimeSeconds).toBe(120);
    expect(s.backlog).toBe(1024);
    expect(s.pauseReadingWhenUnwritable).toBe(true);
    const c = defaultRemotingClientOptions();
    expect(c.connectTimeoutMs).toBe(3000);
    expect(c.maxInflight).toBe(65_535);
    expect(c.pauseReadingWhenUnwritable).toBe(false);
    expect(parseRemotingServerOptions(undefined)).toEqual(s);
    expect(parseRemotingClientOptions({ maxInflight: 10 }).maxInflight).toBe(10);
  });

  it('names the bad key', () => {
    expect(configError(() => parseRemotingServerOptions({ maxFrameSize: -1 })).message).toContain('"maxFrameSize"');
    expect(configError(() => parseRemotingServerOptions({ maxFrameSize: '16M' })).message).toContain('"maxFrameSize"');
    expect(configError(() => parseRemotingClientOptions({ connectTimeoutMs: 1.5 })).message).toContain('"connectTimeoutMs"');
    expect(configError(() => parseRemotingServerOptions({ connectTimeoutMs: 1 })).message).toContain('unknown remoting server option "connectTimeoutMs"');
    expect(configError(() => parseRemotingServerOptions({ pauseReadingWhenUnwritable: 'yes' })).message).toContain('"pauseReadingWhenUnwritable"');
    expect(configError(() => parseRemotingClientOptions({ writeHighWaterMark: 10, writeLowWaterMark: 20 })).message).toContain('"writeLowWaterMark"');
    expect(configError(() => parseRemotingClientOptions('fast')).message).toContain('must be an object');
  });
});

describe('addresses', () => {
  it('parses host:port as RocketMQ writes it', () => {
    expect(parseAddress('127.0.0.1:10911')).toEqual({ host: '127.0.0.1', port: 10911 });
    expect(parseAddress('[::1]:9876')).toEqual({ host: '::1', port: 9876 });
    expect(parseAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    for (const bad of ['', '127.0.0.1', ':10911', '127.0.0.1:', '127.0.0.1:70000', '127.0.0.1:x']) {
      expect(() => parseAddress(bad)).toThrow(RmqError);
    }
  });

  it('prints IPv4-mapped peers as IPv4', () => {
    expect(formatAddress('::ffff:127.0.0.1', 5000)).toBe('127.0.0.1:5000');
    expect(formatAddress('127.0.0.1', 10911)).toBe('127.0.0.1:10911');
  });
});

describe('BoundedExecutor', () => {
  it('runs up to concurrency at once, queues up to capacity and refuses the rest', async () => {
    const ex = new BoundedExecutor({ concurrency: 2, queueCapacity: 2 });
    const gates: Array<() => void> = [];
    const started: number[] = [];
    const task = (i: number) => () =>
      new Promise<void>((resolve) => {
        started.push(i);
        gates.push(resolve);
      });
    expect([0, 1, 2, 3, 4].map((i) => ex.submit(task(i)))).toEqual([true, true, true, true, false]);
    expect(started).toEqual([0, 1]);
    expect(ex.running).toBe(2);
    expect(ex.queued).toBe(2);
    gates[0]!();
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g();
    await new Promise((r) => setTimeout(r, 0));
    for (const g of gates) g();
    await new Promise((r) => setTimeout(r, 0));
    expect(ex.running).toBe(0);
    expect(ex.queued).toBe(0);
  });

  it('drains a long queue of synchronous tasks without growing the stack', async () => {
    const ex = new BoundedExecutor({ concurrency: 1, queueCapacity: 200_000 });
    let release!: () => void;
    ex.submit(() => new Promise<void>((r) => (release = r)));
    let ran = 0;
    for (let i = 0; i < 100_000; i++) ex.submit(() => void ran++);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(ran).toBe(100_000);
  });

  it('keeps its slot accounting when a task throws', () => {
    const ex = new BoundedExecutor({ concurrency: 1, queueCapacity: 0 });
    expect(
      ex.submit(() => {
        throw new Error('x');
      }),
    ).toBe(true);
    expect(ex.running).toBe(0);
    expect(ex.submit(() => undefined)).toBe(true);
  });
});

describe('Fifo', () => {
  it('keeps order across growth and wrap-around', () => {
    const q = new Fifo<number>(2);
    const out: number[] = [];
    for (let i = 0; i < 100; i++) {
      q.push(i);
      if (i % 3 === 0) out.push(q.shift()!);
    }
    while (q.length > 0) out.push(q.shift()!);
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(q.shift()).toBeUndefined();
  });
});

describe('ProcessorRegistry against a fake Channel', () => {
  function fakeChannel(): Channel & { sent: RemotingCommand[] } {
    const sent: RemotingCommand[] = [];
    return {
      sent,
      id: 1,
      remoteAddress: '127.0.0.1:1',
      localAddress: '127.0.0.1:2',
      isOpen: true,
      closed: new Promise(() => undefined),
      bufferedBytes: 0,
      isWritable: true,
      inflight: 0,
      invoke: () => Promise.reject(new Error('unused')),
      invokeOneway: () => Promise.resolve(),
      send: (cmd) => {
        sent.push(cmd);
        return true;
      },
      writable: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }

  it('sets opaque, RESPONSE flag and serialize type on whatever the handler returns', () => {
    const registry = new ProcessorRegistry(new BoundedExecutor());
    registry.register(10, () => ({
      code: ResponseCode.SUCCESS,
      language: 0,
      version: 0,
      opaque: 12345,
      flag: 0,
      remark: undefined,
      extFields: {},
      body: undefined,
      serializeType: 0,
    }));
    const ch = fakeChannel();
    const req = createRequest(10, {}, undefined, { serializeType: 1 });
    registry.dispatch(ch, req);
    expect(ch.sent).toHaveLength(1);
    expect(ch.sent[0]).toMatchObject({ opaque: req.opaque, flag: 1, serializeType: 1, code: ResponseCode.SUCCESS });
  });
});
