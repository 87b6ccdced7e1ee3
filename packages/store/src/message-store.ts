/**
 * The message store the broker talks to (DefaultMessageStore.java): put,
 * get, the queries, recovery, dispatch, flushing of the logic files,
 * retention and metrics, over one CommitLog, its ConsumeQueues and the
 * IndexFile.
 */
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '@rocketmq-ts/common';
import { ErrorCode, RmqError, errorMessage, silentLogger } from '@rocketmq-ts/common';
import {
  type MessageProperties,
  type StoredMessage,
  BLANK_MAGIC_CODE,
  RecordCheck,
  SysFlag,
  checkRecord,
  decodeProperties,
  decodePropertiesBytes,
  decodeRecord,
  recordSections,
  transactionTypeOf,
} from '@rocketmq-ts/protocol';
import { StoreCheckpoint } from './checkpoint.js';
import { CommitLog, failedPut, recordStoreTimestamp } from './commitlog.js';
import { CQ_UNIT_SIZE, ConsumeQueue, readUnit } from './consumequeue.js';
import { DispatchInfo, SCHEDULE_TOPIC, TopicCache, fastDefaultTagsCode, parseDispatchInfo } from './dispatch.js';
import { type StoreFs, nodeStoreFs } from './fs.js';
import { IndexService } from './indexservice.js';
import { BrokerRole, type MessageStoreOptions, parseDelayLevels } from './options.js';
import { storePaths } from './paths.js';
import { type StoreStatsSnapshot, StoreStats } from './stats.js';
import {
  type GetMessageResult,
  GetMessageStatus,
  type MessageArrivalEvent,
  type MessageArrivalListener,
  type MessageFilter,
  type PutBatchRequest,
  type PutMessageRequest,
  type PutMessageResult,
  PutMessageStatus,
  type QueryMessageResult,
  type CommitLogWrittenListener,
  type ReplicaWaiter,
  type TagsCodeCalculator,
} from './types.js';

/** What the broker calls. */
export interface MessageStore {
  /** Loads and recovers the files, rebuilds what dispatch missed, then accepts puts. */
  start(): Promise<void>;
  /** Writes and flushes everything, then closes; a clean shutdown removes the abort file. */
  shutdown(): Promise<void>;

  putMessage(msg: PutMessageRequest): Promise<PutMessageResult>;
  putMessages(batch: PutBatchRequest): Promise<PutMessageResult>;

  getMessage(group: string, topic: string, queueId: number, offset: number, maxMsgNums: number, filter?: MessageFilter): Promise<GetMessageResult>;
  getMinOffsetInQueue(topic: string, queueId: number): number;
  getMaxOffsetInQueue(topic: string, queueId: number): number;
  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): Promise<number>;
  /** Store time of the oldest message in the log, or of a queue's oldest message; -1 when none. */
  getEarliestMessageTime(topic?: string, queueId?: number): Promise<number>;
  getMessageStoreTimeStamp(topic: string, queueId: number, consumeQueueOffset: number): Promise<number>;
  /** The CommitLog offset of a queue's message; 0 when unknown (Java's getCommitLogOffsetInQueue). */
  getCommitLogOffsetInQueue(topic: string, queueId: number, consumeQueueOffset: number): Promise<number>;
  /**
   * Whether the queue's message at `consumeOffset` lies further behind the
   * log's end than accessMessageInMemoryMaxRatio of RAM ("in disk"); false
   * when the queue or the offset is unknown (Java's checkInDiskByConsumeOffset).
   */
  checkInDiskByConsumeOffset(topic: string, queueId: number, consumeOffset: number): Promise<boolean>;
  /** The validated record at a CommitLog offset (viewMessageById). */
  selectOneMessageByOffset(commitLogOffset: number, size?: number): Promise<Buffer | undefined>;
  lookMessageByOffset(commitLogOffset: number, size?: number): Promise<StoredMessage | undefined>;
  /** Messages whose KEYS or UNIQ_KEY is `key`, stored within [begin, end] ms. */
  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryMessageResult>;
  /** The newest message with this UNIQ_KEY. */
  queryMessageByUniqKey(topic: string, uniqKey: string): Promise<Buffer | undefined>;

  getMinPhyOffset(): number;
  getMaxPhyOffset(): number;
  /** Raw CommitLog bytes from `offset` (within one segment, at most maxBytes), for replication. */
  getCommitLogData(offset: number, maxBytes: number): Promise<Buffer | undefined>;
  /** A slave appends raw CommitLog bytes; its dispatcher builds the queues from them. */
  appendToCommitLog(startOffset: number, data: Buffer): Promise<boolean>;

  /** Deletes the queues of these topics. */
  deleteTopics(topics: Iterable<string>): Promise<number>;
  /** Deletes the queues of topics not in `keep` (system topics are kept). */
  cleanUnusedTopic(keep: ReadonlySet<string>): Promise<number>;
  /** Topics that have ConsumeQueues. */
  getConsumeQueueTopics(): string[];

  setMessageArrivalListener(listener: MessageArrivalListener | undefined): void;
  setReplicaWaiter(waiter: ReplicaWaiter | undefined): void;
  /** Called after every CommitLog write with the new written end (HA sends what was just written). */
  setCommitLogWrittenListener(listener: CommitLogWrittenListener | undefined): void;

  /** CommitLog bytes not yet in the ConsumeQueues. */
  dispatchBehindBytes(): number;
  /** Java's StoreStatsService/DefaultMessageStore.getRuntimeInfo keys. */
  getRuntimeInfo(): Record<string, string>;
  getStats(): StoreStatsSnapshot;
  /** Puts would answer OS_PAGECACHE_BUSY. */
  isOSPageCacheBusy(): boolean;
  /** Forces a write and fdatasync of the CommitLog; resolves with the flushed offset. */
  flush(): Promise<number>;
  /** Runs retention now (also deleting unexpired files, as mqadmin deleteExpiredCommitLog asks). */
  executeDeleteFilesManually(): void;
}

/** Collaborators a store can be given. */
export interface MessageStoreDeps {
  /** @defaultValue silentLogger */
  readonly logger?: Logger;
  /** @defaultValue the real file system */
  readonly fs?: StoreFs;
  /** @defaultValue Java's tagsCode (tag hash; delivery time for SCHEDULE_TOPIC_XXXX) */
  readonly tagsCode?: TagsCodeCalculator;
  readonly listener?: MessageArrivalListener;
  readonly replicaWaiter?: ReplicaWaiter;
}

const SYSTEM_KEEP_TOPICS = new Set([SCHEDULE_TOPIC, 'RMQ_SYS_TRANS_OP_HALF_TOPIC']);

/**
 * The listener's event. Properties are decoded from the record only if read,
 * and must be read during the call: the record's memory is reused after it.
 */
class ArrivalEvent implements MessageArrivalEvent {
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly storeTimestamp: number;
  private buf: Buffer | undefined;
  private readonly start: number;
  private readonly end: number;
  private props: MessageProperties | undefined;

