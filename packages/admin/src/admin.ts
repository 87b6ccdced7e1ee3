/**
 * AdminClient: RocketMQ's DefaultMQAdminExt. Typed calls to the NameServer
 * and brokers that mqadmin, the exporter and the dashboard share. Each call
 * sends what MQClientAPIImpl sends for it, and composes calls across brokers
 * the way DefaultMQAdminExtImpl does (noted per method where it matters).
 */
import { ErrorCode, RmqError, errorMessage, isRmqError } from '@rocketmq-ts/common';
import type { Logger } from '@rocketmq-ts/common';
import { Producer } from '@rocketmq-ts/client';
import type { Message, SendResult } from '@rocketmq-ts/client';
import {
  LanguageCode,
  MixAll,
  RequestCode,
  ResponseCode,
  SystemTopic,
  TopicFilterType,
  PermName,
  buildPullSysFlag,
  createRequest,
  decodeBrokerStatsData,
  decodeClusterInfo,
  decodeConsumeMessageDirectlyResult,
  decodeConsumeStats,
  decodeConsumeStatsList,
  decodeConsumerConnection,
  decodeConsumerRunningInfo,
  decodeGetKVConfigResponseHeader,
  decodeGroupList,
  decodeKVTable,
  decodeMessages,
  decodeOffsetMsgId,
  decodeOffsetResponseHeader,
  decodeProducerConnection,
  decodeProducerTableInfo,
  decodePullMessageResponseHeader,
  decodeQueryConsumeQueueResponseBody,
  decodeQueryConsumeTimeSpanBody,
  decodeQueryMessageResponseHeader,
  decodeResetOffsetBody,
  decodeSubscriptionGroupWrapper,
  decodeTopicConfigSerializeWrapper,
  decodeTopicList,
  decodeTopicRouteData,
  decodeTopicStatsTable,
  decodeAddWritePermOfBrokerResponseHeader,
  decodeWipeWritePermOfBrokerResponseHeader,
  encodeAddWritePermOfBrokerRequestHeader,
  encodeConsumeMessageDirectlyResultRequestHeader,
  encodeCreateTopicRequestHeader,
  encodeDeleteKVConfigRequestHeader,
  encodeDeleteSubscriptionGroupRequestHeader,
  encodeDeleteTopicFromNamesrvRequestHeader,
  encodeDeleteTopicRequestHeader,
  encodeGetConsumeStatsInBrokerHeader,
  encodeGetConsumeStatsRequestHeader,
  encodeGetConsumerConnectionListRequestHeader,
  encodeGetConsumerRunningInfoRequestHeader,
  encodeGetKVConfigRequestHeader,
  encodeGetKVListByNamespaceRequestHeader,
  encodeGetMaxOffsetRequestHeader,
  encodeGetMinOffsetRequestHeader,
  encodeGetProducerConnectionListRequestHeader,
  encodeGetRouteInfoRequestHeader,
  encodeGetTopicStatsInfoRequestHeader,
  encodeGetTopicsByClusterRequestHeader,
  encodePullMessageRequestHeader,
  encodePutKVConfigRequestHeader,
  encodeQueryConsumeQueueRequestHeader,
  encodeQueryConsumeTimeSpanRequestHeader,
  encodeQueryMessageRequestHeader,
  encodeQueryTopicConsumeByWhoRequestHeader,
  encodeResetOffsetRequestHeader,
  encodeSearchOffsetRequestHeader,
  encodeSubscriptionGroupConfig,
  encodeUpdateConsumerOffsetRequestHeader,
  encodeViewBrokerStatsDataRequestHeader,
  encodeViewMessageRequestHeader,
  encodeWipeWritePermOfBrokerRequestHeader,
  getRetryTopic,
  parseProperties,
  serializeProperties,
} from '@rocketmq-ts/protocol';
import type {
  BrokerData,
  BrokerStatsData,
  ClusterInfo,
  ConsumeMessageDirectlyResult,
  ConsumeStats,
  ConsumeStatsList,
  ConsumerConnection,
  ConsumerRunningInfo,
  GroupList,
  KVTable,
  MessageExt,
  MessageQueue,
  OffsetWrapper,
  ProducerConnection,
  ProducerTableInfo,
  QueryConsumeQueueResponseBody,
  QueueTimeSpan,
  RemotingCommand,
  SubscriptionGroupConfig,
  SubscriptionGroupWrapper,
  TopicConfig,
  TopicConfigSerializeWrapper,
  TopicList,
  TopicRouteData,
  TopicStatsTable,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { adminError, isResponseCode, responseError, topicNotExistError, transportError } from './errors.js';
import { parseAdminOptions } from './options.js';
import type { AdminInit, AdminOptions } from './options.js';

/** One row of resetOffsetByTimestampOld (RollbackStats). */
export interface RollbackStats {
  readonly brokerName: string;
  readonly queueId: number;
  readonly brokerOffset: number;
  readonly consumerOffset: number;
  readonly timestampOffset: number;
  readonly rollbackOffset: number;
}

/** What messageTrackDetail found for one consumer group (TrackType). */
export const TrackType = {
  CONSUMED: 'CONSUMED',
  CONSUMED_BUT_FILTERED: 'CONSUMED_BUT_FILTERED',
  PULL: 'PULL',
  NOT_CONSUME_YET: 'NOT_CONSUME_YET',
  NOT_ONLINE: 'NOT_ONLINE',
  UNKNOWN: 'UNKNOWN',
} as const;
export type TrackType = (typeof TrackType)[keyof typeof TrackType];

export interface MessageTrack {
  readonly consumerGroup: string;
  readonly trackType: TrackType;
  readonly exceptionDesc: string | undefined;
}

export interface QueryResult {
  readonly indexLastUpdateTimestamp: number;
  readonly messageList: MessageExt[];
}

export type PullStatus = 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';

export interface PullResult {
  readonly pullStatus: PullStatus;
  readonly nextBeginOffset: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  /** Found messages after the client-side tag filter, as DefaultMQPullConsumer returns them. */
  readonly msgFoundList: MessageExt[];
}

/** The master and slave addresses of one broker name, from cluster info. */
export interface MasterAndSlaves {
  readonly brokerName: string;
  readonly master: string | undefined;
  readonly slaves: string[];
}

export interface SendRTResult {
  /** Mean milliseconds per send, the first send excluded (as clusterRT). */
  readonly rt: number;
  readonly successCount: number;
  readonly failCount: number;
}

export interface SendMessageTarget {
  /** With queueId: send to exactly this queue (as mqadmin sendMessage -b -i). */
  readonly brokerName?: string;
  readonly queueId?: number;
}

export interface PullOptions {
  /** Tag expression ("TagA || TagB"). @defaultValue '*' */
  readonly subExpression?: string;
  /** @defaultValue 'TOOLS_CONSUMER' */
  readonly consumerGroup?: string;
}

/** StatsAllSubCommand.compute24HourSum: the day's sum, else the hour's, else the minute's. */
export function compute24HourSum(data: BrokerStatsData): number {
  if (data.statsDay.sum !== 0) return data.statsDay.sum;
  if (data.statsHour.sum !== 0) return data.statsHour.sum;
  return data.statsMinute.sum;
}

/** BrokerData.selectBrokerAddr: the master, else any slave. */
export function selectBrokerAddr(bd: BrokerData): string | undefined {
  const master = bd.brokerAddrs.get(MixAll.MASTER_ID);
  if (master !== undefined) return master;
  const all = [...bd.brokerAddrs.values()];
  return all.length === 0 ? undefined : all[Math.floor(Math.random() * all.length)];
}

/** MessageQueue.compareTo: topic, then broker name, then queue id. */
export function compareMessageQueue(a: MessageQueue, b: MessageQueue): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}

function queueKey(mq: MessageQueue): string {
  return `${mq.topic}\u0000${mq.brokerName}\u0000${mq.queueId}`;
}

/** Java's `putAll` into a HashMap keyed by MessageQueue: later entries replace earlier ones. */
function mergeQueueTables<T>(into: Array<[MessageQueue, T]>, from: ReadonlyArray<readonly [MessageQueue, T]>): void {
  const index = new Map<string, number>();
  into.forEach(([mq], i) => index.set(queueKey(mq), i));
  for (const [mq, v] of from) {
    const i = index.get(queueKey(mq));
    if (i === undefined) {
      index.set(queueKey(mq), into.length);
      into.push([mq, v]);
    } else {
      into[i] = [mq, v];
    }
  }
}

/** Tags of a subscription expression ("*" or empty: all). */
function tagsOf(subExpression: string): Set<string> {
  const tags = new Set<string>();
  if (subExpression.trim() === '*' || subExpression.trim() === '') return tags;
  for (const t of subExpression.split('||')) if (t.trim().length > 0) tags.add(t.trim());
  return tags;
}

