/**
 * What replication needs of the store: read written CommitLog bytes, append
 * raw bytes, and hear about writes. A small interface so HA is tested against
 * a real store or a fake, and so the store does not know about sockets.
 */
import type { DefaultMessageStore } from '../message-store.js';
import type { CommitLogWrittenListener } from '../types.js';

export interface HAStore {
  /** Bytes per CommitLog segment (a new slave starts at the start of the master's last one). */
  readonly segmentSize: number;
  /** End of the written log: what a master may send and what a slave reports. */
  getMaxPhyOffset(): number;
  /** First byte still in the log; -1 when empty. */
  getMinPhyOffset(): number;
  /** Where the next appended byte goes (includes bytes still being written). */
  getAppendOffset(): number;
  /** Where dispatch has got to; equal to the append offset when the log ends on a record boundary and all is dispatched. */
  getDispatchedOffset(): number;
  /** Written bytes from `offset`, within one segment, at most `maxBytes`; undefined when there are none. */
  getCommitLogData(offset: number, maxBytes: number): Promise<Buffer | undefined>;
  /** A slave appends raw bytes at the end of its log; resolves true once written. */
  appendToCommitLog(startOffset: number, data: Buffer): Promise<boolean>;
  setCommitLogWrittenListener(listener: CommitLogWrittenListener | undefined): void;
}

/** The HAStore view of a DefaultMessageStore. */
export function haStoreOf(store: DefaultMessageStore): HAStore {
  return {
    segmentSize: store.commitLog.segmentSize,
    getMaxPhyOffset: () => store.getMaxPhyOffset(),
    getMinPhyOffset: () => store.getMinPhyOffset(),
    getAppendOffset: () => store.getAppendOffset(),
    getDispatchedOffset: () => store.getDispatchedOffset(),
    getCommitLogData: (offset, maxBytes) => store.getCommitLogData(offset, maxBytes),
    appendToCommitLog: (offset, data) => store.appendToCommitLog(offset, data),
    setCommitLogWrittenListener: (l) => store.setCommitLogWrittenListener(l),
  };
}
