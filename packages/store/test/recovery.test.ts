import { appendFile, mkdir, open, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord, encodeBlankMarker, encodeProperties, encodeRecord, measureRecord, readInt64BE, tagsString2hashCode, writeInt64BE } from '@rocketmq-ts/protocol';
import { CHECKPOINT_FILE_SIZE, type DefaultMessageStore, GetMessageStatus, PutMessageStatus, type PutMessageResult } from '../src/index.js';
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
const exists = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined)) !== undefined;

/** Every message of every queue, as "topic/queue/offset=body". */
async function dump(store: DefaultMessageStore, topics: string[], queues: number): Promise<string[]> {
  const out: string[] = [];
  for (const t of topics) {
    for (let q = 0; q < queues; q++) {
      let off = store.getMinOffsetInQueue(t, q);
      for (;;) {
        const r = await store.getMessage('g', t, q, off, 32);
        if (r.status !== GetMessageStatus.FOUND) break;
        r.messages.forEach((b, i) => {
          const m = decodeRecord(b, 0, { verifyCrc: true });
          expect(m.queueOffset).toBe(r.queueOffsets[i]);
          out.push(`${t}/${q}/${m.queueOffset}=${m.body!.toString()}`);
        });
        off = r.nextBeginOffset;
      }
    }
  }
  return out;
}

/** Checks every ConsumeQueue unit against its record, and that queue offsets are contiguous. */
async function checkQueues(store: DefaultMessageStore): Promise<number> {
  let units = 0;
  for (const topic of store.getConsumeQueueTopics()) {
    for (let q = 0; q < 16; q++) {
      const cq = store.getConsumeQueue(topic, q);
      if (cq === undefined) continue;
      for (let i = cq.getMinOffsetInQueue(); i < cq.getMaxOffsetInQueue(); i++) {
        const u = (await cq.getUnit(i))!;
        expect(u.offset + u.size).toBeLessThanOrEqual(store.getMaxPhyOffset());
        const rec = await store.selectOneMessageByOffset(u.offset, u.size);
        expect(rec, `${topic}/${q}/${i}`).toBeDefined();
        const m = decodeRecord(rec!, 0, { verifyCrc: true });
        expect([m.topic, m.queueId, m.queueOffset, m.storeSize]).toEqual([topic, q, i, u.size]);
        expect(u.tagsCode).toBe(tagsString2hashCode(m.properties['TAGS']));
        units++;
      }
    }
  }
  return units;
}

describe('checkpoint and abort files', () => {
  it('keeps abort while running, removes it on a clean shutdown, and writes the 4 KiB checkpoint', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    expect(await exists(join(dir, 'abort'))).toBe(true);
    expect((await readFile(join(dir, 'lock'))).toString()).toBe('lock');
    const r = await store.putMessage(msg('C', 0, 'x', { TAGS: 'a', KEYS: 'k' }));
    await store.shutdown();
    expect(await exists(join(dir, 'abort'))).toBe(false);
    const cp = await readFile(join(dir, 'checkpoint'));
    expect(cp.length).toBe(CHECKPOINT_FILE_SIZE);
    expect(readInt64BE(cp, 0)).toBe(r.storeTimestamp); // physicMsgTimestamp
    expect(readInt64BE(cp, 8)).toBe(r.storeTimestamp); // logicsMsgTimestamp
    expect(readInt64BE(cp, 16)).toBe(r.storeTimestamp); // indexMsgTimestamp
  });
});

describe('clean shutdown', () => {
  it('is clean even while a periodic fdatasync is in flight when it starts', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    const store = await openStore(dir, { flushIntervalCommitLog: 5, flushCommitLogLeastPages: 1 }, { fs });
    fs.datasyncDelayMs = 100;
    await store.putMessage(msg('Clean', 0, Buffer.alloc(5000)));
    await sleep(20); // a periodic fdatasync covering that put is running now
    await store.putMessage(msg('Clean', 0, Buffer.alloc(5000)));
    await store.shutdown();
    expect(await exists(join(dir, 'abort'))).toBe(false);
  });
});

