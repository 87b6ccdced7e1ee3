/**
 * The admin codes end to end over TCP, with real NameServers, producers and
 * push consumers: topics created by admin show up in the NameServer's route
 * at once; deleting a topic removes its ConsumeQueue files and offsets;
 * UPDATE_BROKER_CONFIG applies, persists and survives a restart; consume
 * stats follow real consumption; a reset by time moves a live consumer
 * back; runtime info and the stats windows move with traffic.
 */
import { readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBrokerConfig } from '@rocketmq-ts/broker';
import { Producer, PushConsumer } from '@rocketmq-ts/client';
import {
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  createRequest,
  decodeBrokerStatsData,
  decodeConsumeStats,
  decodeConsumeStatsList,
  decodeKVTable,
  decodeResetOffsetBody,
  decodeTopicRouteData,
  encodeBatch,
  encodeConsumerSendMsgBackRequestHeader,
  encodeCreateTopicRequestHeader,
  encodeDeleteTopicRequestHeader,
  encodeGetConsumeStatsInBrokerHeader,
  encodeGetConsumeStatsRequestHeader,
  encodeGetRouteInfoRequestHeader,
  encodeResetOffsetRequestHeader,
  encodeUpdateConsumerOffsetRequestHeader,
  encodeViewBrokerStatsDataRequestHeader,
  parseProperties,
} from '@rocketmq-ts/protocol';
import type { RemotingClient } from '@rocketmq-ts/remoting';
import { startBroker } from '@rocketmq-ts/testkit';
import { broker, client, dir, nameServer, onCleanup, pullRequest, sendRequest, sleep, waitFor } from './helpers.js';

const fastProducer = { heartbeatBrokerInterval: 200, pollNameServerInterval: 300 };
const fastConsumer = { ...fastProducer, persistConsumerOffsetInterval: 100, rebalanceInterval: 300 };

function createTopicHeader(topic: string, queues: number): Record<string, string> {
  return encodeCreateTopicRequestHeader({ topic, defaultTopic: 'TBW102', readQueueNums: queues, writeQueueNums: queues, perm: 6, topicFilterType: 'SINGLE_TAG', order: false });
}

async function ok(c: RemotingClient, addr: string, code: number, fields: Record<string, string> = {}, body?: Buffer): Promise<RemotingCommand> {
  const r = await c.invoke(addr, createRequest(code, fields, body), 10_000);
  expect(r.code, r.remark).toBe(ResponseCode.SUCCESS);
  return r;
}

