/**
 * The admin client against the real NameServer and brokers (testkit: two
 * masters, broker-0 and broker-1, in process on 127.0.0.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, TrackType, defaultTopicConfig } from '@rocketmq-ts/admin';
import { Producer, PushConsumer } from '@rocketmq-ts/client';
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import {
  MixAll,
  PermName,
  ResponseCode,
  createOffsetMsgId,
  defaultSubscriptionGroupConfig,
  getRetryTopic,
} from '@rocketmq-ts/protocol';
import type { MessageQueue } from '@rocketmq-ts/protocol';
import { type StartedCluster, startCluster } from '@rocketmq-ts/testkit';

let cluster: StartedCluster;
let admin: AdminClient;
let ns: string;
let producer: Producer;
const cleanups: Array<() => Promise<unknown>> = [];

const TOPIC = 'AdminLibTopic';
const PRODUCER_GROUP = 'admin_lib_pg';

beforeAll(async () => {
  cluster = await startCluster(2);
  ns = cluster.nameServer.address;
  admin = new AdminClient({ nameServer: ns, timeoutMillis: 3000 });
  producer = new Producer({ nameServer: ns, group: PRODUCER_GROUP, clientIP: '127.0.0.1', instanceName: 'admin-lib-test' });
  await producer.start();
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await producer?.shutdown();
  await admin?.close();
  await cluster?.close();
});


async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function rejection(p: Promise<unknown>): Promise<RmqError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RmqError);
    return err as RmqError;
  }
  throw new Error('expected a rejection');
}

describe('NameServer calls', () => {
  it('says which NameServers could not be reached', async () => {
    const lost = new AdminClient({ nameServer: '127.0.0.1:1;127.0.0.1:2', timeoutMillis: 1000 });
    try {
      const err = await rejection(lost.examineBrokerClusterInfo());
      expect(err.code).toBe(ErrorCode.CONNECTION);
      expect(err.message).toContain('cannot reach any NameServer');
      expect(err.message).toContain('127.0.0.1:1');
      expect(err.message).toContain('127.0.0.1:2');
    } finally {
      await lost.close();
    }
  });

  it('moves on to the next NameServer when one is down', async () => {
    const failover = new AdminClient({ nameServer: `127.0.0.1:1;${ns}` });
    try {
      const info = await failover.examineBrokerClusterInfo();
      expect([...info.brokerAddrTable.keys()].sort()).toEqual(['broker-0', 'broker-1']);
    } finally {
      await failover.close();
    }
  });

  it('rejects an unknown topic with NO_ROUTE and TOPIC_NOT_EXIST', async () => {
    const err = await rejection(admin.examineTopicRouteInfo('NoSuchTopic'));
    expect(err.code).toBe(ErrorCode.NO_ROUTE);
    expect(err.responseCode).toBe(ResponseCode.TOPIC_NOT_EXIST);
    expect(err.message).toBe('topic NoSuchTopic does not exist: the NameServer has no route for it');
    expect(err.remark).toContain('No topic route info in name server for the topic: NoSuchTopic');
  });

  it('reads the cluster, its topics and a route', async () => {
    const info = await admin.examineBrokerClusterInfo();
    expect(info.clusterAddrTable.get('DefaultCluster')?.sort()).toEqual(['broker-0', 'broker-1']);
    expect(info.brokerAddrTable.get('broker-0')?.brokerAddrs.get(0)).toBe(cluster.brokers[0]!.address);

    const topics = (await admin.fetchAllTopicList()).topicList;
    expect(topics).toEqual(expect.arrayContaining(['TBW102', 'broker-0', 'broker-1', 'DefaultCluster']));
    expect((await admin.fetchTopicsByCluster('DefaultCluster')).topicList).toContain('TBW102');

    const route = await admin.examineTopicRouteInfo('TBW102');
    expect(route.brokerDatas.map((b) => b.brokerName).sort()).toEqual(['broker-0', 'broker-1']);
    expect(route.queueDatas).toHaveLength(2);

    expect(await admin.fetchMasterAddrByClusterName('DefaultCluster')).toEqual(expect.arrayContaining(cluster.brokers.map((b) => b.address)));
    expect(await admin.fetchBrokerNameByAddr(cluster.brokers[1]!.address)).toBe('broker-1');
    expect(await admin.getTopicClusterList('TBW102')).toEqual(['DefaultCluster']);
    const err = await rejection(admin.fetchMasterAddrByClusterName('NoCluster'));
    expect(err.code).toBe(ErrorCode.ARGUMENT);
    expect(err.message).toContain('cluster NoCluster not found');
    expect(err.message).toContain('DefaultCluster');
  });

  it('wipes a broker write permission on the NameServer and adds it back', async () => {
    const perm = async (): Promise<number | undefined> =>
      (await admin.examineTopicRouteInfo('TBW102')).queueDatas.find((q) => q.brokerName === 'broker-1')?.perm;
    const wiped = await admin.wipeWritePermOfBroker(ns, 'broker-1');
    expect(wiped).toBeGreaterThan(0);
    expect((await perm())! & PermName.PERM_WRITE).toBe(0);
    const added = await admin.addWritePermOfBroker(ns, 'broker-1');
    expect(added).toBe(wiped);
    expect(await perm()).toBe(PermName.PERM_READ | PermName.PERM_WRITE);
    expect(await admin.wipeWritePermOfBroker(ns, 'no-such-broker')).toBe(0);
  });

  it('reads and updates the NameServer configuration', async () => {
    const before = (await admin.getNameServerConfig()).get(ns)!;
    expect(before.get('orderMessageEnable')).toBe('false');
    expect(before.has('kvConfigPath')).toBe(true);
    await admin.updateNameServerConfig({ orderMessageEnable: 'true' });
    expect((await admin.getNameServerConfig([ns])).get(ns)!.get('orderMessageEnable')).toBe('true');
    await admin.updateNameServerConfig(new Map([['orderMessageEnable', 'false']]));
    const refused = await rejection(admin.updateNameServerConfig({ kvConfigPath: '/elsewhere' }));
    expect(refused.responseCode).toBe(ResponseCode.NO_PERMISSION);
  });

  it('keeps KV config and merges a broker order conf into the topic entry', async () => {
    await admin.putKVConfig('ADMIN_TEST', 'k', 'v');
    expect(await admin.getKVConfig('ADMIN_TEST', 'k')).toBe('v');
    expect((await admin.getKVListByNamespace('ADMIN_TEST')).table.get('k')).toBe('v');
    await admin.deleteKVConfig('ADMIN_TEST', 'k');
    expect(await admin.getKVConfig('ADMIN_TEST', 'k')).toBeUndefined();

    await admin.createOrUpdateOrderConf('OrderT', 'broker-0:4', false);
    await admin.createOrUpdateOrderConf('OrderT', 'broker-1:8', false);
    await admin.createOrUpdateOrderConf('OrderT', 'broker-0:2', false);
    expect(await admin.getKVConfig('ORDER_TOPIC_CONFIG', 'OrderT')).toBe('broker-0:2;broker-1:8');
    await admin.createOrUpdateOrderConf('OrderT', 'broker-0:1', true);
    expect(await admin.getKVConfig('ORDER_TOPIC_CONFIG', 'OrderT')).toBe('broker-0:1');
    await admin.deleteKVConfig('ORDER_TOPIC_CONFIG', 'OrderT');
  });
});

describe('messages', () => {
  it('sends a message, then finds it by offset id, key, unique key and queue offset', async () => {
    const sent = await admin.sendMessage({ topic: TOPIC, body: 'hello admin', tags: 'TagA', keys: 'order-1' });
    expect(sent.sendStatus).toBe('SEND_OK');

    const byId = await admin.viewMessage(sent.offsetMsgId);
    expect(byId.body?.toString()).toBe('hello admin');
    expect(byId.msgId).toBe(sent.msgId);
    expect(byId.tags).toBe('TagA');

    const byKey = await waitFor('the key index', () => admin.queryMessage(TOPIC, 'order-1', 64, 0, Number.MAX_SAFE_INTEGER));
    expect(byKey.messageList.map((m) => m.msgId)).toEqual([sent.msgId]);
    const byUniq = await admin.queryMessageByUniqKey(TOPIC, sent.msgId, 32, 0, Number.MAX_SAFE_INTEGER);
    expect(byUniq.messageList[0]!.offsetMsgId).toBe(sent.offsetMsgId);
    expect((await admin.viewMessageInTopic(TOPIC, sent.msgId)).offsetMsgId).toBe(sent.offsetMsgId);

    const mq = sent.messageQueue;
    expect(await admin.maxOffset(mq)).toBe(sent.queueOffset + 1);
    expect(await admin.minOffset(mq)).toBe(0);
    expect(await admin.searchOffset(mq, byId.storeTimestamp)).toBe(sent.queueOffset);
    const pulled = await admin.pullMessage(mq, sent.queueOffset, 1);
    expect(pulled.pullStatus).toBe('FOUND');
    expect(pulled.msgFoundList[0]!.msgId).toBe(sent.msgId);
    expect(pulled.msgFoundList[0]!.properties['MAX_OFFSET']).toBe(String(sent.queueOffset + 1));
    expect((await admin.pullMessage(mq, sent.queueOffset, 1, { subExpression: 'TagB' })).msgFoundList).toEqual([]);
    expect((await admin.pullMessage(mq, sent.queueOffset + 1, 1)).pullStatus).toBe('NO_NEW_MSG');

    const queues = await admin.fetchSubscribeMessageQueues(TOPIC);
    expect(queues.length).toBeGreaterThanOrEqual(4);
    expect(queues).toContainEqual(mq);
  });

  it('sends to the queue asked for', async () => {
    const r = await admin.sendMessage({ topic: TOPIC, body: 'to queue 2' }, { brokerName: 'broker-1', queueId: 2 });
    expect(r.messageQueue).toEqual({ topic: TOPIC, brokerName: 'broker-1', queueId: 2 });
  });

  it('says a message is not found instead of asking an address that is no broker', async () => {
    const err = await rejection(admin.viewMessage(createOffsetMsgId('127.0.0.1:1', 100)));
    expect(err.responseCode).toBe(ResponseCode.NO_MESSAGE);
    expect(err.message).toContain('not a broker the NameServer knows');
    const notHex = await rejection(admin.viewMessage('xyz'));
    expect(notHex.code).toBe(ErrorCode.ARGUMENT);
    const noKey = await rejection(admin.queryMessage(TOPIC, 'no-such-key', 64, 0, Number.MAX_SAFE_INTEGER));
    expect(noKey.responseCode).toBe(ResponseCode.NO_MESSAGE);
  });

  it('probes send RT of a broker through the topic named after it', async () => {
    const r = await admin.sendMessageRT('broker-0', 5, 16);
    expect(r.successCount + r.failCount).toBe(5);
    expect(r.successCount).toBe(5);
    expect(r.rt).toBeGreaterThanOrEqual(0);
  });
});

describe('clients', () => {
  it('lists the connections of a producer group', async () => {
    await producer.send({ topic: TOPIC, body: 'from the test producer' });
    const pc = await waitFor('the producer heartbeat', async () => {
      const c = await admin.examineProducerConnectionInfo(PRODUCER_GROUP, TOPIC);
      return c.connectionSet.length > 0 ? c : undefined;
    });
    expect(pc.connectionSet[0]!.clientId).toBe(producer.clientId);
    expect(pc.connectionSet[0]!.clientAddr).toMatch(/^127\.0\.0\.1:\d+$/);
    const err = await rejection(admin.examineProducerConnectionInfo('nobody_pg', TOPIC));
    expect(err.message).toContain('producer group');
  });

  it('lists the connections, subscription and running info of a consumer group, and says when it is offline', async () => {
    const group = 'admin_lib_cg';
    const consumer = new PushConsumer({ nameServer: ns, group, clientIP: '127.0.0.1', instanceName: 'admin-lib-consumer' });
    consumer.subscribe(TOPIC, 'TagA || TagB', () => undefined);
    await consumer.start();
    let running = true;
    cleanups.push(async () => {
      if (running) await consumer.shutdown();
    });
    const cc = await waitFor('the consumer connection', () => admin.examineConsumerConnectionInfo(group));
    expect(cc.connectionSet.map((c) => c.clientId)).toEqual([consumer.clientId]);
    expect(cc.consumeType).toBe('CONSUME_PASSIVELY');
    expect(cc.messageModel).toBe('CLUSTERING');
    expect(cc.subscriptionTable.get(TOPIC)?.subString).toBe('TagA || TagB');
    const servingBroker = (await admin.examineTopicRouteInfo(TOPIC)).brokerDatas[0]!.brokerAddrs.get(0)!;
    const byBroker = await admin.examineConsumerConnectionInfo(group, servingBroker);
    expect(byBroker.connectionSet).toHaveLength(1);

    const info = await admin.getConsumerRunningInfo(group, consumer.clientId);
    expect(info.properties.get('PROP_CONSUME_TYPE')).toBe('CONSUME_PASSIVELY');
    expect(info.subscriptionSet.map((s) => s.topic)).toContain(TOPIC);

    await consumer.shutdown();
    running = false;
    // Shutdown unregisters the client from the brokers; the group is then offline.
    const offline = await waitFor('the group to go offline', async () => {
      try {
        await admin.examineConsumerConnectionInfo(group);
        return undefined;
      } catch (err) {
        return err as RmqError;
      }
    });
    expect(offline).toBeInstanceOf(RmqError);
    expect(offline.responseCode).toBe(ResponseCode.CONSUMER_NOT_ONLINE);
    expect(offline.message).toContain('consumer group admin_lib_cg is not online');

    const never = await rejection(admin.examineConsumerConnectionInfo('never_connected_cg'));
    expect(never.code).toBe(ErrorCode.NO_ROUTE);
    expect(never.message).toContain(`consumer group never_connected_cg not found: no route for its retry topic ${getRetryTopic('never_connected_cg')}`);
  });
});

describe('broker administration', () => {
  it('reads broker runtime statistics', async () => {
    const kv = await admin.fetchBrokerRuntimeStats(cluster.brokers[0]!.address);
    expect(kv.table.get('brokerVersionDesc')).toBe('V4_9_4');
    expect(kv.table.has('putTps')).toBe(true);
  });

  it('says which broker could not be reached', async () => {
    const err = await rejection(admin.fetchBrokerRuntimeStats('127.0.0.1:1'));
    expect(err.code).toBe(ErrorCode.CONNECTION);
    expect(err.message).toContain('cannot reach broker 127.0.0.1:1');
  });

  it('creates, reads and deletes a topic on brokers and the NameServer', async () => {
    const addr = cluster.brokers[0]!.address;
    await admin.createAndUpdateTopicConfig(addr, { ...defaultTopicConfig('AdminCreated'), readQueueNums: 3, writeQueueNums: 3 });
    const tc = await admin.examineTopicConfig(addr, 'AdminCreated');
    expect(tc).toMatchObject({ topicName: 'AdminCreated', readQueueNums: 3, writeQueueNums: 3, perm: 6 });
    const route = await waitFor('the new topic route', () => admin.examineTopicRouteInfo('AdminCreated'));
    expect(route.queueDatas[0]!.writeQueueNums).toBe(3);
    await admin.deleteTopic('AdminCreated', 'DefaultCluster');
    expect(await admin.examineTopicConfig(addr, 'AdminCreated')).toBeUndefined();
    expect((await rejection(admin.examineTopicRouteInfo('AdminCreated'))).responseCode).toBe(ResponseCode.TOPIC_NOT_EXIST);
  });

  it('creates, reads and deletes a subscription group', async () => {
    const addr = cluster.brokers[0]!.address;
    await admin.createAndUpdateSubscriptionGroupConfig(addr, { ...defaultSubscriptionGroupConfig('admin_sub_g'), retryMaxTimes: 3 });
    expect((await admin.examineSubscriptionGroupConfig(addr, 'admin_sub_g'))?.retryMaxTimes).toBe(3);
    const user = await admin.getUserSubscriptionGroup(addr);
    expect(user.subscriptionGroupTable.has('admin_sub_g')).toBe(true);
    expect(user.subscriptionGroupTable.has(MixAll.TOOLS_CONSUMER_GROUP)).toBe(false);
    await admin.deleteSubscriptionGroup(addr, 'admin_sub_g', true);
    expect(await admin.examineSubscriptionGroupConfig(addr, 'admin_sub_g')).toBeUndefined();
  });

  it('reads and updates the broker configuration', async () => {
    const addr = cluster.brokers[1]!.address;
    expect((await admin.getBrokerConfig(addr)).get('brokerName')).toBe('broker-1');
    await admin.updateBrokerConfig(addr, { maxMessageSize: '1048576' });
    expect((await admin.getBrokerConfig(addr)).get('maxMessageSize')).toBe('1048576');
  });

  it('reads the offsets of every queue of a topic', async () => {
    const sent = await admin.sendMessage({ topic: TOPIC, body: 'stats' });
    const stats = await admin.examineTopicStats(TOPIC);
    const row = stats.offsetTable.find(([mq]) => mq.brokerName === sent.messageQueue.brokerName && mq.queueId === sent.messageQueue.queueId);
    expect(row?.[1].maxOffset).toBeGreaterThan(sent.queueOffset);
    expect((await rejection(admin.examineTopicStats('NoSuchTopic'))).responseCode).toBe(ResponseCode.TOPIC_NOT_EXIST);
  });

  it('reads consume progress, tracks a message and resets offsets by time', async () => {
    const group = 'admin_progress_cg';
    const topic = 'AdminProgressTopic';
    const first = await admin.sendMessage({ topic, body: 'one' });
    // A message in every queue, so the group commits an offset for each: a broker resets only a group
    // with an offset on every queue ("THe consumer group <g> not exist" otherwise, as Java).
    const queues = await admin.fetchSubscribeMessageQueues(topic);
    for (const mq of queues) await admin.sendMessage({ topic, body: `to ${mq.queueId}` }, { brokerName: mq.brokerName, queueId: mq.queueId });
    const got: string[] = [];
    const consumer = new PushConsumer({
      nameServer: ns,
      group,
      clientIP: '127.0.0.1',
      instanceName: 'admin-progress',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      persistConsumerOffsetInterval: 200,
    });
    consumer.subscribe(topic, '*', (m) => {
      got.push(m.msgId);
    });
    await consumer.start();
    cleanups.push(() => consumer.shutdown());
    await waitFor('the message to be consumed', async () => (got.includes(first.msgId) ? true : undefined), 20_000);
    const stats = await waitFor('committed offsets on every queue', async () => {
      const s = await admin.examineConsumeStats(group, topic);
      return s.offsetTable.length === queues.length && s.offsetTable.every(([, o]) => o.consumerOffset === o.brokerOffset) ? s : undefined;
    }, 20_000);
    expect(stats.offsetTable.every(([mq]) => mq.topic === topic)).toBe(true);
    expect((await admin.queryTopicConsumeByWho(topic)).groupList).toContain(group);
    const msg = await admin.viewMessage(first.offsetMsgId);
    expect(await admin.consumed(msg, group)).toBe(true);
    expect(await admin.messageTrackDetail(msg)).toContainEqual({ consumerGroup: group, trackType: TrackType.CONSUMED, exceptionDesc: undefined });

    const reset = await admin.resetOffsetByTimestamp(topic, group, 0, true);
    const entry = reset.find(([mq]: [MessageQueue, number]) => mq.queueId === first.messageQueue.queueId && mq.brokerName === first.messageQueue.brokerName);
    expect(entry?.[1]).toBe(0);
  });

  it('resets offsets of an offline group directly in the broker', async () => {
    const sent = await admin.sendMessage({ topic: TOPIC, body: 'rollback' });
    const stats = await admin.resetOffsetByTimestampOld('admin_offline_cg', TOPIC, -1, true);
    const row = stats.find((s) => s.brokerName === sent.messageQueue.brokerName && s.queueId === sent.messageQueue.queueId);
    expect(row?.rollbackOffset).toBe(sent.queueOffset + 1);
  });

  it('reads broker statistics and the consume stats of every group', async () => {
    const addr = cluster.brokers[0]!.address;
    const sent = await admin.sendMessage({ topic: TOPIC, body: 'stats' }, { brokerName: 'broker-0', queueId: 0 });
    expect(sent.sendStatus).toBe('SEND_OK');
    const data = await admin.viewBrokerStatsData(addr, 'TOPIC_PUT_NUMS', TOPIC);
    expect(data.statsMinute.sum).toBeGreaterThanOrEqual(0);
    const list = await admin.fetchConsumeStatsInBroker(addr, false);
    expect(list.totalDiff).toBeGreaterThanOrEqual(0);
    const all = await admin.fetchConsumeStatsInCluster(false, 'DefaultCluster');
    expect([...all.keys()].sort()).toEqual(cluster.brokers.map((b) => b.address).sort());
  });

  it('reads consume time spans, consume queue entries and producer info', async () => {
    const sent = await admin.sendMessage({ topic: TOPIC, body: 'span' }, { brokerName: 'broker-0', queueId: 1 });
    const spans = await admin.queryConsumeTimeSpan(TOPIC, 'admin_span_cg');
    expect(spans.some((s) => s.messageQueue.queueId === 1)).toBe(true);
    const cq = await admin.queryConsumeQueue(cluster.brokers[0]!.address, TOPIC, 1, sent.queueOffset, 1);
    expect(cq.queueData).toHaveLength(1);
    // The test producer heartbeats the brokers its routes name; one of them lists it.
    await producer.send({ topic: TOPIC, body: 'producer info' });
    const info = await waitFor('the producer on a broker', async () => {
      for (const b of cluster.brokers) {
        const t = await admin.getAllProducerInfo(b.address);
        const list = t.data.get(PRODUCER_GROUP);
        if (list !== undefined) return list;
      }
      return undefined;
    });
    expect(info[0]!.clientId).toBe(producer.clientId);
  });

  it('asks a consumer to consume one message directly', async () => {
    const group = 'admin_direct_cg';
    const consumer = new PushConsumer({ nameServer: ns, group, clientIP: '127.0.0.1', instanceName: 'admin-direct' });
    consumer.subscribe(TOPIC, '*', () => undefined);
    await consumer.start();
    cleanups.push(() => consumer.shutdown());
    await waitFor('the consumer connection', () => admin.examineConsumerConnectionInfo(group));
    const sent = await admin.sendMessage({ topic: TOPIC, body: 'direct' });
    const r = await admin.consumeMessageDirectly(group, consumer.clientId, sent.offsetMsgId);
    expect(r.consumeResult).toBe('CR_SUCCESS');
  });
});
