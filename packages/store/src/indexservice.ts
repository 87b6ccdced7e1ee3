/**
 * The index files together (index/IndexService.java): keys from KEYS (space
 * separated) and UNIQ_KEY are indexed as "topic#key"; queries walk the files
 * newest first.
 */
import { join } from 'node:path';
import type { Logger } from '@rocketmq-ts/common';
import { errorMessage } from '@rocketmq-ts/common';
import { SysFlag, transactionTypeOf } from '@rocketmq-ts/protocol';
import { type DispatchInfo, indexKeyHashOf } from './dispatch.js';
import type { StoreFs } from './fs.js';
import { IndexFile } from './indexfile.js';
import { timeMillisToHumanString } from './paths.js';

interface IndexRequest {
  readonly topic: string;
  readonly keys: string | undefined;
  readonly uniqKey: string | undefined;
  readonly phyOffset: number;
  readonly storeTimestamp: number;
  /** The rest of a message's keys after a file filled up: not a repeat. */
  readonly continuation?: boolean;
}

export interface QueryOffsetResult {
  readonly phyOffsets: number[];
  readonly indexLastUpdateTimestamp: number;
  readonly indexLastUpdatePhyoffset: number;
}

export class IndexService {
  private files: IndexFile[] = [];
  /** Requests waiting for a new file to be created. */
  private waiting: IndexRequest[] = [];
  private creating: Promise<void> | undefined;
  private failed = false;
  /** Store time of the newest message whose entries are in memory. */
  lastIndexedTimestamp = 0;

  constructor(
    readonly dir: string,
    private readonly hashSlotNum: number,
    private readonly indexNum: number,
    private readonly maxMsgsNumBatch: number,
    private readonly fs: StoreFs,
    private readonly log: Logger,
  ) {}

  fileNames(): string[] {
    return this.files.map((f) => f.name);
  }

  async load(): Promise<void> {
    await this.fs.mkdir(this.dir);
    const names = (await this.fs.readdir(this.dir)).filter((n) => /^\d{17}$/.test(n)).sort();
    for (const name of names) {
      const f = await IndexFile.open(join(this.dir, name), this.hashSlotNum, this.indexNum, this.fs, this.log);
      if (f !== undefined) this.files.push(f);
    }
  }

  /**
   * Makes the index agree with the log: files whose entries all point at or
   * after `trimTo` are deleted, the file straddling it is trimmed and its
   * slots rebuilt (when `rebuild` or when it reaches past `trimTo`); the
   * last file becomes writable.
   */
  async recover(trimTo: number, rebuild: boolean, storeTimeOf: (phy: number) => Promise<number>): Promise<void> {
    while (this.files.length > 0) {
      const last = this.files[this.files.length - 1] as IndexFile;
      const h = last.header;
      if (h.indexCount > 1 && h.beginPhyOffset >= trimTo) {
        this.files.pop();
        this.log.info({ file: last.path }, 'deleting index file beyond the recovered log');
        await last.destroy(this.log);
        continue;
      }
      if (rebuild || h.endPhyOffset >= trimTo) await last.trimAndRebuild(trimTo, storeTimeOf, this.log);
      break;
    }
    const last = this.files[this.files.length - 1];
    if (last !== undefined && !last.isWriteFull()) await last.loadSlots();
    if (last !== undefined) this.lastIndexedTimestamp = last.header.endTimestamp;
  }

  /**
   * Where dispatch must restart for the index to be complete: the last
   * indexed message (a record boundary; dispatching it again adds nothing).
   */
  resumeOffset(): number {
    const last = this.files[this.files.length - 1];
    if (last === undefined) return 0;
    const h = last.header;
    return h.indexCount > 1 ? h.endPhyOffset : h.beginPhyOffset;
  }

