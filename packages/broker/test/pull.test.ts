/**
 * The pull path over TCP: long and short polling, filters (tags, SQL92),
 * subscriptions from heartbeats, offset statuses and corrections, commit
 * offsets carried on pulls, and the checks Java makes.
 */
import { describe, expect, it } from 'vitest';
import {
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  createRequest,
  encodeHeartbeatData,
  encodeQueryConsumerOffsetRequestHeader,
} from '@rocketmq-ts/protocol';
import { bodies, broker, client, pullRequest, sendRequest, sleep, waitFor } from './helpers.js';

const FAQ = '\nSee http://rocketmq.apache.org/docs/faq/ for further details.';

function heartbeat(group: string, topic: string, subString: string, subVersion: number, expressionType = 'TAG', messageModel = 'CLUSTERING'): RemotingCommand {
  const tags = expressionType === 'TAG' && subString !== '*' ? subString.split('||').map((t) => t.trim()) : [];
  return createRequest(
    RequestCode.HEART_BEAT,
    {},
    encodeHeartbeatData({
      clientID: `127.0.0.1@${group}`,
      producerDataSet: [],
      consumerDataSet: [
        {
          groupName: group,
          consumeType: 'CONSUME_PASSIVELY',
          messageModel,
          consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
          unitMode: false,
          subscriptionDataSet: [
            {
              classFilterMode: false,
              topic,
              subString,
              tagsSet: tags,
              codeSet: tags.map((t) => {
                let h = 0;
                for (let i = 0; i < t.length; i++) h = (Math.imul(h, 31) + t.charCodeAt(i)) | 0;
                return h;
              }),
              subVersion,
              expressionType,
            },
          ],
        },
      ],
    }),
  );
}

