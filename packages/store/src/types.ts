/**
 * What the broker sees of the store: statuses, requests, results, and the
 * hooks it plugs in (filters, the message-arrival listener, replication).
 */
import type { MessageProperties } from '@rocketmq-ts/protocol';

/** Outcome of a put (PutMessageStatus). */
export const PutMessageStatus = {
  PUT_OK: 'PUT_OK',
  /** SYNC_FLUSH: the fdatasync covering the message did not complete within syncFlushTimeout. The message may still be stored. */
  FLUSH_DISK_TIMEOUT: 'FLUSH_DISK_TIMEOUT',
  /** SYNC_MASTER: no slave confirmed within slaveTimeout. */
  FLUSH_SLAVE_TIMEOUT: 'FLUSH_SLAVE_TIMEOUT',
  /** SYNC_MASTER: no slave to replicate to. */
  SLAVE_NOT_AVAILABLE: 'SLAVE_NOT_AVAILABLE',
  /** Not started, shut down, a slave, disk full, or the store is not writable. */
  SERVICE_NOT_AVAILABLE: 'SERVICE_NOT_AVAILABLE',
  /** A new CommitLog segment could not be created. */
  CREATE_MAPEDFILE_FAILED: 'CREATE_MAPEDFILE_FAILED',
  /** Too big, topic too long, a batch with transaction or delay flags, a malformed batch body. */
  MESSAGE_ILLEGAL: 'MESSAGE_ILLEGAL',
  PROPERTIES_SIZE_EXCEEDED: 'PROPERTIES_SIZE_EXCEEDED',
  /** Writes are stalled (a write has taken longer than osPageCacheBusyTimeOutMills) or too much is waiting to be written. */
  OS_PAGECACHE_BUSY: 'OS_PAGECACHE_BUSY',
  UNKNOWN_ERROR: 'UNKNOWN_ERROR',
} as const;
export type PutMessageStatus = (typeof PutMessageStatus)[keyof typeof PutMessageStatus];

/** Outcome of getMessage (GetMessageStatus). */
export const GetMessageStatus = {
  FOUND: 'FOUND',
  /** Every message looked at was filtered out. */
  NO_MATCHED_MESSAGE: 'NO_MATCHED_MESSAGE',
  /** The CommitLog data was deleted (retention) between reading the queue and the log. */
  MESSAGE_WAS_REMOVING: 'MESSAGE_WAS_REMOVING',
  /** The queue file holding the offset is gone. */
  OFFSET_FOUND_NULL: 'OFFSET_FOUND_NULL',
  /** offset > max. */
  OFFSET_OVERFLOW_BADLY: 'OFFSET_OVERFLOW_BADLY',
  /** offset == max: nothing new yet (the long-polling case). */
  OFFSET_OVERFLOW_ONE: 'OFFSET_OVERFLOW_ONE',
  /** offset < min: the messages there were deleted. */
  OFFSET_TOO_SMALL: 'OFFSET_TOO_SMALL',
  /** Not used by this store (queues are created on demand, as in Java); kept for the broker's mapping. */
  NO_MATCHED_LOGIC_QUEUE: 'NO_MATCHED_LOGIC_QUEUE',
  /** The queue has never had a message. */
  NO_MESSAGE_IN_QUEUE: 'NO_MESSAGE_IN_QUEUE',
} as const;
export type GetMessageStatus = (typeof GetMessageStatus)[keyof typeof GetMessageStatus];

/** One message to store, as the broker built it from a SEND_MESSAGE request. */
export interface PutMessageRequest {
  readonly topic: string;
  readonly queueId: number;
  /** Stored as is (already compressed when sysFlag has COMPRESSED). */
  readonly body: Buffer | undefined;
  /** @defaultValue 0 */
  readonly flag?: number;
  /** @defaultValue 0 */
  readonly sysFlag?: number;
  /** Encoded properties (the wire's string, or its UTF-8 bytes). @defaultValue '' */
  readonly properties?: string | Buffer;
  readonly bornTimestamp: number;
  /** "ip:port" of the producer. */
  readonly bornHost: string;
  /** "ip:port" written as STOREHOST. @defaultValue options.storeHost */
  readonly storeHost?: string;
  /** @defaultValue 0 */
  readonly reconsumeTimes?: number;
  /** @defaultValue 0 */
  readonly preparedTransactionOffset?: number;
  /** false: answer once written, even in SYNC_FLUSH (the WAIT=false property). @defaultValue true */
  readonly waitStoreMsgOK?: boolean;
}

/** A SEND_BATCH_MESSAGE: one topic and queue, many bodies in the batch body format. */
export interface PutBatchRequest {
  readonly topic: string;
  readonly queueId: number;
  /** Entries: int total, int magic, int bodyCrc, int flag, int bodyLen, body, short propLen, props. */
  readonly body: Buffer;
  /** Properties appended to every message's own (MessageExtBatch's properties). @defaultValue '' */
  readonly properties?: string;
  /** @defaultValue 0 */
  readonly sysFlag?: number;
  readonly bornTimestamp: number;
  readonly bornHost: string;
  /** @defaultValue options.storeHost */
  readonly storeHost?: string;
  /** @defaultValue 0 */
  readonly reconsumeTimes?: number;
  /** @defaultValue true */
  readonly waitStoreMsgOK?: boolean;
}