async function runtimeInfo(c: RemotingClient, addr: string): Promise<Map<string, string>> {
  return decodeKVTable((await ok(c, addr, RequestCode.GET_BROKER_RUNTIME_INFO)).body!).table;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The keys rocketmq-exporter's BrokerRuntimeStats parses without a default, and how it parses them. */
const EXPORTER_LONG_KEYS = [
  'msgPutTotalTodayNow', 'msgGetTotalTodayNow', 'msgPutTotalTodayMorning', 'msgGetTotalTodayMorning', 'msgPutTotalYesterdayMorning',
  'msgGetTotalYesterdayMorning', 'sendThreadPoolQueueHeadWaitTimeMills', 'queryThreadPoolQueueHeadWaitTimeMills',
  'pullThreadPoolQueueHeadWaitTimeMills', 'queryThreadPoolQueueSize', 'pullThreadPoolQueueSize', 'sendThreadPoolQueueCapacity',
  'pullThreadPoolQueueCapacity', 'queryThreadPoolQueueCapacity', 'sendThreadPoolQueueSize', 'bootTimestamp', 'commitLogMinOffset',
  'commitLogMaxOffset', 'dispatchMaxBuffer', 'brokerVersion', 'pageCacheLockTimeMills', 'getMessageEntireTimeMax', 'putMessageTimesTotal',
  'startAcceptSendRequestTimeStamp', 'putMessageEntireTimeMax', 'earliestMessageTimeStamp', 'remainTransientStoreBufferNumbs',
  'dispatchBehindBytes', 'putMessageSizeTotal',
];
const EXPORTER_DOUBLE_KEYS = ['consumeQueueDiskRatio', 'commitLogDiskRatio', 'putMessageAverageSize', 'putLatency99', 'putLatency999'];
const EXPORTER_TPS_KEYS = ['putTps', 'getMissTps', 'getTransferedTps', 'getTotalTps', 'getFoundTps'];

/** Java's Long.parseLong / Double.parseDouble, strictly. */
const isJavaLong = (s: string | undefined): boolean => s !== undefined && /^-?\d+$/.test(s);
const isJavaDouble = (s: string | undefined): boolean => s !== undefined && s.trim() !== '' && Number.isFinite(Number(s));

describe('admin codes end to end', () => {
  it('UPDATE_AND_CREATE_TOPIC registers the topic with the NameServer before it answers', async () => {
    const ns = await nameServer();
    const b = await broker({ namesrvAddr: ns.address });
    const c = client();
    await ok(c, b.address, RequestCode.UPDATE_AND_CREATE_TOPIC, createTopicHeader('AdminRouted', 3));
    // No waiting: the route must be there as soon as the broker answered.
    const route = await ok(c, ns.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, encodeGetRouteInfoRequestHeader({ topic: 'AdminRouted' }));
    const data = decodeTopicRouteData(route.body!);
    expect(data.queueDatas).toEqual([expect.objectContaining({ brokerName: 'broker-a', readQueueNums: 3, writeQueueNums: 3, perm: 6 })]);
    expect(data.brokerDatas[0]!.brokerAddrs.get(0)).toBe(b.address);
  });

  it('DELETE_TOPIC_IN_BROKER removes the topic, its ConsumeQueue files and its offsets, also after a restart', async () => {
    const d = await dir();
    const first = await startBroker({ dir: d });
    let closed = false;
    onCleanup(() => (closed ? undefined : first.close()));
    const c = client();
    for (const topic of ['DelMe', 'KeepMe']) {
      await ok(c, first.address, RequestCode.UPDATE_AND_CREATE_TOPIC, createTopicHeader(topic, 2));
      for (let q = 0; q < 2; q++) {
        expect((await c.invoke(first.address, sendRequest({ topic, queueId: q }), 5000)).code).toBe(ResponseCode.SUCCESS);
        await ok(c, first.address, RequestCode.UPDATE_CONSUMER_OFFSET, encodeUpdateConsumerOffsetRequestHeader({ consumerGroup: 'CG_DEL', topic, queueId: q, commitOffset: 1 }));
      }
    }
    const cq = (topic: string): string => join(d, 'consumequeue', topic);
    await waitFor(async () => (await exists(join(cq('DelMe'), '1'))) && exists(join(cq('KeepMe'), '1')), 10_000, 'ConsumeQueue files on disk');

    await ok(c, first.address, RequestCode.DELETE_TOPIC_IN_BROKER, encodeDeleteTopicRequestHeader({ topic: 'DelMe' }));
    expect(await exists(cq('DelMe'))).toBe(false);
    expect(await exists(cq('KeepMe'))).toBe(true);
    expect(first.broker.store.getMaxOffsetInQueue('DelMe', 0)).toBe(0);
    const offsets = (await ok(c, first.address, RequestCode.GET_ALL_CONSUMER_OFFSET)).body!.toString();
    expect(offsets).not.toContain('DelMe@');
    expect(offsets).toContain('"KeepMe@CG_DEL":{0:1,1:1}');

    await first.close();
    closed = true;
    const second = await broker({ dir: d });
    expect(second.broker.topics.selectTopicConfig('DelMe')).toBeUndefined();
    expect(second.broker.topics.selectTopicConfig('KeepMe')).toBeDefined();
    expect(second.broker.offsets.queryOffset('CG_DEL', 'DelMe', 0)).toBe(-1);
    expect(second.broker.offsets.queryOffset('CG_DEL', 'KeepMe', 1)).toBe(1);
    expect(second.broker.store.getMaxOffsetInQueue('KeepMe', 1)).toBe(1);
  });

  it('UPDATE_BROKER_CONFIG applies live keys at once, rewrites the config file with every key, and a restart runs with it', async () => {
    const d = await dir();
    const configFile = join(d, 'broker.properties');
    await writeFile(configFile, '# operator comment\nbrokerClusterName=CfgCluster\nsendMessageThreadPoolNums=16\n');
    const fromFile = (): Promise<ReturnType<typeof parseBrokerConfig>['config']> =>
      readFile(configFile).then((text) => parseBrokerConfig([Object.fromEntries(parseProperties(text))]).config);
    const start = async (): Promise<Awaited<ReturnType<typeof startBroker>>> => {
      // The test settings (port 0, loopback, the store dir) on top of what the file says.
      const b = await startBroker({ dir: join(d, 'store'), config: { ...(await fromFile()), listenPort: 0 }, init: { configFile } });
      return b;
    };
    const first = await start();
    let closed = false;
    onCleanup(() => (closed ? undefined : first.close()));
    const c = client();
    const body = Buffer.from('maxMessageSize=2048\ndefaultTopicQueueNums=3\nregionId=CfgRegion\nserverSocketSndBufSize=65535\nnoSuchKey=1\n');
    await ok(c, first.address, RequestCode.UPDATE_BROKER_CONFIG, {}, body);

    // Live keys: the store refuses a body over the new limit at once; new topics get 3 queues.
    const big = await c.invoke(first.address, sendRequest({ topic: 'Cfg', body: Buffer.alloc(4096, 1), defaultTopicQueueNums: 8 }), 5000);
    expect(big.code).toBe(ResponseCode.MESSAGE_ILLEGAL);
    expect(big.remark).toContain('msg body length limit 2048B');
    expect(first.broker.config.defaultTopicQueueNums).toBe(3);
    // regionId is read once at start: the running broker keeps the old one.
    const small = await c.invoke(first.address, sendRequest({ topic: 'Cfg', body: 'small' }), 5000);
    expect(small.extFields['MSG_REGION']).toBe('DefaultRegion');

    const written = parseProperties(await readFile(configFile));
    expect(written.get('maxMessageSize')).toBe('2048');
    expect(written.get('regionId')).toBe('CfgRegion');
    expect(written.get('brokerClusterName')).toBe('CfgCluster');
    // A Java key this broker ignores stays in the file (Java registers the whole file); an unknown one is not added.
    expect(written.get('sendMessageThreadPoolNums')).toBe('16');
    expect(written.get('serverSocketSndBufSize')).toBe('65535');
    expect(written.has('noSuchKey')).toBe(false);
    expect(written.size).toBeGreaterThan(100);
    expect((await readFile(`${configFile}.bak`, 'utf8')).startsWith('# operator comment')).toBe(true);

    const shown = parseProperties((await ok(c, first.address, RequestCode.GET_BROKER_CONFIG)).body!);
    expect(shown.get('regionId')).toBe('CfgRegion');
    expect(first.broker.configuration.pendingKeys()).toEqual(['regionId']);

    await first.close();
    closed = true;
    const second = await start();
    onCleanup(() => second.close());
    expect(second.broker.config.regionId).toBe('CfgRegion');
    expect(second.broker.config.maxMessageSize).toBe(2048);
    const after = await c.invoke(second.address, sendRequest({ topic: 'Cfg', body: 'again' }), 5000);
    expect(after.extFields['MSG_REGION']).toBe('CfgRegion');
  });

  it('CLEAN_EXPIRED_CONSUMEQUEUE drops the queues of a topic whose messages all left the CommitLog', async () => {
    const seg = 16 * 1024;
    const b = await broker({ config: { mappedFileSizeCommitLog: seg, maxMessageSize: 4096, fileReservedTime: 1 } });
    const c = client();
    const body = Buffer.alloc(1000, 0x61);
    for (let i = 0; i < 40; i++) expect((await c.invoke(b.address, sendRequest({ topic: 'OldT', body }), 5000)).code).toBe(ResponseCode.SUCCESS);
    // More than a segment of newer messages, so OldT's last one is not in the newest segment (never deleted).
    for (let i = 0; i < 20; i++) expect((await c.invoke(b.address, sendRequest({ topic: 'NewT', body }), 5000)).code).toBe(ResponseCode.SUCCESS);
    const store = b.broker.store;
    const oldEnd = (await store.getCommitLogOffsetInQueue('OldT', 0, 39)) + 1000;
    // Age every segment before the newest by two hours (fileReservedTime is one), then run retention.
    const newest = Math.floor(store.getMaxPhyOffset() / seg) * seg;
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    for (const name of await readdir(join(b.dir, 'commitlog'))) {
      if (Number(name) < newest) await utimes(join(b.dir, 'commitlog', name), twoHoursAgo, twoHoursAgo);
    }
    await ok(c, b.address, RequestCode.DELETE_EXPIRED_COMMITLOG);
    await waitFor(() => store.getMinPhyOffset() > oldEnd, 20_000, 'old segments deleted');
    await ok(c, b.address, RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE);
    expect(await exists(join(b.dir, 'consumequeue', 'OldT'))).toBe(false);
    expect(store.getMaxOffsetInQueue('OldT', 0)).toBe(0);
    expect(store.getMaxOffsetInQueue('NewT', 0)).toBe(20);
  });

  it('a new brokerPermission is registered with the NameServer at once', async () => {
    const ns = await nameServer();
    const b = await broker({ namesrvAddr: ns.address });
    const c = client();
    await ok(c, b.address, RequestCode.UPDATE_AND_CREATE_TOPIC, createTopicHeader('PermT', 1));
    await ok(c, b.address, RequestCode.UPDATE_BROKER_CONFIG, {}, Buffer.from('brokerPermission=4\n'));
    const route = decodeTopicRouteData((await ok(c, ns.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, encodeGetRouteInfoRequestHeader({ topic: 'PermT' }))).body!);
    expect(route.queueDatas[0]!.perm).toBe(4);
    expect(b.broker.config.brokerPermission).toBe(4);
  });

  it('GET_BROKER_RUNTIME_INFO has every key rocketmq-exporter parses, in its format, and they move with traffic', async () => {
    const b = await broker();
    const c = client();
    const before = await runtimeInfo(c, b.address);
    for (const k of EXPORTER_LONG_KEYS) expect(isJavaLong(before.get(k)), `${k}=${before.get(k)}`).toBe(true);
    for (const k of EXPORTER_DOUBLE_KEYS) expect(isJavaDouble(before.get(k)), `${k}=${before.get(k)}`).toBe(true);
    for (const k of ['brokerVersionDesc', 'runtime']) expect(before.get(k)).toBeTruthy();
    expect(before.get('remainHowManyDataToFlush')).toMatch(/^\d+(\.\d)? (B|[KMGTPE]iB)$/);
    expect(before.get('commitLogDirCapacity')).toMatch(/^Total : \d+(\.\d)? (B|[KMGTPE]iB), Free : \d+(\.\d)? (B|[KMGTPE]iB)\.$/);
    expect(before.get('putMessageDistributeTime')!.trim().split(' ').every((t) => /^\[[^\]]+\]:\d+$/.test(t))).toBe(true);
    expect(before.get('remainTransientStoreBufferNumbs')).toBe('2147483647');
    // Measured on request (not a cached -1 before the store's first disk check).
    for (const k of ['commitLogDiskRatio', 'consumeQueueDiskRatio', `commitLogDiskRatio_${b.broker.storePaths.commitLog}`]) {
      expect(Number(before.get(k)), k).toBeGreaterThan(0);
      expect(Number(before.get(k)), k).toBeLessThanOrEqual(1);
    }
    expect(Number(before.get('bootTimestamp'))).toBeGreaterThan(1_600_000_000_000);

    // Traffic: 20 messages in, 20 out.
    const n = 20;
    const batch = encodeBatch(Array.from({ length: n }, (_, i) => ({ body: Buffer.from(`m${i}`) })));
    expect((await c.invoke(b.address, sendRequest({ topic: 'Rt', batch: true, body: batch }), 5000)).code).toBe(ResponseCode.SUCCESS);
    const pulled = await c.invoke(b.address, pullRequest({ group: 'CG_RT', topic: 'Rt' }), 5000);
    expect(pulled.code).toBe(ResponseCode.SUCCESS);

    const now = await runtimeInfo(c, b.address);
    expect(Number(now.get('msgPutTotalTodayNow')) - Number(before.get('msgPutTotalTodayNow'))).toBe(n);
    expect(Number(now.get('msgGetTotalTodayNow')) - Number(before.get('msgGetTotalTodayNow'))).toBe(n);
    expect(Number(now.get('commitLogMaxOffset'))).toBeGreaterThan(Number(before.get('commitLogMaxOffset')));
    expect(Number(now.get('earliestMessageTimeStamp'))).toBeGreaterThan(1_600_000_000_000);
    // The store samples once a second and needs ten seconds of samples for the first rate: keep a trickle going.
    let trickling = true;
    const trickle = (async (): Promise<void> => {
      while (trickling) {
        await c.invoke(b.address, sendRequest({ topic: 'Rt' }), 5000);
        await c.invoke(b.address, pullRequest({ group: 'CG_RT', topic: 'Rt', offset: 0, maxMsgNums: 1 }), 5000);
        await sleep(200);
      }
    })();
    try {
      await waitFor(
        async () => {
          const t = await runtimeInfo(c, b.address);
          const put = t.get('putTps')!.split(' ');
          return put.length >= 1 && Number(put[0]) > 0;
        },
        40_000,
        'putTps > 0',
      );
    } finally {
      trickling = false;
      await trickle;
    }
    const later = await runtimeInfo(c, b.address);
    for (const k of EXPORTER_TPS_KEYS) {
      const parts = later.get(k)!.split(' ').filter((x) => x !== '');
      expect(parts.length, k).toBeGreaterThanOrEqual(1);
      for (const p of parts) expect(isJavaDouble(p), `${k}=${later.get(k)}`).toBe(true);
    }
    expect(Number(later.get('getTransferedTps')!.split(' ')[0])).toBeGreaterThan(0);
  }, 60_000);

  it('VIEW_BROKER_STATS_DATA: the minute, hour and day windows of puts, gets, latency and send-backs after traffic', async () => {
    const b = await broker({ init: { statsSampling: { minuteSamplingMs: 1000, hourSamplingMs: 1000, daySamplingMs: 1000 } } });
    const c = client();
    const view = async (statsName: string, statsKey: string): Promise<ReturnType<typeof decodeBrokerStatsData> | undefined> => {
      const r = await c.invoke(b.address, createRequest(RequestCode.VIEW_BROKER_STATS_DATA, encodeViewBrokerStatsDataRequestHeader({ statsName, statsKey })), 5000);
      return r.code === ResponseCode.SUCCESS ? decodeBrokerStatsData(r.body!) : undefined;
    };
    // One batch of 10: one put of 10 messages.
    const batch = encodeBatch(Array.from({ length: 10 }, (_, i) => ({ body: Buffer.from(`s${i}`) })));
    const sent = await c.invoke(b.address, sendRequest({ topic: 'StatsT', batch: true, body: batch }), 5000);
    expect(sent.code).toBe(ResponseCode.SUCCESS);
    const pulled = await c.invoke(b.address, pullRequest({ group: 'CG_ST', topic: 'StatsT' }), 5000);
    expect(pulled.code).toBe(ResponseCode.SUCCESS);
    await waitFor(async () => (await view('TOPIC_PUT_NUMS', 'StatsT'))?.statsMinute.sum === 10, 10_000, 'TOPIC_PUT_NUMS sampled');
    const puts = (await view('TOPIC_PUT_NUMS', 'StatsT'))!;
    expect(puts.statsMinute.tps).toBeGreaterThan(0);
    expect(puts.statsMinute.avgpt).toBe(10);
    expect(puts.statsHour.sum).toBe(10);
    expect(puts.statsDay.sum).toBe(10);
    const size = (await view('TOPIC_PUT_SIZE', 'StatsT'))!;
    expect(size.statsMinute.sum).toBeGreaterThan(10 * 90);
    expect((await view('BROKER_PUT_NUMS', 'DefaultCluster'))!.statsMinute.sum).toBeGreaterThanOrEqual(10);
    await waitFor(async () => (await view('GROUP_GET_NUMS', 'StatsT@CG_ST'))?.statsMinute.sum === 10, 10_000, 'GROUP_GET_NUMS sampled');
    expect((await view('GROUP_GET_SIZE', 'StatsT@CG_ST'))!.statsMinute.sum).toBe(size.statsMinute.sum);
    expect((await view('BROKER_GET_NUMS', 'DefaultCluster'))!.statsMinute.sum).toBe(10);
    // enableDetailStat (the default): latency per queue, keyed queueId@topic@group.
    expect(await view('GROUP_GET_LATENCY', '0@StatsT@CG_ST')).toBeDefined();
    expect(await view('GROUP_GET_LATENCY', 'StatsT@CG_ST')).toBeUndefined();

    // A consumer sends one back: SNDBCK_PUT_NUMS of the original topic.
    // (CommitLog offset 0 is the batch's first message: this broker stored nothing before it.)
    const sendBack = encodeConsumerSendMsgBackRequestHeader({ offset: 0, group: 'CG_ST', delayLevel: 0, unitMode: false, maxReconsumeTimes: 16 });
    const back = await c.invoke(b.address, createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, sendBack), 5000);
    expect(back.code, back.remark).toBe(ResponseCode.SUCCESS);
    await waitFor(async () => (await view('SNDBCK_PUT_NUMS', 'StatsT@CG_ST'))?.statsMinute.sum === 1, 10_000, 'SNDBCK_PUT_NUMS sampled');
  });

  it('consume stats follow a push consumer: no lag once it consumed, the new messages as lag once it stopped', async () => {
    const ns = await nameServer();
    const b = await broker({ namesrvAddr: ns.address, init: { statsSampling: { minuteSamplingMs: 500 } } });
    const c = client();
    await ok(c, b.address, RequestCode.UPDATE_AND_CREATE_TOPIC, createTopicHeader('CsT', 2));
    const producer = new Producer({ nameServer: ns.address, group: 'PG_CS', ...fastProducer });
    await producer.start();
    onCleanup(() => producer.shutdown());
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'CsT', body: `c${i}` });

    const got = new Set<string>();
    const consumer = new PushConsumer({ nameServer: ns.address, group: 'CG_CS', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', ...fastConsumer });
    consumer.subscribe('CsT', '*', (m) => {
      got.add(m.body.toString());
    });
    await consumer.start();
    let stopped = false;
    onCleanup(() => (stopped ? undefined : consumer.shutdown()));
    await waitFor(() => got.size === 10, 20_000, 'all ten consumed');
    const stats = async (): Promise<ReturnType<typeof decodeConsumeStats>> =>
      decodeConsumeStats((await ok(c, b.address, RequestCode.GET_CONSUME_STATS, encodeGetConsumeStatsRequestHeader({ consumerGroup: 'CG_CS', topic: 'CsT' }))).body!);
    await waitFor(async () => (await stats()).offsetTable.every(([, o]) => o.consumerOffset === o.brokerOffset), 20_000, 'offsets committed');
    const s = await stats();
    expect(s.offsetTable.map(([mq]) => mq.queueId).sort()).toEqual([0, 1]);
    expect(s.offsetTable.reduce((sum, [, o]) => sum + o.brokerOffset, 0)).toBe(10);
    for (const [, o] of s.offsetTable) if (o.consumerOffset > 0) expect(o.lastTimestamp).toBeGreaterThan(1_600_000_000_000);
    // consumeTps comes from GROUP_GET_NUMS' last minute.
    await waitFor(async () => (await stats()).consumeTps > 0, 10_000, 'consumeTps > 0');

    await consumer.shutdown();
    stopped = true;
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'CsT', body: `late${i}` });
    const lagging = await stats();
    expect(lagging.offsetTable.reduce((sum, [, o]) => sum + (o.brokerOffset - o.consumerOffset), 0)).toBe(5);
    const all = decodeConsumeStatsList((await ok(c, b.address, RequestCode.GET_BROKER_CONSUME_STATS, encodeGetConsumeStatsInBrokerHeader({ isOrder: false }))).body!);
    expect(all.totalDiff).toBe(5);
    // CsT, and the group's retry topic (the consumer commits offsets there too).
    const mine = all.consumeStatsList.find((m) => m.has('CG_CS'))!.get('CG_CS')!;
    expect(mine.flatMap((x) => x.offsetTable.map(([mq]) => mq.topic)).sort()).toEqual(['%RETRY%CG_CS', 'CsT', 'CsT']);
  }, 60_000);

  it('INVOKE_BROKER_TO_RESET_OFFSET by time moves a live push consumer back: it consumes everything again', async () => {
    const ns = await nameServer();
    const b = await broker({ namesrvAddr: ns.address });
    const c = client();
    await ok(c, b.address, RequestCode.UPDATE_AND_CREATE_TOPIC, createTopicHeader('RstT', 2));
    const producer = new Producer({ nameServer: ns.address, group: 'PG_RST', ...fastProducer });
    await producer.start();
    onCleanup(() => producer.shutdown());
    const t0 = Date.now() - 1000;
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'RstT', body: `r${i}` });

    const seen: string[] = [];
    const consumer = new PushConsumer({ nameServer: ns.address, group: 'CG_RST', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', ...fastConsumer });
    consumer.subscribe('RstT', '*', (m) => {
      seen.push(m.body.toString());
    });
    await consumer.start();
    onCleanup(() => consumer.shutdown());
    await waitFor(() => seen.length === 10, 20_000, 'first pass');
    const committed = (): number => [0, 1].reduce((s, q) => s + Math.max(0, b.broker.offsets.queryOffset('CG_RST', 'RstT', q)), 0);
    await waitFor(() => committed() === 10, 20_000, 'offsets committed');

    const r = await ok(c, b.address, RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, encodeResetOffsetRequestHeader({ topic: 'RstT', group: 'CG_RST', timestamp: t0, isForce: true }));
    expect(decodeResetOffsetBody(r.body!).offsetTable.map(([, o]) => o)).toEqual([0, 0]);
    await waitFor(() => new Set(seen.slice(10)).size === 10, 30_000, 'second pass after the reset');
    expect(new Set(seen.slice(10))).toEqual(new Set(seen.slice(0, 10)));
    await waitFor(() => committed() === 10, 20_000, 'offsets committed again');
  }, 90_000);
});
