/**
 * PushConsumer against the real broker: filters (tags, SQL92), the listener
 * concurrency limit, retry and the dead-letter queue, where a new group
 * starts, flow control by count and size, pause/resume, and the requests the
 * broker relays from tools (GET_CONSUMER_RUNNING_INFO, reset offset).
 */
import { describe, expect, it } from 'vitest';
import { MixAll } from '@rocketmq-ts/protocol';
import { RmqError } from '../../src/index.js';
import type { ReceivedMessage } from '../../src/index.js';
import { createTopic, producer, pushConsumer, realCluster, sleep, startedConsumer, uniq, waitFor, waitForQueues } from './support.js';

/** A promise the test opens when it wants (listeners wait on it). */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('push consumer against the real broker', () => {
  it('filters by tag expression and by SQL92 on the broker', async () => {
    const c = await realCluster();
    const topic = uniq('FT');
    await createTopic(c, topic, 2);
    const p = await producer(c);
    const byTag: string[] = [];
    const bySql: string[] = [];
    const all: string[] = [];
    await startedConsumer(c, uniq('CG'), topic, 'A || C', (m) => {
      byTag.push(m.body.toString());
    });
    await startedConsumer(c, uniq('CG'), topic, { type: 'SQL92', expression: "n >= 5 AND color = 'red'" }, (m) => {
      bySql.push(m.body.toString());
    });
    await startedConsumer(c, uniq('CG'), topic, '*', (m) => {
      all.push(m.body.toString());
    });
    for (let i = 0; i < 12; i++) {
      await p.send({ topic, body: `m${i}`, tags: 'ABC'[i % 3]!, properties: { n: String(i), color: i % 2 === 0 ? 'red' : 'blue' } });
    }
    await waitFor(() => all.length === 12, 20_000, 'all twelve at the * consumer');
    await waitFor(() => byTag.length === 8 && bySql.length === 3, 20_000, 'the filtered consumers');
    const expectBodies = (keep: (i: number) => boolean): string[] => Array.from({ length: 12 }, (_, i) => i).filter(keep).map((i) => `m${i}`).sort();
    expect(byTag.sort()).toEqual(expectBodies((i) => i % 3 !== 1));
    expect(bySql.sort()).toEqual(expectBodies((i) => i >= 5 && i % 2 === 0));
  });

  it('refuses to start with an SQL92 expression the broker cannot parse, naming the broker answer', async () => {
    const c = await realCluster();
    const topic = uniq('FT');
    await createTopic(c, topic, 1);
    const pc = pushConsumer(c, uniq('CG'));
    pc.subscribe(topic, { type: 'SQL92', expression: 'a >>> AND (' }, () => undefined);
    const err = await pc.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RmqError);
    expect((err as RmqError).responseCode).toBeGreaterThan(0);
    expect((err as RmqError).message).toMatch(/SQL92/);
  });

  it('subscribes and unsubscribes while running; a retried message keeps its tag and passes the filter again', async () => {
    const c = await realCluster();
    const t1 = uniq('ST');
    const t2 = uniq('ST');
    await createTopic(c, t1, 2);
    await createTopic(c, t2, 2);
    const p = await producer(c);
    const got: string[] = [];
    let failedOnce = false;
    const pc = await startedConsumer(c, uniq('CG'), t1, 'A', (m) => {
      if (m.body.toString() === 'a-retry' && !failedOnce) {
        failedOnce = true;
        return 'RECONSUME_LATER';
      }
      got.push(`${m.topic}:${m.tags}:${m.body.toString()}:${m.reconsumeTimes}`);
      return undefined;
    });
    await p.send({ topic: t1, body: 'a-retry', tags: 'A' });
    await p.send({ topic: t1, body: 'b-skipped', tags: 'B' });
    await waitFor(() => got.length === 1, 20_000, 'the retried message');
    expect(got).toEqual([`${t1}:A:a-retry:1`]);

    pc.subscribe(t2, '*', (m) => {
      got.push(`${m.topic}:${m.body.toString()}`);
    });
    await waitForQueues(pc, t2, 2);
    await p.send({ topic: t2, body: 'second-topic' });
    await waitFor(() => got.includes(`${t2}:second-topic`), 20_000, 'a message of the topic subscribed later');
    pc.unsubscribe(t2);
    await waitFor(() => pc.assignment().every((q) => q.topic !== t2), 20_000, 'the unsubscribed topic dropped');
    await p.send({ topic: t2, body: 'after-unsubscribe' });
    await p.send({ topic: t1, body: 'marker', tags: 'A' });
    await waitFor(() => got.some((g) => g.endsWith(':marker:0')), 20_000, 'the marker');
    expect(got.some((g) => g.includes('after-unsubscribe'))).toBe(false);
  });

  it('runs at most consumeThreadMax listeners at once', async () => {
    const c = await realCluster();
    const topic = uniq('CT');
    await createTopic(c, topic, 4);
    const p = await producer(c);
    for (let i = 0; i < 30; i++) await p.send({ topic, body: `m${i}` });
    let active = 0;
    let peak = 0;
    let done = 0;
    await startedConsumer(
      c,
      uniq('CG'),
      topic,
      '*',
      async () => {
        active++;
        peak = Math.max(peak, active);
        await sleep(15);
        active--;
        done++;
      },
      { consumeThreadMax: 3 },
    );
    await waitFor(() => done === 30, 20_000, 'thirty messages');
    expect(peak).toBe(3);
  });

  it('retries a failed message through the retry topic, and after maxReconsumeTimes sends it to the DLQ', async () => {
    const c = await realCluster();
    const topic = uniq('RT');
    await createTopic(c, topic, 2);
    const p = await producer(c);
    const group = uniq('CG');
    const seen = new Map<string, number[]>();
    await startedConsumer(
      c,
      group,
      topic,
      '*',
      (m, ctx) => {
        const body = m.body.toString();
        seen.set(body, [...(seen.get(body) ?? []), m.reconsumeTimes]);
        expect(m.topic).toBe(topic);
        if (body === 'once' && m.reconsumeTimes === 0) return 'RECONSUME_LATER';
        if (body === 'throws' && m.reconsumeTimes === 0) throw new Error('listener failed');
        if (body === 'never') return 'RECONSUME_LATER';
        if (body === 'straight-to-dlq') {
          ctx.delayLevelWhenNextConsume = -1;
          return 'RECONSUME_LATER';
        }
        return 'CONSUME_SUCCESS';
      },
      { maxReconsumeTimes: 2 },
    );
    const sent = new Map<string, string>();
    for (const body of ['ok', 'once', 'throws', 'never', 'straight-to-dlq']) {
      sent.set(body, (await p.send({ topic, body, tags: 'T', keys: `key-${body}`, properties: { mine: body } })).msgId);
    }
    await waitFor(() => (seen.get('never')?.length ?? 0) === 3 && (seen.get('once')?.length ?? 0) === 2 && (seen.get('throws')?.length ?? 0) === 2, 30_000, 'the retries');
    expect(seen.get('ok')).toEqual([0]);
    expect(seen.get('once')).toEqual([0, 1]);
    expect(seen.get('throws')).toEqual([0, 1]);
    expect(seen.get('never')).toEqual([0, 1, 2]);
    expect(seen.get('straight-to-dlq')).toEqual([0]);

    // Both dead messages are in %DLQ%group with their original properties; the DLQ is write-only, so look them up by key.
    const dlq = MixAll.DLQ_GROUP_TOPIC_PREFIX + group;
    const admin = c.admin();
    for (const body of ['never', 'straight-to-dlq']) {
      let found: ReceivedMessageLike | undefined;
      await waitFor(
        async () => {
          const r = await admin.queryMessageByUniqKey(dlq, sent.get(body)!, 32, 0, Date.now() + 60_000).catch(() => undefined);
          found = r?.messageList[0];
          return found !== undefined;
        },
        20_000,
        `${body} in the DLQ`,
      );
      expect(found!.body?.toString()).toBe(body);
      expect(found!.properties['mine']).toBe(body);
      expect(found!.properties['ORIGIN_MESSAGE_ID']).toBeDefined();
      expect(found!.properties['RETRY_TOPIC']).toBe(topic);
    }
    // Nothing else was redelivered meanwhile.
    expect(seen.get('ok')).toEqual([0]);
  });

  it('starts a new group where consumeFromWhere says; an existing offset wins', async () => {
    // With no memory share every stored message counts as "in disk", so the broker answers QUERY_NOT_FOUND
    // for a new group and the client applies consumeFromWhere (see the next test for a young queue).
    const c = await realCluster({ config: { accessMessageInMemoryMaxRatio: 0 } });
    const topic = uniq('WT');
    await createTopic(c, topic, 1);
    const p = await producer(c);
    await p.send({ topic, body: 'old' });
    const old2 = await p.send({ topic, body: 'old2' });
    const storedAt = await c.brokers[0]!.current.broker.store.getMessageStoreTimeStamp(topic, 0, old2.queueOffset);
    // A timestamp between the old messages and the new one, nearer the new one: the broker's search
    // (Java's getOffsetInQueueByTime) answers the offset whose store time is nearest.
    await waitFor(() => Date.now() > storedAt + 300, 5_000, 'a later time');
    const between = Date.now();
    const sentNew = await p.send({ topic, body: 'new' });
    const newAt = await c.brokers[0]!.current.broker.store.getMessageStoreTimeStamp(topic, 0, sentNew.queueOffset);
    expect(newAt - between).toBeLessThan(between - storedAt);

    const consume = async (group: string, extra: object, until: string, sendLatest = false): Promise<string[]> => {
      const got: string[] = [];
      const pc = await startedConsumer(c, group, topic, '*', (m) => {
        got.push(m.body.toString());
      }, extra);
      await waitFor(() => pc.assignment().length > 0, 20_000, `${group} owning the queue`);
      if (sendLatest) await p.send({ topic, body: 'latest' });
      await waitFor(() => got.includes(until), 20_000, `${group} reaching ${until}`);
      await pc.shutdown();
      return got;
    };
    expect(await consume(uniq('FIRST'), { consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'new')).toEqual(['old', 'old2', 'new']);
    expect(await consume(uniq('TS'), { consumeFromWhere: 'CONSUME_FROM_TIMESTAMP', consumeTimestamp: between }, 'new')).toEqual(['new']);
    const last = await consume(uniq('LAST'), { consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET' }, 'latest', true);
    expect(last).toEqual(['latest']);

    // The group's committed offset wins over any consumeFromWhere.
    const group = uniq('KEEP');
    await consume(group, { consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'latest');
    await p.send({ topic, body: 'newer' });
    const got: string[] = [];
    await startedConsumer(c, group, topic, '*', (m) => {
      got.push(m.body.toString());
    }, { consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    await waitFor(() => got.includes('newer'), 20_000, 'newer');
    expect(got).toEqual(['newer']);
  });

  it('starts a new group at 0 on a young queue whatever consumeFromWhere says, as the Java broker answers', async () => {
    const c = await realCluster();
    const topic = uniq('WT');
    await createTopic(c, topic, 1);
    const p = await producer(c);
    await p.send({ topic, body: 'old' });
    const got: string[] = [];
    await startedConsumer(c, uniq('LAST'), topic, '*', (m) => {
      got.push(m.body.toString());
    }, { consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET' });
    await waitFor(() => got.length === 1, 20_000, 'the old message');
    expect(got).toEqual(['old']);
  });

  it('stops pulling a queue whose cache holds pullThresholdForQueue messages, and pulls again as they are consumed', async () => {
    const c = await realCluster();
    const topic = uniq('FC');
    await createTopic(c, topic, 1);
    const p = await producer(c);
    for (let i = 0; i < 60; i++) await p.send({ topic, body: `m${i}` });
    const g = gate();
    let done = 0;
    const group = uniq('CG');
    const pc = await startedConsumer(
      c,
      group,
      topic,
      '*',
      async () => {
        await g.wait;
        done++;
      },
      { pullThresholdForQueue: 10, pullBatchSize: 4, consumeThreadMax: 1 },
    );
    const cached = async (): Promise<number> => {
      const info = await c.admin().getConsumerRunningInfo(group, pc.clientId);
      return info.mqTable.find(([q]) => q.topic === topic)?.[1].cachedMsgCount ?? 0;
    };
    await waitFor(async () => (await cached()) >= 10, 20_000, 'a full cache');
    // Give the consumer time for many more pulls; flow control must hold them back (one batch may overshoot).
    await sleep(1000);
    expect(await cached()).toBeLessThanOrEqual(10 + 4);
    g.open();
    await waitFor(() => done === 60, 20_000, 'all sixty once the listener is released');
  });

  it('stops pulling a queue whose cache holds pullThresholdSizeForQueue MiB', async () => {
    const c = await realCluster();
    const topic = uniq('FS');
    await createTopic(c, topic, 1);
    const p = await producer(c, { compressMsgBodyOverHowmuch: 4 * 1024 * 1024 });
    const body = Buffer.alloc(200 * 1024, 7);
    for (let i = 0; i < 20; i++) await p.send({ topic, body });
    const g = gate();
    let done = 0;
    const group = uniq('CG');
    const pc = await startedConsumer(
      c,
      group,
      topic,
      '*',
      async () => {
        await g.wait;
        done++;
      },
      { pullThresholdSizeForQueue: 1, pullBatchSize: 2, consumeThreadMax: 1 },
    );
    const cached = async (): Promise<number> => {
      const info = await c.admin().getConsumerRunningInfo(group, pc.clientId);
      return info.mqTable.find(([q]) => q.topic === topic)?.[1].cachedMsgCount ?? 0;
    };
    // 1 MiB is a little over five 200 KiB bodies.
    await waitFor(async () => (await cached()) >= 6, 20_000, 'a cache over 1 MiB');
    await sleep(1000);
    expect(await cached()).toBeLessThanOrEqual(6 + 2);
    g.open();
    await waitFor(() => done === 20, 20_000, 'all twenty once the listener is released');
  });

  it('pause() stops pulling and resume() continues', async () => {
    const c = await realCluster();
    const topic = uniq('PR');
    await createTopic(c, topic, 2);
    const p = await producer(c);
    const got: string[] = [];
    const pc = await startedConsumer(c, uniq('CG'), topic, '*', (m) => {
      got.push(m.body.toString());
    }, { brokerSuspendMaxTimeMillis: 500, consumerTimeoutMillisWhenSuspend: 5000 });
    await p.send({ topic, body: 'before' });
    await waitFor(() => got.length === 1, 20_000, 'the first message');
    pc.pause();
    expect(pc.isPaused).toBe(true);
    // Pulls already held by the broker end within brokerSuspendMaxTimeMillis; no new ones start.
    await sleep(1500);
    for (let i = 0; i < 5; i++) await p.send({ topic, body: `paused-${i}` });
    await sleep(1000);
    expect(got).toEqual(['before']);
    pc.resume();
    await waitFor(() => got.length === 6, 20_000, 'the messages sent while paused');
  });

  it('answers GET_CONSUMER_RUNNING_INFO relayed by the broker', async () => {
    const c = await realCluster();
    const topic = uniq('RI');
    await createTopic(c, topic, 2);
    const group = uniq('CG');
    const pc = await startedConsumer(c, group, topic, 'A || B', () => undefined, { consumeThreadMax: 7 });
    await waitFor(() => pc.assignment().filter((q) => q.topic === topic).length === 2, 15_000, 'queues');
    const info = await c.admin().getConsumerRunningInfo(group, pc.clientId);
    expect(info.properties.get('PROP_CONSUME_TYPE')).toBe('CONSUME_PASSIVELY');
    expect(info.properties.get('PROP_CONSUMEORDERLY')).toBe('false');
    expect(info.properties.get('PROP_THREADPOOL_CORE_SIZE')).toBe('7');
    expect(info.subscriptionSet.map((s) => s.topic).sort()).toEqual([MixAll.RETRY_GROUP_TOPIC_PREFIX + group, topic].sort());
    expect(info.subscriptionSet.find((s) => s.topic === topic)!.subString).toBe('A || B');
    expect(info.mqTable.filter(([q]) => q.topic === topic).map(([q]) => q.queueId).sort()).toEqual([0, 1]);
    expect([...info.statusTable.keys()]).toContain(topic);
  });

  it('rewinds to the offsets a reset-offset request (resetOffsetByTime) gives, and consumes again from there', async () => {
    const c = await realCluster();
    const topic = uniq('RO');
    await createTopic(c, topic, 2);
    const p = await producer(c);
    const start = Date.now() - 1000;
    for (let i = 0; i < 10; i++) await p.send({ topic, body: `m${i}` });
    const group = uniq('CG');
    const got: ReceivedMessage[] = [];
    await startedConsumer(c, group, topic, '*', (m) => {
      got.push(m);
    });
    await waitFor(() => got.length === 10, 20_000, 'ten messages');
    // Committed on the broker (every persistConsumerOffsetInterval).
    await waitFor(
      async () => {
        const stats = await c.admin().examineConsumeStats(group, topic).catch(() => undefined);
        return stats !== undefined && stats.offsetTable.reduce((n, [, o]) => n + o.consumerOffset, 0) === 10;
      },
      20_000,
      'offsets committed',
    );
    const table = await c.admin().resetOffsetByTimestamp(topic, group, start, true);
    expect(table.reduce((n, [, o]) => n + o, 0)).toBe(0);
    await waitFor(() => got.length === 20, 20_000, 'the ten again');
    expect(got.slice(10).map((m) => m.body.toString()).sort()).toEqual(got.slice(0, 10).map((m) => m.body.toString()).sort());
  });
});

type ReceivedMessageLike = { body?: Buffer; properties: Record<string, string> };
