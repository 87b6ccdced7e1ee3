/**
 * Retry and dead letters end to end: a consumer that always fails gets the
 * message again from %RETRY%<group> with reconsumeTimes growing, each time
 * after the delay of level 3 + reconsumeTimes (CONSUMER_SEND_MSG_BACK through
 * delayed delivery), then it lands in %DLQ%<group>; and the broker's choice
 * of limit (header maxReconsumeTimes, else the group's retryMaxTimes).
 */
import { describe, expect, it } from 'vitest';
import {
  RequestCode,
  ResponseCode,
  createRequest,
  decodeMessages,
  encodeConsumerSendMsgBackRequestHeader,
} from '@rocketmq-ts/protocol';
import { featureCluster, pushConsumer, producer, storedMessages } from './features-helpers.js';
import { broker, client, pullRequest, sendRequest, waitFor } from './helpers.js';

/** Level 3 = 1 s, level 4 = 2 s, level 5 = 1 s; the others 9 s, so a wrong level shows. */
const RETRY_LEVELS = '9s 9s 1s 2s 1s 9s 9s 9s 9s 9s 9s 9s 9s 9s 9s 9s 9s 9s';
const DELAY_OF_LEVEL = [9, 9, 1, 2, 1].map((s) => s * 1000);

describe('retry and dead-letter queues', () => {
  it('retries through %RETRY%<group> after the delay of level 3 + reconsumeTimes, then dead-letters after maxReconsumeTimes', async () => {
    const cl = await featureCluster({ messageDelayLevel: RETRY_LEVELS });
    const b = cl.broker;
    await b.broker.createTopic('RetryT', 2);
    const p = await producer(cl.nsAddr, 'PG_RETRY');
    const attempts: Array<{ reconsumeTimes: number; at: number; storeTimestamp: number; topic: string }> = [];
    await pushConsumer(
      cl.nsAddr,
      'CG_RETRY',
      'RetryT',
      (m) => {
        attempts.push({ reconsumeTimes: m.reconsumeTimes, at: Date.now(), storeTimestamp: m.storeTimestamp, topic: m.topic });
        throw new Error('always fails');
      },
      { maxReconsumeTimes: 3 },
    );
    await p.send({ topic: 'RetryT', body: 'poison', keys: 'k-poison' });
    await waitFor(async () => (await storedMessages(b, '%DLQ%CG_RETRY')).length === 1, 30_000, 'the dead letter');
    expect(attempts.map((a) => a.reconsumeTimes)).toEqual([0, 1, 2, 3]);
    for (let k = 0; k < 3; k++) {
      const delay = DELAY_OF_LEVEL[3 + k - 1]!;
      // Re-stored in the retry topic no earlier than the level's delay after the failed attempt, and within a second of it.
      const waited = attempts[k + 1]!.storeTimestamp - attempts[k]!.at;
      expect(waited).toBeGreaterThanOrEqual(delay);
      expect(waited).toBeLessThan(delay + 1000);
      // The consumer sees the original topic (RETRY_TOPIC).
      expect(attempts[k + 1]!.topic).toBe('RetryT');
    }
    // The retry topic, its subscription group and the DLQ were created on the way.
    expect(b.broker.topics.selectTopicConfig('%RETRY%CG_RETRY')).toMatchObject({ readQueueNums: 1, writeQueueNums: 1, perm: 6 });
    expect(b.broker.groups.findSubscriptionGroupConfig('CG_RETRY')).toBeDefined();
    // Read-write as 4.9.4 creates it (4.9.0-4.9.1 made it write-only).
    expect(b.broker.topics.selectTopicConfig('%DLQ%CG_RETRY')).toMatchObject({ readQueueNums: 1, writeQueueNums: 1, perm: 6 });
    const [dead] = await storedMessages(b, '%DLQ%CG_RETRY');
    expect(dead!.body!.toString()).toBe('poison');
    expect(dead!.reconsumeTimes).toBe(4);
    expect(dead!.properties).toMatchObject({ RETRY_TOPIC: 'RetryT', KEYS: 'k-poison', DELAY: '0' });
    expect(dead!.properties['ORIGIN_MESSAGE_ID']).toMatch(/^[0-9A-F]{32}$/);
    // Each retry waited in SCHEDULE_TOPIC_XXXX at its level.
    expect(Object.fromEntries(b.broker.features.schedule.offsetTable)).toEqual({ 3: 1, 4: 1, 5: 1 });
  });

  it('CONSUMER_SEND_MSG_BACK: the header limit, else the group retryMaxTimes (16); delay level -1 dead-letters at once', async () => {
    const b = await broker();
    const c = client();
    const store = async (reconsumeTimes: number): Promise<number> => {
      const r = await c.invoke(b.address, sendRequest({ topic: 'BackT', reconsumeTimes, body: `r${reconsumeTimes}` }), 3000);
      expect(r.code).toBe(ResponseCode.SUCCESS);
      const pulled = decodeMessages((await c.invoke(b.address, pullRequest({ group: 'CG_BACK', topic: 'BackT', offset: Number(r.extFields['queueOffset']), maxMsgNums: 1 }), 3000)).body!);
      return pulled[0]!.commitLogOffset;
    };
    const back = (offset: number, delayLevel: number, maxReconsumeTimes?: number) =>
      c.invoke(
        b.address,
        createRequest(
          RequestCode.CONSUMER_SEND_MSG_BACK,
          encodeConsumerSendMsgBackRequestHeader({ offset, group: 'CG_BACK', delayLevel, unitMode: false, ...(maxReconsumeTimes === undefined ? {} : { maxReconsumeTimes }) }),
        ),
        3000,
      );
    // 15 < 16: retried, at level 3 + 15 = 18 (the last).
    expect((await back(await store(15), 0)).code).toBe(ResponseCode.SUCCESS);
    const scheduled = decodeMessages((await c.invoke(b.address, pullRequest({ group: 'G', topic: 'SCHEDULE_TOPIC_XXXX', queueId: 17 }), 3000)).body!);
    expect(scheduled.map((m) => [m.body!.toString(), m.properties['REAL_TOPIC'], m.properties['DELAY'], m.reconsumeTimes])).toEqual([['r15', '%RETRY%CG_BACK', '18', 16]]);
    // 16 >= 16: dead.
    expect((await back(await store(16), 0)).code).toBe(ResponseCode.SUCCESS);
    // The header's limit wins: 2 >= 2.
    expect((await back(await store(2), 0, 2)).code).toBe(ResponseCode.SUCCESS);
    // Level -1: dead whatever the count.
    expect((await back(await store(0), -1)).code).toBe(ResponseCode.SUCCESS);
    const dlq = await storedMessages(b, '%DLQ%CG_BACK');
    expect(dlq.map((m) => m.body!.toString())).toEqual(['r16', 'r2', 'r0']);
  });
});
