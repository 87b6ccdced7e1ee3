import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord, readInt64BE, tagsString2hashCode } from '@rocketmq-ts/protocol';
import { CQ_UNIT_SIZE, INDEX_HEADER_SIZE, type MessageArrivalEvent, SCHEDULE_TOPIC, indexKeyHash } from '../src/index.js';
import type { PutMessageResult } from '../src/index.js';
import { makeTmpDir, msg, openStore, sleep } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
async function tmp(): Promise<string> {
  const t = await makeTmpDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('queries', () => {
  it('finds queue offsets by store time and reports store times', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await store.putMessage(msg('Time', 0, `m${i}`));
      times.push(r.storeTimestamp);
      await sleep(15);
    }
    expect(await store.getMessageStoreTimeStamp('Time', 0, 3)).toBe(times[3]);
    expect(await store.getEarliestMessageTime('Time', 0)).toBe(times[0]);
    expect(await store.getEarliestMessageTime()).toBe(times[0]);
    expect(await store.getOffsetInQueueByTime('Time', 0, times[2]!)).toBe(2);
    // Between two messages: the nearer one (Java's rule).
    expect(await store.getOffsetInQueueByTime('Time', 0, times[4]! + 1)).toBe(4);
    expect(await store.getOffsetInQueueByTime('Time', 0, times[5]! - 1)).toBe(5);
    expect(await store.getOffsetInQueueByTime('Time', 0, 0)).toBe(0);
    expect(await store.getOffsetInQueueByTime('Time', 0, Date.now() + 100_000)).toBe(5);
    expect(await store.getOffsetInQueueByTime('Nope', 0, 1)).toBe(0);
    expect(await store.getCommitLogOffsetInQueue('Time', 0, 1)).toBeGreaterThan(0);
    expect(await store.getMessageStoreTimeStamp('Time', 0, 99)).toBe(-1);
    await store.shutdown();
  });

  it('queries KEYS and UNIQ_KEY through the index within a time range', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    const t0 = Date.now();
    await store.putMessage(msg('Q', 0, 'a', { KEYS: 'order-1 user-9', UNIQ_KEY: 'AC1100010000000000000000000A0001' }));
    await store.putMessage(msg('Q', 1, 'b', { KEYS: 'order-2' }));
    await store.putMessage(msg('Q', 2, 'c', { KEYS: 'order-1' }));
    await store.putMessage(msg('Other', 0, 'd', { KEYS: 'order-1' }));
    const all = await store.queryMessage('Q', 'order-1', 32, 0, Date.now() + 60_000);
    expect(all.messages.map((b) => decodeRecord(b).body!.toString())).toEqual(['a', 'c']);
    expect(all.indexLastUpdatePhyoffset).toBeGreaterThan(0);
    expect((await store.queryMessage('Q', 'user-9', 32, 0, Date.now() + 60_000)).messages).toHaveLength(1);
    expect((await store.queryMessage('Q', 'order-1', 1, 0, Date.now() + 60_000)).messages).toHaveLength(1);
    // The index stores seconds since the file's first message: a range before it finds nothing.
    expect((await store.queryMessage('Q', 'order-1', 32, 0, t0 - 5000)).messages).toHaveLength(0);
    const byUniq = await store.queryMessageByUniqKey('Q', 'AC1100010000000000000000000A0001');
    expect(decodeRecord(byUniq!).body!.toString()).toBe('a');
    expect(await store.queryMessageByUniqKey('Q', 'AC1100010000000000000000000A0002')).toBeUndefined();
    await store.shutdown();
  });

  it('writes index files in the Java layout, named by creation time, rolling when full', async () => {
    const dir = await tmp();
    const store = await openStore(dir, { maxHashSlotNum: 16, maxIndexNum: 20 });
    for (let i = 0; i < 30; i++) await store.putMessage(msg('Idx', 0, `m${i}`, { KEYS: `key-${i}` }));
    // A message whose keys do not fit the rest of a file: they continue in the next one.
    await store.putMessage(msg('Idx', 0, 'multi', { UNIQ_KEY: 'UMULTI', KEYS: 'a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15' }));
    for (const k of ['UMULTI', 'a1', 'a8', 'a15']) expect((await store.queryMessage('Idx', k, 5, 0, Date.now() + 60_000)).messages, k).toHaveLength(1);
    await store.shutdown();
    const names = (await readdir(join(dir, 'index'))).sort();
    expect(names.length).toBe(3);
    for (const n of names) expect(n).toMatch(/^\d{17}$/);
    const f = await readFile(join(dir, 'index', names[0]!));
    expect(f.length).toBe(INDEX_HEADER_SIZE + 16 * 4 + 20 * 20);
    // Header: begin/end timestamps and offsets, hashSlotCount, indexCount (entry 0 unused: 20 entries hold 19 keys).
    expect(f.readInt32BE(36)).toBe(20);
    expect(readInt64BE(f, 16)).toBe(0);
    expect(readInt64BE(f, 8)).toBeGreaterThanOrEqual(readInt64BE(f, 0));
    // Entry 1 is key-0 at CommitLog offset 0, reachable from its slot.
    const hash = indexKeyHash('Idx#key-0');
    const slot = f.readInt32BE(INDEX_HEADER_SIZE + (hash % 16) * 4);
    expect(slot).toBeGreaterThan(0);
    const entries = INDEX_HEADER_SIZE + 16 * 4;
    expect(f.readInt32BE(entries + 20)).toBe(hash);
    expect(readInt64BE(f, entries + 24)).toBe(0);
    // Keys in both files are still found after a restart.
    const again = await openStore(dir, { maxHashSlotNum: 16, maxIndexNum: 20 });
    for (const k of ['key-0', 'key-18', 'key-19', 'key-29', 'UMULTI', 'a1', 'a15']) {
      expect((await again.queryMessage('Idx', k, 5, 0, Date.now() + 60_000)).messages).toHaveLength(1);
    }
    await again.shutdown();
  });

  it('calls the arrival listener as soon as a message is dispatched', async () => {
    const dir = await tmp();
    const events: MessageArrivalEvent[] = [];
    const props: Record<string, string>[] = [];
    const store = await openStore(dir, {}, {
      listener: (e) => {
        events.push(e);
        props.push({ ...e.properties });
      },
    });
    const r = await store.putMessage(msg('L', 3, 'x', { TAGS: 'tg', a: 'b' }));
    // Dispatch happens before the put is answered: a pull right after the ack finds the message.
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ topic: 'L', queueId: 3, queueOffset: 0, tagsCode: tagsString2hashCode('tg'), storeTimestamp: r.storeTimestamp });
    expect(props[0]).toEqual({ TAGS: 'tg', a: 'b' });
    // Read during the call, the decoded properties stay; an event never read cannot be read later.
    expect(events[0]!.properties['a']).toBe('b');
    await store.putMessage(msg('L', 3, 'y', { c: 'd' }));
    const late: MessageArrivalEvent[] = [];
    store.setMessageArrivalListener((e) => late.push(e));
    await store.putMessage(msg('L', 3, 'z', { e: 'f' }));
    expect(() => late[0]!.properties).toThrow(/during the listener call/);
    expect((await store.getMessage('g', 'L', 3, 0, 1)).messages).toHaveLength(1);
    await store.shutdown();
  });

  it('gives delayed messages their delivery time as tagsCode, and takes a custom calculator', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    const r = await store.putMessage(msg(SCHEDULE_TOPIC, 2, 'later', { DELAY: '3', REAL_TOPIC: 'T', REAL_QID: '0', TAGS: 'x' }));
    const r99 = await store.putMessage(msg(SCHEDULE_TOPIC, 17, 'max', { DELAY: '99' }));
    const plain = await store.putMessage(msg('NotSchedule', 0, 'p', { DELAY: '3', TAGS: 'x' }));
    await store.writeLogics();
    const unit = async (topic: string, q: number): Promise<number> => (await store.getConsumeQueue(topic, q)!.getUnit(0))!.tagsCode;
    expect(await unit(SCHEDULE_TOPIC, 2)).toBe(r.storeTimestamp + 10_000); // level 3 = 10s
    expect(await unit(SCHEDULE_TOPIC, 17)).toBe(r99.storeTimestamp + 7_200_000); // clamped to level 18 = 2h
    expect(await unit('NotSchedule', 0)).toBe(tagsString2hashCode('x'));
    expect(plain.status).toBe('PUT_OK');
    await store.shutdown();

    const dir2 = await tmp();
    const custom = await openStore(dir2, {}, { tagsCode: (m) => (m.tags === undefined ? -1 : m.tags.length) });
    await custom.putMessage(msg('C', 0, 'x', { TAGS: 'abcd' }));
    expect((await custom.getConsumeQueue('C', 0)!.getUnit(0))!.tagsCode).toBe(4);
    await custom.shutdown();
  });

  it('writes 20-byte ConsumeQueue units (offset, size, tagsCode) in files named by byte offset', async () => {
    const dir = await tmp();
    const store = await openStore(dir, { mappedFileSizeConsumeQueue: 5 * CQ_UNIT_SIZE });
    const rs: PutMessageResult[] = [];
    for (let i = 0; i < 7; i++) rs.push(await store.putMessage(msg('Unit', 4, `m${i}`, { TAGS: 'tag' })));
    await store.shutdown();
    const qdir = join(dir, 'consumequeue', 'Unit', '4');
    expect((await readdir(qdir)).sort()).toEqual(['00000000000000000000', '00000000000000000100']);
    const f0 = await readFile(join(qdir, '00000000000000000000'));
    const f1 = await readFile(join(qdir, '00000000000000000100'));
    expect(f0.length).toBe(100);
    const units = Buffer.concat([f0, f1]);
    for (let i = 0; i < 7; i++) {
      expect(readInt64BE(units, i * 20)).toBe(rs[i]!.wroteOffset);
      expect(units.readInt32BE(i * 20 + 8)).toBe(rs[i]!.wroteBytes);
      expect(readInt64BE(units, i * 20 + 12)).toBe(tagsString2hashCode('tag'));
    }
    expect(units.subarray(7 * 20).every((b) => b === 0)).toBe(true);
  });

  it('tells whether a queue offset lies in disk (checkInDiskByConsumeOffset), false for unknown queues and offsets', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    await store.putMessage(msg('Disk', 0, 'x'));
    // A message just written is within accessMessageInMemoryMaxRatio of RAM from the log's end.
    expect(await store.checkInDiskByConsumeOffset('Disk', 0, 0)).toBe(false);
    expect(await store.checkInDiskByConsumeOffset('Disk', 0, 5)).toBe(false);
    expect(await store.checkInDiskByConsumeOffset('Nope', 0, 0)).toBe(false);
    await store.shutdown();
  });

  it('takes accessMessageInMemoryMaxRatio 0 (as Java does): every message but the newest is in disk', async () => {
    const dir = await tmp();
    const store = await openStore(dir, { accessMessageInMemoryMaxRatio: 0 });
    await store.putMessage(msg('Disk', 0, 'x'));
    await store.putMessage(msg('Disk', 0, 'y'));
    expect(await store.checkInDiskByConsumeOffset('Disk', 0, 0)).toBe(true);
    await store.shutdown();
  });
});