/** System groups that getUserSubscriptionGroup leaves out (SYSTEM_GROUP_SET). */
const SYSTEM_GROUPS: ReadonlySet<string> = new Set<string>([
  MixAll.DEFAULT_CONSUMER_GROUP,
  MixAll.DEFAULT_PRODUCER_GROUP,
  MixAll.TOOLS_CONSUMER_GROUP,
  MixAll.SCHEDULE_CONSUMER_GROUP,
  MixAll.FILTERSRV_CONSUMER_GROUP,
  MixAll.MONITOR_CONSUMER_GROUP,
  MixAll.CLIENT_INNER_PRODUCER_GROUP,
  MixAll.SELF_TEST_PRODUCER_GROUP,
  MixAll.SELF_TEST_CONSUMER_GROUP,
  MixAll.ONS_HTTP_PROXY_GROUP,
  MixAll.CID_ONSAPI_PERMISSION_GROUP,
  MixAll.CID_ONSAPI_OWNER_GROUP,
  MixAll.CID_ONSAPI_PULL_GROUP,
]);

/** NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG. */
const NAMESPACE_ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';

/** A topic config with TopicConfig's defaults (16/16 queues, RW, SINGLE_TAG). */
export function defaultTopicConfig(topicName: string): TopicConfig {
  return {
    topicName,
    readQueueNums: 16,
    writeQueueNums: 16,
    perm: PermName.PERM_READ | PermName.PERM_WRITE,
    topicFilterType: TopicFilterType.SINGLE_TAG,
    topicSysFlag: 0,
    order: false,
  };
}

export class AdminClient {
  readonly options: AdminOptions;
  private readonly log: Logger;
  private readonly nameServers: readonly string[];
  private readonly remoting: RemotingClient;
  private chosenNameServer: string | undefined;
  private nextNameServer = 0;
  private producer: Promise<Producer> | undefined;
  private closed = false;
  private readonly routeCache = new Map<string, TopicRouteData>();

  constructor(init: AdminInit) {
    this.options = parseAdminOptions(init);
    this.nameServers = [...(this.options.nameServer as readonly string[])];
    this.log = this.options.logger.child({ component: 'rocketmq-admin' });
    this.remoting = new RemotingClient({ logger: this.log });
  }

  /** The NameServers this client was given, in order. */
  get nameServerAddressList(): string[] {
    return [...this.nameServers];
  }

  /** Closes every connection (and the producer sendMessage started). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const producer = this.producer;
    this.producer = undefined;
    if (producer !== undefined) await producer.then((p) => p.shutdown()).catch(() => undefined);
    await this.remoting.close();
  }

  // ---------------------------------------------------------------------------
  // Transport

  private checkOpen(): void {
    if (this.closed) throw new RmqError(ErrorCode.STATE, 'admin client is closed');
  }

  /**
   * Sends to one NameServer, moving to the next when it cannot be reached
   * (as Java's invokeSync(null, ...)). When none answers: CONNECTION, naming
   * every address tried.
   */
  private async invokeNameServer(build: () => RemotingCommand, what: string, timeoutMs = this.options.timeoutMillis): Promise<RemotingCommand> {
    this.checkOpen();
    const n = this.nameServers.length;
    const failures: string[] = [];
    let last: unknown;
    for (let i = 0; i < n; i++) {
      const addr = this.chosenNameServer ?? this.nameServers[this.nextNameServer++ % n]!;
      this.chosenNameServer = addr;
      try {
        return await this.remoting.invoke(addr, build(), timeoutMs);
      } catch (err) {
        this.chosenNameServer = undefined;
        last = err;
        if (isRmqError(err) && err.code === ErrorCode.CONNECTION) {
          failures.push(`${addr} (${err.message})`);
          this.log.debug({ nameServer: addr, err: errorMessage(err) }, 'NameServer unreachable, trying the next');
          continue;
        }
        throw transportError(err, `NameServer ${addr}`, what);
      }
    }
    throw new RmqError(ErrorCode.CONNECTION, `${what}: cannot reach any NameServer: ${failures.join('; ')}`, {
      retriable: true,
      cause: last,
    });
  }

  /** Sends to one named NameServer (wipeWritePerm, config get/update). */
  private async invokeOneNameServer(addr: string, request: RemotingCommand, what: string): Promise<RemotingCommand> {
    this.checkOpen();
    try {
      return await this.remoting.invoke(addr, request, this.options.timeoutMillis);
    } catch (err) {
      throw transportError(err, `NameServer ${addr}`, what);
    }
  }

  private async invokeBrokerRaw(addr: string, request: RemotingCommand, what: string, timeoutMs = this.options.timeoutMillis): Promise<RemotingCommand> {
    this.checkOpen();
    try {
      return await this.remoting.invoke(addr, request, timeoutMs);
    } catch (err) {
      throw transportError(err, `broker ${addr}`, what);
    }
  }

  /** Sends to a broker; a non-success answer becomes RESPONSE with its code and remark. */
  private async invokeBroker(addr: string, request: RemotingCommand, what: string, timeoutMs = this.options.timeoutMillis): Promise<RemotingCommand> {
    const response = await this.invokeBrokerRaw(addr, request, what, timeoutMs);
    if (response.code !== ResponseCode.SUCCESS) throw responseError(response.code, response.remark, `broker ${addr}`, what);
    return response;
  }

  private static body(response: RemotingCommand, what: string, addr: string): Buffer {
    if (response.body === undefined || response.body.length === 0) {
      throw new RmqError(ErrorCode.PROTOCOL, `${what} answer from ${addr} has no body`);
    }
    return response.body;
  }

  private static decode<T>(decode: () => T, what: string, addr: string): T {
    try {
      return decode();
    } catch (err) {
      throw new RmqError(ErrorCode.PROTOCOL, `${what} answer from ${addr} cannot be read: ${errorMessage(err)}`, { cause: err });
    }
  }

  // ---------------------------------------------------------------------------
  // NameServer

