/**
 * Where the CPU goes: the store's append path with a file system that does
 * nothing (writes and fdatasync complete at once, no syscalls), so the
 * figures are the JS thread's cost per message, free of disk effects; and the
 * cost of the pieces measured alone.
 *
 *   npm run build && npx tsx bench/store-cpu.ts
 */
import { crc32 } from 'node:zlib';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { checkRecord, encodeBatch, encodeHostCached, encodeRecord } from '@rocketmq-ts/protocol';
import { DefaultMessageStore, type StoreFile, type StoreFs, nodeStoreFs, parseMessageStoreOptions } from '@rocketmq-ts/store';

function nullFile(path: string): StoreFile {
  return {
    path,
    write: (_b, _o, length) => Promise.resolve(length),
    writev: (bufs) => Promise.resolve(bufs.reduce((a, b) => a + b.length, 0)),
    read: (_b, _o, length) => Promise.resolve(length),
    datasync: () => Promise.resolve(),
    sync: () => Promise.resolve(),
    truncate: () => Promise.resolve(),
    size: () => Promise.resolve(0),
    close: () => Promise.resolve(),
  };
}

/** Data files go nowhere; directories and small files are real (in a temp dir). */
const nullFs: StoreFs = {
  ...nodeStoreFs,
  open: (path, flags) => (/\/(commitlog|consumequeue|index)\//.test(path) ? Promise.resolve(nullFile(path)) : nodeStoreFs.open(path, flags)),
};

const BODY = Buffer.alloc(1024, 0x61);

async function storePhase(name: string, batch: number, concurrency: number, total: number): Promise<void> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'rmq-cpu-'));
  const store = new DefaultMessageStore(parseMessageStoreOptions({ storePathRootDir: dir, commitLogCacheBytes: 64 << 20 }), { fs: nullFs });
  await store.start();
  store.setMessageArrivalListener(() => undefined);
  const props = Array.from({ length: batch === 1 ? total : batch }, (_, i) => `UNIQ_KEY\u0001C0A8010100FA1B2C3D4E${(0x100000000000 + i).toString(16).toUpperCase()}\u0002TAGS\u0001TagA\u0002WAIT\u0001true`);
  const batchBody = encodeBatch(props.slice(0, batch).map((p) => ({ body: BODY, properties: p })));
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next;
        next += batch;
        if (batch === 1) await store.putMessage({ topic: 'Cpu', queueId: i % 8, body: BODY, properties: props[i], bornTimestamp: 1, bornHost: '127.0.0.1:1' });
        else await store.putMessages({ topic: 'Cpu', queueId: (i / batch) % 8, body: batchBody, bornTimestamp: 1, bornHost: '127.0.0.1:1' });
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(`${name.padEnd(44)} ${((total / ms) * 1000).toFixed(0).padStart(8)} msgs/s  ${((ms * 1000) / total).toFixed(2)} us wall/msg  ${((cpu.user + cpu.system) / total).toFixed(2)} us CPU/msg`);
  await store.shutdown();
  rmSync(dir, { recursive: true, force: true });
}

function micro(name: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 20000); i++) fn(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  console.log(`${name.padEnd(44)} ${(((performance.now() - t0) * 1000) / n).toFixed(3)} us`);
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} cores, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const only = process.argv[2];
  if (only === undefined) console.log('-- the pieces, alone');
  if (only === undefined) {
  micro('crc32 of a 1 KiB body (zlib.crc32)', 500000, () => crc32(BODY));
  const chunk = Buffer.allocUnsafeSlow(1 << 20);
  const born = encodeHostCached('127.0.0.1:50000');
  const props = 'UNIQ_KEY\u0001C0A8010100FA1B2C3D4E100000000001\u0002TAGS\u0001TagA\u0002WAIT\u0001true';
  const input = { topic: 'Cpu', queueId: 1, flag: 0, queueOffset: 1, physicalOffset: 0, sysFlag: 0, bornTimestamp: 1, bornHost: born, storeTimestamp: 2, storeHost: born, reconsumeTimes: 0, preparedTransactionOffset: 0, body: BODY, properties: props, version: 1 as const };
  micro('encode a 1 KiB record (incl. crc32)', 300000, (i) => encodeRecord(chunk, (i % 800) * 1200, input, 3, props.length));
  const withCrc = { ...input, bodyCrc: 7 };
  micro('encode a 1 KiB record (crc given)', 300000, (i) => encodeRecord(chunk, (i % 800) * 1200, withCrc, 3, props.length));
  const size = encodeRecord(chunk, 0, input, 3, props.length);
  micro('validate a record header (checkRecord)', 500000, () => checkRecord(chunk, 0, size, false));
  micro('a promise made and resolved', 500000, () => void new Promise<void>((r) => r()));
  }
  console.log('-- the store with a no-op file system (JS thread cost: encode, dispatch, queues, index, acks)');
  if (only === undefined || only === 'put') await storePhase('put, 64 writers', 1, 64, 300000);
  if (only === undefined) await storePhase('put, 1024 in flight', 1, 1024, 300000);
  if (only === undefined || only === 'batch') await storePhase('batch put of 32, 64 writers', 32, 64, 600000);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
