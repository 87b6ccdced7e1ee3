/**
 * A FAKE broker for the admin request codes: a RemotingServer on 127.0.0.1
 * that registers with a real NameServer and answers the admin codes from a
 * small in-memory state, the way a 4.9 broker answers them (bodies built
 * with the protocol encoders). It records every request so tests can check
 * what the admin client sent. It is NOT the project's broker: no store, no
 * clients; the real-broker tests run the same calls against packages/broker.
 */
import {
  type ConsumeStats,
  type ProducerInfo,
  type RemotingCommand,
  type SubscriptionGroupConfig,
  type TopicConfig,
  RequestCode,
  ResponseCode,
  createRequest,
  createResponse,
  decodeSubscriptionGroupConfig,
  encodeBrokerStatsData,
  encodeConsumeMessageDirectlyResult,
  encodeConsumeStats,
  encodeConsumeStatsList,
  encodeConsumerConnection,
  encodeGroupList,
  encodeKVTable,
  encodeProducerTableInfo,
  encodeQueryConsumeQueueResponseBody,
  encodeQueryConsumeTimeSpanBody,
  encodeRecord,
  encodeRegisterBrokerBody,
  encodeRegisterBrokerRequestHeader,
  encodeResetOffsetBody,
  encodeSubscriptionGroupWrapper,
  encodeTopicConfigSerializeWrapper,
  encodeTopicStatsTable,
  encodeProperties,
  getRetryTopic,
  javaCrc32,
  measureRecord,
  parseProperties,
  serializeProperties,
  createOffsetMsgId,
} from '@rocketmq-ts/protocol';
import { RemotingClient, RemotingServer } from '@rocketmq-ts/remoting';

export const FAKE_BROKER_NAME = 'fake-broker';
export const FAKE_CLUSTER = 'FakeCluster';
/** A fixed time for lastTimestamp / lastUpdateTimestamp, so printed dates are known. */
export const FAKE_TIME = new Date(2024, 4, 6, 7, 8, 9, 10).getTime();

export interface FakeQueueOffsets {
  /** Next offset of the queue (its max offset). */
  readonly max: number;
  readonly min: number;
}

export class FakeAdminBroker {
  readonly requests: RemotingCommand[] = [];
  readonly topics = new Map<string, TopicConfig>();
  readonly groups = new Map<string, SubscriptionGroupConfig>();
  readonly config = new Map<string, string>([
    ['brokerName', FAKE_BROKER_NAME],
    ['brokerClusterName', FAKE_CLUSTER],
    ['maxMessageSize', '4194304'],
  ]);
  /** topic -> queueId -> offsets. */
  readonly queues = new Map<string, Map<number, FakeQueueOffsets>>();
  /** "topic@group" -> queueId -> committed offset. */
  readonly committed = new Map<string, Map<number, number>>();
  /** Groups with a consumer online (INVOKE_BROKER_TO_RESET_OFFSET answers CONSUMER_NOT_ONLINE for the others). */
  readonly online = new Set<string>();
  /** The one stored message VIEW_MESSAGE_BY_ID serves (at commit log offset 0). */
  message: { topic: string; queueId: number; queueOffset: number; body: string; properties: Record<string, string> } | undefined;
  private readonly server = new RemotingServer();
  private readonly toNameServer = new RemotingClient();
  private nameServer = '';
  /** Bumped per registration: the NameServer takes topics only from a DataVersion it has not seen. */
  private dataVersionCounter = 0;
  address = '';

  async start(nameServer: string): Promise<void> {
    this.nameServer = nameServer;
    this.register();
    const port = await this.server.listen(0, '127.0.0.1');
    this.address = `127.0.0.1:${port}`;
    await this.registerWithNameServer();
  }

  async close(): Promise<void> {
    await this.toNameServer.close();
    await this.server.close();
  }

