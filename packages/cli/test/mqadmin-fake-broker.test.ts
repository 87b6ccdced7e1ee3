/**
 * The exact output of mqadmin's broker admin subcommands, with known values
 * from a FAKE broker (packages/admin/test/support/fake-admin-broker.ts)
 * registered with a real NameServer. mqadmin-broker.test.ts runs them
 * against the real broker as it gains these request codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedNameServer, startNameServer } from '@rocketmq-ts/testkit';
import { FAKE_CLUSTER, FAKE_TIME, FakeAdminBroker } from '../../admin/test/support/fake-admin-broker.js';
import { assertBuilt, mqadmin } from './support/mqadmin.js';

let ns: StartedNameServer;
let fake: FakeAdminBroker;

beforeAll(async () => {
  assertBuilt();
  ns = await startNameServer();
  fake = new FakeAdminBroker();
  fake.addTopic('FakeTopic', 2, { min: 0, max: 10 });
  fake.committed.set('FakeTopic@fake_cg', new Map([[0, 4], [1, 10]]));
  await fake.start(ns.address);
  await fake.addGroupRoute('fake_cg');
});

afterAll(async () => {
  await fake?.close();
  await ns?.close();
});

function run(args: string[]): ReturnType<typeof mqadmin> {
  return mqadmin([...args, '-n', ns.address]);
}

/** "yyyy-MM-dd HH:mm:ss" in local time, as the Java tool prints lastTimestamp. */
function dateTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

describe('topics', () => {
  it('updateTopic -b and -c, topicStatus and deleteTopic print as Java', async () => {
    const [byAddr, byCluster] = await Promise.all([
      run(['updateTopic', '-b', fake.address, '-t', 'MadeByAddr', '-r', '3', '-w', '3', '-p', '6']),
      run(['updateTopic', '-c', FAKE_CLUSTER, '-t', 'MadeByCluster', '-o', 'true', '-u', 'true']),
    ]);
    expect(byAddr.code).toBe(0);
    expect(byAddr.stdout).toBe(
      `create topic to ${fake.address} success.\nTopicConfig [topicName=MadeByAddr, readQueueNums=3, writeQueueNums=3, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false]\n`,
    );
    expect(byCluster.code).toBe(0);
    expect(byCluster.stdout).toBe(
      `create topic to ${fake.address} success.\nset cluster orderConf. isOrder=true, orderConf=[fake-broker:8]` +
        'TopicConfig [topicName=MadeByCluster, readQueueNums=8, writeQueueNums=8, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=1, order=true]\n',
    );

    const status = await run(['topicStatus', '-t', 'FakeTopic']);
    expect(status.code).toBe(0);
    const when = (() => {
      const d = new Date(FAKE_TIME);
      const two = (n: number): string => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())},010`;
    })();
    expect(status.lines).toEqual([
      `${'#Broker Name'.padEnd(32)}  ${'#QID'.padEnd(4)}  ${'#Min Offset'.padEnd(20)}  ${'#Max Offset'.padEnd(20)}    #Last Updated`,
      `${'fake-broker'.padEnd(32)}  ${'0'.padEnd(4)}  ${'0'.padEnd(20)}  ${'10'.padEnd(20)}    ${when}`,
      `${'fake-broker'.padEnd(32)}  ${'1'.padEnd(4)}  ${'0'.padEnd(20)}  ${'10'.padEnd(20)}    ${when}`,
    ]);

    const del = await run(['deleteTopic', '-t', 'MadeByAddr', '-c', FAKE_CLUSTER]);
    expect(del.code).toBe(0);
    expect(del.stdout).toBe('delete topic [MadeByAddr] from cluster [FakeCluster] success.\ndelete topic [MadeByAddr] from NameServer success.\n');
  });

  it('updateTopic -c names an unknown cluster', async () => {
    const r = await run(['updateTopic', '-c', 'NoCluster', '-t', 'X']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cluster NoCluster not found');
    expect(r.stderr).toContain('known clusters: FakeCluster');
  });
});

