import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RmqError } from '@rocketmq-ts/common';
import {
  decodeBatch,
  decodeProperties,
  decodeSendMessageRequestHeaderV2,
  encodeRecord,
  encodeSendMessageRequestHeaderV2,
  measureRecord,
  sendHeaderFromV2,
} from '@rocketmq-ts/protocol';
import type { RawPullResult } from '../src/instance.js';
import { COMPRESSED_ZLIB_SYSFLAG, compressBody, messageProperties, prepareBatch, sendHeaderV2, validateMessage } from '../src/message.js';
import { buildSubscriptionData } from '../src/filter.js';
import { processPullBody } from '../src/push-consumer.js';

function argError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RmqError);
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('message validation (Validators.checkMessage)', () => {
  it('refuses bad topics, forbidden topics and bad bodies', () => {
    const ok = Buffer.from('x');
    expect(argError(() => validateMessage({ topic: ' ', body: ok }, ok, 10))).toContain('blank');
    expect(argError(() => validateMessage({ topic: 'a'.repeat(128), body: ok }, ok, 10))).toContain('longer than topic max length 127');
    expect(argError(() => validateMessage({ topic: 'a b', body: ok }, ok, 10))).toContain('illegal characters');
    expect(argError(() => validateMessage({ topic: 'SCHEDULE_TOPIC_XXXX', body: ok }, ok, 10))).toContain('forbidden');
    expect(argError(() => validateMessage({ topic: 'T', body: '' }, Buffer.alloc(0), 10))).toContain('length is zero');
    expect(argError(() => validateMessage({ topic: 'T', body: ok }, Buffer.alloc(11), 10))).toContain('over max value, MAX: 10');
    validateMessage({ topic: 'T', body: ok }, ok, 10);
  });
});

describe('properties', () => {
  it('writes WAIT, tags, keys, delay and user properties, and refuses reserved keys', () => {
    const p = messageProperties({ topic: 'T', body: 'b', tags: 'A', keys: ['k1', 'k2'], delayTimeLevel: 3, properties: { x: '1' } }, { UNIQ_KEY: 'U' });
    expect([...p]).toEqual([['WAIT', 'true'], ['TAGS', 'A'], ['KEYS', 'k1 k2'], ['DELAY', '3'], ['x', '1'], ['UNIQ_KEY', 'U']]);
    expect(argError(() => messageProperties({ topic: 'T', body: 'b', properties: { TAGS: 'x' } }))).toContain('used by system');
    expect(argError(() => messageProperties({ topic: 'T', body: 'b', properties: { a: 'x\u0001y' } }))).toContain('separator');
    expect(argError(() => messageProperties({ topic: 'T', body: 'b', delayTimeLevel: 2, deliverTimeMs: 5 }))).toContain('at most one');
  });

  it('writes timer properties for any delivery time', () => {
    expect(messageProperties({ topic: 'T', body: 'b', deliverTimeMs: 1700000000000 }).get('TIMER_DELIVER_MS')).toBe('1700000000000');
    expect(messageProperties({ topic: 'T', body: 'b', delayTimeSec: 90 }).get('TIMER_DELAY_SEC')).toBe('90');
  });
});

describe('send header V2', () => {
  it('fills the one-letter header as sendKernelImpl does and round-trips through the protocol codec', () => {
    const v2 = sendHeaderV2({
      producerGroup: 'pg', topic: 'T', createTopicKey: 'TBW102', defaultTopicQueueNums: 4, queue: { topic: 'T', brokerName: 'b1', queueId: 2 },
      sysFlag: COMPRESSED_ZLIB_SYSFLAG, bornTimestamp: 1700000000123, flag: 7, properties: 'WAIT\u0001true', batch: false,
    });
    for (const order of ['java', 'declared'] as const) {
      const ext = encodeSendMessageRequestHeaderV2(v2, order);
      expect(ext).toMatchObject({ a: 'pg', b: 'T', c: 'TBW102', d: '4', e: '2', f: String(0x301), g: '1700000000123', h: '7', j: '0', k: 'false', m: 'false', n: 'b1' });
      const full = sendHeaderFromV2(decodeSendMessageRequestHeaderV2(ext));
      expect(full).toMatchObject({ producerGroup: 'pg', topic: 'T', queueId: 2, bornTimestamp: 1700000000123, properties: 'WAIT\u0001true', bname: 'b1' });
    }
    expect(Object.keys(encodeSendMessageRequestHeaderV2(v2, 'declared'))).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'm', 'n']);
  });

  it('compresses with zlib that Java\'s Inflater reads', async () => {
    const body = Buffer.alloc(5000, 'abc');
    const z = await compressBody(body, 5);
    expect(z.length).toBeLessThan(body.length);
    expect(z[0]).toBe(0x78); // zlib header, not raw deflate or gzip
    expect(inflateSync(z).equals(body)).toBe(true);
  });
});

