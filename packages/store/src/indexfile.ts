/**
 * IndexFile (index/IndexFile.java, IndexHeader.java): a hash index from
 * "topic#key" to CommitLog offsets, one file per ~20M entries, named by its
 * creation time (yyyyMMddHHmmssSSS).
 *
 *   header  40 bytes: beginTimestamp int64, endTimestamp int64,
 *                     beginPhyOffset int64, endPhyOffset int64,
 *                     hashSlotCount int32, indexCount int32
 *   slots   hashSlotNum x int32: the latest entry number of each slot (0 = none)
 *   entries indexNum x 20 bytes: keyHash int32, phyOffset int64,
 *                     timeDiff int32 (seconds since beginTimestamp),
 *                     prevIndex int32 (the slot's previous entry, 0 = none)
 *
 * Entry 0 is never used (indexCount starts at 1). The file is created
 * sparse. The writable (last) file keeps its slot table in memory; entries
 * are appended through a buffer and written with the ConsumeQueue units.
 */
import { join } from 'node:path';
import type { Logger } from '@rocketmq-ts/common';
import { errorMessage } from '@rocketmq-ts/common';
import { javaStringHashCode, readInt64BE, writeInt32Fast, writeInt64BE } from '@rocketmq-ts/protocol';
import { type StoreFile, type StoreFs, readFully, writeFully } from './fs.js';

export const INDEX_HEADER_SIZE = 40;
const SLOT_SIZE = 4;
const ENTRY_SIZE = 20;
const PAGE = 4096;

/** Java's IndexFile.indexKeyHashMethod: |String.hashCode|, with MIN_VALUE mapped to 0. */
export function indexKeyHash(key: string): number {
  return positiveHash(javaStringHashCode(key));
}

/** Math.abs of a Java int hash, Integer.MIN_VALUE mapped to 0 (as Java's indexKeyHashMethod). */
export function positiveHash(h: number): number {
  const abs = Math.abs(h);
  return abs > 0x7fffffff ? 0 : abs;
}

export interface IndexHeader {
  beginTimestamp: number;
  endTimestamp: number;
  beginPhyOffset: number;
  endPhyOffset: number;
  hashSlotCount: number;
  indexCount: number;
}

function readHeader(b: Buffer): IndexHeader {
  return {
    beginTimestamp: readInt64BE(b, 0),
    endTimestamp: readInt64BE(b, 8),
    beginPhyOffset: readInt64BE(b, 16),
    endPhyOffset: readInt64BE(b, 24),
    hashSlotCount: b.readInt32BE(32),
    indexCount: Math.max(1, b.readInt32BE(36)),
  };
}

function writeHeader(h: IndexHeader): Buffer {
  const b = Buffer.alloc(INDEX_HEADER_SIZE);
  writeInt64BE(b, 0, h.beginTimestamp);
  writeInt64BE(b, 8, h.endTimestamp);
  writeInt64BE(b, 16, h.beginPhyOffset);
  writeInt64BE(b, 24, h.endPhyOffset);
  b.writeInt32BE(h.hashSlotCount, 32);
  b.writeInt32BE(h.indexCount, 36);
  return b;
}

export class IndexFile {
  readonly fileSize: number;
  header: IndexHeader;
  private file: StoreFile | undefined;
  /** Slot table of the writable file. */
  private slots: Buffer | undefined;
  private dirtyPages: Set<number> | undefined;
  /** Entries not yet written: [writtenCount, indexCount). */
  private pending: Buffer = Buffer.alloc(0);
  private writtenCount = 1;
  private headerDirty = false;
  private writeGen = 0;
  private syncGen = 0;
  private chain: Promise<void> = Promise.resolve();
  /** Queries in progress: the descriptor is not closed under them. */
  private readers = 0;

  constructor(
    readonly path: string,
    readonly hashSlotNum: number,
    readonly indexNum: number,
    private readonly fs: StoreFs,
    header: IndexHeader,
  ) {
    this.fileSize = INDEX_HEADER_SIZE + hashSlotNum * SLOT_SIZE + indexNum * ENTRY_SIZE;
    this.header = header;
    this.writtenCount = header.indexCount;
  }

  get name(): string {
    return this.path.slice(this.path.lastIndexOf('/') + 1);
  }

