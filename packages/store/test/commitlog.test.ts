import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BLANK_MAGIC_CODE,
  MESSAGE_MAGIC_CODE,
  SysFlag,
  decodeMessagesDetailed,
  decodeOffsetMsgId,
  decodeRecord,
  encodeBatch,
  encodeProperties,
} from '@rocketmq-ts/protocol';
import { GetMessageStatus, PutMessageStatus } from '../src/index.js';
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

describe('CommitLog', () => {
  it('rolls segments with a blank marker and names files by 20-digit start offset', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    const body = Buffer.alloc(3000, 0x41);
    const results: PutMessageResult[] = [];
    for (let i = 0; i < 50; i++) results.push(await store.putMessage(msg('RollTopic', 0, body)));
    expect(results.every((r) => r.status === PutMessageStatus.PUT_OK)).toBe(true);
    await store.shutdown();

    const files = (await readdir(join(dir, 'commitlog'))).sort();
    expect(files[0]).toBe('00000000000000000000');
    expect(files[1]).toBe('00000000000000065536');
    for (const f of files) expect((await stat(join(dir, 'commitlog', f))).size).toBe(64 * 1024);
    // Records back to back from 0; the first segment ends with a blank marker covering the rest.
    const seg0 = await readFile(join(dir, 'commitlog', files[0]!));
    const { messages, consumed } = decodeMessagesDetailed(seg0, { verifyCrc: true });
    expect(messages.length).toBeGreaterThan(10);
    expect(messages.every((m, i) => m.queueOffset === i && m.commitLogOffset === results[i]!.wroteOffset)).toBe(true);
    expect(seg0.readInt32BE(consumed + 4)).toBe(BLANK_MAGIC_CODE);
    expect(seg0.readInt32BE(consumed)).toBe(65536 - consumed);
    // The record that did not fit starts the next segment.
    const firstOfSecond = results.find((r) => r.wroteOffset >= 65536)!;
    expect(firstOfSecond.wroteOffset).toBe(65536);
    expect(firstOfSecond.queueOffset).toBe(messages.length);
  });

  it('assigns queue offsets per topic-queue in arrival order and returns offset msgIds', async () => {
    const dir = await tmp();
    const store = await openStore(dir, { storeHost: '10.1.2.3:10911' });
    const puts = [];
    for (let i = 0; i < 30; i++) puts.push(store.putMessage(msg(i % 2 === 0 ? 'A' : 'B', i % 3, `m${i}`)));
    const rs = await Promise.all(puts);
    const seen = new Map<string, number[]>();
    rs.forEach((r, i) => {
      const key = `${i % 2 === 0 ? 'A' : 'B'}-${i % 3}`;
      seen.set(key, [...(seen.get(key) ?? []), r.queueOffset]);
      expect(decodeOffsetMsgId(r.msgId)).toEqual({ address: '10.1.2.3:10911', offset: r.wroteOffset });
      if (i > 0) expect(r.wroteOffset).toBe(rs[i - 1]!.wroteOffset + rs[i - 1]!.wroteBytes);
    });
    for (const offsets of seen.values()) expect(offsets).toEqual(offsets.map((_, k) => k));
    expect(store.getMaxOffsetInQueue('A', 0)).toBe(5);
    await store.shutdown();
  });

  it('stores a batch in one segment with consecutive queue offsets and the batch properties appended', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    await store.putMessage(msg('Batch', 1, 'before'));
    const body = encodeBatch([
      { body: Buffer.from('one'), flag: 1, properties: { UNIQ_KEY: 'U1', KEYS: 'k1' } },
      { body: Buffer.from('two'), properties: { UNIQ_KEY: 'U2' } },
      { body: Buffer.from('three') },
    ]);
    const r = await store.putMessages({ topic: 'Batch', queueId: 1, body, properties: 'WAIT\u0001true', bornTimestamp: 1, bornHost: '127.0.0.1:1' });
    expect(r.status).toBe(PutMessageStatus.PUT_OK);
    expect(r.msgNum).toBe(3);
    expect(r.queueOffset).toBe(1);
    expect(r.msgIds.split(',')).toHaveLength(3);
    const got = await store.getMessage('g', 'Batch', 1, 1, 32);
    expect(got.status).toBe(GetMessageStatus.FOUND);
    const ms = got.messages.map((b) => decodeRecord(b, 0, { verifyCrc: true, strictLength: true }));
    expect(ms.map((m) => m.body?.toString())).toEqual(['one', 'two', 'three']);
    expect(ms.map((m) => m.queueOffset)).toEqual([1, 2, 3]);
    expect(ms[0]!.flag).toBe(1);
    expect({ ...ms[0]!.properties }).toEqual({ UNIQ_KEY: 'U1', KEYS: 'k1', WAIT: 'true' });
    expect({ ...ms[2]!.properties }).toEqual({ WAIT: 'true' });
    expect(r.msgIds.split(',').map((id) => decodeOffsetMsgId(id).offset)).toEqual(ms.map((m) => m.commitLogOffset));
    await store.shutdown();
  });

  it('refuses illegal messages and batches with a status, never throwing', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    expect((await store.putMessage(msg('T'.repeat(128), 0, 'x'))).status).toBe(PutMessageStatus.MESSAGE_ILLEGAL);
    expect((await store.putMessage(msg('T', 0, Buffer.alloc(16 * 1024 + 1)))).status).toBe(PutMessageStatus.MESSAGE_ILLEGAL);
    expect((await store.putMessage({ ...msg('T', 0, 'x'), properties: 'k\u0001' + 'v'.repeat(40000) })).status).toBe(PutMessageStatus.PROPERTIES_SIZE_EXCEEDED);
    expect((await store.putMessage({ ...msg('T', 0, 'x'), bornHost: 'nonsense' })).status).toBe(PutMessageStatus.MESSAGE_ILLEGAL);
    const batch = { topic: 'T', queueId: 0, bornTimestamp: 1, bornHost: '127.0.0.1:1' };
    expect((await store.putMessages({ ...batch, body: Buffer.from([0, 0, 0, 9, 1]) })).status).toBe(PutMessageStatus.MESSAGE_ILLEGAL);
    expect((await store.putMessages({ ...batch, body: encodeBatch([{ body: Buffer.from('a') }]), sysFlag: SysFlag.TRANSACTION_PREPARED_TYPE })).status).toBe(PutMessageStatus.MESSAGE_ILLEGAL);
    expect((await store.putMessages({ ...batch, body: encodeBatch([{ body: Buffer.from('a') }]), properties: 'DELAY\u00013' })).status).toBe(PutMessageStatus.MESSAGE_ILLEGAL);
    const bad = await store.putMessage(msg('T'.repeat(200), 0, 'x'));
    expect(bad.wroteOffset).toBe(-1);
    expect(bad.msgId).toBe('');
    expect(bad.reason).toMatch(/topic length/);
    // Nothing was stored: the next put starts at 0.
    expect((await store.putMessage(msg('T', 0, 'ok'))).wroteOffset).toBe(0);
    await store.shutdown();
  });

  it('keeps prepared and rolled-back transaction messages out of the ConsumeQueue (queue offset 0) as Java does', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    const prepared = await store.putMessage(msg('Tx', 0, 'half', { UNIQ_KEY: 'P1' }, { sysFlag: SysFlag.TRANSACTION_PREPARED_TYPE }));
    const committed = await store.putMessage(msg('Tx', 0, 'commit', {}, { sysFlag: SysFlag.TRANSACTION_COMMIT_TYPE }));
    const rolledBack = await store.putMessage(msg('Tx', 0, 'rb', { UNIQ_KEY: 'R1' }, { sysFlag: SysFlag.TRANSACTION_ROLLBACK_TYPE }));
    const plain = await store.putMessage(msg('Tx', 0, 'plain'));
    expect([prepared.queueOffset, committed.queueOffset, rolledBack.queueOffset, plain.queueOffset]).toEqual([0, 0, 0, 1]);
    expect(store.getMaxOffsetInQueue('Tx', 0)).toBe(2);
    const got = await store.getMessage('g', 'Tx', 0, 0, 10);
    expect(got.messages.map((b) => decodeRecord(b).body?.toString())).toEqual(['commit', 'plain']);
    // Prepared messages are indexed (the broker's transaction check looks them up); rolled-back ones are not.
    expect((await store.queryMessage('Tx', 'P1', 5, 0, Date.now() + 10_000)).messages).toHaveLength(1);
    expect((await store.queryMessage('Tx', 'R1', 5, 0, Date.now() + 10_000)).messages).toHaveLength(0);
    await store.shutdown();
  });

  it('reads records back across segment boundaries, from memory and after a restart from disk', async () => {
    const dir = await tmp();
    let store = await openStore(dir, { commitLogCacheBytes: 0 });
    const sent: string[] = [];
    for (let i = 0; i < 120; i++) {
      const b = `${i}:` + 'x'.repeat(900 + ((i * 37) % 700));
      sent.push(b);
      await store.putMessage(msg('Cross', 0, b));
    }
    const readAll = async (): Promise<string[]> => {
      const out: string[] = [];
      let off = 0;
      for (;;) {
        const r = await store.getMessage('g', 'Cross', 0, off, 32);
        if (r.status !== GetMessageStatus.FOUND) break;
        out.push(...r.messages.map((m) => decodeRecord(m, 0, { verifyCrc: true }).body!.toString()));
        off = r.nextBeginOffset;
      }
      return out;
    };
    expect(await readAll()).toEqual(sent);
    expect(store.commitLog.segmentCount()).toBeGreaterThan(1);
    await store.shutdown();
    store = await openStore(dir);
    expect(await readAll()).toEqual(sent);
    await store.shutdown();
  });

  it('preallocates the next segment file before the current one fills', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    await store.putMessage(msg('Pre', 0, 'x'));
    await sleep(50);
    const files = (await readdir(join(dir, 'commitlog'))).sort();
    expect(files).toEqual(['00000000000000000000', '00000000000000065536']);
    expect((await stat(join(dir, 'commitlog', files[1]!))).size).toBe(65536);
    await store.shutdown();
  });

  it('writes records that decode with the protocol codec field by field', async () => {
    const dir = await tmp();
    const store = await openStore(dir, { storeHost: '192.168.0.7:10911' });
    const r = await store.putMessage({
      topic: 'Fmt',
      queueId: 2,
      body: Buffer.from('payload'),
      flag: 9,
      sysFlag: SysFlag.MULTI_TAGS,
      properties: encodeProperties({ TAGS: 't', KEYS: 'a b' }),
      bornTimestamp: 1700000000000,
      bornHost: '[::1]:5555',
      reconsumeTimes: 3,
    });
    const rec = await store.selectOneMessageByOffset(r.wroteOffset);
    const m = decodeRecord(rec!, 0, { verifyCrc: true, strictLength: true });
    expect(m).toMatchObject({
      magicCode: MESSAGE_MAGIC_CODE,
      queueId: 2,
      flag: 9,
      queueOffset: 0,
      commitLogOffset: r.wroteOffset,
      sysFlag: SysFlag.MULTI_TAGS | SysFlag.BORNHOST_V6,
      bornTimestamp: 1700000000000,
      bornHost: '[0:0:0:0:0:0:0:1]:5555',
      storeTimestamp: r.storeTimestamp,
      storeHost: '192.168.0.7:10911',
      reconsumeTimes: 3,
      topic: 'Fmt',
      offsetMsgId: r.msgId,
    });
    expect(m.body?.toString()).toBe('payload');
    await store.shutdown();
  });
});
