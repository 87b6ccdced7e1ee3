/**
 * The HA wire format against Apache RocketMQ 4.9's HAService/HAConnection,
 * with the peer driven by hand: frames and reports are built here byte by
 * byte from the Java source (HAConnection.WriteSocketService writes
 * putLong(offset) putInt(size) body; HAClient.reportSlaveMaxOffset writes
 * putLong(maxOffset)), never with the encoder under test.
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DefaultHAService, type DefaultMessageStore, haStoreOf, parseHAOptions } from '../src/index.js';
import { makeTmpDir, msg, openStore, sleep } from './helpers.js';

const SEG = 64 * 1024;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
});

/** 8 bytes, big-endian, written out digit by digit: Java's ByteBuffer.putLong. */
function longBytes(v: number): Buffer {
  return Buffer.from(v.toString(16).padStart(16, '0'), 'hex');
}
/** 4 bytes, big-endian: ByteBuffer.putInt. */
function intBytes(v: number): Buffer {
  return Buffer.from(v.toString(16).padStart(8, '0'), 'hex');
}
/** getLong: the 8 bytes as a hex number. */
function longAt(b: Buffer, pos: number): number {
  return parseInt(b.toString('hex', pos, pos + 8), 16);
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function store(overrides: Record<string, unknown> = {}): Promise<{ store: DefaultMessageStore; dir: string }> {
  const t = await makeTmpDir('rmq-ha-');
  const s = await openStore(t.dir, overrides);
  cleanups.push(async () => {
    await s.shutdown();
    await t.cleanup();
  });
  return { store: s, dir: t.dir };
}

async function haFor(s: DefaultMessageStore, role: 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE', extra: Record<string, unknown> = {}): Promise<DefaultHAService> {
  const ha = new DefaultHAService(
    haStoreOf(s),
    role,
    parseHAOptions({ haListenPort: 0, haListenHost: '127.0.0.1', haSendHeartbeatInterval: 200, haHousekeepingInterval: 5000, haTransferBatchSize: 4096, haConnectRetryInterval: 100, ...extra }),
  );
  await ha.start();
  cleanups.push(() => ha.shutdown());
  return ha;
}

/** A raw TCP peer collecting everything it receives. */
class Peer {
  received = Buffer.alloc(0);
  closed = false;
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => (this.received = Buffer.concat([this.received, d])));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
    cleanups.push(async () => socket.destroy());
  }
  static connect(port: number): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Peer(s)));
      s.once('error', reject);
    });
  }
}

/** Frames parsed by hand: [offset 8][size 4][body]. */
function parseFrames(b: Buffer): { frames: Array<{ offset: number; size: number; body: Buffer }>; rest: number } {
  const frames = [];
  let pos = 0;
  while (b.length - pos >= 12) {
    const size = parseInt(b.toString('hex', pos + 8, pos + 12), 16);
    if (b.length - pos < 12 + size) break;
    frames.push({ offset: longAt(b, pos), size, body: b.subarray(pos + 12, pos + 12 + size) });
    pos += 12 + size;
  }
  return { frames, rest: b.length - pos };
}

