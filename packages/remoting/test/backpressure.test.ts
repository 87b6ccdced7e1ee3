import { afterEach, describe, expect, it, vi } from 'vitest';
import net from 'node:net';
import { ErrorCode, RmqError, silentLogger } from '@rocketmq-ts/common';
import { FrameDecoder, RequestCode, ResponseCode, createRequest, createResponse, decodeCommand, encodeFrame } from '@rocketmq-ts/protocol';
import type { RemotingCommand } from '@rocketmq-ts/protocol';
import { RemotingClient, defaultRemotingClientOptions } from '@rocketmq-ts/remoting';
import type { Channel } from '@rocketmq-ts/remoting';
import { TcpChannel } from '../src/connection.js';
import { LOOPBACK, RawPeer, sleep, startServer, waitFor } from './helpers.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const KiB = 1024;

/** A plain TCP server whose accepted sockets a test can pause and resume. */
async function rawServer(): Promise<{ port: number; sockets: net.Socket[]; close: () => Promise<void> }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('server backpressure', () => {
  it('stops reading from a peer that does not read its responses, keeping buffered bytes bounded', async () => {
    const HWM = 256 * KiB;
    const LWM = 64 * KiB;
    const big = Buffer.alloc(64 * KiB, 0x5a);
    let handled = 0;
    const opened: Channel[] = [];
    const { server, port } = await startServer({ writeHighWaterMark: HWM, writeLowWaterMark: LWM }, (s) => {
      s.on('channelOpen', (ch) => opened.push(ch));
      s.registerProcessor(RequestCode.PULL_MESSAGE, (req) => {
        handled++;
        return createResponse(req, ResponseCode.SUCCESS, undefined, {}, big);
      });
    });
    cleanups.push(() => server.close());
    const peer = await RawPeer.connect(port);
    cleanups.push(() => peer.destroy());
    peer.socket.pause(); // a peer that stops reading

    const REQUESTS = 1000; // 64 MiB of responses, far more than socket buffers hold
    const requests = Array.from({ length: REQUESTS }, () => encodeFrame(createRequest(RequestCode.PULL_MESSAGE)));
    peer.write(Buffer.concat(requests));
    await waitFor(() => opened.length === 1);
    const channel = opened[0] as TcpChannel;

    let maxBuffered = 0;
    const until = Date.now() + 600;
    while (Date.now() < until) {
      maxBuffered = Math.max(maxBuffered, channel.bufferedBytes);
      await sleep(2);
    }
    expect(channel.readingPaused).toBe(true);
    expect(channel.isWritable).toBe(false);
    expect(handled).toBeLessThan(REQUESTS);
    // One response may cross the mark before reading pauses.
    expect(maxBuffered).toBeLessThanOrEqual(HWM + big.length + 1024);

    // Once the peer reads again, everything is answered.
    peer.socket.resume();
    await peer.waitForCount(REQUESTS, 20_000);
    expect(handled).toBe(REQUESTS);
    expect(peer.received.every((r) => r.code === ResponseCode.SUCCESS && r.body?.length === big.length)).toBe(true);
    await waitFor(() => channel.isWritable && !channel.readingPaused);
  });
});