  constructor(
    info: DispatchInfo,
    readonly tagsCode: number,
  ) {
    this.topic = info.topic;
    this.queueId = info.queueId;
    this.queueOffset = info.queueOffset;
    this.storeTimestamp = info.storeTimestamp;
    this.buf = info.buf;
    this.start = info.propsStart;
    this.end = info.propsEnd;
  }

  get properties(): MessageProperties {
    if (this.props === undefined) {
      if (this.buf === undefined) throw new RmqError(ErrorCode.STATE, 'MessageArrivalEvent.properties must be read during the listener call');
      this.props = decodePropertiesBytes(this.buf, this.start, this.end);
    }
    return this.props;
  }

  /** The call is over: drop the view of the record. */
  seal(): void {
    this.buf = undefined;
  }
}

export class DefaultMessageStore implements MessageStore {
  readonly options: MessageStoreOptions;
  readonly commitLog: CommitLog;
  readonly indexService: IndexService;
  readonly checkpoint: StoreCheckpoint;
  private readonly fs: StoreFs;
  private readonly log: Logger;
  private readonly stats = new StoreStats();
  private readonly tagsCode: (info: DispatchInfo) => number;
  private listener: MessageArrivalListener | undefined;
  private replicaWaiter: ReplicaWaiter | undefined;
  private writtenListener: CommitLogWrittenListener | undefined;
  private readonly queues = new Map<string, Map<number, ConsumeQueue>>();
  private readonly dirtyQueues = new Set<ConsumeQueue>();
  private readonly cqRoot: string;

  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private diskFull = false;
  private logicsError = false;
  private lastExitOK = true;

  /** Where dispatch continues. */
  private reputOffset = 0;
  private dispatchingAsync = false;
  private readonly info = new DispatchInfo();
  private readonly topicCache = new TopicCache();
  private lastCq: ConsumeQueue | undefined;
  private lastDispatchedTs = 0;
  private lastWrittenAt = 0;

  private logicsWriteTimer: NodeJS.Timeout | undefined;
  private logicsFlushTimer: NodeJS.Timeout | undefined;
  private cleanTimer: NodeJS.Timeout | undefined;
  private diskTimer: NodeJS.Timeout | undefined;
  private sampleTimer: NodeJS.Timeout | undefined;
  private logicsWriting: Promise<void> | undefined;
  private logicsFlushing: Promise<void> | undefined;
  private cleaning: Promise<void> | undefined;
  private lastPhysicalMinOffset = 0;
  private manualDeleteTimes = 0;
  private commitLogDiskRatio = -1;
  private consumeQueueDiskRatio = -1;
  private readonly memoryForInMemory: number;

  constructor(options: MessageStoreOptions, deps: MessageStoreDeps = {}) {
    this.options = options;
    this.fs = deps.fs ?? nodeStoreFs;
    this.log = (deps.logger ?? silentLogger).child({ component: 'store' });
    const custom = deps.tagsCode;
    this.tagsCode = custom !== undefined ? (info) => custom(info) : fastDefaultTagsCode(parseDelayLevels(options.messageDelayLevel));
    this.listener = deps.listener;
    this.replicaWaiter = deps.replicaWaiter;
    this.cqRoot = storePaths.consumeQueue(options.storePathRootDir);
    this.commitLog = new CommitLog(options, this.fs, this.log.child({ component: 'commitlog' }), this.stats, {
      onWritten: () => this.onCommitLogWritten(),
      onDiskFull: (err) => this.markDiskFull(err),
    });
    this.indexService = new IndexService(
      storePaths.index(options.storePathRootDir),
      options.maxHashSlotNum,
      options.maxIndexNum,
      options.maxMsgsNumBatch,
      this.fs,
      this.log.child({ component: 'index' }),
    );
    this.checkpoint = new StoreCheckpoint(storePaths.checkpoint(options.storePathRootDir), this.fs);
    this.memoryForInMemory = (totalmem() * options.accessMessageInMemoryMaxRatio) / 100;
  }

  // ---------------------------------------------------------------------------
  // Lifecycle

  async start(): Promise<void> {
    if (this.state !== 'new') throw new RmqError(ErrorCode.STATE, `store cannot start from state ${this.state}`);
    this.state = 'starting';
    const root = this.options.storePathRootDir;
    try {
      await this.fs.mkdir(root);
      const abortPath = storePaths.abort(root);
      this.lastExitOK = (await this.fs.stat(abortPath)) === undefined;
      this.log.info({ root, lastExitOK: this.lastExitOK }, this.lastExitOK ? 'last shutdown was clean' : 'last shutdown was not clean; recovering');
      // From now on a crash (even during recovery) leaves the abort file behind.
      await this.touch(abortPath);
      await this.writeLockFile();

      await this.commitLog.load();
      await this.loadConsumeQueues();
      await this.checkpoint.load();
      const indexDirExisted = (await this.fs.stat(this.indexService.dir)) !== undefined;
      if (this.options.messageIndexEnable) await this.indexService.load();
      await this.recover(indexDirExisted);
      this.commitLog.start();
      this.startTimers();
      this.state = 'running';
      this.log.info(
        { minOffset: this.commitLog.getMinOffset(), maxOffset: this.commitLog.getMaxOffset(), queues: this.queueCount() },
        'store started',
      );
    } catch (err) {
      this.state = 'stopped';
      await this.closeFiles().catch(() => undefined);
      throw err instanceof RmqError ? err : new RmqError(ErrorCode.STORE, `store failed to start: ${errorMessage(err)}`, { cause: err });
    }
  }

  private async touch(path: string): Promise<void> {
    const f = await this.fs.open(path, 'w+');
    await f.close();
  }

  private async writeLockFile(): Promise<void> {
    // Java writes "lock" into <root>/lock and holds an OS file lock on it; Node has no portable flock.
    const f = await this.fs.open(storePaths.lock(this.options.storePathRootDir), 'w+');
    try {
      await f.write(Buffer.from('lock'), 0, 4, 0);
    } finally {
      await f.close();
    }
  }

  private async loadConsumeQueues(): Promise<void> {
    await this.fs.mkdir(this.cqRoot);
    for (const topic of await this.fs.readdir(this.cqRoot)) {
      const st = await this.fs.stat(join(this.cqRoot, topic));
      if (st === undefined || !st.isDirectory) continue;
      for (const qid of await this.fs.readdir(join(this.cqRoot, topic))) {
        if (!/^\d+$/.test(qid)) continue;
        const cq = this.findConsumeQueue(topic, Number(qid));
        await cq.load();
      }
    }
  }