  /** Adds a dispatched message's UNIQ_KEY and KEYS (Java's buildIndex), hashing from the record's bytes. */
  buildIndexFrom(info: DispatchInfo): void {
    if (this.failed) return;
    if (transactionTypeOf(info.sysFlag) === SysFlag.TRANSACTION_ROLLBACK_TYPE) return;
    if (info.uniqStart < 0 && info.keysStart < 0) return;
    const f = this.waiting.length > 0 || this.creating !== undefined ? undefined : this.writable();
    if (f === undefined) {
      this.buildIndex(info.topic, info.keys, info.uniqKey, info.commitLogOffset, info.storeTimestamp, info.sysFlag);
      return;
    }
    const h = f.header;
    const phy = info.commitLogOffset;
    if (h.indexCount > 1 && phy <= h.endPhyOffset) return;
    const ts = info.storeTimestamp;
    // Ranges of the keys: UNIQ_KEY, then each space-separated KEYS entry.
    let done = 0;
    const fullAt = (): void => {
      // The file filled up: the remaining keys go to the next one.
      const rest: string[] = [];
      let idx = 0;
      if (info.uniqStart >= 0) {
        if (idx >= done) rest.push(info.uniqKey as string);
        idx++;
      }
      for (const k of (info.keys ?? '').split(' ')) {
        if (k.length === 0) continue;
        if (idx >= done) rest.push(k);
        idx++;
      }
      this.startCreate();
      this.waiting.push({ topic: info.topic, keys: rest.join(' '), uniqKey: undefined, phyOffset: phy, storeTimestamp: ts, continuation: true });
    };
    if (info.uniqStart >= 0) {
      if (!f.putKeyHash(indexKeyHashOf(info, info.uniqStart, info.uniqEnd), phy, ts)) return fullAt();
      done++;
    }
    if (info.keysStart >= 0) {
      const b = info.buf;
      let i = info.keysStart;
      while (i < info.keysEnd) {
        while (i < info.keysEnd && b[i] === 32) i++;
        const s = i;
        while (i < info.keysEnd && b[i] !== 32) i++;
        if (i > s) {
          if (!f.putKeyHash(indexKeyHashOf(info, s, i), phy, ts)) return fullAt();
          done++;
        }
      }
    }
    if (ts > this.lastIndexedTimestamp) this.lastIndexedTimestamp = ts;
  }

  /** Adds a dispatched message's keys (Java's buildIndex). */
  buildIndex(topic: string, keys: string | undefined, uniqKey: string | undefined, phyOffset: number, storeTimestamp: number, sysFlag: number): void {
    if (this.failed) return;
    if (transactionTypeOf(sysFlag) === SysFlag.TRANSACTION_ROLLBACK_TYPE) return;
    if (uniqKey === undefined && (keys === undefined || keys.length === 0)) return;
    const req: IndexRequest = { topic, keys, uniqKey, phyOffset, storeTimestamp };
    if (this.waiting.length > 0 || this.creating !== undefined) {
      this.waiting.push(req);
      return;
    }
    if (!this.apply(req)) this.waiting.push(req);
  }

  /** Applies a request to the writable file; false when a new file is needed first (creation started). */
  private apply(req: IndexRequest): boolean {
    const f = this.writable();
    if (f === undefined) {
      this.startCreate();
      return false;
    }
    const h = f.header;
    if (req.continuation !== true && h.indexCount > 1 && req.phyOffset <= h.endPhyOffset) return true; // already indexed
    const put = (key: string): boolean => f.putKey(`${req.topic}#${key}`, req.phyOffset, req.storeTimestamp);
    const all: string[] = [];
    if (req.uniqKey !== undefined) all.push(req.uniqKey);
    if (req.keys !== undefined && req.keys.length > 0) for (const k of req.keys.split(' ')) if (k.length > 0) all.push(k);
    for (let i = 0; i < all.length; i++) {
      if (!put(all[i] as string)) {
        // File full in the middle of a message: the rest of its keys go to the next file.
        this.startCreate();
        this.waiting.push({ ...req, uniqKey: undefined, keys: all.slice(i).join(' '), continuation: true });
        return true;
      }
    }
    if (req.storeTimestamp > this.lastIndexedTimestamp) this.lastIndexedTimestamp = req.storeTimestamp;
    return true;
  }

