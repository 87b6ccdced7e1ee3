import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  BodyDecodeError,
  computeTotalDiff,
  decodeBrokerStatsData,
  decodeClusterInfo,
  decodeConsumeStats,
  decodeConsumeStatsList,
  decodeConsumerConnection,
  decodeConsumerOffsetSerializeWrapper,
  decodeConsumerRunningInfo,
  decodeDataVersion,
  decodeDelayOffsetSerializeWrapper,
  decodeGetConsumerStatusBody,
  decodeGroupList,
  decodeHeartbeatData,
  decodeKVTable,
  decodeLockBatchRequestBody,
  decodeLockBatchResponseBody,
  decodeProducerConnection,
  decodeProducerTableInfo,
  decodeQueryConsumeQueueResponseBody,
  decodeQueryConsumeTimeSpanBody,
  decodeRegisterBrokerBody,
  decodeRegisterBrokerResult,
  decodeResetOffsetBody,
  decodeSubscriptionGroupWrapper,
  decodeTopicConfigSerializeWrapper,
  decodeTopicList,
  decodeTopicRouteData,
  decodeTopicStatsTable,
  decodeConsumeMessageDirectlyResult,
  defaultSubscriptionGroupConfig,
  encodeBrokerStatsData,
  encodeClusterInfo,
  encodeConsumeMessageDirectlyResult,
  encodeConsumeStats,
  encodeConsumeStatsList,
  encodeConsumerConnection,
  encodeConsumerOffsetSerializeWrapper,
  encodeConsumerRunningInfo,
  encodeDataVersion,
  encodeDelayOffsetSerializeWrapper,
  encodeGetConsumerStatusBody,
  encodeGroupList,
  encodeHeartbeatData,
  encodeKVTable,
  encodeLockBatchRequestBody,
  encodeLockBatchResponseBody,
  encodeProducerConnection,
  encodeProducerTableInfo,
  encodeQueryConsumeQueueResponseBody,
  encodeQueryConsumeTimeSpanBody,
  encodeRegisterBrokerBody,
  encodeResetOffsetBody,
  encodeSubscriptionGroupWrapper,
  encodeTopicConfigSerializeWrapper,
  encodeTopicList,
  encodeTopicRouteData,
  encodeTopicStatsTable,
  javaCrc32,
  parseProperties,
  routeJsonStyleFor,
  serializeProperties,
} from '@rocketmq-ts/protocol';
import type {
  ConsumeStats,
  HeartbeatData,
  MessageQueue,
  RegisterBrokerBody,
  SubscriptionData,
  TopicRouteData,
} from '@rocketmq-ts/protocol';

const mq = (topic: string, queueId: number, brokerName = 'broker-a'): MessageQueue => ({ topic, brokerName, queueId });

const route: TopicRouteData = {
  queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
  brokerDatas: [{ cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: new Map([[1, '127.0.0.1:10921'], [0, '127.0.0.1:10911']]) }],
  filterServerTable: new Map(),
};