  /** Creates a new sparse file; begin values carry on from the previous file (as Java). */
  static async create(path: string, hashSlotNum: number, indexNum: number, fs: StoreFs, endPhyOffset: number, endTimestamp: number): Promise<IndexFile> {
    const h: IndexHeader = { beginTimestamp: 0, endTimestamp: 0, beginPhyOffset: 0, endPhyOffset: 0, hashSlotCount: 0, indexCount: 1 };
    if (endPhyOffset > 0) h.beginPhyOffset = h.endPhyOffset = endPhyOffset;
    if (endTimestamp > 0) h.beginTimestamp = h.endTimestamp = endTimestamp;
    const f = new IndexFile(path, hashSlotNum, indexNum, fs, h);
    const file = await fs.open(path, 'wx+');
    await file.truncate(f.fileSize);
    f.file = file;
    f.slots = Buffer.alloc(hashSlotNum * SLOT_SIZE);
    f.dirtyPages = new Set();
    f.headerDirty = true;
    return f;
  }

  /** Opens an existing file and reads its header. Returns undefined if the file is not an index file of this size. */
  static async open(path: string, hashSlotNum: number, indexNum: number, fs: StoreFs, log: Logger): Promise<IndexFile | undefined> {
    const expected = INDEX_HEADER_SIZE + hashSlotNum * SLOT_SIZE + indexNum * ENTRY_SIZE;
    const st = await fs.stat(path);
    if (st === undefined || st.size !== expected) {
      log.warn({ path, size: st?.size, expected }, 'index file of the wrong size; ignored');
      return undefined;
    }
    const file = await fs.open(path, 'r+');
    const hb = Buffer.alloc(INDEX_HEADER_SIZE);
    await readFully(file, hb, 0, INDEX_HEADER_SIZE, 0);
    const f = new IndexFile(path, hashSlotNum, indexNum, fs, readHeader(hb));
    f.file = file;
    return f;
  }

  isWriteFull(): boolean {
    return this.header.indexCount >= this.indexNum;
  }

  private async fileHandle(): Promise<StoreFile> {
    this.file ??= await this.fs.open(this.path, 'r+');
    return this.file;
  }

  /** Loads the slot table into memory to make the file writable again. */
  async loadSlots(): Promise<void> {
    if (this.slots !== undefined) return;
    const slots = Buffer.alloc(this.hashSlotNum * SLOT_SIZE);
    await readFully(await this.fileHandle(), slots, 0, slots.length, INDEX_HEADER_SIZE);
    this.slots = slots;
    this.dirtyPages = new Set();
  }

  /** Drops the in-memory slot table (the file is full and written). */
  releaseSlots(): void {
    this.slots = undefined;
    this.dirtyPages = undefined;
  }

  /** Adds an entry (Java's putKey). False when the file is full. */
  putKey(key: string, phyOffset: number, storeTimestamp: number): boolean {
    return this.putKeyHash(javaStringHashCode(key), phyOffset, storeTimestamp);
  }

  /** putKey with the key's Java String.hashCode already computed. */
  putKeyHash(javaHash: number, phyOffset: number, storeTimestamp: number): boolean {
    const h = this.header;
    if (h.indexCount >= this.indexNum || this.slots === undefined) return false;
    const keyHash = positiveHash(javaHash);
    const slotPos = keyHash % this.hashSlotNum;
    const sp = slotPos * SLOT_SIZE;
    const sl = this.slots;
    let slotValue = ((sl[sp] as number) << 24) | ((sl[sp + 1] as number) << 16) | ((sl[sp + 2] as number) << 8) | (sl[sp + 3] as number);
    if (slotValue <= 0 || slotValue > h.indexCount) slotValue = 0;
    let timeDiff = Math.floor((storeTimestamp - h.beginTimestamp) / 1000);
    if (h.beginTimestamp <= 0 || timeDiff < 0) timeDiff = 0;
    else if (timeDiff > 0x7fffffff) timeDiff = 0x7fffffff;
    const n = h.indexCount - this.writtenCount;
    if ((n + 1) * ENTRY_SIZE > this.pending.length) {
      const next = Buffer.alloc(Math.max(4096, this.pending.length * 2));
      this.pending.copy(next, 0, 0, n * ENTRY_SIZE);
      this.pending = next;
    }
    const e = n * ENTRY_SIZE;
    const pb = this.pending;
    writeInt32Fast(pb, e, keyHash);
    writeInt64BE(pb, e + 4, phyOffset);
    writeInt32Fast(pb, e + 12, timeDiff);
    writeInt32Fast(pb, e + 16, slotValue);
    writeInt32Fast(sl, sp, h.indexCount);
    this.dirtyPages?.add(Math.floor((slotPos * SLOT_SIZE) / PAGE));
    if (h.indexCount <= 1) {
      h.beginPhyOffset = phyOffset;
      h.beginTimestamp = storeTimestamp;
    }
    if (slotValue === 0) h.hashSlotCount++;
    h.indexCount++;
    h.endPhyOffset = phyOffset;
    h.endTimestamp = storeTimestamp;
    this.headerDirty = true;
    return true;
  }

