/**
 * BrokerStatsManager, StatsItem windows and BrokerStats without sockets;
 * then the stats-related admin answers that need a broker: delay offsets
 * (from the delay service or delayOffset.json), autoDeleteUnusedStats, and
 * the in-process metrics accessor.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DelayDelivery, BrokerStats, BrokerStatsManager, StatsItem } from '@rocketmq-ts/broker';
import {
  RequestCode,
  ResponseCode,
  createRequest,
  decodeKVTable,
  encodeDeleteSubscriptionGroupRequestHeader,
  encodeDeleteTopicRequestHeader,
} from '@rocketmq-ts/protocol';
import { nextMorning } from '../src/stats/broker-stats.js';
import { broker, client, dir, pullRequest, sendRequest } from './helpers.js';

const rec = (n: number, size = 100): Buffer[] => Array.from({ length: n }, () => Buffer.alloc(size));

describe('StatsItem windows', () => {
  it('computes sum, tps and avgpt between the oldest and newest snapshot, over at most six intervals', () => {
    const it = new StatsItem('TOPIC_PUT_NUMS', 'T');
    const t0 = 1_000_000;
    it.samplingInSeconds(t0, 10_000); // baseline (t0-10s, 0, 0) and (t0, 0, 0)
    it.add(30, 3);
    it.samplingInSeconds(t0 + 10_000, 10_000);
    expect(it.getStatsDataInMinute()).toEqual({ sum: 30, tps: 30 / 20, avgpt: 10, times: 3 });
    // Seven snapshots kept: after six more intervals without traffic, the 30 fell out of the window.
    for (let i = 2; i <= 7; i++) it.samplingInSeconds(t0 + i * 10_000, 10_000);
    expect(it.getStatsDataInMinute()).toEqual({ sum: 0, tps: 0, avgpt: 0, times: 0 });
    expect(it.getStatsDataInHour()).toEqual({ sum: 0, tps: 0, avgpt: 0, times: 0 });
  });
});

describe('BrokerStatsManager', () => {
  it('records puts, pulls and send-backs under Java\'s stats names and keys', () => {
    const m = new BrokerStatsManager({ clusterName: 'C1' });
    m.onPutOk('T', 0, 3, 300, 'PG', undefined);
    m.onPutOk('SCHEDULE_TOPIC_XXXX', 2, 1, 120, 'PG', 'owner1');
    m.onPull(ResponseCode.SUCCESS, 'G', 'T', 1, rec(2, 70_000), 140_000, Date.now() - 5, true, undefined);
    m.onPull(ResponseCode.PULL_NOT_FOUND, 'G', 'T', 1, [], 0, Date.now(), true, undefined); // suspended: not an empty poll yet
    m.onPull(ResponseCode.PULL_NOT_FOUND, 'G', 'T', 1, [], 0, Date.now(), false, undefined);
    m.onPull(ResponseCode.PULL_OFFSET_MOVED, 'G', 'T', 1, [], 0, Date.now(), true, undefined);
    m.onSendBack('G', 'T', undefined);
    const v = (name: string, key: string): [number, number] | undefined => {
      const it = m.getStatsItem(name, key);
      return it === undefined ? undefined : [it.value, it.times];
    };
    expect(v('TOPIC_PUT_NUMS', 'T')).toEqual([3, 1]);
    expect(v('TOPIC_PUT_SIZE', 'T')).toEqual([300, 1]);
    expect(v('BROKER_PUT_NUMS', 'C1')).toEqual([4, 0]); // value only, as Java
    expect(v('QUEUE_PUT_NUMS', 'SCHEDULE_TOPIC_XXXX@2')).toEqual([1, 1]);
    expect(v('QUEUE_PUT_NUMS', 'T@0')).toBeUndefined();
    expect(v('GROUP_GET_NUMS', 'T@G')).toEqual([2, 1]);
    expect(v('GROUP_GET_SIZE', 'T@G')).toEqual([140_000, 1]);
    expect(v('BROKER_GET_NUMS', 'C1')).toEqual([2, 0]);
    expect(m.getStatsItem('GROUP_GET_LATENCY', '1@T@G')!.times).toBe(1);
    expect(v('SNDBCK_PUT_NUMS', 'T@G')).toEqual([1, 1]);
    // Commercial: owner@topic@group@type; an absent owner is "null" as Java's StringBuilder writes it.
    expect(v('COMMERCIAL_SEND_TIMES', 'null@T@PG@SEND_SUCCESS')).toEqual([1, 1]);
    expect(v('COMMERCIAL_SEND_SIZE', 'owner1@SCHEDULE_TOPIC_XXXX@PG@SEND_SUCCESS')).toEqual([120, 1]);
    expect(v('COMMERCIAL_RCV_TIMES', 'null@T@G@RCV_SUCCESS')).toEqual([4, 1]); // two messages of 70,000 B: two 64 KiB units each
    expect(v('COMMERCIAL_RCV_EPOLLS', 'null@T@G@RCV_EPOLLS')).toEqual([2, 2]);
    expect(v('COMMERCIAL_SNDBCK_TIMES', 'null@T@G@SEND_BACK')).toEqual([1, 1]);
    m.onPutFailed('T', 'PG', 10, undefined);
    expect(v('COMMERCIAL_SEND_TIMES', 'null@T@PG@SEND_FAILURE')).toEqual([1, 1]);
  });

  it('keys latency by topic@group without detail stats, and forgets deleted topics and groups', () => {
    const m = new BrokerStatsManager({ clusterName: 'C1', enableQueueStat: false });
    expect(m.statsNames().some((n) => n.startsWith('QUEUE_'))).toBe(false);
    m.onPutOk('T', 0, 1, 10, 'PG', undefined);
    m.onPull(ResponseCode.SUCCESS, 'G', 'T', 3, rec(1), 100, Date.now(), true, undefined);
    m.onPull(ResponseCode.SUCCESS, 'H', 'U', 0, rec(1), 100, Date.now(), true, undefined);
    expect(m.getStatsItem('GROUP_GET_LATENCY', 'T@G')).toBeDefined();
    m.onTopicDeleted('T');
    expect(m.getStatsItem('TOPIC_PUT_NUMS', 'T')).toBeUndefined();
    expect(m.getStatsItem('GROUP_GET_NUMS', 'T@G')).toBeUndefined();
    m.onGroupDeleted('H');
    expect(m.getStatsItem('GROUP_GET_NUMS', 'U@H')).toBeUndefined();
    // Recording again after a deletion starts from zero.
    m.onPutOk('T', 0, 2, 20, 'PG', undefined);
    expect(m.getStatsItem('TOPIC_PUT_NUMS', 'T')!.value).toBe(2);
  });

  it('samples every item on its timers; consumeTps is GROUP_GET_NUMS over the last minute', async () => {
    const m = new BrokerStatsManager({ clusterName: 'C1' });
    m.start({ minuteSamplingMs: 20, hourSamplingMs: 20, daySamplingMs: 20 });
    try {
      m.onPull(ResponseCode.SUCCESS, 'G', 'T', 0, rec(5), 500, Date.now(), true, undefined);
      const until = Date.now() + 5000;
      while (m.tpsGroupGetNums('G', 'T') === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      expect(m.tpsGroupGetNums('G', 'T')).toBeGreaterThan(0);
      expect(m.getStatsItem('GROUP_GET_NUMS', 'T@G')!.getStatsDataInDay().sum).toBe(5);
    } finally {
      m.shutdown();
    }
  });
});

describe('BrokerStats', () => {
  it('keeps the totals of the last two midnights', () => {
    let put = 10;
    let get = 4;
    const s = new BrokerStats(() => ({ putTotal: put, getTotal: get }));
    expect([s.msgPutTotalTodayMorning, s.msgPutTotalYesterdayMorning, s.msgPutTotalTodayNow]).toEqual([0, 0, 10]);
    s.record();
    put = 25;
    get = 9;
    s.record();
    expect([s.msgPutTotalYesterdayMorning, s.msgPutTotalTodayMorning, s.msgGetTotalYesterdayMorning, s.msgGetTotalTodayMorning]).toEqual([10, 25, 4, 9]);
    const at = new Date(2024, 2, 30, 15, 4, 5).getTime();
    expect(new Date(nextMorning(at))).toEqual(new Date(2024, 2, 31, 0, 0, 0, 0));
  });
});

describe('stats-related admin answers', () => {
  it('delay offsets come from the delay service when it tells them, else from delayOffset.json', async () => {
    const d = await dir();
    await mkdir(join(d, 'config'), { recursive: true });
    await writeFile(join(d, 'config', 'delayOffset.json'), '{"offsetTable":{1:3,2:0}}');
    // A delay service without delayOffsets() (the built-in one has it, and corrects offsets past its queues' ends, as Java).
    const fromFile = await broker({ dir: d, init: { delayDelivery: { maxDelayLevel: 18 } } });
    const c = client();
    const r = await c.invoke(fromFile.address, createRequest(RequestCode.GET_ALL_DELAY_OFFSET), 5000);
    expect(r.body!.toString()).toBe('{"offsetTable":{1:3,2:0}}');
    const info = decodeKVTable((await c.invoke(fromFile.address, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO), 5000)).body!).table;
    expect(info.get('scheduleMessageOffset_1')).toBe('3,0');
    expect(info.get('scheduleMessageOffset_2')).toBe('0,0');

    const delay: DelayDelivery & { delayOffsets(): ReadonlyMap<number, number> } = { maxDelayLevel: 18, delayOffsets: () => new Map([[4, 7]]) };
    const live = await broker({ init: { delayDelivery: delay } });
    const r2 = await c.invoke(live.address, createRequest(RequestCode.GET_ALL_DELAY_OFFSET), 5000);
    expect(r2.body!.toString()).toBe('{"offsetTable":{4:7}}');
    const info2 = decodeKVTable((await c.invoke(live.address, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO), 5000)).body!).table;
    expect(info2.get('scheduleMessageOffset_4')).toBe('7,0');
  });

  it('autoDeleteUnusedStats drops a deleted topic\'s and group\'s stats; without it they stay (Java\'s default)', async () => {
    const c = client();
    for (const autoDelete of [true, false]) {
      const b = await broker({ config: { autoDeleteUnusedStats: autoDelete } });
      expect((await c.invoke(b.address, sendRequest({ topic: 'Gone' }), 5000)).code).toBe(ResponseCode.SUCCESS);
      expect((await c.invoke(b.address, pullRequest({ group: 'CG_GONE', topic: 'Gone' }), 5000)).code).toBe(ResponseCode.SUCCESS);
      expect((await c.invoke(b.address, createRequest(RequestCode.DELETE_TOPIC_IN_BROKER, encodeDeleteTopicRequestHeader({ topic: 'Gone' })), 5000)).code).toBe(ResponseCode.SUCCESS);
      expect(b.broker.stats.getStatsItem('TOPIC_PUT_NUMS', 'Gone') === undefined).toBe(autoDelete);
      expect(b.broker.stats.getStatsItem('GROUP_GET_NUMS', 'Gone@CG_GONE') === undefined).toBe(autoDelete);
      const del = encodeDeleteSubscriptionGroupRequestHeader({ groupName: 'CG_GONE', removeOffset: false });
      expect((await c.invoke(b.address, createRequest(RequestCode.DELETE_SUBSCRIPTIONGROUP, del), 5000)).code).toBe(ResponseCode.SUCCESS);
      expect(b.broker.groups.table.has('CG_GONE')).toBe(false);
    }
  });

  it('metrics(): the same figures, typed, for an in-process exporter', async () => {
    const b = await broker();
    const c = client();
    expect((await c.invoke(b.address, sendRequest({ topic: 'Met', body: 'abc' }), 5000)).code).toBe(ResponseCode.SUCCESS);
    expect((await c.invoke(b.address, pullRequest({ group: 'CG_MET', topic: 'Met' }), 5000)).code).toBe(ResponseCode.SUCCESS);
    const m = b.broker.metrics();
    expect(m.brokerAddr).toBe(b.address);
    expect(m.store!.putMessageTimesTotal).toBeGreaterThanOrEqual(1);
    expect(m.requestQueues['send']).toEqual({ queued: 0, active: 0, headWaitMs: 0 });
    const item = (name: string, key: string): { value: number; times: number } | undefined => m.statsItems.find((i) => i.statsName === name && i.statsKey === key);
    expect(item('TOPIC_PUT_NUMS', 'Met')).toMatchObject({ value: 1, times: 1 });
    expect(item('GROUP_GET_NUMS', 'Met@CG_MET')).toMatchObject({ value: 1, times: 1 });
    expect(m.dailyTotals.putTodayMorning).toBe(0);
  });
});
