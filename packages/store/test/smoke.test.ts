import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecord } from '@rocketmq-ts/protocol';
import { GetMessageStatus, PutMessageStatus } from '../src/index.js';
import { makeTmpDir, msg, openStore } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe('smoke', () => {
  it('puts, gets, restarts', async () => {
    const t = await makeTmpDir();
    cleanups.push(t.cleanup);
    let store = await openStore(t.dir);
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => store.putMessage(msg('T', i % 3, `body-${i}`, { TAGS: 'a', KEYS: `k${i}` }))));
    expect(results.every((r) => r.status === PutMessageStatus.PUT_OK)).toBe(true);
    const got = await store.getMessage('g', 'T', 0, 0, 32);
    expect(got.status).toBe(GetMessageStatus.FOUND);
    expect(got.messages.length).toBe(32);
    expect(decodeRecord(got.messages[0]!).body?.toString()).toBe('body-0');
    await store.shutdown();
    store = await openStore(t.dir);
    expect(store.getMaxOffsetInQueue('T', 0)).toBe(167);
    const got2 = await store.getMessage('g', 'T', 1, 100, 32);
    expect(got2.status).toBe(GetMessageStatus.FOUND);
    expect(decodeRecord(got2.messages[0]!).body?.toString()).toBe('body-301');
    const q = await store.queryMessage('T', 'k77', 10, 0, Date.now() + 1000);
    expect(q.messages.length).toBe(1);
    await store.shutdown();
  });
});
