/**
 * A ConsumeQueue: the per topic-queue index into the CommitLog, files of
 * 20-byte units (CommitLog offset int64, size int32, tagsCode int64) under
 * consumequeue/<topic>/<queueId>/, each named by its 20-digit start byte
 * offset and mappedFileSizeConsumeQueue bytes long.
 *
 * Units are appended in memory (a small window that also serves tail reads)
 * and written to the files by the store's periodic logics write; after a
 * crash the dispatcher rebuilds whatever was not written from the CommitLog.
 */
import { join } from 'node:path';
import type { Logger } from '@rocketmq-ts/common';
import { ErrorCode, RmqError, errorMessage } from '@rocketmq-ts/common';
import { readInt64BE, writeInt32Fast, writeInt64BE } from '@rocketmq-ts/protocol';
import { type StoreFile, type StoreFs, readFully } from './fs.js';
import { fileNameToOffset, offsetToFileName } from './paths.js';

export const CQ_UNIT_SIZE = 20;
const MIN_WINDOW = 1024;
const MAX_WINDOW = 64 * 1024;

class CqFile {
  private file: StoreFile | undefined;
  private opening: Promise<StoreFile> | undefined;
  /** Reads in progress: the descriptor is not closed under them (its number could be reused). */
  readers = 0;
  writeGen = 0;
  syncGen = 0;

  constructor(
    readonly base: number,
    readonly size: number,
    readonly path: string,
    private readonly fs: StoreFs,
    private exists: boolean,
  ) {}

  get end(): number {
    return this.base + this.size;
  }

