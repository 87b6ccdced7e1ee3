/**
 * The NameServer's KV config: namespace -> key -> value, persisted to
 * kvConfig.json in Java's shape, {"configTable":{"ns":{"k":"v"}}}.
 *
 * Java rewrites the file synchronously on every put and delete. We write
 * asynchronously but answer a put or delete only once a write that includes
 * it has reached the disk; writes never overlap, and changes made while one
 * is running share the next.
 */
import { ErrorCode, type Logger, RmqError, errorMessage, silentLogger } from '@rocketmq-ts/common';
import { type JsonValue, parseRmqJson, stringifyRmqJson } from '@rocketmq-ts/protocol';
import { readFileIfExists, writeFileAtomic } from './files.js';

/** NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG: topic -> "brokerName:queueNums;..." for order topics. */
export const NAMESPACE_ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';

function parseKvFile(text: string, path: string): Map<string, Map<string, string>> {
  let doc: JsonValue;
  try {
    doc = parseRmqJson(text);
  } catch (err) {
    throw new RmqError(ErrorCode.STORE, `${path} is not valid JSON: ${errorMessage(err)}`, { cause: err });
  }
  const table = new Map<string, Map<string, string>>();
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || doc instanceof Map) {
    throw new RmqError(ErrorCode.STORE, `${path} does not hold an object`);
  }
  const configTable = doc['configTable'];
  if (configTable === undefined || configTable === null) return table;
  if (typeof configTable !== 'object' || Array.isArray(configTable) || configTable instanceof Map) {
    throw new RmqError(ErrorCode.STORE, `${path}: configTable is not an object`);
  }
  for (const [ns, kvs] of Object.entries(configTable)) {
    if (typeof kvs !== 'object' || kvs === null || Array.isArray(kvs) || kvs instanceof Map) {
      throw new RmqError(ErrorCode.STORE, `${path}: configTable.${ns} is not an object`);
    }
    const m = new Map<string, string>();
    for (const [k, v] of Object.entries(kvs)) {
      if (v !== null) m.set(k, typeof v === 'string' ? v : stringifyRmqJson(v));
    }
    table.set(ns, m);
  }
  return table;
}

export class KVConfigStore {
  private table = new Map<string, Map<string, string>>();
  private readonly pathOf: () => string;
  private readonly log: Logger;
  private lastWrite: Promise<void> = Promise.resolve();
  private pendingWrite: Promise<void> | undefined;
  private changes = 0;
  /** The file may not hold the table: a change not yet written, a failed write, or a table loaded from the backup. */
  private unsaved = false;

  /** `path` is read at each write, so a changed kvConfigPath takes effect (as in Java). */
  constructor(path: () => string, logger: Logger = silentLogger) {
    this.pathOf = path;
    this.log = logger;
  }

  /** Counts changes to the ORDER_TOPIC_CONFIG namespace, which routes show. */
  get orderTopicVersion(): number {
    return this.changes;
  }

  /**
   * Reads the file; a missing file is an empty table. A file that cannot be
   * read falls back to `<file>.bak` with a warning; if that fails too the
   * NameServer must not start (it would overwrite the file with nothing).
   */
  async load(): Promise<void> {
    const path = this.pathOf();
    let text: string | undefined;
    try {
      text = await readFileIfExists(path);
      if (text === undefined) {
        this.log.info({ path }, 'no KV config file yet');
        return;
      }
      this.table = parseKvFile(text, path);
    } catch (err) {
      const bak = `${path}.bak`;
      const backup = await readFileIfExists(bak).catch(() => undefined);
      if (backup === undefined) {
        throw new RmqError(ErrorCode.STORE, `cannot load KV config ${path}: ${errorMessage(err)}`, { cause: err });
      }
      this.table = parseKvFile(backup, bak);
      this.unsaved = true;
      this.log.warn({ path, err: errorMessage(err), backup: bak }, 'KV config unreadable; loaded its backup');
    }
    this.log.info({ path, namespaces: this.table.size }, 'KV config loaded');
  }

  get(namespace: string, key: string): string | undefined {
    return this.table.get(namespace)?.get(key);
  }

  /** The namespace's entries, or undefined when it never existed (an emptied namespace stays, as in Java). */
  list(namespace: string): ReadonlyMap<string, string> | undefined {
    return this.table.get(namespace);
  }

  put(namespace: string, key: string, value: string): void {
    let kvs = this.table.get(namespace);
    if (kvs === undefined) {
      kvs = new Map();
      this.table.set(namespace, kvs);
      this.log.info({ namespace }, 'KV namespace created');
    }
    const prev = kvs.get(key);
    kvs.set(key, value);
    this.unsaved = true;
    if (namespace === NAMESPACE_ORDER_TOPIC_CONFIG && prev !== value) this.changes++;
    this.log.info({ namespace, key, value, update: prev !== undefined }, 'KV config put');
  }

  delete(namespace: string, key: string): void {
    const kvs = this.table.get(namespace);
    if (kvs === undefined) return;
    const had = kvs.delete(key);
    this.unsaved = true;
    if (had && namespace === NAMESPACE_ORDER_TOPIC_CONFIG) this.changes++;
    if (had) this.log.info({ namespace, key }, 'KV config deleted');
  }

  /** The file content for the current table. */
  serialize(): string {
    const configTable = new Map<string, Map<string, string>>();
    for (const [ns, kvs] of this.table) configTable.set(ns, kvs);
    return stringifyRmqJson({ configTable });
  }

  /**
   * Writes the table; resolves once a write that started after this call
   * (so includes every change made before it) has finished.
   */
  persist(): Promise<void> {
    if (this.pendingWrite !== undefined) return this.pendingWrite;
    const write = this.lastWrite.then(() => {
      this.pendingWrite = undefined;
      const path = this.pathOf();
      this.unsaved = false;
      return writeFileAtomic(path, this.serialize()).catch((err: unknown) => {
        this.unsaved = true;
        this.log.error({ path, err: errorMessage(err) }, 'persisting KV config failed');
        throw new RmqError(ErrorCode.STORE, `cannot write KV config ${path}: ${errorMessage(err)}`, { cause: err });
      });
    });
    this.pendingWrite = write;
    this.lastWrite = write.catch(() => undefined);
    return write;
  }

  /** True when the file may differ from the table (see `persist`). */
  get hasUnsavedChanges(): boolean {
    return this.unsaved;
  }

  /** Resolves when no write is running or queued. */
  async idle(): Promise<void> {
    for (;;) {
      const last = this.lastWrite;
      await last;
      if (last === this.lastWrite) return;
    }
  }
}
