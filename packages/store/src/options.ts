/**
 * Store options. Names and defaults follow Apache RocketMQ 4.9's
 * MessageStoreConfig where an equivalent exists; the few options that only
 * make sense here (this store buffers writes in memory instead of mmap) say so.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import { hostByteLength } from '@rocketmq-ts/protocol';

export const FlushDiskType = { ASYNC_FLUSH: 'ASYNC_FLUSH', SYNC_FLUSH: 'SYNC_FLUSH' } as const;
export type FlushDiskType = (typeof FlushDiskType)[keyof typeof FlushDiskType];

export const BrokerRole = { ASYNC_MASTER: 'ASYNC_MASTER', SYNC_MASTER: 'SYNC_MASTER', SLAVE: 'SLAVE' } as const;
export type BrokerRole = (typeof BrokerRole)[keyof typeof BrokerRole];

export interface MessageStoreOptions {
  /** Root of the store: commitlog/, consumequeue/, index/, config/, checkpoint, abort. @defaultValue `~/store` */
  storePathRootDir: string;
  /** CommitLog directory. @defaultValue `<storePathRootDir>/commitlog` */
  storePathCommitLog: string;
  /** Bytes per CommitLog segment. @defaultValue 1073741824 (1 GiB) */
  mappedFileSizeCommitLog: number;
  /** Bytes per ConsumeQueue file, rounded up to a multiple of 20. @defaultValue 6000000 (300,000 units) */
  mappedFileSizeConsumeQueue: number;
  /** @defaultValue 'ASYNC_FLUSH' */
  flushDiskType: FlushDiskType;
  /** ASYNC_FLUSH: ms between fdatasync checks of the CommitLog. @defaultValue 500 */
  flushIntervalCommitLog: number;
  /** ASYNC_FLUSH: fdatasync only when at least this many 4 KiB pages are unsynced... @defaultValue 4 */
  flushCommitLogLeastPages: number;
  /** ...or when this many ms passed since the last fdatasync. @defaultValue 10000 */
  flushCommitLogThoroughInterval: number;
  /** SYNC_FLUSH: a put whose fdatasync has not completed after this many ms answers FLUSH_DISK_TIMEOUT. @defaultValue 5000 */
  syncFlushTimeout: number;
  /** ms between fdatasyncs of ConsumeQueue and index files, followed by a checkpoint write. @defaultValue 1000 */
  flushIntervalConsumeQueue: number;
  /** This store only: ms between writes of buffered ConsumeQueue units and index entries to their files. @defaultValue 20 */
  logicsWriteInterval: number;
  /** @defaultValue 'ASYNC_MASTER' */
  brokerRole: BrokerRole;
  /** SYNC_MASTER: how long a put waits for a slave. @defaultValue 3000 */
  slaveTimeout: number;
  /** Largest message body (and batch body) accepted. @defaultValue 4194304 */
  maxMessageSize: number;
  /** Verify body CRCs while recovering. @defaultValue true */
  checkCRCOnRecover: boolean;
  /** Build the IndexFile (keys and unique keys). @defaultValue true */
  messageIndexEnable: boolean;
  /** Hash slots per index file. @defaultValue 5000000 */
  maxHashSlotNum: number;
  /** Entries per index file. @defaultValue 20000000 */
  maxIndexNum: number;
  /** Most offsets one key query collects. @defaultValue 64 */
  maxMsgsNumBatch: number;
  /** Delay levels: the delivery-time tagsCode of SCHEDULE_TOPIC_XXXX messages uses them. @defaultValue '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h' */
  messageDelayLevel: string;
  /** Hours of day (";"-separated) when expired files are deleted. @defaultValue '04' */
  deleteWhen: string;
  /** Hours a CommitLog segment is kept after its last write. @defaultValue 72 */
  fileReservedTime: number;
  /** Percent of the disk above which old segments are deleted whatever deleteWhen says. @defaultValue 75 */
  diskMaxUsedSpaceRatio: number;
  /** Used ratio above which puts are refused (disk full). Java's rocketmq.broker.diskSpaceWarningLevelRatio. @defaultValue 0.9 */
  diskSpaceWarningLevelRatio: number;
  /** Used ratio above which segments are deleted even if not expired. Java's rocketmq.broker.diskSpaceCleanForciblyRatio. @defaultValue 0.85 */
  diskSpaceCleanForciblyRatio: number;
  /** Allow deleting unexpired segments when the disk is nearly full. @defaultValue true */
  cleanFileForciblyEnable: boolean;
  /** ms between retention runs. @defaultValue 10000 */
  cleanResourceInterval: number;
  /** ms between disk-space checks (Java: 10 s, fixed). @defaultValue 10000 */
  diskCheckInterval: number;
  /** ms to wait between two segment deletions. @defaultValue 100 */
  deleteCommitLogFilesInterval: number;
  /** A segment held by a reader longer than this is deleted anyway (its descriptor closes when the reader is done). @defaultValue 120000 */
  destroyMapedFileIntervalForcibly: number;
  /** @defaultValue 262144 */
  maxTransferBytesOnMessageInMemory: number;
  /** @defaultValue 32 */
  maxTransferCountOnMessageInMemory: number;
  /** @defaultValue 65536 */
  maxTransferBytesOnMessageInDisk: number;
  /** @defaultValue 8 */
  maxTransferCountOnMessageInDisk: number;
  /** Percent of RAM: a reader further behind than this is "in disk" (smaller batches, suggest a slave). @defaultValue 40 */
  accessMessageInMemoryMaxRatio: number;
  /** Puts answer OS_PAGECACHE_BUSY while a CommitLog write has been running longer than this. @defaultValue 1000 */
  osPageCacheBusyTimeOutMills: number;
  /** This store only: puts answer OS_PAGECACHE_BUSY while more than this many bytes wait to be written. @defaultValue 67108864 */
  maxUnwrittenBytes: number;
  /** This store only: size of the in-memory blocks records are encoded into and written from. @defaultValue 1048576 */
  writeChunkSize: number;
  /** This store only: recently written CommitLog bytes kept in memory so tail reads need no syscall. @defaultValue 33554432 */
  commitLogCacheBytes: number;
  /** "ip:port" written as STOREHOST when a put does not say. @defaultValue '127.0.0.1:10911' */
  storeHost: string;
  /** Accept topics over 127 bytes with the 5.x v2 record (Apache RocketMQ 4.9 cannot read those). @defaultValue false */
  enableMessageVersionV2: boolean;
  /** A slave answers pulls out of range with the requested offset instead of correcting it. @defaultValue false */
  offsetCheckInSlave: boolean;
}

