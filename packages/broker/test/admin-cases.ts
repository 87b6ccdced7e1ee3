/**
 * The request-code test's cases for the admin codes (AdminBrokerProcessor):
 * one well-formed and one malformed request each, answered as the Java
 * broker answers. request-codes.test.ts merges them into its table.
 */
import { expect } from 'vitest';
import {
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  createResponse,
  decodeBrokerStatsData,
  decodeConsumeStats,
  decodeConsumeStatsList,
  decodeDataVersion,
  decodeGetBrokerConfigResponseHeader,
  decodeGetConsumerStatusBody,
  decodeGroupList,
  decodeProducerTableInfo,
  decodeQueryConsumeQueueResponseBody,
  decodeQueryConsumeTimeSpanBody,
  decodeResetOffsetBody,
  decodeResetOffsetRequestHeader,
  decodeSubscriptionGroupWrapper,
  decodeTopicConfigSerializeWrapper,
  decodeTopicList,
  decodeTopicStatsTable,
  defaultSubscriptionGroupConfig,
  encodeCloneGroupOffsetRequestHeader,
  encodeConsumeMessageDirectlyResult,
  encodeConsumeMessageDirectlyResultRequestHeader,
  encodeCreateTopicRequestHeader,
  encodeDeleteSubscriptionGroupRequestHeader,
  encodeDeleteTopicRequestHeader,
  encodeGetConsumeStatsInBrokerHeader,
  encodeGetConsumeStatsRequestHeader,
  encodeGetConsumerStatusBody,
  encodeGetConsumerStatusRequestHeader,
  encodeGetTopicStatsInfoRequestHeader,
  encodeQueryConsumeQueueRequestHeader,
  encodeQueryConsumeTimeSpanRequestHeader,
  encodeQueryTopicConsumeByWhoRequestHeader,
  encodeResetOffsetRequestHeader,
  encodeSubscriptionGroupConfig,
  encodeUpdateConsumerOffsetRequestHeader,
  encodeViewBrokerStatsDataRequestHeader,
  parseProperties,
  parseRmqJson,
} from '@rocketmq-ts/protocol';
import type { RemotingClient } from '@rocketmq-ts/remoting';
import { type Broker, encodeQueryCorrectionOffsetHeader } from '@rocketmq-ts/broker';

export interface Case {
  readonly name: string;
  readonly good: () => Promise<void>;
  readonly bad: () => Promise<void>;
}

export interface AdminCaseEnv {
  readonly broker: Broker;
  readonly addr: string;
  /** The consumer connection that heartbeats CG_CODES as `clientId`; its handlers are set here. */
  readonly consumerSide: RemotingClient;
  readonly clientId: string;
  /** msgId and CommitLog offset of the first message in Codes queue 0. */
  readonly first: { readonly msgId: string; readonly commitLogOffset: number };
  call(code: number, fields?: Record<string, string>, body?: Buffer): Promise<RemotingCommand>;
  expectAnswer(r: RemotingCommand, code: number, remark?: string | RegExp): void;
  missing(field: string): string;
  /** Sends one message to a topic (created from TBW102 if new). */
  send(topic: string, queueId?: number): Promise<void>;
}

