/**
 * The CommitLog: one append-only log of stored-message records in segment
 * files named by their 20-digit start offset.
 *
 * Write path (Node has no mmap; see docs/architecture/store.md):
 *   put ──encode──▶ in-memory chunk (offsets, queue offset and store time
 *   assigned here, synchronously, in arrival order)
 *        ──one positional write(v) per event-loop turn──▶ page cache
 *        ──fdatasync (group commit / interval)──▶ disk
 * Puts resolve when the write covering them completed (ASYNC_FLUSH, or
 * WAIT=false) or when an fdatasync started after that write completed
 * (SYNC_FLUSH). Chunks stay in memory after they are written as a cache of
 * the log's tail, so tail reads and dispatch need no syscall.
 *
 * Offsets: `maxOffset` is where the next record goes; `writtenOffset` is how
 * far the file holds the log (what readers and the dispatcher may see);
 * `flushedOffset` how far an fdatasync covered.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import type { Logger } from '@rocketmq-ts/common';
import { ErrorCode, RmqError, errorMessage } from '@rocketmq-ts/common';
import {
  BLANK_MAGIC_CODE,
  END_FILE_MIN_BLANK_LENGTH,
  MAX_TOPIC_LENGTH_V1,
  MESSAGE_MAGIC_CODE,
  MESSAGE_MAGIC_CODE_V2,
  PROPERTY_SEPARATOR,
  RecordCheck,
  SysFlag,
  bornHostLength,
  checkRecord,
  createOffsetMsgId,
  decodeBatchEntries,
  encodeBlankMarker,
  encodeHostCached,
  encodeRecord,
  findProperty,
  readInt64BE,
  recordLength,
  storeTimestampPos,
  topicLengthSize,
  transactionTypeOf,
} from '@rocketmq-ts/protocol';
import { Fifo } from './fifo.js';
import { type StoreFs, errnoOf, isDiskFullError, readFully } from './fs.js';
import { FlushDiskType, type MessageStoreOptions } from './options.js';
import { fileNameToOffset, offsetToFileName } from './paths.js';
import { PendingDeletes, Segment } from './segment.js';
import type { StoreStats } from './stats.js';
import { type PutBatchRequest, type PutMessageRequest, type PutMessageResult, PutMessageStatus } from './types.js';

/** Most bytes one write call carries. */
const MAX_WRITE_BYTES = 16 * 1024 * 1024;
/** Reads of nearby records are merged into one pread when the gap between them is at most this. */
const COALESCE_GAP = 32 * 1024;
const COALESCE_MAX = 1024 * 1024;
const HOST_V6_BITS = SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6;

/** A block of the log's tail in memory. */
interface Chunk {
  /** Log offset of buf[0]. */
  readonly start: number;
  readonly buf: Buffer;
  /** Bytes filled. */
  len: number;
  /** Bytes of `len` the file holds. */
  written: number;
  readonly seg: Segment;
  /** Usable bytes of buf (a pooled buffer may be larger than the segment's room). */
  readonly cap: number;
  /** Holds the segment's blank marker (or its last bytes): nothing more goes in, the log continues at seg.end. */
  sealed: boolean;
  /** Store time of the last record encoded here. */
  lastTs: number;
}

class PutResult implements PutMessageResult {
  status: PutMessageStatus = PutMessageStatus.PUT_OK;
  reason: string | undefined;
  constructor(
    readonly wroteOffset: number,
    readonly wroteBytes: number,
    readonly queueOffset: number,
    readonly msgNum: number,
    readonly storeTimestamp: number,
    private readonly storeHost: Buffer | undefined,
    private readonly offsets: readonly number[] | undefined,
  ) {}

  get msgId(): string {
    return this.storeHost === undefined || this.wroteOffset < 0 ? '' : createOffsetMsgId(this.storeHost, this.wroteOffset);
  }

  get msgIds(): string {
    if (this.storeHost === undefined || this.wroteOffset < 0) return '';
    if (this.offsets === undefined) return this.msgId;
    const host = this.storeHost;
    return this.offsets.map((o) => createOffsetMsgId(host, o)).join(',');
  }
}

/** A put failed before it was stored. */
export function failedPut(status: PutMessageStatus, reason: string): PutMessageResult {
  const r = new PutResult(-1, 0, -1, 0, 0, undefined, undefined);
  r.status = status;
  r.reason = reason;
  return r;
}

interface PendingPut {
  /** Log offset just past the put's last record. */
  readonly end: number;
  readonly needFlush: boolean;
  readonly result: PutResult;
  readonly startedAt: number;
  readonly deadline: number;
  resolve: (r: PutResult) => void;
}

interface RawAppend {
  readonly end: number;
  resolve: (ok: boolean) => void;
}

/** Where recovery found the end of the log. */
export interface CommitLogRecovery {
  /** Offset just past the last valid record. */
  readonly end: number;
  /** Where dispatch must start to rebuild the queues (the start of the first segment scanned). */
  readonly scanStart: number;
  /** Bytes cut off after the last valid record (a torn tail or corrupt data). */
  readonly truncatedBytes: number;
}

/** Hooks the store gives the CommitLog. */
export interface CommitLogHooks {
  /** Called synchronously after writtenOffset advanced, before puts are answered: dispatch here. */
  onWritten(): void;
  /** A write failed for lack of space. */
  onDiskFull(err: unknown): void;
}

/** Reads the CommitLog's store timestamp of a record header (56 or 68). */
export function recordStoreTimestamp(buf: Buffer, pos: number): number {
  return readInt64BE(buf, pos + storeTimestampPos(buf.readInt32BE(pos + 36)));
}

export class CommitLog {
  readonly dir: string;
  readonly segmentSize: number;
  private segments: Segment[] = [];
  private readonly deletes = new PendingDeletes();
  /** A segment file created ahead of need (not yet part of the log). */
  private nextSegment: Segment | undefined;
  private chunks: Chunk[] = [];
  private cachedBytes = 0;
  /** Buffers of evicted chunks, reused for new ones. Nothing outside the CommitLog holds a view into a chunk. */
  private readonly pool: Buffer[] = [];
  /** Index in `chunks` of the first chunk not fully written. */
  private writeIdx = 0;

  private maxOffset = 0;
  private writtenOffset = 0;
  private flushedOffset = 0;
  /** A record boundary no rollback goes below: everything up to it was answered or dispatched. */
  private safeOffset = 0;
  private lastStoreTimestamp = 0;
  private lastScannedTs = 0;
  private writtenTimestamp = 0;
  private flushedTimestamp = 0;

