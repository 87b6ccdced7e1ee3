/**
 * The broker's JSON files under <storePathRootDir>/config/ and the atomic
 * write they need (ConfigManager + MixAll.string2File in Java).
 *
 * write: the new content goes to <name>.tmp and is fsynced; the current file
 * is renamed to <name>.bak (the previous version, as Java keeps it); the tmp
 * file is renamed into place; the directory is fsynced. A crash at any point
 * leaves either the new file, or no file and the previous version in .bak.
 * load: the file, or <name>.bak when the file is missing, empty or does not
 * parse.
 *
 * The shapes are those Java's broker writes (fastjson): topics.json and
 * subscriptionGroup.json with a dataVersion, consumerOffset.json's
 * offsetTable {"topic@group":{0:12,1:34}} and delayOffset.json's
 * {"offsetTable":{1:0,2:5}} with unquoted numeric keys. Both key forms parse.
 */
import { dirname, join } from 'node:path';
import type { Logger } from '@rocketmq-ts/common';
import { ErrorCode, RmqError, errorMessage, silentLogger } from '@rocketmq-ts/common';
import { type JsonValue, type SubscriptionGroupConfig, parseRmqJson, stringifyRmqJson } from '@rocketmq-ts/protocol';
import { type StoreFs, nodeStoreFs, writeFully } from './fs.js';
import { storePaths } from './paths.js';

export class ConfigFile {
  constructor(
    readonly path: string,
    private readonly fs: StoreFs = nodeStoreFs,
    private readonly log: Logger = silentLogger,
  ) {}

  /** Replaces the file atomically, keeping the previous version as .bak. */
  async write(content: string): Promise<void> {
    const dir = dirname(this.path);
    await this.fs.mkdir(dir);
    const tmp = `${this.path}.tmp`;
    const data = Buffer.from(content, 'utf8');
    const f = await this.fs.open(tmp, 'w+');
    try {
      await writeFully(f, data, 0, data.length, 0);
      await f.sync();
    } finally {
      await f.close();
    }
    if ((await this.fs.stat(this.path)) !== undefined) await this.fs.rename(this.path, `${this.path}.bak`);
    await this.fs.rename(tmp, this.path);
    await this.fs.syncDir(dir);
  }

  /**
   * Reads and parses the file, falling back to .bak. Undefined when neither
   * exists (a first start). Throws RmqError(STORE) when a file exists but
   * neither it nor .bak parses.
   */
  async load<T>(parse: (text: string) => T): Promise<{ value: T; source: 'file' | 'bak' } | undefined> {
    let firstError: unknown;
    for (const [p, source] of [
      [this.path, 'file'],
      [`${this.path}.bak`, 'bak'],
    ] as const) {
      const buf = await this.fs.readFile(p);
      if (buf === undefined) continue;
      const text = buf.toString('utf8');
      if (text.trim().length === 0) {
        this.log.warn({ path: p }, 'config file is empty');
        continue;
      }
      try {
        const value = parse(text);
        if (source === 'bak') this.log.warn({ path: this.path }, 'config file missing or unreadable; loaded the .bak copy');
        return { value, source };
      } catch (err) {
        firstError ??= err;
        this.log.error({ path: p, err: errorMessage(err) }, 'config file does not parse');
      }
    }
    if (firstError !== undefined) {
      throw new RmqError(ErrorCode.STORE, `${this.path}: neither the file nor its .bak parses: ${errorMessage(firstError)}`, { cause: firstError });
    }
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Shapes

export interface DataVersion {
  timestamp: number;
  counter: number;
}

/** TopicConfig.java (fastjson field names). */
export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  /** PermName bits: 4 read, 2 write, 1 inherit. */
  perm: number;
  topicFilterType: 'SINGLE_TAG' | 'MULTI_TAG';
  topicSysFlag: number;
  order: boolean;
}

export interface TopicConfigTable {
  topicConfigTable: Record<string, TopicConfig>;
  dataVersion: DataVersion;
}

export interface SubscriptionGroupTable {
  subscriptionGroupTable: Record<string, SubscriptionGroupConfig>;
  dataVersion: DataVersion;
}

/** consumerOffset.json: "topic@group" -> queueId -> offset. */
export interface ConsumerOffsetTable {
  offsetTable: Map<string, Map<number, number>>;
}

/** delayOffset.json: delay level -> offset in its SCHEDULE_TOPIC_XXXX queue. */
export interface DelayOffsetTable {
  offsetTable: Map<number, number>;
}

function bad(file: string, why: string): never {
  throw new RmqError(ErrorCode.PROTOCOL, `${file}: ${why}`);
}

function obj(v: JsonValue | undefined, file: string, what: string): { [k: string]: JsonValue } {
  if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v) || v instanceof Map) bad(file, `${what} is not an object`);
  return v;
}