  private async recover(indexDirExisted: boolean): Promise<void> {
    for (const cq of this.allQueues()) await cq.recover();
    const cl = this.commitLog;
    const minTs = this.lastExitOK
      ? undefined
      : this.options.messageIndexEnable
        ? this.checkpoint.minTimestampIndex()
        : this.checkpoint.minTimestamp();
    const rec = await cl.recover(minTs);
    if (cl.segmentCount() === 0) {
      if (this.queueCount() > 0) this.log.warn('no CommitLog files; deleting the ConsumeQueues');
      for (const cq of this.allQueues()) await cq.destroy();
      this.queues.clear();
      if (this.options.messageIndexEnable) await this.indexService.destroy();
    }
    // Logic files may not point at or past the recovered end; after an unclean
    // stop they are cut back to where the scan started and rebuilt from there.
    const trimTo = this.lastExitOK ? rec.end : rec.scanStart;
    for (const cq of this.allQueues()) {
      if (cq.maxPhysicOffset > trimTo || !this.lastExitOK) await cq.truncate(trimTo);
    }
    const storeTimeOf = (phy: number): Promise<number> => cl.pickupStoreTimestamp(phy, 128);
    if (this.options.messageIndexEnable) await this.indexService.recover(trimTo, !this.lastExitOK, storeTimeOf);

    // Dispatch from where the queues end (Java's max over queues), earlier if the index needs it.
    const clMin = Math.max(0, cl.getMinOffset());
    let reput = clMin;
    for (const cq of this.allQueues()) if (cq.maxPhysicOffset > reput) reput = cq.maxPhysicOffset;
    if (this.options.messageIndexEnable) {
      const resume = this.indexService.fileNames().length > 0 ? this.indexService.resumeOffset() : indexDirExisted ? reput : clMin;
      if (resume < reput) reput = resume;
    }
    if (!this.lastExitOK && rec.scanStart < reput) reput = rec.scanStart;
    this.reputOffset = Math.min(Math.max(reput, clMin), cl.getMaxOffset());
    this.log.info({ reputFrom: this.reputOffset, logEnd: cl.getMaxOffset(), scanStart: rec.scanStart, cut: rec.truncatedBytes }, 'rebuilding logic queues from the CommitLog');
    await this.catchUpDispatch();
    cl.setLastStoreTimestamp(this.lastDispatchedTs);

    // Java's recoverTopicQueueTable.
    for (const cq of this.allQueues()) {
      cl.setQueueOffset(cq.topic, cq.queueId, cq.getMaxOffsetInQueue());
      await cq.correctMinOffset(clMin);
    }
    await this.writeLogics();
    await this.flushLogics();
  }

  async shutdown(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.stopTimers();
    let clean = !this.diskFull && !this.logicsError;
    try {
      const drained = await this.commitLog.drain(this.options.syncFlushTimeout + 5000);
      if (!drained) clean = false;
      for (let i = 0; i < 100 && this.dispatchBehindBytes() > 0; i++) {
        await this.catchUpDispatch();
        if (this.dispatchBehindBytes() > 0) await new Promise((r) => setTimeout(r, 10));
      }
      if (this.dispatchBehindBytes() !== 0) clean = false;
      await this.cleaning?.catch(() => undefined);
      await this.writeLogics();
      await this.flushLogics();
      if (this.logicsError) clean = false;
    } catch (err) {
      clean = false;
      this.log.error({ err: errorMessage(err) }, 'error while shutting down the store');
    }
    await this.closeFiles();
    if (clean) await this.fs.unlink(storePaths.abort(this.options.storePathRootDir));
    else {
      this.log.warn(
        { drained: this.commitLog.getFlushedOffset() >= this.commitLog.getMaxOffset(), dispatchBehind: this.dispatchBehindBytes(), diskFull: this.diskFull, logicsError: this.logicsError },
        'store shut down uncleanly; the abort file stays and the next start recovers',
      );
    }
    this.state = 'stopped';
  }

  /**
   * Stops without flushing or removing the abort file, as if the process
   * died: what was written stays, what was buffered is lost. For tests.
   */
  async abandon(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.stopTimers();
    await this.closeFiles();
    this.state = 'stopped';
  }

  private async closeFiles(): Promise<void> {
    await this.commitLog.close();
    for (const cq of this.allQueues()) await cq.close();
    await this.indexService.close();
    await this.checkpoint.close();
  }

  private startTimers(): void {
    const o = this.options;
    const every = (ms: number, fn: () => void): NodeJS.Timeout => {
      const t = setInterval(fn, ms);
      t.unref();
      return t;
    };
    this.logicsWriteTimer = every(o.logicsWriteInterval, () => void this.writeLogics());
    this.logicsFlushTimer = every(o.flushIntervalConsumeQueue, () => void this.flushLogics());
    this.cleanTimer = every(o.cleanResourceInterval, () => void this.runClean());
    this.diskTimer = every(o.diskCheckInterval, () => void this.checkDiskSpace());
    this.sampleTimer = every(1000, () => this.stats.sample());
    void this.checkDiskSpace();
  }

  private stopTimers(): void {
    for (const t of [this.logicsWriteTimer, this.logicsFlushTimer, this.cleanTimer, this.diskTimer, this.sampleTimer]) if (t !== undefined) clearInterval(t);
  }

  // ---------------------------------------------------------------------------
  // Put

  private checkStoreStatus(): PutMessageResult | undefined {
    if (this.state !== 'running') return failedPut(PutMessageStatus.SERVICE_NOT_AVAILABLE, `store is ${this.state}`);
    if (this.options.brokerRole === BrokerRole.SLAVE) return failedPut(PutMessageStatus.SERVICE_NOT_AVAILABLE, 'a slave does not accept puts');
    if (this.diskFull) return failedPut(PutMessageStatus.SERVICE_NOT_AVAILABLE, 'disk full');
    if (this.logicsError) return failedPut(PutMessageStatus.SERVICE_NOT_AVAILABLE, 'ConsumeQueue files cannot be written');
    if (this.isOSPageCacheBusy()) return failedPut(PutMessageStatus.OS_PAGECACHE_BUSY, 'writes are stalled');
    return undefined;
  }

  isOSPageCacheBusy(): boolean {
    return (
      this.commitLog.writeStallMs() > this.options.osPageCacheBusyTimeOutMills || this.commitLog.unwrittenBytes() > this.options.maxUnwrittenBytes
    );
  }

  putMessage(msg: PutMessageRequest): Promise<PutMessageResult> {
    const refused = this.checkStoreStatus();
    if (refused !== undefined) {
      this.stats.putFailedTimes++;
      return Promise.resolve(refused);
    }
    const p = this.commitLog.putMessage(msg);
    return this.needsReplica(msg.waitStoreMsgOK) ? p.then((r) => this.replicate(r)) : p;
  }

  putMessages(batch: PutBatchRequest): Promise<PutMessageResult> {
    const refused = this.checkStoreStatus();
    if (refused !== undefined) {
      this.stats.putFailedTimes++;
      return Promise.resolve(refused);
    }
    const p = this.commitLog.putMessages(batch);
    return this.needsReplica(batch.waitStoreMsgOK) ? p.then((r) => this.replicate(r)) : p;
  }

