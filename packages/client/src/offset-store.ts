/**
 * Consume offsets: kept in memory while consuming and written out
 * periodically, to the broker in clustering mode (RemoteBrokerOffsetStore)
 * or to a local file in broadcasting mode (LocalFileOffsetStore).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errorMessage, isRmqError, silentLogger } from '@rocketmq-ts/common';
import type { Logger } from '@rocketmq-ts/common';
import { ResponseCode, decodeResetOffsetBody, encodeResetOffsetBody, messageQueueKey } from '@rocketmq-ts/protocol';
import type { MessageQueue } from '@rocketmq-ts/protocol';

/** Where readOffset looks (Java's ReadOffsetType). */
export type ReadOffsetType = 'READ_FROM_MEMORY' | 'READ_FROM_STORE' | 'MEMORY_FIRST_THEN_STORE';

export interface OffsetStore {
  load(): Promise<void>;
  /** Sets the in-memory offset; with increaseOnly, never moves it back. */
  updateOffset(mq: MessageQueue, offset: number, increaseOnly: boolean): void;
  /**
   * The offset, or -1 when there is none (a new group), or -2 when the store
   * could not be asked or answered with an error (the caller must not guess
   * a start offset: it retries later). Reading from the store also caches
   * the value in memory.
   */
  readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number>;
  /** Writes the offsets of `mqs` out, and forgets offsets of queues not in it. */
  persistAll(mqs: readonly MessageQueue[], sync?: boolean): Promise<void>;
  persist(mq: MessageQueue, sync?: boolean): Promise<void>;
  removeOffset(mq: MessageQueue): void;
  /** The in-memory offsets, of one topic or all. */
  cloneOffsetTable(topic?: string): Array<[MessageQueue, number]>;
}

class OffsetTable {
  readonly entries = new Map<string, { mq: MessageQueue; offset: number }>();

  update(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    const key = messageQueueKey(mq);
    const e = this.entries.get(key);
    if (e === undefined) this.entries.set(key, { mq, offset });
    else if (!increaseOnly || offset > e.offset) e.offset = offset;
  }

  get(mq: MessageQueue): number | undefined {
    return this.entries.get(messageQueueKey(mq))?.offset;
  }

  remove(mq: MessageQueue): void {
    this.entries.delete(messageQueueKey(mq));
  }

  clone(topic?: string): Array<[MessageQueue, number]> {
    const out: Array<[MessageQueue, number]> = [];
    for (const { mq, offset } of this.entries.values()) {
      if (topic === undefined || topic === '' || mq.topic === topic) out.push([mq, offset]);
    }
    return out;
  }
}

/** What the remote store needs from the client: the two broker calls. */
export interface BrokerOffsetApi {
  /** QUERY_CONSUMER_OFFSET; rejects with responseCode QUERY_NOT_FOUND when the broker has none, else with whatever went wrong. */
  queryConsumerOffset(group: string, mq: MessageQueue): Promise<number>;
  /** UPDATE_CONSUMER_OFFSET, oneway unless `sync`. */
  updateConsumerOffset(group: string, mq: MessageQueue, offset: number, sync: boolean): Promise<void>;
}

export class RemoteBrokerOffsetStore implements OffsetStore {
  private readonly table = new OffsetTable();
  private readonly log: Logger;

  constructor(
    private readonly api: BrokerOffsetApi,
    private readonly group: string,
    logger: Logger = silentLogger,
  ) {
    this.log = logger;
  }

  load(): Promise<void> {
    return Promise.resolve();
  }

  updateOffset(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    this.table.update(mq, offset, increaseOnly);
  }

  async readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number> {
    if (type !== 'READ_FROM_STORE') {
      const v = this.table.get(mq);
      if (v !== undefined) return v;
      if (type === 'READ_FROM_MEMORY') return -1;
    }
    try {
      const offset = await this.api.queryConsumerOffset(this.group, mq);
      this.table.update(mq, offset, false);
      return offset;
    } catch (err) {
      // Only QUERY_NOT_FOUND means "this group has no offset here" (the caller then applies
      // consumeFromWhere). Any other answer (SYSTEM_BUSY, SYSTEM_ERROR, a timeout...) says
      // nothing about the offset; taking it as "none" could start a queue at its max offset
      // and skip messages, so the queue waits for the next attempt instead.
      if (isRmqError(err) && err.responseCode === ResponseCode.QUERY_NOT_FOUND) return -1;
      this.log.warn({ mq, err: errorMessage(err) }, 'query consumer offset failed; the queue starts once the broker answers');
      return -2;
    }
  }