  private writable(): IndexFile | undefined {
    const last = this.files[this.files.length - 1];
    return last !== undefined && !last.isWriteFull() ? last : undefined;
  }

  private startCreate(): void {
    if (this.creating !== undefined) return;
    this.creating = this.createNext()
      .then(() => {
        this.creating = undefined;
        const queued = this.waiting;
        this.waiting = [];
        for (let i = 0; i < queued.length; i++) {
          if (this.creating !== undefined) {
            this.waiting.push(...queued.slice(i));
            break;
          }
          const r = queued[i] as IndexRequest;
          if (!this.apply(r)) {
            this.waiting.push(...queued.slice(i + 1));
            break;
          }
        }
      })
      .catch((err: unknown) => {
        this.creating = undefined;
        this.failed = true;
        this.log.error({ err: errorMessage(err) }, 'cannot create an index file; indexing stops');
      });
  }

  private async createNext(): Promise<void> {
    const prev = this.files[this.files.length - 1];
    let endPhy = 0;
    let endTs = 0;
    if (prev !== undefined) {
      endPhy = prev.header.endPhyOffset;
      endTs = prev.header.endTimestamp;
      await prev.write();
      await prev.sync();
      prev.releaseSlots();
    }
    let now = Date.now();
    let name = timeMillisToHumanString(now);
    while (this.files.some((f) => f.name >= name)) name = timeMillisToHumanString(++now);
    const f = await IndexFile.create(join(this.dir, name), this.hashSlotNum, this.indexNum, this.fs, endPhy, endTs);
    this.files.push(f);
    this.log.info({ file: f.path }, 'index file created');
  }

  /** True while requests wait for a file. */
  busy(): boolean {
    return this.waiting.length > 0 || this.creating !== undefined;
  }

  async write(): Promise<void> {
    if (this.creating !== undefined) await this.creating;
    for (const f of this.files) if (f.needsWrite()) await f.write();
  }

  async sync(): Promise<void> {
    for (const f of this.files) await f.sync();
  }

  /** Java's queryOffset: newest file first, at most min(maxNum, maxMsgsNumBatch) offsets. */
  async queryOffset(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryOffsetResult> {
    const out: number[] = [];
    const limit = Math.min(maxNum, this.maxMsgsNumBatch);
    let lastTs = 0;
    let lastPhy = 0;
    const files = [...this.files];
    for (let i = files.length - 1; i >= 0; i--) {
      const f = files[i] as IndexFile;
      if (i === files.length - 1) {
        lastTs = f.header.endTimestamp;
        lastPhy = f.header.endPhyOffset;
      }
      if (f.isTimeMatched(begin, end)) await f.selectPhyOffset(out, `${topic}#${key}`, limit, begin, end);
      if (f.header.beginTimestamp < begin) break;
      if (out.length >= limit) break;
    }
    return { phyOffsets: out, indexLastUpdateTimestamp: lastTs, indexLastUpdatePhyoffset: lastPhy };
  }

  /** Deletes files (never the last) whose entries all point below `minPhyOffset` (Java's deleteExpiredFile). */
  async deleteExpired(minPhyOffset: number): Promise<number> {
    let n = 0;
    while (this.files.length > 1) {
      const f = this.files[0] as IndexFile;
      if (f.header.endPhyOffset >= minPhyOffset) break;
      this.files.shift();
      await f.destroy(this.log);
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    await this.creating?.catch(() => undefined);
    for (const f of this.files) await f.close().catch(() => undefined);
  }

  async destroy(): Promise<void> {
    for (const f of this.files) await f.destroy(this.log);
    this.files = [];
  }
}
