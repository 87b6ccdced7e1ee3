/**
 * The NameServer's route table: which brokers exist, which topics they
 * serve, and when each broker last spoke. The rules follow Java 4.9's
 * RouteInfoManager; comments mark where and why we differ.
 *
 * Node runs this on one thread, so there are no locks: every method runs to
 * completion before a request or timer can see the tables.
 */
import { type Logger, silentLogger } from '@rocketmq-ts/common';
import {
  type BrokerData,
  type ClusterInfo,
  type DataVersion,
  type QueueData,
  type TopicConfig,
  type TopicConfigSerializeWrapper,
  type TopicList,
  MixAll,
  PermName,
  TopicSysFlag,
  javaHashMapOrder,
} from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';

/** One broker name (a master and its slaves) and the address of each broker id. */
interface BrokerGroup {
  /** The cluster it first registered with; as in Java, a later registration under another cluster does not move it. */
  readonly cluster: string;
  readonly brokerName: string;
  /** brokerId (0 = master) -> "ip:port". Kept whole so a later failover can promote a slave by id. */
  readonly addrs: Map<number, string>;
}

/** What the NameServer knows about one broker process, keyed by its address. */
export interface BrokerLiveInfo {
  /** When it last registered (or sent an unchanged QUERY_DATA_VERSION), ms since the epoch. */
  lastUpdateTimestamp: number;
  /** How long it may stay silent. */
  readonly heartbeatTimeoutMs: number;
  /** The topic config version it last registered. */
  readonly dataVersion: DataVersion;
  /** The connection it registered on; closing it drops the broker. */
  readonly channel: Channel | undefined;
  readonly haServerAddr: string;
}

export interface RegisterBrokerInput {
  readonly clusterName: string;
  readonly brokerAddr: string;
  readonly brokerName: string;
  readonly brokerId: number;
  readonly haServerAddr: string;
  readonly topicConfigWrapper: TopicConfigSerializeWrapper;
  /** undefined leaves the broker's filter servers as they are (pre-3.0.11 brokers send none). */
  readonly filterServerList: readonly string[] | undefined;
  readonly channel: Channel | undefined;
  readonly heartbeatTimeoutMs: number;
}

/** For a slave: where its master is, once the master has registered. */
export interface RegisterBrokerOutcome {
  haServerAddr?: string;
  masterAddr?: string;
}

/** A broker's view for tooling and tests. */
export interface BrokerLiveSnapshot {
  readonly brokerAddr: string;
  readonly lastUpdateTimestamp: number;
  readonly heartbeatTimeoutMs: number;
  readonly dataVersion: DataVersion;
  readonly haServerAddr: string;
}

function sameDataVersion(a: DataVersion, b: DataVersion): boolean {
  return a.timestamp === b.timestamp && a.counter === b.counter && (a.stateVersion ?? 0) === (b.stateVersion ?? 0);
}

