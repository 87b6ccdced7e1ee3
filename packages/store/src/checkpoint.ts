/**
 * The `checkpoint` file (StoreCheckpoint.java): one 4 KiB page holding
 * physicMsgTimestamp at 0, logicsMsgTimestamp at 8 and indexMsgTimestamp at
 * 16 (int64, big-endian; 5.x adds masterFlushedOffset at 24 and
 * confirmPhyOffset at 32, which this store leaves untouched).
 *
 * Meaning here: every record stored up to physicMsgTimestamp was covered by
 * an fdatasync; every ConsumeQueue unit up to logicsMsgTimestamp and every
 * index entry up to indexMsgTimestamp were written and synced. Recovery
 * after an unclean stop restarts dispatch from the segment holding
 * min(...) - 3 s.
 */
import { readInt64BE, writeInt64BE } from '@rocketmq-ts/protocol';
import { type StoreFile, type StoreFs, readFully, writeFully } from './fs.js';

export const CHECKPOINT_FILE_SIZE = 4096;

export class StoreCheckpoint {
  physicMsgTimestamp = 0;
  logicsMsgTimestamp = 0;
  indexMsgTimestamp = 0;
  private file: StoreFile | undefined;

  constructor(
    readonly path: string,
    private readonly fs: StoreFs,
  ) {}

  async load(): Promise<void> {
    const exists = (await this.fs.stat(this.path)) !== undefined;
    this.file = await this.fs.open(this.path, exists ? 'r+' : 'w+');
    if (!exists) {
      await this.file.truncate(CHECKPOINT_FILE_SIZE);
      return;
    }
    const b = Buffer.alloc(24);
    const n = await readFully(this.file, b, 0, 24, 0);
    if (n === 24) {
      this.physicMsgTimestamp = readInt64BE(b, 0);
      this.logicsMsgTimestamp = readInt64BE(b, 8);
      this.indexMsgTimestamp = readInt64BE(b, 16);
    }
    if ((await this.file.size()) < CHECKPOINT_FILE_SIZE) await this.file.truncate(CHECKPOINT_FILE_SIZE);
  }

  /** Java's getMinTimestamp: min(physic, logics) - 3 s, not below 0. */
  minTimestamp(): number {
    return Math.max(0, Math.min(this.physicMsgTimestamp, this.logicsMsgTimestamp) - 3000);
  }

  /** Java's getMinTimestampIndex: also bounded by the index timestamp. */
  minTimestampIndex(): number {
    return Math.min(this.minTimestamp(), this.indexMsgTimestamp);
  }

  async flush(): Promise<void> {
    if (this.file === undefined) return;
    const b = Buffer.alloc(24);
    writeInt64BE(b, 0, this.physicMsgTimestamp);
    writeInt64BE(b, 8, this.logicsMsgTimestamp);
    writeInt64BE(b, 16, this.indexMsgTimestamp);
    await writeFully(this.file, b, 0, 24, 0);
    await this.file.datasync();
  }

  async close(): Promise<void> {
    const f = this.file;
    this.file = undefined;
    if (f !== undefined) await f.close();
  }
}
