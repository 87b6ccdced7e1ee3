/**
 * The config managers on real files: system topics and the auto-create
 * rules, subscription groups, consumer offsets, all persisted in the Java
 * broker's JSON shapes and read back.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PermName, type TopicConfig } from '@rocketmq-ts/protocol';
import { BrokerConfigFiles } from '@rocketmq-ts/store';
import { resolveBrokerConfig } from '../src/config.js';
import { ConsumerOffsetManager } from '../src/offset/consumer-offset-manager.js';
import { SubscriptionGroupManager } from '../src/subscription/subscription-group-manager.js';
import { TopicConfigManager, topicConfigToString } from '../src/topic/topic-config-manager.js';
import { broker, dir, waitFor } from './helpers.js';

const RW = PermName.PERM_READ | PermName.PERM_WRITE;

describe('TopicConfigManager', () => {
  it('holds the system topics Java creates, with their queue counts and permissions', async () => {
    const config = resolveBrokerConfig({ brokerClusterName: 'C1', brokerName: 'B1', defaultTopicQueueNums: 8 });
    const m = new TopicConfigManager({ config, files: new BrokerConfigFiles(await dir()) });
    const t = (name: string): Pick<TopicConfig, 'readQueueNums' | 'writeQueueNums' | 'perm'> | undefined => {
      const tc = m.selectTopicConfig(name);
      return tc === undefined ? undefined : { readQueueNums: tc.readQueueNums, writeQueueNums: tc.writeQueueNums, perm: tc.perm };
    };
    expect(t('TBW102')).toEqual({ readQueueNums: 8, writeQueueNums: 8, perm: 7 });
    expect(t('SELF_TEST_TOPIC')).toEqual({ readQueueNums: 1, writeQueueNums: 1, perm: RW });
    expect(t('BenchmarkTest')).toEqual({ readQueueNums: 1024, writeQueueNums: 1024, perm: RW });
    expect(t('C1')).toEqual({ readQueueNums: 16, writeQueueNums: 16, perm: 7 });
    expect(t('B1')).toEqual({ readQueueNums: 1, writeQueueNums: 1, perm: 7 });
    expect(t('OFFSET_MOVED_EVENT')).toEqual({ readQueueNums: 1, writeQueueNums: 1, perm: RW });
    expect(t('SCHEDULE_TOPIC_XXXX')).toEqual({ readQueueNums: 18, writeQueueNums: 18, perm: RW });
    expect(t('C1_REPLY_TOPIC')).toEqual({ readQueueNums: 1, writeQueueNums: 1, perm: RW });
    expect(t('RMQ_SYS_TRACE_TOPIC')).toBeUndefined();
    const off = new TopicConfigManager({
      config: resolveBrokerConfig({ autoCreateTopicEnable: false, clusterTopicEnable: false, brokerTopicEnable: false, traceTopicEnable: true }),
      files: new BrokerConfigFiles(await dir()),
    });
    expect(off.selectTopicConfig('TBW102')).toBeUndefined();
    expect(off.selectTopicConfig('DefaultCluster')!.perm).toBe(PermName.PERM_INHERIT);
    expect(off.selectTopicConfig('RMQ_SYS_TRACE_TOPIC')).toBeDefined();
    expect(topicConfigToString(off.selectTopicConfig('SELF_TEST_TOPIC')!)).toBe(
      'TopicConfig [topicName=SELF_TEST_TOPIC, readQueueNums=1, writeQueueNums=1, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false]',
    );
  });

  it('creates a topic on send from an inheritable default topic, with min(client, default) queues and without INHERIT', async () => {
    const created: string[] = [];
    const m = new TopicConfigManager({
      config: resolveBrokerConfig({ defaultTopicQueueNums: 8 }),
      files: new BrokerConfigFiles(await dir()),
      onTopicCreated: (tc) => created.push(tc.topicName),
    });
    const v0 = m.dataVersion.counter;
    const tc = m.createTopicInSendMessageMethod('NewTopic', 'TBW102', '127.0.0.1:1', 4, 0)!;
    expect(tc).toMatchObject({ readQueueNums: 4, writeQueueNums: 4, perm: RW, topicFilterType: 'SINGLE_TAG' });
    expect(m.createTopicInSendMessageMethod('Big', 'TBW102', '127.0.0.1:1', 100, 0)!.writeQueueNums).toBe(8);
    // Existing topics come back as they are.
    expect(m.createTopicInSendMessageMethod('NewTopic', 'TBW102', '127.0.0.1:1', 1, 0)).toBe(tc);
    expect(created).toEqual(['NewTopic', 'Big']);
    expect(m.dataVersion.counter).toBe(v0 + 2);
    // A default topic without INHERIT, or none at all, creates nothing.
    expect(m.createTopicInSendMessageMethod('Nope', 'SELF_TEST_TOPIC', '127.0.0.1:1', 4, 0)).toBeUndefined();
    expect(m.createTopicInSendMessageMethod('Nope', 'NoSuchDefault', '127.0.0.1:1', 4, 0)).toBeUndefined();
    // Retry and DLQ topics are created whatever the defaults say.
    expect(m.createTopicInSendMessageBackMethod('%RETRY%G', 1, RW, 0)).toMatchObject({ readQueueNums: 1, writeQueueNums: 1, perm: RW });
    await m.idle();
  });

  it('with autoCreateTopicEnable off, a TBW102 loaded from topics.json loses INHERIT and creates nothing, as Java', async () => {
    const d = await dir();
    const files = new BrokerConfigFiles(d);
    const on = new TopicConfigManager({ config: resolveBrokerConfig({}), files });
    await on.persist();
    const off = new TopicConfigManager({ config: resolveBrokerConfig({ autoCreateTopicEnable: false }), files });
    await off.load();
    expect(off.selectTopicConfig('TBW102')!.perm).toBe(7);
    expect(off.createTopicInSendMessageMethod('X', 'TBW102', '127.0.0.1:1', 4, 0)).toBeUndefined();
    expect(off.selectTopicConfig('TBW102')!.perm).toBe(RW);
  });

  it('persists topics.json in the Java shape and loads it back over the built-in topics', async () => {
    const d = await dir();
    const files = new BrokerConfigFiles(d);
    const m = new TopicConfigManager({ config: resolveBrokerConfig({}), files });
    m.updateTopicConfig({ topicName: 'Orders', readQueueNums: 2, writeQueueNums: 2, perm: 4, topicFilterType: 'MULTI_TAG', topicSysFlag: 0, order: true });
    await m.idle();
    const json = JSON.parse(await readFile(join(d, 'config', 'topics.json'), 'utf8')) as {
      dataVersion: { counter: number; timestamp: number };
      topicConfigTable: Record<string, Record<string, unknown>>;
    };
    expect(json.topicConfigTable['Orders']).toEqual({ order: true, perm: 4, readQueueNums: 2, topicFilterType: 'MULTI_TAG', topicName: 'Orders', topicSysFlag: 0, writeQueueNums: 2 });
    expect(json.dataVersion.counter).toBe(m.dataVersion.counter);
    const again = new TopicConfigManager({ config: resolveBrokerConfig({}), files });
    await again.load();
    expect(again.selectTopicConfig('Orders')).toMatchObject({ perm: 4, order: true, topicFilterType: 'MULTI_TAG' });
    expect(again.isOrderTopic('Orders')).toBe(true);
    expect(again.dataVersion).toEqual({ timestamp: json.dataVersion.timestamp, counter: json.dataVersion.counter });
    again.updateOrderTopicConfig({ table: new Map([['Other', 'broker-a:4']]) });
    expect(again.isOrderTopic('Orders')).toBe(false);
    await again.idle();
  });
});

describe('SubscriptionGroupManager', () => {
  it('auto-creates groups when allowed, always for CID_RMQ_SYS_ groups, and persists them', async () => {
    const d = await dir();
    const files = new BrokerConfigFiles(d);
    const m = new SubscriptionGroupManager({ config: resolveBrokerConfig({}), files });
    expect(m.findSubscriptionGroupConfig('TOOLS_CONSUMER')).toBeDefined();
    expect(m.findSubscriptionGroupConfig('CID_ONSAPI_OWNER')!.consumeBroadcastEnable).toBe(true);
    expect(m.findSubscriptionGroupConfig('G1')).toMatchObject({ groupName: 'G1', retryQueueNums: 1, retryMaxTimes: 16, consumeEnable: true });
    await m.idle();
    const json = JSON.parse(await readFile(join(d, 'config', 'subscriptionGroup.json'), 'utf8')) as { subscriptionGroupTable: Record<string, unknown> };
    expect(json.subscriptionGroupTable['G1']).toMatchObject({ groupName: 'G1', retryMaxTimes: 16, whichBrokerWhenConsumeSlowly: 1 });

    const strict = new SubscriptionGroupManager({ config: resolveBrokerConfig({ autoCreateSubscriptionGroup: false }), files });
    await strict.load();
    expect(strict.findSubscriptionGroupConfig('G1')).toBeDefined();
    expect(strict.findSubscriptionGroupConfig('G2')).toBeUndefined();
    expect(strict.findSubscriptionGroupConfig('CID_RMQ_SYS_X')).toBeDefined();
    await strict.idle();
  });
});

describe('ConsumerOffsetManager', () => {
  it('commits and queries offsets, and writes consumerOffset.json as Java does', async () => {
    const d = await dir();
    const files = new BrokerConfigFiles(d);
    const m = new ConsumerOffsetManager({ files });
    expect(m.queryOffset('G', 'T', 0)).toBe(-1);
    m.commitOffset('127.0.0.1:1', 'G', 'T', 0, 12);
    m.commitOffset('127.0.0.1:1', 'G', 'T', 1, 40);
    m.commitOffset('127.0.0.1:1', 'G2', 'T', 0, 3);
    expect(m.queryOffset('G', 'T', 1)).toBe(40);
    expect([...m.whichTopicByConsumer('G')]).toEqual(['T']);
    expect([...m.whichGroupByTopic('T')].sort()).toEqual(['G', 'G2']);
    expect(m.encode()).toBe('{"offsetTable":{"T@G":{0:12,1:40},"T@G2":{0:3}}}');
    await m.persist();
    expect(await readFile(join(d, 'config', 'consumerOffset.json'), 'utf8')).toBe('{"offsetTable":{"T@G":{0:12,1:40},"T@G2":{0:3}}}');
    const again = new ConsumerOffsetManager({ files });
    await again.load();
    expect(again.queryOffset('G', 'T', 0)).toBe(12);
  });

  it('a broker writes offsets every flushConsumerOffsetInterval, not only at shutdown', async () => {
    const b = await broker({ config: { flushConsumerOffsetInterval: 100 } });
    b.broker.offsets.commitOffset('127.0.0.1:1', 'G', 'Periodic', 0, 7);
    const file = join(b.dir, 'config', 'consumerOffset.json');
    await waitFor(async () => (await readFile(file, 'utf8').catch(() => '')).includes('"Periodic@G":{0:7}'), 3000, 'the offsets file');
  });
});