export function defaultMessageStoreOptions(): MessageStoreOptions {
  const root = join(homedir(), 'store');
  return {
    storePathRootDir: root,
    storePathCommitLog: join(root, 'commitlog'),
    mappedFileSizeCommitLog: 1024 * 1024 * 1024,
    mappedFileSizeConsumeQueue: 300000 * 20,
    flushDiskType: FlushDiskType.ASYNC_FLUSH,
    flushIntervalCommitLog: 500,
    flushCommitLogLeastPages: 4,
    flushCommitLogThoroughInterval: 10000,
    syncFlushTimeout: 5000,
    flushIntervalConsumeQueue: 1000,
    logicsWriteInterval: 20,
    brokerRole: BrokerRole.ASYNC_MASTER,
    slaveTimeout: 3000,
    maxMessageSize: 4 * 1024 * 1024,
    checkCRCOnRecover: true,
    messageIndexEnable: true,
    maxHashSlotNum: 5000000,
    maxIndexNum: 5000000 * 4,
    maxMsgsNumBatch: 64,
    messageDelayLevel: '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h',
    deleteWhen: '04',
    fileReservedTime: 72,
    diskMaxUsedSpaceRatio: 75,
    diskSpaceWarningLevelRatio: 0.9,
    diskSpaceCleanForciblyRatio: 0.85,
    cleanFileForciblyEnable: true,
    cleanResourceInterval: 10000,
    diskCheckInterval: 10000,
    deleteCommitLogFilesInterval: 100,
    destroyMapedFileIntervalForcibly: 120000,
    maxTransferBytesOnMessageInMemory: 256 * 1024,
    maxTransferCountOnMessageInMemory: 32,
    maxTransferBytesOnMessageInDisk: 64 * 1024,
    maxTransferCountOnMessageInDisk: 8,
    accessMessageInMemoryMaxRatio: 40,
    osPageCacheBusyTimeOutMills: 1000,
    maxUnwrittenBytes: 64 * 1024 * 1024,
    writeChunkSize: 1024 * 1024,
    commitLogCacheBytes: 32 * 1024 * 1024,
    storeHost: '127.0.0.1:10911',
    enableMessageVersionV2: false,
    offsetCheckInSlave: false,
  };
}