function num(v: JsonValue | undefined, file: string, what: string, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return bad(file, `${what} is not a number`);
}

function bool(v: JsonValue | undefined, file: string, what: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  return bad(file, `${what} is not a boolean`);
}

function str(v: JsonValue | undefined, file: string, what: string): string {
  if (typeof v === 'string') return v;
  return bad(file, `${what} is not a string`);
}

function dataVersion(v: JsonValue | undefined, file: string): DataVersion {
  if (v === undefined) return { timestamp: Date.now(), counter: 0 };
  const o = obj(v, file, 'dataVersion');
  return { timestamp: num(o['timestamp'], file, 'dataVersion.timestamp', 0), counter: num(o['counter'], file, 'dataVersion.counter', 0) };
}

export function parseTopicConfigTable(text: string): TopicConfigTable {
  const file = 'topics.json';
  const root = obj(parseRmqJson(text), file, 'root');
  const table: Record<string, TopicConfig> = {};
  const t = root['topicConfigTable'] === undefined ? {} : obj(root['topicConfigTable'], file, 'topicConfigTable');
  for (const [name, raw] of Object.entries(t)) {
    const c = obj(raw, file, `topic ${name}`);
    const filter = c['topicFilterType'] ?? 'SINGLE_TAG';
    if (filter !== 'SINGLE_TAG' && filter !== 'MULTI_TAG') bad(file, `topic ${name}: topicFilterType ${JSON.stringify(filter)}`);
    table[name] = {
      topicName: c['topicName'] === undefined ? name : str(c['topicName'], file, `topic ${name}.topicName`),
      readQueueNums: num(c['readQueueNums'], file, `topic ${name}.readQueueNums`, 16),
      writeQueueNums: num(c['writeQueueNums'], file, `topic ${name}.writeQueueNums`, 16),
      perm: num(c['perm'], file, `topic ${name}.perm`, 6),
      topicFilterType: filter,
      topicSysFlag: num(c['topicSysFlag'], file, `topic ${name}.topicSysFlag`, 0),
      order: bool(c['order'], file, `topic ${name}.order`, false),
    };
  }
  return { topicConfigTable: table, dataVersion: dataVersion(root['dataVersion'], file) };
}

/** fastjson writes fields in alphabetical order; so does this. */
function sorted<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = (o as Record<string, unknown>)[k];
  return out as T;
}

export function stringifyTopicConfigTable(t: TopicConfigTable): string {
  const table: Record<string, unknown> = {};
  for (const name of Object.keys(t.topicConfigTable).sort()) table[name] = sorted(t.topicConfigTable[name] as TopicConfig);
  return stringifyRmqJson({ dataVersion: sorted(t.dataVersion), topicConfigTable: table });
}

export function parseSubscriptionGroupTable(text: string): SubscriptionGroupTable {
  const file = 'subscriptionGroup.json';
  const root = obj(parseRmqJson(text), file, 'root');
  const table: Record<string, SubscriptionGroupConfig> = {};
  const t = root['subscriptionGroupTable'] === undefined ? {} : obj(root['subscriptionGroupTable'], file, 'subscriptionGroupTable');
  for (const [name, raw] of Object.entries(t)) {
    const c = obj(raw, file, `group ${name}`);
    const w = (k: string): string => `group ${name}.${k}`;
    table[name] = {
      groupName: c['groupName'] === undefined ? name : str(c['groupName'], file, w('groupName')),
      consumeEnable: bool(c['consumeEnable'], file, w('consumeEnable'), true),
      consumeFromMinEnable: bool(c['consumeFromMinEnable'], file, w('consumeFromMinEnable'), true),
      consumeBroadcastEnable: bool(c['consumeBroadcastEnable'], file, w('consumeBroadcastEnable'), true),
      retryQueueNums: num(c['retryQueueNums'], file, w('retryQueueNums'), 1),
      retryMaxTimes: num(c['retryMaxTimes'], file, w('retryMaxTimes'), 16),
      brokerId: num(c['brokerId'], file, w('brokerId'), 0),
      whichBrokerWhenConsumeSlowly: num(c['whichBrokerWhenConsumeSlowly'], file, w('whichBrokerWhenConsumeSlowly'), 1),
      notifyConsumerIdsChangedEnable: bool(c['notifyConsumerIdsChangedEnable'], file, w('notifyConsumerIdsChangedEnable'), true),
    };
  }
  return { subscriptionGroupTable: table, dataVersion: dataVersion(root['dataVersion'], file) };
}

