import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord, decodeRecordProperties, tagsString2hashCode } from '@rocketmq-ts/protocol';
import { GetMessageStatus, type MessageFilter, type PutMessageResult } from '../src/index.js';
import { makeTmpDir, msg, openStore } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
async function tmp(): Promise<string> {
  const t = await makeTmpDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

const bodies = (r: { messages: readonly Buffer[] }): string[] => r.messages.map((b) => decodeRecord(b).body!.toString());

describe('getMessage', () => {
  it('answers every status with Java nextBeginOffset semantics', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    // NO_MESSAGE_IN_QUEUE: a queue that never had a message.
    let r = await store.getMessage('g', 'S', 0, 5, 32);
    expect(r).toMatchObject({ status: GetMessageStatus.NO_MESSAGE_IN_QUEUE, nextBeginOffset: 0, minOffset: 0, maxOffset: 0 });
    for (let i = 0; i < 10; i++) await store.putMessage(msg('S', 0, `m${i}`));
    // FOUND.
    r = await store.getMessage('g', 'S', 0, 3, 4);
    expect(r.status).toBe(GetMessageStatus.FOUND);
    expect(bodies(r)).toEqual(['m3', 'm4', 'm5', 'm6']);
    expect(r.queueOffsets).toEqual([3, 4, 5, 6]);
    expect(r.nextBeginOffset).toBe(7);
    expect(r.bufferTotalSize).toBe(r.messages.reduce((a, b) => a + b.length, 0));
    expect(r.suggestPullingFromSlave).toBe(false);
    // OFFSET_OVERFLOW_ONE: caught up.
    r = await store.getMessage('g', 'S', 0, 10, 32);
    expect(r).toMatchObject({ status: GetMessageStatus.OFFSET_OVERFLOW_ONE, nextBeginOffset: 10, maxOffset: 10 });
    // OFFSET_OVERFLOW_BADLY: beyond.
    r = await store.getMessage('g', 'S', 0, 99, 32);
    expect(r).toMatchObject({ status: GetMessageStatus.OFFSET_OVERFLOW_BADLY, nextBeginOffset: 10 });
    await store.shutdown();
  });

  it('answers OFFSET_TOO_SMALL and OFFSET_FOUND_NULL after old files are gone', async () => {
    const dir = await tmp();
    let store = await openStore(dir, { mappedFileSizeConsumeQueue: 10 * 20 });
    for (let i = 0; i < 400; i++) await store.putMessage(msg('Old', 0, Buffer.alloc(600, 65)));
    await store.writeLogics();
    // Expire the first CommitLog segments, then the queue files that only point into them.
    store.executeDeleteFilesManually();
    for (let i = 0; i < 5 && store.getMinPhyOffset() === 0; i++) await store.runClean();
    await store.runClean();
    const min = store.getMinOffsetInQueue('Old', 0);
    expect(min).toBeGreaterThan(0);
    let r = await store.getMessage('g', 'Old', 0, 0, 32);
    expect(r).toMatchObject({ status: GetMessageStatus.OFFSET_TOO_SMALL, nextBeginOffset: min, minOffset: min });
    r = await store.getMessage('g', 'Old', 0, min, 1);
    expect(r.status).toBe(GetMessageStatus.FOUND);
    // A queue file deleted by hand under a running store: OFFSET_FOUND_NULL, next offset at the next file.
    await store.shutdown();
    store = await openStore(dir, { mappedFileSizeConsumeQueue: 10 * 20 });
    const target = Math.ceil((min + 1) / 10) * 10;
    expect(target + 10).toBeLessThanOrEqual(store.getMaxOffsetInQueue('Old', 0));
    await unlink(join(dir, 'consumequeue', 'Old', '0', String(target * 20).padStart(20, '0')));
    r = await store.getMessage('g', 'Old', 0, target + 3, 32);
    expect(r).toMatchObject({ status: GetMessageStatus.OFFSET_FOUND_NULL, nextBeginOffset: target + 10 });
    await store.shutdown();
  });

  it('answers MESSAGE_WAS_REMOVING when the log under the queue was deleted, and moves on to the next segment', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    const rs: PutMessageResult[] = [];
    for (let i = 0; i < 150; i++) rs.push(await store.putMessage(msg('Gone', 0, Buffer.alloc(1000, 66))));
    // Delete the first segment from the log only, before the queue's min offset is corrected.
    await store.commitLog.deleteExpired(0, 0, 0, true);
    const min = store.getMinPhyOffset();
    expect(min).toBeGreaterThan(0);
    const firstKept = rs.findIndex((r) => r.wroteOffset >= min);
    expect(firstKept).toBeGreaterThan(100); // past the first queue file (100 units)
    // Every unit of the first queue file points into deleted segments.
    let r = await store.getMessage('g', 'Gone', 0, 0, 4);
    expect(r).toMatchObject({ status: GetMessageStatus.MESSAGE_WAS_REMOVING, nextBeginOffset: 100 });
    // The next pull skips the units pointing into the deleted segment and finds the first kept message.
    r = await store.getMessage('g', 'Gone', 0, 100, 4);
    expect(r.status).toBe(GetMessageStatus.FOUND);
    expect(r.queueOffsets).toEqual([firstKept, firstKept + 1, firstKept + 2, firstKept + 3]);
    await store.shutdown();
  });

  it('filters by tagsCode in the queue and by the record, skipping to nextBeginOffset', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    for (let i = 0; i < 20; i++) await store.putMessage(msg('F', 0, `m${i}`, { TAGS: i % 4 === 0 ? 'keep' : 'drop', color: i % 8 === 0 ? 'red' : 'blue' }));
    const byTag: MessageFilter = {
      isMatchedByConsumeQueue: (code) => code === tagsString2hashCode('keep'),
      isMatchedByCommitLog: () => true,
    };
    let r = await store.getMessage('g', 'F', 0, 0, 32, byTag);
    expect(bodies(r)).toEqual(['m0', 'm4', 'm8', 'm12', 'm16']);
    expect(r.nextBeginOffset).toBe(20);
    const byProperty: MessageFilter = {
      isMatchedByConsumeQueue: () => true,
      isMatchedByCommitLog: (rec) => decodeRecordProperties(rec)['color'] === 'red',
    };
    r = await store.getMessage('g', 'F', 0, 0, 2, byProperty);
    expect(bodies(r)).toEqual(['m0', 'm8']);
    expect(r.nextBeginOffset).toBe(9);
    const none: MessageFilter = { isMatchedByConsumeQueue: () => false, isMatchedByCommitLog: () => true };
    r = await store.getMessage('g', 'F', 0, 0, 32, none);
    expect(r).toMatchObject({ status: GetMessageStatus.NO_MATCHED_MESSAGE, nextBeginOffset: 20 });
    await store.shutdown();
  });

  it('limits a batch by count and bytes like Java (maxTransferCountOnMessageInMemory, ...)', async () => {
    const dir = await tmp();
    const store = await openStore(dir, { maxTransferCountOnMessageInMemory: 5, maxTransferBytesOnMessageInMemory: 4000 });
    for (let i = 0; i < 20; i++) await store.putMessage(msg('L', 0, Buffer.alloc(1000, 66)));
    let r = await store.getMessage('g', 'L', 0, 0, 32);
    expect(r.messages).toHaveLength(3); // 3 x ~1.1 KB, a 4th would exceed 4000 bytes
    expect(r.nextBeginOffset).toBe(3);
    r = await store.getMessage('g', 'L', 0, 0, 2);
    expect(r.messages).toHaveLength(2);
    await store.shutdown();
  });

  it('returns copies: messages stay intact while the log keeps growing', async () => {
    const dir = await tmp();
    const store = await openStore(dir, { commitLogCacheBytes: 32 * 1024, writeChunkSize: 16 * 1024 });
    await store.putMessage(msg('Copy', 0, 'first'));
    const r = await store.getMessage('g', 'Copy', 0, 0, 1);
    const before = Buffer.from(r.messages[0]!);
    for (let i = 0; i < 200; i++) await store.putMessage(msg('Other', 0, Buffer.alloc(500, i)));
    expect(r.messages[0]!.equals(before)).toBe(true);
    await store.shutdown();
  });
});