describe('recovery', () => {
  it('after an unclean stop keeps every written message and rebuilds the queues', async () => {
    const dir = await tmp();
    let store = await openStore(dir);
    const rs: PutMessageResult[] = [];
    for (let i = 0; i < 300; i++) rs.push(await store.putMessage(msg(`T${i % 3}`, i % 4, `m${i}`, { TAGS: `t${i % 5}`, KEYS: `k${i}` })));
    const before = await dump(store, ['T0', 'T1', 'T2'], 4);
    await store.abandon();
    expect(await exists(join(dir, 'abort'))).toBe(true);
    store = await openStore(dir);
    expect(await dump(store, ['T0', 'T1', 'T2'], 4)).toEqual(before);
    expect(await checkQueues(store)).toBe(300);
    expect((await store.queryMessage('T1', 'k100', 5, 0, Date.now() + 60_000)).messages).toHaveLength(1);
    // Appends continue with the next queue offsets.
    const next = await store.putMessage(msg('T0', 0, 'after'));
    expect(next.queueOffset).toBe(store.getMaxOffsetInQueue('T0', 0) - 1);
    expect(next.wroteOffset).toBe(rs.at(-1)!.wroteOffset + rs.at(-1)!.wroteBytes);
    await store.shutdown();
  });

  it('cuts a torn tail, zeroes the rest of the segment and trims queue units past the end', async () => {
    const dir = await tmp();
    let store = await openStore(dir);
    const rs: PutMessageResult[] = [];
    for (let i = 0; i < 20; i++) rs.push(await store.putMessage(msg('Torn', 0, `m${i}`, { TAGS: 'x' })));
    await store.abandon();
    // Tear the last record: keep only its first 30 bytes, as a crash in the middle of a write would.
    const last = rs.at(-1)!;
    const seg = join(dir, 'commitlog', '00000000000000000000');
    const fh = await open(seg, 'r+');
    await fh.write(Buffer.alloc(last.wroteBytes - 30), 0, last.wroteBytes - 30, last.wroteOffset + 30);
    await fh.close();
    store = await openStore(dir);
    expect(store.getMaxPhyOffset()).toBe(last.wroteOffset);
    expect(store.getMaxOffsetInQueue('Torn', 0)).toBe(19);
    expect(await checkQueues(store)).toBe(19);
    await store.shutdown();
    const bytes = await readFile(seg);
    expect(bytes.subarray(last.wroteOffset).every((b) => b === 0)).toBe(true);
  });

  it('trims ConsumeQueue units that point past the end of the log after a clean stop', async () => {
    const dir = await tmp();
    let store = await openStore(dir);
    const rs: PutMessageResult[] = [];
    for (let i = 0; i < 30; i++) rs.push(await store.putMessage(msg('Trim', i % 2, `m${i}`)));
    await store.shutdown();
    // Lose the last 10 records from the log (the queue files still list them).
    const cut = rs[20]!.wroteOffset;
    const seg = join(dir, 'commitlog', '00000000000000000000');
    await truncate(seg, cut);
    await truncate(seg, 64 * 1024);
    store = await openStore(dir);
    expect(store.getMaxPhyOffset()).toBe(cut);
    expect(store.getMaxOffsetInQueue('Trim', 0) + store.getMaxOffsetInQueue('Trim', 1)).toBe(20);
    expect(await checkQueues(store)).toBe(20);
    const r = await store.putMessage(msg('Trim', 0, 'new'));
    expect(r.queueOffset).toBe(10);
    await store.shutdown();
  });

  it('rebuilds deleted ConsumeQueue and index directories from the CommitLog', async () => {
    const dir = await tmp();
    let store = await openStore(dir);
    for (let i = 0; i < 200; i++) await store.putMessage(msg(`R${i % 2}`, i % 3, `m${i}` + 'y'.repeat(i * 3), { TAGS: `t${i % 3}`, KEYS: `key${i}` }));
    const before = await dump(store, ['R0', 'R1'], 3);
    await store.shutdown();
    const cqFiles = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const t of await readdir(join(dir, 'consumequeue'))) for (const q of await readdir(join(dir, 'consumequeue', t))) for (const f of await readdir(join(dir, 'consumequeue', t, q))) out.push(`${t}/${q}/${f}:${(await readFile(join(dir, 'consumequeue', t, q, f))).toString('hex')}`);
      return out.sort();
    };
    const cqBefore = await cqFiles();
    await rm(join(dir, 'consumequeue'), { recursive: true });
    await rm(join(dir, 'index'), { recursive: true });
    store = await openStore(dir);
    expect(await dump(store, ['R0', 'R1'], 3)).toEqual(before);
    expect((await store.queryMessage('R1', 'key151', 5, 0, Date.now() + 60_000)).messages).toHaveLength(1);
    await store.shutdown();
    // The rebuilt queue files are byte for byte the ones the puts built.
    expect(await cqFiles()).toEqual(cqBefore);
  });

  it('rebuilds queue units lost in a crash (files written less far than the log)', async () => {
    const dir = await tmp();
    let store = await openStore(dir);
    for (let i = 0; i < 50; i++) await store.putMessage(msg('Lost', 0, `m${i}`));
    await store.writeLogics();
    await store.abandon();
    // Cut the queue file back to 10 units, as if the last unit writes never happened.
    const f = join(dir, 'consumequeue', 'Lost', '0', '00000000000000000000');
    await truncate(f, 200);
    await truncate(f, 2000);
    store = await openStore(dir);
    expect(store.getMaxOffsetInQueue('Lost', 0)).toBe(50);
    expect(await checkQueues(store)).toBe(50);
    await store.shutdown();
  });
});