describe('groups and progress', () => {
  it('updateSubGroup and deleteSubGroup -c also delete the retry and DLQ topics', async () => {
    const create = await run(['updateSubGroup', '-c', FAKE_CLUSTER, '-g', 'made_g', '-s', 'false', '-i', '1', '-w', '2', '-a', 'false']);
    expect(create.code).toBe(0);
    expect(create.stdout).toBe(
      `create subscription group to ${fake.address} success.\nSubscriptionGroupConfig [groupName=made_g, consumeEnable=false, consumeFromMinEnable=false, ` +
        'consumeBroadcastEnable=false, retryQueueNums=1, retryMaxTimes=16, brokerId=1, whichBrokerWhenConsumeSlowly=2, notifyConsumerIdsChangedEnable=false]\n',
    );
    await fake.addGroupRoute('made_g');
    const del = await run(['deleteSubGroup', '-c', FAKE_CLUSTER, '-g', 'made_g', '-r', 'true']);
    expect(del.code).toBe(0);
    expect(del.lines).toEqual([
      `delete subscription group [made_g] from broker [${fake.address}] in cluster [FakeCluster] success.`,
      'delete topic [%RETRY%made_g] from cluster [FakeCluster] success.',
      'delete topic [%RETRY%made_g] from NameServer success.',
      'delete topic [%DLQ%made_g] from cluster [FakeCluster] success.',
      'delete topic [%DLQ%made_g] from NameServer success.',
    ]);
    expect(fake.groups.has('made_g')).toBe(false);
  });

  it('consumerProgress -g prints each queue, the TPS and the total diff', async () => {
    const r = await run(['consumerProgress', '-g', 'fake_cg']);
    expect(r.code).toBe(0);
    const row = (q: number, broker: number, consumer: number): string =>
      `${'FakeTopic'.padEnd(64)}  ${'fake-broker'.padEnd(32)}  ${String(q).padEnd(4)}  ${String(broker).padEnd(20)}  ${String(consumer).padEnd(20)}  ${String(broker - consumer).padEnd(20)}  ${dateTime(FAKE_TIME)}`;
    expect(r.lines).toEqual([
      `${'#Topic'.padEnd(64)}  ${'#Broker Name'.padEnd(32)}  ${'#QID'.padEnd(4)}  ${'#Broker Offset'.padEnd(20)}  ${'#Consumer Offset'.padEnd(20)}  ${'#Diff'.padEnd(20)}  #LastTime`,
      row(0, 10, 4),
      row(1, 10, 10),
      '',
      'Consume TPS: 1.50',
      'Diff Total: 6',
    ]);
  });

  it('consumerProgress without -g lists offline groups as OFFLINE', async () => {
    const r = await run(['consumerProgress']);
    expect(r.code).toBe(0);
    expect(r.lines).toContain(`${'fake_cg'.padEnd(64)}  ${'0'.padEnd(6)}  ${'OFFLINE'.padEnd(24)} ${''.padEnd(5)}  ${''.padEnd(14)}  ${'1'.padEnd(7)}  6`);
  });

  it('resetOffsetByTime falls back to the broker reset for an offline group', async () => {
    const [offline, badGroup] = await Promise.all([run(['resetOffsetByTime', '-g', 'fake_cg', '-t', 'FakeTopic', '-s', 'now', '-f', 'false']), run(['resetOffsetByTime', '-g', 'fake_cg', '-t', 'NoTopic', '-s', '0'])]);
    expect(offline.code).toBe(0);
    const r20 = (...v: Array<string | number>): string => v.map((x) => String(x).padEnd(20)).join('  ');
    expect(offline.lines).toEqual([
      'rollback consumer offset by specified consumerGroup[fake_cg], topic[FakeTopic], force[false], timestamp(string)[now], timestamp(long)[-1]',
      r20('#brokerName', '#queueId', '#brokerOffset', '#consumerOffset', '#timestampOffset', '#rollbackOffset'),
      r20('fake-broker', 0, 10, 4, 10, 4),
      r20('fake-broker', 1, 10, 10, 10, 10),
    ]);
    expect(badGroup.code).toBe(1);
    expect(badGroup.stderr).toContain('topic NoTopic does not exist');
  });

  it('resetOffsetByTime prints the new offsets of an online group', async () => {
    fake.online.add('online_cg');
    const r = await run(['resetOffsetByTime', '-g', 'online_cg', '-t', 'FakeTopic', '-s', '2024-05-06#07:08:09:010']);
    expect(r.code).toBe(0);
    const r40 = (...v: Array<string | number>): string => v.map((x) => String(x).padEnd(40)).join('  ');
    expect(r.lines).toEqual([
      `rollback consumer offset by specified group[online_cg], topic[FakeTopic], force[true], timestamp(string)[2024-05-06#07:08:09:010], timestamp(long)[${FAKE_TIME}]`,
      r40('#brokerName', '#queueId', '#offset'),
      r40('fake-broker', 0, 0),
      r40('fake-broker', 1, 0),
    ]);
  });
});