describe('TopicRouteData', () => {
  it('parses the fastjson form with unquoted numeric keys', () => {
    const text =
      '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster"}],' +
      '"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}';
    const r = decodeTopicRouteData(Buffer.from(text));
    expect(r.brokerDatas[0]!.brokerAddrs.get(0)).toBe('127.0.0.1:10911');
    expect(r.brokerDatas[0]!.brokerAddrs.get(1)).toBe('127.0.0.1:10921');
    expect(encodeTopicRouteData(r, 'fastjson').toString()).toBe(text);
  });

  it('emits standard JSON with quoted, sorted keys as a 4.9.4+ NameServer does', () => {
    expect(routeJsonStyleFor(401)).toBe('standard');
    expect(routeJsonStyleFor(121)).toBe('fastjson');
    expect(routeJsonStyleFor(121, true)).toBe('standard');
    expect(encodeTopicRouteData(route, 'standard').toString()).toBe(
      '{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster"}],' +
        '"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}',
    );
    const back = decodeTopicRouteData(encodeTopicRouteData(route, 'standard'));
    expect(back.brokerDatas[0]!.brokerAddrs).toEqual(new Map([[0, '127.0.0.1:10911'], [1, '127.0.0.1:10921']]));
    expect(back.queueDatas).toEqual(route.queueDatas);
  });

  it('keeps broker ids readable by a split-on-comma-and-colon reader, as rocketmq-client-go parses brokerAddrs', () => {
    // The Go client takes the raw brokerAddrs text, splits entries on ",",
    // splits each at the first ":" and parses the left side as an integer.
    const ids = (text: string): number[] => {
      const addrs = /"brokerAddrs":(\{[^}]*\})/.exec(text)![1]!;
      return addrs.slice(1, -1).split(',').map((e) => Number.parseInt(e.slice(0, e.indexOf(':')), 10));
    };
    expect(ids(encodeTopicRouteData(route).toString())).toEqual([0, 1]);
    expect(ids(encodeTopicRouteData(route, 'standard').toString())).toEqual([NaN, NaN]);
  });

  it('reads 5.x extras and a filter server table', () => {
    const r = decodeTopicRouteData(
      '{"brokerDatas":[{"brokerAddrs":{"0":"a:1"},"brokerName":"b","cluster":"c","enableActingMaster":false,"zoneName":"z"}],' +
        '"filterServerTable":{"a:1":["f:1","f:2"]},"orderTopicConf":"b:4","queueDatas":[],"topicQueueMappingByBroker":null}',
    );
    expect(r.brokerDatas[0]!.zoneName).toBe('z');
    expect(r.filterServerTable.get('a:1')).toEqual(['f:1', 'f:2']);
    expect(r.orderTopicConf).toBe('b:4');
    expect(decodeTopicRouteData(encodeTopicRouteData(r))).toEqual(r);
  });

  it('names the path of a malformed member', () => {
    expect(() => decodeTopicRouteData('{"queueDatas":[{"brokerName":3,"perm":"x"}]}')).toThrow(BodyDecodeError);
    expect(() => decodeTopicRouteData('[1]')).toThrow(BodyDecodeError);
  });
});

describe('RegisterBrokerBody', () => {
  const body: RegisterBrokerBody = {
    topicConfigSerializeWrapper: {
      dataVersion: { timestamp: 1700000000000, counter: 3 },
      topicConfigTable: new Map([
        ['TopicTest', { topicName: 'TopicTest', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false }],
        ['TBW102', { topicName: 'TBW102', readQueueNums: 8, writeQueueNums: 8, perm: 7, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false }],
      ]),
    },
    filterServerList: [],
  };

  it('round-trips the plain form in fastjson field order', () => {
    const bytes = encodeRegisterBrokerBody(body);
    expect(bytes.toString()).toBe(
      '{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"timestamp":1700000000000},"topicConfigTable":{' +
        '"TopicTest":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4},' +
        '"TBW102":{"order":false,"perm":7,"readQueueNums":8,"topicFilterType":"SINGLE_TAG","topicName":"TBW102","topicSysFlag":0,"writeQueueNums":8}}}}',
    );
    expect(decodeRegisterBrokerBody(bytes, false)).toEqual(body);
  });

  it('round-trips the compressed form and reads one built by hand to the Java layout', () => {
    expect(decodeRegisterBrokerBody(encodeRegisterBrokerBody(body, true), true)).toEqual(body);
    const int = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    const dv = Buffer.from('{"counter":1,"timestamp":5}');
    const t1 = Buffer.from('T1 2 3 6 MULTI_TAG');
    const fl = Buffer.from('["10.0.0.1:1"]');
    const raw = Buffer.concat([int(dv.length), dv, int(1), int(t1.length), t1, int(fl.length), fl]);
    const decoded = decodeRegisterBrokerBody(deflateSync(raw), true);
    expect(decoded.topicConfigSerializeWrapper.dataVersion).toEqual({ counter: 1, timestamp: 5 });
    expect(decoded.topicConfigSerializeWrapper.topicConfigTable.get('T1')).toEqual({
      topicName: 'T1', readQueueNums: 2, writeQueueNums: 3, perm: 6, topicFilterType: 'MULTI_TAG', topicSysFlag: 0, order: false,
    });
    expect(decoded.filterServerList).toEqual(['10.0.0.1:1']);
    expect(() => decodeRegisterBrokerBody(Buffer.from('not deflate'), true)).toThrow(BodyDecodeError);
  });

  it('computes bodyCrc32 as UtilAll.crc32', () => {
    // CRC-32 of "123456789" is 0xCBF43926; masked to 31 bits.
    expect(javaCrc32(Buffer.from('123456789'))).toBe(0xcbf43926 & 0x7fffffff);
    expect(javaCrc32(Buffer.alloc(0))).toBe(0);
  });

  it('reads the NameServer answer', () => {
    const res = decodeRegisterBrokerResult({ masterAddr: 'm:1' }, Buffer.from('{"table":{"t":"b:4"}}'));
    expect(res).toEqual({ masterAddr: 'm:1', kvTable: { table: new Map([['t', 'b:4']]) } });
    expect(decodeRegisterBrokerResult({}, undefined).kvTable.table.size).toBe(0);
  });

  it('round-trips DataVersion and TopicConfigSerializeWrapper', () => {
    expect(encodeDataVersion({ timestamp: 1, counter: 2 }).toString()).toBe('{"counter":2,"timestamp":1}');
    expect(decodeDataVersion('{"counter":2,"stateVersion":0,"timestamp":1}')).toEqual({ counter: 2, timestamp: 1, stateVersion: 0 });
    const w = body.topicConfigSerializeWrapper;
    expect(decodeTopicConfigSerializeWrapper(encodeTopicConfigSerializeWrapper(w))).toEqual(w);
  });
});

