import { execFileSync } from 'node:child_process';
import { mkdir, open, readFile, rmdir, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@rocketmq-ts/common';
import { decodeRecord } from '@rocketmq-ts/protocol';
import { type DefaultMessageStore, GetMessageStatus, PutMessageStatus, type PutMessageResult } from '../src/index.js';
import { FaultFs, errno, makeTmpDir, msg, openStore, sleep } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
async function tmp(): Promise<string> {
  const t = await makeTmpDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

async function readQueue(store: DefaultMessageStore, topic: string, q: number): Promise<string[]> {
  const out: string[] = [];
  let off = store.getMinOffsetInQueue(topic, q);
  for (;;) {
    const r = await store.getMessage('g', topic, q, off, 32);
    if (r.status !== GetMessageStatus.FOUND && r.status !== GetMessageStatus.NO_MATCHED_MESSAGE) break;
    for (const b of r.messages) out.push(decodeRecord(b, 0, { verifyCrc: true }).body!.toString());
    off = r.nextBeginOffset;
  }
  return out;
}

const SEG0 = '00000000000000000000';
const SEG1 = '00000000000000065536';

describe('damaged segment files', () => {
  it('a truncated segment is extended, cut at the last whole record, and never crashes the store', async () => {
    const dir = await tmp();
    let store = await openStore(dir);
    const rs: PutMessageResult[] = [];
    for (let i = 0; i < 30; i++) rs.push(await store.putMessage(msg('Trunc', 0, `m${i}`.padEnd(500, '.'))));
    await store.shutdown();
    await truncate(join(dir, 'commitlog', SEG0), rs[20]!.wroteOffset + 100); // inside record 20
    const logger = new MemoryLogger();
    store = await openStore(dir, {}, { logger });
    expect(logger.records.some((r) => r.level === 'warn' && /truncated CommitLog segment/.test(r.msg))).toBe(true);
    expect((await stat(join(dir, 'commitlog', SEG0))).size).toBe(64 * 1024);
    expect(store.getMaxPhyOffset()).toBe(rs[20]!.wroteOffset);
    expect(await readQueue(store, 'Trunc', 0)).toEqual(rs.slice(0, 20).map((_, i) => `m${i}`.padEnd(500, '.')));
    expect((await store.putMessage(msg('Trunc', 0, 'next'))).queueOffset).toBe(20);
    await store.shutdown();
  });

  it('a zero-filled segment is an empty log from its start; nothing past it is served', async () => {
    const dir = await tmp();
    let store = await openStore(dir);
    for (let i = 0; i < 100; i++) await store.putMessage(msg('Zero', 0, Buffer.alloc(1000, 65 + (i % 20))));
    await store.shutdown();
    expect(store.commitLog.segmentCount()).toBe(2);
    await writeFile(join(dir, 'commitlog', SEG1), Buffer.alloc(64 * 1024));
    store = await openStore(dir);
    expect(store.getMaxPhyOffset()).toBe(65536);
    const got = await readQueue(store, 'Zero', 0);
    expect(got.length).toBeGreaterThan(50);
    expect(got.length).toBeLessThan(100);
    expect(store.getMaxOffsetInQueue('Zero', 0)).toBe(got.length);
    await store.shutdown();
  });

  it('a bit flip in the last segments cuts the log there (recovery checks CRCs)', async () => {
    const dir = await tmp();
    let store = await openStore(dir);
    const rs: PutMessageResult[] = [];
    for (let i = 0; i < 40; i++) rs.push(await store.putMessage(msg('Flip', 0, `m${i}`.padEnd(300, '-'))));
    await store.shutdown();
    const f = await open(join(dir, 'commitlog', SEG0), 'r+');
    const b = Buffer.alloc(1);
    const at = rs[25]!.wroteOffset + rs[25]!.wroteBytes - 200; // inside record 25's body
    await f.read(b, 0, 1, at);
    b[0] = (b[0] as number) ^ 0x10;
    await f.write(b, 0, 1, at);
    await f.close();
    const logger = new MemoryLogger();
    store = await openStore(dir, {}, { logger });
    expect(store.getMaxPhyOffset()).toBe(rs[25]!.wroteOffset);
    expect(await readQueue(store, 'Flip', 0)).toHaveLength(25);
    expect(logger.records.some((r) => /invalid or torn record/.test(r.msg))).toBe(true);
    await store.shutdown();
  });

  it('never serves a record that fails validation, even one recovery did not scan', async () => {
    const dir = await tmp();
    let store = await openStore(dir);
    const rs: PutMessageResult[] = [];
    for (let i = 0; i < 300; i++) rs.push(await store.putMessage(msg('Old', 0, `m${i}`.padEnd(900, '+'))));
    await store.shutdown();
    expect(store.commitLog.segmentCount()).toBeGreaterThan(3);
    // Recovery scans only the last three segments; corrupt one record in the first.
    const victim = rs[10]!;
    const f = await open(join(dir, 'commitlog', SEG0), 'r+');
    await f.write(Buffer.from('XXXX'), 0, 4, victim.wroteOffset + victim.wroteBytes - 500);
    await f.close();
    const logger = new MemoryLogger();
    store = await openStore(dir, {}, { logger });
    const r = await store.getMessage('g', 'Old', 0, 8, 5);
    expect(r.queueOffsets).toEqual([8, 9, 11, 12, 13]); // 10 is skipped, the batch still fills
    expect(r.messages.every((m) => decodeRecord(m, 0, { verifyCrc: true }) !== undefined)).toBe(true);
    expect(store.getStats().corruptRecordsSkipped).toBe(1);
    expect(logger.records.some((x) => x.level === 'error' && /failed validation/.test(x.msg))).toBe(true);
    expect(await store.selectOneMessageByOffset(victim.wroteOffset)).toBeUndefined();
    await store.shutdown();
  });
});

describe('write errors', () => {
  it('a full disk (ENOSPC) fails the unwritten puts with a clear status, rolls back their queue offsets, keeps reads working, and resumes', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    const logger = new MemoryLogger();
    const store = await openStore(dir, { diskCheckInterval: 20 }, { fs, logger });
    const ok: PutMessageResult[] = [];
    for (let i = 0; i < 10; i++) ok.push(await store.putMessage(msg('Full', 0, `ok${i}`)));
    let full = true;
    fs.writeFault = (p) => (full && p.includes('/commitlog/') ? { error: errno('ENOSPC') } : undefined);
    fs.space = () => (full ? { total: 1000, free: 0, available: 0 } : { total: 1000, free: 800, available: 800 });
    const failed = await Promise.all(Array.from({ length: 5 }, (_, i) => store.putMessage(msg('Full', 0, `lost${i}`))));
    for (const r of failed) {
      expect(r.status).toBe(PutMessageStatus.SERVICE_NOT_AVAILABLE);
      expect(r.reason).toMatch(/disk full/);
    }
    expect(store.isDiskFull()).toBe(true);
    // Refused up front while the disk is full.
    expect((await store.putMessage(msg('Full', 0, 'refused'))).reason).toBe('disk full');
    // Reads keep working.
    expect(await readQueue(store, 'Full', 0)).toEqual(ok.map((_, i) => `ok${i}`));
    expect(logger.records.some((r) => r.level === 'error' && /disk full/.test(r.msg))).toBe(true);
    // Space comes back: the disk check clears the flag and puts continue with the next queue offset.
    full = false;
    for (let i = 0; i < 50 && store.isDiskFull(); i++) await sleep(20);
    expect(store.isDiskFull()).toBe(false);
    const after = await store.putMessage(msg('Full', 0, 'after'));
    expect(after.status).toBe(PutMessageStatus.PUT_OK);
    expect(after.queueOffset).toBe(10);
    expect(after.wroteOffset).toBe(ok[9]!.wroteOffset + ok[9]!.wroteBytes);
    expect(await readQueue(store, 'Full', 0)).toEqual([...ok.map((_, i) => `ok${i}`), 'after']);
    await store.shutdown();
  });

  it('a failed write just after a segment roll rolls back into the new segment and continues there', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    const store = await openStore(dir, { diskCheckInterval: 20 }, { fs });
    const ok: PutMessageResult[] = [];
    while (ok.length === 0 || ok.at(-1)!.wroteOffset < 60_000) ok.push(await store.putMessage(msg('Roll', 0, Buffer.alloc(1500, 7))));
    let full = true;
    fs.writeFault = (p) => (full && p.endsWith('00000000000000065536') ? { error: errno('ENOSPC') } : undefined);
    // statfs keeps reporting a half-empty disk: a (fake) 100 % would make retention delete the first segment.
    fs.space = () => ({ total: 100, free: 50, available: 50 });
    const rs = await Promise.all(Array.from({ length: 6 }, () => store.putMessage(msg('Roll', 0, Buffer.alloc(1500, 8)))));
    const stored = rs.filter((r) => r.status === PutMessageStatus.PUT_OK);
    const lost = rs.filter((r) => r.status !== PutMessageStatus.PUT_OK);
    expect(stored.every((r) => r.wroteOffset < 65536)).toBe(true);
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((r) => r.status === PutMessageStatus.SERVICE_NOT_AVAILABLE)).toBe(true);
    full = false;
    for (let i = 0; i < 50 && store.isDiskFull(); i++) await sleep(20);
    const next = await store.putMessage(msg('Roll', 0, 'next'));
    expect(next.status).toBe(PutMessageStatus.PUT_OK);
    expect(next.wroteOffset).toBe(65536);
    expect(next.queueOffset).toBe(ok.length + stored.length);
    await store.shutdown();
    const again = await openStore(dir);
    expect((await readQueue(again, 'Roll', 0)).length).toBe(ok.length + stored.length + 1);
    await again.shutdown();
  });

  it('a write that stops halfway answers the puts it stored and fails the rest', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    const store = await openStore(dir, { diskCheckInterval: 3_600_000 }, { fs });
    const first = await store.putMessage(msg('Half', 0, 'first'));
    const size = first.wroteBytes;
    // The next write stores two records and a half, then hits EIO.
    let once = true;
    fs.writeFault = (p) => {
      if (!p.includes('/commitlog/') || !once) return undefined;
      once = false;
      return { error: errno('EIO'), written: size * 2 + 10 };
    };
    const rs = await Promise.all(Array.from({ length: 5 }, (_, i) => store.putMessage(msg('Half', 0, `x${i}`.padEnd(5, '_')))));
    expect(rs.map((r) => r.status)).toEqual(['PUT_OK', 'PUT_OK', 'UNKNOWN_ERROR', 'UNKNOWN_ERROR', 'UNKNOWN_ERROR']);
    expect(rs[2]!.reason).toMatch(/EIO/);
    const again = await store.putMessage(msg('Half', 0, 'again'));
    expect(again.status).toBe(PutMessageStatus.PUT_OK);
    expect(again.queueOffset).toBe(3);
    expect(await readQueue(store, 'Half', 0)).toEqual(['first', 'x0___', 'x1___', 'again']);
    await store.shutdown();
    const reopened = await openStore(dir);
    expect(await readQueue(reopened, 'Half', 0)).toEqual(['first', 'x0___', 'x1___', 'again']);
    await reopened.shutdown();
  });

  it('a failing fdatasync answers FLUSH_DISK_TIMEOUT instead of PUT_OK in SYNC_FLUSH', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    const store = await openStore(dir, { flushDiskType: 'SYNC_FLUSH' }, { fs });
    fs.datasyncFault = (p) => (p.includes('/commitlog/') ? errno('EIO') : undefined);
    const r = await store.putMessage(msg('Sync', 0, 'x'));
    expect(r.status).toBe(PutMessageStatus.FLUSH_DISK_TIMEOUT);
    expect(r.reason).toMatch(/fdatasync failed/);
    fs.datasyncFault = undefined;
    expect((await store.putMessage(msg('Sync', 0, 'y'))).status).toBe(PutMessageStatus.PUT_OK);
    await store.shutdown();
  });
});

