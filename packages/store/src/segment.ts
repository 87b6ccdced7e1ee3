/**
 * One CommitLog segment file: the descriptor, opened on first use, and a
 * reference count so retention never closes a file a read is using.
 */
import type { Logger } from '@rocketmq-ts/common';
import { errorMessage } from '@rocketmq-ts/common';
import type { StoreFile, StoreFs } from './fs.js';

/**
 * Deletions in progress, by path: a segment file deleted in the background
 * must be gone before a new file is created at the same path (a retention
 * or recovery delete racing a preallocation would otherwise unlink the new
 * file and every write to it would be lost).
 */
export class PendingDeletes {
  private readonly byPath = new Map<string, Promise<void>>();

  track(path: string, p: Promise<void>): void {
    const done = p.finally(() => {
      if (this.byPath.get(path) === done) this.byPath.delete(path);
    });
    this.byPath.set(path, done);
  }

  wait(path: string): Promise<void> {
    return this.byPath.get(path) ?? Promise.resolve();
  }

  all(): Promise<void> {
    return Promise.all([...this.byPath.values()]).then(() => undefined);
  }
}

export class Segment {
  private file: StoreFile | undefined;
  private opening: Promise<StoreFile> | undefined;
  private refs = 0;
  /** Taken out of the log by retention or truncation; closed and unlinked once no read holds it. */
  removed = false;
  /** Since when a reader has held it (for destroyMapedFileIntervalForcibly). */
  heldSince = 0;
  /** Completed writes, and the write count the last fdatasync covered. */
  writeGen = 0;
  syncGen = 0;

  constructor(
    readonly base: number,
    readonly size: number,
    readonly path: string,
    private readonly fs: StoreFs,
    private readonly log: Logger,
    /** The file is known to exist at full size. */
    private exists: boolean,
    private readonly deletes: PendingDeletes,
  ) {}

  get end(): number {
    return this.base + this.size;
  }

  get held(): boolean {
    return this.refs > 0;
  }

  get isOpen(): boolean {
    return this.file !== undefined;
  }

  /** The open file, creating it (sparse, full size, zero-filled) if it does not exist yet. */
  open(): Promise<StoreFile> {
    if (this.file !== undefined) return Promise.resolve(this.file);
    this.opening ??= this.doOpen().then(
      (f) => {
        this.file = f;
        this.opening = undefined;
        return f;
      },
      (err: unknown) => {
        this.opening = undefined;
        throw err;
      },
    );
    return this.opening;
  }

  private async doOpen(): Promise<StoreFile> {
    if (this.exists) return this.fs.open(this.path, 'r+');
    await this.deletes.wait(this.path);
    const f = await this.fs.open(this.path, 'w+');
    try {
      await f.truncate(this.size);
    } catch (err) {
      await f.close().catch(() => undefined);
      await this.fs.unlink(this.path).catch(() => undefined);
      throw err;
    }
    this.exists = true;
    return f;
  }

  /** Resolves when the file is deleted (at once if no read holds it). */
  removeAndWait(): Promise<void> {
    this.remove();
    return this.deletes.wait(this.path);
  }

  acquire(): void {
    if (this.refs++ === 0) this.heldSince = Date.now();
  }

  release(): void {
    this.refs--;
    if (this.refs === 0 && this.removed) this.deletes.track(this.path, this.destroy());
  }

  /** Marks the segment removed; the file goes when the last reader releases it. */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    if (this.refs === 0) this.deletes.track(this.path, this.destroy());
  }

  private async destroy(): Promise<void> {
    try {
      const f = this.file ?? (this.opening !== undefined ? await this.opening.catch(() => undefined) : undefined);
      this.file = undefined;
      if (f !== undefined) await f.close();
      await this.fs.unlink(this.path);
      this.log.info({ path: this.path }, 'segment deleted');
    } catch (err) {
      this.log.error({ path: this.path, err: errorMessage(err) }, 'segment delete failed');
    }
  }

  /** Closes the descriptor (shutdown), once no read holds it. */
  async close(): Promise<void> {
    for (let i = 0; i < 5000 && this.refs > 0; i++) await new Promise((r) => setTimeout(r, 1));
    const f = this.file ?? (this.opening !== undefined ? await this.opening.catch(() => undefined) : undefined);
    this.file = undefined;
    if (f !== undefined) await f.close();
  }
}