describe('pull', () => {
  it('holds a pull that finds nothing and answers it as soon as a message arrives (long polling)', async () => {
    const b = await broker();
    await b.broker.createTopic('Long', 1);
    const c = client();
    const t0 = Date.now();
    const held = c.invoke(b.address, pullRequest({ group: 'G', topic: 'Long', suspendMs: 10_000 }), 15_000);
    await sleep(150);
    expect(b.broker.pullHold.size).toBe(1);
    await c.invoke(b.address, sendRequest({ topic: 'Long', body: 'wake' }), 3000);
    const r = await held;
    expect(r.code).toBe(ResponseCode.SUCCESS);
    expect(bodies(r)).toEqual(['wake']);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(b.broker.pullHold.size).toBe(0);
  });

  it('answers a held pull PULL_NOT_FOUND when its suspend time runs out; without long polling it waits shortPollingTimeMills', async () => {
    const b = await broker();
    await b.broker.createTopic('Quiet', 1);
    const c = client();
    const r = await c.invoke(b.address, pullRequest({ group: 'G', topic: 'Quiet', suspendMs: 200 }), 5000);
    expect(r).toMatchObject({ code: ResponseCode.PULL_NOT_FOUND, remark: 'NO_MESSAGE_IN_QUEUE' });
    const short = await broker({ config: { longPollingEnable: false, shortPollingTimeMills: 100 } });
    await short.broker.createTopic('Quiet', 1);
    const t0 = Date.now();
    const s = await c.invoke(short.address, pullRequest({ group: 'G', topic: 'Quiet', suspendMs: 30_000 }), 5000);
    expect(s.code).toBe(ResponseCode.PULL_NOT_FOUND);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('does not wake a held pull for a message its tags do not match', async () => {
    const b = await broker();
    await b.broker.createTopic('Tagged', 1);
    const c = client();
    const held = c.invoke(b.address, pullRequest({ group: 'G', topic: 'Tagged', subscription: 'TagA', suspendMs: 10_000 }), 15_000);
    await sleep(100);
    await c.invoke(b.address, sendRequest({ topic: 'Tagged', properties: { TAGS: 'TagB' }, body: 'b' }), 3000);
    await sleep(200);
    expect(b.broker.pullHold.size).toBe(1);
    await c.invoke(b.address, sendRequest({ topic: 'Tagged', properties: { TAGS: 'TagA' }, body: 'a' }), 3000);
    const r = await held;
    expect(r.code).toBe(ResponseCode.SUCCESS);
    expect(bodies(r)).toEqual(['a']);
    expect(Number(r.extFields['nextBeginOffset'])).toBe(2);
  });

  it('filters by tag; a batch with nothing matching answers PULL_RETRY_IMMEDIATELY and moves the offset on', async () => {
    const b = await broker();
    const c = client();
    for (const tag of ['TagA', 'TagB', 'TagC', 'TagA']) await c.invoke(b.address, sendRequest({ topic: 'Filter', properties: { TAGS: tag }, body: tag }), 3000);
    const a = await c.invoke(b.address, pullRequest({ group: 'G', topic: 'Filter', subscription: 'TagA || TagC' }), 3000);
    expect(bodies(a)).toEqual(['TagA', 'TagC', 'TagA']);
    const none = await c.invoke(b.address, pullRequest({ group: 'G', topic: 'Filter', subscription: 'TagZ' }), 3000);
    expect(none).toMatchObject({ code: ResponseCode.PULL_RETRY_IMMEDIATELY, remark: 'NO_MATCHED_MESSAGE' });
    expect(none.extFields).toMatchObject({ nextBeginOffset: '4', minOffset: '0', maxOffset: '4', suggestWhichBrokerId: '0' });
  });

  it('filters by SQL92 only when enablePropertyFilter is on, as Java', async () => {
    const off = await broker();
    const c = client();
    await c.invoke(off.address, sendRequest({ topic: 'Sql', properties: { a: '1' } }), 3000);
    const refused = await c.invoke(off.address, pullRequest({ group: 'G', topic: 'Sql', subscription: 'a > 0', expressionType: 'SQL92' }), 3000);
    expect(refused).toMatchObject({ code: ResponseCode.SYSTEM_ERROR, remark: 'The broker does not support consumer to filter message by SQL92' });

    const on = await broker({ config: { enablePropertyFilter: true } });
    for (let i = 0; i < 5; i++) await c.invoke(on.address, sendRequest({ topic: 'Sql', properties: { a: String(i) }, body: `m${i}` }), 3000);
    const got = await c.invoke(on.address, pullRequest({ group: 'G', topic: 'Sql', subscription: 'a BETWEEN 2 AND 3', expressionType: 'SQL92' }), 3000);
    expect(bodies(got)).toEqual(['m2', 'm3']);
    const bad = await c.invoke(on.address, pullRequest({ group: 'G', topic: 'Sql', subscription: 'a >', expressionType: 'SQL92' }), 3000);
    expect(bad).toMatchObject({ code: ResponseCode.SUBSCRIPTION_PARSE_FAILED, remark: "parse the consumer's subscription failed" });

    // From the heartbeat: compiled there; a pull with a newer subVersion must wait for the next heartbeat.
    await c.invoke(on.address, heartbeat('GS', 'Sql', 'a >= 4', 5, 'SQL92'), 3000);
    const hb = await c.invoke(on.address, pullRequest({ group: 'GS', topic: 'Sql', withSubscription: false, subVersion: 5 }), 3000);
    expect(bodies(hb)).toEqual(['m4']);
    const newer = await c.invoke(on.address, pullRequest({ group: 'GS', topic: 'Sql', withSubscription: false, subVersion: 6 }), 3000);
    expect(newer).toMatchObject({ code: ResponseCode.SUBSCRIPTION_NOT_LATEST, remark: "the consumer's subscription not latest" });
    await c.invoke(on.address, heartbeat('GBAD', 'Sql', 'a >', 1, 'SQL92'), 3000);
    const noFilter = await c.invoke(on.address, pullRequest({ group: 'GBAD', topic: 'Sql', withSubscription: false }), 3000);
    expect(noFilter).toMatchObject({
      code: ResponseCode.FILTER_DATA_NOT_EXIST,
      remark: "The broker's consumer filter data is not exist!Your expression may be wrong!",
    });
  });

  it('takes the subscription from the heartbeat when the pull carries none', async () => {
    const b = await broker();
    const c = client();
    await c.invoke(b.address, sendRequest({ topic: 'Hb', properties: { TAGS: 'X' }, body: 'x' }), 3000);
    await c.invoke(b.address, sendRequest({ topic: 'Hb', properties: { TAGS: 'Y' }, body: 'y' }), 3000);
    const none = await c.invoke(b.address, pullRequest({ group: 'GH', topic: 'Hb', withSubscription: false }), 3000);
    expect(none).toMatchObject({ code: ResponseCode.SUBSCRIPTION_NOT_EXIST, remark: `the consumer's group info not exist${FAQ}` });
    await c.invoke(b.address, heartbeat('GH', 'Hb', 'Y', 1), 3000);
    expect(bodies(await c.invoke(b.address, pullRequest({ group: 'GH', topic: 'Hb', withSubscription: false, subVersion: 1 }), 3000))).toEqual(['y']);
    const other = await c.invoke(b.address, pullRequest({ group: 'GH', topic: 'TBW102', withSubscription: false }), 3000);
    expect(other).toMatchObject({ code: ResponseCode.SUBSCRIPTION_NOT_EXIST, remark: `the consumer's subscription not exist${FAQ}` });
    // A group that may not consume by broadcast.
    b.broker.groups.updateSubscriptionGroupConfig({ ...b.broker.groups.findSubscriptionGroupConfig('GB')!, consumeBroadcastEnable: false });
    await c.invoke(b.address, heartbeat('GB', 'Hb', '*', 1, 'TAG', 'BROADCASTING'), 3000);
    const bc = await c.invoke(b.address, pullRequest({ group: 'GB', topic: 'Hb', withSubscription: false }), 3000);
    expect(bc).toMatchObject({ code: ResponseCode.NO_PERMISSION, remark: 'the consumer group[GB] can not consume by broadcast way' });
  });

  it('maps offsets out of range as Java: PULL_NOT_FOUND at the end, PULL_OFFSET_MOVED beyond it or on an empty queue, with the corrected offset', async () => {
    const b = await broker();
    const c = client();
    await b.broker.createTopic('Offsets', 2);
    for (let i = 0; i < 3; i++) await c.invoke(b.address, sendRequest({ topic: 'Offsets', queueId: 0 }), 3000);
    const at = (queueId: number, offset: number): Promise<RemotingCommand> => c.invoke(b.address, pullRequest({ group: 'G', topic: 'Offsets', queueId, offset }), 3000);
    expect(await at(0, 3)).toMatchObject({ code: ResponseCode.PULL_NOT_FOUND, remark: 'OFFSET_OVERFLOW_ONE' });
    const badly = await at(0, 10);
    expect(badly).toMatchObject({ code: ResponseCode.PULL_OFFSET_MOVED, remark: 'OFFSET_OVERFLOW_BADLY' });
    expect(badly.extFields['nextBeginOffset']).toBe('3');
    expect(await at(1, 0)).toMatchObject({ code: ResponseCode.PULL_NOT_FOUND, remark: 'NO_MESSAGE_IN_QUEUE' });
    const empty = await at(1, 5);
    expect(empty).toMatchObject({ code: ResponseCode.PULL_OFFSET_MOVED, remark: 'NO_MESSAGE_IN_QUEUE' });
    expect(empty.extFields['nextBeginOffset']).toBe('0');
    // Each correction is published on OFFSET_MOVED_EVENT (in the background: wait for both).
    let events: RemotingCommand | undefined;
    await waitFor(async () => {
      events = await c.invoke(b.address, pullRequest({ group: 'G', topic: 'OFFSET_MOVED_EVENT' }), 3000);
      return bodies(events).length === 2;
    }, 3000, 'two offset-moved events');
    expect(bodies(events!).map((s) => JSON.parse(s) as { offsetRequest: number; offsetNew: number })).toEqual([
      expect.objectContaining({ offsetRequest: 10, offsetNew: 3 }),
      expect.objectContaining({ offsetRequest: 5, offsetNew: 0 }),
    ]);
  });

  it('commits the offset a pull carries (a master only); QUERY_CONSUMER_OFFSET answers 0 for a new group on a fresh queue', async () => {
    const b = await broker();
    const c = client();
    await c.invoke(b.address, sendRequest({ topic: 'Commit' }), 3000);
    const query = (): Promise<RemotingCommand> =>
      c.invoke(b.address, createRequest(RequestCode.QUERY_CONSUMER_OFFSET, encodeQueryConsumerOffsetRequestHeader({ consumerGroup: 'GC', topic: 'Commit', queueId: 0 })), 3000);
    expect(await query()).toMatchObject({ code: ResponseCode.SUCCESS, extFields: { offset: '0' } });
    await c.invoke(b.address, pullRequest({ group: 'GC', topic: 'Commit', offset: 1, commitOffset: 1 }), 3000);
    expect((await query()).extFields['offset']).toBe('1');
    const slave = await broker({ config: { brokerRole: 'SLAVE', brokerId: 1 } });
    await slave.broker.createTopic('Commit', 1);
    await c.invoke(slave.address, pullRequest({ group: 'GC', topic: 'Commit', commitOffset: 5 }), 3000);
    expect(slave.broker.offsets.queryOffset('GC', 'Commit', 0)).toBe(-1);
  });

  it("refuses pulls Java refuses, with Java's codes and remarks", async () => {
    const b = await broker({ config: { autoCreateSubscriptionGroup: false } });
    const c = client();
    const pull = (spec: Parameters<typeof pullRequest>[0]): Promise<RemotingCommand> => c.invoke(b.address, pullRequest(spec), 3000);
    expect(await pull({ group: 'Unknown', topic: 'TBW102' })).toMatchObject({
      code: ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
      remark: `subscription group [Unknown] does not exist, ${FAQ}`,
    });
    expect(await pull({ group: 'TOOLS_CONSUMER', topic: 'NoTopic' })).toMatchObject({
      code: ResponseCode.TOPIC_NOT_EXIST,
      remark: `topic[NoTopic] not exist, apply first please! ${FAQ}`,
    });
    const q = await pull({ group: 'TOOLS_CONSUMER', topic: 'SELF_TEST_TOPIC', queueId: 1 });
    expect(q.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(q.remark).toMatch(/^queueId\[1\] is illegal, topic:\[SELF_TEST_TOPIC\] topicConfig\.readQueueNums:\[1\] consumer:\[\/127\.0\.0\.1:\d+\]$/);
    await b.broker.createTopic('WriteOnly', 1, 2);
    expect(await pull({ group: 'TOOLS_CONSUMER', topic: 'WriteOnly' })).toMatchObject({
      code: ResponseCode.NO_PERMISSION,
      remark: 'the topic[WriteOnly] pulling message is forbidden',
    });
    b.broker.groups.disableConsume('TOOLS_CONSUMER');
    expect(await pull({ group: 'TOOLS_CONSUMER', topic: 'TBW102' })).toMatchObject({
      code: ResponseCode.NO_PERMISSION,
      remark: 'subscription group no permission, TOOLS_CONSUMER',
    });
    const unreadable = await broker({ config: { brokerPermission: 2 } });
    expect(await c.invoke(unreadable.address, pullRequest({ group: 'G', topic: 'TBW102' }), 3000)).toMatchObject({
      code: ResponseCode.NO_PERMISSION,
      remark: 'the broker[127.0.0.1] pulling message is forbidden',
    });
  });
});