describe('dispatch after a restart (regressions found by the crash tests)', () => {
  it('resumes at a record boundary: messages appended in the rest of the last segment reach their queues', async () => {
    const dir = await tmp();
    let store = await openStore(dir);
    for (let i = 0; i < 10; i++) await store.putMessage(msg('Resume', 0, `m${i}`, { KEYS: `k${i}` }));
    await store.shutdown();
    store = await openStore(dir);
    for (let i = 10; i < 20; i++) await store.putMessage(msg('Resume', 0, `m${i}`, { KEYS: `k${i}` }));
    expect(store.dispatchBehindBytes()).toBe(0);
    expect(store.getMaxOffsetInQueue('Resume', 0)).toBe(20);
    expect(await dump(store, ['Resume'], 1)).toEqual(Array.from({ length: 20 }, (_, i) => `Resume/0/${i}=m${i}`));
    expect((await store.queryMessage('Resume', 'k15', 5, 0, Date.now() + 60_000)).messages).toHaveLength(1);
    await store.shutdown();
  });

  it('truncates a queue whose units include blank fill units in the middle', async () => {
    const dir = await tmp();
    let store = await openStore(dir);
    const rs: PutMessageResult[] = [];
    for (let i = 0; i < 10; i++) rs.push(await store.putMessage(msg('Gap', 0, `m${i}`)));
    // A gap (units 10..14 missing) is filled with blank units, as a broken dispatch would leave it.
    const cq = store.getConsumeQueue('Gap', 0)!;
    cq.putUnit(rs[9]!.wroteOffset + 100_000, 50, 0, 15);
    expect(cq.getMaxOffsetInQueue()).toBe(16);
    await store.writeLogics();
    await store.abandon();
    store = await openStore(dir);
    // Cut back to the log, then rebuilt: no blank unit survives, offsets are contiguous.
    expect(store.getMaxOffsetInQueue('Gap', 0)).toBe(10);
    expect(await checkQueues(store)).toBe(10);
    await store.shutdown();
  });
});

describe('segment files deleted and created at the same path', () => {
  it('a segment deleted by recovery is gone before a new one is created at its path (no lost writes)', async () => {
    const dir = await tmp();
    let store = await openStore(dir);
    await store.putMessage(msg('Path', 0, 'first'));
    await store.abandon();
    // A killed process leaves its preallocated next segment behind (abandon() removes it; put it back).
    await writeFile(join(dir, 'commitlog', '00000000000000065536'), Buffer.alloc(65536));
    // A slow unlink: recovery deletes the leftover 65536 file while the restarted store preallocates it again.
    const fs = new FaultFs();
    fs.unlinkDelayMs = 300;
    store = await openStore(dir, {}, { fs });
    const rs: PutMessageResult[] = [];
    while (rs.length === 0 || rs.at(-1)!.wroteOffset < 65536) rs.push(await store.putMessage(msg('Path', 0, Buffer.alloc(2000, 1))));
    await sleep(350);
    await store.shutdown();
    store = await openStore(dir);
    expect(store.getMaxPhyOffset()).toBe(rs.at(-1)!.wroteOffset + rs.at(-1)!.wroteBytes);
    expect(store.getMaxOffsetInQueue('Path', 0)).toBe(rs.length + 1);
    await store.shutdown();
  });
});

