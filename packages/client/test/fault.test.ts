import { describe, expect, it } from 'vitest';
import type { TopicRouteData } from '@rocketmq-ts/protocol';
import { FaultStrategy, LatencyFaultTolerance } from '../src/fault.js';
import { RotatingIndex, TopicPublishInfo } from '../src/route.js';

const JAVA_TABLES = {
  latencyMax: [50, 100, 550, 1000, 2000, 3000, 15000],
  notAvailableDuration: [0, 0, 30000, 60000, 120000, 180000, 600000],
};

function route(brokers: string[], queues = 2): TopicRouteData {
  return {
    queueDatas: brokers.map((b) => ({ brokerName: b, readQueueNums: queues, writeQueueNums: queues, perm: 6, topicSysFlag: 0 })),
    brokerDatas: brokers.map((b, i) => ({ cluster: 'c', brokerName: b, brokerAddrs: new Map([[0, `127.0.0.1:${1000 + i}`]]) })),
    filterServerTable: new Map(),
  };
}

describe('latency fault strategy', () => {
  it('maps latency to isolation with Java tables', () => {
    const f = new FaultStrategy({ sendLatencyFaultEnable: true, ...JAVA_TABLES });
    expect(f.computeNotAvailableDuration(10)).toBe(0);
    expect(f.computeNotAvailableDuration(99)).toBe(0);
    expect(f.computeNotAvailableDuration(550)).toBe(30000);
    expect(f.computeNotAvailableDuration(999)).toBe(30000);
    expect(f.computeNotAvailableDuration(2500)).toBe(120000);
    expect(f.computeNotAvailableDuration(15000)).toBe(600000);
    // A failed send counts as 30 s of latency.
    expect(f.computeNotAvailableDuration(30000)).toBe(600000);
  });

  it('skips an isolated broker until its isolation ends', () => {
    let now = 1_000_000;
    const f = new FaultStrategy({ sendLatencyFaultEnable: true, ...JAVA_TABLES }, () => now);
    const info = new TopicPublishInfo('T', route(['a', 'b']), new RotatingIndex(0));
    f.updateFaultItem('a', 700, false); // 30 s
    for (let i = 0; i < 10; i++) expect(f.selectOneMessageQueue(info, undefined).brokerName).toBe('b');
    now += 30_000;
    const seen = new Set(Array.from({ length: 10 }, () => f.selectOneMessageQueue(info, undefined).brokerName));
    expect(seen).toEqual(new Set(['a', 'b']));
  });

  it('uses the least bad broker when all are isolated', () => {
    const now = 5_000;
    const f = new FaultStrategy({ sendLatencyFaultEnable: true, ...JAVA_TABLES }, () => now);
    const info = new TopicPublishInfo('T', route(['a', 'b']), new RotatingIndex(0));
    f.updateFaultItem('a', 3000, true);
    f.updateFaultItem('b', 3000, true);
    const mq = f.selectOneMessageQueue(info, undefined);
    expect(['a', 'b']).toContain(mq.brokerName);
    expect(mq.queueId).toBeLessThan(2);
  });

  it('without fault avoidance, a retry avoids the broker that just failed', () => {
    const f = new FaultStrategy({ sendLatencyFaultEnable: false, ...JAVA_TABLES });
    const info = new TopicPublishInfo('T', route(['a', 'b']), new RotatingIndex(0));
    for (let i = 0; i < 8; i++) expect(f.selectOneMessageQueue(info, 'a').brokerName).toBe('b');
    // Disabled: updates are ignored.
    f.updateFaultItem('b', 100_000, true);
    expect(f.tolerance.isAvailable('b')).toBe(true);
  });

  it('picks among the better half, sorted available-first then by latency', () => {
    let now = 0;
    const t = new LatencyFaultTolerance(() => now);
    t.updateFaultItem('slow', 5000, 10_000);
    t.updateFaultItem('fast', 10, 10_000);
    t.updateFaultItem('mid', 500, 10_000);
    t.updateFaultItem('x', 9000, 10_000);
    const picks = new Set(Array.from({ length: 6 }, () => t.pickOneAtLeast()));
    expect(picks).toEqual(new Set(['fast', 'mid']));
    now = 20_000;
    expect(t.isAvailable('slow')).toBe(true);
  });
});

describe('route conversion', () => {
  it('publishes writable queues of brokers that have a master, sorted by broker name', () => {
    const r = route(['b', 'a'], 3);
    r.queueDatas.push({ brokerName: 'ro', readQueueNums: 2, writeQueueNums: 2, perm: 4, topicSysFlag: 0 });
    r.brokerDatas.push({ cluster: 'c', brokerName: 'ro', brokerAddrs: new Map([[0, '127.0.0.1:9']]) });
    r.queueDatas.push({ brokerName: 'slaveonly', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 });
    r.brokerDatas.push({ cluster: 'c', brokerName: 'slaveonly', brokerAddrs: new Map([[1, '127.0.0.1:8']]) });
    const info = new TopicPublishInfo('T', r);
    expect(info.messageQueueList.map((q) => `${q.brokerName}${q.queueId}`)).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2']);
    expect(info.orderTopic).toBe(false);
    expect(info.writeQueueNumsOf('ro')).toBe(-1);
  });

  it('uses orderTopicConf when present', () => {
    const r = route(['a', 'b']);
    r.orderTopicConf = 'b:2;a:1';
    const info = new TopicPublishInfo('T', r);
    expect(info.orderTopic).toBe(true);
    expect(info.messageQueueList.map((q) => `${q.brokerName}${q.queueId}`)).toEqual(['b0', 'b1', 'a0']);
  });

  it('subscribes readable queues', async () => {
    const { topicRouteToSubscribeQueues, routeChanged } = await import('../src/route.js');
    const r = route(['a']);
    r.queueDatas.push({ brokerName: 'wo', readQueueNums: 4, writeQueueNums: 4, perm: 2, topicSysFlag: 0 });
    expect(topicRouteToSubscribeQueues('T', r).map((q) => `${q.brokerName}${q.queueId}`)).toEqual(['a0', 'a1']);
    const shuffled = { ...r, queueDatas: [...r.queueDatas].reverse() };
    expect(routeChanged(r, shuffled)).toBe(false);
    expect(routeChanged(r, route(['a'], 3))).toBe(true);
  });

  it('keeps the rotating index non-negative across int32 wrap-around', () => {
    const i = new RotatingIndex(0x7ffffffe);
    const seen = [i.next(), i.next(), i.next()];
    expect(seen.every((v) => v >= 0)).toBe(true);
  });
});