describe('tables', () => {
  it('round-trips KVTable, TopicList, GroupList', () => {
    const kv = { table: new Map([['brokerVersion', '401'], ['msgPutTotalTodayNow', '0']]) };
    expect(decodeKVTable(encodeKVTable(kv))).toEqual(kv);
    expect(encodeTopicList({ topicList: ['a', 'b'], brokerAddr: 'x:1' }).toString()).toBe('{"brokerAddr":"x:1","topicList":["a","b"]}');
    expect(decodeTopicList('{"topicList":["a"]}')).toEqual({ topicList: ['a'] });
    expect(decodeGroupList(encodeGroupList({ groupList: ['g1'] }))).toEqual({ groupList: ['g1'] });
  });

  it('round-trips ClusterInfo in fastjson form', () => {
    const text =
      '{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}},' +
      '"clusterAddrTable":{"DefaultCluster":["broker-a"]}}';
    const c = decodeClusterInfo(text);
    expect(c.clusterAddrTable.get('DefaultCluster')).toEqual(['broker-a']);
    expect(encodeClusterInfo(c).toString()).toBe(text);
  });

  it('parses and writes properties text as Java does', () => {
    const p = parseProperties(Buffer.from('# comment\nbrokerName=broker-a\n  listenPort : 10911\nflushDiskType ASYNC_FLUSH\npath=a\\\n  b\nu=\\u0041\\t\n\n'));
    expect([...p]).toEqual([
      ['brokerName', 'broker-a'],
      ['listenPort', '10911'],
      ['flushDiskType', 'ASYNC_FLUSH'],
      ['path', 'ab'],
      ['u', 'A\t'],
    ]);
    expect(serializeProperties({ a: '1', b: '' }).toString()).toBe('a=1\nb=\n');
    expect(parseProperties(serializeProperties(new Map([['k', 'v=w']])))).toEqual(new Map([['k', 'v=w']]));
  });
});

const sub: SubscriptionData = {
  classFilterMode: false,
  topic: 'TopicTest',
  subString: 'TagA || TagB',
  tagsSet: ['TagA', 'TagB'],
  codeSet: [2598919, 2598920],
  subVersion: 1700000000000,
  expressionType: 'TAG',
};