describe('brokers and statistics', () => {
  it('getBrokerConfig -b and -c, updateBrokerConfig -b and -c', async () => {
    const update = await run(['updateBrokerConfig', '-c', FAKE_CLUSTER, '-k', 'flushDiskType', '-v', 'SYNC_FLUSH']);
    expect(update.code).toBe(0);
    expect(update.stdout).toBe(`update broker config success, ${fake.address}\n`);
    const [byAddr, byCluster] = await Promise.all([run(['getBrokerConfig', '-b', fake.address]), run(['getBrokerConfig', '-c', FAKE_CLUSTER])]);
    const body = [...fake.config].map(([k, v]) => `${k.padEnd(50)}=  ${v}`);
    expect(byAddr.lines).toEqual([`============${fake.address}============`, ...body, '']);
    expect(byCluster.lines).toEqual([`============Master: ${fake.address}============`, ...body, '']);
    expect(body).toContain(`${'flushDiskType'.padEnd(50)}=  SYNC_FLUSH`);
  });

  it('brokerConsumeStats prints the consumed queues above the diff level and the total', async () => {
    const [all, level] = await Promise.all([run(['brokerConsumeStats', '-b', fake.address]), run(['brokerConsumeStats', '-b', fake.address, '-l', '1'])]);
    const row = (q: number, broker: number, consumer: number): string =>
      `${'FakeTopic'.padEnd(64)}  ${'fake_cg'.padEnd(64)}  ${'fake-broker'.padEnd(32)}  ${String(q).padEnd(4)}  ${String(broker).padEnd(20)}  ${String(consumer).padEnd(20)}  ${String(broker - consumer).padEnd(20)}  ${dateTime(FAKE_TIME)}`;
    const header = `${'#Topic'.padEnd(64)}  ${'#Group'.padEnd(64)}  ${'#Broker Name'.padEnd(32)}  ${'#QID'.padEnd(4)}  ${'#Broker Offset'.padEnd(20)}  ${'#Consumer Offset'.padEnd(20)}  ${'#Diff'.padEnd(20)}  #LastTime`;
    expect(all.lines).toEqual([header, row(0, 10, 4), row(1, 10, 10), '', 'Diff Total: 6']);
    expect(level.lines).toEqual([header, row(0, 10, 4), '', 'Diff Total: 6']);
  });

  it('statsAll prints accumulation, TPS and 24-hour counts per topic and group', async () => {
    const r = await run(['statsAll', '-t', 'FakeTopic']);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      `${'#Topic'.padEnd(64)}  ${'#Consumer Group'.padEnd(64)} ${'#Accumulation'.padStart(12)} ${'#InTPS'.padStart(11)} ${'#OutTPS'.padStart(11)} ${'#InMsg24Hour'.padStart(14)} ${'#OutMsg24Hour'.padStart(14)}`,
      `${'FakeTopic'.padEnd(64)}  ${'fake_cg'.padEnd(64)} ${'6'.padStart(12)} ${'0.10'.padStart(11)} ${'0.10'.padStart(11)} ${'60'.padStart(14)} ${'60'.padStart(14)}`,
    ]);
  });
});

describe('message tracks', () => {
  it('queryMsgById prints which groups consumed the message, and -g -d has a client consume it', async () => {
    fake.message = { topic: 'FakeTopic', queueId: 0, queueOffset: 2, body: 'tracked', properties: { UNIQ_KEY: '7F0000010001000000000000000000AA', TAGS: 'T' } };
    const [detail, direct] = await Promise.all([
      run(['queryMsgById', '-i', fake.messageOffsetId]),
      run(['queryMsgById', '-i', fake.messageOffsetId, '-g', 'fake_cg', '-d', '127.0.0.1@fake']),
    ]);
    expect(detail.code).toBe(0);
    expect(detail.stdout).toContain(`${'Properties:'.padEnd(20)} {UNIQ_KEY=7F0000010001000000000000000000AA, TAGS=T}\n`);
    // As Java: two blank lines, then the tracks with nothing between them.
    expect(detail.stdout).toMatch(/\n\n\nMessageTrack \[consumerGroup=fake_cg, trackType=NOT_ONLINE, exceptionDesc=CODE:206 DESC:[^\]]*\]\n$/);
    expect(direct.stdout).toBe('ConsumeMessageDirectlyResult [order=false, autoCommit=true, consumeResult=CR_SUCCESS, remark=null, spentTimeMills=3]\n');
  });
});