  async persistAll(mqs: readonly MessageQueue[], sync = false): Promise<void> {
    if (mqs.length === 0) return;
    const wanted = new Set(mqs.map(messageQueueKey));
    const jobs: Array<Promise<void>> = [];
    for (const [key, e] of [...this.table.entries]) {
      if (wanted.has(key)) jobs.push(this.send(e.mq, e.offset, sync));
      else this.table.entries.delete(key);
    }
    await Promise.all(jobs);
  }

  async persist(mq: MessageQueue, sync = false): Promise<void> {
    const v = this.table.get(mq);
    if (v !== undefined) await this.send(mq, v, sync);
  }

  removeOffset(mq: MessageQueue): void {
    this.table.remove(mq);
  }

  cloneOffsetTable(topic?: string): Array<[MessageQueue, number]> {
    return this.table.clone(topic);
  }

  private async send(mq: MessageQueue, offset: number, sync: boolean): Promise<void> {
    try {
      await this.api.updateConsumerOffset(this.group, mq, offset, sync);
    } catch (err) {
      this.log.warn({ mq, offset, err: errorMessage(err) }, 'update consumer offset failed');
    }
  }
}

/**
 * Offsets in `<dir>/<clientId>/<group>/offsets.json`, in the Java client's
 * format ({"offsetTable":{{"brokerName":..,"queueId":..,"topic":..}:offset}}),
 * so a Java consumer with the same client id can read it. Writes are atomic:
 * a temporary file is written and synced, the previous file is kept as
 * offsets.json.bak, then the temporary file is renamed over; reads fall back
 * to the .bak file when the main one is missing or unreadable.
 */
export class LocalFileOffsetStore implements OffsetStore {
  readonly storePath: string;
  private readonly table = new OffsetTable();
  private readonly log: Logger;
  private writing: Promise<void> = Promise.resolve();

  constructor(dir: string, clientId: string, group: string, logger: Logger = silentLogger) {
    this.storePath = path.join(dir, clientId, group, 'offsets.json');
    this.log = logger;
  }

  async load(): Promise<void> {
    const stored = await this.readLocal();
    for (const [mq, offset] of stored) this.table.update(mq, offset, false);
  }

  updateOffset(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    this.table.update(mq, offset, increaseOnly);
  }

  async readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number> {
    if (type !== 'READ_FROM_STORE') {
      const v = this.table.get(mq);
      if (v !== undefined) return v;
      if (type === 'READ_FROM_MEMORY') return -1;
    }
    const key = messageQueueKey(mq);
    for (const [m, offset] of await this.readLocal()) {
      if (messageQueueKey(m) === key) {
        this.table.update(mq, offset, false);
        return offset;
      }
    }
    return -1;
  }

  persistAll(mqs: readonly MessageQueue[]): Promise<void> {
    if (mqs.length === 0) return Promise.resolve();
    const wanted = new Set(mqs.map(messageQueueKey));
    return this.write((file) => {
      for (const { mq, offset } of this.table.entries.values()) {
        if (wanted.has(messageQueueKey(mq))) file.set(messageQueueKey(mq), [mq, offset]);
      }
    });
  }

  persist(mq: MessageQueue): Promise<void> {
    const v = this.table.get(mq);
    if (v === undefined) return Promise.resolve();
    return this.write((file) => {
      file.set(messageQueueKey(mq), [mq, v]);
    });
  }

  removeOffset(mq: MessageQueue): void {
    this.table.remove(mq);
  }

  cloneOffsetTable(topic?: string): Array<[MessageQueue, number]> {
    return this.table.clone(topic);
  }

  /** Read-modify-write of the file, one at a time so concurrent persists cannot lose each other's queues. */
  private write(change: (file: Map<string, [MessageQueue, number]>) => void): Promise<void> {
    const run = async (): Promise<void> => {
      const file = new Map<string, [MessageQueue, number]>();
      for (const e of await this.readLocal()) file.set(messageQueueKey(e[0]), e);
      change(file);
      try {
        await writeAtomically(this.storePath, encodeResetOffsetBody({ offsetTable: [...file.values()] }));
      } catch (err) {
        this.log.error({ path: this.storePath, err: errorMessage(err) }, 'persist consumer offsets failed');
        throw err;
      }
    };
    const next = this.writing.then(run, run);
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async readLocal(): Promise<Array<[MessageQueue, number]>> {
    for (const file of [this.storePath, `${this.storePath}.bak`]) {
      let text: Buffer;
      try {
        text = await fs.readFile(file);
      } catch {
        continue;
      }
      if (text.length === 0) continue;
      try {
        return decodeResetOffsetBody(text).offsetTable;
      } catch (err) {
        this.log.warn({ file, err: errorMessage(err) }, 'unreadable offset file; trying the backup');
      }
    }
    return [];
  }
}

/** Writes `data` to `file` so that a crash leaves either the old or the new content, plus a .bak of the old. */
export async function writeAtomically(file: string, data: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.copyFile(file, `${file}.bak`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.rename(tmp, file);
}
