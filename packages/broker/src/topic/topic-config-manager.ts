/**
 * The broker's topic table (TopicConfigManager.java): the system topics every
 * broker has, topics loaded from topics.json, and the two ways a send creates
 * a topic on the fly. Changes bump the DataVersion the NameServer compares,
 * are written back to topics.json, and ask the broker to re-register.
 */
import { type Logger, silentLogger } from '@rocketmq-ts/common';
import {
  type DataVersion,
  type KVTable,
  type TopicConfig,
  type TopicConfigSerializeWrapper,
  MixAll,
  PermName,
  SystemTopic,
  isInherited,
  perm2String,
} from '@rocketmq-ts/protocol';
import type { BrokerConfigFiles, TopicConfig as StoredTopicConfig } from '@rocketmq-ts/store';
import type { BrokerConfig } from '../config.js';
import { CoalescingWriter, newDataVersion, nextVersion } from '../persist.js';

/** Queues of SCHEDULE_TOPIC_XXXX: one per delay level (ScheduleMessageService's 18). */
export const SCHEDULE_TOPIC_QUEUE_NUM = 18;

/** What `new TopicConfig(name)` holds in Java: 16 queues each way, read-write, SINGLE_TAG. */
export function newTopicConfig(topicName: string, queueNums = 16, perm: number = PermName.PERM_READ | PermName.PERM_WRITE): TopicConfig {
  return { topicName, readQueueNums: queueNums, writeQueueNums: queueNums, perm, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false };
}

/** TopicConfig.toString, which some remarks embed. */
export function topicConfigToString(tc: TopicConfig): string {
  return (
    `TopicConfig [topicName=${tc.topicName}, readQueueNums=${tc.readQueueNums}, writeQueueNums=${tc.writeQueueNums}, ` +
    `perm=${perm2String(tc.perm)}, topicFilterType=${tc.topicFilterType}, topicSysFlag=${tc.topicSysFlag}, order=${String(tc.order)}]`
  );
}

export interface TopicConfigManagerDeps {
  readonly config: BrokerConfig;
  readonly files: BrokerConfigFiles;
  readonly logger?: Logger;
  /** A topic was created by a send: the broker re-registers (Java's registerBrokerAll(false, true, true)). */
  readonly onTopicCreated?: (tc: TopicConfig) => void;
}

export class TopicConfigManager {
  /** Topic name -> config. Read it; change it through the methods so versions and files follow. */
  readonly table = new Map<string, TopicConfig>();
  readonly dataVersion: DataVersion = newDataVersion();
  /** The topics TopicValidator.addSystemTopic learned here (cluster and broker names among them). */
  readonly systemTopics = new Set<string>();
  private readonly config: BrokerConfig;
  private readonly files: BrokerConfigFiles;
  private readonly log: Logger;
  private readonly onTopicCreated: (tc: TopicConfig) => void;
  private readonly writer: CoalescingWriter;

  constructor(deps: TopicConfigManagerDeps) {
    this.config = deps.config;
    this.files = deps.files;
    this.log = (deps.logger ?? silentLogger).child({ component: 'topics' });
    this.onTopicCreated = deps.onTopicCreated ?? (() => undefined);
    this.writer = new CoalescingWriter('topics.json', () => this.files.saveTopics(this.toStored()), this.log);
    this.addSystemTopics();
  }

  private addSystem(tc: TopicConfig): void {
    this.systemTopics.add(tc.topicName);
    this.table.set(tc.topicName, tc);
  }

  /** The topics the Java constructor puts in the table before topics.json is read. */
  private addSystemTopics(): void {
    const c = this.config;
    this.addSystem(newTopicConfig(SystemTopic.RMQ_SYS_SELF_TEST_TOPIC, 1));
    if (c.autoCreateTopicEnable) {
      this.addSystem(newTopicConfig(SystemTopic.AUTO_CREATE_TOPIC_KEY_TOPIC, c.defaultTopicQueueNums, PermName.PERM_INHERIT | PermName.PERM_READ | PermName.PERM_WRITE));
    }
    this.addSystem(newTopicConfig(SystemTopic.RMQ_SYS_BENCHMARK_TOPIC, 1024));
    const clusterPerm = PermName.PERM_INHERIT | (c.clusterTopicEnable ? PermName.PERM_READ | PermName.PERM_WRITE : 0);
    this.addSystem(newTopicConfig(c.brokerClusterName, 16, clusterPerm));
    const brokerPerm = PermName.PERM_INHERIT | (c.brokerTopicEnable ? PermName.PERM_READ | PermName.PERM_WRITE : 0);
    this.addSystem(newTopicConfig(c.brokerName, 1, brokerPerm));
    this.addSystem(newTopicConfig(SystemTopic.RMQ_SYS_OFFSET_MOVED_EVENT, 1));
    this.addSystem(newTopicConfig(SystemTopic.RMQ_SYS_SCHEDULE_TOPIC, SCHEDULE_TOPIC_QUEUE_NUM));
    if (c.traceTopicEnable) this.addSystem(newTopicConfig(c.msgTraceTopicName, 1));
    this.addSystem(newTopicConfig(`${c.brokerClusterName}_${MixAll.REPLY_TOPIC_POSTFIX}`, 1));
  }

  /** Reads topics.json (or its .bak); its entries override the built-in ones, as Java's putAll does. */
  async load(): Promise<void> {
    const stored = await this.files.loadTopics();
    if (stored === undefined) return;
    for (const [name, tc] of Object.entries(stored.topicConfigTable)) this.table.set(name, { ...tc });
    this.dataVersion.timestamp = stored.dataVersion.timestamp;
    this.dataVersion.counter = stored.dataVersion.counter;
    this.log.info({ topics: Object.keys(stored.topicConfigTable).length }, 'topics loaded');
  }