describe('compatibility with a store laid out by Apache RocketMQ', () => {
  it('opens a directory built by hand from the 4.9 rules (records, blank marker, ConsumeQueue, checkpoint) and serves it', async () => {
    const dir = await tmp();
    const seg = 64 * 1024;
    await mkdir(join(dir, 'commitlog'), { recursive: true });
    await mkdir(join(dir, 'consumequeue', 'JavaTopic', '0'), { recursive: true });
    const file0 = Buffer.alloc(seg);
    const file1 = Buffer.alloc(seg);
    const units = Buffer.alloc(6000);
    let pos = 0;
    let file = file0;
    let base = 0;
    let n = 0;
    const born = '10.0.0.9:40000';
    for (let i = 0; i < 60; i++) {
      const input = {
        topic: 'JavaTopic',
        queueId: 0,
        flag: 0,
        queueOffset: i,
        physicalOffset: 0,
        sysFlag: 0,
        bornTimestamp: 1600000000000 + i,
        bornHost: born,
        storeTimestamp: 1600000000500 + i,
        storeHost: '10.0.0.1:10911',
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
        body: Buffer.alloc(1500, 48 + (i % 10)),
        properties: encodeProperties({ TAGS: 'TagA', UNIQ_KEY: `0A00000900009C40000000000000${String(i).padStart(4, '0')}`, KEYS: `java-${i}` }),
      };
      const size = measureRecord(input);
      if (pos + size + 8 > seg) {
        encodeBlankMarker(file, pos, seg - pos);
        file = file1;
        base = seg;
        pos = 0;
      }
      encodeRecord(file, pos, { ...input, physicalOffset: base + pos });
      writeInt64BE(units, n * 20, base + pos);
      units.writeInt32BE(size, n * 20 + 8);
      writeInt64BE(units, n * 20 + 12, tagsString2hashCode('TagA'));
      n++;
      pos += size;
    }
    await writeFile(join(dir, 'commitlog', '00000000000000000000'), file0);
    await writeFile(join(dir, 'commitlog', '00000000000000065536'), file1);
    await writeFile(join(dir, 'consumequeue', 'JavaTopic', '0', '00000000000000000000'), units);
    const cp = Buffer.alloc(4096);
    writeInt64BE(cp, 0, 1600000000559);
    writeInt64BE(cp, 8, 1600000000559);
    await writeFile(join(dir, 'checkpoint'), cp);
    // Java leaves config/ and a lock file too; no abort file: a clean stop.
    await mkdir(join(dir, 'config'));
    await writeFile(join(dir, 'config', 'topics.json'), '{"topicConfigTable":{}}');
    await appendFile(join(dir, 'lock'), '');

    const store = await openStore(dir, { mappedFileSizeConsumeQueue: 6000 });
    expect(store.getMaxOffsetInQueue('JavaTopic', 0)).toBe(60);
    expect(store.getMaxPhyOffset()).toBe(seg + pos);
    const got = await dump(store, ['JavaTopic'], 1);
    expect(got).toHaveLength(60);
    expect(got[42]).toBe(`JavaTopic/0/42=${'2'.repeat(1500)}`);
    // The index did not exist: it is built from the log.
    expect((await store.queryMessage('JavaTopic', 'java-7', 5, 0, Date.now())).messages).toHaveLength(1);
    expect(decodeRecord((await store.queryMessageByUniqKey('JavaTopic', '0A00000900009C400000000000000031'))!).queueOffset).toBe(31);
    // New messages continue the log and the queue.
    const r = await store.putMessage(msg('JavaTopic', 0, 'ours'));
    expect(r.status).toBe(PutMessageStatus.PUT_OK);
    expect([r.wroteOffset, r.queueOffset]).toEqual([seg + pos, 60]);
    await store.shutdown();
    // What we wrote decodes with the same rules.
    const after = await readFile(join(dir, 'commitlog', '00000000000000065536'));
    expect(decodeRecord(after, pos, { verifyCrc: true, strictLength: true }).body!.toString()).toBe('ours');
  });
});