  /** Writes pending entries, dirty slot pages, then the header; runs after any write in progress. */
  write(): Promise<void> {
    const run = this.chain.then(() => (this.needsWrite() ? this.doWrite() : undefined));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async doWrite(): Promise<void> {
    const file = await this.fileHandle();
    const count = this.header.indexCount;
    if (count > this.writtenCount) {
      const n = count - this.writtenCount;
      const data = Buffer.from(this.pending.subarray(0, n * ENTRY_SIZE));
      const pos = INDEX_HEADER_SIZE + this.hashSlotNum * SLOT_SIZE + this.writtenCount * ENTRY_SIZE;
      await writeFully(file, data, 0, data.length, pos);
      // Entries added meanwhile move to the front of the buffer.
      const added = this.header.indexCount - count;
      this.pending.copy(this.pending, 0, n * ENTRY_SIZE, (n + added) * ENTRY_SIZE);
      this.writtenCount = count;
      this.writeGen++;
    }
    if (this.slots !== undefined && this.dirtyPages !== undefined && this.dirtyPages.size > 0) {
      const pages = [...this.dirtyPages].sort((a, b) => a - b);
      this.dirtyPages.clear();
      let i = 0;
      while (i < pages.length) {
        let j = i;
        while (j + 1 < pages.length && pages[j + 1] === (pages[j] as number) + 1) j++;
        const from = (pages[i] as number) * PAGE;
        const to = Math.min(((pages[j] as number) + 1) * PAGE, this.slots.length);
        const data = Buffer.from(this.slots.subarray(from, to));
        await writeFully(file, data, 0, data.length, INDEX_HEADER_SIZE + from);
        i = j + 1;
      }
      this.writeGen++;
    }
    if (this.headerDirty) {
      this.headerDirty = false;
      const hb = writeHeader({ ...this.header, indexCount: Math.min(this.header.indexCount, this.writtenCount) });
      await writeFully(file, hb, 0, INDEX_HEADER_SIZE, 0);
      this.writeGen++;
      if (this.writtenCount < this.header.indexCount) this.headerDirty = true;
    }
  }

  needsWrite(): boolean {
    return this.header.indexCount > this.writtenCount || this.headerDirty || (this.dirtyPages?.size ?? 0) > 0;
  }

  async sync(): Promise<void> {
    if (this.writeGen === this.syncGen) return;
    const gen = this.writeGen;
    await (await this.fileHandle()).datasync();
    this.syncGen = gen;
  }

  private async readEntry(i: number): Promise<Buffer | undefined> {
    if (i >= this.writtenCount) {
      const n = i - this.writtenCount;
      if (i >= this.header.indexCount) return undefined;
      return this.pending.subarray(n * ENTRY_SIZE, n * ENTRY_SIZE + ENTRY_SIZE);
    }
    const b = Buffer.alloc(ENTRY_SIZE);
    const pos = INDEX_HEADER_SIZE + this.hashSlotNum * SLOT_SIZE + i * ENTRY_SIZE;
    const got = await readFully(await this.fileHandle(), b, 0, ENTRY_SIZE, pos);
    return got === ENTRY_SIZE ? b : undefined;
  }

  private async readSlot(slotPos: number): Promise<number> {
    if (this.slots !== undefined) return this.slots.readInt32BE(slotPos * SLOT_SIZE);
    const b = Buffer.alloc(SLOT_SIZE);
    await readFully(await this.fileHandle(), b, 0, SLOT_SIZE, INDEX_HEADER_SIZE + slotPos * SLOT_SIZE);
    return b.readInt32BE(0);
  }

  /** Java's isTimeMatched. */
  isTimeMatched(begin: number, end: number): boolean {
    const h = this.header;
    return (
      (begin < h.beginTimestamp && end > h.endTimestamp) ||
      (begin >= h.beginTimestamp && begin <= h.endTimestamp) ||
      (end >= h.beginTimestamp && end <= h.endTimestamp)
    );
  }

  /** Walks the slot's chain (Java's selectPhyOffset), adding offsets of matching entries within [begin, end]. */
  async selectPhyOffset(out: number[], key: string, maxNum: number, begin: number, end: number): Promise<void> {
    this.readers++;
    try {
      await this.walkChain(out, key, maxNum, begin, end);
    } finally {
      this.readers--;
    }
  }

  private async walkChain(out: number[], key: string, maxNum: number, begin: number, end: number): Promise<void> {
    const h = this.header;
    const keyHash = indexKeyHash(key);
    const slotPos = keyHash % this.hashSlotNum;
    const slotValue = await this.readSlot(slotPos);
    if (slotValue <= 0 || slotValue > h.indexCount || h.indexCount <= 1) return;
    for (let next = slotValue; out.length < maxNum; ) {
      const e = await this.readEntry(next);
      if (e === undefined) break;
      const hashRead = e.readInt32BE(0);
      const phy = readInt64BE(e, 4);
      const timeDiff = e.readInt32BE(12);
      const prev = e.readInt32BE(16);
      if (timeDiff < 0) break;
      const timeRead = h.beginTimestamp + timeDiff * 1000;
      if (hashRead === keyHash && timeRead >= begin && timeRead <= end) out.push(phy);
      if (prev <= 0 || prev > h.indexCount || prev === next || timeRead < begin) break;
      next = prev;
    }
  }

  /**
   * Keeps only entries that point below `phyOffset` and rebuilds the slot
   * table and header from them (after a crash the on-disk slots and header
   * may lag or lead the entries). `storeTimeOf` gives the last kept entry's
   * exact store time. Returns false when no entry is kept.
   */
  async trimAndRebuild(phyOffset: number, storeTimeOf: (phy: number) => Promise<number>, log: Logger): Promise<boolean> {
    const file = await this.fileHandle();
    const entriesPos = INDEX_HEADER_SIZE + this.hashSlotNum * SLOT_SIZE;
    const slots = Buffer.alloc(this.hashSlotNum * SLOT_SIZE);
    const block = Buffer.alloc(ENTRY_SIZE * 4096);
    let count = 1;
    let lastPhy = -1;
    let slotCount = 0;
    let done = false;
    for (let i = 1; i < this.indexNum && !done; i += 4096) {
      const n = Math.min(4096, this.indexNum - i);
      const got = await readFully(file, block, 0, n * ENTRY_SIZE, entriesPos + i * ENTRY_SIZE);
      for (let k = 0; k < n; k++) {
        const e = k * ENTRY_SIZE;
        if (e + ENTRY_SIZE > got) {
          done = true;
          break;
        }
        const keyHash = block.readInt32BE(e);
        const phy = readInt64BE(block, e + 4);
        const timeDiff = block.readInt32BE(e + 12);
        const prev = block.readInt32BE(e + 16);
        const allZero = keyHash === 0 && phy === 0 && timeDiff === 0 && prev === 0;
        if (allZero || phy < lastPhy || phy >= phyOffset || keyHash < 0 || prev < 0 || prev >= i + k || timeDiff < 0) {
          done = true;
          break;
        }
        const slotPos = keyHash % this.hashSlotNum;
        if (slots.readInt32BE(slotPos * SLOT_SIZE) === 0) slotCount++;
        slots.writeInt32BE(i + k, slotPos * SLOT_SIZE);
        lastPhy = phy;
        count = i + k + 1;
      }
    }
    const h = this.header;
    if (count !== h.indexCount) log.info({ file: this.path, headerCount: h.indexCount, kept: count }, 'index file trimmed and rebuilt');
    h.indexCount = count;
    h.hashSlotCount = slotCount;
    if (count > 1) {
      h.endPhyOffset = lastPhy;
      const ts = await storeTimeOf(lastPhy);
      if (ts > 0) h.endTimestamp = ts;
    } else {
      h.endPhyOffset = h.beginPhyOffset;
      h.endTimestamp = h.beginTimestamp;
    }
    // Zero the entries after the kept ones that a crash may have left.
    const tail = Buffer.alloc(ENTRY_SIZE * 64);
    const probeLen = await readFully(file, tail, 0, tail.length, entriesPos + count * ENTRY_SIZE);
    if (probeLen > 0 && !tail.subarray(0, probeLen).every((b) => b === 0)) {
      const zeros = Buffer.alloc(Math.min((this.indexNum - count) * ENTRY_SIZE, 16 * 1024 * 1024));
      // Entries are appended in order, so garbage lies right after the kept ones.
      await writeFully(file, zeros, 0, zeros.length, entriesPos + count * ENTRY_SIZE);
    }
    this.slots = slots;
    this.dirtyPages = new Set(Array.from({ length: Math.ceil(slots.length / PAGE) }, (_, i) => i));
    this.pending = Buffer.alloc(0);
    this.writtenCount = count;
    this.headerDirty = true;
    await this.write();
    return count > 1;
  }

  async close(): Promise<void> {
    await this.chain;
    for (let i = 0; i < 5000 && this.readers > 0; i++) await new Promise((r) => setTimeout(r, 1));
    const f = this.file;
    this.file = undefined;
    if (f !== undefined) await f.close();
  }

  async destroy(log: Logger): Promise<void> {
    await this.close().catch(() => undefined);
    try {
      await this.fs.unlink(this.path);
    } catch (err) {
      log.warn({ path: this.path, err: errorMessage(err) }, 'index file delete failed');
    }
  }

  static pathFor(dir: string, name: string): string {
    return join(dir, name);
  }
}