describe('HA wire format (4.9)', () => {
  it('master: a new slave reporting 0 gets the last segment in frames of at most haTransferBatchSize, heartbeats are empty headers, acks count', async () => {
    const { store: master, dir } = await store();
    for (let i = 0; i < 100; i++) await master.putMessage(msg('Wire', i % 4, 'x'.repeat(900 + i)));
    const max = master.getMaxPhyOffset();
    expect(max).toBeGreaterThan(SEG); // two segments
    const ha = await haFor(master, 'ASYNC_MASTER');
    const slave = await Peer.connect(ha.listenPort);
    // Nothing is sent before the slave's first report.
    await sleep(300);
    expect(slave.received.length).toBe(0);
    slave.socket.write(Buffer.from('0000000000000000', 'hex'));
    await waitFor('the transfer', () => {
      const { frames } = parseFrames(slave.received);
      const last = frames[frames.length - 1];
      return last !== undefined && last.offset + last.size >= max;
    });
    const seg1 = await readFile(join(dir, 'commitlog', '00000000000000065536'));
    const { frames } = parseFrames(slave.received);
    expect(frames[0]!.offset).toBe(SEG); // the start of the master's last segment, as Java
    let expectOffset = SEG;
    for (const f of frames) {
      if (f.size === 0) continue; // a heartbeat may already be among them
      expect(f.offset).toBe(expectOffset);
      expect(f.size).toBeLessThanOrEqual(4096);
      expect(f.body.equals(seg1.subarray(f.offset - SEG, f.offset - SEG + f.size))).toBe(true);
      expectOffset += f.size;
    }
    expect(expectOffset).toBe(max);

    // Silence: a heartbeat is exactly 8 bytes of the next offset and a zero size.
    const seen = slave.received.length;
    await waitFor('a heartbeat', () => slave.received.length >= seen + 12);
    expect(slave.received.subarray(seen, seen + 12).equals(Buffer.concat([longBytes(max), intBytes(0)]))).toBe(true);

    // An ack (a report after the first) moves push2SlaveMaxOffset.
    expect(ha.getRuntimeInfo().push2SlaveMaxOffset).toBe(0);
    slave.socket.write(longBytes(max));
    await waitFor('the ack', () => ha.getRuntimeInfo().push2SlaveMaxOffset === max);
    expect(ha.slaveFallBehindMuch()).toBe(0);

    // A new write goes out at once.
    const before = slave.received.length;
    const r = await master.putMessage(msg('Wire', 0, 'fresh'));
    await waitFor('the new record', () => parseFrames(slave.received.subarray(before)).frames.some((f) => f.size > 0));
    const next = parseFrames(slave.received.subarray(before)).frames.find((f) => f.size > 0)!;
    expect(next.offset).toBe(max);
    expect(next.size).toBe(r.wroteBytes);

    // A report split across writes still counts once complete.
    const end = master.getMaxPhyOffset();
    const report = longBytes(end);
    slave.socket.write(report.subarray(0, 3));
    await sleep(50);
    slave.socket.write(report.subarray(3));
    await waitFor('the split ack', () => ha.getRuntimeInfo().push2SlaveMaxOffset === end);
  });

  it('master: a slave reporting an offset it already has continues from there; one beyond the log is refused', async () => {
    const { store: master } = await store();
    for (let i = 0; i < 10; i++) await master.putMessage(msg('Wire', 0, `m${i}`));
    const max = master.getMaxPhyOffset();
    const mid = (await master.getMessage('g', 'Wire', 0, 5, 1)).messages[0]!.readInt32BE(0) * 5; // records are equal-sized here
    const ha = await haFor(master, 'ASYNC_MASTER');
    const a = await Peer.connect(ha.listenPort);
    a.socket.write(longBytes(mid));
    await waitFor('frames', () => parseFrames(a.received).frames.some((f) => f.size > 0));
    const first = parseFrames(a.received).frames.find((f) => f.size > 0)!;
    expect(first.offset).toBe(mid);
    expect(first.offset + first.size).toBe(max);

    const b = await Peer.connect(ha.listenPort);
    b.socket.write(longBytes(max + 100));
    await waitFor('the refusal', () => b.closed);
    expect(b.received.length).toBe(0);
    // The refused report was not taken as an ack.
    expect(ha.getRuntimeInfo().push2SlaveMaxOffset).toBe(mid);
  });

  it('slave: reports its offset as 8 bytes, appends hand-built frames split anywhere, checks offsets like Java', async () => {
    const { store: source, dir: srcDir } = await store();
    for (let i = 0; i < 40; i++) await source.putMessage(msg('Wire', i % 2, `body-${i}-` + 'y'.repeat(300), { KEYS: `key${i}` }));
    const max = source.getMaxPhyOffset();
    const log = (await readFile(join(srcDir, 'commitlog', '00000000000000000000'))).subarray(0, max);

    const server = net.createServer();
    const conns: Peer[] = [];
    server.on('connection', (s) => conns.push(new Peer(s)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => server.close(() => r(undefined))));
    const port = (server.address() as net.AddressInfo).port;

    const { store: slave, dir: slaveDir } = await store({ brokerRole: 'SLAVE' });
    const ha = await haFor(slave, 'SLAVE', { haMasterAddress: `127.0.0.1:${port}`, haSendHeartbeatInterval: 60_000 });
    await waitFor('the connection', () => conns.length === 1 && conns[0]!.received.length >= 8);
    const master = conns[0]!;
    // An empty slave reports 0.
    expect(master.received.subarray(0, 8).equals(Buffer.from('0000000000000000', 'hex'))).toBe(true);

    // Frames of odd sizes (cutting records), each written in small pieces.
    const cuts = [0, 1000, 1003, 4000, 4017, max];
    const wire: Buffer[] = [];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const from = cuts[i]!;
      const to = cuts[i + 1]!;
      wire.push(longBytes(from), intBytes(to - from), log.subarray(from, to));
    }
    const all = Buffer.concat(wire);
    for (let pos = 0; pos < all.length; pos += 7) {
      master.socket.write(all.subarray(pos, Math.min(all.length, pos + 7)));
      if (pos % 700 === 0) await sleep(1);
    }
    await waitFor('the slave to hold the log', () => slave.getMaxPhyOffset() === max);
    const slaveLog = (await readFile(join(slaveDir, 'commitlog', '00000000000000000000'))).subarray(0, max);
    expect(slaveLog.equals(log)).toBe(true);
    // Every report is a big-endian long; the last one is the whole log.
    await waitFor('the final report', () => master.received.length >= 16 && longAt(master.received, master.received.length - 8) === max);
    expect(master.received.length % 8).toBe(0);
    // Its queues were built from the copied bytes.
    await waitFor('dispatch', () => slave.getMaxOffsetInQueue('Wire', 1) === 20);
    const a = await source.getMessage('g', 'Wire', 1, 0, 32);
    const b = await slave.getMessage('g', 'Wire', 1, 0, 32);
    expect(b.messages.map((m) => m.toString('hex'))).toEqual(a.messages.map((m) => m.toString('hex')));
    expect((await slave.queryMessage('Wire', 'key7', 4, 0, Date.now() + 60_000)).messages).toHaveLength(1);

    // A heartbeat at the slave's offset is fine...
    master.socket.write(Buffer.concat([longBytes(max), intBytes(0)]));
    await sleep(200);
    expect(master.closed).toBe(false);
    // ...one at another offset is Java's "master pushed offset not equal the max phy offset in slave": the slave closes.
    master.socket.write(Buffer.concat([longBytes(max + 8), intBytes(0)]));
    await waitFor('the slave to close', () => master.closed);
    expect(slave.getMaxPhyOffset()).toBe(max);
    expect(ha.getRuntimeInfo().client.lastCloseReason).toContain('master pushed offset not equal the max phy offset in slave');
    // It connects again and asks for the tail it holds (up to VERIFY_TAIL_BYTES back, here all of it from offset 1:
    // 0 would mean "new slave") to compare it before appending.
    await waitFor('the reconnection', () => conns.length === 2 && conns[1]!.received.length >= 8);
    const again = conns[1]!;
    expect(again.received.subarray(0, 8).equals(longBytes(1))).toBe(true);
    const fresh = await source.putMessage(msg('Wire', 0, 'after-reconnect'));
    const more = (await readFile(join(srcDir, 'commitlog', '00000000000000000000'))).subarray(0, source.getMaxPhyOffset());
    again.socket.write(Buffer.concat([longBytes(1), intBytes(3999), more.subarray(1, 4000)]));
    again.socket.write(Buffer.concat([longBytes(4000), intBytes(more.length - 4000), more.subarray(4000)]));
    await waitFor('the new record', () => slave.getMaxPhyOffset() === fresh.wroteOffset + fresh.wroteBytes);
    const after = (await readFile(join(slaveDir, 'commitlog', '00000000000000000000'))).subarray(0, more.length);
    expect(after.equals(more)).toBe(true);
    await waitFor('the report', () => longAt(again.received, again.received.length - 8) === more.length);
  });

  it('slave: an empty slave takes the master\'s offset at a segment start, and builds queues from there', async () => {
    const { store: source, dir: srcDir } = await store();
    for (let i = 0; i < 100; i++) await source.putMessage(msg('Wire', 0, 'z'.repeat(1000)));
    const max = source.getMaxPhyOffset();
    expect(max).toBeGreaterThan(SEG);
    const seg1 = (await readFile(join(srcDir, 'commitlog', '00000000000000065536'))).subarray(0, max - SEG);
    const firstQueueOffset = (await source.lookMessageByOffset(SEG))!.queueOffset;

    const server = net.createServer();
    const conns: Peer[] = [];
    server.on('connection', (s) => conns.push(new Peer(s)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => server.close(() => r(undefined))));
    const { store: slave, dir: slaveDir } = await store({ brokerRole: 'SLAVE' });
    await haFor(slave, 'SLAVE', { haMasterAddress: `127.0.0.1:${(server.address() as net.AddressInfo).port}` });
    await waitFor('the report', () => conns.length === 1 && conns[0]!.received.length >= 8);
    conns[0]!.socket.write(Buffer.concat([longBytes(SEG), intBytes(seg1.length), seg1]));
    await waitFor('the copy', () => slave.getMaxPhyOffset() === max);
    expect(slave.getMinPhyOffset()).toBe(SEG);
    expect((await readFile(join(slaveDir, 'commitlog', '00000000000000065536'))).subarray(0, seg1.length).equals(seg1)).toBe(true);
    await waitFor('dispatch', () => slave.getMaxOffsetInQueue('Wire', 0) === 100);
    expect(slave.getMinOffsetInQueue('Wire', 0)).toBe(firstQueueOffset);
    const got = await slave.getMessage('g', 'Wire', 0, firstQueueOffset, 4);
    expect(got.status).toBe('FOUND');
    expect(got.messages[0]!.equals((await source.getMessage('g', 'Wire', 0, firstQueueOffset, 1)).messages[0]!)).toBe(true);
  });

  async function fakeMaster(): Promise<{ conns: Peer[]; port: number }> {
    const server = net.createServer();
    const conns: Peer[] = [];
    server.on('connection', (sock) => conns.push(new Peer(sock)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => server.close(() => r(undefined))));
    return { conns, port: (server.address() as net.AddressInfo).port };
  }

  /** A slave that copied `count` records of a source log from a fake master, then lost that connection. */
  async function slaveWith(count: number) {
    const { store: source, dir: srcDir } = await store();
    for (let i = 0; i < 20; i++) await source.putMessage(msg('Wire', 0, `r${i}-` + 'q'.repeat(200)));
    const log = (await readFile(join(srcDir, 'commitlog', '00000000000000000000'))).subarray(0, source.getMaxPhyOffset());
    const recordSize = (await source.lookMessageByOffset(0))!.storeSize;
    const held = recordSize * count;
    const { conns, port } = await fakeMaster();
    const { store: slave } = await store({ brokerRole: 'SLAVE' });
    const ha = await haFor(slave, 'SLAVE', { haMasterAddress: `127.0.0.1:${port}` });
    await waitFor('the first report', () => conns.length === 1 && conns[0]!.received.length >= 8);
    conns[0]!.socket.write(Buffer.concat([longBytes(0), intBytes(held), log.subarray(0, held)]));
    await waitFor('the copy', () => slave.getMaxPhyOffset() === held && slave.getDispatchedOffset() === held);
    conns[0]!.socket.destroy();
    await waitFor('the second connection', () => conns.length === 2 && conns[1]!.received.length >= 8);
    return { slave, ha, log, held, recordSize, master: conns[1]! };
  }

  it('slave: refuses a master whose log differs from its own before its end (the master lost its tail and wrote other messages)', async () => {
    const { slave, ha, held, master } = await slaveWith(10);
    const { store: other, dir: otherDir } = await store();
    for (let i = 0; i < 20; i++) await other.putMessage(msg('Wire', 0, `other${i}-` + 'q'.repeat(196)));
    const otherLog = await readFile(join(otherDir, 'commitlog', '00000000000000000000'));
    // It asks from 1 (its whole log is within the verified tail); the "master" sends a log of the same shape but other messages.
    expect(master.received.subarray(0, 8).equals(longBytes(1))).toBe(true);
    master.socket.write(Buffer.concat([longBytes(1), intBytes(held + 500), otherLog.subarray(1, held + 501)]));
    await waitFor('the refusal', () => master.closed);
    expect(slave.getMaxPhyOffset()).toBe(held);
    expect(ha.getRuntimeInfo().client.lastCloseReason).toContain("the master's log differs from this slave's");
  });

  it('slave: refuses a master whose log ends before its own (the slave is ahead) and says so', async () => {
    const { slave, ha, log, held, recordSize, master } = await slaveWith(10);
    const masterEnd = held - 3 * recordSize;
    master.socket.write(Buffer.concat([longBytes(1), intBytes(masterEnd - 1), log.subarray(1, masterEnd)]));
    // One heartbeat may just precede data (Java sends one first after a quiet spell)...
    master.socket.write(Buffer.concat([longBytes(masterEnd), intBytes(0)]));
    await sleep(200);
    expect(master.closed).toBe(false);
    // ...a second with no data between means the master's log ends there.
    master.socket.write(Buffer.concat([longBytes(masterEnd), intBytes(0)]));
    await waitFor('the refusal', () => master.closed);
    expect(slave.getMaxPhyOffset()).toBe(held);
    expect(ha.getRuntimeInfo().client.lastCloseReason).toContain('this slave is ahead of its master');
  });
});
