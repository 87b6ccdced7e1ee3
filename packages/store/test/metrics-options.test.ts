import { afterEach, describe, expect, it } from 'vitest';
import { defaultMessageStoreOptions, parseMessageStoreOptions, PUT_DISTRIBUTE_LABELS, LatencyHistogram } from '../src/index.js';
import { makeTmpDir, msg, openStore } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe('metrics', () => {
  it('counts puts and gets per topic, put latency buckets, dispatch, and gives Java runtime info keys', async () => {
    const t = await makeTmpDir();
    cleanups.push(t.cleanup);
    const store = await openStore(t.dir);
    let bytes = 0;
    for (let i = 0; i < 20; i++) bytes += (await store.putMessage(msg(i < 15 ? 'A' : 'B', 0, 'x'.repeat(100)))).wroteBytes;
    await store.getMessage('g', 'A', 0, 0, 10);
    await store.getMessage('g', 'A', 0, 15, 10);
    const s = store.getStats();
    expect(s.putMessageTimesTotal).toBe(20);
    expect(s.putMessageSizeTotal).toBe(bytes);
    expect(s.putByTopic.get('A')?.times).toBe(15);
    expect(s.putByTopic.get('B')?.times).toBe(5);
    expect(s.putMessageDistributeTime.reduce((a, b) => a + b, 0)).toBe(20);
    expect(s.putLatencyMicros.p99).toBeGreaterThan(0);
    expect(s.getMessageTimesTotalFound).toBe(1);
    expect(s.getMessageTimesTotalMiss).toBe(1);
    expect(s.getMessageTransferedMsgCount).toBe(10);
    expect(s.getByTopic.get('A')?.times).toBe(10);
    expect(s.dispatchedMessages).toBe(20);
    expect(s.dispatchLatencyMicros.p50).toBeGreaterThanOrEqual(0);
    const info = store.getRuntimeInfo();
    for (const k of [
      'bootTimestamp', 'runtime', 'putMessageEntireTimeMax', 'putMessageTimesTotal', 'putMessageFailedTimes', 'putMessageSizeTotal',
      'putMessageDistributeTime', 'putMessageAverageSize', 'dispatchMaxBuffer', 'getMessageEntireTimeMax', 'putTps', 'getFoundTps',
      'getMissTps', 'getTotalTps', 'getTransferedTps', 'putLatency99', 'putLatency999', 'commitLogDiskRatio', 'consumeQueueDiskRatio',
      'commitLogMinOffset', 'commitLogMaxOffset', 'dispatchBehindBytes',
    ]) {
      expect(info[k], k).toBeDefined();
    }
    expect(info['putMessageTimesTotal']).toBe('20');
    expect(info['putMessageDistributeTime']).toMatch(/^\[<=0ms\]:\d+ \[0~10ms\]:\d+ /);
    expect(info['commitLogMaxOffset']).toBe(String(store.getMaxPhyOffset()));
    expect(info['runtime']).toMatch(/^\[ 0 days, 0 hours, 0 minutes, \d+ seconds \]$/);
    expect(PUT_DISTRIBUTE_LABELS).toHaveLength(13);
    await store.shutdown();
  });

  it('a latency histogram reports quantiles within its bucket width', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i);
    expect(h.quantileMicros(0.5)).toBeGreaterThanOrEqual(500);
    expect(h.quantileMicros(0.5)).toBeLessThanOrEqual(500 * 1.125);
    expect(h.quantileMicros(0.99)).toBeLessThanOrEqual(1000);
    expect(h.count).toBe(1000);
  });
});

describe('options', () => {
  it('defaults follow MessageStoreConfig', () => {
    const o = defaultMessageStoreOptions();
    expect(o).toMatchObject({
      mappedFileSizeCommitLog: 1024 ** 3,
      mappedFileSizeConsumeQueue: 6_000_000,
      flushDiskType: 'ASYNC_FLUSH',
      flushIntervalCommitLog: 500,
      flushCommitLogLeastPages: 4,
      syncFlushTimeout: 5000,
      deleteWhen: '04',
      fileReservedTime: 72,
      diskMaxUsedSpaceRatio: 75,
      maxHashSlotNum: 5_000_000,
      maxIndexNum: 20_000_000,
      cleanResourceInterval: 10_000,
      maxMessageSize: 4 * 1024 * 1024,
    });
  });

  it('parses strings from config files and names the bad key', () => {
    const o = parseMessageStoreOptions({ storePathRootDir: '/data/x', flushDiskType: 'SYNC_FLUSH', fileReservedTime: '48', checkCRCOnRecover: 'false' });
    expect(o.storePathCommitLog).toBe('/data/x/commitlog');
    expect(o.fileReservedTime).toBe(48);
    expect(o.checkCRCOnRecover).toBe(false);
    expect(parseMessageStoreOptions({ mappedFileSizeConsumeQueue: 30 }).mappedFileSizeConsumeQueue).toBe(40);
    expect(() => parseMessageStoreOptions({ nope: 1 })).toThrow(/store option nope: unknown option/);
    expect(() => parseMessageStoreOptions({ flushDiskType: 'SOMETIMES' })).toThrow(/store option flushDiskType/);
    expect(() => parseMessageStoreOptions({ syncFlushTimeout: 'soon' })).toThrow(/store option syncFlushTimeout: expected a number/);
    expect(() => parseMessageStoreOptions({ deleteWhen: '04;25' })).toThrow(/store option deleteWhen/);
    expect(() => parseMessageStoreOptions({ messageDelayLevel: '1s 5x' })).toThrow(/store option messageDelayLevel/);
    expect(() => parseMessageStoreOptions({ storeHost: 'localhost' })).toThrow(/store option storeHost/);
    expect(() => parseMessageStoreOptions({ mappedFileSizeCommitLog: 65536, maxMessageSize: 65536 })).toThrow(/store option maxMessageSize/);
  });
});