  private needsReplica(waitStoreMsgOK: boolean | undefined): boolean {
    return this.options.brokerRole === BrokerRole.SYNC_MASTER && waitStoreMsgOK !== false;
  }

  private async replicate(r: PutMessageResult): Promise<PutMessageResult> {
    if (r.status !== PutMessageStatus.PUT_OK) return r;
    let status: PutMessageStatus = PutMessageStatus.SLAVE_NOT_AVAILABLE;
    if (this.replicaWaiter !== undefined) {
      try {
        status = await this.replicaWaiter.waitForReplica(r.wroteOffset + r.wroteBytes, this.options.slaveTimeout);
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'replica waiter failed');
        status = PutMessageStatus.FLUSH_SLAVE_TIMEOUT;
      }
    }
    if (status === PutMessageStatus.PUT_OK) return r;
    return Object.assign(Object.create(Object.getPrototypeOf(r) as object) as PutMessageResult, r, {
      status,
      reason: status === PutMessageStatus.SLAVE_NOT_AVAILABLE ? 'no slave available' : 'slave did not confirm in time',
    });
  }

  // ---------------------------------------------------------------------------
  // Dispatch

  findConsumeQueue(topic: string, queueId: number): ConsumeQueue {
    let m = this.queues.get(topic);
    if (m === undefined) {
      m = new Map();
      this.queues.set(topic, m);
    }
    let cq = m.get(queueId);
    if (cq === undefined) {
      cq = new ConsumeQueue(topic, queueId, this.cqRoot, this.options.mappedFileSizeConsumeQueue, this.fs, this.log.child({ component: 'consumequeue' }), (q) =>
        this.dirtyQueues.add(q),
      );
      m.set(queueId, cq);
    }
    return cq;
  }

  getConsumeQueue(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.queues.get(topic)?.get(queueId);
  }

  private *allQueues(): Generator<ConsumeQueue> {
    for (const m of this.queues.values()) yield* m.values();
  }

  private queueCount(): number {
    let n = 0;
    for (const m of this.queues.values()) n += m.size;
    return n;
  }

  private onCommitLogWritten(): void {
    this.lastWrittenAt = performance.now();
    if (!this.dispatchingAsync) this.dispatchCached();
    const l = this.writtenListener;
    if (l !== undefined) {
      try {
        l(this.commitLog.getMaxOffset());
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'CommitLog written listener threw');
      }
    }
  }

  /** Dispatches what the cache holds; falls back to reading files when it does not. */
  private dispatchCached(): void {
    const cl = this.commitLog;
    while (this.reputOffset < cl.getMaxOffset()) {
      const buf = cl.readForwardCached(this.reputOffset, 64 * 1024 * 1024);
      if (buf === undefined) {
        void this.catchUpDispatch();
        return;
      }
      const consumed = this.dispatchBuffer(buf, this.reputOffset, false);
      if (consumed === 0) {
        // More is written than the view shows: a slave's raw appends left a record across two cache chunks.
        if (this.reputOffset + buf.length < cl.getMaxOffset()) void this.catchUpDispatch();
        break;
      }
    }
    cl.markSafe(this.reputOffset);
  }

  /** Dispatches from the files until caught up with the log's end (joins a catch-up in progress). */
  private catchUpDispatch(): Promise<void> {
    this.catchingUp ??= this.doCatchUpDispatch().finally(() => {
      this.catchingUp = undefined;
    });
    return this.catchingUp;
  }

  private catchingUp: Promise<void> | undefined;

  private async doCatchUpDispatch(): Promise<void> {
    this.dispatchingAsync = true;
    try {
      const cl = this.commitLog;
      let want = 4 * 1024 * 1024;
      while (this.reputOffset < cl.getMaxOffset()) {
        if (this.reputOffset < cl.getMinOffset()) {
          this.log.warn({ reputOffset: this.reputOffset, minOffset: cl.getMinOffset() }, 'dispatch fell behind retention; skipping to the log start');
          this.reputOffset = cl.getMinOffset();
        }
        // From memory if cached (a view: used before anything else runs), else a fresh read of the file.
        const buf = cl.readForwardCached(this.reputOffset, want) ?? (await cl.readForward(this.reputOffset, want));
        if (buf === undefined) break;
        const consumed = this.dispatchBuffer(buf, this.reputOffset, true);
        if (consumed === 0) {
          // A record longer than the read: read it whole, unless it is not written yet.
          const size = buf.length >= 4 ? buf.readInt32BE(0) : 0;
          if (size > want && this.reputOffset + size <= cl.getMaxOffset()) {
            want = size;
            continue;
          }
          if (this.reputOffset + buf.length < cl.getMaxOffset() && (await this.dispatchAcrossChunks())) continue;
          break;
        }
        want = 4 * 1024 * 1024;
      }
      cl.markSafe(this.reputOffset);
    } finally {
      this.dispatchingAsync = false;
    }
  }

  /**
   * Dispatches the record at reputOffset when the cache holds it in two
   * chunks (only a slave's raw appends split records that way): the record
   * is read whole, across the chunks. False when it is not fully written.
   */
  private async dispatchAcrossChunks(): Promise<boolean> {
    const cl = this.commitLog;
    const at = this.reputOffset;
    const head = await cl.read(at, 8);
    if (head === undefined || this.reputOffset !== at) return false;
    const size = head.readInt32BE(0);
    const whole = head.readInt32BE(4) === BLANK_MAGIC_CODE ? head : size > 8 ? await cl.read(at, size) : undefined;
    if (whole === undefined || this.reputOffset !== at) return false;
    return this.dispatchBuffer(whole, at, true) > 0;
  }

  /**
   * Dispatches the whole records in `buf` (log bytes from `base`); returns
   * the bytes consumed. A blank marker moves on to the next segment.
   */
  private dispatchBuffer(buf: Buffer, base: number, fromFile: boolean): number {
    const cl = this.commitLog;
    const info = this.info;
    const started = this.lastWrittenAt;
    let pos = 0;
    let n = 0;
    while (pos < buf.length) {
      const size = checkRecord(buf, pos, buf.length, false);
      if (size > 0) {
        parseDispatchInfo(buf, pos, size, info, this.topicCache);
        if (info.commitLogOffset !== base + pos) {
          this.log.error({ offset: base + pos, recorded: info.commitLogOffset }, 'record with a wrong PHYSICALOFFSET during dispatch; skipped');
        } else {
          this.dispatchOne(info);
          n++;
        }
        pos += size;
        continue;
      }
      if (size === RecordCheck.BLANK) {
        const next = cl.rollNextFile(base + pos);
        this.reputOffset = next;
        return pos + 1;
      }
      if (size === RecordCheck.INCOMPLETE) break;
      // Invalid bytes inside the written log: a bug or damage, never a torn write (that is INCOMPLETE).
      // Like Java's reput, skip what is readable now; appends resume at a record boundary. Never
      // skip past the written end, or records appended later would never be dispatched.
      const skipTo = Math.min(cl.rollNextFile(base + pos), cl.getMaxOffset());
      this.log.error({ offset: base + pos, skipTo }, 'invalid record inside the CommitLog during dispatch; skipping the readable rest');
      this.stats.corruptRecordsSkipped++;
      this.reputOffset = skipTo;
      return pos + 1;
    }
    this.reputOffset = base + pos;
    if (n > 0 && started > 0 && !fromFile) this.stats.dispatchLatency.record((performance.now() - started) * 1000);
    return pos;
  }

  private dispatchOne(info: DispatchInfo): void {
    const tagsCode = this.tagsCode(info);
    const tt = transactionTypeOf(info.sysFlag);
    const toQueue = tt === SysFlag.TRANSACTION_NOT_TYPE || tt === SysFlag.TRANSACTION_COMMIT_TYPE;
    if (toQueue) {
      let cq = this.lastCq;
      if (cq === undefined || cq.queueId !== info.queueId || cq.topic !== info.topic || cq.isDestroyed()) {
        cq = this.findConsumeQueue(info.topic, info.queueId);
        this.lastCq = cq;
      }
      cq.putUnit(info.commitLogOffset, info.size, tagsCode, info.queueOffset);
      if (this.options.brokerRole === BrokerRole.SLAVE || this.state === 'starting') {
        // Followers (a slave, a rebuild) keep the next queue offset in step with what they dispatch.
        if (info.queueOffset + 1 > this.commitLog.getQueueOffset(info.topic, info.queueId)) {
          this.commitLog.setQueueOffset(info.topic, info.queueId, info.queueOffset + 1);
        }
      }
    }
    if (this.options.messageIndexEnable) this.indexService.buildIndexFrom(info);
    this.lastDispatchedTs = info.storeTimestamp;
    this.stats.dispatched++;
    if (this.options.brokerRole === BrokerRole.SLAVE) this.stats.onPut(info.topic, 1, info.size);
    const l = this.listener;
    if (l !== undefined && toQueue && this.state === 'running') {
      const event = new ArrivalEvent(info, tagsCode);
      try {
        l(event);
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'message arrival listener threw');
      }
      event.seal();
    }
  }

  dispatchBehindBytes(): number {
    return Math.max(0, this.commitLog.getMaxOffset() - this.reputOffset);
  }

  /** Where dispatch has got to (for tests and metrics). */
  getDispatchedOffset(): number {
    return this.reputOffset;
  }

  // ---------------------------------------------------------------------------
  // Logic files: write, flush, checkpoint

  /**
   * Writes buffered ConsumeQueue units and index entries to their files.
   * The pass the returned promise waits for starts after the call, so it
   * covers everything dispatched before it (a pass in progress may not).
   */
  writeLogics(): Promise<void> {
    if (this.logicsQueued !== undefined) return this.logicsQueued;
    const start = (): Promise<void> => {
      const p: Promise<void> = this.doWriteLogics().finally(() => {
        if (this.logicsWriting === p) this.logicsWriting = undefined;
      });
      this.logicsWriting = p;
      return p;
    };
    if (this.logicsWriting === undefined) return start();
    const queued: Promise<void> = this.logicsWriting.then(() => {
      this.logicsQueued = undefined;
      return start();
    });
    this.logicsQueued = queued;
    return queued;
  }

  private logicsQueued: Promise<void> | undefined;
  private logicsWrittenTs = 0;
  private indexWrittenTs = 0;

  private async doWriteLogics(): Promise<void> {
    const ts = this.lastDispatchedTs;
    const indexTs = this.indexService.busy() ? this.indexWrittenTs : this.indexService.lastIndexedTimestamp;
    const dirty = [...this.dirtyQueues];
    this.dirtyQueues.clear();
    let failed = false;
    const parallel = 8;
    for (let i = 0; i < dirty.length; i += parallel) {
      await Promise.all(
        dirty.slice(i, i + parallel).map((cq) =>
          cq.write().catch((err: unknown) => {
            failed = true;
            this.dirtyQueues.add(cq);
            this.log.error({ topic: cq.topic, queueId: cq.queueId, err: errorMessage(err) }, 'ConsumeQueue write failed');
          }),
        ),
      );
    }
    if (this.options.messageIndexEnable) {
      try {
        await this.indexService.write();
        this.indexWrittenTs = Math.max(this.indexWrittenTs, indexTs);
      } catch (err) {
        failed = true;
        this.log.error({ err: errorMessage(err) }, 'index write failed');
      }
    }
    if (!failed) this.logicsWrittenTs = Math.max(this.logicsWrittenTs, ts);
    if (failed !== this.logicsError) {
      this.logicsError = failed;
      if (!failed) this.log.info('logic files writable again');
    }
  }

  /** fdatasync of the logic files, then the checkpoint (Java's FlushConsumeQueueService). */
  flushLogics(): Promise<void> {
    this.logicsFlushing ??= this.doFlushLogics().finally(() => {
      this.logicsFlushing = undefined;
    });
    return this.logicsFlushing;
  }

  private async doFlushLogics(): Promise<void> {
    await this.writeLogics();
    const logicsTs = this.logicsWrittenTs;
    const indexTs = this.indexWrittenTs;
    try {
      for (const cq of this.allQueues()) if (cq.needsSync()) await cq.sync();
      if (this.options.messageIndexEnable) await this.indexService.sync();
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'logic files fdatasync failed');
      return;
    }
    const cp = this.checkpoint;
    const physic = this.commitLog.getFlushedTimestamp();
    if (physic > cp.physicMsgTimestamp) cp.physicMsgTimestamp = physic;
    if (logicsTs > cp.logicsMsgTimestamp) cp.logicsMsgTimestamp = logicsTs;
    if (indexTs > cp.indexMsgTimestamp) cp.indexMsgTimestamp = indexTs;
    try {
      await cp.flush();
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'checkpoint write failed');
    }
  }

  async flush(): Promise<number> {
    await this.commitLog.drain(this.options.syncFlushTimeout);
    return this.commitLog.getFlushedOffset();
  }

  // ---------------------------------------------------------------------------
  // Get

  async getMessage(_group: string, topic: string, queueId: number, offset: number, maxMsgNums: number, filter?: MessageFilter): Promise<GetMessageResult> {
    if (this.state !== 'running') throw new RmqError(ErrorCode.STATE, `store is ${this.state}`);
    const began = performance.now();
    const cl = this.commitLog;
    const maxOffsetPy = cl.getMaxOffset();
    let status: GetMessageStatus = GetMessageStatus.NO_MESSAGE_IN_QUEUE;
    let nextBeginOffset = offset;
    let minOffset = 0;
    let maxOffset = 0;
    const messages: Buffer[] = [];
    const queueOffsets: number[] = [];
    let bufferTotalSize = 0;
    let suggestPullingFromSlave = false;
    const correct = (n: number): number =>
      this.options.brokerRole !== BrokerRole.SLAVE || this.options.offsetCheckInSlave ? n : offset;

    const cq = this.getConsumeQueue(topic, queueId);
    if (cq !== undefined) {
      minOffset = cq.getMinOffsetInQueue();
      maxOffset = cq.getMaxOffsetInQueue();
    }
    if (maxOffset === 0 || cq === undefined) {
      status = GetMessageStatus.NO_MESSAGE_IN_QUEUE;
      nextBeginOffset = correct(0);
    } else if (offset < minOffset) {
      status = GetMessageStatus.OFFSET_TOO_SMALL;
      nextBeginOffset = correct(minOffset);
    } else if (offset === maxOffset) {
      status = GetMessageStatus.OFFSET_OVERFLOW_ONE;
      nextBeginOffset = correct(offset);
    } else if (offset > maxOffset) {
      status = GetMessageStatus.OFFSET_OVERFLOW_BADLY;
      nextBeginOffset = correct(maxOffset);
    } else {
      const maxFilterUnits = Math.floor(Math.max(16000, maxMsgNums * CQ_UNIT_SIZE) / CQ_UNIT_SIZE);
      const units = await cq.readUnits(offset, maxFilterUnits);
      if (units === undefined) {
        status = GetMessageStatus.OFFSET_FOUND_NULL;
        nextBeginOffset = correct(cq.rollNextFile(offset));
        this.log.warn({ topic, queueId, offset, minOffset, maxOffset }, 'consume queue unit not readable');
      } else {
        status = GetMessageStatus.NO_MATCHED_MESSAGE;
        const n = units.length / CQ_UNIT_SIZE;
        let i = 0;
        let nextPhyFileStart = -1;
        let maxPhyOffsetPulling = 0;
        let full = false;
        const expectTopic = Buffer.from(topic, 'utf8');
        while (i < n && !full) {
          // Choose candidates by the queue-level filter and the batch limits...
          const cand: number[] = [];
          const candOffsets: number[] = [];
          const candSizes: number[] = [];
          let predBytes = bufferTotalSize;
          let predCount = messages.length;
          let j = i;
          for (; j < n; j++) {
            const u = readUnit(units, j * CQ_UNIT_SIZE);
            maxPhyOffsetPulling = u.offset;
            if (nextPhyFileStart >= 0 && u.offset < nextPhyFileStart) continue;
            const inDisk = maxOffsetPy - u.offset > this.memoryForInMemory;
            if (this.isTheBatchFull(u.size, maxMsgNums, predBytes, predCount, inDisk)) {
              full = true;
              break;
            }
            if (filter !== undefined && !filter.isMatchedByConsumeQueue(u.tagsCode)) continue;
            cand.push(j);
            candOffsets.push(u.offset);
            candSizes.push(u.size);
            predBytes += u.size;
            predCount++;
          }
          // ...then read them (neighbours on disk in one pread) and check each.
          let rejected = false;
          if (cand.length > 0) {
            const { records, invalid } = await cl.readRecords(candOffsets, candSizes);
            for (let k = 0; k < cand.length; k++) {
              let rec = records[k];
              const off = candOffsets[k] as number;
              if (rec !== undefined && !this.belongsTo(rec, expectTopic, queueId)) {
                rec = undefined;
                invalid[k] = true;
              }
              if (rec === undefined) {
                rejected = true;
                if (invalid[k] === true) {
                  this.stats.corruptRecordsSkipped++;
                  this.log.error({ topic, queueId, queueOffset: offset + (cand[k] as number), commitLogOffset: off }, 'record failed validation; not served');
                } else {
                  if (bufferTotalSize === 0) status = GetMessageStatus.MESSAGE_WAS_REMOVING;
                  nextPhyFileStart = cl.rollNextFile(off);
                }
                continue;
              }
              if (filter !== undefined && !filter.isMatchedByCommitLog(rec)) {
                rejected = true;
                continue;
              }
              messages.push(rec);
              queueOffsets.push(offset + (cand[k] as number));
              bufferTotalSize += rec.length;
              status = GetMessageStatus.FOUND;
              nextPhyFileStart = -1;
            }
          }
          i = j;
          if (!rejected) break;
          full = false;
        }
        nextBeginOffset = offset + i;
        suggestPullingFromSlave = maxOffsetPy - maxPhyOffsetPulling > this.memoryForInMemory;
      }
    }
    this.stats.onGet(topic, status === GetMessageStatus.FOUND, messages.length, bufferTotalSize, performance.now() - began);
    return { status, nextBeginOffset, minOffset, maxOffset, messages, queueOffsets, bufferTotalSize, suggestPullingFromSlave };
  }

  private belongsTo(rec: Buffer, topic: Buffer, queueId: number): boolean {
    if (rec.readInt32BE(12) !== queueId) return false;
    const s = recordSections(rec, 0);
    return s.topicLength === topic.length && rec.compare(topic, 0, topic.length, s.topicStart, s.topicStart + s.topicLength) === 0;
  }

  private isTheBatchFull(sizePy: number, maxMsgNums: number, bufferTotal: number, messageTotal: number, isInDisk: boolean): boolean {
    const o = this.options;
    if (bufferTotal === 0 || messageTotal === 0) return false;
    if (maxMsgNums <= messageTotal) return true;
    if (isInDisk) {
      if (bufferTotal + sizePy > o.maxTransferBytesOnMessageInDisk) return true;
      if (messageTotal > o.maxTransferCountOnMessageInDisk - 1) return true;
    } else {
      if (bufferTotal + sizePy > o.maxTransferBytesOnMessageInMemory) return true;
      if (messageTotal > o.maxTransferCountOnMessageInMemory - 1) return true;
    }
    return false;
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.getConsumeQueue(topic, queueId)?.getMinOffsetInQueue() ?? 0;
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.getConsumeQueue(topic, queueId)?.getMaxOffsetInQueue() ?? 0;
  }

  getMessageTotalInQueue(topic: string, queueId: number): number {
    return this.getConsumeQueue(topic, queueId)?.getMessageTotalInQueue() ?? -1;
  }

  async getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): Promise<number> {
    const cq = this.getConsumeQueue(topic, queueId);
    if (cq === undefined) return 0;
    return cq.getOffsetInQueueByTime(timestamp, Math.max(0, this.commitLog.getMinOffset()), (o, s) => this.commitLog.pickupStoreTimestamp(o, s));
  }

  async getEarliestMessageTime(topic?: string, queueId?: number): Promise<number> {
    if (topic === undefined) {
      const min = this.commitLog.getMinOffset();
      return min < 0 ? -1 : this.commitLog.pickupStoreTimestamp(min, 128);
    }
    const cq = this.getConsumeQueue(topic, queueId ?? 0);
    if (cq === undefined || cq.getMaxOffsetInQueue() === 0) return -1;
    return this.getMessageStoreTimeStamp(topic, queueId ?? 0, cq.getMinOffsetInQueue());
  }

  async getMessageStoreTimeStamp(topic: string, queueId: number, consumeQueueOffset: number): Promise<number> {
    const u = await this.getConsumeQueue(topic, queueId)?.getUnit(consumeQueueOffset);
    if (u === undefined) return -1;
    return this.commitLog.pickupStoreTimestamp(u.offset, u.size);
  }

  async getCommitLogOffsetInQueue(topic: string, queueId: number, consumeQueueOffset: number): Promise<number> {
    const u = await this.getConsumeQueue(topic, queueId)?.getUnit(consumeQueueOffset);
    return u?.offset ?? 0;
  }

  async checkInDiskByConsumeOffset(topic: string, queueId: number, consumeOffset: number): Promise<boolean> {
    const u = await this.getConsumeQueue(topic, queueId)?.getUnit(consumeOffset);
    if (u === undefined) return false;
    return this.commitLog.getMaxOffset() - u.offset > this.memoryForInMemory;
  }

  async selectOneMessageByOffset(commitLogOffset: number, size?: number): Promise<Buffer | undefined> {
    let len = size;
    if (len === undefined) {
      const head = await this.commitLog.read(commitLogOffset, 8);
      if (head === undefined) return undefined;
      len = head.readInt32BE(0);
      if (len <= 0 || len > this.commitLog.segmentSize) return undefined;
    }
    const { records, invalid } = await this.commitLog.readRecords([commitLogOffset], [len]);
    if (invalid[0] === true) this.stats.corruptRecordsSkipped++;
    return records[0];
  }

  async lookMessageByOffset(commitLogOffset: number, size?: number): Promise<StoredMessage | undefined> {
    const rec = await this.selectOneMessageByOffset(commitLogOffset, size);
    return rec === undefined ? undefined : decodeRecord(rec);
  }

  async queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryMessageResult> {
    if (!this.options.messageIndexEnable) return { messages: [], indexLastUpdatePhyoffset: 0, indexLastUpdateTimestamp: 0, bufferTotalSize: 0 };
    await this.writeLogics();
    const r = await this.indexService.queryOffset(topic, key, maxNum, begin, end);
    const offsets = [...new Set(r.phyOffsets)].sort((a, b) => a - b);
    const messages: Buffer[] = [];
    let total = 0;
    for (const off of offsets) {
      if (off < this.commitLog.getMinOffset()) continue;
      const rec = await this.selectOneMessageByOffset(off);
      if (rec === undefined) continue;
      messages.push(rec);
      total += rec.length;
    }
    return { messages, indexLastUpdateTimestamp: r.indexLastUpdateTimestamp, indexLastUpdatePhyoffset: r.indexLastUpdatePhyoffset, bufferTotalSize: total };
  }

  async queryMessageByUniqKey(topic: string, uniqKey: string): Promise<Buffer | undefined> {
    const r = await this.queryMessage(topic, uniqKey, 32, 0, Number.MAX_SAFE_INTEGER);
    for (let i = r.messages.length - 1; i >= 0; i--) {
      const rec = r.messages[i] as Buffer;
      const s = recordSections(rec, 0);
      const props = decodeProperties(rec.toString('utf8', s.propertiesStart, s.propertiesStart + s.propertiesLength));
      if (props['UNIQ_KEY'] === uniqKey) return rec;
    }
    return undefined;
  }

  getMinPhyOffset(): number {
    return this.commitLog.getMinOffset();
  }

  getMaxPhyOffset(): number {
    return this.commitLog.getMaxOffset();
  }

  async getCommitLogData(offset: number, maxBytes: number): Promise<Buffer | undefined> {
    if (this.state !== 'running') return undefined;
    return this.commitLog.readForward(offset, maxBytes);
  }

  async appendToCommitLog(startOffset: number, data: Buffer): Promise<boolean> {
    if (this.state !== 'running') return false;
    const wasEmpty = this.commitLog.segmentCount() === 0 && this.commitLog.getAppendOffset() === 0;
    const done = this.commitLog.appendRaw(startOffset, data);
    // A new slave's log starts where the master's last segment does: dispatch starts there too.
    if (wasEmpty && this.commitLog.getMinOffset() === startOffset && this.reputOffset < startOffset) this.reputOffset = startOffset;
    return done;
  }

  /** Offset the next appended byte gets (includes bytes not yet written); a slave checks the master's offsets against it. */
  getAppendOffset(): number {
    return this.commitLog.getAppendOffset();
  }

  // ---------------------------------------------------------------------------
  // Topics

  async deleteTopics(topics: Iterable<string>): Promise<number> {
    let n = 0;
    for (const topic of topics) {
      const m = this.queues.get(topic);
      if (m === undefined) continue;
      this.queues.delete(topic);
      for (const cq of m.values()) {
        this.dirtyQueues.delete(cq);
        await cq.destroy();
        n++;
      }
      this.commitLog.removeQueue(topic);
      await this.fs.rmrf(join(this.cqRoot, topic)).catch(() => undefined);
      this.log.info({ topic }, 'topic queues deleted');
    }
    return n;
  }

  async cleanUnusedTopic(keep: ReadonlySet<string>): Promise<number> {
    const drop = [...this.queues.keys()].filter((t) => !keep.has(t) && !SYSTEM_KEEP_TOPICS.has(t) && !t.startsWith('%LMQ%'));
    return this.deleteTopics(drop);
  }

  getConsumeQueueTopics(): string[] {
    return [...this.queues.keys()];
  }

  setMessageArrivalListener(listener: MessageArrivalListener | undefined): void {
    this.listener = listener;
  }

  setReplicaWaiter(waiter: ReplicaWaiter | undefined): void {
    this.replicaWaiter = waiter;
  }

  setCommitLogWrittenListener(listener: CommitLogWrittenListener | undefined): void {
    this.writtenListener = listener;
  }

  // ---------------------------------------------------------------------------
  // Retention and disk space

  executeDeleteFilesManually(): void {
    this.manualDeleteTimes = 20;
    void this.runClean();
  }

  /** One retention run (Java's cleanFilesPeriodically); tests call it directly. */
  runClean(now = Date.now()): Promise<void> {
    this.cleaning ??= this.doClean(now)
      .catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'retention run failed'))
      .finally(() => {
        this.cleaning = undefined;
      });
    return this.cleaning;
  }

  private isTimeToDelete(now: number): boolean {
    const hour = new Date(now).getHours();
    return this.options.deleteWhen.split(';').some((h) => Number(h) === hour);
  }

  private async doClean(now: number): Promise<void> {
    const o = this.options;
    const timeUp = this.isTimeToDelete(now);
    const { spaceToDelete, cleanImmediately } = await this.isSpaceToDelete();
    const manual = this.manualDeleteTimes > 0;
    if (timeUp || spaceToDelete || manual) {
      if (manual) this.manualDeleteTimes--;
      const deleted = await this.commitLog.deleteExpired(
        o.fileReservedTime * 3600_000,
        o.deleteCommitLogFilesInterval,
        o.destroyMapedFileIntervalForcibly,
        (o.cleanFileForciblyEnable && cleanImmediately) || manual,
        now,
      );
      if (deleted === 0 && spaceToDelete) this.log.warn('disk space will be full soon, but no segment could be deleted');
    }
    // Logic files pointing only below the log's start (Java's CleanConsumeQueueService).
    const minOffset = this.commitLog.getMinOffset();
    if (minOffset > this.lastPhysicalMinOffset) {
      this.lastPhysicalMinOffset = minOffset;
      await this.writeLogics();
      for (const cq of [...this.allQueues()]) await cq.deleteExpired(minOffset);
      if (o.messageIndexEnable) await this.indexService.deleteExpired(minOffset);
    }
  }

  /** Java's diskPartitionSpaceUsedPercent: used / (used + available), as a fraction; -1 on error. */
  private async usedRatio(path: string): Promise<number> {
    try {
      const s = await this.fs.statfs(path);
      const used = s.total - s.free;
      const entire = used + s.available;
      if (entire <= 0) return -1;
      return Math.ceil((used * 100) / entire) / 100;
    } catch {
      return -1;
    }
  }

  private async isSpaceToDelete(): Promise<{ spaceToDelete: boolean; cleanImmediately: boolean }> {
    const o = this.options;
    const ratio = o.diskMaxUsedSpaceRatio / 100;
    let cleanImmediately = false;
    let spaceToDelete = false;
    for (const [path, isPhysic] of [
      [o.storePathCommitLog, true],
      [this.cqRoot, false],
    ] as const) {
      const r = await this.usedRatio(path);
      if (isPhysic) this.commitLogDiskRatio = r;
      else this.consumeQueueDiskRatio = r;
      if (r > o.diskSpaceWarningLevelRatio) {
        if (!this.diskFull) this.log.error({ path, ratio: r }, 'disk nearly full; refusing puts');
        this.diskFull = true;
        cleanImmediately = true;
      } else if (r > o.diskSpaceCleanForciblyRatio) {
        cleanImmediately = true;
      }
      if (r < 0 || r > ratio) spaceToDelete = true;
    }
    return { spaceToDelete, cleanImmediately };
  }

  /** Java's isSpaceFull check, every diskCheckInterval: sets or clears the disk-full flag. */
  async checkDiskSpace(): Promise<boolean> {
    const o = this.options;
    const physic = await this.usedRatio(o.storePathCommitLog);
    this.commitLogDiskRatio = physic;
    this.consumeQueueDiskRatio = await this.usedRatio(this.cqRoot);
    const full = physic > o.diskSpaceWarningLevelRatio;
    if (full && !this.diskFull) this.log.error({ ratio: physic }, 'CommitLog disk nearly full; refusing puts');
    if (!full && this.diskFull) this.log.info({ ratio: physic }, 'disk space available again; accepting puts');
    this.diskFull = full;
    if (full) void this.runClean();
    return full;
  }

  private markDiskFull(err: unknown): void {
    if (!this.diskFull) this.log.error({ err: errorMessage(err) }, 'disk full while writing the CommitLog; refusing puts until space returns');
    this.diskFull = true;
    void this.runClean();
  }

  /** True while puts are refused for lack of disk space. */
  isDiskFull(): boolean {
    return this.diskFull;
  }

  // ---------------------------------------------------------------------------
  // Metrics

  getStats(): StoreStatsSnapshot {
    const s = this.stats.snapshot();
    this.stats.dispatchMaxBuffer = Math.max(this.stats.dispatchMaxBuffer, this.dispatchBehindBytes());
    return s;
  }

  getRuntimeInfo(): Record<string, string> {
    const st = this.stats;
    const total = st.putTimesTotal === 0 ? 1 : st.putTimesTotal;
    const runtime = Date.now() - st.bootTimestamp;
    const d = Math.floor(runtime / 86_400_000);
    const h = Math.floor((runtime % 86_400_000) / 3_600_000);
    const m = Math.floor((runtime % 3_600_000) / 60_000);
    const sec = Math.floor((runtime % 60_000) / 1000);
    const tps = (f: 'put' | 'getFound' | 'getMiss' | 'transferred'): string =>
      [10, 60, 600].map((n) => {
        const v = st.tps(f, n);
        return v === undefined ? '' : String(v);
      }).join(' ');
    const totalTps = [10, 60, 600]
      .map((n) => String((st.tps('getFound', n) ?? 0) + (st.tps('getMiss', n) ?? 0)))
      .join(' ');
    const info: Record<string, string> = {
      bootTimestamp: String(st.bootTimestamp),
      runtime: `[ ${d} days, ${h} hours, ${m} minutes, ${sec} seconds ]`,
      putMessageEntireTimeMax: String(Math.round(st.putEntireTimeMaxMs)),
      putMessageTimesTotal: String(total),
      putMessageFailedTimes: String(st.putFailedTimes),
      putMessageSizeTotal: String(st.putSizeTotal),
      putMessageDistributeTime: st.distributeString(),
      putMessageAverageSize: String(st.putSizeTotal / total),
      dispatchMaxBuffer: String(st.dispatchMaxBuffer),
      getMessageEntireTimeMax: String(Math.round(st.getEntireTimeMaxMs)),
      putTps: tps('put'),
      getFoundTps: tps('getFound'),
      getMissTps: tps('getMiss'),
      getTotalTps: totalTps,
      getTransferedTps: tps('transferred'),
      putLatency99: (st.putLatency.quantileMicros(0.99) / 1000).toFixed(2),
      putLatency999: (st.putLatency.quantileMicros(0.999) / 1000).toFixed(2),
      commitLogDiskRatio: String(this.commitLogDiskRatio),
      [`commitLogDiskRatio_${this.options.storePathCommitLog}`]: String(this.commitLogDiskRatio),
      consumeQueueDiskRatio: String(this.consumeQueueDiskRatio),
      commitLogMinOffset: String(this.getMinPhyOffset()),
      commitLogMaxOffset: String(this.getMaxPhyOffset()),
      // Not in Java's store map, but what the broker's runtime info and an exporter want from the store.
      dispatchBehindBytes: String(this.dispatchBehindBytes()),
      pageCacheLockTimeMills: String(Math.round(this.commitLog.writeStallMs())),
      getMessageTimesTotalFound: String(st.getFound),
      getMessageTimesTotalMiss: String(st.getMiss),
      getMessageTransferedMsgCount: String(st.getTransferredMsgs),
      remainHowManyDataToFlush: String(this.commitLog.unflushedBytes()),
    };
    return info;
  }

  /** Reads a record's store time (tools). */
  static storeTimestampOf(record: Buffer): number {
    return recordStoreTimestamp(record, 0);
  }
}