function fail(key: string, why: string): never {
  throw new RmqError(ErrorCode.CONFIG, `store option ${key}: ${why}`);
}

/** Parses the delay level table ("1s 5s ... 2h") into milliseconds per level (index 0 = level 1). */
export function parseDelayLevels(text: string): number[] {
  const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const out: number[] = [];
  for (const item of text.trim().split(/\s+/)) {
    const m = /^(\d+)([smhd])$/.exec(item);
    if (m === null) fail('messageDelayLevel', `bad level ${JSON.stringify(item)} (expected like 10s, 5m, 2h)`);
    out.push(Number(m[1]) * (units[m[2] as string] as number));
  }
  return out;
}

/**
 * Builds options from defaults and `input` (e.g. parsed from a config file,
 * where numbers may come as strings). Unknown keys and bad values throw
 * RmqError(CONFIG) naming the key. storePathCommitLog follows
 * storePathRootDir unless given.
 */
export function parseMessageStoreOptions(input: Readonly<Record<string, unknown>> = {}): MessageStoreOptions {
  const out = defaultMessageStoreOptions();
  const defaults = out as unknown as Record<string, unknown>;
  const target = out as unknown as Record<string, unknown>;
  for (const [key, raw] of Object.entries(input)) {
    if (raw === undefined) continue;
    if (!(key in defaults)) fail(key, 'unknown option');
    const def = defaults[key];
    if (typeof def === 'number') {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isFinite(n)) fail(key, `expected a number, got ${JSON.stringify(raw)}`);
      target[key] = n;
    } else if (typeof def === 'boolean') {
      if (raw === true || raw === 'true') target[key] = true;
      else if (raw === false || raw === 'false') target[key] = false;
      else fail(key, `expected true or false, got ${JSON.stringify(raw)}`);
    } else {
      if (typeof raw !== 'string') fail(key, `expected a string, got ${JSON.stringify(raw)}`);
      target[key] = raw;
    }
  }
  if (input['storePathCommitLog'] === undefined) out.storePathCommitLog = join(out.storePathRootDir, 'commitlog');
  validate(out);
  return out;
}

function positiveInt(o: MessageStoreOptions, key: keyof MessageStoreOptions): void {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(key, `must be a positive integer, got ${String(v)}`);
}