  /** GET_BROKER_CLUSTER_INFO: clusters, broker names and their addresses. */
  async examineBrokerClusterInfo(): Promise<ClusterInfo> {
    const what = 'GET_BROKER_CLUSTER_INFO';
    const r = await this.invokeNameServer(() => createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), what);
    if (r.code !== ResponseCode.SUCCESS) throw responseError(r.code, r.remark, 'NameServer', what);
    return AdminClient.decode(() => decodeClusterInfo(AdminClient.body(r, what, 'NameServer')), what, 'NameServer');
  }

  /** GET_ROUTEINFO_BY_TOPIC. An unknown topic rejects with NO_ROUTE (responseCode TOPIC_NOT_EXIST). */
  async examineTopicRouteInfo(topic: string): Promise<TopicRouteData> {
    const what = `GET_ROUTEINFO_BY_TOPIC ${topic}`;
    const r = await this.invokeNameServer(() => createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, encodeGetRouteInfoRequestHeader({ topic })), what);
    if (r.code === ResponseCode.TOPIC_NOT_EXIST) throw topicNotExistError(topic, r.remark);
    if (r.code !== ResponseCode.SUCCESS) throw responseError(r.code, r.remark, 'NameServer', what);
    const route = AdminClient.decode(() => decodeTopicRouteData(AdminClient.body(r, what, 'NameServer')), what, 'NameServer');
    this.routeCache.set(topic, route);
    return route;
  }

  /** GET_ALL_TOPIC_LIST_FROM_NAMESERVER. */
  async fetchAllTopicList(): Promise<TopicList> {
    return this.topicListFrom(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, 'GET_ALL_TOPIC_LIST_FROM_NAMESERVER');
  }

  /** GET_TOPICS_BY_CLUSTER. */
  async fetchTopicsByCluster(clusterName: string): Promise<TopicList> {
    return this.topicListFrom(RequestCode.GET_TOPICS_BY_CLUSTER, 'GET_TOPICS_BY_CLUSTER', encodeGetTopicsByClusterRequestHeader({ cluster: clusterName }));
  }

  private async topicListFrom(code: number, what: string, header: Record<string, string> = {}): Promise<TopicList> {
    const r = await this.invokeNameServer(() => createRequest(code, { ...header }), what);
    if (r.code !== ResponseCode.SUCCESS) throw responseError(r.code, r.remark, 'NameServer', what);
    return AdminClient.decode(() => decodeTopicList(AdminClient.body(r, what, 'NameServer')), what, 'NameServer');
  }

  /**
   * DELETE_TOPIC_IN_NAMESRV on each NameServer (all configured ones when
   * `nameServers` is omitted, as DeleteTopicSubCommand passes them).
   */
  async deleteTopicInNameServer(topic: string, clusterName?: string, nameServers: readonly string[] = this.nameServers): Promise<void> {
    const what = `DELETE_TOPIC_IN_NAMESRV ${topic}`;
    for (const addr of nameServers) {
      const header = encodeDeleteTopicFromNamesrvRequestHeader({ topic, ...(clusterName === undefined ? {} : { clusterName }) });
      const r = await this.invokeOneNameServer(addr, createRequest(RequestCode.DELETE_TOPIC_IN_NAMESRV, header), what);
      if (r.code !== ResponseCode.SUCCESS) throw responseError(r.code, r.remark, `NameServer ${addr}`, what);
    }
  }

  /** WIPE_WRITE_PERM_OF_BROKER on one NameServer; the number of topics it changed. */
  async wipeWritePermOfBroker(namesrvAddr: string, brokerName: string): Promise<number> {
    const what = `WIPE_WRITE_PERM_OF_BROKER ${brokerName}`;
    const r = await this.invokeOneNameServer(namesrvAddr, createRequest(RequestCode.WIPE_WRITE_PERM_OF_BROKER, encodeWipeWritePermOfBrokerRequestHeader({ brokerName })), what);
    if (r.code !== ResponseCode.SUCCESS) throw responseError(r.code, r.remark, `NameServer ${namesrvAddr}`, what);
    return decodeWipeWritePermOfBrokerResponseHeader(r.extFields).wipeTopicCount;
  }

  /** ADD_WRITE_PERM_OF_BROKER on one NameServer; the number of topics it changed. */
  async addWritePermOfBroker(namesrvAddr: string, brokerName: string): Promise<number> {
    const what = `ADD_WRITE_PERM_OF_BROKER ${brokerName}`;
    const r = await this.invokeOneNameServer(namesrvAddr, createRequest(RequestCode.ADD_WRITE_PERM_OF_BROKER, encodeAddWritePermOfBrokerRequestHeader({ brokerName })), what);
    if (r.code !== ResponseCode.SUCCESS) throw responseError(r.code, r.remark, `NameServer ${namesrvAddr}`, what);
    return decodeAddWritePermOfBrokerResponseHeader(r.extFields).addTopicCount;
  }

  /** GET_NAMESRV_CONFIG from each NameServer (all configured ones by default), in the order each sent. */
  async getNameServerConfig(nameServers: readonly string[] = this.nameServers): Promise<Map<string, Map<string, string>>> {
    const out = new Map<string, Map<string, string>>();
    for (const addr of nameServers) {
      const r = await this.invokeOneNameServer(addr, createRequest(RequestCode.GET_NAMESRV_CONFIG), 'GET_NAMESRV_CONFIG');
      if (r.code !== ResponseCode.SUCCESS) throw responseError(r.code, r.remark, `NameServer ${addr}`, 'GET_NAMESRV_CONFIG');
      out.set(addr, parseProperties((r.body ?? Buffer.alloc(0)).toString('utf8')));
    }
    return out;
  }

  /**
   * UPDATE_NAMESRV_CONFIG on each NameServer (all configured ones by
   * default). Every server is asked; then the last refusal, if any, is thrown.
   */
  async updateNameServerConfig(properties: ReadonlyMap<string, string> | Readonly<Record<string, string>>, nameServers: readonly string[] = this.nameServers): Promise<void> {
    const body = serializeProperties(properties);
    if (body.length === 0) return;
    let refused: RmqError | undefined;
    for (const addr of nameServers) {
      const r = await this.invokeOneNameServer(addr, createRequest(RequestCode.UPDATE_NAMESRV_CONFIG, {}, body), 'UPDATE_NAMESRV_CONFIG');
      if (r.code !== ResponseCode.SUCCESS) refused = responseError(r.code, r.remark, `NameServer ${addr}`, 'UPDATE_NAMESRV_CONFIG');
    }
    if (refused !== undefined) throw refused;
  }

  /** GET_KV_CONFIG; undefined when the key is not set. */
  async getKVConfig(namespace: string, key: string): Promise<string | undefined> {
    const what = `GET_KV_CONFIG ${namespace}/${key}`;
    const r = await this.invokeNameServer(() => createRequest(RequestCode.GET_KV_CONFIG, encodeGetKVConfigRequestHeader({ namespace, key })), what);
    if (r.code === ResponseCode.QUERY_NOT_FOUND) return undefined;
    if (r.code !== ResponseCode.SUCCESS) throw responseError(r.code, r.remark, 'NameServer', what);
    return decodeGetKVConfigResponseHeader(r.extFields).value;
  }

  /** GET_KVLIST_BY_NAMESPACE; an empty table when the namespace does not exist. */
  async getKVListByNamespace(namespace: string): Promise<KVTable> {
    const what = `GET_KVLIST_BY_NAMESPACE ${namespace}`;
    const r = await this.invokeNameServer(() => createRequest(RequestCode.GET_KVLIST_BY_NAMESPACE, encodeGetKVListByNamespaceRequestHeader({ namespace })), what);
    if (r.code === ResponseCode.QUERY_NOT_FOUND) return { table: new Map() };
    if (r.code !== ResponseCode.SUCCESS) throw responseError(r.code, r.remark, 'NameServer', what);
    return AdminClient.decode(() => decodeKVTable(AdminClient.body(r, what, 'NameServer')), what, 'NameServer');
  }

  /** PUT_KV_CONFIG on every configured NameServer. */
  async putKVConfig(namespace: string, key: string, value: string): Promise<void> {
    await this.onEveryNameServer(() => createRequest(RequestCode.PUT_KV_CONFIG, encodePutKVConfigRequestHeader({ namespace, key, value })), `PUT_KV_CONFIG ${namespace}/${key}`);
  }

  /** DELETE_KV_CONFIG on every configured NameServer. */
  async deleteKVConfig(namespace: string, key: string): Promise<void> {
    await this.onEveryNameServer(() => createRequest(RequestCode.DELETE_KV_CONFIG, encodeDeleteKVConfigRequestHeader({ namespace, key })), `DELETE_KV_CONFIG ${namespace}/${key}`);
  }

  private async onEveryNameServer(build: () => RemotingCommand, what: string): Promise<void> {
    let refused: RmqError | undefined;
    for (const addr of this.nameServers) {
      const r = await this.invokeOneNameServer(addr, build(), what);
      if (r.code !== ResponseCode.SUCCESS) refused = responseError(r.code, r.remark, `NameServer ${addr}`, what);
    }
    if (refused !== undefined) throw refused;
  }

  /**
   * The ORDER_TOPIC_CONFIG entry of a topic ("brokerName:queues;..."). For a
   * cluster, `value` replaces it; for one broker it is merged into the
   * existing entry by broker name (createOrUpdateOrderConf).
   */
  async createOrUpdateOrderConf(topic: string, value: string, isCluster: boolean): Promise<void> {
    if (isCluster) {
      await this.putKVConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic, value);
      return;
    }
    const old = await this.getKVConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic).catch(() => undefined);
    const byBroker = new Map<string, string>();
    for (const part of (old ?? '').split(';')) if (part.trim().length > 0) byBroker.set(part.split(':')[0]!, part);
    byBroker.set(value.split(':')[0]!, value);
    await this.putKVConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic, [...byBroker.values()].join(';'));
  }

  // ---------------------------------------------------------------------------
  // Cluster helpers (CommandUtil)

  private static clusterBrokers(info: ClusterInfo, clusterName: string): string[] {
    const names = info.clusterAddrTable.get(clusterName);
    if (names === undefined) {
      const known = [...info.clusterAddrTable.keys()];
      throw new RmqError(
        ErrorCode.ARGUMENT,
        `cluster ${clusterName} not found; make sure the cluster name is right and the NameServer is the cluster's (known clusters: ${known.length === 0 ? 'none' : known.join(', ')})`,
      );
    }
    return names;
  }

  /** Masters and slaves of each broker name in a cluster. Rejects with ARGUMENT for an unknown cluster. */
  async fetchMasterAndSlaves(clusterName: string): Promise<MasterAndSlaves[]> {
    const info = await this.examineBrokerClusterInfo();
    const out: MasterAndSlaves[] = [];
    for (const brokerName of AdminClient.clusterBrokers(info, clusterName)) {
      const bd = info.brokerAddrTable.get(brokerName);
      if (bd === undefined) continue;
      const slaves = [...bd.brokerAddrs].filter(([id]) => id !== MixAll.MASTER_ID).map(([, a]) => a);
      out.push({ brokerName, master: bd.brokerAddrs.get(MixAll.MASTER_ID), slaves });
    }
    return out;
  }

  /** Master addresses of a cluster (fetchMasterAddrByClusterName). */
  async fetchMasterAddrByClusterName(clusterName: string): Promise<string[]> {
    return (await this.fetchMasterAndSlaves(clusterName)).flatMap((b) => (b.master === undefined ? [] : [b.master]));
  }

  /** Every broker address of a cluster, masters and slaves. */
  async fetchMasterAndSlaveAddrByClusterName(clusterName: string): Promise<string[]> {
    return (await this.fetchMasterAndSlaves(clusterName)).flatMap((b) => [...(b.master === undefined ? [] : [b.master]), ...b.slaves]);
  }

  /** Broker names of a cluster. */
  async fetchBrokerNameByClusterName(clusterName: string): Promise<string[]> {
    return AdminClient.clusterBrokers(await this.examineBrokerClusterInfo(), clusterName);
  }

  /** The broker name an address belongs to. */
  async fetchBrokerNameByAddr(addr: string): Promise<string> {
    const info = await this.examineBrokerClusterInfo();
    for (const [name, bd] of info.brokerAddrTable) if ([...bd.brokerAddrs.values()].includes(addr)) return name;
    throw new RmqError(ErrorCode.ARGUMENT, `no broker with address ${addr} is registered with the NameServer`);
  }

  // ---------------------------------------------------------------------------
  // Topics

  /** UPDATE_AND_CREATE_TOPIC on one broker. */
  async createAndUpdateTopicConfig(brokerAddr: string, config: TopicConfig): Promise<void> {
    const header = encodeCreateTopicRequestHeader({
      topic: config.topicName,
      defaultTopic: SystemTopic.AUTO_CREATE_TOPIC_KEY_TOPIC,
      readQueueNums: config.readQueueNums,
      writeQueueNums: config.writeQueueNums,
      perm: config.perm,
      topicFilterType: config.topicFilterType,
      topicSysFlag: config.topicSysFlag,
      order: config.order,
    });
    await this.invokeBroker(brokerAddr, createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, header), `UPDATE_AND_CREATE_TOPIC ${config.topicName}`);
  }

  /** DELETE_TOPIC_IN_BROKER on each address. */
  async deleteTopicInBroker(brokerAddrs: Iterable<string>, topic: string): Promise<void> {
    for (const addr of brokerAddrs) {
      await this.invokeBroker(addr, createRequest(RequestCode.DELETE_TOPIC_IN_BROKER, encodeDeleteTopicRequestHeader({ topic })), `DELETE_TOPIC_IN_BROKER ${topic}`);
    }
    this.routeCache.delete(topic);
  }

  /** GET_ALL_TOPIC_CONFIG of one broker. */
  async getAllTopicConfig(brokerAddr: string): Promise<TopicConfigSerializeWrapper> {
    const what = 'GET_ALL_TOPIC_CONFIG';
    const r = await this.invokeBroker(brokerAddr, createRequest(RequestCode.GET_ALL_TOPIC_CONFIG), what);
    return AdminClient.decode(() => decodeTopicConfigSerializeWrapper(AdminClient.body(r, what, brokerAddr)), what, brokerAddr);
  }

  /** One topic's config on one broker, or undefined. */
  async examineTopicConfig(brokerAddr: string, topic: string): Promise<TopicConfig | undefined> {
    return (await this.getAllTopicConfig(brokerAddr)).topicConfigTable.get(topic);
  }

  /**
   * GET_TOPIC_STATS_INFO on every broker of the topic's route, merged. With
   * no queue anywhere: NO_ROUTE "Not found the topic stats info".
   */
  async examineTopicStats(topic: string): Promise<TopicStatsTable> {
    const route = await this.examineTopicRouteInfo(topic);
    const table: TopicStatsTable = { offsetTable: [] };
    for (const bd of route.brokerDatas) {
      const addr = selectBrokerAddr(bd);
      if (addr === undefined) continue;
      const what = `GET_TOPIC_STATS_INFO ${topic}`;
      const r = await this.invokeBroker(addr, createRequest(RequestCode.GET_TOPIC_STATS_INFO, encodeGetTopicStatsInfoRequestHeader({ topic })), what);
      const part = AdminClient.decode(() => decodeTopicStatsTable(AdminClient.body(r, what, addr)), what, addr);
      mergeQueueTables(table.offsetTable, part.offsetTable);
    }
    if (table.offsetTable.length === 0) throw adminError(ErrorCode.NO_ROUTE, `Not found the topic stats info of ${topic}`);
    return table;
  }

  /** QUERY_TOPIC_CONSUME_BY_WHO on the first broker of the topic's route. */
  async queryTopicConsumeByWho(topic: string): Promise<GroupList> {
    const route = await this.examineTopicRouteInfo(topic);
    const bd = route.brokerDatas[0];
    const addr = bd === undefined ? undefined : selectBrokerAddr(bd);
    if (addr === undefined) return { groupList: [] };
    const what = `QUERY_TOPIC_CONSUME_BY_WHO ${topic}`;
    const r = await this.invokeBroker(addr, createRequest(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, encodeQueryTopicConsumeByWhoRequestHeader({ topic })), what);
    return AdminClient.decode(() => decodeGroupList(AdminClient.body(r, what, addr)), what, addr);
  }

  /** The clusters whose brokers serve the topic (getTopicClusterList: by the route's first broker). */
  async getTopicClusterList(topic: string): Promise<string[]> {
    const [info, route] = await Promise.all([this.examineBrokerClusterInfo(), this.examineTopicRouteInfo(topic)]);
    const brokerName = route.brokerDatas[0]?.brokerName;
    if (brokerName === undefined) return [];
    return [...info.clusterAddrTable].filter(([, names]) => names.includes(brokerName)).map(([c]) => c);
  }

  /**
   * Deletes a topic as mqadmin deleteTopic does: DELETE_TOPIC_IN_BROKER on
   * every master of the cluster, then DELETE_TOPIC_IN_NAMESRV on every
   * NameServer. Returns the masters it was deleted from.
   */
  async deleteTopic(topic: string, clusterName: string): Promise<string[]> {
    const masters = await this.fetchMasterAddrByClusterName(clusterName);
    await this.deleteTopicInBroker(masters, topic);
    await this.deleteTopicInNameServer(topic, clusterName);
    return masters;
  }

  // ---------------------------------------------------------------------------
  // Subscription groups

  /** UPDATE_AND_CREATE_SUBSCRIPTIONGROUP on one broker. */
  async createAndUpdateSubscriptionGroupConfig(brokerAddr: string, config: SubscriptionGroupConfig): Promise<void> {
    await this.invokeBroker(
      brokerAddr,
      createRequest(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, encodeSubscriptionGroupConfig(config)),
      `UPDATE_AND_CREATE_SUBSCRIPTIONGROUP ${config.groupName}`,
    );
  }

  /** DELETE_SUBSCRIPTIONGROUP on one broker. */
  async deleteSubscriptionGroup(brokerAddr: string, groupName: string, removeOffset = false): Promise<void> {
    await this.invokeBroker(
      brokerAddr,
      createRequest(RequestCode.DELETE_SUBSCRIPTIONGROUP, encodeDeleteSubscriptionGroupRequestHeader({ groupName, removeOffset })),
      `DELETE_SUBSCRIPTIONGROUP ${groupName}`,
    );
  }

  /** GET_ALL_SUBSCRIPTIONGROUP_CONFIG of one broker. */
  async getAllSubscriptionGroup(brokerAddr: string): Promise<SubscriptionGroupWrapper> {
    const what = 'GET_ALL_SUBSCRIPTIONGROUP_CONFIG';
    const r = await this.invokeBroker(brokerAddr, createRequest(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG), what);
    return AdminClient.decode(() => decodeSubscriptionGroupWrapper(AdminClient.body(r, what, brokerAddr)), what, brokerAddr);
  }

  /** The groups of getAllSubscriptionGroup minus system groups (getUserSubscriptionGroup). */
  async getUserSubscriptionGroup(brokerAddr: string): Promise<SubscriptionGroupWrapper> {
    const w = await this.getAllSubscriptionGroup(brokerAddr);
    for (const name of [...w.subscriptionGroupTable.keys()]) {
      if (name.startsWith(MixAll.CID_RMQ_SYS_PREFIX) || SYSTEM_GROUPS.has(name)) w.subscriptionGroupTable.delete(name);
    }
    return w;
  }

  /** One group's config on one broker, or undefined. */
  async examineSubscriptionGroupConfig(brokerAddr: string, group: string): Promise<SubscriptionGroupConfig | undefined> {
    return (await this.getAllSubscriptionGroup(brokerAddr)).subscriptionGroupTable.get(group);
  }

  // ---------------------------------------------------------------------------
  // Consumers and producers

  /** The route of %RETRY%group; a group that never consumed has none. */
  private async retryRoute(group: string): Promise<TopicRouteData> {
    try {
      return await this.examineTopicRouteInfo(getRetryTopic(group));
    } catch (err) {
      if (isResponseCode(err, ResponseCode.TOPIC_NOT_EXIST)) {
        throw new RmqError(ErrorCode.NO_ROUTE, `consumer group ${group} not found: no route for its retry topic ${getRetryTopic(group)} (the group never connected)`, {
          responseCode: ResponseCode.TOPIC_NOT_EXIST,
          cause: err,
        });
      }
      throw err;
    }
  }

  /**
   * GET_CONSUME_STATS on every broker of %RETRY%group, merged, TPS summed
   * (examineConsumeStats). Nothing anywhere: CONSUMER_NOT_ONLINE.
   */
  async examineConsumeStats(consumerGroup: string, topic?: string): Promise<ConsumeStats> {
    const route = await this.retryRoute(consumerGroup);
    const result: ConsumeStats = { offsetTable: [], consumeTps: 0 };
    for (const bd of route.brokerDatas) {
      const addr = selectBrokerAddr(bd);
      if (addr === undefined) continue;
      const part = await this.getConsumeStats(addr, consumerGroup, topic);
      mergeQueueTables(result.offsetTable, part.offsetTable);
      result.consumeTps += part.consumeTps;
    }
    if (result.offsetTable.length === 0) {
      throw adminError(
        ErrorCode.RESPONSE,
        `Not found the consumer group consume stats of ${consumerGroup}, because return offset table is empty, maybe the consumer not consume any message`,
        ResponseCode.CONSUMER_NOT_ONLINE,
      );
    }
    return result;
  }

  /** GET_CONSUME_STATS on one broker. */
  async getConsumeStats(brokerAddr: string, consumerGroup: string, topic?: string): Promise<ConsumeStats> {
    const what = `GET_CONSUME_STATS ${consumerGroup}`;
    const header = encodeGetConsumeStatsRequestHeader({ consumerGroup, ...(topic === undefined ? {} : { topic }) });
    const r = await this.invokeBroker(brokerAddr, createRequest(RequestCode.GET_CONSUME_STATS, header), what, this.options.timeoutMillis * 3);
    return AdminClient.decode(() => decodeConsumeStats(AdminClient.body(r, what, brokerAddr)), what, brokerAddr);
  }

  /**
   * GET_CONSUMER_CONNECTION_LIST on `brokerAddr`, or on a broker of
   * %RETRY%group. No connection: CONSUMER_NOT_ONLINE.
   */
  async examineConsumerConnectionInfo(consumerGroup: string, brokerAddr?: string): Promise<ConsumerConnection> {
    let addr = brokerAddr;
    if (addr === undefined) {
      const route = await this.retryRoute(consumerGroup);
      const bd = route.brokerDatas[Math.floor(Math.random() * route.brokerDatas.length)];
      addr = bd === undefined ? undefined : selectBrokerAddr(bd);
    }
    const notOnline = (): RmqError =>
      adminError(ErrorCode.RESPONSE, `Not found the consumer group connection: consumer group ${consumerGroup} is not online`, ResponseCode.CONSUMER_NOT_ONLINE);
    if (addr === undefined) throw notOnline();
    const what = `GET_CONSUMER_CONNECTION_LIST ${consumerGroup}`;
    const r = await this.invokeBrokerRaw(addr, createRequest(RequestCode.GET_CONSUMER_CONNECTION_LIST, encodeGetConsumerConnectionListRequestHeader({ consumerGroup })), what);
    if (r.code === ResponseCode.CONSUMER_NOT_ONLINE) throw notOnline();
    if (r.code !== ResponseCode.SUCCESS) throw responseError(r.code, r.remark, `broker ${addr}`, what);
    const cc = AdminClient.decode(() => decodeConsumerConnection(AdminClient.body(r, what, addr)), what, addr);
    if (cc.connectionSet.length === 0) throw notOnline();
    return cc;
  }

  /** GET_PRODUCER_CONNECTION_LIST on a broker of the topic. No connection: an error saying so. */
  async examineProducerConnectionInfo(producerGroup: string, topic: string): Promise<ProducerConnection> {
    const route = await this.examineTopicRouteInfo(topic);
    const bd = route.brokerDatas[Math.floor(Math.random() * route.brokerDatas.length)];
    const addr = bd === undefined ? undefined : selectBrokerAddr(bd);
    const notFound = (): RmqError => adminError(ErrorCode.RESPONSE, `Not found the producer group connection: producer group ${producerGroup} is not online`);
    if (addr === undefined) throw notFound();
    const what = `GET_PRODUCER_CONNECTION_LIST ${producerGroup}`;
    const r = await this.invokeBroker(addr, createRequest(RequestCode.GET_PRODUCER_CONNECTION_LIST, encodeGetProducerConnectionListRequestHeader({ producerGroup })), what);
    const pc = AdminClient.decode(() => decodeProducerConnection(AdminClient.body(r, what, addr)), what, addr);
    if (pc.connectionSet.length === 0) throw notFound();
    return pc;
  }

  /** GET_ALL_PRODUCER_INFO of one broker. */
  async getAllProducerInfo(brokerAddr: string): Promise<ProducerTableInfo> {
    const what = 'GET_ALL_PRODUCER_INFO';
    const r = await this.invokeBroker(brokerAddr, createRequest(RequestCode.GET_ALL_PRODUCER_INFO), what);
    return AdminClient.decode(() => decodeProducerTableInfo(AdminClient.body(r, what, brokerAddr)), what, brokerAddr);
  }

  /** GET_CONSUMER_RUNNING_INFO, relayed by a broker of %RETRY%group to the client. */
  async getConsumerRunningInfo(consumerGroup: string, clientId: string, jstack = false): Promise<ConsumerRunningInfo> {
    const route = await this.retryRoute(consumerGroup);
    for (const bd of route.brokerDatas) {
      const addr = selectBrokerAddr(bd);
      if (addr === undefined) continue;
      const what = `GET_CONSUMER_RUNNING_INFO ${consumerGroup} ${clientId}`;
      const header = encodeGetConsumerRunningInfoRequestHeader({ consumerGroup, clientId, jstackEnable: jstack });
      const r = await this.invokeBroker(addr, createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, header), what, this.options.timeoutMillis * 3);
      return AdminClient.decode(() => decodeConsumerRunningInfo(AdminClient.body(r, what, addr)), what, addr);
    }
    throw adminError(ErrorCode.NO_ROUTE, `no broker serves consumer group ${consumerGroup}`);
  }

  /** QUERY_CONSUME_TIME_SPAN on every broker of the topic. */
  async queryConsumeTimeSpan(topic: string, group: string): Promise<QueueTimeSpan[]> {
    const route = await this.examineTopicRouteInfo(topic);
    const out: QueueTimeSpan[] = [];
    for (const bd of route.brokerDatas) {
      const addr = selectBrokerAddr(bd);
      if (addr === undefined) continue;
      const what = `QUERY_CONSUME_TIME_SPAN ${topic} ${group}`;
      const r = await this.invokeBroker(addr, createRequest(RequestCode.QUERY_CONSUME_TIME_SPAN, encodeQueryConsumeTimeSpanRequestHeader({ topic, group })), what);
      out.push(...AdminClient.decode(() => decodeQueryConsumeTimeSpanBody(AdminClient.body(r, what, addr)), what, addr).consumeTimeSpanSet);
    }
    return out;
  }

  // ---------------------------------------------------------------------------
  // Offsets

  /**
   * INVOKE_BROKER_TO_RESET_OFFSET on every broker of the topic: each broker
   * finds the offsets at `timestamp` (-1: the max offset), stores them for
   * the group and tells the group's online consumers. Rejects with
   * responseCode CONSUMER_NOT_ONLINE when the group has no consumer online
   * (resetOffsetNew then falls back to resetOffsetByTimestampOld).
   * `isC` marks the request as from a C++ client, as `mqadmin -c` does.
   */
  async resetOffsetByTimestamp(topic: string, group: string, timestamp: number, isForce: boolean, isC = false): Promise<Array<[MessageQueue, number]>> {
    const route = await this.examineTopicRouteInfo(topic);
    const all: Array<[MessageQueue, number]> = [];
    for (const bd of route.brokerDatas) {
      const addr = selectBrokerAddr(bd);
      if (addr === undefined) continue;
      const what = `INVOKE_BROKER_TO_RESET_OFFSET ${topic} ${group}`;
      const request = createRequest(
        RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
        encodeResetOffsetRequestHeader({ topic, group, timestamp, isForce }),
        undefined,
        isC ? { language: LanguageCode.CPP } : {},
      );
      const r = await this.invokeBroker(addr, request, what);
      if (r.body !== undefined && r.body.length > 0) {
        mergeQueueTables(all, AdminClient.decode(() => decodeResetOffsetBody(r.body!), what, addr).offsetTable);
      }
    }
    return all;
  }

  /**
   * The offline way (resetOffsetByTimestampOld): per queue, the offset at
   * `timestamp` (-1: the max offset) from SEARCH_OFFSET_BY_TIMESTAMP, written
   * with UPDATE_CONSUMER_OFFSET when `force` or when it rolls back.
   */
  async resetOffsetByTimestampOld(consumerGroup: string, topic: string, timestamp: number, force: boolean): Promise<RollbackStats[]> {
    const route = await this.examineTopicRouteInfo(topic);
    const out: RollbackStats[] = [];
    for (const bd of route.brokerDatas) {
      const addr = selectBrokerAddr(bd);
      if (addr === undefined) continue;
      const stats = await this.getConsumeStats(addr, consumerGroup).catch((err: unknown) => {
        if (isRmqError(err) && err.code === ErrorCode.RESPONSE) return { offsetTable: [], consumeTps: 0 } as ConsumeStats;
        throw err;
      });
      const own = stats.offsetTable.filter(([mq]) => mq.topic === topic);
      let queues: Array<[MessageQueue, OffsetWrapper]> = own;
      if (own.length === 0) {
        // Never consumed here: roll back from the queue's min offset.
        const qd = route.queueDatas.find((q) => q.brokerName === bd.brokerName);
        const ts = await this.getTopicStatsInfo(addr, topic);
        queues = [];
        for (let i = 0; i < (qd?.readQueueNums ?? 0); i++) {
          const mq = { topic, brokerName: bd.brokerName, queueId: i };
          const o = ts.offsetTable.find(([q]) => q.queueId === i && q.brokerName === bd.brokerName)?.[1];
          queues.push([mq, { brokerOffset: o?.maxOffset ?? 0, consumerOffset: o?.minOffset ?? 0, lastTimestamp: 0 }]);
        }
      }
      for (const [mq, ow] of queues) {
        const timestampOffset = timestamp === -1 ? await this.brokerMaxOffset(addr, mq) : await this.brokerSearchOffset(addr, mq, timestamp);
        let rollbackOffset = ow.consumerOffset;
        if (force || timestampOffset <= ow.consumerOffset) {
          rollbackOffset = timestampOffset;
          await this.updateConsumeOffset(addr, consumerGroup, mq, timestampOffset);
        }
        out.push({ brokerName: mq.brokerName, queueId: mq.queueId, brokerOffset: ow.brokerOffset, consumerOffset: ow.consumerOffset, timestampOffset, rollbackOffset });
      }
    }
    return out;
  }

  /** resetOffsetNew: the online way, falling back to the offline one when no consumer is online. */
  async resetOffsetNew(consumerGroup: string, topic: string, timestamp: number): Promise<void> {
    try {
      await this.resetOffsetByTimestamp(topic, consumerGroup, timestamp, true);
    } catch (err) {
      if (!isResponseCode(err, ResponseCode.CONSUMER_NOT_ONLINE)) throw err;
      await this.resetOffsetByTimestampOld(consumerGroup, topic, timestamp, true);
    }
  }

  /** UPDATE_CONSUMER_OFFSET on one broker. */
  async updateConsumeOffset(brokerAddr: string, consumerGroup: string, mq: MessageQueue, offset: number): Promise<void> {
    const header = encodeUpdateConsumerOffsetRequestHeader({ consumerGroup, topic: mq.topic, queueId: mq.queueId, commitOffset: offset, bname: mq.brokerName });
    await this.invokeBroker(brokerAddr, createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, header), `UPDATE_CONSUMER_OFFSET ${consumerGroup}`);
  }

  /** GET_TOPIC_STATS_INFO on one broker. */
  async getTopicStatsInfo(brokerAddr: string, topic: string): Promise<TopicStatsTable> {
    const what = `GET_TOPIC_STATS_INFO ${topic}`;
    const r = await this.invokeBroker(brokerAddr, createRequest(RequestCode.GET_TOPIC_STATS_INFO, encodeGetTopicStatsInfoRequestHeader({ topic })), what);
    return AdminClient.decode(() => decodeTopicStatsTable(AdminClient.body(r, what, brokerAddr)), what, brokerAddr);
  }

  private async brokerOffset(addr: string, code: number, what: string, header: Record<string, string>): Promise<number> {
    const r = await this.invokeBroker(addr, createRequest(code, header), what);
    return decodeOffsetResponseHeader(r.extFields).offset;
  }

  private brokerMaxOffset(addr: string, mq: MessageQueue): Promise<number> {
    return this.brokerOffset(addr, RequestCode.GET_MAX_OFFSET, 'GET_MAX_OFFSET', encodeGetMaxOffsetRequestHeader({ topic: mq.topic, queueId: mq.queueId }));
  }

  private brokerSearchOffset(addr: string, mq: MessageQueue, timestamp: number): Promise<number> {
    return this.brokerOffset(addr, RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, 'SEARCH_OFFSET_BY_TIMESTAMP', encodeSearchOffsetRequestHeader({ topic: mq.topic, queueId: mq.queueId, timestamp }));
  }

  /** The master of a queue's broker, from the topic's route (refreshed once when missing). */
  private async masterOf(mq: MessageQueue): Promise<string> {
    const find = (route: TopicRouteData | undefined): string | undefined =>
      route?.brokerDatas.find((b) => b.brokerName === mq.brokerName)?.brokerAddrs.get(MixAll.MASTER_ID);
    let addr = find(this.routeCache.get(mq.topic));
    if (addr === undefined) addr = find(await this.examineTopicRouteInfo(mq.topic));
    if (addr === undefined) throw adminError(ErrorCode.NO_ROUTE, `The broker[${mq.brokerName}] not exist (no master serves topic ${mq.topic} there)`);
    return addr;
  }

  /** GET_MAX_OFFSET of a queue on its master (the offset the next message gets). */
  async maxOffset(mq: MessageQueue): Promise<number> {
    return this.brokerMaxOffset(await this.masterOf(mq), mq);
  }

  /** GET_MIN_OFFSET of a queue on its master. */
  async minOffset(mq: MessageQueue): Promise<number> {
    const addr = await this.masterOf(mq);
    return this.brokerOffset(addr, RequestCode.GET_MIN_OFFSET, 'GET_MIN_OFFSET', encodeGetMinOffsetRequestHeader({ topic: mq.topic, queueId: mq.queueId }));
  }

  /** SEARCH_OFFSET_BY_TIMESTAMP of a queue on its master. */
  async searchOffset(mq: MessageQueue, timestamp: number): Promise<number> {
    return this.brokerSearchOffset(await this.masterOf(mq), mq, timestamp);
  }

  /** The readable queues of a topic (fetchSubscribeMessageQueues), in route order. */
  async fetchSubscribeMessageQueues(topic: string): Promise<MessageQueue[]> {
    const route = await this.examineTopicRouteInfo(topic);
    const out: MessageQueue[] = [];
    for (const qd of route.queueDatas) {
      if ((qd.perm & PermName.PERM_READ) === 0) continue;
      for (let i = 0; i < qd.readQueueNums; i++) out.push({ topic, brokerName: qd.brokerName, queueId: i });
    }
    if (out.length === 0) throw adminError(ErrorCode.NO_ROUTE, `Can not find Message Queue for this topic, ${topic}`);
    return out;
  }

  /**
   * One PULL_MESSAGE without holding (DefaultMQPullConsumer.pull): up to
   * `maxNums` messages from `offset`, filtered by tag as the Java client does.
   */
  async pullMessage(mq: MessageQueue, offset: number, maxNums: number, options: PullOptions = {}): Promise<PullResult> {
    const subExpression = options.subExpression ?? '*';
    const addr = await this.masterOf(mq);
    const header = encodePullMessageRequestHeader({
      consumerGroup: options.consumerGroup ?? MixAll.TOOLS_CONSUMER_GROUP,
      topic: mq.topic,
      queueId: mq.queueId,
      queueOffset: offset,
      maxMsgNums: maxNums,
      sysFlag: buildPullSysFlag(false, false, true, false),
      commitOffset: 0,
      suspendTimeoutMillis: 0,
      subscription: subExpression,
      subVersion: 0,
      expressionType: 'TAG',
    });
    const what = `PULL_MESSAGE ${mq.topic}:${mq.brokerName}:${mq.queueId}@${offset}`;
    const r = await this.invokeBrokerRaw(addr, createRequest(RequestCode.PULL_MESSAGE, header), what, this.options.timeoutMillis * 2);
    let pullStatus: PullStatus;
    switch (r.code) {
      case ResponseCode.SUCCESS:
        pullStatus = 'FOUND';
        break;
      case ResponseCode.PULL_NOT_FOUND:
        pullStatus = 'NO_NEW_MSG';
        break;
      case ResponseCode.PULL_RETRY_IMMEDIATELY:
        pullStatus = 'NO_MATCHED_MSG';
        break;
      case ResponseCode.PULL_OFFSET_MOVED:
        pullStatus = 'OFFSET_ILLEGAL';
        break;
      default:
        throw responseError(r.code, r.remark, `broker ${addr}`, what);
    }
    const h = decodePullMessageResponseHeader(r.extFields);
    let msgs: MessageExt[] = [];
    if (pullStatus === 'FOUND' && r.body !== undefined) {
      msgs = decodeMessages(r.body, { decompress: true });
      const tags = tagsOf(subExpression);
      if (tags.size > 0) msgs = msgs.filter((m) => m.tags !== undefined && tags.has(m.tags));
      msgs = msgs.map((m) => ({
        ...m,
        properties: { ...m.properties, MIN_OFFSET: String(h.minOffset), MAX_OFFSET: String(h.maxOffset) },
      }));
    }
    return { pullStatus, nextBeginOffset: h.nextBeginOffset, minOffset: h.minOffset, maxOffset: h.maxOffset, msgFoundList: msgs };
  }

  // ---------------------------------------------------------------------------
  // Messages

  /**
   * VIEW_MESSAGE_BY_ID: the message an offset msgId (store host + commit log
   * offset) names, asked of that host. The host must be a broker the
   * NameServer knows; anything else (a unique key, say) is NO_MESSAGE.
   */
  async viewMessage(offsetMsgId: string): Promise<MessageExt> {
    let id;
    try {
      id = decodeOffsetMsgId(offsetMsgId);
    } catch (err) {
      throw new RmqError(ErrorCode.ARGUMENT, `${offsetMsgId} is not an offset message id: ${errorMessage(err)}`, { responseCode: ResponseCode.NO_MESSAGE, cause: err });
    }
    const info = await this.examineBrokerClusterInfo();
    const known = [...info.brokerAddrTable.values()].some((bd) => [...bd.brokerAddrs.values()].includes(id.address));
    if (!known) {
      throw adminError(
        ErrorCode.NO_ROUTE,
        `message ${offsetMsgId} not found: its store host ${id.address} is not a broker the NameServer knows (is it a unique key? use queryMsgByUniqueKey with the topic)`,
        ResponseCode.NO_MESSAGE,
      );
    }
    const what = `VIEW_MESSAGE_BY_ID ${offsetMsgId}`;
    const r = await this.invokeBroker(id.address, createRequest(RequestCode.VIEW_MESSAGE_BY_ID, encodeViewMessageRequestHeader({ offset: id.offset })), what);
    const msg = AdminClient.decode(() => decodeMessages(AdminClient.body(r, what, id.address), { decompress: true })[0], what, id.address);
    if (msg === undefined) throw adminError(ErrorCode.PROTOCOL, `${what}: the answer holds no message`, ResponseCode.NO_MESSAGE);
    return msg;
  }

  /** viewMessage(topic, msgId): an offset msgId first, else a unique key of the topic. */
  async viewMessageInTopic(topic: string, msgId: string): Promise<MessageExt> {
    try {
      return await this.viewMessage(msgId);
    } catch (err) {
      this.log.debug({ msgId, err: errorMessage(err) }, 'not an offset msgId; querying as a unique key');
    }
    const r = await this.queryMessageByUniqKey(topic, msgId, 32, 0, Number.MAX_SAFE_INTEGER);
    return r.messageList[0]!;
  }

  /** QUERY_MESSAGE by key on every broker of the topic; messages whose KEYS hold `key`. */
  async queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryResult> {
    return this.query(topic, key, maxNum, begin, end, false);
  }

  /** QUERY_MESSAGE by unique key (UNIQ_KEY): the earliest stored match. */
  async queryMessageByUniqKey(topic: string, uniqKey: string, maxNum: number, begin: number, end: number): Promise<QueryResult> {
    return this.query(topic, uniqKey, maxNum, begin, end, true);
  }

  private async query(topic: string, key: string, maxNum: number, begin: number, end: number, uniq: boolean): Promise<QueryResult> {
    const route = await this.examineTopicRouteInfo(topic);
    const addrs = route.brokerDatas.map(selectBrokerAddr).filter((a): a is string => a !== undefined);
    if (addrs.length === 0) throw adminError(ErrorCode.NO_ROUTE, `The topic[${topic}] not matched route info`, ResponseCode.TOPIC_NOT_EXIST);
    const what = `QUERY_MESSAGE ${topic} ${key}`;
    const answers = await Promise.all(
      addrs.map(async (addr) => {
        const header = { ...encodeQueryMessageRequestHeader({ topic, key, maxNum, beginTimestamp: begin, endTimestamp: end }), [MixAll.UNIQUE_MSG_QUERY_FLAG]: String(uniq) };
        try {
          const r = await this.invokeBrokerRaw(addr, createRequest(RequestCode.QUERY_MESSAGE, header), what, this.options.timeoutMillis * 3);
          if (r.code !== ResponseCode.SUCCESS) {
            this.log.debug({ addr, code: r.code, remark: r.remark }, 'query message failed');
            return undefined;
          }
          const h = decodeQueryMessageResponseHeader(r.extFields);
          return { indexLastUpdateTimestamp: h.indexLastUpdateTimestamp, messages: r.body === undefined ? [] : decodeMessages(r.body, { decompress: true }) };
        } catch (err) {
          this.log.debug({ addr, err: errorMessage(err) }, 'query message failed');
          return undefined;
        }
      }),
    );
    let indexLastUpdateTimestamp = 0;
    const list: MessageExt[] = [];
    for (const a of answers) {
      if (a === undefined) continue;
      indexLastUpdateTimestamp = Math.max(indexLastUpdateTimestamp, a.indexLastUpdateTimestamp);
      for (const m of a.messages) {
        if (uniq) {
          if (m.msgId !== key) continue;
          const first = list[0];
          if (first === undefined) list.push(m);
          else if (first.storeTimestamp > m.storeTimestamp) list.splice(0, list.length, m);
        } else if (m.topic === topic && m.keys !== undefined && m.keys.split(' ').includes(key)) {
          list.push(m);
        }
      }
    }
    if (list.length === 0) throw adminError(ErrorCode.RESPONSE, `query message by key finished, but no message: topic ${topic}, key ${key}`, ResponseCode.NO_MESSAGE);
    return { indexLastUpdateTimestamp, messageList: list };
  }

  /**
   * For each group consuming the message's topic: whether it consumed the
   * message yet (messageTrackDetail, as queryMsgById prints it).
   */
  async messageTrackDetail(msg: MessageExt): Promise<MessageTrack[]> {
    const out: MessageTrack[] = [];
    const groups = (await this.queryTopicConsumeByWho(msg.topic)).groupList;
    for (const group of groups) {
      let cc: ConsumerConnection;
      try {
        cc = await this.examineConsumerConnectionInfo(group);
      } catch (err) {
        const offline = isResponseCode(err, ResponseCode.CONSUMER_NOT_ONLINE);
        out.push({
          consumerGroup: group,
          trackType: offline ? TrackType.NOT_ONLINE : TrackType.UNKNOWN,
          exceptionDesc: isRmqError(err) && err.responseCode !== undefined ? `CODE:${err.responseCode} DESC:${err.message}` : errorMessage(err),
        });
        continue;
      }
      if (cc.consumeType === 'CONSUME_ACTIVELY') {
        out.push({ consumerGroup: group, trackType: TrackType.PULL, exceptionDesc: undefined });
        continue;
      }
      if (cc.consumeType !== 'CONSUME_PASSIVELY') {
        out.push({ consumerGroup: group, trackType: TrackType.UNKNOWN, exceptionDesc: undefined });
        continue;
      }
      let consumed: boolean;
      try {
        consumed = await this.consumed(msg, group);
      } catch (err) {
        const offline = isResponseCode(err, ResponseCode.CONSUMER_NOT_ONLINE);
        out.push({
          consumerGroup: group,
          trackType: offline ? TrackType.NOT_ONLINE : TrackType.UNKNOWN,
          exceptionDesc: isRmqError(err) && err.responseCode !== undefined ? `CODE:${err.responseCode} DESC:${err.message}` : errorMessage(err),
        });
        continue;
      }
      let trackType: TrackType = consumed ? TrackType.CONSUMED : TrackType.NOT_CONSUME_YET;
      if (consumed) {
        const sub = cc.subscriptionTable.get(msg.topic);
        if (sub !== undefined && sub.tagsSet.length > 0 && !sub.tagsSet.includes('*') && !(msg.tags !== undefined && sub.tagsSet.includes(msg.tags))) {
          trackType = TrackType.CONSUMED_BUT_FILTERED;
        }
      }
      out.push({ consumerGroup: group, trackType, exceptionDesc: undefined });
    }
    return out;
  }

  /** Whether the group's committed offset on the message's queue (on its store host) is past it. */
  async consumed(msg: MessageExt, group: string): Promise<boolean> {
    const [stats, info] = await Promise.all([this.examineConsumeStats(group), this.examineBrokerClusterInfo()]);
    for (const [mq, ow] of stats.offsetTable) {
      if (mq.topic !== msg.topic || mq.queueId !== msg.queueId) continue;
      const master = info.brokerAddrTable.get(mq.brokerName)?.brokerAddrs.get(MixAll.MASTER_ID);
      if (master !== undefined && master === msg.storeHost && ow.consumerOffset > msg.queueOffset) return true;
    }
    return false;
  }

  /**
   * CONSUME_MESSAGE_DIRECTLY: the broker that stored the message asks the
   * client `clientId` of the group to consume it now. `msgId` is an offset
   * msgId, or a unique key when `topic` is given.
   */
  async consumeMessageDirectly(consumerGroup: string, clientId: string, msgId: string, topic?: string): Promise<ConsumeMessageDirectlyResult> {
    const msg = topic === undefined ? await this.viewMessage(msgId) : await this.viewMessageInTopic(topic, msgId);
    const what = `CONSUME_MESSAGE_DIRECTLY ${consumerGroup} ${clientId}`;
    const header = encodeConsumeMessageDirectlyResultRequestHeader({ consumerGroup, clientId, msgId: msg.offsetMsgId });
    const r = await this.invokeBroker(msg.storeHost, createRequest(RequestCode.CONSUME_MESSAGE_DIRECTLY, header), what, this.options.timeoutMillis * 3);
    return AdminClient.decode(() => decodeConsumeMessageDirectlyResult(AdminClient.body(r, what, msg.storeHost)), what, msg.storeHost);
  }

  /** The producer sendMessage and clusterRT share, started on first use. */
  private async sharedProducer(): Promise<Producer> {
    this.checkOpen();
    if (this.producer === undefined) {
      const producer = new Producer({
        nameServer: this.nameServers,
        group: `admin_${this.options.instanceName}`,
        instanceName: `admin_${this.options.instanceName}`,
        clientIP: this.options.clientIP,
        sendMsgTimeout: this.options.timeoutMillis,
        logger: this.log,
      });
      this.producer = producer.start().then(() => producer);
      this.producer.catch(() => {
        this.producer = undefined;
      });
    }
    return this.producer;
  }

  /** Sends one message (to one queue when brokerName and queueId are given). */
  async sendMessage(message: Message, target: SendMessageTarget = {}): Promise<SendResult> {
    const producer = await this.sharedProducer();
    if (target.brokerName !== undefined && target.queueId !== undefined && target.queueId > -1) {
      return producer.send(message, { queue: { topic: message.topic, brokerName: target.brokerName, queueId: target.queueId } });
    }
    return producer.send(message);
  }

  /**
   * clusterRT's probe of one broker: `amount` sends of `size` bytes to the
   * topic named after the broker, one after another.
   */
  async sendMessageRT(brokerName: string, amount = 100, size = 128): Promise<SendRTResult> {
    const producer = await this.sharedProducer();
    const body = Buffer.alloc(size, 'a');
    let elapsed = 0;
    let successCount = 0;
    let failCount = 0;
    for (let i = 0; i < amount; i++) {
      const start = Date.now();
      try {
        await producer.send({ topic: brokerName, body });
        successCount++;
      } catch (err) {
        failCount++;
        this.log.debug({ brokerName, err: errorMessage(err) }, 'clusterRT send failed');
      }
      if (i !== 0) elapsed += Date.now() - start;
    }
    return { rt: elapsed / (amount - 1), successCount, failCount };
  }

  // ---------------------------------------------------------------------------
  // Brokers

  /** GET_BROKER_RUNTIME_INFO: the broker's runtime statistics. */
  async fetchBrokerRuntimeStats(brokerAddr: string): Promise<KVTable> {
    const what = 'GET_BROKER_RUNTIME_INFO';
    const r = await this.invokeBroker(brokerAddr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO), what);
    return AdminClient.decode(() => decodeKVTable(AdminClient.body(r, what, brokerAddr)), what, brokerAddr);
  }

  /** GET_BROKER_CONFIG: the broker's settings, in the order it sent them. */
  async getBrokerConfig(brokerAddr: string): Promise<Map<string, string>> {
    const r = await this.invokeBroker(brokerAddr, createRequest(RequestCode.GET_BROKER_CONFIG), 'GET_BROKER_CONFIG');
    return parseProperties((r.body ?? Buffer.alloc(0)).toString('utf8'));
  }

  /** UPDATE_BROKER_CONFIG with `key=value` lines. */
  async updateBrokerConfig(brokerAddr: string, properties: ReadonlyMap<string, string> | Readonly<Record<string, string>>): Promise<void> {
    const body = serializeProperties(properties);
    if (body.length === 0) return;
    await this.invokeBroker(brokerAddr, createRequest(RequestCode.UPDATE_BROKER_CONFIG, {}, body), 'UPDATE_BROKER_CONFIG');
  }

  /** VIEW_BROKER_STATS_DATA: one statistic (e.g. TOPIC_PUT_NUMS / topic) per minute, hour and day. */
  async viewBrokerStatsData(brokerAddr: string, statsName: string, statsKey: string): Promise<BrokerStatsData> {
    const what = `VIEW_BROKER_STATS_DATA ${statsName} ${statsKey}`;
    const r = await this.invokeBroker(brokerAddr, createRequest(RequestCode.VIEW_BROKER_STATS_DATA, encodeViewBrokerStatsDataRequestHeader({ statsName, statsKey })), what);
    return AdminClient.decode(() => decodeBrokerStatsData(AdminClient.body(r, what, brokerAddr)), what, brokerAddr);
  }

  /** GET_BROKER_CONSUME_STATS: consume stats of every group on one broker. */
  async fetchConsumeStatsInBroker(brokerAddr: string, isOrder: boolean, timeoutMillis = this.options.timeoutMillis): Promise<ConsumeStatsList> {
    const what = 'GET_BROKER_CONSUME_STATS';
    const r = await this.invokeBroker(brokerAddr, createRequest(RequestCode.GET_BROKER_CONSUME_STATS, encodeGetConsumeStatsInBrokerHeader({ isOrder })), what, timeoutMillis);
    return AdminClient.decode(() => decodeConsumeStatsList(AdminClient.body(r, what, brokerAddr)), what, brokerAddr);
  }

  /** GET_BROKER_CONSUME_STATS on every master of a cluster (or of all clusters). */
  async fetchConsumeStatsInCluster(isOrder: boolean, clusterName?: string): Promise<Map<string, ConsumeStatsList>> {
    const info = await this.examineBrokerClusterInfo();
    const clusters = clusterName === undefined ? [...info.clusterAddrTable.keys()] : [clusterName];
    const out = new Map<string, ConsumeStatsList>();
    for (const c of clusters) {
      for (const brokerName of AdminClient.clusterBrokers(info, c)) {
        const master = info.brokerAddrTable.get(brokerName)?.brokerAddrs.get(MixAll.MASTER_ID);
        if (master !== undefined) out.set(master, await this.fetchConsumeStatsInBroker(master, isOrder));
      }
    }
    return out;
  }

  /** QUERY_CONSUME_QUEUE: raw consume queue entries of one queue on one broker. */
  async queryConsumeQueue(brokerAddr: string, topic: string, queueId: number, index: number, count: number, consumerGroup?: string): Promise<QueryConsumeQueueResponseBody> {
    const what = `QUERY_CONSUME_QUEUE ${topic}:${queueId}`;
    const header = encodeQueryConsumeQueueRequestHeader({ topic, queueId, index, count, ...(consumerGroup === undefined ? {} : { consumerGroup }) });
    const r = await this.invokeBroker(brokerAddr, createRequest(RequestCode.QUERY_CONSUME_QUEUE, header), what);
    return AdminClient.decode(() => decodeQueryConsumeQueueResponseBody(AdminClient.body(r, what, brokerAddr)), what, brokerAddr);
  }
}