function sameQueueData(a: QueueData, b: QueueData): boolean {
  return (
    a.brokerName === b.brokerName &&
    a.readQueueNums === b.readQueueNums &&
    a.writeQueueNums === b.writeQueueNums &&
    a.perm === b.perm &&
    a.topicSysFlag === b.topicSysFlag
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class RouteTable {
  /** topic -> brokerName -> queue data. */
  private readonly topicQueueTable = new Map<string, Map<string, QueueData>>();
  /** brokerName -> master and slaves. */
  private readonly brokerAddrTable = new Map<string, BrokerGroup>();
  /** clusterName -> brokerNames. */
  private readonly clusterAddrTable = new Map<string, Set<string>>();
  /** brokerAddr -> liveness. */
  private readonly brokerLiveTable = new Map<string, BrokerLiveInfo>();
  /** brokerAddr -> filter server addresses. */
  private readonly filterServerTable = new Map<string, string[]>();
  private readonly log: Logger;
  private readonly now: () => number;
  private changes = 0;

  constructor(logger: Logger = silentLogger, now: () => number = Date.now) {
    this.log = logger;
    this.now = now;
  }

  /**
   * Counts changes to anything a route, cluster or topic-list answer shows.
   * A broker re-registering with nothing new does not count, so cached
   * answers survive the steady 30-second heartbeats.
   */
  get version(): number {
    return this.changes;
  }

  private changed(): void {
    this.changes++;
  }

  // ---------------------------------------------------------------------------
  // Brokers

  registerBroker(r: RegisterBrokerInput): RegisterBrokerOutcome {
    let names = this.clusterAddrTable.get(r.clusterName);
    if (names === undefined) {
      names = new Set();
      this.clusterAddrTable.set(r.clusterName, names);
    }
    if (!names.has(r.brokerName)) {
      names.add(r.brokerName);
      this.changed();
    }

    let group = this.brokerAddrTable.get(r.brokerName);
    let registerFirst = false;
    if (group === undefined) {
      registerFirst = true;
      group = { cluster: r.clusterName, brokerName: r.brokerName, addrs: new Map() };
      this.brokerAddrTable.set(r.brokerName, group);
      this.changed();
    }
    // One address holds one id: a broker that changed role (a slave promoted
    // to master) re-registers under its new id and its old entry goes.
    for (const [id, addr] of group.addrs) {
      if (addr === r.brokerAddr && id !== r.brokerId) {
        group.addrs.delete(id);
        this.changed();
      }
    }
    const oldAddr = group.addrs.get(r.brokerId);
    if (oldAddr !== r.brokerAddr) {
      group.addrs.set(r.brokerId, r.brokerAddr);
      this.changed();
      if (r.brokerId === MixAll.MASTER_ID) {
        this.log.info({ cluster: group.cluster, brokerName: r.brokerName, from: oldAddr, to: r.brokerAddr }, 'master address changed');
      }
    }
    registerFirst ||= oldAddr === undefined;

    // Only a master's topic config makes routes, and only when it changed.
    if (r.brokerId === MixAll.MASTER_ID && (registerFirst || this.isBrokerTopicConfigChanged(r.brokerAddr, r.topicConfigWrapper.dataVersion))) {
      for (const tc of r.topicConfigWrapper.topicConfigTable.values()) this.createAndUpdateQueueData(r.brokerName, tc);
    }

    const prev = this.brokerLiveTable.get(r.brokerAddr);
    this.brokerLiveTable.set(r.brokerAddr, {
      lastUpdateTimestamp: this.now(),
      heartbeatTimeoutMs: r.heartbeatTimeoutMs,
      dataVersion: { ...r.topicConfigWrapper.dataVersion },
      channel: r.channel,
      haServerAddr: r.haServerAddr,
    });
    if (prev === undefined) {
      this.log.info(
        { cluster: r.clusterName, brokerName: r.brokerName, brokerId: r.brokerId, brokerAddr: r.brokerAddr, haServerAddr: r.haServerAddr },
        'new broker registered',
      );
    }

    if (r.filterServerList !== undefined) {
      const before = this.filterServerTable.get(r.brokerAddr);
      if (r.filterServerList.length === 0) {
        if (this.filterServerTable.delete(r.brokerAddr)) this.changed();
      } else if (before === undefined || !sameList(before, r.filterServerList)) {
        this.filterServerTable.set(r.brokerAddr, [...r.filterServerList]);
        this.changed();
      }
    }

    const result: RegisterBrokerOutcome = {};
    if (r.brokerId !== MixAll.MASTER_ID) {
      const masterAddr = group.addrs.get(MixAll.MASTER_ID);
      const master = masterAddr === undefined ? undefined : this.brokerLiveTable.get(masterAddr);
      if (masterAddr !== undefined && master !== undefined) {
        result.haServerAddr = master.haServerAddr;
        result.masterAddr = masterAddr;
      }
    }
    return result;
  }

  private createAndUpdateQueueData(brokerName: string, tc: TopicConfig): void {
    const qd: QueueData = {
      brokerName,
      readQueueNums: tc.readQueueNums,
      writeQueueNums: tc.writeQueueNums,
      perm: tc.perm,
      topicSysFlag: tc.topicSysFlag,
    };
    let queues = this.topicQueueTable.get(tc.topicName);
    if (queues === undefined) {
      queues = new Map();
      this.topicQueueTable.set(tc.topicName, queues);
      this.log.info({ topic: tc.topicName, queueData: qd }, 'new topic registered');
    }
    const old = queues.get(brokerName);
    if (old === undefined || !sameQueueData(old, qd)) {
      queues.set(brokerName, qd);
      this.changed();
      if (old !== undefined) this.log.info({ topic: tc.topicName, old, now: qd }, 'topic changed');
    }
  }

  /** True when the broker at `brokerAddr` is unknown or last registered another version. */
  isBrokerTopicConfigChanged(brokerAddr: string, dataVersion: DataVersion): boolean {
    const prev = this.brokerLiveTable.get(brokerAddr);
    return prev === undefined || !sameDataVersion(prev.dataVersion, dataVersion);
  }

  /** The topic config version the broker last registered, if it is known. */
  queryBrokerTopicConfig(brokerAddr: string): DataVersion | undefined {
    const live = this.brokerLiveTable.get(brokerAddr);
    return live === undefined ? undefined : { ...live.dataVersion };
  }

  /** Counts as hearing from the broker (an unchanged QUERY_DATA_VERSION). */
  updateBrokerInfoUpdateTimestamp(brokerAddr: string, timestamp: number = this.now()): void {
    const live = this.brokerLiveTable.get(brokerAddr);
    if (live !== undefined) live.lastUpdateTimestamp = timestamp;
  }

  /**
   * UNREGISTER_BROKER. As in Java the address entry goes by brokerId, and the
   * broker name (with its queue data) only when no id is left.
   */
  unregisterBroker(clusterName: string, brokerAddr: string, brokerName: string, brokerId: number): void {
    const live = this.brokerLiveTable.delete(brokerAddr);
    if (this.filterServerTable.delete(brokerAddr)) this.changed();
    this.log.info({ brokerAddr, brokerName, brokerId, wasLive: live }, 'unregister broker');
    const group = this.brokerAddrTable.get(brokerName);
    if (group === undefined) return;
    if (group.addrs.delete(brokerId)) this.changed();
    if (group.addrs.size > 0) return;
    this.brokerAddrTable.delete(brokerName);
    this.changed();
    const names = this.clusterAddrTable.get(clusterName);
    if (names !== undefined) {
      names.delete(brokerName);
      if (names.size === 0) this.clusterAddrTable.delete(clusterName);
    }
    this.removeTopicsOfBroker(brokerName);
  }

  /**
   * A connection closed (or went idle, or failed): every broker that
   * registered on it is dropped. With none, Java falls back to treating the
   * peer address as a broker address; so do we.
   *
   * Java drops only the first broker it finds on the channel; we drop all of
   * them, since none of them can be reached on it any more.
   */
  onChannelDestroy(remoteAddr: string, channel: Channel | undefined): string[] {
    const found: string[] = [];
    if (channel !== undefined) {
      for (const [addr, live] of this.brokerLiveTable) if (live.channel === channel) found.push(addr);
    }
    // An ordinary client connection: this only finds something when a broker
    // is registered under the connection's own peer address.
    if (found.length === 0 && remoteAddr.length > 0) found.push(remoteAddr);
    const removed: string[] = [];
    for (const addr of found) {
      if (this.removeBrokerAddr(addr)) {
        removed.push(addr);
        this.log.info({ brokerAddr: addr }, "the broker's channel was destroyed; its routes are removed");
      }
    }
    return removed;
  }

  /**
   * Drops brokers silent for longer than their timeout and returns them, so
   * the caller can close their connections (as Java's scanNotActiveBroker).
   */
  scanNotActiveBrokers(now: number = this.now()): Array<{ brokerAddr: string; channel: Channel | undefined }> {
    const expired: Array<{ brokerAddr: string; channel: Channel | undefined }> = [];
    for (const [addr, live] of this.brokerLiveTable) {
      if (live.lastUpdateTimestamp + live.heartbeatTimeoutMs < now) expired.push({ brokerAddr: addr, channel: live.channel });
    }
    for (const e of expired) {
      const live = this.brokerLiveTable.get(e.brokerAddr);
      this.log.warn(
        { brokerAddr: e.brokerAddr, silentMs: live === undefined ? undefined : now - live.lastUpdateTimestamp },
        'the broker channel expired',
      );
      this.removeBrokerAddr(e.brokerAddr);
    }
    return expired;
  }

  /** Java's onChannelDestroy body for one broker address; false when nothing knew it. */
  private removeBrokerAddr(brokerAddr: string): boolean {
    let found = this.brokerLiveTable.delete(brokerAddr);
    if (this.filterServerTable.delete(brokerAddr)) {
      found = true;
      this.changed();
    }
    let brokerNameFound: string | undefined;
    let removeBrokerName = false;
    for (const [name, group] of this.brokerAddrTable) {
      for (const [id, addr] of group.addrs) {
        if (addr === brokerAddr) {
          group.addrs.delete(id);
          brokerNameFound = name;
          found = true;
          this.changed();
          this.log.info({ brokerName: name, brokerId: id, brokerAddr }, 'broker address removed');
          break;
        }
      }
      if (brokerNameFound === undefined) continue;
      if (group.addrs.size === 0) {
        removeBrokerName = true;
        this.brokerAddrTable.delete(name);
        this.log.info({ brokerName: name }, 'broker name removed: no master or slave left');
      }
      break;
    }
    if (brokerNameFound === undefined || !removeBrokerName) return found;
    for (const [cluster, names] of this.clusterAddrTable) {
      if (names.delete(brokerNameFound)) {
        if (names.size === 0) {
          this.clusterAddrTable.delete(cluster);
          this.log.info({ cluster }, 'cluster removed: no broker left');
        }
        break;
      }
    }
    // Only when the whole broker name is gone do its queues go; with the
    // master gone and a slave left, routes keep the queues and consumers can
    // still read from the slave (producers find no master and skip it).
    this.removeTopicsOfBroker(brokerNameFound);
    return true;
  }

  private removeTopicsOfBroker(brokerName: string): void {
    for (const [topic, queues] of this.topicQueueTable) {
      if (queues.delete(brokerName)) {
        this.changed();
        this.log.debug({ topic, brokerName }, 'queue data removed with its broker');
      }
      if (queues.size === 0) {
        this.topicQueueTable.delete(topic);
        this.changed();
      }
    }
  }

  // ---------------------------------------------------------------------------
  // Routes

  /**
   * A topic's route, or undefined when no live broker serves it. Lists come
   * in the order a Java NameServer writes them (HashMap iteration of broker
   * names) so answers match byte for byte.
   */
  pickupTopicRouteData(topic: string): { queueDatas: QueueData[]; brokerDatas: BrokerData[]; filterServerTable: Map<string, string[]> } | undefined {
    const queues = this.topicQueueTable.get(topic);
    if (queues === undefined) return undefined;
    const names = javaHashMapOrder([...queues.keys()]);
    const queueDatas: QueueData[] = [];
    const brokerDatas: BrokerData[] = [];
    const filterServerTable = new Map<string, string[]>();
    for (const name of names) {
      queueDatas.push({ ...queues.get(name)! });
      const group = this.brokerAddrTable.get(name);
      if (group === undefined) continue;
      brokerDatas.push({ cluster: group.cluster, brokerName: name, brokerAddrs: new Map(group.addrs) });
      if (this.filterServerTable.size > 0) {
        for (const addr of group.addrs.values()) {
          const servers = this.filterServerTable.get(addr);
          if (servers !== undefined) filterServerTable.set(addr, [...servers]);
        }
      }
    }
    if (brokerDatas.length === 0) return undefined;
    return { queueDatas, brokerDatas, filterServerTable };
  }

  clusterInfo(): ClusterInfo {
    const brokerAddrTable = new Map<string, BrokerData>();
    for (const [name, g] of this.brokerAddrTable) {
      brokerAddrTable.set(name, { cluster: g.cluster, brokerName: name, brokerAddrs: new Map(g.addrs) });
    }
    const clusterAddrTable = new Map<string, string[]>();
    for (const [cluster, names] of this.clusterAddrTable) clusterAddrTable.set(cluster, [...names]);
    return { brokerAddrTable, clusterAddrTable };
  }

  /** Live brokers, for tooling and tests. */
  liveBrokers(): BrokerLiveSnapshot[] {
    return [...this.brokerLiveTable].map(([brokerAddr, l]) => ({
      brokerAddr,
      lastUpdateTimestamp: l.lastUpdateTimestamp,
      heartbeatTimeoutMs: l.heartbeatTimeoutMs,
      dataVersion: { ...l.dataVersion },
      haServerAddr: l.haServerAddr,
    }));
  }

  // ---------------------------------------------------------------------------
  // Topics

  /** DELETE_TOPIC_IN_NAMESRV; with a cluster, only that cluster's brokers lose the topic. */
  deleteTopic(topic: string, clusterName?: string): void {
    if (clusterName === undefined) {
      if (this.topicQueueTable.delete(topic)) this.changed();
      return;
    }
    const names = this.clusterAddrTable.get(clusterName);
    const queues = this.topicQueueTable.get(topic);
    if (names === undefined || names.size === 0 || queues === undefined) return;
    for (const name of names) if (queues.delete(name)) this.changed();
    if (queues.size === 0) {
      this.topicQueueTable.delete(topic);
      this.changed();
    }
  }

  /**
   * REGISTER_TOPIC_IN_NAMESRV (5.x). Every queue must name a known broker or
   * nothing is registered (5.x checks as it goes and may leave a partial
   * update behind on an existing topic; all-or-nothing is the safer reading).
   */
  registerTopic(topic: string, queueDatas: readonly QueueData[]): boolean {
    if (queueDatas.length === 0) return false;
    const unknown = queueDatas.find((qd) => !this.brokerAddrTable.has(qd.brokerName));
    if (unknown !== undefined) {
      this.log.warn({ topic, brokerName: unknown.brokerName }, 'register topic names an unknown broker; ignored');
      return false;
    }
    let queues = this.topicQueueTable.get(topic);
    if (queues === undefined) {
      queues = new Map();
      this.topicQueueTable.set(topic, queues);
    }
    for (const qd of queueDatas) queues.set(qd.brokerName, { ...qd });
    this.changed();
    this.log.info({ topic, queueDatas }, 'topic registered');
    return true;
  }

  /**
   * WIPE_WRITE_PERM_OF_BROKER clears the write bit of the broker's queues;
   * ADD_WRITE_PERM_OF_BROKER sets the perm to exactly read+write (as Java
   * does, dropping any other bit). Both count every topic the broker serves.
   * A later registration with a new data version overwrites either.
   */
  operateWritePerm(brokerName: string, op: 'wipe' | 'add'): number {
    let count = 0;
    for (const queues of this.topicQueueTable.values()) {
      const qd = queues.get(brokerName);
      if (qd === undefined) continue;
      const perm = op === 'wipe' ? qd.perm & ~PermName.PERM_WRITE : PermName.PERM_READ | PermName.PERM_WRITE;
      if (perm !== qd.perm) {
        qd.perm = perm;
        this.changed();
      }
      count++;
    }
    return count;
  }

  allTopicList(): TopicList {
    return { topicList: [...this.topicQueueTable.keys()] };
  }

  /** Topics any broker of the cluster serves; an unknown cluster has none (Java's NPE ends the same way). */
  topicsByCluster(cluster: string): TopicList {
    const names = this.clusterAddrTable.get(cluster);
    const topics = new Set<string>();
    if (names !== undefined) {
      for (const name of names) {
        for (const [topic, queues] of this.topicQueueTable) if (queues.has(name)) topics.add(topic);
      }
    }
    return { topicList: [...topics] };
  }

  /**
   * Cluster names and broker names (each is also a topic brokers create),
   * plus one broker address to ask for the rest: the lowest id, so the master
   * when there is one, of the first broker name in Java's HashMap order.
   */
  systemTopicList(): TopicList {
    const topics = new Set<string>();
    for (const [cluster, names] of this.clusterAddrTable) {
      topics.add(cluster);
      for (const n of names) topics.add(n);
    }
    const list: TopicList = { topicList: [...topics] };
    for (const name of javaHashMapOrder([...this.brokerAddrTable.keys()])) {
      const addrs = this.brokerAddrTable.get(name)!.addrs;
      if (addrs.size === 0) continue;
      const lowest = Math.min(...addrs.keys());
      list.brokerAddr = addrs.get(lowest)!;
      break;
    }
    return list;
  }

  /**
   * Topics whose first queue data (in Java's HashMap order) matches; Java
   * looks at one broker's flags only, assuming all brokers agree.
   */
  topicsWithSysFlag(test: (topicSysFlag: number) => boolean): TopicList {
    const out: string[] = [];
    for (const [topic, queues] of this.topicQueueTable) {
      if (queues.size === 0) continue;
      const first = queues.size === 1 ? queues.values().next().value! : queues.get(javaHashMapOrder([...queues.keys()])[0]!)!;
      if (test(first.topicSysFlag)) out.push(topic);
    }
    return { topicList: out };
  }
}

export const hasUnitFlag = (flag: number): boolean => (flag & TopicSysFlag.FLAG_UNIT) === TopicSysFlag.FLAG_UNIT;
export const hasUnitSubFlag = (flag: number): boolean => (flag & TopicSysFlag.FLAG_UNIT_SUB) === TopicSysFlag.FLAG_UNIT_SUB;