  open(): Promise<StoreFile> {
    if (this.file !== undefined) return Promise.resolve(this.file);
    this.opening ??= (async () => {
      let f: StoreFile;
      if (this.exists) f = await this.fs.open(this.path, 'r+');
      else {
        f = await this.fs.open(this.path, 'w+');
        await f.truncate(this.size);
        this.exists = true;
      }
      this.file = f;
      this.opening = undefined;
      return f;
    })().catch((err: unknown) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  async close(): Promise<void> {
    for (let i = 0; i < 5000 && this.readers > 0; i++) await new Promise((r) => setTimeout(r, 1));
    const f = this.file ?? (await this.opening?.catch(() => undefined));
    this.file = undefined;
    if (f !== undefined) await f.close();
  }

  async destroy(): Promise<void> {
    await this.close().catch(() => undefined);
    await this.fs.unlink(this.path);
  }
}

/** Reads the unit at `pos` of `buf`. */
export function readUnit(buf: Buffer, pos: number): { offset: number; size: number; tagsCode: number } {
  return { offset: readInt64BE(buf, pos), size: buf.readInt32BE(pos + 8), tagsCode: readInt64BE(buf, pos + 12) };
}

export class ConsumeQueue {
  readonly dir: string;
  private files: CqFile[] = [];
  /** Byte offset of the next unit. */
  private endOffset = 0;
  /** Bytes the files hold. */
  private writtenOffset = 0;
  /** Byte offset of the first unit still pointing into the CommitLog. */
  private minLogicOffset = 0;
  /** offset + size of the last unit (Java's maxPhysicOffset); -1 when empty. */
  maxPhysicOffset = -1;
  private win: Buffer = Buffer.alloc(0);
  private winStart = 0;
  private chain: Promise<void> = Promise.resolve();
  private destroyed = false;

  constructor(
    readonly topic: string,
    readonly queueId: number,
    root: string,
    readonly fileSize: number,
    private readonly fs: StoreFs,
    private readonly log: Logger,
    /** Told when the queue has units to write. */
    private readonly onDirty: (cq: ConsumeQueue) => void,
  ) {
    this.dir = join(root, topic, String(queueId));
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  getMaxOffsetInQueue(): number {
    return this.endOffset / CQ_UNIT_SIZE;
  }

  getMinOffsetInQueue(): number {
    return this.minLogicOffset / CQ_UNIT_SIZE;
  }

  getMessageTotalInQueue(): number {
    return this.getMaxOffsetInQueue() - this.getMinOffsetInQueue();
  }

  /** Bytes appended but not yet written. */
  pendingBytes(): number {
    return this.endOffset - this.writtenOffset;
  }

  needsSync(): boolean {
    return this.files.some((f) => f.writeGen !== f.syncGen);
  }

  /** The queue offset one past the last unit of the file holding `index` (Java's rollNextFile). */
  rollNextFile(index: number): number {
    const per = this.fileSize / CQ_UNIT_SIZE;
    return index + per - (index % per);
  }

  // ---------------------------------------------------------------------------
  // Loading and recovery

  /** Lists the files. Throws RmqError(CONFIG) for a file larger than mappedFileSizeConsumeQueue. */
  async load(): Promise<void> {
    const names = (await this.fs.readdir(this.dir)).filter((n) => fileNameToOffset(n) !== undefined).sort();
    const files: CqFile[] = [];
    for (const name of names) {
      const base = fileNameToOffset(name) as number;
      const path = join(this.dir, name);
      const st = await this.fs.stat(path);
      if (st === undefined || st.isDirectory) continue;
      if (st.size > this.fileSize || base % this.fileSize !== 0) {
        throw new RmqError(ErrorCode.CONFIG, `ConsumeQueue file ${path} (${st.size} bytes) does not match mappedFileSizeConsumeQueue=${this.fileSize}`);
      }
      const f = new CqFile(base, this.fileSize, path, this.fs, true);
      if (st.size < this.fileSize) {
        this.log.warn({ path, size: st.size }, 'truncated ConsumeQueue file; extending it with zeros');
        await (await f.open()).truncate(this.fileSize);
      }
      files.push(f);
    }
    let from = 0;
    for (let i = 1; i < files.length; i++) {
      if ((files[i] as CqFile).base !== (files[i - 1] as CqFile).end) from = i;
    }
    if (from > 0) this.log.error({ dir: this.dir }, 'gap between ConsumeQueue files; ignoring the older ones');
    this.files = files.slice(from);
    for (const f of files.slice(0, from)) await f.close();
  }

  private async readFileUnits(f: CqFile, pos: number, count: number): Promise<Buffer> {
    const buf = Buffer.alloc(count * CQ_UNIT_SIZE);
    f.readers++;
    try {
      const file = await f.open();
      await readFully(file, buf, 0, buf.length, pos);
    } finally {
      f.readers--;
    }
    return buf;
  }

  private static valid(buf: Buffer, pos: number): boolean {
    return readInt64BE(buf, pos) >= 0 && buf.readInt32BE(pos + 8) > 0;
  }

  /**
   * Finds the end of the units (Java's recover: units are valid while
   * offset >= 0 and size > 0). Earlier files are full by construction; the
   * end of the last is found by binary search over its valid prefix.
   */
  async recover(): Promise<void> {
    while (this.files.length > 0) {
      const last = this.files[this.files.length - 1] as CqFile;
      const per = this.fileSize / CQ_UNIT_SIZE;
      let lo = 0;
      let hi = per; // first invalid unit lies in [lo, hi]
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const u = await this.readFileUnits(last, mid * CQ_UNIT_SIZE, 1);
        if (ConsumeQueue.valid(u, 0)) lo = mid + 1;
        else hi = mid;
      }
      if (lo === 0 && this.files.length > 1) {
        // An empty last file: the log of units ends with the previous one.
        this.files.pop();
        await last.destroy().catch(() => undefined);
        continue;
      }
      this.endOffset = last.base + lo * CQ_UNIT_SIZE;
      break;
    }
    if (this.files.length === 0) this.endOffset = 0;
    this.writtenOffset = this.endOffset;
    this.win = Buffer.alloc(0);
    this.winStart = this.endOffset;
    await this.zeroTail();
    await this.refreshMaxPhysicOffset();
    this.minLogicOffset = this.files.length > 0 ? (this.files[0] as CqFile).base : 0;
  }

  /** Makes the bytes after endOffset in its file zeros, if something is there. */
  private async zeroTail(): Promise<void> {
    const f = this.fileOf(this.endOffset) ?? this.files[this.files.length - 1];
    if (f === undefined || this.endOffset >= f.end || this.endOffset < f.base) return;
    const rel = this.endOffset - f.base;
    const probe = await this.readFileUnits(f, rel, 1);
    if (probe.every((b) => b === 0)) return;
    const file = await f.open();
    await file.truncate(rel);
    await file.truncate(this.fileSize);
  }

  /** offset + size of the last real unit (blank fill units do not count); -1 without one. */
  private async refreshMaxPhysicOffset(): Promise<void> {
    this.maxPhysicOffset = -1;
    const minIdx = this.minLogicOffsetBase() / CQ_UNIT_SIZE;
    let idx = this.endOffset / CQ_UNIT_SIZE;
    while (idx > minIdx) {
      // Usually the last unit is real: read just it first.
      const from = Math.max(minIdx, idx === this.endOffset / CQ_UNIT_SIZE ? idx - 1 : idx - 256);
      const units = await this.readRange(from, idx);
      for (let i = idx - 1; i >= from; i--) {
        const u = readUnit(units, (i - from) * CQ_UNIT_SIZE);
        if (u.size > 0 && !(u.offset === 0 && u.size === 0x7fffffff)) {
          this.maxPhysicOffset = u.offset + u.size;
          return;
        }
      }
      idx = from;
    }
  }

  private minLogicOffsetBase(): number {
    return this.files.length > 0 ? (this.files[0] as CqFile).base : 0;
  }

  private fileOf(byteOffset: number): CqFile | undefined {
    const first = this.files[0];
    if (first === undefined || byteOffset < first.base) return undefined;
    const f = this.files[Math.floor((byteOffset - first.base) / this.fileSize)];
    return f !== undefined && byteOffset >= f.base && byteOffset < f.end ? f : undefined;
  }

  /** Units [from, to) as one buffer (zeros where nothing can be read). */
  private async readRange(from: number, to: number): Promise<Buffer> {
    const out = Buffer.alloc((to - from) * CQ_UNIT_SIZE);
    let i = from;
    while (i < to) {
      const part = await this.readUnits(i, to - i, true);
      if (part === undefined || part.length === 0) {
        i++;
        continue;
      }
      part.copy(out, (i - from) * CQ_UNIT_SIZE);
      i += part.length / CQ_UNIT_SIZE;
    }
    return out;
  }

  /** The 20 bytes of unit `index`, from memory or file; undefined when not present. */
  private async readUnitBytes(index: number): Promise<Buffer | undefined> {
    const b = index * CQ_UNIT_SIZE;
    if (b < 0 || b >= this.endOffset) return undefined;
    if (b >= this.winStart) return Buffer.from(this.win.subarray(b - this.winStart, b - this.winStart + CQ_UNIT_SIZE));
    const f = this.fileOf(b);
    if (f === undefined) return undefined;
    return this.readFileUnits(f, b - f.base, 1);
  }

  /**
   * Removes units pointing at or beyond `phyOffset` (Java's
   * truncateDirtyLogicFiles), and units whose record would end past it.
   */
  async truncate(phyOffset: number): Promise<void> {
    await this.flushPendingWrite();
    // Scan back from the end for the last real unit whose record ends at or before phyOffset.
    // (Not a binary search: blank units can sit anywhere a gap was filled.)
    const minIdx = this.minLogicOffsetBase() / CQ_UNIT_SIZE;
    let lo = minIdx;
    const block = 1024;
    let idx = this.endOffset / CQ_UNIT_SIZE;
    scan: while (idx > minIdx) {
      const from = Math.max(minIdx, idx - block);
      const units = await this.readRange(from, idx);
      for (let i = idx - 1; i >= from; i--) {
        const u = readUnit(units, (i - from) * CQ_UNIT_SIZE);
        const blank = u.offset === 0 && u.size === 0x7fffffff;
        if (!blank && u.size > 0 && u.offset + u.size <= phyOffset) {
          lo = i + 1;
          break scan;
        }
      }
      idx = from;
    }
    const newEnd = lo * CQ_UNIT_SIZE;
    if (newEnd >= this.endOffset) return;
    this.log.info({ topic: this.topic, queueId: this.queueId, from: this.endOffset / CQ_UNIT_SIZE, to: lo }, 'truncating ConsumeQueue');
    this.endOffset = newEnd;
    this.writtenOffset = Math.min(this.writtenOffset, newEnd);
    if (this.winStart > newEnd) {
      this.winStart = newEnd;
      this.win = Buffer.alloc(0);
    } else this.win = this.win.subarray(0, newEnd - this.winStart);
    // Files wholly after the end go; the end's file gets its tail zeroed.
    while (this.files.length > 0) {
      const last = this.files[this.files.length - 1] as CqFile;
      if (last.base < newEnd || (last.base === newEnd && this.files.length === 1)) break;
      this.files.pop();
      await last.destroy().catch(() => undefined);
    }
    await this.zeroTail();
    await this.refreshMaxPhysicOffset();
    if (this.minLogicOffset > this.endOffset) this.minLogicOffset = this.endOffset;
  }

  // ---------------------------------------------------------------------------
  // Appending

  private ensureRoom(bytes: number): void {
    const used = this.endOffset - this.winStart;
    if (used + bytes <= this.win.length) return;
    const unwritten = this.endOffset - Math.max(this.writtenOffset, this.winStart);
    if (this.win.length >= MAX_WINDOW && unwritten + bytes <= this.win.length / 2) {
      // Slide: keep the newest half (all unwritten units included).
      const keep = Math.floor(this.win.length / 2 / CQ_UNIT_SIZE) * CQ_UNIT_SIZE;
      const from = used - Math.min(used, keep);
      this.win.copy(this.win, 0, from, used);
      this.winStart += from;
      return;
    }
    let cap = Math.max(MIN_WINDOW, this.win.length * 2);
    while (cap < used + bytes) cap *= 2;
    const next = Buffer.alloc(cap);
    this.win.copy(next, 0, 0, used);
    this.win = next;
  }

  private appendUnit(offset: number, size: number, tagsCode: number): void {
    this.ensureRoom(CQ_UNIT_SIZE);
    const pos = this.endOffset - this.winStart;
    writeInt64BE(this.win, pos, offset);
    writeInt32Fast(this.win, pos + 8, size);
    writeInt64BE(this.win, pos + 12, tagsCode);
    this.endOffset += CQ_UNIT_SIZE;
  }

  /**
   * Adds the unit of a dispatched message at queue offset `cqOffset`.
   * Repeats (a rebuild passing over messages already indexed) are ignored; a
   * queue that starts above 0 is filled with blank units from the start of
   * its file (Java's fillPreBlank); a gap is filled the same way and logged.
   */
  putUnit(offset: number, size: number, tagsCode: number, cqOffset: number): void {
    if (this.destroyed) return;
    if (offset + size <= this.maxPhysicOffset) return;
    const expect = cqOffset * CQ_UNIT_SIZE;
    if (expect < this.endOffset) {
      this.log.warn({ topic: this.topic, queueId: this.queueId, cqOffset, max: this.getMaxOffsetInQueue() }, 'ConsumeQueue unit built repeatedly; ignored');
      return;
    }
    if (expect > this.endOffset) {
      if (this.endOffset === 0 || this.endOffset === this.minLogicOffsetBase()) {
        // First unit of a queue starting above 0.
        const fileBase = expect - (expect % this.fileSize);
        if (this.endOffset < fileBase || this.files.length === 0) {
          this.endOffset = fileBase;
          this.writtenOffset = fileBase;
          this.winStart = fileBase;
          this.win = Buffer.alloc(0);
        }
        this.minLogicOffset = expect;
      } else {
        this.log.error({ topic: this.topic, queueId: this.queueId, expected: expect / CQ_UNIT_SIZE, current: this.getMaxOffsetInQueue() }, 'gap in ConsumeQueue offsets; filling with blank units');
      }
      while (this.endOffset < expect) this.appendUnit(0, 0x7fffffff, 0);
    }
    this.appendUnit(offset, size, tagsCode);
    this.maxPhysicOffset = offset + size;
    this.onDirty(this);
  }

  /** Writes the units appended so far to the files (one write per file touched); runs after any write in progress. */
  write(): Promise<void> {
    const run = this.chain.then(() => this.doWrite());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async flushPendingWrite(): Promise<void> {
    await this.chain;
  }

  private async doWrite(): Promise<void> {
    const target = this.endOffset;
    while (this.writtenOffset < Math.min(target, this.endOffset) && !this.destroyed) {
      const start = this.writtenOffset;
      let f = this.fileOf(start);
      if (f === undefined) {
        const base = start - (start % this.fileSize);
        const last = this.files[this.files.length - 1];
        if (last !== undefined && base !== last.end) {
          throw new RmqError(ErrorCode.STORE, `ConsumeQueue ${this.dir}: next file at ${base} does not follow ${last.end}`);
        }
        await this.fs.mkdir(this.dir);
        f = new CqFile(base, this.fileSize, join(this.dir, offsetToFileName(base)), this.fs, false);
        this.files.push(f);
      }
      const end = Math.min(target, this.endOffset, f.end);
      const data = Buffer.from(this.win.subarray(start - this.winStart, end - this.winStart));
      const file = await f.open();
      let done = 0;
      while (done < data.length) {
        const n = await file.write(data, done, data.length - done, start - f.base + done);
        if (n <= 0) throw new RmqError(ErrorCode.STORE, `short write to ${f.path}`);
        done += n;
      }
      f.writeGen++;
      // A truncate may have moved the end meanwhile.
      if (this.writtenOffset === start) this.writtenOffset = Math.min(end, this.endOffset);
    }
  }

  async sync(): Promise<void> {
    for (const f of this.files) {
      if (f.writeGen === f.syncGen) continue;
      const gen = f.writeGen;
      await (await f.open()).datasync();
      f.syncGen = gen;
    }
  }

  // ---------------------------------------------------------------------------
  // Reading

  /**
   * Units from queue offset `index`: at most `maxUnits`, not past the end of
   * the file holding `index` (Java's getIndexBuffer). A copy; undefined when
   * `index` is outside the queue or its file is gone.
   */
  async readUnits(index: number, maxUnits: number, ignoreMin = false): Promise<Buffer | undefined> {
    const b = index * CQ_UNIT_SIZE;
    if ((!ignoreMin && b < this.minLogicOffset) || b >= this.endOffset) return undefined;
    const fileEnd = b - (b % this.fileSize) + this.fileSize;
    const end = Math.min(this.endOffset, fileEnd, b + maxUnits * CQ_UNIT_SIZE);
    if (b >= this.winStart) return Buffer.from(this.win.subarray(b - this.winStart, end - this.winStart));
    const f = this.fileOf(b);
    if (f === undefined) return undefined;
    // Part may be in the window, part written: read the written part from the file.
    const fileEndRead = Math.min(end, this.writtenOffset);
    const buf = Buffer.alloc(end - b);
    f.readers++;
    try {
      const file = await f.open();
      await readFully(file, buf, 0, fileEndRead - b, b - f.base);
    } catch (err) {
      this.log.warn({ dir: this.dir, index, err: errorMessage(err) }, 'ConsumeQueue read failed');
      return undefined;
    } finally {
      f.readers--;
    }
    if (end > fileEndRead) {
      const from = Math.max(fileEndRead, this.winStart);
      this.win.copy(buf, from - b, from - this.winStart, end - this.winStart);
    }
    return buf;
  }

  /** The unit at queue offset `index`. */
  async getUnit(index: number): Promise<{ offset: number; size: number; tagsCode: number } | undefined> {
    if (index * CQ_UNIT_SIZE < this.minLogicOffset) return undefined;
    const u = await this.readUnitBytes(index);
    return u === undefined ? undefined : readUnit(u, 0);
  }

  /**
   * The queue offset whose message was stored closest to `timestamp`
   * (Java's getOffsetInQueueByTime, by binary search over store times read
   * from the CommitLog): an exact match, else the nearer of the two
   * neighbours. 0 for an empty queue.
   */
  async getOffsetInQueueByTime(timestamp: number, minPhyOffset: number, storeTimeOf: (offset: number, size: number) => Promise<number>): Promise<number> {
    let low = this.getMinOffsetInQueue();
    let high = this.getMaxOffsetInQueue() - 1;
    let left = -1;
    let right = -1;
    let leftValue = -1;
    let rightValue = -1;
    while (high >= low) {
      const mid = Math.floor((low + high) / 2);
      const u = await this.getUnit(mid);
      if (u === undefined) return 0;
      if (u.offset < minPhyOffset) {
        low = mid + 1;
        left = mid;
        continue;
      }
      const t = await storeTimeOf(u.offset, u.size);
      if (t < 0) return 0;
      if (t === timestamp) return mid;
      if (t > timestamp) {
        high = mid - 1;
        right = mid;
        rightValue = t;
      } else {
        low = mid + 1;
        left = mid;
        leftValue = t;
      }
    }
    if (leftValue === -1) return right === -1 ? (left === -1 ? 0 : left + 1) : right;
    if (rightValue === -1) return left;
    return Math.abs(timestamp - leftValue) > Math.abs(timestamp - rightValue) ? right : left;
  }

  // ---------------------------------------------------------------------------
  // Retention

  /** Deletes files (never the last) whose units all point below `minPhyOffset`; then corrects the min offset. */
  async deleteExpired(minPhyOffset: number): Promise<number> {
    let deleted = 0;
    while (this.files.length > 1) {
      const f = this.files[0] as CqFile;
      if (f.end > this.writtenOffset) break;
      const last = readUnit(await this.readFileUnits(f, this.fileSize - CQ_UNIT_SIZE, 1), 0);
      if (last.offset >= minPhyOffset) break;
      this.files.shift();
      await f.destroy().catch((err: unknown) => this.log.warn({ path: f.path, err: errorMessage(err) }, 'ConsumeQueue file delete failed'));
      deleted++;
    }
    await this.correctMinOffset(minPhyOffset);
    return deleted;
  }

  /**
   * Moves the min offset to the first unit pointing at or after
   * `minPhyOffset`, searching the first file (Java's correctMinOffset).
   */
  async correctMinOffset(minPhyOffset: number): Promise<void> {
    const firstBase = this.files[0]?.base ?? this.minLogicOffset - (this.minLogicOffset % this.fileSize);
    let lo = Math.max(firstBase, this.minLogicOffset) / CQ_UNIT_SIZE;
    let hi = Math.min(firstBase + this.fileSize, this.endOffset) / CQ_UNIT_SIZE;
    if (lo >= hi) {
      if (this.minLogicOffset < firstBase) this.minLogicOffset = firstBase;
      return;
    }
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const u = await this.readUnitBytes(mid);
      const unit = u === undefined ? undefined : readUnit(u, 0);
      if (unit !== undefined && (unit.offset < minPhyOffset || (unit.offset === 0 && unit.size === 0x7fffffff))) lo = mid + 1;
      else hi = mid;
    }
    this.minLogicOffset = Math.max(this.minLogicOffset, lo * CQ_UNIT_SIZE);
  }

  // ---------------------------------------------------------------------------
  // Lifecycle

  async close(): Promise<void> {
    await this.flushPendingWrite().catch(() => undefined);
    for (const f of this.files) await f.close().catch(() => undefined);
  }

  /** Deletes every file and the queue's directory. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.flushPendingWrite().catch(() => undefined);
    for (const f of this.files) await f.destroy().catch(() => undefined);
    this.files = [];
    this.endOffset = 0;
    this.writtenOffset = 0;
    this.minLogicOffset = 0;
    this.maxPhysicOffset = -1;
    this.win = Buffer.alloc(0);
    this.winStart = 0;
    await this.fs.rmrf(this.dir).catch(() => undefined);
  }
}
