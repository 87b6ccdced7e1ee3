import { afterEach, describe, expect, it } from 'vitest';
import { PutMessageStatus, type ReplicaWaiter } from '../src/index.js';
import { FaultFs, makeTmpDir, msg, openStore, sleep } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
async function tmp(): Promise<string> {
  const t = await makeTmpDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

const isSegment = (p: string): boolean => p.includes('/commitlog/');

describe('flush modes', () => {
  it('SYNC_FLUSH answers only after an fdatasync that covers the message, one fdatasync for many puts', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    const store = await openStore(dir, { flushDiskType: 'SYNC_FLUSH' }, { fs });
    fs.datasyncDelayMs = 20;
    const before = fs.datasyncs.filter(isSegment).length;
    let syncsWhenAnswered = -1;
    const first = store.putMessage(msg('S', 0, 'one')).then((r) => {
      syncsWhenAnswered = fs.datasyncs.filter(isSegment).length;
      return r;
    });
    const many = Array.from({ length: 200 }, (_, i) => store.putMessage(msg('S', i % 4, `m${i}`)));
    const rs = await Promise.all([first, ...many]);
    expect(rs.every((r) => r.status === PutMessageStatus.PUT_OK)).toBe(true);
    expect(syncsWhenAnswered).toBeGreaterThan(before);
    const syncs = fs.datasyncs.filter(isSegment).length - before;
    // Group commit: 201 puts arrived together; a handful of fdatasyncs serve them all.
    expect(syncs).toBeGreaterThan(0);
    expect(syncs).toBeLessThan(10);
    expect(store.commitLog.getFlushedOffset()).toBeGreaterThanOrEqual(rs.at(-1)!.wroteOffset + rs.at(-1)!.wroteBytes);
    await store.shutdown();
  });

  it('SYNC_FLUSH answers FLUSH_DISK_TIMEOUT when fdatasync takes longer than syncFlushTimeout', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    // Wide margins: the answer must come from the timeout (1 s), long before the slow fdatasync (3 s) ends,
    // even on a machine busy enough to delay timers by hundreds of ms.
    const store = await openStore(dir, { flushDiskType: 'SYNC_FLUSH', syncFlushTimeout: 1000 }, { fs });
    fs.datasyncDelayMs = 3000;
    const slowSyncsBefore = fs.datasyncs.filter(isSegment).length;
    const t0 = Date.now();
    const r = await store.putMessage(msg('Slow', 0, 'x'));
    expect(r.status).toBe(PutMessageStatus.FLUSH_DISK_TIMEOUT);
    expect(r.reason).toMatch(/fdatasync/);
    expect(Date.now() - t0).toBeLessThan(2900);
    // The message was written all the same (it is readable) and the store goes on once the disk is fast again.
    expect((await store.getMessage('g', 'Slow', 0, 0, 1)).messages).toHaveLength(1);
    fs.datasyncDelayMs = 0;
    while (fs.datasyncs.filter(isSegment).length === slowSyncsBefore) await sleep(20);
    expect((await store.putMessage(msg('Slow', 0, 'y'))).status).toBe(PutMessageStatus.PUT_OK);
    await store.shutdown();
  });

  it('SYNC_FLUSH with WAIT=false answers once written, without waiting for fdatasync', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    const store = await openStore(dir, { flushDiskType: 'SYNC_FLUSH', syncFlushTimeout: 2000 }, { fs });
    fs.datasyncDelayMs = 1000;
    const t0 = Date.now();
    const r = await store.putMessage(msg('NoWait', 0, 'x', {}, { waitStoreMsgOK: false }));
    expect(r.status).toBe(PutMessageStatus.PUT_OK);
    expect(Date.now() - t0).toBeLessThan(500);
    fs.datasyncDelayMs = 0;
    await store.shutdown();
  });

  it('ASYNC_FLUSH answers when written and syncs on flushIntervalCommitLog', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    const store = await openStore(dir, { flushIntervalCommitLog: 30, flushCommitLogLeastPages: 1 }, { fs });
    fs.datasyncDelayMs = 300;
    const t0 = Date.now();
    const r = await store.putMessage(msg('A', 0, Buffer.alloc(5000, 1)));
    expect(r.status).toBe(PutMessageStatus.PUT_OK);
    expect(Date.now() - t0).toBeLessThan(200);
    expect(store.commitLog.getFlushedOffset()).toBe(0);
    fs.datasyncDelayMs = 0;
    for (let i = 0; i < 100 && store.commitLog.getFlushedOffset() === 0; i++) await sleep(10);
    expect(store.commitLog.getFlushedOffset()).toBe(r.wroteOffset + r.wroteBytes);
    await store.shutdown();
  });

  it('SYNC_MASTER asks the replica waiter; without one it answers SLAVE_NOT_AVAILABLE', async () => {
    const dir = await tmp();
    const store = await openStore(dir, { brokerRole: 'SYNC_MASTER' });
    const r = await store.putMessage(msg('R', 0, 'x'));
    expect(r.status).toBe(PutMessageStatus.SLAVE_NOT_AVAILABLE);
    expect(r.wroteOffset).toBe(0);
    const asked: number[] = [];
    const waiter: ReplicaWaiter = {
      waitForReplica: async (next, timeout) => {
        asked.push(next, timeout);
        return next > 500 ? PutMessageStatus.FLUSH_SLAVE_TIMEOUT : PutMessageStatus.PUT_OK;
      },
    };
    store.setReplicaWaiter(waiter);
    const ok = await store.putMessage(msg('R', 0, 'y'));
    expect(ok.status).toBe(PutMessageStatus.PUT_OK);
    expect(asked).toEqual([ok.wroteOffset + ok.wroteBytes, 3000]);
    const late = await store.putMessage(msg('R', 0, Buffer.alloc(600)));
    expect(late.status).toBe(PutMessageStatus.FLUSH_SLAVE_TIMEOUT);
    expect(late.msgId).not.toBe('');
    expect((await store.putMessage(msg('R', 0, 'z', {}, { waitStoreMsgOK: false }))).status).toBe(PutMessageStatus.PUT_OK);
    await store.shutdown();
  });

  it('a SLAVE refuses puts but appends raw CommitLog bytes and builds its queues from them', async () => {
    const masterDir = await tmp();
    const slaveDir = await tmp();
    const master = await openStore(masterDir);
    for (let i = 0; i < 80; i++) await master.putMessage(msg('Repl', i % 2, `m${i}` + 'x'.repeat(700), { KEYS: `k${i}` }));
    const slave = await openStore(slaveDir, { brokerRole: 'SLAVE' });
    expect((await slave.putMessage(msg('Repl', 0, 'x'))).status).toBe(PutMessageStatus.SERVICE_NOT_AVAILABLE);
    // Copy in odd-sized pieces, cutting records in the middle, as HA transfer does.
    let off = 0;
    while (off < master.getMaxPhyOffset()) {
      const data = await master.getCommitLogData(off, 777);
      expect(data).toBeDefined();
      expect(await slave.appendToCommitLog(off, data!)).toBe(true);
      off += data!.length;
    }
    expect(await slave.appendToCommitLog(off + 5, Buffer.alloc(3))).toBe(false);
    expect(slave.getMaxPhyOffset()).toBe(master.getMaxPhyOffset());
    expect(slave.dispatchBehindBytes()).toBe(0);
    for (const q of [0, 1]) {
      expect(slave.getMaxOffsetInQueue('Repl', q)).toBe(40);
      const a = await master.getMessage('g', 'Repl', q, 0, 32);
      const b = await slave.getMessage('g', 'Repl', q, 0, 32);
      expect(b.messages.map((x) => x.toString('hex'))).toEqual(a.messages.map((x) => x.toString('hex')));
    }
    expect((await slave.queryMessage('Repl', 'k33', 5, 0, Date.now() + 60_000)).messages).toHaveLength(1);
    await master.shutdown();
    await slave.shutdown();
  });

  it('answers OS_PAGECACHE_BUSY while a write is stalled', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    const store = await openStore(dir, { osPageCacheBusyTimeOutMills: 50 }, { fs });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    fs.writeFault = undefined;
    const origOpen = fs.open.bind(fs);
    fs.open = async (p, flags) => {
      const f = await origOpen(p, flags);
      if (!p.includes('/commitlog/')) return f;
      return { ...f, path: f.path, write: async (...a: Parameters<typeof f.write>) => (await gate, f.write(...a)), writev: async (...a: Parameters<typeof f.writev>) => (await gate, f.writev(...a)) };
    };
    // Reopen segments through the wrapper: restart.
    await store.shutdown();
    const s2 = await openStore(dir, { osPageCacheBusyTimeOutMills: 50 }, { fs });
    const stuck = s2.putMessage(msg('B', 0, 'x'));
    await sleep(120);
    expect(s2.isOSPageCacheBusy()).toBe(true);
    expect((await s2.putMessage(msg('B', 0, 'y'))).status).toBe(PutMessageStatus.OS_PAGECACHE_BUSY);
    release();
    expect((await stuck).status).toBe(PutMessageStatus.PUT_OK);
    expect((await s2.putMessage(msg('B', 0, 'z'))).status).toBe(PutMessageStatus.PUT_OK);
    await s2.shutdown();
  });
});
