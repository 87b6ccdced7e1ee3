import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import { ResponseCode, parseRmqJson } from '@rocketmq-ts/protocol';
import type { MessageQueue } from '@rocketmq-ts/protocol';
import { LocalFileOffsetStore, RemoteBrokerOffsetStore, writeAtomically } from '../src/offset-store.js';
import type { BrokerOffsetApi } from '../src/offset-store.js';

const q = (id: number, topic = 'T'): MessageQueue => ({ topic, brokerName: 'b', queueId: id });

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rmq-offsets-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('LocalFileOffsetStore', () => {
  it('persists offsets in the Java file format and reads them after a restart', async () => {
    const a = new LocalFileOffsetStore(dir, '10.0.0.1@123', 'g', undefined);
    await a.load();
    a.updateOffset(q(0), 5, false);
    a.updateOffset(q(1), 7, false);
    a.updateOffset(q(1), 6, true); // increase only: stays 7
    await a.persistAll([q(0), q(1)]);
    expect(a.storePath).toBe(path.join(dir, '10.0.0.1@123', 'g', 'offsets.json'));
    const text = await fs.readFile(a.storePath, 'utf8');
    // fastjson's Map<MessageQueue, Long>: object keys.
    expect(text).toContain('{"brokerName":"b","queueId":1,"topic":"T"}:7');
    const parsed = parseRmqJson(text) as Record<string, unknown>;
    expect(parsed['offsetTable']).toBeInstanceOf(Map);

    const b = new LocalFileOffsetStore(dir, '10.0.0.1@123', 'g');
    await b.load();
    expect(await b.readOffset(q(1), 'READ_FROM_MEMORY')).toBe(7);
    expect(await b.readOffset(q(0), 'READ_FROM_STORE')).toBe(5);
    expect(await b.readOffset(q(9), 'READ_FROM_STORE')).toBe(-1);
  });

  it('keeps queues persisted by earlier calls and writes concurrent persists one at a time', async () => {
    const s = new LocalFileOffsetStore(dir, 'c', 'g');
    s.updateOffset(q(0), 1, false);
    s.updateOffset(q(1), 2, false);
    s.updateOffset(q(2), 3, false);
    await Promise.all([s.persist(q(0)), s.persist(q(1)), s.persistAll([q(2)])]);
    const r = new LocalFileOffsetStore(dir, 'c', 'g');
    await r.load();
    expect(r.cloneOffsetTable('T').sort((x, y) => x[0].queueId - y[0].queueId).map(([, o]) => o)).toEqual([1, 2, 3]);
  });

  it('falls back to the .bak file when the main file is corrupt', async () => {
    const s = new LocalFileOffsetStore(dir, 'c', 'g');
    s.updateOffset(q(0), 10, false);
    await s.persistAll([q(0)]);
    s.updateOffset(q(0), 20, false);
    await s.persistAll([q(0)]);
    // The previous content is the backup.
    expect(await fs.readFile(`${s.storePath}.bak`, 'utf8')).toContain(':10');
    await fs.writeFile(s.storePath, '{not json');
    const r = new LocalFileOffsetStore(dir, 'c', 'g');
    await r.load();
    expect(await r.readOffset(q(0), 'READ_FROM_MEMORY')).toBe(10);
  });

  it('writes atomically: a leftover temporary file does not replace the data', async () => {
    const file = path.join(dir, 'x', 'offsets.json');
    await writeAtomically(file, Buffer.from('one'));
    await fs.writeFile(`${file}.tmp`, 'half-written');
    expect(await fs.readFile(file, 'utf8')).toBe('one');
    await writeAtomically(file, Buffer.from('two'));
    expect(await fs.readFile(file, 'utf8')).toBe('two');
    expect(await fs.readFile(`${file}.bak`, 'utf8')).toBe('one');
  });
});

describe('RemoteBrokerOffsetStore', () => {
  type Failure = 'notfound' | 'network' | 'busy' | 'error';
  function fakeApi(): BrokerOffsetApi & { stored: Map<number, number>; updates: Array<[number, number, boolean]>; fail?: Failure } {
    const api = {
      stored: new Map<number, number>(),
      updates: [] as Array<[number, number, boolean]>,
      fail: undefined as Failure | undefined,
      queryConsumerOffset(_g: string, mq: MessageQueue): Promise<number> {
        if (api.fail === 'network') return Promise.reject(new RmqError(ErrorCode.TIMEOUT, 'timeout', { retriable: true }));
        if (api.fail === 'busy') return Promise.reject(new RmqError(ErrorCode.RESPONSE, 'busy', { retriable: true, responseCode: ResponseCode.SYSTEM_BUSY }));
        if (api.fail === 'error') return Promise.reject(new RmqError(ErrorCode.RESPONSE, 'error', { retriable: true, responseCode: ResponseCode.SYSTEM_ERROR }));
        const v = api.stored.get(mq.queueId);
        if (v === undefined || api.fail === 'notfound') {
          return Promise.reject(new RmqError(ErrorCode.RESPONSE, 'not found', { responseCode: ResponseCode.QUERY_NOT_FOUND }));
        }
        return Promise.resolve(v);
      },
      updateConsumerOffset(_g: string, mq: MessageQueue, offset: number, sync: boolean): Promise<void> {
        api.updates.push([mq.queueId, offset, sync]);
        api.stored.set(mq.queueId, offset);
        return Promise.resolve();
      },
    };
    return api;
  }

  it('reads -1 for a new group, -2 when the broker cannot be asked, and caches what it read', async () => {
    const api = fakeApi();
    const s = new RemoteBrokerOffsetStore(api, 'g');
    expect(await s.readOffset(q(0), 'READ_FROM_STORE')).toBe(-1);
    api.fail = 'network';
    expect(await s.readOffset(q(0), 'READ_FROM_STORE')).toBe(-2);
    api.fail = undefined;
    api.stored.set(0, 42);
    expect(await s.readOffset(q(0), 'READ_FROM_STORE')).toBe(42);
    expect(await s.readOffset(q(0), 'READ_FROM_MEMORY')).toBe(42);
  });

  it('takes only QUERY_NOT_FOUND as "no offset": any other broker error is -2, never -1', async () => {
    const api = fakeApi();
    api.stored.set(0, 7);
    const s = new RemoteBrokerOffsetStore(api, 'g');
    for (const fail of ['busy', 'error', 'network'] as const) {
      api.fail = fail;
      expect(await s.readOffset(q(0), 'READ_FROM_STORE'), fail).toBe(-2);
      expect(await s.readOffset(q(0), 'MEMORY_FIRST_THEN_STORE'), fail).toBe(-2);
    }
    api.fail = 'notfound';
    expect(await s.readOffset(q(0), 'READ_FROM_STORE')).toBe(-1);
    api.fail = undefined;
    expect(await s.readOffset(q(0), 'READ_FROM_STORE')).toBe(7);
  });

  it('persists owned queues and forgets the others', async () => {
    const api = fakeApi();
    const s = new RemoteBrokerOffsetStore(api, 'g');
    s.updateOffset(q(0), 3, false);
    s.updateOffset(q(1), 4, false);
    await s.persistAll([q(0)], true);
    expect(api.updates).toEqual([[0, 3, true]]);
    expect(s.cloneOffsetTable().map(([mq]) => mq.queueId)).toEqual([0]);
  });
});