describe('client backpressure', () => {
  it('holds new requests while the connection is unwritable and times them out; writable() resolves after draining', async () => {
    const raw = await rawServer();
    cleanups.push(() => raw.close());
    const HWM = 256 * KiB;
    const client = new RemotingClient({ writeHighWaterMark: HWM, writeLowWaterMark: 64 * KiB, timeoutSweepIntervalMs: 10 });
    cleanups.push(() => client.close());
    const addr = `${LOOPBACK}:${raw.port}`;
    const channel = (await client.getChannel(addr)) as TcpChannel;
    await waitFor(() => raw.sockets.length === 1);
    raw.sockets[0]!.pause(); // the server stops reading

    const body = Buffer.alloc(64 * KiB, 1);
    const outcomes: Array<Promise<RmqError>> = [];
    let maxBuffered = 0;
    // Keep offering 64 KiB requests until the socket buffers are full and requests start to wait.
    for (let round = 0; round < 400 && channel.isWritable; round++) {
      for (let i = 0; i < 8; i++) {
        outcomes.push(
          channel.invoke(createRequest(RequestCode.SEND_MESSAGE, {}, body), 400).then(
            () => {
              throw new Error('no response expected');
            },
            (err: RmqError) => err,
          ),
        );
      }
      maxBuffered = Math.max(maxBuffered, channel.bufferedBytes);
      await sleep(1);
      maxBuffered = Math.max(maxBuffered, channel.bufferedBytes);
    }
    expect(channel.isWritable).toBe(false);
    const writable = channel.writable();
    let writableResolved = false;
    void writable.then(() => {
      writableResolved = true;
    });
    // Requests offered now wait instead of growing the buffer.
    for (let i = 0; i < 50; i++) {
      outcomes.push(channel.invoke(createRequest(RequestCode.SEND_MESSAGE, {}, body), 400).then(() => new RmqError('x', 'x'), (err: RmqError) => err));
      maxBuffered = Math.max(maxBuffered, channel.bufferedBytes);
    }
    expect(maxBuffered).toBeLessThanOrEqual(HWM + body.length + 1024);
    const errors = await Promise.all(outcomes);
    expect(errors.every((e) => e.code === ErrorCode.TIMEOUT && e.retriable)).toBe(true);
    expect(errors.some((e) => e.message.includes('writable'))).toBe(true);
    expect(channel.inflight).toBe(0);
    expect(writableResolved).toBe(false);

    raw.sockets[0]!.resume(); // drain
    await writable;
    expect(channel.isWritable).toBe(true);
  });

  it('turns writable again even when no write filled the socket buffer (low-water mark 0)', async () => {
    const { server, addr } = await startServer({}, (s) => s.registerProcessor(RequestCode.SEND_MESSAGE, () => undefined));
    cleanups.push(() => server.close());
    const client = new RemotingClient({ writeHighWaterMark: 1024, writeLowWaterMark: 0 });
    cleanups.push(() => client.close());
    const channel = await client.getChannel(addr);
    const sent = channel.invokeOneway(createRequest(RequestCode.SEND_MESSAGE, {}, Buffer.alloc(2048)));
    expect(channel.isWritable).toBe(false);
    const held = channel.invokeOneway(createRequest(RequestCode.SEND_MESSAGE, {}, Buffer.alloc(10)));
    await channel.writable();
    await sent;
    await held;
    expect(channel.isWritable).toBe(true);
    expect(channel.bufferedBytes).toBe(0);
  });

  it('rejects writable() waiters with CONNECTION when the connection closes', async () => {
    const raw = await rawServer();
    cleanups.push(() => raw.close());
    const client = new RemotingClient({ writeHighWaterMark: 1024, writeLowWaterMark: 0 });
    cleanups.push(() => client.close());
    const channel = await client.getChannel(`${LOOPBACK}:${raw.port}`);
    await waitFor(() => raw.sockets.length === 1);
    raw.sockets[0]!.pause();
    void channel.invokeOneway(createRequest(RequestCode.SEND_MESSAGE, {}, Buffer.alloc(8 * 1024 * 1024)));
    expect(channel.isWritable).toBe(false);
    const waiter = channel.writable().then(
      () => undefined,
      (err: RmqError) => err,
    );
    raw.sockets[0]!.destroy();
    const err = await waiter;
    expect(err?.code).toBe(ErrorCode.CONNECTION);
  });
});

