import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GetMessageStatus, PutMessageStatus } from '../src/index.js';
import { FaultFs, makeTmpDir, msg, openStore } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
async function tmp(): Promise<string> {
  const t = await makeTmpDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

const files = async (dir: string): Promise<string[]> => (await readdir(join(dir, 'commitlog'))).sort();
/** The segments holding the log (the directory may also hold the preallocated next one). */
const segsOf = (store: Awaited<ReturnType<typeof openStore>>): string[] => store.commitLog.segmentBases().map((b) => String(b).padStart(20, '0'));
const HOUR = 3600_000;

async function fill(store: Awaited<ReturnType<typeof openStore>>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await store.putMessage(msg('Ret', 0, Buffer.alloc(1000, 70), { KEYS: `k${i}` }));
  await store.writeLogics();
}

async function age(dir: string, hours: number): Promise<void> {
  const t = (Date.now() - hours * HOUR) / 1000;
  for (const f of await files(dir)) await utimes(join(dir, 'commitlog', f), t, t);
}

describe('retention', () => {
  it('deletes segments older than fileReservedTime at deleteWhen, never the newest, then the queue and index files below the log start', async () => {
    const dir = await tmp();
    const now = Date.now();
    const hour = String(new Date(now).getHours()).padStart(2, '0');
    const store = await openStore(dir, { deleteWhen: `${hour};23`, fileReservedTime: 72, mappedFileSizeConsumeQueue: 20 * 20, maxIndexNum: 40, maxHashSlotNum: 8 });
    await fill(store, 250);
    const before = segsOf(store);
    expect(before.length).toBeGreaterThan(3);
    // Not old enough: nothing goes.
    await store.runClean(now);
    expect(segsOf(store)).toEqual(before);
    await age(dir, 73);
    await store.runClean(now);
    expect(segsOf(store)).toEqual([before.at(-1)]);
    expect(await files(dir)).not.toContain(before[0]);
    expect(store.getMinPhyOffset()).toBe(Number(before.at(-1)));
    // Queue files pointing only below the new start went; the min offset moved.
    await store.runClean(now + 1);
    const min = store.getMinOffsetInQueue('Ret', 0);
    expect(min).toBeGreaterThan(200);
    expect((await readdir(join(dir, 'consumequeue', 'Ret', '0'))).every((f) => Number(f) / 20 + 20 > min)).toBe(true);
    expect((await store.getMessage('g', 'Ret', 0, 0, 1)).status).toBe(GetMessageStatus.OFFSET_TOO_SMALL);
    expect((await store.getMessage('g', 'Ret', 0, min, 1)).status).toBe(GetMessageStatus.FOUND);
    // Index files whose entries all point below the start went too (the newest always stays).
    const indexFiles = await readdir(join(dir, 'index'));
    expect(indexFiles.length).toBeLessThan(7);
    expect((await store.queryMessage('Ret', 'k249', 5, 0, Date.now() + 60_000)).messages).toHaveLength(1);
    expect((await store.queryMessage('Ret', 'k3', 5, 0, Date.now() + 60_000)).messages).toHaveLength(0);
    await store.shutdown();
  });

  it('does not delete outside deleteWhen unless the disk is fuller than diskMaxUsedSpaceRatio', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    const now = new Date(2030, 0, 1, 12, 0).getTime();
    const store = await openStore(dir, { deleteWhen: '04' }, { fs });
    await fill(store, 150);
    await age(dir, 100);
    const before = segsOf(store);
    fs.space = () => ({ total: 100, free: 50, available: 50 });
    await store.runClean(now);
    expect(segsOf(store)).toEqual(before);
    fs.space = () => ({ total: 100, free: 20, available: 20 }); // 80% > 75%
    await store.runClean(now);
    expect(segsOf(store)).toEqual([before.at(-1)]);
    expect(await files(dir)).not.toContain(before[0]);
    await store.shutdown();
  });

  it('deletes even new segments when the disk passes diskSpaceCleanForciblyRatio, and refuses puts past the warning level', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    const store = await openStore(dir, { deleteWhen: '04' }, { fs });
    await fill(store, 150);
    const before = segsOf(store);
    const now = new Date(2030, 0, 1, 12, 0).getTime();
    fs.space = () => ({ total: 100, free: 12, available: 12 }); // 88%
    await store.runClean(now);
    expect(segsOf(store)).toEqual([before.at(-1)]);
    expect(await files(dir)).not.toContain(before[0]);
    expect((await store.putMessage(msg('Ret', 0, 'still ok'))).status).toBe(PutMessageStatus.PUT_OK);
    fs.space = () => ({ total: 100, free: 5, available: 5 }); // 95%
    expect(await store.checkDiskSpace()).toBe(true);
    const refused = await store.putMessage(msg('Ret', 0, 'refused'));
    expect(refused).toMatchObject({ status: PutMessageStatus.SERVICE_NOT_AVAILABLE, reason: 'disk full' });
    fs.space = () => ({ total: 100, free: 60, available: 60 });
    expect(await store.checkDiskSpace()).toBe(false);
    expect((await store.putMessage(msg('Ret', 0, 'again'))).status).toBe(PutMessageStatus.PUT_OK);
    expect(store.getRuntimeInfo()['commitLogDiskRatio']).toBe('0.4');
    await store.shutdown();
  });

  it('never deletes a segment a reader holds; deletes it once released', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    await fill(store, 150);
    await age(dir, 100);
    const before = segsOf(store);
    const release = store.commitLog.pin(0)!;
    store.executeDeleteFilesManually();
    await store.runClean();
    expect(segsOf(store)).toEqual(before);
    release();
    await store.runClean();
    expect(segsOf(store)).toEqual([before.at(-1)]);
    expect(await files(dir)).not.toContain(before[0]);
    await store.shutdown();
  });

  it('deletes a segment held longer than destroyMapedFileIntervalForcibly; its reader finishes first', async () => {
    const dir = await tmp();
    const store = await openStore(dir, { destroyMapedFileIntervalForcibly: 0 });
    await fill(store, 150);
    await age(dir, 100);
    const before = segsOf(store);
    const release = store.commitLog.pin(0)!;
    store.executeDeleteFilesManually();
    await store.runClean();
    // Out of the log at once; the file itself goes when the reader lets go.
    expect(store.getMinPhyOffset()).toBe(Number(before.at(-1)));
    expect(await files(dir)).toContain(before[0]);
    release();
    for (let i = 0; i < 50 && (await files(dir)).includes(before[0]!); i++) await new Promise((r) => setTimeout(r, 10));
    expect(await files(dir)).not.toContain(before[0]);
    await store.shutdown();
  });
});
