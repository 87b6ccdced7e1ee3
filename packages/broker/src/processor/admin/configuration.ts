/**
 * The broker's Configuration (common/Configuration.java) for
 * UPDATE_BROKER_CONFIG and GET_BROKER_CONFIG: every config key with the
 * value it has now, a DataVersion bumped on each update, and the config
 * file rewritten with all of them after an update, as Java's
 * Configuration.update + persist do.
 *
 * An update is checked as a whole by the same parser a properties file goes
 * through (a bad value refuses the update, naming the key; Java silently
 * skips it). Keys the running broker reads on every use take effect at
 * once; the others (identity, ports, paths, file sizes, pools, timers) are
 * kept, shown and persisted, and take effect at the next start.
 */
import { readFile } from 'node:fs/promises';
import { type Logger, ErrorCode, RmqError, errorMessage } from '@rocketmq-ts/common';
import { type DataVersion, dataVersionJson, parseProperties, stringifyRmqJson } from '@rocketmq-ts/protocol';
import { ConfigFile } from '@rocketmq-ts/store';
import { type BrokerConfig, brokerConfigAliases, brokerConfigSchema, brokerIgnoredKeys, parseBrokerConfig } from '../../config.js';
import { newDataVersion, nextVersion } from '../../persist.js';

type Key = keyof BrokerConfig;
type Value = BrokerConfig[Key];

/** Broker keys read on every use: an update takes effect at once. */
export const BROKER_LIVE_KEYS: ReadonlySet<string> = new Set<Key>([
  'brokerPermission',
  'namesrvAddr',
  'autoCreateTopicEnable',
  'autoCreateSubscriptionGroup',
  'defaultTopicQueueNums',
  'longPollingEnable',
  'shortPollingTimeMills',
  'notifyConsumerIdsChangedEnable',
  'channelExpiredTimeout',
  'slaveReadEnable',
  'enablePropertyFilter',
  'filterSupportRetry',
  'rejectTransactionMessage',
  'registerBrokerTimeoutMills',
  'compressedRegister',
  'forceRegister',
  'autoDeleteUnusedStats',
  // Read by the transaction check on each round, by the send path on each timed send, by each reply.
  'transactionTimeOut',
  'transactionCheckMax',
  'transactionCheckInterval',
  'timerWheelEnable',
  'timerMaxDelaySec',
  'storeReplyMessageEnable',
]);

/** Store keys the store reads on every use: an update is handed to the running store at once. */
export const STORE_LIVE_KEYS: ReadonlySet<string> = new Set<Key>([
  'maxMessageSize',
  'deleteWhen',
  'fileReservedTime',
  'diskMaxUsedSpaceRatio',
  'cleanFileForciblyEnable',
  'maxTransferBytesOnMessageInMemory',
  'maxTransferCountOnMessageInMemory',
  'maxTransferBytesOnMessageInDisk',
  'maxTransferCountOnMessageInDisk',
  'osPageCacheBusyTimeOutMills',
  'syncFlushTimeout',
  'slaveTimeout',
]);

/** Keys no UPDATE_BROKER_CONFIG may set, whatever configBlackList says (AdminBrokerProcessor.initConfigBlackList). */
const ALWAYS_BLACK = ['brokerConfigPath', 'rocketmqHome', 'configBlackList'];

export interface ConfigUpdateResult {
  /** Keys now in effect. */
  readonly applied: readonly string[];
  /** Keys stored and persisted, in effect after a restart. */
  readonly atRestart: readonly string[];
  /** Keys this broker does not know (not stored, as Java's mergeIfExist skips them). */
  readonly unknown: readonly string[];
}

export interface BrokerConfigurationDeps {
  /** The running broker's config: live keys are written into it. */
  readonly config: BrokerConfig;
  /** The file to persist to (the -c file the broker was started with). */
  readonly configFile: string;
  readonly logger: Logger;
  /** Called after live keys changed, with their new values (the broker hands store keys to the store, NameServers to its client). */
  readonly onApplied?: (changed: ReadonlyMap<string, Value>) => void;
}