/** Cases for every admin code this task added (the earlier admin codes keep their cases in request-codes.test.ts). */
export function adminCases(env: AdminCaseEnv): Record<number, Case> {
  const { broker, call, expectAnswer, missing } = env;
  const junk = async (code: number): Promise<void> => expectAnswer(await call(code, { junk: '1' }, Buffer.from('junk')), ResponseCode.SUCCESS);
  const createTopic = (topic: string, queues = 4): Record<string, string> =>
    encodeCreateTopicRequestHeader({ topic, defaultTopic: 'TBW102', readQueueNums: queues, writeQueueNums: queues, perm: 6, topicFilterType: 'SINGLE_TAG', order: false });
  const commit = async (group: string, topic: string, queueId: number, offset: number): Promise<void> =>
    expectAnswer(
      await call(RequestCode.UPDATE_CONSUMER_OFFSET, encodeUpdateConsumerOffsetRequestHeader({ consumerGroup: group, topic, queueId, commitOffset: offset })),
      ResponseCode.SUCCESS,
    );

  // What the consumer connection receives and answers.
  const resets: RemotingCommand[] = [];
  const direct: RemotingCommand[] = [];
  env.consumerSide.registerProcessor(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, (req) => {
    resets.push(req);
    return undefined;
  });
  env.consumerSide.registerProcessor(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, (req) =>
    createResponse(req, ResponseCode.SUCCESS, undefined, {}, encodeGetConsumerStatusBody({ messageQueueTable: [[{ topic: 'Codes', brokerName: 'broker-a', queueId: 0 }, 7]], consumerTable: new Map() })),
  );
  env.consumerSide.registerProcessor(RequestCode.CONSUME_MESSAGE_DIRECTLY, (req) => {
    direct.push(req);
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, encodeConsumeMessageDirectlyResult({ order: false, autoCommit: true, consumeResult: 'CR_SUCCESS', spentTimeMills: 1 }));
  });

  return {
    [RequestCode.UPDATE_AND_CREATE_TOPIC]: {
      name: 'UPDATE_AND_CREATE_TOPIC',
      good: async () => {
        expectAnswer(await call(RequestCode.UPDATE_AND_CREATE_TOPIC, createTopic('CodesNew', 2)), ResponseCode.SUCCESS);
        expect(broker.topics.selectTopicConfig('CodesNew')).toMatchObject({ readQueueNums: 2, writeQueueNums: 2, perm: 6, order: false });
        expectAnswer(await call(RequestCode.UPDATE_AND_CREATE_TOPIC, createTopic('TBW102')), ResponseCode.SYSTEM_ERROR, 'The topic[TBW102] is conflict with system topic.');
        expectAnswer(await call(RequestCode.UPDATE_AND_CREATE_TOPIC, createTopic('DefaultCluster')), ResponseCode.SYSTEM_ERROR, 'The topic[DefaultCluster] is conflict with system topic.');
        expectAnswer(
          await call(RequestCode.UPDATE_AND_CREATE_TOPIC, createTopic('bad topic')),
          ResponseCode.SYSTEM_ERROR,
          'The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$',
        );
        expectAnswer(await call(RequestCode.UPDATE_AND_CREATE_TOPIC, createTopic('x'.repeat(128))), ResponseCode.SYSTEM_ERROR, 'The specified topic is longer than topic max length.');
      },
      bad: async () => {
        const h = createTopic('CodesBad');
        delete h['readQueueNums'];
        expectAnswer(await call(RequestCode.UPDATE_AND_CREATE_TOPIC, h), ResponseCode.SYSTEM_ERROR, missing('readQueueNums'));
        expectAnswer(
          await call(RequestCode.UPDATE_AND_CREATE_TOPIC, { ...createTopic('CodesBad'), topicFilterType: 'ANY' }),
          ResponseCode.SYSTEM_ERROR,
          'topicFilterType = [ANY] value invalid',
        );
        expect(broker.topics.selectTopicConfig('CodesBad')).toBeUndefined();
      },
    },
    [RequestCode.GET_ALL_TOPIC_CONFIG]: {
      name: 'GET_ALL_TOPIC_CONFIG',
      good: async () => {
        const r = await call(RequestCode.GET_ALL_TOPIC_CONFIG);
        expectAnswer(r, ResponseCode.SUCCESS);
        const w = decodeTopicConfigSerializeWrapper(r.body!);
        expect([...w.topicConfigTable.keys()]).toEqual(expect.arrayContaining(['Codes', 'CodesNew', 'TBW102']));
        expect(w.dataVersion.counter).toBe(broker.topics.dataVersion.counter);
      },
      bad: () => junk(RequestCode.GET_ALL_TOPIC_CONFIG),
    },
    [RequestCode.UPDATE_BROKER_CONFIG]: {
      name: 'UPDATE_BROKER_CONFIG',
      good: async () => {
        expectAnswer(await call(RequestCode.UPDATE_BROKER_CONFIG, {}, Buffer.from('shortPollingTimeMills=900\nregionId=CodesRegion\n')), ResponseCode.SUCCESS);
        expect(broker.config.shortPollingTimeMills).toBe(900);
        // regionId is read once at start: stored and shown, not applied.
        expect(broker.config.regionId).toBe('DefaultRegion');
        expect(broker.configuration.get('regionId')).toBe('CodesRegion');
        expectAnswer(await call(RequestCode.UPDATE_BROKER_CONFIG), ResponseCode.SUCCESS);
      },
      bad: async () => {
        expectAnswer(await call(RequestCode.UPDATE_BROKER_CONFIG, {}, Buffer.from('brokerConfigPath=/elsewhere\n')), ResponseCode.NO_PERMISSION, 'Can not update config in black list.');
        expectAnswer(await call(RequestCode.UPDATE_BROKER_CONFIG, {}, Buffer.from('rocketmqHome=/elsewhere\n')), ResponseCode.NO_PERMISSION, 'Can not update config in black list.');
        expectAnswer(
          await call(RequestCode.UPDATE_BROKER_CONFIG, {}, Buffer.from('shortPollingTimeMills=soon\n')),
          ResponseCode.SYSTEM_ERROR,
          'invalid value for shortPollingTimeMills: "soon"; accepted: an integer >= 0',
        );
        expect(broker.config.shortPollingTimeMills).toBe(900);
      },
    },
    [RequestCode.GET_BROKER_CONFIG]: {
      name: 'GET_BROKER_CONFIG',
      good: async () => {
        const r = await call(RequestCode.GET_BROKER_CONFIG);
        expectAnswer(r, ResponseCode.SUCCESS);
        const props = parseProperties(r.body!.toString('utf8'));
        expect(props.get('brokerName')).toBe('broker-a');
        expect(props.get('regionId')).toBe('CodesRegion');
        expect(props.get('shortPollingTimeMills')).toBe('900');
        const version = decodeDataVersion(decodeGetBrokerConfigResponseHeader(r.extFields).version);
        expect(version.counter).toBe(1);
      },
      bad: () => junk(RequestCode.GET_BROKER_CONFIG),
    },
    [RequestCode.GET_ALL_DELAY_OFFSET]: {
      name: 'GET_ALL_DELAY_OFFSET',
      good: async () => {
        const r = await call(RequestCode.GET_ALL_DELAY_OFFSET);
        expectAnswer(r, ResponseCode.SUCCESS);
        // The delay service's levels (empty until a level has delivered something: the default level 3 waits 10 s).
        expect(r.body!.toString()).toMatch(/^\{"offsetTable":\{(\d+:\d+(,\d+:\d+)*)?\}\}$/);
      },
      bad: () => junk(RequestCode.GET_ALL_DELAY_OFFSET),
    },
    [RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP]: {
      name: 'UPDATE_AND_CREATE_SUBSCRIPTIONGROUP',
      good: async () => {
        const body = encodeSubscriptionGroupConfig({ ...defaultSubscriptionGroupConfig('CG_NEW'), retryMaxTimes: 3, consumeBroadcastEnable: false });
        expectAnswer(await call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, body), ResponseCode.SUCCESS);
        expect(broker.groups.table.get('CG_NEW')).toMatchObject({ retryMaxTimes: 3, consumeBroadcastEnable: false });
      },
      bad: async () => {
        expect((await call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, Buffer.from('{not json'))).code).toBe(ResponseCode.SYSTEM_ERROR);
        expect((await call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP)).code).toBe(ResponseCode.SYSTEM_ERROR);
      },
    },
    [RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG]: {
      name: 'GET_ALL_SUBSCRIPTIONGROUP_CONFIG',
      good: async () => {
        const r = await call(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
        expectAnswer(r, ResponseCode.SUCCESS);
        const w = decodeSubscriptionGroupWrapper(r.body!);
        expect(w.subscriptionGroupTable.get('CG_NEW')?.retryMaxTimes).toBe(3);
        expect(w.subscriptionGroupTable.has('TOOLS_CONSUMER')).toBe(true);
        expect(w.dataVersion.counter).toBe(broker.groups.dataVersion.counter);
      },
      bad: () => junk(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG),
    },
    [RequestCode.GET_TOPIC_STATS_INFO]: {
      name: 'GET_TOPIC_STATS_INFO',
      good: async () => {
        const r = await call(RequestCode.GET_TOPIC_STATS_INFO, encodeGetTopicStatsInfoRequestHeader({ topic: 'Codes' }));
        expectAnswer(r, ResponseCode.SUCCESS);
        const t = decodeTopicStatsTable(r.body!).offsetTable;
        expect(t).toHaveLength(4);
        const q0 = t.find(([mq]) => mq.queueId === 0)![1];
        expect(q0.minOffset).toBe(0);
        expect(q0.maxOffset).toBe(broker.store.getMaxOffsetInQueue('Codes', 0));
        expect(q0.lastUpdateTimestamp).toBeGreaterThan(1_600_000_000_000);
        expect(t.find(([mq]) => mq.queueId === 3)![1]).toEqual({ minOffset: 0, maxOffset: 0, lastUpdateTimestamp: 0 });
        expectAnswer(await call(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'Nope' }), ResponseCode.TOPIC_NOT_EXIST, 'topic[Nope] not exist');
      },
      bad: async () => expectAnswer(await call(RequestCode.GET_TOPIC_STATS_INFO, {}), ResponseCode.SYSTEM_ERROR, missing('topic')),
    },
    [RequestCode.DELETE_SUBSCRIPTIONGROUP]: {
      name: 'DELETE_SUBSCRIPTIONGROUP',
      good: async () => {
        await commit('CG_NEW', 'Codes', 0, 1);
        expectAnswer(await call(RequestCode.DELETE_SUBSCRIPTIONGROUP, encodeDeleteSubscriptionGroupRequestHeader({ groupName: 'CG_NEW', removeOffset: true })), ResponseCode.SUCCESS);
        expect(broker.groups.table.has('CG_NEW')).toBe(false);
        expect(broker.offsets.queryOffset('CG_NEW', 'Codes', 0)).toBe(-1);
      },
      bad: async () => expectAnswer(await call(RequestCode.DELETE_SUBSCRIPTIONGROUP, { removeOffset: 'true' }), ResponseCode.SYSTEM_ERROR, missing('groupName')),
    },
    [RequestCode.GET_CONSUME_STATS]: {
      name: 'GET_CONSUME_STATS',
      good: async () => {
        const r = await call(RequestCode.GET_CONSUME_STATS, encodeGetConsumeStatsRequestHeader({ consumerGroup: 'CG_CODES', topic: 'Codes' }));
        expectAnswer(r, ResponseCode.SUCCESS);
        const s = decodeConsumeStats(r.body!);
        expect(s.offsetTable).toHaveLength(4);
        const q0 = s.offsetTable.find(([mq]) => mq.queueId === 0)![1];
        expect(q0.consumerOffset).toBe(1);
        expect(q0.brokerOffset).toBe(broker.store.getMaxOffsetInQueue('Codes', 0));
        expect(q0.lastTimestamp).toBeGreaterThan(1_600_000_000_000);
        // Without a topic: every topic the group has offsets for.
        const all = decodeConsumeStats((await call(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'CG_CODES' })).body!);
        expect(all.offsetTable.length).toBe(4);
      },
      bad: async () => expectAnswer(await call(RequestCode.GET_CONSUME_STATS, { topic: 'Codes' }), ResponseCode.SYSTEM_ERROR, missing('consumerGroup')),
    },
    [RequestCode.DELETE_TOPIC_IN_BROKER]: {
      name: 'DELETE_TOPIC_IN_BROKER',
      good: async () => {
        expectAnswer(await call(RequestCode.UPDATE_AND_CREATE_TOPIC, createTopic('CodesDel', 1)), ResponseCode.SUCCESS);
        await env.send('CodesDel');
        await commit('CG_CODES', 'CodesDel', 0, 1);
        expectAnswer(await call(RequestCode.DELETE_TOPIC_IN_BROKER, encodeDeleteTopicRequestHeader({ topic: 'CodesDel' })), ResponseCode.SUCCESS);
        expect(broker.topics.selectTopicConfig('CodesDel')).toBeUndefined();
        expect(broker.offsets.queryOffset('CG_CODES', 'CodesDel', 0)).toBe(-1);
        expect(broker.store.getMaxOffsetInQueue('CodesDel', 0)).toBe(0);
        expectAnswer(await call(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: 'SCHEDULE_TOPIC_XXXX' }), ResponseCode.SYSTEM_ERROR, 'The topic[SCHEDULE_TOPIC_XXXX] is conflict with system topic.');
      },
      bad: async () => {
        expectAnswer(await call(RequestCode.DELETE_TOPIC_IN_BROKER, {}), ResponseCode.SYSTEM_ERROR, missing('topic'));
        expectAnswer(await call(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: ' ' }), ResponseCode.SYSTEM_ERROR, 'The specified topic is blank.');
      },
    },
    [RequestCode.INVOKE_BROKER_TO_RESET_OFFSET]: {
      name: 'INVOKE_BROKER_TO_RESET_OFFSET',
      good: async () => {
        for (let q = 0; q < 4; q++) await commit('CG_CODES', 'Codes', q, 0);
        const h = encodeResetOffsetRequestHeader({ topic: 'Codes', group: 'CG_CODES', timestamp: -1, isForce: true });
        const r = await call(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, h);
        expectAnswer(r, ResponseCode.SUCCESS);
        const table = decodeResetOffsetBody(r.body!).offsetTable;
        const max0 = broker.store.getMaxOffsetInQueue('Codes', 0);
        expect(table.find(([mq]) => mq.queueId === 0)![1]).toBe(max0);
        expect(broker.offsets.queryOffset('CG_CODES', 'Codes', 0)).toBe(max0);
        // The consumer was told (oneway), with the same table.
        const until = Date.now() + 5000;
        while (resets.length === 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 10));
        expect(decodeResetOffsetRequestHeader(resets[0]!.extFields)).toMatchObject({ topic: 'Codes', group: 'CG_CODES', timestamp: -1 });
        expect(decodeResetOffsetBody(resets[0]!.body!).offsetTable).toEqual(table);
        // A group nobody runs: CONSUMER_NOT_ONLINE (mqadmin then resets queue by queue itself).
        for (let q = 0; q < 4; q++) await commit('CG_OFFLINE', 'Codes', q, 0);
        expectAnswer(
          await call(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, { ...h, group: 'CG_OFFLINE' }),
          ResponseCode.CONSUMER_NOT_ONLINE,
          'Consumer not online, so can not reset offset, Group: CG_OFFLINE Topic: Codes Timestamp: -1',
        );
        expectAnswer(await call(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, { ...h, group: 'CG_NOBODY' }), ResponseCode.SYSTEM_ERROR, 'THe consumer group <CG_NOBODY> not exist');
        expectAnswer(
          await call(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, { ...h, topic: 'Nope' }),
          ResponseCode.SYSTEM_ERROR,
          '[reset-offset] reset offset failed, no topic in this broker. topic=Nope',
        );
      },
      bad: async () => {
        const h = encodeResetOffsetRequestHeader({ topic: 'Codes', group: 'CG_CODES', timestamp: -1, isForce: true });
        delete h['timestamp'];
        expectAnswer(await call(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, h), ResponseCode.SYSTEM_ERROR, missing('timestamp'));
      },
    },
    [RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS]: {
      name: 'INVOKE_BROKER_TO_GET_CONSUMER_STATUS',
      good: async () => {
        const r = await call(RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS, encodeGetConsumerStatusRequestHeader({ topic: 'Codes', group: 'CG_CODES' }));
        expectAnswer(r, ResponseCode.SUCCESS);
        const body = decodeGetConsumerStatusBody(r.body!);
        expect(body.consumerTable.get(env.clientId)).toEqual([[{ topic: 'Codes', brokerName: 'broker-a', queueId: 0 }, 7]]);
        const other = await call(RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS, { topic: 'Codes', group: 'CG_CODES', clientAddr: 'someone-else' });
        expect(decodeGetConsumerStatusBody(other.body!).consumerTable.size).toBe(0);
        expectAnswer(
          await call(RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS, { topic: 'Codes', group: 'CG_NOBODY' }),
          ResponseCode.SYSTEM_ERROR,
          'No Any Consumer online in the consumer group: [CG_NOBODY]',
        );
      },
      bad: async () => expectAnswer(await call(RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS, { topic: 'Codes' }), ResponseCode.SYSTEM_ERROR, missing('group')),
    },
    [RequestCode.QUERY_TOPIC_CONSUME_BY_WHO]: {
      name: 'QUERY_TOPIC_CONSUME_BY_WHO',
      good: async () => {
        const r = await call(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, encodeQueryTopicConsumeByWhoRequestHeader({ topic: 'Codes' }));
        expectAnswer(r, ResponseCode.SUCCESS);
        expect(decodeGroupList(r.body!).groupList).toEqual(expect.arrayContaining(['CG_CODES', 'CG_OFFLINE']));
      },
      bad: async () => expectAnswer(await call(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, {}), ResponseCode.SYSTEM_ERROR, missing('topic')),
    },
    [RequestCode.QUERY_CONSUME_TIME_SPAN]: {
      name: 'QUERY_CONSUME_TIME_SPAN',
      good: async () => {
        await commit('CG_CODES', 'Codes', 0, 1);
        const r = await call(RequestCode.QUERY_CONSUME_TIME_SPAN, encodeQueryConsumeTimeSpanRequestHeader({ topic: 'Codes', group: 'CG_CODES' }));
        expectAnswer(r, ResponseCode.SUCCESS);
        const spans = decodeQueryConsumeTimeSpanBody(r.body!).consumeTimeSpanSet;
        expect(spans).toHaveLength(4);
        const q0 = spans.find((s) => s.messageQueue.queueId === 0)!;
        expect(q0.minTimeStamp).toBeGreaterThan(1_600_000_000_000);
        expect(q0.maxTimeStamp).toBeGreaterThanOrEqual(q0.minTimeStamp);
        expect(q0.consumeTimeStamp).toBe(q0.minTimeStamp);
        expect(q0.delayTime).toBeGreaterThanOrEqual(0);
        expect(q0.minTimeStampStr).toMatch(/^\d{4}-\d\d-\d\d#\d\d:\d\d:\d\d:\d{3}$/);
        expectAnswer(await call(RequestCode.QUERY_CONSUME_TIME_SPAN, { topic: 'Nope', group: 'CG_CODES' }), ResponseCode.TOPIC_NOT_EXIST, 'topic[Nope] not exist');
      },
      bad: async () => expectAnswer(await call(RequestCode.QUERY_CONSUME_TIME_SPAN, { topic: 'Codes' }), ResponseCode.SYSTEM_ERROR, missing('group')),
    },
    [RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER]: {
      name: 'GET_SYSTEM_TOPIC_LIST_FROM_BROKER',
      good: async () => {
        const r = await call(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER);
        expectAnswer(r, ResponseCode.SUCCESS);
        const t = decodeTopicList(r.body!);
        expect(t.topicList).toEqual(expect.arrayContaining(['TBW102', 'SCHEDULE_TOPIC_XXXX', 'RMQ_SYS_TRANS_HALF_TOPIC', 'DefaultCluster', 'broker-a']));
        expect(t.topicList).not.toContain('Codes');
      },
      bad: () => junk(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER),
    },
    [RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE]: {
      name: 'CLEAN_EXPIRED_CONSUMEQUEUE',
      good: async () => {
        const before = broker.store.getMaxOffsetInQueue('Codes', 0);
        expectAnswer(await call(RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE), ResponseCode.SUCCESS);
        // Nothing has expired: the queues stay.
        expect(broker.store.getMaxOffsetInQueue('Codes', 0)).toBe(before);
      },
      bad: () => junk(RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE),
    },
    [RequestCode.QUERY_CORRECTION_OFFSET]: {
      name: 'QUERY_CORRECTION_OFFSET',
      good: async () => {
        const r = await call(RequestCode.QUERY_CORRECTION_OFFSET, encodeQueryCorrectionOffsetHeader({ topic: 'Codes', compareGroup: 'CG_COMPARE', filterGroups: 'CG_OFFLINE' }));
        expectAnswer(r, ResponseCode.SUCCESS);
        // CG_CODES committed 1 on queue 0; CG_OFFLINE (0) is filtered out.
        expect(r.body!.toString()).toMatch(/^\{"correctionOffsets":\{.*0:1\b/);
        expect(broker.offsets.queryOffset('CG_OFFLINE', 'Codes', 0)).toBe(0);
      },
      bad: async () => expectAnswer(await call(RequestCode.QUERY_CORRECTION_OFFSET, { topic: 'Codes' }), ResponseCode.SYSTEM_ERROR, missing('compareGroup')),
    },
    [RequestCode.CONSUME_MESSAGE_DIRECTLY]: {
      name: 'CONSUME_MESSAGE_DIRECTLY',
      good: async () => {
        const h = encodeConsumeMessageDirectlyResultRequestHeader({ consumerGroup: 'CG_CODES', clientId: env.clientId, msgId: env.first.msgId });
        const r = await call(RequestCode.CONSUME_MESSAGE_DIRECTLY, h);
        expectAnswer(r, ResponseCode.SUCCESS);
        expect(parseRmqJson(r.body!.toString())).toMatchObject({ consumeResult: 'CR_SUCCESS' });
        expect(direct[0]!.extFields['brokerName']).toBe('broker-a');
        expect(direct[0]!.body!.length).toBeGreaterThan(0);
        expectAnswer(
          await call(RequestCode.CONSUME_MESSAGE_DIRECTLY, { ...h, clientId: 'nobody' }),
          ResponseCode.SYSTEM_ERROR,
          'The Consumer <CG_CODES> <nobody> not online',
        );
      },
      bad: async () => {
        expectAnswer(await call(RequestCode.CONSUME_MESSAGE_DIRECTLY, { msgId: env.first.msgId }), ResponseCode.SYSTEM_ERROR, missing('consumerGroup'));
        expectAnswer(await call(RequestCode.CONSUME_MESSAGE_DIRECTLY, { consumerGroup: 'CG_CODES', clientId: env.clientId, msgId: 'XYZ' }), ResponseCode.SYSTEM_ERROR, /^invalid msgId XYZ/);
      },
    },
    [RequestCode.CLONE_GROUP_OFFSET]: {
      name: 'CLONE_GROUP_OFFSET',
      good: async () => {
        const h = encodeCloneGroupOffsetRequestHeader({ srcGroup: 'CG_CODES', destGroup: 'CG_CLONE', topic: 'Codes', offline: false });
        expectAnswer(await call(RequestCode.CLONE_GROUP_OFFSET, h), ResponseCode.SUCCESS);
        expect(broker.offsets.queryOffsets('CG_CLONE', 'Codes')).toEqual(broker.offsets.queryOffsets('CG_CODES', 'Codes'));
      },
      bad: async () => expectAnswer(await call(RequestCode.CLONE_GROUP_OFFSET, { srcGroup: 'CG_CODES' }), ResponseCode.SYSTEM_ERROR, missing('destGroup')),
    },
    [RequestCode.VIEW_BROKER_STATS_DATA]: {
      name: 'VIEW_BROKER_STATS_DATA',
      good: async () => {
        const r = await call(RequestCode.VIEW_BROKER_STATS_DATA, encodeViewBrokerStatsDataRequestHeader({ statsName: 'TOPIC_PUT_NUMS', statsKey: 'Codes' }));
        expectAnswer(r, ResponseCode.SUCCESS);
        const d = decodeBrokerStatsData(r.body!);
        expect(d.statsMinute.sum).toBeGreaterThanOrEqual(0);
        expectAnswer(
          await call(RequestCode.VIEW_BROKER_STATS_DATA, { statsName: 'TOPIC_PUT_NUMS', statsKey: 'Nope' }),
          ResponseCode.SYSTEM_ERROR,
          'The stats <TOPIC_PUT_NUMS> <Nope> not exist',
        );
        expectAnswer(await call(RequestCode.VIEW_BROKER_STATS_DATA, { statsName: 'NO_SUCH_STATS', statsKey: 'Codes' }), ResponseCode.SYSTEM_ERROR, 'The stats <NO_SUCH_STATS> <Codes> not exist');
      },
      bad: async () => expectAnswer(await call(RequestCode.VIEW_BROKER_STATS_DATA, { statsName: 'TOPIC_PUT_NUMS' }), ResponseCode.SYSTEM_ERROR, missing('statsKey')),
    },
    [RequestCode.CLEAN_UNUSED_TOPIC]: {
      name: 'CLEAN_UNUSED_TOPIC',
      good: async () => {
        const before = broker.store.getMaxOffsetInQueue('Codes', 0);
        expectAnswer(await call(RequestCode.CLEAN_UNUSED_TOPIC), ResponseCode.SUCCESS);
        expect(broker.store.getMaxOffsetInQueue('Codes', 0)).toBe(before);
      },
      bad: () => junk(RequestCode.CLEAN_UNUSED_TOPIC),
    },
    [RequestCode.GET_BROKER_CONSUME_STATS]: {
      name: 'GET_BROKER_CONSUME_STATS',
      good: async () => {
        const r = await call(RequestCode.GET_BROKER_CONSUME_STATS, encodeGetConsumeStatsInBrokerHeader({ isOrder: false }));
        expectAnswer(r, ResponseCode.SUCCESS);
        const l = decodeConsumeStatsList(r.body!);
        expect(l.brokerAddr).toBe(env.addr);
        const mine = l.consumeStatsList.find((m) => m.has('CG_CODES'))!.get('CG_CODES')!;
        expect(mine[0]!.offsetTable.length).toBeGreaterThanOrEqual(4);
        expect(l.totalDiff).toBeGreaterThanOrEqual(0);
        // Only order topics: none here.
        const order = decodeConsumeStatsList((await call(RequestCode.GET_BROKER_CONSUME_STATS, { isOrder: 'true' })).body!);
        expect(order.consumeStatsList.every((m) => [...m.values()].every((list) => list.length === 0))).toBe(true);
      },
      bad: async () => expectAnswer(await call(RequestCode.GET_BROKER_CONSUME_STATS, {}), ResponseCode.SYSTEM_ERROR, missing('isOrder')),
    },
    [RequestCode.QUERY_CONSUME_QUEUE]: {
      name: 'QUERY_CONSUME_QUEUE',
      good: async () => {
        const h = encodeQueryConsumeQueueRequestHeader({ topic: 'Codes', queueId: 0, index: 0, count: 1, consumerGroup: 'CG_CODES' });
        const r = await call(RequestCode.QUERY_CONSUME_QUEUE, h);
        expectAnswer(r, ResponseCode.SUCCESS);
        const body = decodeQueryConsumeQueueResponseBody(r.body!);
        expect(body.queueData).toHaveLength(1);
        expect(body.queueData[0]!.physicOffset).toBe(env.first.commitLogOffset);
        expect(body.minQueueIndex).toBe(0);
        expect(body.maxQueueIndex).toBe(broker.store.getMaxOffsetInQueue('Codes', 0));
        expect(body.subscriptionData?.topic).toBe('Codes');
        const offline = decodeQueryConsumeQueueResponseBody((await call(RequestCode.QUERY_CONSUME_QUEUE, { ...h, consumerGroup: 'CG_OFFLINE' })).body!);
        expect(offline.filterData).toBe('CG_OFFLINE@Codes is not online!');
        expectAnswer(await call(RequestCode.QUERY_CONSUME_QUEUE, { ...h, index: '100000' }), ResponseCode.SUCCESS, 'Index 100000 of 0@Codes is not exist!');
        expectAnswer(await call(RequestCode.QUERY_CONSUME_QUEUE, { ...h, topic: 'Nope' }), ResponseCode.SYSTEM_ERROR, '0@Nope is not exist!');
      },
      // Every field is optional or primitive (absent is 0): without a topic there is no queue.
      bad: async () => expectAnswer(await call(RequestCode.QUERY_CONSUME_QUEUE, { queueId: '0', index: '0', count: '1' }), ResponseCode.SYSTEM_ERROR, '0@null is not exist!'),
    },
    [RequestCode.GET_ALL_PRODUCER_INFO]: {
      name: 'GET_ALL_PRODUCER_INFO',
      good: async () => {
        const r = await call(RequestCode.GET_ALL_PRODUCER_INFO);
        expectAnswer(r, ResponseCode.SUCCESS);
        const producers = decodeProducerTableInfo(r.body!).data.get('PG_CODES')!;
        expect(producers.map((p) => p.clientId)).toEqual([env.clientId]);
        expect(producers[0]!.remoteIP).toMatch(/^\/127\.0\.0\.1:\d+$/);
        expect(producers[0]!.language).toBe('JAVA');
      },
      bad: () => junk(RequestCode.GET_ALL_PRODUCER_INFO),
    },
    [RequestCode.DELETE_EXPIRED_COMMITLOG]: {
      name: 'DELETE_EXPIRED_COMMITLOG',
      good: async () => {
        expectAnswer(await call(RequestCode.DELETE_EXPIRED_COMMITLOG), ResponseCode.SUCCESS);
        // The only segment is the newest: never deleted.
        expect(broker.store.getMinPhyOffset()).toBe(0);
      },
      bad: () => junk(RequestCode.DELETE_EXPIRED_COMMITLOG),
    },
  };
}