export function stringifySubscriptionGroupTable(t: SubscriptionGroupTable): string {
  const table: Record<string, unknown> = {};
  for (const name of Object.keys(t.subscriptionGroupTable).sort()) table[name] = sorted(t.subscriptionGroupTable[name] as SubscriptionGroupConfig);
  return stringifyRmqJson({ dataVersion: sorted(t.dataVersion), subscriptionGroupTable: table });
}

function numericKeyMap(v: JsonValue | undefined, file: string, what: string): Map<number, number> {
  const out = new Map<number, number>();
  if (v === undefined) return out;
  const entries: Array<[JsonValue, JsonValue]> = v instanceof Map ? [...v] : Object.entries(obj(v, file, what));
  for (const [k, val] of entries) {
    const key = typeof k === 'number' ? k : typeof k === 'string' && /^-?\d+$/.test(k) ? Number(k) : bad(file, `${what}: key ${JSON.stringify(k)} is not a number`);
    out.set(key, num(val, file, `${what}[${key}]`));
  }
  return out;
}

export function parseConsumerOffsetTable(text: string): ConsumerOffsetTable {
  const file = 'consumerOffset.json';
  const root = obj(parseRmqJson(text), file, 'root');
  const offsetTable = new Map<string, Map<number, number>>();
  const t = root['offsetTable'] === undefined ? {} : obj(root['offsetTable'], file, 'offsetTable');
  for (const [key, raw] of Object.entries(t)) offsetTable.set(key, numericKeyMap(raw, file, `offsetTable[${key}]`));
  return { offsetTable };
}

export function stringifyConsumerOffsetTable(t: ConsumerOffsetTable): string {
  // Maps make stringifyRmqJson write the numeric keys unquoted, as fastjson does.
  const table: Record<string, Map<number, number>> = {};
  for (const [k, m] of t.offsetTable) table[k] = new Map([...m].sort((a, b) => a[0] - b[0]));
  return stringifyRmqJson({ offsetTable: table });
}

export function parseDelayOffsetTable(text: string): DelayOffsetTable {
  const file = 'delayOffset.json';
  const root = obj(parseRmqJson(text), file, 'root');
  return { offsetTable: numericKeyMap(root['offsetTable'], file, 'offsetTable') };
}

export function stringifyDelayOffsetTable(t: DelayOffsetTable): string {
  return stringifyRmqJson({ offsetTable: new Map([...t.offsetTable].sort((a, b) => a[0] - b[0])) });
}

/** Typed load and save of the four files under <storePathRootDir>/config/. */
export class BrokerConfigFiles {
  readonly dir: string;
  readonly topics: ConfigFile;
  readonly subscriptionGroups: ConfigFile;
  readonly consumerOffsets: ConfigFile;
  readonly delayOffsets: ConfigFile;

  constructor(storePathRootDir: string, fs: StoreFs = nodeStoreFs, log: Logger = silentLogger) {
    this.dir = storePaths.config(storePathRootDir);
    this.topics = new ConfigFile(join(this.dir, 'topics.json'), fs, log);
    this.subscriptionGroups = new ConfigFile(join(this.dir, 'subscriptionGroup.json'), fs, log);
    this.consumerOffsets = new ConfigFile(join(this.dir, 'consumerOffset.json'), fs, log);
    this.delayOffsets = new ConfigFile(join(this.dir, 'delayOffset.json'), fs, log);
  }

  async loadTopics(): Promise<TopicConfigTable | undefined> {
    return (await this.topics.load(parseTopicConfigTable))?.value;
  }

  saveTopics(t: TopicConfigTable): Promise<void> {
    return this.topics.write(stringifyTopicConfigTable(t));
  }

  async loadSubscriptionGroups(): Promise<SubscriptionGroupTable | undefined> {
    return (await this.subscriptionGroups.load(parseSubscriptionGroupTable))?.value;
  }

  saveSubscriptionGroups(t: SubscriptionGroupTable): Promise<void> {
    return this.subscriptionGroups.write(stringifySubscriptionGroupTable(t));
  }

  async loadConsumerOffsets(): Promise<ConsumerOffsetTable | undefined> {
    return (await this.consumerOffsets.load(parseConsumerOffsetTable))?.value;
  }

  saveConsumerOffsets(t: ConsumerOffsetTable): Promise<void> {
    return this.consumerOffsets.write(stringifyConsumerOffsetTable(t));
  }

  async loadDelayOffsets(): Promise<DelayOffsetTable | undefined> {
    return (await this.delayOffsets.load(parseDelayOffsetTable))?.value;
  }

  saveDelayOffsets(t: DelayOffsetTable): Promise<void> {
    return this.delayOffsets.write(stringifyDelayOffsetTable(t));
  }
}