/** Result of a put. Never rejected: failures are statuses. */
export interface PutMessageResult {
  readonly status: PutMessageStatus;
  /** CommitLog offset of the (first) record; -1 when nothing was stored. */
  readonly wroteOffset: number;
  /** Bytes of all records written. */
  readonly wroteBytes: number;
  /** Queue offset of the (first) message; -1 when nothing was stored. */
  readonly queueOffset: number;
  /** Messages stored (1, or the batch size). */
  readonly msgNum: number;
  readonly storeTimestamp: number;
  /** Offset msgId of the (first) message, '' when nothing was stored. */
  readonly msgId: string;
  /** Offset msgIds of all messages joined by ',' (what a batch send answers), '' when nothing was stored. */
  readonly msgIds: string;
  /** Why, when status is not PUT_OK (for logs and the response remark). */
  readonly reason?: string;
}

/** Result of getMessage (GetMessageResult). */
export interface GetMessageResult {
  readonly status: GetMessageStatus;
  readonly nextBeginOffset: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  /**
   * Whole stored records, each validated, ready to be sent back to back as a
   * PULL_MESSAGE body. They may be views into the store's cache; do not
   * modify them. To send without a copy, write them one after another (e.g.
   * socket.cork(); for (b of messages) socket.write(b); socket.uncork()).
   */
  readonly messages: readonly Buffer[];
  /** Queue offset of each message. */
  readonly queueOffsets: readonly number[];
  /** Sum of the messages' lengths. */
  readonly bufferTotalSize: number;
  /** True when the reader is far behind the log's end (more than accessMessageInMemoryMaxRatio of RAM): pull from a slave. */
  readonly suggestPullingFromSlave: boolean;
}

/**
 * Filters a pull (the broker implements tag and SQL92 filters). The store
 * asks the queue-level question first and reads the record only for
 * messages that pass it.
 */
export interface MessageFilter {
  /** `tagsCode` from the ConsumeQueue unit (the tag's hash, or a delivery time for delayed messages). */
  isMatchedByConsumeQueue(tagsCode: number): boolean;
  /** The whole record; decode properties with decodeRecordProperties when needed. */
  isMatchedByCommitLog(record: Buffer): boolean;
}

/**
 * Called as soon as a message is dispatched into its ConsumeQueue (to wake
 * long-polling pulls). `properties` is decoded on first read and must be read
 * during the call (it throws RmqError(STATE) afterwards): the record's memory
 * is reused once the call returns.
 */
export interface MessageArrivalEvent {
  readonly topic: string;
  readonly queueId: number;
  /** Queue offset of the message; the queue's max offset is now queueOffset + 1. */
  readonly queueOffset: number;
  readonly tagsCode: number;
  readonly storeTimestamp: number;
  readonly properties: MessageProperties;
}
export type MessageArrivalListener = (event: MessageArrivalEvent) => void;

/**
 * The HA seam: for SYNC_MASTER the store asks, after a message is written
 * (and flushed, in SYNC_FLUSH), whether a slave holds everything up to
 * `nextOffset`. The HA service answers PUT_OK, FLUSH_SLAVE_TIMEOUT or
 * SLAVE_NOT_AVAILABLE. Without one, SYNC_MASTER puts answer SLAVE_NOT_AVAILABLE
 * as Java's does when no slave is connected.
 */
export interface ReplicaWaiter {
  waitForReplica(nextOffset: number, timeoutMs: number): Promise<PutMessageStatus>;
}

/**
 * Told the written end of the CommitLog after each write completes (once per
 * write, not per message; also for a slave's raw appends). HA wakes its
 * connections with it. Runs inside the store's write completion: keep it short.
 */
export type CommitLogWrittenListener = (writtenOffset: number) => void;

/**
 * Computes the ConsumeQueue tagsCode of a dispatched message. The default
 * (defaultTagsCode) is Java's: the TAGS hash, and for SCHEDULE_TOPIC_XXXX
 * messages with a DELAY level, the delivery time.
 */
export type TagsCodeCalculator = (message: {
  readonly topic: string;
  readonly sysFlag: number;
  readonly storeTimestamp: number;
  readonly tags: string | undefined;
  readonly delayLevel: string | undefined;
}) => number;

/** Result of queryMessage. */
export interface QueryMessageResult {
  /** Whole stored records, oldest first. */
  readonly messages: readonly Buffer[];
  readonly indexLastUpdateTimestamp: number;
  readonly indexLastUpdatePhyoffset: number;
  readonly bufferTotalSize: number;
}