describe('client bodies', () => {
  it('round-trips HeartbeatData and reads a fastjson one', () => {
    const hb: HeartbeatData = {
      clientID: '10.0.0.1@1234',
      producerDataSet: [{ groupName: 'CLIENT_INNER_PRODUCER' }],
      consumerDataSet: [
        { groupName: 'g', consumeType: 'CONSUME_PASSIVELY', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET', subscriptionDataSet: [sub], unitMode: false },
      ],
    };
    const bytes = encodeHeartbeatData(hb);
    expect(bytes.toString().startsWith('{"clientID":"10.0.0.1@1234","consumerDataSet":[{"consumeFromWhere":')).toBe(true);
    expect(decodeHeartbeatData(bytes)).toEqual(hb);
  });

  it('round-trips connections and lock bodies', () => {
    const cc = {
      connectionSet: [{ clientId: 'c', clientAddr: '1.2.3.4:5', language: 'JAVA', version: 401 }],
      subscriptionTable: new Map([['TopicTest', sub]]),
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
    };
    expect(decodeConsumerConnection(encodeConsumerConnection(cc))).toEqual(cc);
    const pc = { connectionSet: cc.connectionSet };
    expect(decodeProducerConnection(encodeProducerConnection(pc))).toEqual(pc);
    const lock = { consumerGroup: 'g', clientId: 'c', mqSet: [mq('t', 0), mq('t', 1)] };
    expect(encodeLockBatchRequestBody(lock).toString()).toBe(
      '{"clientId":"c","consumerGroup":"g","mqSet":[{"brokerName":"broker-a","queueId":0,"topic":"t"},{"brokerName":"broker-a","queueId":1,"topic":"t"}]}',
    );
    expect(decodeLockBatchRequestBody(encodeLockBatchRequestBody(lock))).toEqual(lock);
    expect(decodeLockBatchResponseBody(encodeLockBatchResponseBody({ lockOKMQSet: [mq('t', 1)] }))).toEqual({ lockOKMQSet: [mq('t', 1)] });
  });
});

describe('queue-keyed bodies', () => {
  const stats: ConsumeStats = {
    offsetTable: [
      [mq('TopicTest', 0), { brokerOffset: 10, consumerOffset: 7, lastTimestamp: 1700000000000 }],
      [mq('TopicTest', 1), { brokerOffset: 5, consumerOffset: 5, lastTimestamp: 0 }],
    ],
    consumeTps: 1.5,
  };

  it('parses fastjson object keys and writes them back', () => {
    const text =
      '{"consumeTps":1.5,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"}:{"brokerOffset":10,"consumerOffset":7,"lastTimestamp":1700000000000},' +
      '{"brokerName":"broker-a","queueId":1,"topic":"TopicTest"}:{"brokerOffset":5,"consumerOffset":5,"lastTimestamp":0}}}';
    expect(decodeConsumeStats(text)).toEqual(stats);
    expect(encodeConsumeStats(stats).toString()).toBe(text);
    expect(computeTotalDiff(stats)).toBe(3);
  });

  it('accepts queue keys written as MessageQueue.toString() or JSON text', () => {
    const s = decodeResetOffsetBody(
      '{"offsetTable":{"MessageQueue [topic=t, brokerName=b, queueId=2]":5,"{\\"topic\\":\\"t\\",\\"brokerName\\":\\"b\\",\\"queueId\\":3}":6}}',
    );
    expect(s.offsetTable).toEqual([
      [mq('t', 2, 'b'), 5],
      [mq('t', 3, 'b'), 6],
    ]);
  });

  it('round-trips the rest', () => {
    const tst = { offsetTable: [[mq('t', 0), { minOffset: 0, maxOffset: 9, lastUpdateTimestamp: 1 }]] as Array<[MessageQueue, { minOffset: number; maxOffset: number; lastUpdateTimestamp: number }]> };
    expect(decodeTopicStatsTable(encodeTopicStatsTable(tst))).toEqual(tst);
    const list = { brokerAddr: 'a:1', consumeStatsList: [new Map([['g', [stats]]])], totalDiff: 3 };
    expect(decodeConsumeStatsList(encodeConsumeStatsList(list))).toEqual(list);
    const bsd = { statsMinute: { sum: 1, tps: 0.5, avgpt: 2 }, statsHour: { sum: 2, tps: 1, avgpt: 0 }, statsDay: { sum: 3, tps: 0, avgpt: 0 } };
    expect(decodeBrokerStatsData(encodeBrokerStatsData(bsd))).toEqual(bsd);
    const span = { consumeTimeSpanSet: [{ messageQueue: mq('t', 0), minTimeStamp: 1, maxTimeStamp: 2, consumeTimeStamp: 1, delayTime: 1 }] };
    expect(decodeQueryConsumeTimeSpanBody(encodeQueryConsumeTimeSpanBody(span))).toEqual(span);
    const reset = { offsetTable: [[mq('t', 0), 42]] as Array<[MessageQueue, number]> };
    expect(decodeResetOffsetBody(encodeResetOffsetBody(reset))).toEqual(reset);
    const status = { messageQueueTable: [[mq('t', 0), 4]] as Array<[MessageQueue, number]>, consumerTable: new Map([['c1', [[mq('t', 1), 8]] as Array<[MessageQueue, number]>]]) };
    expect(decodeGetConsumerStatusBody(encodeGetConsumerStatusBody(status))).toEqual(status);
    const running = {
      properties: new Map([['PROP_CONSUME_TYPE', 'CONSUME_PASSIVELY']]),
      subscriptionSet: [sub],
      mqTable: [[mq('t', 0), {
        commitOffset: 1, cachedMsgMinOffset: 0, cachedMsgMaxOffset: 0, cachedMsgCount: 0, cachedMsgSizeInMiB: 0,
        transactionMsgMinOffset: 0, transactionMsgMaxOffset: 0, transactionMsgCount: 0, locked: false, tryUnlockTimes: 0,
        lastLockTimestamp: 0, droped: false, lastPullTimestamp: 5, lastConsumeTimestamp: 6,
      }]] as ReturnType<typeof decodeConsumerRunningInfo>['mqTable'],
      statusTable: new Map([['t', { pullRT: 1, pullTPS: 2, consumeRT: 3, consumeOKTPS: 4, consumeFailedTPS: 0, consumeFailedMsgs: 0 }]]),
      jstack: 'none',
    };
    expect(decodeConsumerRunningInfo(encodeConsumerRunningInfo(running))).toEqual(running);
    const cmd = { order: false, autoCommit: true, consumeResult: 'CR_SUCCESS', remark: 'ok', spentTimeMills: 3 };
    expect(decodeConsumeMessageDirectlyResult(encodeConsumeMessageDirectlyResult(cmd))).toEqual(cmd);
    const cq = { subscriptionData: sub, queueData: [{ physicOffset: 0, physicSize: 100, tagsCode: 2598919, eval: true, msg: 'x' }], maxQueueIndex: 1, minQueueIndex: 0 };
    expect(decodeQueryConsumeQueueResponseBody(encodeQueryConsumeQueueResponseBody(cq))).toEqual(cq);
    const producers = { data: new Map([['PG', [{ clientId: 'c', remoteIP: '1.2.3.4:5', language: 'JAVA', version: 401, lastUpdateTimestamp: 9 }]]]) };
    expect(decodeProducerTableInfo(encodeProducerTableInfo(producers))).toEqual(producers);
  });
});

describe('config bodies', () => {
  it('reads consumer offsets with unquoted queue ids and writes them back so', () => {
    const text = '{"offsetTable":{"TopicTest@g":{0:12,1:40},"%RETRY%g@g":{0:0}}}';
    const w = decodeConsumerOffsetSerializeWrapper(text);
    expect(w.offsetTable.get('TopicTest@g')).toEqual(new Map([[0, 12], [1, 40]]));
    expect(encodeConsumerOffsetSerializeWrapper(w).toString()).toBe(text);
    expect(decodeConsumerOffsetSerializeWrapper('{"offsetTable":{"t@g":{"0":3}}}').offsetTable.get('t@g')?.get(0)).toBe(3);
  });

  it('round-trips subscription groups and delay offsets', () => {
    const w = { subscriptionGroupTable: new Map([['g', defaultSubscriptionGroupConfig('g')]]), dataVersion: { timestamp: 1, counter: 1 } };
    expect(decodeSubscriptionGroupWrapper(encodeSubscriptionGroupWrapper(w))).toEqual(w);
    const d = decodeDelayOffsetSerializeWrapper('{"offsetTable":{1:0,3:17}}');
    expect(d.offsetTable).toEqual(new Map([[1, 0], [3, 17]]));
    expect(encodeDelayOffsetSerializeWrapper(d).toString()).toBe('{"offsetTable":{1:0,3:17}}');
  });
});
