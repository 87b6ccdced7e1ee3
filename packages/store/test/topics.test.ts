import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GetMessageStatus, PutMessageStatus, SCHEDULE_TOPIC } from '../src/index.js';
import { FaultFs, errno, makeTmpDir, msg, openStore } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
async function tmp(): Promise<string> {
  const t = await makeTmpDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('topics', () => {
  it('deletes the queues of deleted and unused topics (keeping system topics) and restarts their offsets at 0', async () => {
    const dir = await tmp();
    const store = await openStore(dir);
    for (const t of ['Keep', 'Drop', 'Unused', SCHEDULE_TOPIC]) for (let i = 0; i < 3; i++) await store.putMessage(msg(t, 0, `${t}${i}`));
    await store.writeLogics();
    expect(await store.deleteTopics(['Drop'])).toBe(1);
    expect((await store.getMessage('g', 'Drop', 0, 0, 1)).status).toBe(GetMessageStatus.NO_MESSAGE_IN_QUEUE);
    expect(await store.cleanUnusedTopic(new Set(['Keep']))).toBe(1);
    expect(store.getConsumeQueueTopics().sort()).toEqual(['Keep', SCHEDULE_TOPIC].sort());
    expect((await readdir(join(dir, 'consumequeue'))).sort()).toEqual(['Keep', SCHEDULE_TOPIC].sort());
    // A topic created again starts over at queue offset 0.
    expect((await store.putMessage(msg('Drop', 0, 'again'))).queueOffset).toBe(0);
    expect(store.getMaxOffsetInQueue('Keep', 0)).toBe(3);
    await store.shutdown();
  });

  it('answers CREATE_MAPEDFILE_FAILED when a new segment cannot be created', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    const store = await openStore(dir, {}, { fs });
    expect((await store.putMessage(msg('Seg', 0, 'first'))).status).toBe(PutMessageStatus.PUT_OK);
    fs.openFault = (p, flags) => (p.includes('/commitlog/') && flags === 'w+' ? errno('EMFILE') : undefined);
    let r;
    for (let i = 0; i < 300; i++) {
      r = await store.putMessage(msg('Seg', 0, Buffer.alloc(2000)));
      if (r.status !== PutMessageStatus.PUT_OK) break;
    }
    expect(r?.status).toBe(PutMessageStatus.CREATE_MAPEDFILE_FAILED);
    fs.openFault = undefined;
    const ok = await store.putMessage(msg('Seg', 0, Buffer.alloc(2000)));
    expect(ok.status).toBe(PutMessageStatus.PUT_OK);
    expect(ok.wroteOffset % 65536).toBe(0);
    expect(ok.wroteOffset).toBeGreaterThan(0);
    const m = await store.lookMessageByOffset(ok.wroteOffset);
    expect(m?.queueOffset).toBe(ok.queueOffset);
    await store.shutdown();
  });
});
