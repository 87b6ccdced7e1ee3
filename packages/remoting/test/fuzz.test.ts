/**
 * Throws random and mutated frames at a live server over several
 * connections, then checks a well-behaved client is still served and nothing
 * was logged as an error. Replay a failure with REMOTING_FUZZ_SEED=<seed>.
 */
import { afterAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { MemoryLogger } from '@rocketmq-ts/common';
import {
  FrameDecoder,
  RequestCode,
  ResponseCode,
  SerializeType,
  createRequest,
  createResponse,
  decodeCommand,
  encodeFrame,
} from '@rocketmq-ts/protocol';
import type { RemotingCommand } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { LOOPBACK, sleep, startServer } from './helpers.js';

const TARGET_FRAMES = 100_000;
const CONNECTIONS = 4;
const FRAMES_PER_BATCH = 400;
const MAX_FRAME = 64 * 1024;

/** mulberry32: small, fast, good enough to drive a fuzzer reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class FrameFactory {
  readonly counts = new Map<string, number>();
  private readonly rand: () => number;

  constructor(rand: () => number) {
    this.rand = rand;
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  private bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  private text(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.rand() < 0.9 ? 32 + this.int(95) : this.int(0x3000));
    return s;
  }

  private command(serializeType: SerializeType): RemotingCommand {
    const ext: Record<string, string> = {};
    const fields = this.int(6);
    for (let i = 0; i < fields; i++) ext[this.text(1 + this.int(12))] = this.text(this.int(40));
    const body = this.rand() < 0.6 ? this.bytes(this.int(this.rand() < 0.05 ? 8000 : 300)) : undefined;
    const code = this.pick([RequestCode.HEART_BEAT, RequestCode.SEND_MESSAGE, RequestCode.PULL_MESSAGE, this.int(70_000) - 2000]);
    const cmd = createRequest(code & 0x7fff, ext, body, { serializeType, oneway: this.rand() < 0.2 });
    if (this.rand() < 0.2) cmd.remark = this.text(this.int(50));
    return cmd;
  }

  private valid(): Buffer {
    return encodeFrame(this.command(this.rand() < 0.5 ? SerializeType.JSON : SerializeType.ROCKETMQ));
  }

  private withLength(inner: Buffer): Buffer {
    const out = Buffer.allocUnsafe(4 + inner.length);
    out.writeInt32BE(inner.length, 0);
    inner.copy(out, 4);
    return out;
  }

  private garbageJson(): string {
    const tokens = ['{', '}', '[', ']', ':', ',', '"code"', '"opaque"', '"flag"', '"extFields"', '"remark"', '"language"', 'null', 'true', '1e999', '-0', '"\\u0000"', '"\\ud800"', '12', '"JAVA"', '"__proto__"', '{"a":{"b":[[[[', '9007199254740993'];
    let s = this.rand() < 0.5 ? '{"code":34,"opaque":' + String(this.int(1e6)) + ',' : '';
    const n = this.int(30);
    for (let i = 0; i < n; i++) s += this.rand() < 0.85 ? this.pick(tokens) : this.text(this.int(8));
    return s;
  }

  next(): Buffer {
    const r = this.rand() * 100;
    let kind: string;
    let frame: Buffer;
    if (r < 15) {
      kind = 'valid';
      frame = this.valid();
    } else if (r < 35) {
      kind = 'flip-after-prefix';
      frame = this.valid();
      const flips = 1 + this.int(8);
      for (let i = 0; i < flips; i++) frame[4 + this.int(frame.length - 4)] = this.int(256);
    } else if (r < 43) {
      kind = 'header-length-word';
      frame = this.valid();
      const headerLen = frame.readInt32BE(4) & 0xffffff;
      const next = this.rand() < 0.5 ? Math.max(0, headerLen + this.int(64) - 32) : this.int(0x1000000);
      frame.writeUInt32BE(((frame[4]! << 24) | next) >>> 0, 4);
    } else if (r < 50) {
      kind = 'serialize-type';
      frame = this.valid();
      frame[4] = this.int(256);
    } else if (r < 60) {
      kind = 'garbage-json';
      const header = Buffer.from(this.garbageJson(), 'utf8');
      const inner = Buffer.allocUnsafe(4 + header.length);
      inner.writeInt32BE(header.length, 0);
      header.copy(inner, 4);
      frame = this.withLength(inner);
    } else if (r < 70) {
      kind = 'binary-inner-lengths';
      const cmd = this.command(SerializeType.ROCKETMQ);
      cmd.extFields = { k: 'v', key2: 'value2' };
      frame = encodeFrame(cmd);
      const remarkLenAt = 8 + 13;
      const remarkLen = frame.readInt32BE(remarkLenAt);
      const extLenAt = remarkLenAt + 4 + remarkLen;
      const huge = this.pick([0x7fffffff, -1, 0x10000, this.int(0x7fffffff), -this.int(0x7fffffff)]);
      const where = this.int(4);
      if (where === 0) frame.writeInt32BE(huge, remarkLenAt);
      else if (where === 1) frame.writeInt32BE(huge, extLenAt);
      else if (where === 2) frame.writeInt16BE((huge & 0xffff) - 0x8000, extLenAt + 4); // first key length
      else frame.writeInt32BE(huge, extLenAt + 4 + 2 + 1); // first value length
    } else if (r < 78) {
      kind = 'garbage';
      frame = this.withLength(this.bytes(this.int(this.rand() < 0.1 ? 4000 : 200)));
    } else if (r < 86) {
      kind = 'truncated';
      const whole = this.valid();
      const keep = 4 + this.int(whole.length - 4);
      frame = this.withLength(whole.subarray(4, keep));
    } else if (r < 94) {
      kind = 'extended';
      const whole = this.valid();
      frame = this.withLength(Buffer.concat([whole.subarray(4), this.bytes(1 + this.int(300))]));
    } else if (r < 99.5) {
      kind = 'response-flag-or-odd-fields';
      const cmd = this.command(this.rand() < 0.5 ? SerializeType.JSON : SerializeType.ROCKETMQ);
      cmd.flag = this.int(16);
      cmd.opaque = this.int(0x7fffffff) - 0x3fffffff;
      cmd.language = this.int(128);
      cmd.version = this.int(0x7fff);
      frame = encodeFrame(cmd);
    } else if (r < 99.95) {
      kind = 'flip-anywhere';
      frame = this.valid();
      frame[this.int(frame.length)] = this.int(256);
    } else {
      kind = 'bad-length-prefix';
      frame = this.valid();
      frame.writeInt32BE(this.rand() < 0.5 ? -1 - this.int(0x7fffffff) : MAX_FRAME + 1 + this.int(0x7fffffff - MAX_FRAME - 1), 0);
    }
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    return frame;
  }
}

/**
 * One fuzzing connection. Each batch ends with a well-formed probe request;
 * the next batch waits for its answer (or for the server to drop the
 * connection), so the sender cannot race ahead of the server into socket
 * buffers. Reconnects whenever the server closes the connection.
 */
class FuzzConnection {
  responses = 0;
  undecodableResponses = 0;
  reconnects = 0;
  probeTimeouts = 0;
  private socket: net.Socket | undefined;
  private open = false;
  private readonly port: number;
  private nextProbe = 0x7f000000;
  private wake: (() => void) | undefined;
  private answered = new Set<number>();

  constructor(port: number) {
    this.port = port;
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: LOOPBACK, port: this.port });
      const decoder = new FrameDecoder(64 * 1024 * 1024);
      socket.on('data', (chunk: Buffer) => {
        decoder.push(chunk);
        for (let f = decoder.next(); f !== undefined; f = decoder.next()) {
          try {
            const cmd = decodeCommand(f);
            this.responses++;
            if (cmd.opaque >= 0x7f000000) this.answered.add(cmd.opaque);
          } catch {
            this.undecodableResponses++;
          }
        }
        this.wake?.();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (this.socket === socket) this.open = false;
        this.wake?.();
      });
      socket.once('connect', () => {
        this.socket = socket;
        this.open = true;
        resolve();
      });
      socket.once('error', reject);
    });
  }

  async send(frames: Buffer[]): Promise<number> {
    if (!this.open) {
      if (this.socket !== undefined) this.reconnects++;
      await this.connect();
    }
    const socket = this.socket!;
    const probe = createRequest(RequestCode.HEART_BEAT);
    probe.opaque = this.nextProbe++;
    frames.push(encodeFrame(probe));
    const batch = Buffer.concat(frames);
    socket.write(batch, () => undefined);
    const until = Date.now() + 2000;
    while (this.open && this.socket === socket && !this.answered.has(probe.opaque)) {
      const left = until - Date.now();
      if (left <= 0) {
        this.probeTimeouts++; // e.g. a flipped length prefix swallowed the probe; the next batch unsticks it
        break;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    this.answered.delete(probe.opaque);
    return batch.length;
  }

  close(): void {
    this.socket?.destroy();
  }
}

describe('fuzz', () => {
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => {
    uncaught.push(err);
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  afterAll(() => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  });

  it(`survives ${TARGET_FRAMES} random and mutated frames and still serves a well-behaved client`, async () => {
    const seed = Number(process.env['REMOTING_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 32));
    console.log(`remoting fuzz seed=${seed} (replay with REMOTING_FUZZ_SEED=${seed})`);
    const factory = new FrameFactory(prng(seed));

    const logger = new MemoryLogger();
    const echo = (req: RemotingCommand): RemotingCommand =>
      createResponse(req, ResponseCode.SUCCESS, req.remark, req.extFields, req.body);
    const { server, port, addr } = await startServer({ logger, maxFrameSize: MAX_FRAME }, (s) => {
      s.registerProcessor(RequestCode.HEART_BEAT, echo);
      s.registerProcessor(RequestCode.SEND_MESSAGE, async (req) => {
        await Promise.resolve();
        return echo(req);
      });
      s.registerProcessor(RequestCode.PULL_MESSAGE, () => undefined);
    });

    const started = Date.now();
    const connections = Array.from({ length: CONNECTIONS }, () => new FuzzConnection(port));
    let sent = 0;
    let bytes = 0;
    await Promise.all(
      connections.map(async (conn) => {
        while (sent < TARGET_FRAMES) {
          const n = Math.min(FRAMES_PER_BATCH, TARGET_FRAMES - sent);
          sent += n;
          const frames: Buffer[] = [];
          for (let i = 0; i < n; i++) frames.push(factory.next());
          bytes += await conn.send(frames);
        }
      }),
    );
    await sleep(300);
    const responses = connections.reduce((sum, c) => sum + c.responses, 0);
    const reconnects = connections.reduce((sum, c) => sum + c.reconnects, 0);
    const probeTimeouts = connections.reduce((sum, c) => sum + c.probeTimeouts, 0);
    const lengthCloses = logger.records.filter((r) => r.msg.includes('closing connection')).length;
    console.log(
      `remoting fuzz: ${sent} frames (${(bytes / 1048576).toFixed(1)} MiB) in ${Date.now() - started} ms, ` +
        `${responses} responses, ${lengthCloses} connections closed for bad lengths, ${reconnects} reconnects, ${probeTimeouts} probe timeouts, kinds ${JSON.stringify(Object.fromEntries(factory.counts))}`,
    );

    // A well-behaved client on its own connection is served correctly.
    const client = new RemotingClient();
    try {
      for (let i = 0; i < 20; i++) {
        const serializeType = i % 2 === 0 ? SerializeType.JSON : SerializeType.ROCKETMQ;
        const body = Buffer.from(`hello ${i}`);
        const req = createRequest(i % 3 === 0 ? RequestCode.SEND_MESSAGE : RequestCode.HEART_BEAT, { i: String(i) }, body, { serializeType });
        const res = await client.invoke(addr, req, 5000);
        expect(res.code).toBe(ResponseCode.SUCCESS);
        expect(res.opaque).toBe(req.opaque);
        expect(res.serializeType).toBe(serializeType);
        expect(res.extFields).toEqual({ i: String(i) });
        expect(res.body?.equals(body)).toBe(true);
      }
      const unknown = await client.invoke(addr, createRequest(31_000), 5000);
      expect(unknown.code).toBe(ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    } finally {
      await client.close();
      for (const c of connections) c.close();
      await server.close();
    }

    expect(sent).toBeGreaterThanOrEqual(TARGET_FRAMES);
    expect(responses).toBeGreaterThan(TARGET_FRAMES * 0.4);
    expect(lengthCloses).toBeGreaterThan(0);
    expect(connections.reduce((sum, c) => sum + c.undecodableResponses, 0)).toBe(0);
    expect(uncaught).toEqual([]);
    expect(logger.records.filter((r) => r.level === 'error' || r.level === 'fatal')).toEqual([]);
  }, 60_000);
});