describe('write batching', () => {
  async function channelToRawServer() {
    const raw = await rawServer();
    cleanups.push(() => raw.close());
    const socket = net.connect({ host: LOOPBACK, port: raw.port });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const channel = new TcpChannel(
      socket,
      { dispatch: () => undefined, channelIdle: () => undefined, channelClosed: () => undefined },
      defaultRemotingClientOptions(),
      silentLogger,
    );
    cleanups.push(() => channel.close());
    await waitFor(() => raw.sockets.length === 1);
    const received: RemotingCommand[] = [];
    const decoder = new FrameDecoder(64 * 1024 * 1024);
    raw.sockets[0]!.on('data', (chunk: Buffer) => {
      decoder.push(chunk);
      for (let f = decoder.next(); f !== undefined; f = decoder.next()) received.push(decodeCommand(f));
    });
    return { socket, channel, received };
  }

  it('sends the small frames queued in one tick with a single socket write', async () => {
    const { socket, channel, received } = await channelToRawServer();
    const write = vi.spyOn(socket, 'write');
    for (let i = 0; i < 100; i++) {
      void channel.invokeOneway(createRequest(RequestCode.HEART_BEAT, { i: String(i) }, Buffer.alloc(100, i)));
    }
    expect(write).not.toHaveBeenCalled(); // queued, not written yet
    await waitFor(() => received.length === 100);
    expect(write).toHaveBeenCalledTimes(1);
    expect(received.map((c) => c.extFields['i'])).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  });

  it('keeps every frame intact across ticks of mixed small and large bodies while the encode buffer is reused', async () => {
    const { channel, received } = await channelToRawServer();
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const sizes: number[] = [];
    for (let i = 0; i < 3000; i++) sizes.push(i % 97 === 0 ? 20 * KiB + rand(1000) : rand(10) === 0 ? 0 : rand(3000));
    let sent = 0;
    for (let tick = 0; sent < sizes.length; tick++) {
      const n = 1 + rand(80);
      for (let k = 0; k < n && sent < sizes.length; k++, sent++) {
        void channel.invokeOneway(createRequest(RequestCode.HEART_BEAT, { i: String(sent) }, Buffer.alloc(sizes[sent]!, sent % 251)));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => received.length === sizes.length, 20_000, 'all frames');
    received.forEach((c, i) => {
      expect(c.extFields['i']).toBe(String(i));
      const body = c.body ?? Buffer.alloc(0);
      expect(body.length).toBe(sizes[i]);
      expect(body.every((b) => b === i % 251)).toBe(true);
    });
  });

  it('keeps every frame intact when writes back up behind a paused peer', async () => {
    const raw = await rawServer();
    cleanups.push(() => raw.close());
    const socket = net.connect({ host: LOOPBACK, port: raw.port });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const channel = new TcpChannel(
      socket,
      { dispatch: () => undefined, channelIdle: () => undefined, channelClosed: () => undefined },
      { ...defaultRemotingClientOptions(), writeHighWaterMark: 64 * 1024 * 1024 },
      silentLogger,
    );
    cleanups.push(() => channel.close());
    await waitFor(() => raw.sockets.length === 1);
    const peer = raw.sockets[0]!;
    peer.pause();
    const count = 4000;
    for (let i = 0; i < count; i++) {
      void channel.invokeOneway(createRequest(RequestCode.HEART_BEAT, { i: String(i) }, Buffer.alloc(1000 + (i % 7) * 300, i % 251)));
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(socket.writableLength).toBeGreaterThan(0); // the kernel's buffers are full: later batches must not overwrite queued ones
    const received: RemotingCommand[] = [];
    const decoder = new FrameDecoder(64 * 1024 * 1024);
    peer.on('data', (chunk: Buffer) => {
      decoder.push(chunk);
      for (let f = decoder.next(); f !== undefined; f = decoder.next()) received.push(decodeCommand(f));
    });
    peer.resume();
    await waitFor(() => received.length === count, 20_000, 'all frames');
    received.forEach((c, i) => {
      expect(c.extFields['i']).toBe(String(i));
      expect(c.body!.length).toBe(1000 + (i % 7) * 300);
      expect(c.body!.every((b) => b === i % 251)).toBe(true);
    });
  });

  it('writes a large body as the caller passed it, without copying', async () => {
    const { socket, channel, received } = await channelToRawServer();
    const write = vi.spyOn(socket, 'write');
    const body = Buffer.alloc(1024 * 1024, 9);
    void channel.invokeOneway(createRequest(RequestCode.HEART_BEAT, {}, Buffer.from('small')));
    void channel.invokeOneway(createRequest(RequestCode.SEND_MESSAGE, {}, body));
    void channel.invokeOneway(createRequest(RequestCode.HEART_BEAT, {}, Buffer.from('after')));
    await waitFor(() => received.length === 3);
    const written = write.mock.calls.map((call) => call[0]);
    expect(written.some((chunk) => chunk === body)).toBe(true);
    expect(received[1]!.body?.equals(body)).toBe(true);
    expect(received[2]!.body?.toString()).toBe('after');
  });
});