  private readonly writeWaiters = new Fifo<PendingPut>();
  private readonly flushWaiters = new Fifo<PendingPut>();
  private readonly rawWaiters = new Fifo<RawAppend>();
  private writing = false;
  private writeScheduled = false;
  private writeStartedAt = 0;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private lastSyncAt = 0;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** topic -> queueId -> next queue offset (Java's topicQueueTable). */
  private readonly queueTable = new Map<string, Map<number, number>>();
  private readonly topicBytes = new Map<string, Buffer>();
  private readonly maxTopicLength: number;
  private readonly storeHost: Buffer;
  private readonly syncFlush: boolean;

  constructor(
    private readonly opts: MessageStoreOptions,
    private readonly fs: StoreFs,
    private readonly log: Logger,
    private readonly stats: StoreStats,
    private readonly hooks: CommitLogHooks,
  ) {
    this.dir = opts.storePathCommitLog;
    this.segmentSize = opts.mappedFileSizeCommitLog;
    this.maxTopicLength = opts.enableMessageVersionV2 ? 32767 : MAX_TOPIC_LENGTH_V1;
    this.storeHost = encodeHostCached(opts.storeHost);
    this.syncFlush = opts.flushDiskType === FlushDiskType.SYNC_FLUSH;
  }

  // ---------------------------------------------------------------------------
  // Offsets

  /** Offset of the first byte still in the log (-1 when empty, as Java). */
  getMinOffset(): number {
    const first = this.segments[0];
    return first === undefined ? -1 : first.base;
  }

  /** Offset just past the last record the file holds. */
  getMaxOffset(): number {
    return this.writtenOffset;
  }

  /** Offset the next record will get (includes records not written yet). */
  getAppendOffset(): number {
    return this.maxOffset;
  }

  getFlushedOffset(): number {
    return this.flushedOffset;
  }

  /** Store time of the last record an fdatasync covered (the checkpoint's physicMsgTimestamp). */
  getFlushedTimestamp(): number {
    return this.flushedTimestamp;
  }

  /** Bytes encoded but not yet written. */
  unwrittenBytes(): number {
    return this.maxOffset - this.writtenOffset;
  }

  /** Bytes written but not yet covered by fdatasync. */
  unflushedBytes(): number {
    return this.writtenOffset - this.flushedOffset;
  }

  /** ms the write in progress has been running (0 when none): Java's lockTimeMills / OS_PAGECACHE_BUSY signal. */
  writeStallMs(now = performance.now()): number {
    return this.writing ? now - this.writeStartedAt : 0;
  }

  /** Marks everything up to `offset` as dispatched: rollbacks never go below it. */
  markSafe(offset: number): void {
    if (offset > this.safeOffset) this.safeOffset = offset;
  }

  /** The offset of the next segment after the one holding `offset`. */
  rollNextFile(offset: number): number {
    return offset + this.segmentSize - (offset % this.segmentSize);
  }

  segmentCount(): number {
    return this.segments.length;
  }

  /** Segment bases, oldest first (for tests and tools). */
  segmentBases(): number[] {
    return this.segments.map((s) => s.base);
  }

  // ---------------------------------------------------------------------------
  // Queue offsets

  /** The next queue offset of a queue (what Java keeps in topicQueueTable). */
  getQueueOffset(topic: string, queueId: number): number {
    return this.queueTable.get(topic)?.get(queueId) ?? 0;
  }

  setQueueOffset(topic: string, queueId: number, next: number): void {
    let m = this.queueTable.get(topic);
    if (m === undefined) {
      m = new Map();
      this.queueTable.set(topic, m);
    }
    m.set(queueId, next);
  }

  removeQueue(topic: string, queueId?: number): void {
    if (queueId === undefined) this.queueTable.delete(topic);
    else this.queueTable.get(topic)?.delete(queueId);
  }

  // ---------------------------------------------------------------------------
  // Loading and recovery

  /** Lists the segment files. Throws RmqError(CONFIG) when a file is larger than a segment (a size misconfiguration). */
  async load(): Promise<void> {
    await this.fs.mkdir(this.dir);
    const names = (await this.fs.readdir(this.dir)).filter((n) => {
      if (fileNameToOffset(n) !== undefined) return true;
      if (!n.endsWith('.tmp')) this.log.warn({ dir: this.dir, file: n }, 'ignoring a file that is not a segment');
      return false;
    });
    names.sort();
    const found: Segment[] = [];
    for (const name of names) {
      const base = fileNameToOffset(name) as number;
      const path = join(this.dir, name);
      const st = await this.fs.stat(path);
      if (st === undefined || st.isDirectory) continue;
      if (base % this.segmentSize !== 0) {
        throw new RmqError(ErrorCode.CONFIG, `CommitLog segment ${name} does not start at a multiple of mappedFileSizeCommitLog=${this.segmentSize}`);
      }
      if (st.size > this.segmentSize) {
        throw new RmqError(
          ErrorCode.CONFIG,
          `CommitLog segment ${name} has ${st.size} bytes, more than mappedFileSizeCommitLog=${this.segmentSize}; check the option`,
        );
      }
      const seg = new Segment(base, this.segmentSize, path, this.fs, this.log, true, this.deletes);
      if (st.size < this.segmentSize) {
        this.log.warn({ path, size: st.size, expected: this.segmentSize }, 'truncated CommitLog segment; extending it with zeros');
        const f = await seg.open();
        await f.truncate(this.segmentSize);
      }
      found.push(seg);
    }
    // Keep the newest contiguous run; older files behind a gap cannot be addressed.
    let from = 0;
    for (let i = 1; i < found.length; i++) {
      if ((found[i] as Segment).base !== (found[i - 1] as Segment).base + this.segmentSize) {
        this.log.error(
          { missingFrom: (found[i - 1] as Segment).end, next: (found[i] as Segment).base },
          'gap between CommitLog segments; ignoring the older segments before it',
        );
        from = i;
      }
    }
    this.segments = found.slice(from);
    for (const s of found.slice(0, from)) await s.close();
  }

  /**
   * Finds the end of the log by validating records (size, magic, lengths,
   * PHYSICALOFFSET and, with checkCRCOnRecover, the body CRC) and cuts
   * everything after: the rest of that segment is zeroed and later segments
   * are deleted.
   *
   * Normal recovery starts at the third segment from the end (Java's
   * recoverNormally). After an unclean stop (`minTimestamp` given) it starts
   * at the newest segment whose first record is not newer than the
   * checkpoint's minimum timestamp (Java's recoverAbnormally), or the first.
   */
  async recover(minTimestamp: number | undefined): Promise<CommitLogRecovery> {
    const segs = this.segments;
    if (segs.length === 0) {
      this.resetOffsets(0);
      return { end: 0, scanStart: 0, truncatedBytes: 0 };
    }
    let startIdx = Math.max(0, segs.length - 3);
    if (minTimestamp !== undefined) {
      startIdx = 0;
      for (let i = segs.length - 1; i >= 0; i--) {
        const ts = await this.firstRecordTimestamp(segs[i] as Segment);
        if (ts !== undefined && ts !== 0 && ts <= minTimestamp) {
          startIdx = i;
          break;
        }
      }
    }
    const scanStart = (segs[startIdx] as Segment).base;
    const end = await this.scanForEnd(startIdx);
    const lastEnd = (segs[segs.length - 1] as Segment).end;
    const truncated = await this.truncateTo(end);
    this.log.info({ scanStart, end, truncatedBytes: truncated, lastSegmentEnd: lastEnd }, 'CommitLog recovered');
    return { end, scanStart, truncatedBytes: truncated };
  }

  private async firstRecordTimestamp(seg: Segment): Promise<number | undefined> {
    const head = Buffer.alloc(128);
    seg.acquire();
    try {
      const f = await seg.open();
      const n = await readFully(f, head, 0, head.length, 0);
      if (n < 80) return undefined;
      const magic = head.readInt32BE(4);
      if (magic !== MESSAGE_MAGIC_CODE && magic !== MESSAGE_MAGIC_CODE_V2) return undefined;
      return recordStoreTimestamp(head, 0);
    } finally {
      seg.release();
    }
  }

  /** Scans from segment `startIdx`; returns the offset after the last valid record. */
  private async scanForEnd(startIdx: number): Promise<number> {
    const verifyCrc = this.opts.checkCRCOnRecover;
    const blockSize = 4 * 1024 * 1024;
    let block = Buffer.allocUnsafe(blockSize);
    for (let i = startIdx; i < this.segments.length; i++) {
      const seg = this.segments[i] as Segment;
      seg.acquire();
      try {
        const f = await seg.open();
        let filePos = 0; // next record's position in the segment
        let blockStart = 0; // segment position of block[0]
        let blockLen = 0;
        for (;;) {
          const rel = filePos - blockStart;
          let check = rel < blockLen ? checkRecord(block, rel, blockLen, verifyCrc) : RecordCheck.INCOMPLETE;
          if (check === RecordCheck.INCOMPLETE && blockStart + blockLen < this.segmentSize) {
            // Read a block starting at this record, big enough for it.
            const want = rel + 4 <= blockLen ? Math.max(blockSize, block.readInt32BE(rel)) : blockSize;
            const size = Math.min(Math.max(want, 8), this.segmentSize - filePos);
            if (block.length < size) block = Buffer.allocUnsafe(size);
            blockStart = filePos;
            blockLen = await readFully(f, block, 0, size, filePos);
            check = blockLen > 0 ? checkRecord(block, 0, blockLen, verifyCrc) : RecordCheck.INVALID;
          }
          const at = filePos - blockStart;
          if (check > 0) {
            this.lastScannedTs = recordStoreTimestamp(block, at);
            if (readInt64BE(block, at + 28) !== seg.base + filePos) {
              this.log.warn({ offset: seg.base + filePos }, 'record with a wrong PHYSICALOFFSET; the log ends here');
              return seg.base + filePos;
            }
            filePos += check;
            continue;
          }
          if (check === RecordCheck.BLANK) {
            if (i + 1 < this.segments.length) break; // next segment
            return seg.base + filePos;
          }
          const zeros = at + 8 <= blockLen && block.readInt32BE(at) === 0 && block.readInt32BE(at + 4) === 0;
          if (!zeros) this.log.warn({ offset: seg.base + filePos, check }, 'invalid or torn record; the log ends here');
          return seg.base + filePos;
        }
      } finally {
        seg.release();
      }
    }
    // Ended on a blank marker of the last segment: the next record goes to a new segment.
    const last = this.segments[this.segments.length - 1] as Segment;
    return last.end;
  }

  /** Cuts the log at `end`: zeroes the rest of its segment, deletes later ones. Returns bytes cut (an upper bound). */
  private async truncateTo(end: number): Promise<number> {
    let cut = 0;
    const keep: Segment[] = [];
    const removing: Promise<void>[] = [];
    for (const seg of this.segments) {
      if (seg.base > end) {
        cut += seg.size;
        removing.push(seg.removeAndWait());
        continue;
      }
      keep.push(seg);
    }
    await Promise.all(removing);
    this.segments = keep;
    const last = keep[keep.length - 1];
    if (last !== undefined && end < last.end) {
      // ftruncate down then up: the stale tail becomes a hole that reads as zeros, so no old record can reappear.
      const rel = end - last.base;
      const f = await last.open();
      await f.truncate(rel);
      await f.truncate(this.segmentSize);
      await f.datasync();
      cut += this.segmentSize - rel;
    }
    this.resetOffsets(end);
    if (this.lastScannedTs > 0) this.setLastStoreTimestamp(this.lastScannedTs);
    return cut;
  }

  private resetOffsets(end: number): void {
    this.maxOffset = end;
    this.writtenOffset = end;
    this.flushedOffset = end;
    this.safeOffset = end;
    this.chunks = [];
    this.cachedBytes = 0;
    this.writeIdx = 0;
  }

  /** Raises the last known store time (recovery and dispatch report what they saw). */
  setLastStoreTimestamp(ts: number): void {
    if (ts > this.lastStoreTimestamp) this.lastStoreTimestamp = ts;
    if (ts > this.flushedTimestamp) this.flushedTimestamp = ts;
    if (ts > this.writtenTimestamp) this.writtenTimestamp = ts;
  }

  /** Starts the periodic flush (ASYNC_FLUSH) and file preallocation. */
  start(): void {
    if (!this.syncFlush) {
      this.flushTimer = setInterval(() => this.periodicFlush(), this.opts.flushIntervalCommitLog);
      this.flushTimer.unref();
    }
    this.preallocateAfter(this.maxOffset);
  }

  // ---------------------------------------------------------------------------
  // Appending

  /** The topic's UTF-8 bytes, kept: topics are few and repeat on every put. */
  private topicBytesOf(topic: string): Buffer {
    let b = this.topicBytes.get(topic);
    if (b === undefined) {
      b = Buffer.from(topic, 'utf8');
      if (this.topicBytes.size > 100_000) this.topicBytes.clear();
      this.topicBytes.set(topic, b);
    }
    return b;
  }

  private segmentFor(offset: number): Segment {
    const last = this.segments[this.segments.length - 1];
    if (last !== undefined && offset >= last.base && offset < last.end) return last;
    const base = offset - (offset % this.segmentSize);
    let seg: Segment;
    if (this.nextSegment !== undefined && this.nextSegment.base === base) {
      seg = this.nextSegment;
      this.nextSegment = undefined;
    } else {
      if (this.nextSegment !== undefined && this.nextSegment.base < base) {
        this.nextSegment.remove();
        this.nextSegment = undefined;
      }
      seg = new Segment(base, this.segmentSize, join(this.dir, offsetToFileName(base)), this.fs, this.log, false, this.deletes);
    }
    this.segments.push(seg);
    this.preallocateAfter(base);
    return seg;
  }

  /** Creates the segment after the one holding `offset` in the background. */
  private preallocateAfter(offset: number): void {
    if (this.closed) return;
    const base = offset - (offset % this.segmentSize) + this.segmentSize;
    if (this.nextSegment !== undefined) return;
    const seg = new Segment(base, this.segmentSize, join(this.dir, offsetToFileName(base)), this.fs, this.log, false, this.deletes);
    this.nextSegment = seg;
    seg.open().catch((err: unknown) => {
      this.log.warn({ path: seg.path, err: errorMessage(err) }, 'preallocating the next CommitLog segment failed; will retry when needed');
      if (this.nextSegment === seg) this.nextSegment = undefined;
    });
  }

  /**
   * Room for `size` bytes at maxOffset in the current segment, rolling to the
   * next (after a blank marker) when they do not fit with 8 bytes to spare.
   */
  private reserve(size: number): { chunk: Chunk; pos: number } {
    let seg = this.segmentFor(this.maxOffset);
    if (seg.end - this.maxOffset < size + END_FILE_MIN_BLANK_LENGTH) {
      const remaining = seg.end - this.maxOffset;
      const blank = this.chunkFor(seg, END_FILE_MIN_BLANK_LENGTH);
      encodeBlankMarker(blank.buf, blank.len, remaining);
      blank.len += END_FILE_MIN_BLANK_LENGTH;
      blank.sealed = true;
      this.maxOffset = seg.end;
      seg = this.segmentFor(this.maxOffset);
    }
    const chunk = this.chunkFor(seg, size);
    return { chunk, pos: chunk.len };
  }

  /** The chunk to append `size` bytes at maxOffset to, starting a new one if needed. */
  private chunkFor(seg: Segment, size: number): Chunk {
    const tail = this.chunks[this.chunks.length - 1];
    if (tail !== undefined && !tail.sealed && tail.seg === seg && tail.start + tail.len === this.maxOffset && tail.cap - tail.len >= size) {
      return tail;
    }
    const want = Math.max(this.opts.writeChunkSize, size);
    const cap = Math.min(seg.end - this.maxOffset, want);
    // Reuse an evicted chunk's memory: fresh memory costs a page fault per 4 KiB on first write.
    const pooled = want === this.opts.writeChunkSize ? this.pool.pop() : undefined;
    const buf = pooled ?? Buffer.allocUnsafeSlow(want === this.opts.writeChunkSize ? want : cap);
    const chunk: Chunk = { start: this.maxOffset, buf, cap, len: 0, written: 0, seg, sealed: false, lastTs: 0 };
    this.chunks.push(chunk);
    this.cachedBytes += buf.length;
    return chunk;
  }

  private nextTimestamp(): number {
    const now = Date.now();
    // Store times never go backwards, so recovery by timestamp stays sound if the clock steps back.
    if (now > this.lastStoreTimestamp) this.lastStoreTimestamp = now;
    return this.lastStoreTimestamp;
  }

  private nextQueueOffset(topic: string, queueId: number, count: number, tranType: number): number {
    if (tranType === SysFlag.TRANSACTION_PREPARED_TYPE || tranType === SysFlag.TRANSACTION_ROLLBACK_TYPE) {
      // Prepared and rolled-back messages are not consumed and take no queue offset (Java writes 0).
      return 0;
    }
    let m = this.queueTable.get(topic);
    if (m === undefined) {
      m = new Map();
      this.queueTable.set(topic, m);
    }
    const q = m.get(queueId) ?? 0;
    m.set(queueId, q + count);
    return q;
  }

  /** Appends one message. Resolves when written (and flushed, for SYNC_FLUSH with waitStoreMsgOK); never rejects. */
  putMessage(req: PutMessageRequest): Promise<PutMessageResult> {
    const topic = req.topic;
    const topicBytes = this.topicBytesOf(topic);
    const tLen = topicBytes.length;
    if (tLen > this.maxTopicLength || tLen === 0) {
      return Promise.resolve(failedPut(PutMessageStatus.MESSAGE_ILLEGAL, `topic length ${tLen} not within 1..${this.maxTopicLength} bytes`));
    }
    const props = req.properties ?? '';
    const pLen = typeof props === 'string' ? (props.length === 0 ? 0 : Buffer.byteLength(props, 'utf8')) : props.length;
    if (pLen > 32767) return Promise.resolve(failedPut(PutMessageStatus.PROPERTIES_SIZE_EXCEEDED, `properties of ${pLen} bytes exceed 32767`));
    const body = req.body;
    const bodyLen = body === undefined ? 0 : body.length;
    if (bodyLen > this.opts.maxMessageSize) {
      return Promise.resolve(failedPut(PutMessageStatus.MESSAGE_ILLEGAL, `body of ${bodyLen} bytes exceeds maxMessageSize ${this.opts.maxMessageSize}`));
    }
    let born: Buffer;
    let store: Buffer;
    try {
      born = encodeHostCached(req.bornHost);
      store = req.storeHost === undefined ? this.storeHost : encodeHostCached(req.storeHost);
    } catch (err) {
      return Promise.resolve(failedPut(PutMessageStatus.MESSAGE_ILLEGAL, errorMessage(err)));
    }
    let sysFlag = (req.sysFlag ?? 0) & ~HOST_V6_BITS;
    if (born.length !== 8) sysFlag |= SysFlag.BORNHOST_V6;
    if (store.length !== 8) sysFlag |= SysFlag.STOREHOST_V6;
    const magic = tLen > MAX_TOPIC_LENGTH_V1 ? MESSAGE_MAGIC_CODE_V2 : MESSAGE_MAGIC_CODE;
    const size = recordLength(sysFlag, bodyLen, tLen, pLen, magic);
    if (size + END_FILE_MIN_BLANK_LENGTH > this.segmentSize) {
      return Promise.resolve(failedPut(PutMessageStatus.MESSAGE_ILLEGAL, `record of ${size} bytes does not fit a segment`));
    }

    const { chunk, pos } = this.reserve(size);
    const offset = this.maxOffset;
    const queueOffset = this.nextQueueOffset(topic, req.queueId, 1, transactionTypeOf(sysFlag));
    const ts = this.nextTimestamp();
    encodeRecord(
      chunk.buf,
      pos,
      {
        topic,
        queueId: req.queueId,
        flag: req.flag ?? 0,
        queueOffset,
        physicalOffset: offset,
        sysFlag,
        bornTimestamp: req.bornTimestamp,
        bornHost: born,
        storeTimestamp: ts,
        storeHost: store,
        reconsumeTimes: req.reconsumeTimes ?? 0,
        preparedTransactionOffset: req.preparedTransactionOffset ?? 0,
        body,
        properties: props,
        // Same shape as the batch path's input keeps encodeRecord monomorphic.
        propertiesSuffix: undefined,
        version: magic === MESSAGE_MAGIC_CODE_V2 ? 2 : 1,
        topicBytes,
      },
      tLen,
      pLen,
    );
    chunk.len += size;
    chunk.lastTs = ts;
    this.maxOffset = offset + size;
    this.stats.onPut(topic, 1, size);
    const result = new PutResult(offset, size, queueOffset, 1, ts, store, undefined);
    return this.enqueue(offset + size, this.syncFlush && req.waitStoreMsgOK !== false, result);
  }

  /** Appends a batch (one topic and queue) atomically in one segment. Never rejects. */
  putMessages(req: PutBatchRequest): Promise<PutMessageResult> {
    const topic = req.topic;
    const sysFlagIn = req.sysFlag ?? 0;
    if (transactionTypeOf(sysFlagIn) !== SysFlag.TRANSACTION_NOT_TYPE) {
      return Promise.resolve(failedPut(PutMessageStatus.MESSAGE_ILLEGAL, 'a batch cannot be transactional'));
    }
    if (req.body.length > this.opts.maxMessageSize) {
      return Promise.resolve(failedPut(PutMessageStatus.MESSAGE_ILLEGAL, `batch body of ${req.body.length} bytes exceeds maxMessageSize`));
    }
    const delay = req.properties === undefined ? undefined : findProperty(req.properties, 'DELAY');
    if (delay !== undefined && Number(delay) > 0) {
      return Promise.resolve(failedPut(PutMessageStatus.MESSAGE_ILLEGAL, 'a batch cannot be delayed'));
    }
    const topicBytes = this.topicBytesOf(topic);
    const tLen = topicBytes.length;
    if (tLen > this.maxTopicLength || tLen === 0) {
      return Promise.resolve(failedPut(PutMessageStatus.MESSAGE_ILLEGAL, `topic length ${tLen} not within 1..${this.maxTopicLength} bytes`));
    }
    let entries;
    try {
      entries = decodeBatchEntries(req.body);
    } catch (err) {
      return Promise.resolve(failedPut(PutMessageStatus.MESSAGE_ILLEGAL, `bad batch body: ${errorMessage(err)}`));
    }
    if (entries.length === 0) return Promise.resolve(failedPut(PutMessageStatus.MESSAGE_ILLEGAL, 'empty batch'));
    let born: Buffer;
    let store: Buffer;
    try {
      born = encodeHostCached(req.bornHost);
      store = req.storeHost === undefined ? this.storeHost : encodeHostCached(req.storeHost);
    } catch (err) {
      return Promise.resolve(failedPut(PutMessageStatus.MESSAGE_ILLEGAL, errorMessage(err)));
    }
    let sysFlag = sysFlagIn & ~HOST_V6_BITS;
    if (born.length !== 8) sysFlag |= SysFlag.BORNHOST_V6;
    if (store.length !== 8) sysFlag |= SysFlag.STOREHOST_V6;
    const batchProps = req.properties !== undefined && req.properties.length > 0 ? Buffer.from(req.properties, 'utf8') : undefined;
    const sepSuffix = batchProps === undefined ? undefined : Buffer.concat([Buffer.from(PROPERTY_SEPARATOR), batchProps]);
    const magic = tLen > MAX_TOPIC_LENGTH_V1 ? MESSAGE_MAGIC_CODE_V2 : MESSAGE_MAGIC_CODE;
    const sizes: number[] = new Array<number>(entries.length);
    const suffixes: (Buffer | undefined)[] = new Array<Buffer | undefined>(entries.length);
    let total = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      let suffix: Buffer | undefined;
      if (batchProps !== undefined) {
        // Java appends the batch's properties, adding a separator unless the message's own end with one.
        const own = e.propertiesBytes;
        suffix = own.length > 0 && own[own.length - 1] !== 2 ? sepSuffix : batchProps;
      }
      const pLen = e.propertiesBytes.length + (suffix?.length ?? 0);
      if (pLen > 32767) return Promise.resolve(failedPut(PutMessageStatus.PROPERTIES_SIZE_EXCEEDED, `properties of batch message ${i} exceed 32767 bytes`));
      suffixes[i] = suffix;
      sizes[i] = recordLength(sysFlag, e.body.length, tLen, pLen, magic);
      total += sizes[i]!;
    }
    if (total + END_FILE_MIN_BLANK_LENGTH > this.segmentSize) {
      return Promise.resolve(failedPut(PutMessageStatus.MESSAGE_ILLEGAL, `batch of ${total} bytes does not fit a segment`));
    }
    const { chunk, pos } = this.reserve(total);
    const first = this.maxOffset;
    const queueOffset = this.nextQueueOffset(topic, req.queueId, entries.length, SysFlag.TRANSACTION_NOT_TYPE);
    const ts = this.nextTimestamp();
    const offsets: number[] = new Array<number>(entries.length);
    let p = pos;
    let offset = first;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const suffix = suffixes[i];
      encodeRecord(
        chunk.buf,
        p,
        {
          topic,
          queueId: req.queueId,
          flag: e.flag,
          queueOffset: queueOffset + i,
          physicalOffset: offset,
          sysFlag,
          bornTimestamp: req.bornTimestamp,
          bornHost: born,
          storeTimestamp: ts,
          storeHost: store,
          reconsumeTimes: req.reconsumeTimes ?? 0,
          preparedTransactionOffset: 0,
          body: e.body,
          properties: e.propertiesBytes,
          propertiesSuffix: suffix,
          version: magic === MESSAGE_MAGIC_CODE_V2 ? 2 : 1,
          topicBytes,
        },
        tLen,
        e.propertiesBytes.length + (suffix?.length ?? 0),
      );
      offsets[i] = offset;
      p += sizes[i]!;
      offset += sizes[i]!;
    }
    chunk.len += total;
    chunk.lastTs = ts;
    this.maxOffset = first + total;
    this.stats.onPut(topic, entries.length, total);
    const result = new PutResult(first, total, queueOffset, entries.length, ts, store, offsets);
    return this.enqueue(first + total, this.syncFlush && req.waitStoreMsgOK !== false, result);
  }

  private enqueue(end: number, needFlush: boolean, result: PutResult): Promise<PutMessageResult> {
    const now = performance.now();
    return new Promise<PutMessageResult>((resolve) => {
      const pending: PendingPut = { end, needFlush, result, startedAt: now, deadline: now + this.opts.syncFlushTimeout, resolve };
      this.writeWaiters.push(pending);
      this.scheduleWrite();
      this.armDeadline();
    });
  }

  /**
   * Appends raw CommitLog bytes at `startOffset` (a slave copying its
   * master). `startOffset` must be the current end of the log; the data may
   * end anywhere, even inside a record. Resolves true once written.
   */
  appendRaw(startOffset: number, data: Buffer): Promise<boolean> {
    // An empty log takes the master's offset if it starts a segment: a new
    // slave copies from the start of the master's last segment (Java's
    // getLastMappedFile(startOffset) creates the file there).
    if (this.segments.length === 0 && this.maxOffset === 0 && startOffset > 0 && startOffset % this.segmentSize === 0) {
      this.resetOffsets(startOffset);
    }
    if (startOffset !== this.maxOffset) {
      this.log.warn({ startOffset, maxOffset: this.maxOffset }, 'appendToCommitLog at an offset that is not the end of the log');
      return Promise.resolve(false);
    }
    let off = 0;
    while (off < data.length) {
      const seg = this.segmentFor(this.maxOffset);
      const room = seg.end - this.maxOffset;
      const n = Math.min(room, data.length - off);
      const chunk = this.chunkFor(seg, Math.min(n, this.opts.writeChunkSize));
      const take = Math.min(n, chunk.cap - chunk.len);
      data.copy(chunk.buf, chunk.len, off, off + take);
      chunk.len += take;
      this.maxOffset += take;
      off += take;
      if (this.maxOffset === seg.end) chunk.sealed = true;
    }
    return new Promise<boolean>((resolve) => {
      this.rawWaiters.push({ end: this.maxOffset, resolve });
      this.scheduleWrite();
    });
  }

  // ---------------------------------------------------------------------------
  // Writing

  private scheduleWrite(): void {
    if (this.writeScheduled || this.writing) return;
    this.writeScheduled = true;
    setImmediate(() => {
      this.writeScheduled = false;
      if (!this.writing) this.startWrite();
    });
  }

  private startWrite(): void {
    if (this.closed) return;
    let i = this.writeIdx;
    while (i < this.chunks.length && (this.chunks[i] as Chunk).written >= (this.chunks[i] as Chunk).len) {
      if (!(this.chunks[i] as Chunk).sealed && i === this.chunks.length - 1) break;
      i++;
    }
    this.writeIdx = i;
    const first = this.chunks[i];
    if (first === undefined || first.written >= first.len) return;
    const seg = first.seg;
    const bufs: Buffer[] = [first.buf.subarray(first.written, first.len)];
    const targets: Chunk[] = [first];
    let bytes = first.len - first.written;
    let last = first;
    for (let j = i + 1; j < this.chunks.length && bytes < MAX_WRITE_BYTES; j++) {
      const c = this.chunks[j] as Chunk;
      if (c.seg !== seg || c.start !== last.start + last.len || c.len === 0) break;
      bufs.push(c.buf.subarray(0, c.len));
      targets.push(c);
      bytes += c.len;
      last = c;
    }
    const ends = targets.map((c) => c.len);
    const filePos = first.start + first.written - seg.base;
    const lastTs = last.lastTs;
    this.writing = true;
    this.writeStartedAt = performance.now();
    void this.doWrite(seg, bufs, filePos, bytes, targets, ends, lastTs);
  }

  private async doWrite(seg: Segment, bufs: Buffer[], filePos: number, bytes: number, targets: Chunk[], ends: number[], lastTs: number): Promise<void> {
    let n = 0;
    let error: unknown;
    let created = true;
    try {
      created = false;
      const f = await seg.open();
      created = true;
      n = bufs.length === 1 ? await f.write(bufs[0] as Buffer, 0, bytes, filePos) : await f.writev(bufs, filePos);
    } catch (err) {
      error = err;
      n = (err as { bytesWritten?: number }).bytesWritten ?? 0;
    }
    this.writing = false;
    if (this.closed && this.chunks.length === 0) return;
    // Account for the bytes that made it, chunk by chunk.
    let left = n;
    for (let k = 0; k < targets.length && left > 0; k++) {
      const c = targets[k] as Chunk;
      const take = Math.min(left, (ends[k] as number) - c.written);
      c.written += take;
      left -= take;
    }
    if (n > 0) {
      seg.writeGen++;
      this.advanceWritten(n === bytes ? lastTs : 0);
    }
    if (error !== undefined) {
      this.onWriteError(error, created);
      return;
    }
    // Keep the disk busy: the next write goes out before this one's puts are answered.
    if (this.maxOffset > this.writtenOffset) this.startWrite();
    this.afterWritten();
  }

  /** Recomputes writtenOffset from the chunks. */
  private advanceWritten(lastTs: number): void {
    let w = this.writtenOffset;
    let i = this.writeIdx;
    for (; i < this.chunks.length; i++) {
      const c = this.chunks[i] as Chunk;
      if (c.start + c.written < w) continue;
      if (c.start > w) break;
      w = c.start + c.written;
      if (c.written < c.len) break;
      if (c.sealed) w = c.seg.end;
    }
    this.writtenOffset = w;
    if (lastTs > this.writtenTimestamp) this.writtenTimestamp = lastTs;
  }

  private afterWritten(): void {
    this.hooks.onWritten();
    const written = this.writtenOffset;
    const now = performance.now();
    let needSync = false;
    for (let p = this.writeWaiters.peek(); p !== undefined && p.end <= written; p = this.writeWaiters.peek()) {
      this.writeWaiters.shift();
      if (p.end > this.safeOffset) this.safeOffset = p.end;
      if (p.needFlush) {
        this.flushWaiters.push(p);
        needSync = true;
      } else {
        this.finish(p, now);
      }
    }
    for (let r = this.rawWaiters.peek(); r !== undefined && r.end <= written; r = this.rawWaiters.peek()) {
      this.rawWaiters.shift();
      if (r.end > this.safeOffset) this.safeOffset = r.end;
      r.resolve(true);
    }
    if (needSync || (this.flushWaiters.length > 0 && this.flushedOffset < written)) void this.sync();
    this.evictCache();
  }

  private finish(p: PendingPut, now: number): void {
    const r = p.result;
    this.stats.onPutDone(now - p.startedAt, r.status === PutMessageStatus.PUT_OK);
    p.resolve(r);
  }

  /** A write failed: answer what it stored, take back everything after, and fail those puts. */
  private onWriteError(err: unknown, segmentCreated: boolean): void {
    // Answer and dispatch what was written before the error.
    this.afterWritten();
    const diskFull = isDiskFullError(err);
    const status = !segmentCreated ? PutMessageStatus.CREATE_MAPEDFILE_FAILED : diskFull ? PutMessageStatus.SERVICE_NOT_AVAILABLE : PutMessageStatus.UNKNOWN_ERROR;
    const reason = `${diskFull ? 'disk full' : 'CommitLog write failed'}: ${errnoOf(err) ?? ''} ${errorMessage(err)}`.trim();
    this.log.error({ err: errorMessage(err), code: errnoOf(err), writtenOffset: this.writtenOffset, maxOffset: this.maxOffset }, 'CommitLog write failed; rolling back unwritten puts');
    this.rollback(this.safeOffset, status, reason);
    if (diskFull) this.hooks.onDiskFull(err);
  }

  /**
   * Takes the log back to `to` (a record boundary at or after every answered
   * put): queue offsets handed out after it are returned, chunks cut, and the
   * puts after it fail with `status`.
   */
  private rollback(to: number, status: PutMessageStatus, reason: string): void {
    // Return queue offsets of discarded records: each queue goes back to its smallest discarded offset.
    for (const c of this.chunks) {
      if (c.start + c.len <= to) continue;
      let pos = Math.max(0, to - c.start);
      while (pos + 8 <= c.len) {
        const size = c.buf.readInt32BE(pos);
        const magic = c.buf.readInt32BE(pos + 4);
        if (magic === BLANK_MAGIC_CODE || size <= 0 || pos + size > c.len) break;
        const sysFlag = c.buf.readInt32BE(pos + 36);
        const tt = transactionTypeOf(sysFlag);
        if (tt !== SysFlag.TRANSACTION_PREPARED_TYPE && tt !== SysFlag.TRANSACTION_ROLLBACK_TYPE) {
          const queueId = c.buf.readInt32BE(pos + 12);
          const qOff = readInt64BE(c.buf, pos + 20);
          const bl = pos + 68 + bornHostLength(sysFlag) + ((sysFlag & SysFlag.STOREHOST_V6) === 0 ? 8 : 20);
          const tl = bl + 4 + c.buf.readInt32BE(bl);
          const tSize = topicLengthSize(magic);
          const topicLen = tSize === 2 ? c.buf.readInt16BE(tl) : c.buf.readInt8(tl);
          const topic = c.buf.toString('utf8', tl + tSize, tl + tSize + topicLen);
          const cur = this.getQueueOffset(topic, queueId);
          if (qOff < cur) this.setQueueOffset(topic, queueId, qOff);
        }
        pos += size;
      }
    }
    // Cut the chunks.
    const keep: Chunk[] = [];
    for (const c of this.chunks) {
      if (c.start >= to && !(c.start === to && c.len === 0)) {
        this.recycle(c);
        continue;
      }
      if (c.start + c.len > to) {
        c.len = to - c.start;
        c.written = Math.min(c.written, c.len);
        c.sealed = false;
      }
      keep.push(c);
    }
    this.chunks = keep;
    this.writeIdx = Math.min(this.writeIdx, Math.max(0, keep.length - 1));
    // A segment that now holds nothing becomes the preallocated next one (its file exists).
    while (this.segments.length > 1) {
      const last = this.segments[this.segments.length - 1] as Segment;
      if (last.base <= to) break;
      this.segments.pop();
      this.nextSegment?.remove();
      this.nextSegment = last;
    }
    this.maxOffset = to;
    this.writtenOffset = Math.min(this.writtenOffset, to);
    this.flushedOffset = Math.min(this.flushedOffset, to);
    const failed = [...this.flushWaiters.popTailWhile((p) => p.end > to), ...this.writeWaiters.drain()];
    const now = performance.now();
    for (const p of failed) {
      p.result.status = status;
      p.result.reason = reason;
      this.finish(p, now);
    }
    for (const r of this.rawWaiters.drain()) r.resolve(false);
  }

  // ---------------------------------------------------------------------------
  // Flushing

  /** fdatasync every segment with writes not yet covered; answers SYNC_FLUSH puts it covers. */
  sync(): Promise<void> {
    if (this.syncing !== undefined) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = this.doSync().finally(() => {
      this.syncing = undefined;
      if (this.syncAgain || (this.flushWaiters.length > 0 && this.flushedOffset < this.writtenOffset)) {
        this.syncAgain = false;
        if (this.flushedOffset < this.writtenOffset) void this.sync();
      }
    });
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    const target = this.writtenOffset;
    const targetTs = this.writtenTimestamp;
    this.lastSyncAt = performance.now();
    const work: Promise<void>[] = [];
    for (const seg of this.segments) {
      if (seg.writeGen === seg.syncGen || !seg.isOpen) continue;
      const gen = seg.writeGen;
      work.push(
        seg.open().then(async (f) => {
          await f.datasync();
          if (gen > seg.syncGen) seg.syncGen = gen;
        }),
      );
    }
    try {
      await Promise.all(work);
    } catch (err) {
      this.log.error({ err: errorMessage(err), code: errnoOf(err) }, 'CommitLog fdatasync failed');
      const now = performance.now();
      for (let p = this.flushWaiters.peek(); p !== undefined && p.end <= target; p = this.flushWaiters.peek()) {
        this.flushWaiters.shift();
        p.result.status = PutMessageStatus.FLUSH_DISK_TIMEOUT;
        p.result.reason = `fdatasync failed: ${errorMessage(err)}`;
        this.finish(p, now);
      }
      return;
    }
    if (target > this.flushedOffset) {
      this.flushedOffset = target;
      if (targetTs > this.flushedTimestamp) this.flushedTimestamp = targetTs;
    }
    const now = performance.now();
    for (let p = this.flushWaiters.peek(); p !== undefined && p.end <= this.flushedOffset; p = this.flushWaiters.peek()) {
      this.flushWaiters.shift();
      this.finish(p, now);
    }
  }

  private periodicFlush(): void {
    const unflushed = this.writtenOffset - this.flushedOffset;
    if (unflushed <= 0) return;
    const thorough = performance.now() - this.lastSyncAt >= this.opts.flushCommitLogThoroughInterval;
    if (thorough || unflushed >= this.opts.flushCommitLogLeastPages * 4096) void this.sync();
  }

  // ---------------------------------------------------------------------------
  // Timeouts

  private armDeadline(): void {
    if (this.deadlineTimer !== undefined) return;
    const head = this.flushWaiters.peek() ?? this.writeWaiters.peek();
    if (head === undefined) return;
    const wait = Math.max(1, head.deadline - performance.now());
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      this.expireWaiters();
      this.armDeadline();
    }, wait);
    this.deadlineTimer.unref();
  }

  private expireWaiters(): void {
    const now = performance.now();
    for (const q of [this.flushWaiters, this.writeWaiters]) {
      for (let p = q.peek(); p !== undefined && p.deadline <= now; p = q.peek()) {
        q.shift();
        p.result.status = PutMessageStatus.FLUSH_DISK_TIMEOUT;
        p.result.reason = q === this.flushWaiters ? `fdatasync not done after ${this.opts.syncFlushTimeout} ms` : `write not done after ${this.opts.syncFlushTimeout} ms`;
        this.log.warn({ end: p.end, reason: p.result.reason }, 'put timed out');
        this.finish(p, now);
      }
    }
  }

  // ---------------------------------------------------------------------------
  // Reading

  private chunkIndexOf(offset: number): number {
    const cs = this.chunks;
    let lo = 0;
    let hi = cs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = cs[mid] as Chunk;
      if (offset < c.start) hi = mid - 1;
      else if (offset >= c.start + c.len) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /**
   * A copy of `size` bytes at `offset` from memory, if cached and written.
   * Always a copy: chunk memory is reused once evicted, so no view of it
   * may leave the CommitLog.
   */
  readCached(offset: number, size: number): Buffer | undefined {
    if (offset + size > this.writtenOffset) return undefined;
    const i = this.chunkIndexOf(offset);
    if (i < 0) return undefined;
    const c = this.chunks[i] as Chunk;
    const rel = offset - c.start;
    if (rel + size <= c.len) return Buffer.from(c.buf.subarray(rel, rel + size));
    // Spans chunks (raw appends): gather.
    const out = Buffer.allocUnsafe(size);
    let got = c.buf.copy(out, 0, rel, c.len);
    let expect = c.start + c.len;
    for (let j = i + 1; j < this.chunks.length && got < size; j++) {
      const n = this.chunks[j] as Chunk;
      if (n.start !== expect) return undefined;
      got += n.buf.copy(out, got, 0, Math.min(n.len, size - got));
      expect = n.start + n.len;
    }
    return got === size ? out : undefined;
  }

  /** Whether `offset` is served from memory. */
  isCached(offset: number): boolean {
    return this.chunkIndexOf(offset) >= 0;
  }

  private segmentOf(offset: number): Segment | undefined {
    const segs = this.segments;
    const first = segs[0];
    if (first === undefined || offset < first.base) return undefined;
    const seg = segs[Math.floor((offset - first.base) / this.segmentSize)];
    return seg !== undefined && offset >= seg.base && offset < seg.end ? seg : undefined;
  }

  /** Reads `size` bytes at `offset` from the segment file (one pread). Undefined when the segment is gone or short. */
  async readFile(offset: number, size: number): Promise<Buffer | undefined> {
    const seg = this.segmentOf(offset);
    if (seg === undefined || offset + size > seg.end) return undefined;
    seg.acquire();
    try {
      const f = await seg.open();
      const buf = Buffer.allocUnsafe(size);
      const n = await readFully(f, buf, 0, size, offset - seg.base);
      return n === size ? buf : undefined;
    } catch (err) {
      this.log.warn({ offset, size, err: errorMessage(err) }, 'CommitLog read failed');
      return undefined;
    } finally {
      seg.release();
    }
  }

  /** `size` bytes at `offset`: from memory when cached, else from the file. */
  async read(offset: number, size: number): Promise<Buffer | undefined> {
    if (offset < 0 || size <= 0 || offset + size > this.writtenOffset) return undefined;
    return this.readCached(offset, size) ?? this.readFile(offset, size);
  }

  /**
   * Reads records given by (offset, size), coalescing neighbours that are
   * on disk into one pread. Each result is a validated record (size, magic,
   * lengths, PHYSICALOFFSET, and the body CRC for bytes read from disk) or
   * undefined: gone (retention) or invalid. `invalid[i]` tells which.
   */
  async readRecords(offsets: readonly number[], sizes: readonly number[]): Promise<{ records: (Buffer | undefined)[]; invalid: boolean[] }> {
    const n = offsets.length;
    const records: (Buffer | undefined)[] = new Array<Buffer | undefined>(n);
    const invalid: boolean[] = new Array<boolean>(n).fill(false);
    const fromDisk: number[] = [];
    for (let i = 0; i < n; i++) {
      const off = offsets[i] as number;
      const size = sizes[i] as number;
      if (off + size > this.writtenOffset || size <= 0) {
        records[i] = undefined;
        invalid[i] = off + size > this.writtenOffset;
        continue;
      }
      const b = this.readCached(off, size);
      if (b !== undefined) {
        records[i] = b;
        if (checkRecord(b, 0, size, false) !== size || readInt64BE(b, 28) !== off) {
          records[i] = undefined;
          invalid[i] = true;
        }
      } else fromDisk.push(i);
    }
    let k = 0;
    while (k < fromDisk.length) {
      const i0 = fromDisk[k] as number;
      const start = offsets[i0] as number;
      const seg = this.segmentOf(start);
      let end = start + (sizes[i0] as number);
      let k2 = k + 1;
      while (k2 < fromDisk.length) {
        const j = fromDisk[k2] as number;
        const o = offsets[j] as number;
        const e = o + (sizes[j] as number);
        if (o < end || o - end > COALESCE_GAP || e - start > COALESCE_MAX || seg === undefined || e > seg.end) break;
        end = e;
        k2++;
      }
      const block = await this.readFile(start, end - start);
      for (let m = k; m < k2; m++) {
        const i = fromDisk[m] as number;
        const o = offsets[i] as number;
        const size = sizes[i] as number;
        if (block === undefined) {
          records[i] = undefined;
          continue;
        }
        const b = block.subarray(o - start, o - start + size);
        if (checkRecord(b, 0, size, true) !== size || readInt64BE(b, 28) !== o) {
          records[i] = undefined;
          invalid[i] = true;
        } else records[i] = b;
      }
      k = k2;
    }
    return { records, invalid };
  }

  /**
   * Log bytes from `offset` for the dispatcher or a slave: up to `maxBytes`,
   * within one segment, not past writtenOffset. In memory when possible.
   * Undefined when `offset` is not in the log.
   */
  async readForward(offset: number, maxBytes: number): Promise<Buffer | undefined> {
    if (offset >= this.writtenOffset) return undefined;
    const cached = this.readForwardCached(offset, maxBytes);
    if (cached !== undefined) return Buffer.from(cached);
    const seg = this.segmentOf(offset);
    if (seg === undefined) return undefined;
    const size = Math.min(maxBytes, seg.end - offset, this.writtenOffset - offset);
    if (size <= 0) return undefined;
    // The cache starts inside this range: read only up to it.
    const firstCached = this.chunks[0];
    const limit = firstCached !== undefined && firstCached.start > offset ? Math.min(size, firstCached.start - offset) : size;
    seg.acquire();
    try {
      const f = await seg.open();
      const buf = Buffer.allocUnsafe(limit);
      const got = await readFully(f, buf, 0, limit, offset - seg.base);
      return got > 0 ? buf.subarray(0, got) : undefined;
    } catch (err) {
      this.log.warn({ offset, err: errorMessage(err) }, 'CommitLog read failed');
      return undefined;
    } finally {
      seg.release();
    }
  }

  /**
   * readForward from memory only: a view into a chunk, valid only until the
   * next write completes (chunks are reused). Undefined when not cached.
   */
  readForwardCached(offset: number, maxBytes: number): Buffer | undefined {
    if (offset >= this.writtenOffset) return undefined;
    const i = this.chunkIndexOf(offset);
    if (i < 0) return undefined;
    const c = this.chunks[i] as Chunk;
    const rel = offset - c.start;
    const end = Math.min(c.len, this.writtenOffset - c.start, rel + maxBytes);
    return end > rel ? c.buf.subarray(rel, end) : undefined;
  }

  /** Store timestamp of the record at `offset` (Java's pickupStoreTimestamp); -1 when it cannot be read. */
  async pickupStoreTimestamp(offset: number, size: number): Promise<number> {
    if (offset < this.getMinOffset() || offset >= this.writtenOffset) return -1;
    const want = Math.min(size > 0 ? size : 128, 128);
    const b = (await this.read(offset, Math.max(want, 80))) ?? (await this.read(offset, want));
    if (b === undefined || b.length < 64) return -1;
    const magic = b.readInt32BE(4);
    if (magic !== MESSAGE_MAGIC_CODE && magic !== MESSAGE_MAGIC_CODE_V2) return -1;
    const pos = storeTimestampPos(b.readInt32BE(36));
    return pos + 8 <= b.length ? readInt64BE(b, pos) : -1;
  }

  private recycle(c: Chunk): void {
    this.cachedBytes -= c.buf.length;
    if (c.buf.length === this.opts.writeChunkSize && this.pool.length < 64) this.pool.push(c.buf);
  }

  private evictCache(): void {
    const limit = this.opts.commitLogCacheBytes;
    let drop = 0;
    while (drop < this.chunks.length - 1 && this.cachedBytes > limit) {
      const c = this.chunks[drop] as Chunk;
      if (c.written < c.len || drop >= this.writeIdx) break;
      this.recycle(c);
      drop++;
    }
    if (drop > 0) {
      this.chunks.splice(0, drop);
      this.writeIdx -= drop;
    }
  }

  // ---------------------------------------------------------------------------
  // Retention

  /**
   * Deletes expired segments, oldest first, never the newest (the one being
   * written) nor one with unwritten bytes. A segment a reader holds stops the
   * run unless it has been held longer than `forciblyMs` (then it goes and
   * its descriptor closes when the reader is done). At most 10 per call.
   */
  async deleteExpired(expiredMs: number, intervalMs: number, forciblyMs: number, cleanImmediately: boolean, now = Date.now()): Promise<number> {
    let deleted = 0;
    while (this.segments.length > 1 && deleted < 10) {
      const seg = this.segments[0] as Segment;
      if (seg.end > this.writtenOffset) break;
      const st = await this.fs.stat(seg.path).catch(() => undefined);
      const mtime = st?.mtimeMs ?? 0;
      if (!(cleanImmediately || now >= mtime + expiredMs)) break;
      if (seg.held && now - seg.heldSince < forciblyMs) {
        this.log.info({ path: seg.path }, 'expired segment is being read; deleting it later');
        break;
      }
      this.segments.shift();
      this.dropCachedSegment(seg);
      seg.remove();
      deleted++;
      this.log.info({ path: seg.path, cleanImmediately }, 'deleting expired CommitLog segment');
      if (intervalMs > 0 && this.segments.length > 1) await new Promise((r) => setTimeout(r, intervalMs));
    }
    return deleted;
  }

  private dropCachedSegment(seg: Segment): void {
    let drop = 0;
    while (drop < this.chunks.length && (this.chunks[drop] as Chunk).seg === seg && drop < this.writeIdx) {
      this.recycle(this.chunks[drop] as Chunk);
      drop++;
    }
    if (drop > 0) {
      this.chunks.splice(0, drop);
      this.writeIdx -= drop;
    }
  }

  /** Holds the segment with `offset` (tests: a reader pinning a file). Returns the release function. */
  pin(offset: number): (() => void) | undefined {
    const seg = this.segmentOf(offset);
    if (seg === undefined) return undefined;
    seg.acquire();
    let done = false;
    return () => {
      if (!done) {
        done = true;
        seg.release();
      }
    };
  }

  /** Deletes every segment (the store was destroyed). */
  destroyAll(): void {
    for (const s of this.segments) s.remove();
    this.segments = [];
    this.nextSegment?.remove();
    this.nextSegment = undefined;
    this.resetOffsets(0);
  }

  // ---------------------------------------------------------------------------
  // Shutdown

  /** Waits for everything encoded to be written and flushed. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.writtenOffset < this.maxOffset || this.writing) {
      if (performance.now() > deadline) return false;
      if (!this.writing) this.startWrite();
      await new Promise((r) => setTimeout(r, 1));
    }
    // A sync already in flight may have started before the last write: sync until one covers it all.
    while (this.flushedOffset < this.writtenOffset) {
      if (performance.now() > deadline) return false;
      await this.sync();
    }
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    // Never close a descriptor under a write in flight (its number could be reused).
    while (this.writing) await new Promise((r) => setTimeout(r, 1));
    await this.syncing?.catch(() => undefined);
    if (this.flushTimer !== undefined) clearInterval(this.flushTimer);
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.flushTimer = undefined;
    this.deadlineTimer = undefined;
    const now = performance.now();
    for (const p of [...this.flushWaiters.drain(), ...this.writeWaiters.drain()]) {
      p.result.status = PutMessageStatus.SERVICE_NOT_AVAILABLE;
      p.result.reason = 'store shut down';
      this.finish(p, now);
    }
    for (const r of this.rawWaiters.drain()) r.resolve(false);
    for (const s of this.segments) await s.close().catch(() => undefined);
    if (this.nextSegment !== undefined) {
      // A preallocated segment beyond the log is not part of it: remove the empty file.
      const next = this.nextSegment;
      this.nextSegment = undefined;
      next.remove();
    }
    await this.deletes.all();
  }
}