export class BrokerConfiguration {
  readonly dataVersion: DataVersion = newDataVersion();
  readonly configFile: string;
  /** Keys UPDATE_BROKER_CONFIG refuses. */
  readonly blackList: ReadonlySet<string>;
  /** What GET_BROKER_CONFIG shows and the file gets: the running values, with updates waiting for a restart. */
  private readonly values: Record<string, Value>;
  /** Keys of the original file this broker does not use (Java keys we ignore), kept when the file is rewritten. */
  private extras: Map<string, string> | undefined;
  private readonly file: ConfigFile;
  private readonly log: Logger;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: BrokerConfigurationDeps) {
    this.configFile = deps.configFile;
    this.file = new ConfigFile(deps.configFile);
    this.log = deps.logger.child({ component: 'configuration' });
    this.values = { ...deps.config };
    const black = new Set(ALWAYS_BLACK);
    for (const k of deps.config.configBlackList.split(';')) if (k.trim() !== '') black.add(k.trim());
    this.blackList = black;
  }

  /** True when the properties name a key in the black list. */
  touchesBlackList(props: ReadonlyMap<string, string>): boolean {
    for (const k of props.keys()) if (this.blackList.has(k)) return true;
    return false;
  }

  /** The value GET_BROKER_CONFIG reports for a key. */
  get(key: Key): Value {
    return this.values[key]!;
  }

  /** Keys updated but waiting for a restart. */
  pendingKeys(): string[] {
    return (Object.keys(this.values) as Key[]).filter((k) => this.values[k] !== this.deps.config[k]);
  }

  /**
   * Applies an UPDATE_BROKER_CONFIG. Throws RmqError(CONFIG) naming the key
   * when a value is invalid; nothing changes then.
   */
  async update(props: ReadonlyMap<string, string>): Promise<ConfigUpdateResult> {
    const updates = new Map<Key, string>();
    const unknown: string[] = [];
    const ignoredJava = new Map<string, string>();
    for (const [rawKey, v] of props) {
      const key = brokerConfigAliases[rawKey] ?? rawKey;
      if (Object.prototype.hasOwnProperty.call(brokerConfigSchema, key)) updates.set(key as Key, v);
      else if (brokerIgnoredKeys.includes(key)) ignoredJava.set(key, v);
      else unknown.push(rawKey);
    }
    // The whole configuration as it would be, through the file parser: types, ranges and cross-key rules.
    const layer: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.values)) layer[k] = String(v);
    for (const [k, v] of updates) layer[k] = v;
    const parsed = parseBrokerConfig([layer]).config;

    const applied: string[] = [];
    const atRestart: string[] = [];
    const live = new Map<string, Value>();
    for (const key of updates.keys()) {
      const value = parsed[key];
      this.values[key] = value as never;
      if (BROKER_LIVE_KEYS.has(key) || STORE_LIVE_KEYS.has(key)) {
        if (this.deps.config[key] !== value) {
          (this.deps.config as Record<string, Value>)[key] = value;
          live.set(key, value);
        }
        applied.push(key);
      } else {
        atRestart.push(key);
      }
    }
    if (ignoredJava.size > 0) {
      const extras = await this.loadExtras();
      for (const [k, v] of ignoredJava) extras.set(k, v);
    }
    nextVersion(this.dataVersion);
    if (live.size > 0) this.deps.onApplied?.(live);
    if (unknown.length > 0) this.log.warn({ keys: unknown }, 'UPDATE_BROKER_CONFIG: unknown keys ignored');
    if (atRestart.length > 0) this.log.info({ keys: atRestart }, 'UPDATE_BROKER_CONFIG: stored; these take effect after a restart');
    this.log.info({ applied, atRestart, ignored: [...ignoredJava.keys()] }, 'broker config updated');
    await this.persist();
    return { applied, atRestart, unknown };
  }

  /** GET_BROKER_CONFIG's body: `key=value` lines (MixAll.properties2String). */
  allConfigsText(): string {
    let out = '';
    for (const [k, v] of Object.entries(this.values)) out += `${k}=${String(v)}\n`;
    for (const [k, v] of this.extras ?? []) out += `${k}=${v}\n`;
    return out;
  }

  /** GET_BROKER_CONFIG's `version` header: the DataVersion as JSON. */
  dataVersionJson(): string {
    return stringifyRmqJson(dataVersionJson(this.dataVersion));
  }

  /** Rewrites the config file with every key (tmp file, .bak of the old one, rename), as MixAll.string2File. */
  persist(): Promise<void> {
    const run = this.writing.then(async () => {
      await this.loadExtras();
      await this.file.write(this.allConfigsText());
    });
    this.writing = run.catch(() => undefined);
    return run.catch((err: unknown) => {
      this.log.error({ file: this.configFile, err: errorMessage(err) }, 'persisting the broker config failed');
      throw new RmqError(ErrorCode.STORE, `cannot write ${this.configFile}: ${errorMessage(err)}`, { cause: err });
    });
  }

  /** The original file's keys this broker ignores (Java registers the whole file, so Java writes them back). */
  private async loadExtras(): Promise<Map<string, string>> {
    if (this.extras !== undefined) return this.extras;
    const extras = new Map<string, string>();
    try {
      const props = parseProperties(await readFile(this.configFile));
      for (const [k, v] of props) {
        if (!Object.prototype.hasOwnProperty.call(brokerConfigSchema, k) && brokerConfigAliases[k] === undefined) extras.set(k, v);
      }
    } catch {
      // No file yet: nothing to keep.
    }
    this.extras = extras;
    return extras;
  }
}