  selectTopicConfig(topic: string): TopicConfig | undefined {
    return this.table.get(topic);
  }

  isOrderTopic(topic: string): boolean {
    return this.table.get(topic)?.order === true;
  }

  /**
   * A send to an unknown topic (createTopicInSendMessageMethod): the topic
   * is made from `defaultTopic` (TBW102) when that one exists and carries
   * PERM_INHERIT, with min(client queue count, default's write queues)
   * queues and the default's permissions minus INHERIT. Undefined when it
   * cannot be created (the sender gets TOPIC_NOT_EXIST).
   */
  createTopicInSendMessageMethod(
    topic: string,
    defaultTopic: string,
    remoteAddress: string,
    clientDefaultTopicQueueNums: number,
    topicSysFlag: number,
  ): TopicConfig | undefined {
    const existing = this.table.get(topic);
    if (existing !== undefined) return existing;
    const def = this.table.get(defaultTopic);
    if (def === undefined) {
      this.log.warn({ topic, defaultTopic, producer: remoteAddress }, 'Create new topic failed, because the default topic does not exist');
      return undefined;
    }
    if (defaultTopic === SystemTopic.AUTO_CREATE_TOPIC_KEY_TOPIC && !this.config.autoCreateTopicEnable) {
      // Java strips INHERIT from TBW102 here, so a TBW102 loaded from topics.json creates nothing.
      def.perm = PermName.PERM_READ | PermName.PERM_WRITE;
    }
    if (!isInherited(def.perm)) {
      this.log.warn({ topic, defaultTopic, perm: def.perm, producer: remoteAddress }, 'Create new topic failed, because the default topic has no inherit permission');
      return undefined;
    }
    const queueNums = Math.max(0, Math.min(clientDefaultTopicQueueNums, def.writeQueueNums));
    const tc: TopicConfig = {
      topicName: topic,
      readQueueNums: queueNums,
      writeQueueNums: queueNums,
      perm: def.perm & ~PermName.PERM_INHERIT,
      topicFilterType: def.topicFilterType,
      topicSysFlag,
      order: false,
    };
    this.log.info({ defaultTopic, producer: remoteAddress, topic: tc }, 'Create new topic by default topic');
    this.created(tc);
    return tc;
  }

  /** Retry and DLQ topics (createTopicInSendMessageBackMethod): created as asked, whatever TBW102 says. */
  createTopicInSendMessageBackMethod(topic: string, clientDefaultTopicQueueNums: number, perm: number, topicSysFlag: number): TopicConfig {
    const existing = this.table.get(topic);
    if (existing !== undefined) return existing;
    const tc: TopicConfig = { ...newTopicConfig(topic, clientDefaultTopicQueueNums, perm), topicSysFlag };
    this.log.info({ topic: tc }, 'create new topic');
    this.created(tc);
    return tc;
  }

  private created(tc: TopicConfig): void {
    this.table.set(tc.topicName, tc);
    nextVersion(this.dataVersion);
    void this.persist();
    this.onTopicCreated(tc);
  }

  /** Adds or replaces a topic (UPDATE_AND_CREATE_TOPIC); does not re-register by itself. */
  updateTopicConfig(tc: TopicConfig): void {
    const old = this.table.get(tc.topicName);
    this.table.set(tc.topicName, tc);
    this.log.info({ old, topic: tc }, old === undefined ? 'create new topic' : 'update topic config');
    nextVersion(this.dataVersion);
    void this.persist();
  }

  deleteTopicConfig(topic: string): boolean {
    if (!this.table.delete(topic)) return false;
    nextVersion(this.dataVersion);
    void this.persist();
    return true;
  }

  /** Marks the topics the NameServer's ORDER_TOPIC_CONFIG lists as ordered, the others not. */
  updateOrderTopicConfig(kv: KVTable | undefined): void {
    if (kv === undefined) return;
    let changed = false;
    for (const [topic, tc] of this.table) {
      const order = kv.table.has(topic);
      if (tc.order !== order) {
        tc.order = order;
        changed = true;
      }
    }
    if (changed) {
      nextVersion(this.dataVersion);
      void this.persist();
    }
  }

  /** What REGISTER_BROKER carries: every topic and the current version (copies, safe to hand out). */
  buildTopicConfigSerializeWrapper(): TopicConfigSerializeWrapper {
    return { topicConfigTable: new Map([...this.table].map(([k, v]) => [k, { ...v }])), dataVersion: { ...this.dataVersion } };
  }

  persist(): Promise<void> {
    return this.writer.request();
  }

  /** Waits for pending writes of topics.json. */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  private toStored(): { topicConfigTable: Record<string, StoredTopicConfig>; dataVersion: DataVersion } {
    const out: Record<string, StoredTopicConfig> = {};
    for (const [name, tc] of this.table) {
      out[name] = {
        topicName: tc.topicName,
        readQueueNums: tc.readQueueNums,
        writeQueueNums: tc.writeQueueNums,
        perm: tc.perm,
        topicFilterType: tc.topicFilterType === 'MULTI_TAG' ? 'MULTI_TAG' : 'SINGLE_TAG',
        topicSysFlag: tc.topicSysFlag,
        order: tc.order,
      };
    }
    return { topicConfigTable: out, dataVersion: { timestamp: this.dataVersion.timestamp, counter: this.dataVersion.counter } };
  }
}
