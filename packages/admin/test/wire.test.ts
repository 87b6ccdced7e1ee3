/**
 * The admin client's broker admin requests on the wire: what each call
 * sends (code, header fields, body) and how it reads the answer, against a
 * FAKE broker (test/support/fake-admin-broker.ts) registered with a real
 * NameServer. admin.test.ts runs the same calls against the real broker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, BrokerStatsName, TrackType, compute24HourSum, defaultTopicConfig } from '@rocketmq-ts/admin';
import { LanguageCode, RequestCode, ResponseCode, defaultSubscriptionGroupConfig, parseRmqJson } from '@rocketmq-ts/protocol';
import { type StartedNameServer, startNameServer } from '@rocketmq-ts/testkit';
import { FAKE_BROKER_NAME, FAKE_CLUSTER, FAKE_TIME, FakeAdminBroker } from './support/fake-admin-broker.js';

let ns: StartedNameServer;
let fake: FakeAdminBroker;
let admin: AdminClient;

beforeAll(async () => {
  ns = await startNameServer();
  fake = new FakeAdminBroker();
  fake.addTopic('WireTopic', 4, { min: 0, max: 10 });
  await fake.start(ns.address);
  admin = new AdminClient({ nameServer: ns.address, timeoutMillis: 2000 });
});

afterAll(async () => {
  await admin?.close();
  await fake?.close();
  await ns?.close();
});

describe('topics on a broker', () => {
  it('UPDATE_AND_CREATE_TOPIC carries the config as CreateTopicRequestHeader', async () => {
    await admin.createAndUpdateTopicConfig(fake.address, { ...defaultTopicConfig('Created'), readQueueNums: 2, writeQueueNums: 3, perm: 4, topicSysFlag: 1, order: true });
    expect(fake.last(RequestCode.UPDATE_AND_CREATE_TOPIC)!.extFields).toEqual({
      topic: 'Created',
      defaultTopic: 'TBW102',
      readQueueNums: '2',
      writeQueueNums: '3',
      perm: '4',
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: '1',
      order: 'true',
    });
    expect(await admin.examineTopicConfig(fake.address, 'Created')).toMatchObject({ topicName: 'Created', readQueueNums: 2, writeQueueNums: 3, perm: 4, order: true });
    expect((await admin.getAllTopicConfig(fake.address)).topicConfigTable.has('WireTopic')).toBe(true);
  });

  it('deletes a topic from every master of the cluster, then from the NameServer', async () => {
    fake.addTopic('ToDelete', 1);
    await fake.registerWithNameServer();
    expect(await admin.deleteTopic('ToDelete', FAKE_CLUSTER)).toEqual([fake.address]);
    expect(fake.last(RequestCode.DELETE_TOPIC_IN_BROKER)!.extFields).toEqual({ topic: 'ToDelete' });
    const err = await admin.examineTopicRouteInfo('ToDelete').catch((e: unknown) => e);
    expect((err as { responseCode?: number }).responseCode).toBe(ResponseCode.TOPIC_NOT_EXIST);
  });

  it('merges GET_TOPIC_STATS_INFO of the route brokers', async () => {
    const stats = await admin.examineTopicStats('WireTopic');
    expect(fake.last(RequestCode.GET_TOPIC_STATS_INFO)!.extFields).toEqual({ topic: 'WireTopic' });
    expect(stats.offsetTable.map(([mq, o]) => [mq.queueId, o.maxOffset, o.lastUpdateTimestamp])).toEqual([
      [0, 10, FAKE_TIME],
      [1, 10, FAKE_TIME],
      [2, 10, FAKE_TIME],
      [3, 10, FAKE_TIME],
    ]);
  });
});

describe('broker configuration and statistics', () => {
  it('updates config with properties text and reads it back in the broker order', async () => {
    await admin.updateBrokerConfig(fake.address, new Map([['maxMessageSize', '1024']]));
    expect(fake.last(RequestCode.UPDATE_BROKER_CONFIG)!.body!.toString()).toBe('maxMessageSize=1024\n');
    expect([...(await admin.getBrokerConfig(fake.address))]).toEqual([
      ['brokerName', FAKE_BROKER_NAME],
      ['brokerClusterName', FAKE_CLUSTER],
      ['maxMessageSize', '1024'],
    ]);
  });

  it('VIEW_BROKER_STATS_DATA names the statistic and key; the 24-hour sum falls back to the hour', async () => {
    const d = await admin.viewBrokerStatsData(fake.address, BrokerStatsName.TOPIC_PUT_NUMS, 'WireTopic');
    expect(fake.last(RequestCode.VIEW_BROKER_STATS_DATA)!.extFields).toEqual({ statsName: 'TOPIC_PUT_NUMS', statsKey: 'WireTopic' });
    expect(d.statsMinute.tps).toBe(0.1);
    expect(compute24HourSum(d)).toBe(60);
  });

  it('GET_BROKER_CONSUME_STATS sends isOrder and reads every group on every master', async () => {
    fake.committed.set('WireTopic@stats_g', new Map([[0, 4]]));
    const list = await admin.fetchConsumeStatsInBroker(fake.address, true);
    expect(fake.last(RequestCode.GET_BROKER_CONSUME_STATS)!.extFields).toEqual({ isOrder: 'true' });
    expect(list.totalDiff).toBe(6);
    expect(list.consumeStatsList[0]!.get('stats_g')![0]!.offsetTable[0]![1].consumerOffset).toBe(4);
    const byMaster = await admin.fetchConsumeStatsInCluster(false);
    expect([...byMaster.keys()]).toEqual([fake.address]);
    fake.committed.delete('WireTopic@stats_g');
  });

  it('reads consume time spans, consume queue entries and producers', async () => {
    const spans = await admin.queryConsumeTimeSpan('WireTopic', 'span_g');
    expect(fake.last(RequestCode.QUERY_CONSUME_TIME_SPAN)!.extFields).toEqual({ topic: 'WireTopic', group: 'span_g' });
    expect(spans).toHaveLength(4);
    const cq = await admin.queryConsumeQueue(fake.address, 'WireTopic', 1, 5, 2, 'cq_g');
    expect(fake.last(RequestCode.QUERY_CONSUME_QUEUE)!.extFields).toEqual({ topic: 'WireTopic', queueId: '1', index: '5', count: '2', consumerGroup: 'cq_g' });
    expect(cq.queueData[0]!.physicSize).toBe(100);
    expect((await admin.getAllProducerInfo(fake.address)).data.get('fake_pg')![0]!.clientId).toBe('127.0.0.1@p');
  });
});

describe('subscription groups', () => {
  it('sends the group config as the JSON body and deletes with removeOffset', async () => {
    await admin.createAndUpdateSubscriptionGroupConfig(fake.address, { ...defaultSubscriptionGroupConfig('wire_g'), retryMaxTimes: 2, consumeBroadcastEnable: false });
    const sent = parseRmqJson(fake.last(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP)!.body!.toString()) as Record<string, unknown>;
    expect(sent).toMatchObject({ groupName: 'wire_g', retryMaxTimes: 2, consumeBroadcastEnable: false, retryQueueNums: 1, brokerId: 0 });
    expect((await admin.examineSubscriptionGroupConfig(fake.address, 'wire_g'))?.retryMaxTimes).toBe(2);
    await admin.deleteSubscriptionGroup(fake.address, 'wire_g', true);
    expect(fake.last(RequestCode.DELETE_SUBSCRIPTIONGROUP)!.extFields).toEqual({ groupName: 'wire_g', removeOffset: 'true' });
    expect(await admin.examineSubscriptionGroupConfig(fake.address, 'wire_g')).toBeUndefined();
  });
});

describe('consumer progress and offsets', () => {
  it('asks the brokers of %RETRY%group for consume stats (topic optional) with three times the timeout', async () => {
    await fake.addGroupRoute('progress_g');
    fake.committed.set('WireTopic@progress_g', new Map([[0, 3], [1, 10]]));
    const stats = await admin.examineConsumeStats('progress_g', 'WireTopic');
    expect(fake.last(RequestCode.GET_CONSUME_STATS)!.extFields).toEqual({ consumerGroup: 'progress_g', topic: 'WireTopic' });
    expect(stats.consumeTps).toBe(1.5);
    expect(stats.offsetTable.map(([mq, o]) => [mq.queueId, o.brokerOffset - o.consumerOffset])).toEqual([
      [0, 7],
      [1, 0],
    ]);
    await admin.examineConsumeStats('progress_g');
    expect(fake.last(RequestCode.GET_CONSUME_STATS)!.extFields).toEqual({ consumerGroup: 'progress_g' });
  });

  it('says CONSUMER_NOT_ONLINE when a group has no offsets anywhere', async () => {
    await fake.addGroupRoute('empty_g');
    const err = (await admin.examineConsumeStats('empty_g').catch((e: unknown) => e)) as { responseCode?: number; message: string };
    expect(err.responseCode).toBe(ResponseCode.CONSUMER_NOT_ONLINE);
    expect(err.message).toContain('Not found the consumer group consume stats of empty_g');
  });

  it('resets online groups through INVOKE_BROKER_TO_RESET_OFFSET (CPP language with isC)', async () => {
    fake.online.add('online_g');
    const table = await admin.resetOffsetByTimestamp('WireTopic', 'online_g', 1234, false, true);
    const req = fake.last(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET)!;
    expect(req.extFields).toEqual({ topic: 'WireTopic', group: 'online_g', timestamp: '1234', isForce: 'false' });
    expect(req.language).toBe(LanguageCode.CPP);
    expect(table.map(([mq, o]) => [mq.queueId, o])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
  });

  it('falls back to the offline reset (search offset, update offset) when no consumer is online', async () => {
    fake.committed.set('WireTopic@offline_g', new Map([[2, 9]]));
    const err = (await admin.resetOffsetByTimestamp('WireTopic', 'offline_g', 0, true).catch((e: unknown) => e)) as { responseCode?: number };
    expect(err.responseCode).toBe(ResponseCode.CONSUMER_NOT_ONLINE);
    await admin.resetOffsetNew('offline_g', 'WireTopic', 0);
    expect(fake.last(RequestCode.UPDATE_CONSUMER_OFFSET)!.extFields).toMatchObject({ consumerGroup: 'offline_g', topic: 'WireTopic', queueId: '2', commitOffset: '0' });
    expect(fake.committed.get('WireTopic@offline_g')!.get(2)).toBe(0);

    // Not forced: a queue whose offset would move forward is left alone.
    fake.committed.set('WireTopic@offline_g', new Map([[2, 9]]));
    const rows = await admin.resetOffsetByTimestampOld('offline_g', 'WireTopic', -1, false);
    expect(rows).toEqual([{ brokerName: FAKE_BROKER_NAME, queueId: 2, brokerOffset: 10, consumerOffset: 9, timestampOffset: 10, rollbackOffset: 9 }]);

    // A group that never consumed: every readable queue rolls back from its min offset.
    const fresh = await admin.resetOffsetByTimestampOld('fresh_g', 'WireTopic', 0, true);
    expect(fresh.map((r) => [r.queueId, r.brokerOffset, r.consumerOffset, r.rollbackOffset])).toEqual([
      [0, 10, 0, 0],
      [1, 10, 0, 0],
      [2, 10, 0, 0],
      [3, 10, 0, 0],
    ]);
    fake.committed.delete('WireTopic@offline_g');
    fake.committed.delete('WireTopic@fresh_g');
  });
});

describe('message tracks and direct consumption', () => {
  it('tracks a message per consuming group and asks the store host to have a client consume it', async () => {
    fake.message = { topic: 'WireTopic', queueId: 0, queueOffset: 2, body: 'tracked', properties: { UNIQ_KEY: '7F0000010001000000000000000000AA', TAGS: 'T' } };
    fake.committed.set('WireTopic@track_done_g', new Map([[0, 5]]));
    fake.committed.set('WireTopic@track_todo_g', new Map([[0, 1]]));
    fake.committed.set('WireTopic@track_off_g', new Map([[0, 9]]));
    for (const g of ['track_done_g', 'track_todo_g', 'track_off_g']) await fake.addGroupRoute(g);
    fake.online.add('track_done_g');
    fake.online.add('track_todo_g');

    const msg = await admin.viewMessage(fake.messageOffsetId);
    expect(fake.last(RequestCode.VIEW_MESSAGE_BY_ID)!.extFields).toEqual({ offset: '0' });
    expect(msg.body?.toString()).toBe('tracked');
    expect(msg.msgId).toBe('7F0000010001000000000000000000AA');
    const tracks = await admin.messageTrackDetail(msg);
    expect(fake.last(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO)!.extFields).toEqual({ topic: 'WireTopic' });
    const byGroup = new Map(tracks.map((t) => [t.consumerGroup, t]));
    expect(byGroup.get('track_done_g')?.trackType).toBe(TrackType.CONSUMED);
    expect(byGroup.get('track_todo_g')?.trackType).toBe(TrackType.NOT_CONSUME_YET);
    expect(byGroup.get('track_off_g'), JSON.stringify(tracks)).toMatchObject({ trackType: TrackType.NOT_ONLINE });
    expect(byGroup.get('track_off_g')?.exceptionDesc).toMatch(/^CODE:206 DESC:/);

    const r = await admin.consumeMessageDirectly('track_done_g', '127.0.0.1@fake', fake.messageOffsetId);
    expect(fake.last(RequestCode.CONSUME_MESSAGE_DIRECTLY)!.extFields).toEqual({ consumerGroup: 'track_done_g', clientId: '127.0.0.1@fake', msgId: fake.messageOffsetId });
    expect(r.consumeResult).toBe('CR_SUCCESS');
    for (const g of ['track_done_g', 'track_todo_g', 'track_off_g']) fake.committed.delete(`WireTopic@${g}`);
  });
});
