import net from 'node:net';
import { FrameDecoder, decodeCommand, encodeFrame } from '@rocketmq-ts/protocol';
import type { RemotingCommand } from '@rocketmq-ts/protocol';
import { RemotingServer } from '../src/server.js';
import type { RemotingServerInit } from '../src/server.js';

export const LOOPBACK = '127.0.0.1';

export async function startServer(
  init: RemotingServerInit = {},
  setup: (server: RemotingServer) => void = () => undefined,
): Promise<{ server: RemotingServer; port: number; addr: string }> {
  const server = new RemotingServer(init);
  setup(server);
  const port = await server.listen(0, LOOPBACK);
  return { server, port, addr: `${LOOPBACK}:${port}` };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A frame with hand-made header bytes: length, type word, header, body. */
export function rawFrame(header: Buffer, serializeType: number, body: Buffer = Buffer.alloc(0), headerLenOverride?: number): Buffer {
  const out = Buffer.alloc(8 + header.length + body.length);
  out.writeInt32BE(4 + header.length + body.length, 0);
  out.writeUInt32BE(((serializeType & 0xff) << 24 | ((headerLenOverride ?? header.length) & 0xffffff)) >>> 0, 4);
  header.copy(out, 8);
  body.copy(out, 8 + header.length);
  return out;
}

/**
 * A bare TCP peer that writes whatever bytes a test wants and decodes what
 * comes back, to check the server's answers on the wire.
 */
export class RawPeer {
  readonly socket: net.Socket;
  readonly received: RemotingCommand[] = [];
  /** Type byte of each received frame, as written on the wire. */
  readonly receivedTypes: number[] = [];
  readonly closed: Promise<void>;
  bytesReceived = 0;
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);
  private waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      this.decoder.push(chunk);
      for (let frame = this.decoder.next(); frame !== undefined; frame = this.decoder.next()) {
        this.receivedTypes.push(frame.readUInt8(0));
        this.received.push(decodeCommand(frame));
      }
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static connect(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: LOOPBACK, port }, () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  send(command: RemotingCommand): void {
    this.socket.write(encodeFrame(command));
  }

  /** Waits until `count` commands have been received in total. */
  async waitForCount(count: number, timeoutMs = 5000): Promise<RemotingCommand[]> {
    const until = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = until - Date.now();
      if (left <= 0) throw new Error(`expected ${count} frames, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received.slice(0, count);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