function validate(o: MessageStoreOptions): void {
  if (o.storePathRootDir.trim() === '') fail('storePathRootDir', 'must not be empty');
  for (const k of [
    'mappedFileSizeCommitLog',
    'mappedFileSizeConsumeQueue',
    'flushIntervalCommitLog',
    'flushCommitLogThoroughInterval',
    'syncFlushTimeout',
    'flushIntervalConsumeQueue',
    'logicsWriteInterval',
    'slaveTimeout',
    'maxMessageSize',
    'maxHashSlotNum',
    'maxIndexNum',
    'maxMsgsNumBatch',
    'cleanResourceInterval',
    'diskCheckInterval',
    'maxTransferBytesOnMessageInMemory',
    'maxTransferCountOnMessageInMemory',
    'maxTransferBytesOnMessageInDisk',
    'maxTransferCountOnMessageInDisk',
    'osPageCacheBusyTimeOutMills',
    'maxUnwrittenBytes',
    'writeChunkSize',
  ] as const) {
    positiveInt(o, k);
  }
  if (!Object.values(FlushDiskType).includes(o.flushDiskType)) fail('flushDiskType', `must be ASYNC_FLUSH or SYNC_FLUSH, got ${o.flushDiskType}`);
  if (!Object.values(BrokerRole).includes(o.brokerRole)) fail('brokerRole', `must be ASYNC_MASTER, SYNC_MASTER or SLAVE, got ${o.brokerRole}`);
  if (o.mappedFileSizeCommitLog > 2 ** 31 - 1) fail('mappedFileSizeCommitLog', 'must be below 2 GiB');
  if (o.mappedFileSizeCommitLog < 4096) fail('mappedFileSizeCommitLog', 'must be at least 4096');
  // A record of the largest body (plus headers and the blank marker) must fit an empty segment.
  if (o.maxMessageSize + 1024 > o.mappedFileSizeCommitLog) {
    fail('maxMessageSize', `a message of ${o.maxMessageSize} bytes plus headers does not fit a ${o.mappedFileSizeCommitLog}-byte segment`);
  }
  if (o.mappedFileSizeConsumeQueue < 20) fail('mappedFileSizeConsumeQueue', 'must hold at least one 20-byte unit');
  o.mappedFileSizeConsumeQueue = Math.ceil(o.mappedFileSizeConsumeQueue / 20) * 20;
  if (o.maxHashSlotNum * 4 + o.maxIndexNum * 20 + 40 > 2 ** 31 - 1) fail('maxIndexNum', 'the index file would exceed 2 GiB');
  for (const k of ['diskSpaceWarningLevelRatio', 'diskSpaceCleanForciblyRatio'] as const) {
    if (!(o[k] > 0 && o[k] <= 1)) fail(k, `must be in (0, 1], got ${o[k]}`);
  }
  if (!(o.diskMaxUsedSpaceRatio >= 10 && o.diskMaxUsedSpaceRatio <= 95)) fail('diskMaxUsedSpaceRatio', `must be 10..95 (percent), got ${o.diskMaxUsedSpaceRatio}`);
  if (!(o.fileReservedTime > 0)) fail('fileReservedTime', 'must be positive (hours)');
  // 0 is valid (Java checks nothing): every message but the newest counts as "in disk".
  if (!(o.accessMessageInMemoryMaxRatio >= 0 && o.accessMessageInMemoryMaxRatio <= 100)) fail('accessMessageInMemoryMaxRatio', 'must be 0..100 (percent)');
  for (const h of o.deleteWhen.split(';')) {
    if (!/^\d{1,2}$/.test(h.trim()) || Number(h) > 23) fail('deleteWhen', `hours must be 0..23 separated by ';', got ${JSON.stringify(o.deleteWhen)}`);
  }
  parseDelayLevels(o.messageDelayLevel);
  try {
    hostByteLength(o.storeHost);
  } catch (err) {
    throw new RmqError(ErrorCode.CONFIG, `store option storeHost: ${(err as Error).message}`, { cause: err });
  }
  if (o.commitLogCacheBytes < 0) fail('commitLogCacheBytes', 'must not be negative');
  if (o.deleteCommitLogFilesInterval < 0) fail('deleteCommitLogFilesInterval', 'must not be negative');
  if (o.destroyMapedFileIntervalForcibly < 0) fail('destroyMapedFileIntervalForcibly', 'must not be negative');
}