describe('a real size-limited file system (tmpfs)', () => {
  it('fills up: puts fail with a status, reads work, and writing resumes when space returns', async () => {
    const dir = await tmp();
    const mnt = join(dir, 'mnt');
    await mkdir(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (err) {
      console.warn(`SKIPPED tmpfs test: cannot mount a tmpfs (${(err as Error).message.split('\n')[0]}); run as root to cover a real full disk`);
      return;
    }
    try {
      const root = join(mnt, 'store');
      const store = await openStore(root, {
        mappedFileSizeCommitLog: 256 * 1024,
        maxMessageSize: 64 * 1024,
        diskCheckInterval: 50,
        maxHashSlotNum: 16,
        maxIndexNum: 64,
      });
      // Fill the rest of the file system so the segments (sparse) cannot get blocks.
      const filler = join(mnt, 'filler');
      const fh = await open(filler, 'w');
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) await fh.write(chunk);
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      await fh.close();
      const stored: string[] = [];
      let failed = 0;
      let reason = '';
      for (let i = 0; i < 400 && failed < 5; i++) {
        const r = await store.putMessage(msg('Tmpfs', 0, `m${i}`.padEnd(2000, '#')));
        if (r.status === PutMessageStatus.PUT_OK) stored.push(`m${i}`.padEnd(2000, '#'));
        else {
          failed++;
          reason = r.reason ?? '';
          expect(r.status).toBe(PutMessageStatus.SERVICE_NOT_AVAILABLE);
        }
      }
      expect(failed).toBe(5);
      expect(reason).toMatch(/disk/);
      expect(store.isDiskFull()).toBe(true);
      expect(await readQueue(store, 'Tmpfs', 0)).toEqual(stored);
      await unlink(filler);
      for (let i = 0; i < 100 && store.isDiskFull(); i++) await sleep(20);
      expect(store.isDiskFull()).toBe(false);
      const r = await store.putMessage(msg('Tmpfs', 0, 'after'));
      expect(r.status).toBe(PutMessageStatus.PUT_OK);
      expect(r.queueOffset).toBe(stored.length);
      await store.shutdown();
      const again = await openStore(root, { mappedFileSizeCommitLog: 256 * 1024, maxMessageSize: 64 * 1024, maxHashSlotNum: 16, maxIndexNum: 64 });
      expect(await readQueue(again, 'Tmpfs', 0)).toEqual([...stored, 'after']);
      await again.shutdown();
    } finally {
      execFileSync('umount', [mnt]);
      await rmdir(mnt).catch(() => undefined);
    }
  });
});

describe('file handles', () => {
  it('leaves no preallocated segment behind after a clean shutdown', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    await store.putMessage(msg('P', 0, 'x'));
    await sleep(20);
    await store.shutdown();
    await sleep(20);
    expect((await stat(join(dir, 'commitlog', SEG1)).catch(() => undefined))).toBeUndefined();
    expect((await readFile(join(dir, 'commitlog', SEG0))).length).toBe(65536);
  });
});