  addTopic(topic: string, queues: number, offsets: FakeQueueOffsets = { min: 0, max: 0 }): void {
    this.topics.set(topic, { topicName: topic, readQueueNums: queues, writeQueueNums: queues, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
    this.queues.set(topic, new Map(Array.from({ length: queues }, (_, i) => [i, offsets])));
  }

  /** REGISTER_BROKER with every topic, as a broker does after a topic change. */
  async registerWithNameServer(): Promise<void> {
    const body = encodeRegisterBrokerBody({
      topicConfigSerializeWrapper: { topicConfigTable: new Map(this.topics), dataVersion: { timestamp: Date.now(), counter: ++this.dataVersionCounter } },
      filterServerList: [],
    });
    const header = encodeRegisterBrokerRequestHeader({
      brokerName: FAKE_BROKER_NAME,
      brokerAddr: this.address,
      clusterName: FAKE_CLUSTER,
      haServerAddr: this.address,
      brokerId: 0,
      compressed: false,
      bodyCrc32: javaCrc32(body),
    });
    const r = await this.toNameServer.invoke(this.nameServer, createRequest(RequestCode.REGISTER_BROKER, header, body), 3000);
    if (r.code !== ResponseCode.SUCCESS) throw new Error(`fake broker registration failed: ${r.remark ?? r.code}`);
  }

  /** The last request with this code. */
  last(code: number): RemotingCommand | undefined {
    return [...this.requests].reverse().find((r) => r.code === code);
  }

  private consumeStats(group: string, topic: string | undefined): ConsumeStats {
    const offsetTable: ConsumeStats['offsetTable'] = [];
    for (const [key, byQueue] of this.committed) {
      const [t, g] = key.split('@') as [string, string];
      if (g !== group || (topic !== undefined && t !== topic)) continue;
      for (const [queueId, consumerOffset] of byQueue) {
        const q = this.queues.get(t)?.get(queueId);
        offsetTable.push([{ topic: t, brokerName: FAKE_BROKER_NAME, queueId }, { brokerOffset: q?.max ?? 0, consumerOffset, lastTimestamp: FAKE_TIME }]);
      }
    }
    return { offsetTable, consumeTps: 1.5 };
  }

  private register(): void {
    const ok = (req: RemotingCommand, body?: Buffer, ext: Record<string, string> = {}): RemotingCommand => createResponse(req, ResponseCode.SUCCESS, undefined, ext, body);
    const on = (code: number, handle: (req: RemotingCommand) => RemotingCommand | Promise<RemotingCommand>): void => {
      this.server.registerProcessor(code, (req) => {
        this.requests.push(req);
        return handle(req);
      });
    };
    on(RequestCode.UPDATE_AND_CREATE_TOPIC, async (req) => {
      const f = req.extFields;
      this.addTopic(f['topic']!, Number(f['writeQueueNums']));
      const tc = this.topics.get(f['topic']!)!;
      this.topics.set(tc.topicName, { ...tc, readQueueNums: Number(f['readQueueNums']), perm: Number(f['perm']), order: f['order'] === 'true' });
      await this.registerWithNameServer();
      return ok(req);
    });
    on(RequestCode.GET_ALL_TOPIC_CONFIG, (req) =>
      ok(req, encodeTopicConfigSerializeWrapper({ topicConfigTable: new Map(this.topics), dataVersion: { timestamp: 1, counter: 1 } })),
    );
    on(RequestCode.DELETE_TOPIC_IN_BROKER, (req) => {
      this.topics.delete(req.extFields['topic']!);
      return ok(req);
    });
    on(RequestCode.UPDATE_BROKER_CONFIG, (req) => {
      for (const [k, v] of parseProperties((req.body ?? Buffer.alloc(0)).toString('utf8'))) this.config.set(k, v);
      return ok(req);
    });
    on(RequestCode.GET_BROKER_CONFIG, (req) => ok(req, serializeProperties(this.config), { version: '{"counter":1,"timestamp":1}' }));
    on(RequestCode.GET_BROKER_RUNTIME_INFO, (req) =>
      ok(req, encodeKVTable({ table: new Map([['brokerVersionDesc', 'V4_9_4'], ['putTps', '1.50 1.00 1.00'], ['getTransferedTps', '0.50 0 0']]) })),
    );
    on(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, (req) => {
      const c = decodeSubscriptionGroupConfig(req.body!);
      this.groups.set(c.groupName, c);
      return ok(req);
    });
    on(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, (req) =>
      ok(req, encodeSubscriptionGroupWrapper({ subscriptionGroupTable: new Map(this.groups), dataVersion: { timestamp: 1, counter: 1 } })),
    );
    on(RequestCode.DELETE_SUBSCRIPTIONGROUP, (req) => {
      this.groups.delete(req.extFields['groupName']!);
      return ok(req);
    });
    on(RequestCode.GET_TOPIC_STATS_INFO, (req) => {
      const topic = req.extFields['topic']!;
      const qs = this.queues.get(topic);
      if (qs === undefined) return createResponse(req, ResponseCode.TOPIC_NOT_EXIST, `topic[${topic}] not exist`);
      return ok(
        req,
        encodeTopicStatsTable({
          offsetTable: [...qs].map(([queueId, o]) => [
            { topic, brokerName: FAKE_BROKER_NAME, queueId },
            { minOffset: o.min, maxOffset: o.max, lastUpdateTimestamp: o.max > 0 ? FAKE_TIME : 0 },
          ]),
        }),
      );
    });
    on(RequestCode.GET_CONSUME_STATS, (req) => ok(req, encodeConsumeStats(this.consumeStats(req.extFields['consumerGroup']!, req.extFields['topic']))));
    on(RequestCode.GET_CONSUMER_CONNECTION_LIST, (req) => {
      const group = req.extFields['consumerGroup']!;
      if (!this.online.has(group)) return createResponse(req, ResponseCode.CONSUMER_NOT_ONLINE, `the consumer group[${group}] not online`);
      return ok(
        req,
        encodeConsumerConnection({
          connectionSet: [{ clientId: '127.0.0.1@fake', clientAddr: '127.0.0.1:50000', language: 'JAVA', version: 401 }],
          subscriptionTable: new Map(),
          consumeType: 'CONSUME_PASSIVELY',
          messageModel: 'CLUSTERING',
          consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
        }),
      );
    });
    on(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, (req) => {
      const f = req.extFields;
      const group = f['group']!;
      const topic = f['topic']!;
      if (!this.online.has(group)) {
        return createResponse(req, ResponseCode.CONSUMER_NOT_ONLINE, `Consumer not online, so can not reset offset, Group: ${group} Topic: ${topic} Timestamp: ${f['timestamp']}`);
      }
      const table: Array<[{ topic: string; brokerName: string; queueId: number }, number]> = [];
      for (const [queueId, o] of this.queues.get(topic) ?? []) table.push([{ topic, brokerName: FAKE_BROKER_NAME, queueId }, f['timestamp'] === '-1' ? o.max : o.min]);
      return ok(req, encodeResetOffsetBody({ offsetTable: table }));
    });
    on(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, (req) => {
      const q = this.queues.get(req.extFields['topic']!)?.get(Number(req.extFields['queueId']));
      return ok(req, undefined, { offset: String(q?.min ?? 0) });
    });
    on(RequestCode.GET_MAX_OFFSET, (req) => ok(req, undefined, { offset: String(this.queues.get(req.extFields['topic']!)?.get(Number(req.extFields['queueId']))?.max ?? 0) }));
    on(RequestCode.GET_MIN_OFFSET, (req) => ok(req, undefined, { offset: String(this.queues.get(req.extFields['topic']!)?.get(Number(req.extFields['queueId']))?.min ?? 0) }));
    on(RequestCode.UPDATE_CONSUMER_OFFSET, (req) => {
      const f = req.extFields;
      const key = `${f['topic']!}@${f['consumerGroup']!}`;
      const m = this.committed.get(key) ?? new Map<number, number>();
      m.set(Number(f['queueId']), Number(f['commitOffset']));
      this.committed.set(key, m);
      return ok(req);
    });
    on(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, (req) => {
      const topic = req.extFields['topic']!;
      const groups = [...this.committed.keys()].filter((k) => k.startsWith(`${topic}@`)).map((k) => k.slice(topic.length + 1));
      return ok(req, encodeGroupList({ groupList: groups }));
    });
    on(RequestCode.QUERY_CONSUME_TIME_SPAN, (req) => {
      const topic = req.extFields['topic']!;
      const spans = [...(this.queues.get(topic) ?? new Map<number, FakeQueueOffsets>()).keys()].map((queueId) => ({
        messageQueue: { topic, brokerName: FAKE_BROKER_NAME, queueId },
        minTimeStamp: FAKE_TIME,
        maxTimeStamp: FAKE_TIME,
        consumeTimeStamp: FAKE_TIME,
        delayTime: 0,
      }));
      return ok(req, encodeQueryConsumeTimeSpanBody({ consumeTimeSpanSet: spans }));
    });
    on(RequestCode.VIEW_BROKER_STATS_DATA, (req) =>
      ok(req, encodeBrokerStatsData({ statsMinute: { sum: 6, tps: 0.1, avgpt: 1 }, statsHour: { sum: 60, tps: 0.01, avgpt: 1 }, statsDay: { sum: 0, tps: 0, avgpt: 0 } })),
    );
    on(RequestCode.GET_BROKER_CONSUME_STATS, (req) => {
      const byGroup = new Map<string, ConsumeStats[]>();
      for (const key of this.committed.keys()) {
        const [topic, group] = key.split('@') as [string, string];
        byGroup.set(group, [...(byGroup.get(group) ?? []), this.consumeStats(group, topic)]);
      }
      let totalDiff = 0;
      for (const list of byGroup.values()) for (const s of list) for (const [, o] of s.offsetTable) totalDiff += o.brokerOffset - o.consumerOffset;
      return ok(req, encodeConsumeStatsList({ brokerAddr: this.address, consumeStatsList: [byGroup], totalDiff }));
    });
    on(RequestCode.QUERY_CONSUME_QUEUE, (req) =>
      ok(req, encodeQueryConsumeQueueResponseBody({ queueData: [{ physicOffset: 0, physicSize: 100, tagsCode: 0, eval: false }], maxQueueIndex: 1, minQueueIndex: 0 })),
    );
    on(RequestCode.GET_ALL_PRODUCER_INFO, (req) => {
      const p: ProducerInfo = { clientId: '127.0.0.1@p', remoteIP: '127.0.0.1:50001', language: 'JAVA', version: 401, lastUpdateTimestamp: FAKE_TIME };
      return ok(req, encodeProducerTableInfo({ data: new Map([['fake_pg', [p]]]) }));
    });
    on(RequestCode.VIEW_MESSAGE_BY_ID, (req) => {
      const m = this.message;
      if (m === undefined || req.extFields['offset'] !== '0') return createResponse(req, ResponseCode.SYSTEM_ERROR, 'no message at that offset');
      const input = {
        topic: m.topic,
        queueId: m.queueId,
        flag: 0,
        queueOffset: m.queueOffset,
        physicalOffset: 0,
        sysFlag: 0,
        bornTimestamp: FAKE_TIME,
        bornHost: '127.0.0.1:50002',
        storeTimestamp: FAKE_TIME,
        storeHost: this.address,
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
        body: Buffer.from(m.body),
        properties: encodeProperties(m.properties),
      };
      const buf = Buffer.alloc(measureRecord(input));
      encodeRecord(buf, 0, input);
      return ok(req, buf);
    });
    on(RequestCode.CONSUME_MESSAGE_DIRECTLY, (req) =>
      ok(req, encodeConsumeMessageDirectlyResult({ order: false, autoCommit: true, consumeResult: 'CR_SUCCESS', spentTimeMills: 3 })),
    );
  }

  /** The offset msgId of the stored message. */
  get messageOffsetId(): string {
    return createOffsetMsgId(this.address, 0);
  }

  /** The group's retry topic, so group calls find this broker through the NameServer. */
  async addGroupRoute(group: string): Promise<void> {
    this.addTopic(getRetryTopic(group), 1);
    await this.registerWithNameServer();
  }
}