describe('batch body', () => {
  it('encodes each message with its own UNIQ_KEY and the batch with WAIT only', () => {
    let n = 0;
    const b = prepareBatch(
      [
        { topic: 'T', body: 'one', tags: 'A', keys: 'k1' },
        { topic: 'T', body: Buffer.from('two'), properties: { p: 'v' }, flag: 3 },
      ],
      () => `ID${n++}`,
      1024,
    );
    expect(b.msgIds).toEqual(['ID0', 'ID1']);
    expect(decodeProperties(b.properties)).toEqual(Object.assign(Object.create(null), { WAIT: 'true' }));
    const entries = decodeBatch(b.body);
    expect(entries.map((e) => e.body.toString())).toEqual(['one', 'two']);
    expect(entries[1]!.flag).toBe(3);
    expect({ ...entries[0]!.properties }).toEqual({ WAIT: 'true', TAGS: 'A', KEYS: 'k1', UNIQ_KEY: 'ID0' });
    expect({ ...entries[1]!.properties }).toEqual({ WAIT: 'true', p: 'v', UNIQ_KEY: 'ID1' });
  });

  it('refuses mixed topics, delays and retry topics as MessageBatch.generateFromList', () => {
    const id = (): string => 'x';
    expect(argError(() => prepareBatch([{ topic: 'A', body: '1' }, { topic: 'B', body: '2' }], id, 10))).toContain('same');
    expect(argError(() => prepareBatch([{ topic: 'A', body: '1', delayTimeLevel: 1 }], id, 10))).toContain('not supported');
    expect(argError(() => prepareBatch([{ topic: '%RETRY%g', body: '1' }], id, 10))).toContain('Retry Group');
    expect(argError(() => prepareBatch([], id, 10))).toContain('at least one');
  });
});

describe('pull result processing', () => {
  function record(offset: number, tags: string | undefined, body: Buffer, sysFlag = 0, extra = ''): Buffer {
    const props = `${tags === undefined ? '' : `TAGS\u0001${tags}\u0002`}UNIQ_KEY\u0001U${offset}${extra}`;
    const input = {
      topic: 'T', queueId: 1, flag: 0, queueOffset: offset, physicalOffset: 1000 + offset, sysFlag, bornTimestamp: 1, bornHost: '127.0.0.1:5',
      storeTimestamp: 2, storeHost: '127.0.0.1:10911', reconsumeTimes: 0, preparedTransactionOffset: 0, body, properties: props,
    };
    const buf = Buffer.alloc(measureRecord(input));
    encodeRecord(buf, 0, input);
    return buf;
  }

  it('decodes records, inflates compressed bodies, re-filters tags and stamps offsets', async () => {
    const big = Buffer.alloc(6000, 'z');
    const body = Buffer.concat([
      record(10, 'A', Buffer.from('a')),
      record(11, 'B', Buffer.from('b')),
      record(12, undefined, Buffer.from('none')),
      record(13, 'A', await compressBody(big, 5), COMPRESSED_ZLIB_SYSFLAG, '\u0002KEYS\u0001k1 k2'),
    ]);
    const raw: RawPullResult = { status: 'FOUND', nextBeginOffset: 14, minOffset: 0, maxOffset: 20, suggestWhichBrokerId: 0, body };
    const msgs = processPullBody(raw, { topic: 'T', brokerName: 'b1', queueId: 1 }, buildSubscriptionData('T', 'A || C'));
    expect(msgs.map((m) => m.queueOffset)).toEqual([10, 13]);
    expect(msgs[0]!.msgId).toBe('U10');
    expect(msgs[0]!.brokerName).toBe('b1');
    expect(msgs[0]!.properties['MIN_OFFSET']).toBe('0');
    expect(msgs[0]!.properties['MAX_OFFSET']).toBe('20');
    expect(msgs[1]!.body.equals(big)).toBe(true);
    expect(msgs[1]!.keys).toEqual(['k1', 'k2']);
    expect(msgs[1]!.offsetMsgId).toHaveLength(32);
    const all = processPullBody(raw, { topic: 'T', brokerName: 'b1', queueId: 1 }, buildSubscriptionData('T', '*'));
    expect(all).toHaveLength(4);
  });

  it('builds subscriptions as FilterAPI: tag sets with Java hash codes, SQL92 as text', () => {
    const s = buildSubscriptionData('T', ' A ||B|| A ', 5);
    expect(s).toMatchObject({ subString: ' A ||B|| A ', tagsSet: ['A', 'B'], codeSet: [65, 66], expressionType: 'TAG', subVersion: 5 });
    expect(buildSubscriptionData('T', '*').tagsSet).toEqual([]);
    expect(buildSubscriptionData('T', undefined).subString).toBe('*');
    expect(buildSubscriptionData('T', { type: 'SQL92', expression: 'a > 1' })).toMatchObject({ subString: 'a > 1', expressionType: 'SQL92', tagsSet: [] });
    expect(argError(() => buildSubscriptionData('T', { type: 'SQL92', expression: ' ' }))).toContain('empty');
  });
});
