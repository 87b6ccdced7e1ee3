/**
 * The broker's pure pieces: the fast send-header decoder (against the
 * protocol's), the properties rewrite, store status -> response code
 * mappings, the request pools with fast failure, and the pull filters.
 */
import { describe, expect, it } from 'vitest';
import {
  type RemotingCommand,
  HeaderFieldError,
  ResponseCode,
  createRequest,
  decodeAnySendMessageRequestHeader,
  decodeProperties,
  encodeRecord,
  encodeSendMessageRequestHeader,
  encodeSendMessageRequestHeaderV2,
  javaStringHashCode,
} from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import { GetMessageStatus, PutMessageStatus } from '@rocketmq-ts/store';
import { ExpressionMessageFilter, compileHeartbeatSubscription, compileRequestSubscription, recordTags } from '../src/filter/message-filter.js';
import { pullStatusCode } from '../src/processor/pull.js';
import { decodeSendHeader } from '../src/processor/send-header.js';
import { SendProperties, clusterPropertyEntry, rewriteSendProperties } from '../src/processor/send-properties.js';
import { putStatusAnswer } from '../src/processor/send.js';
import { RequestPool } from '../src/request-pool.js';
import { MemoryLogger } from '@rocketmq-ts/common';

function outcome(fn: () => unknown): unknown {
  try {
    return { ok: fn() };
  } catch (err) {
    return { err: err instanceof HeaderFieldError ? err.remark : String(err) };
  }
}

describe('decodeSendHeader', () => {
  const v2 = encodeSendMessageRequestHeaderV2({
    a: 'PG',
    b: 'Topic',
    c: 'TBW102',
    d: 4,
    e: 3,
    f: 0,
    g: 1_700_000_000_123,
    h: 7,
    i: 'TAGS\u0001A',
    j: 2,
    k: true,
    l: 16,
    m: false,
    n: 'broker-a',
  });
  const v1 = encodeSendMessageRequestHeader({
    producerGroup: 'PG',
    topic: 'Topic',
    defaultTopic: 'TBW102',
    defaultTopicQueueNums: 4,
    queueId: -1,
    sysFlag: 4,
    bornTimestamp: 1_700_000_000_123,
    flag: 0,
    properties: 'KEYS\u0001k',
    unitMode: false,
    batch: true,
  });

  it('decodes exactly as the protocol decoder, field errors and Java number parsing included', () => {
    const variants: Array<[number, Record<string, string>]> = [[310, v2], [320, v2], [10, v1]];
    const mutations: Array<(e: Record<string, string>) => void> = [
      () => undefined,
      (e) => delete e['b'],
      (e) => delete e['topic'],
      (e) => (e['d'] = 'x'),
      (e) => (e['queueId'] = '2147483648'),
      (e) => (e['e'] = '-2147483648'),
      (e) => (e['g'] = '9223372036854775807'),
      (e) => (e['bornTimestamp'] = '-5'),
      (e) => (e['g'] = '12.5'),
      (e) => (e['h'] = '+3'),
      (e) => (e['h'] = '-'),
      (e) => (e['j'] = 'nope'),
      (e) => (e['reconsumeTimes'] = '99999999999'),
      (e) => (e['k'] = 'TRUE'),
      (e) => (e['batch'] = 'yes'),
      (e) => delete e['i'],
      (e) => (e['e'] = '0000000001'),
      (e) => (e['e'] = ''),
    ];
    for (const [code, base] of variants) {
      for (const m of mutations) {
        const ext = { ...base };
        m(ext);
        expect(outcome(() => decodeSendHeader(code, ext)), `${code} ${JSON.stringify(ext)}`).toEqual(
          outcome(() => decodeAnySendMessageRequestHeader(code, ext)),
        );
      }
    }
  });
});

describe('rewriteSendProperties', () => {
  const cluster = clusterPropertyEntry('C1');
  const rewrite = (props: string | undefined, options?: { dropWait?: boolean; dropDelay?: boolean }): SendProperties =>
    rewriteSendProperties(props, cluster, new SendProperties(), options);

  it('drops WAIT, replaces CLUSTER and reads the flags, keeping every other entry', () => {
    const r = rewrite('KEYS\u0001k1\u0002WAIT\u0001false\u0002TAGS\u0001T\u0002CLUSTER\u0001other\u0002TRAN_MSG\u0001TRUE\u0002DELAY\u00013');
    expect(decodeProperties(r.stored)).toEqual({ KEYS: 'k1', TAGS: 'T', TRAN_MSG: 'TRUE', DELAY: '3', CLUSTER: 'C1' });
    expect(r.stored.endsWith('\u0002')).toBe(false);
    expect(r).toMatchObject({ waitStoreMsgOK: false, transactionPrepared: true, delayLevel: 3 });
  });

  it('handles no properties, a trailing separator (ali-ons writes one) and dropDelay', () => {
    expect(rewrite(undefined).stored).toBe(cluster);
    expect(rewrite('').stored).toBe(cluster);
    expect(rewrite('WAIT\u0001true').stored).toBe(cluster);
    expect(rewrite('A\u0001b\u0002').stored).toBe(`A\u0001b\u0002${cluster}`);
    const d = rewrite('DELAY\u00012\u0002A\u0001b', { dropDelay: true });
    expect(decodeProperties(d.stored)).toEqual({ A: 'b', CLUSTER: 'C1' });
    expect(d.delayLevel).toBe(2);
    expect(rewrite('DELAY\u0001x').delayLevel).toBe(0);
    const keep = rewrite('WAIT\u0001true\u0002A\u0001b', { dropWait: false });
    expect(decodeProperties(keep.stored)).toEqual({ WAIT: 'true', A: 'b', CLUSTER: 'C1' });
  });

  it('does not mistake keys that merely start like the four it reads', () => {
    const r = rewrite('WAITING\u0001x\u0002DELAYED\u00015\u0002CLUSTERS\u0001y\u0002TRAN_MSGX\u0001true');
    expect(decodeProperties(r.stored)).toEqual({ WAITING: 'x', DELAYED: '5', CLUSTERS: 'y', TRAN_MSGX: 'true', CLUSTER: 'C1' });
    expect(r).toMatchObject({ waitStoreMsgOK: true, transactionPrepared: false, delayLevel: 0 });
  });
});

describe('store status mappings', () => {
  const disk = (): string => 'CL:  0.50 CQ:  0.50 INDEX:  0.50';
  it('maps put statuses as SendMessageProcessor.handlePutMessageResult', () => {
    const a = (status: PutMessageStatus, reason?: string): ReturnType<typeof putStatusAnswer> =>
      putStatusAnswer(reason === undefined ? { status } : { status, reason }, 4096, disk);
    expect(a(PutMessageStatus.PUT_OK)).toEqual({ code: ResponseCode.SUCCESS, remark: undefined, stored: true });
    expect(a(PutMessageStatus.FLUSH_DISK_TIMEOUT)).toEqual({ code: ResponseCode.FLUSH_DISK_TIMEOUT, remark: undefined, stored: true });
    expect(a(PutMessageStatus.FLUSH_SLAVE_TIMEOUT)).toEqual({ code: ResponseCode.FLUSH_SLAVE_TIMEOUT, remark: undefined, stored: true });
    expect(a(PutMessageStatus.SLAVE_NOT_AVAILABLE)).toEqual({ code: ResponseCode.SLAVE_NOT_AVAILABLE, remark: undefined, stored: true });
    expect(a(PutMessageStatus.CREATE_MAPEDFILE_FAILED)).toMatchObject({ code: ResponseCode.SYSTEM_ERROR, remark: 'create mapped file failed, server is busy or broken.' });
    expect(a(PutMessageStatus.MESSAGE_ILLEGAL, 'body too big').remark).toBe(
      'the message is illegal, maybe msg body or properties length not matched. msg body length limit 4096B, msg properties length limit 32KB. Cause: body too big.',
    );
    expect(a(PutMessageStatus.PROPERTIES_SIZE_EXCEEDED).code).toBe(ResponseCode.MESSAGE_ILLEGAL);
    expect(a(PutMessageStatus.SERVICE_NOT_AVAILABLE)).toMatchObject({
      code: ResponseCode.SERVICE_NOT_AVAILABLE,
      remark:
        "service not available now. It may be caused by one of the following reasons: the broker's disk is full [CL:  0.50 CQ:  0.50 INDEX:  0.50], messages are put to the slave, message store has been shut down, etc.",
    });
    expect(a(PutMessageStatus.OS_PAGECACHE_BUSY)).toMatchObject({ code: ResponseCode.SYSTEM_BUSY, remark: '[PC_SYNCHRONIZED]broker busy, start flow control for a while' });
    expect(a(PutMessageStatus.UNKNOWN_ERROR)).toMatchObject({ code: ResponseCode.SYSTEM_ERROR, remark: 'UNKNOWN_ERROR' });
  });

  it('maps get statuses as PullMessageProcessor', () => {
    expect(pullStatusCode(GetMessageStatus.FOUND, 3)).toBe(ResponseCode.SUCCESS);
    expect(pullStatusCode(GetMessageStatus.NO_MESSAGE_IN_QUEUE, 0)).toBe(ResponseCode.PULL_NOT_FOUND);
    expect(pullStatusCode(GetMessageStatus.NO_MESSAGE_IN_QUEUE, 5)).toBe(ResponseCode.PULL_OFFSET_MOVED);
    expect(pullStatusCode(GetMessageStatus.NO_MATCHED_LOGIC_QUEUE, 5)).toBe(ResponseCode.PULL_OFFSET_MOVED);
    expect(pullStatusCode(GetMessageStatus.OFFSET_OVERFLOW_ONE, 5)).toBe(ResponseCode.PULL_NOT_FOUND);
    expect(pullStatusCode(GetMessageStatus.OFFSET_OVERFLOW_BADLY, 5)).toBe(ResponseCode.PULL_OFFSET_MOVED);
    expect(pullStatusCode(GetMessageStatus.OFFSET_TOO_SMALL, 5)).toBe(ResponseCode.PULL_OFFSET_MOVED);
    expect(pullStatusCode(GetMessageStatus.OFFSET_FOUND_NULL, 5)).toBe(ResponseCode.PULL_NOT_FOUND);
    expect(pullStatusCode(GetMessageStatus.NO_MATCHED_MESSAGE, 5)).toBe(ResponseCode.PULL_RETRY_IMMEDIATELY);
    expect(pullStatusCode(GetMessageStatus.MESSAGE_WAS_REMOVING, 5)).toBe(ResponseCode.PULL_RETRY_IMMEDIATELY);
  });
});

describe('RequestPool', () => {
  const channel = { remoteAddress: '127.0.0.1:1' } as unknown as Channel;
  const req = (): RemotingCommand => createRequest(10, {});

  it('runs up to its concurrency, queues up to its capacity, and answers the next one SYSTEM_BUSY [OVERLOAD]', async () => {
    const pool = new RequestPool('t', { concurrency: 1, queueCapacity: 1, maxWaitMs: 0 }, new MemoryLogger());
    const gates: Array<() => void> = [];
    const handler = pool.wrap(
      (r) =>
        new Promise<RemotingCommand>((resolve) => {
          gates.push(() => resolve({ ...r, code: 0 }));
        }),
    );
    const first = handler(req(), channel) as Promise<RemotingCommand>;
    const second = handler(req(), channel) as Promise<RemotingCommand>;
    const third = handler(req(), channel) as RemotingCommand;
    expect(third.code).toBe(ResponseCode.SYSTEM_BUSY);
    expect(third.remark).toBe('[OVERLOAD]system busy, start flow control for a while');
    expect(pool.active).toBe(1);
    expect(pool.queued).toBe(1);
    gates.shift()!();
    expect((await first).code).toBe(0);
    await Promise.resolve();
    gates.shift()!();
    expect((await second).code).toBe(0);
    expect(pool.active).toBe(0);
  });

  it('answers requests queued past maxWaitMs SYSTEM_BUSY [TIMEOUT_CLEAN_QUEUE], and all of them when the store is busy', async () => {
    const pool = new RequestPool('t', { concurrency: 1, queueCapacity: 10, maxWaitMs: 200 }, new MemoryLogger());
    const handler = pool.wrap(() => new Promise<RemotingCommand>(() => undefined));
    void handler(req(), channel);
    const waiting = [handler(req(), channel), handler(req(), channel)] as Array<Promise<RemotingCommand>>;
    expect(pool.cleanExpired(Date.now())).toBe(0);
    expect(pool.cleanExpired(Date.now() + 250)).toBe(2);
    const r = await waiting[0]!;
    expect(r.code).toBe(ResponseCode.SYSTEM_BUSY);
    expect(r.remark).toMatch(/^\[TIMEOUT_CLEAN_QUEUE\]broker busy, start flow control for a while, period in queue: \d+ms, size of queue: 1$/);
    const later = handler(req(), channel) as Promise<RemotingCommand>;
    expect(pool.cleanAll()).toBe(1);
    expect((await later).remark).toMatch(/^\[PCBUSY_CLEAN_QUEUE\]broker busy/);
  });

  it('answers a header that cannot be decoded with SYSTEM_ERROR and the field remark', async () => {
    const pool = new RequestPool('t', { concurrency: 4, queueCapacity: 4, maxWaitMs: 0 }, new MemoryLogger());
    const sync = pool.wrap(() => {
      throw new HeaderFieldError('H', 'topic', 'missing');
    });
    expect((sync(req(), channel) as RemotingCommand).remark).toBe('the custom field <topic> is null');
    const async = pool.wrap(() => Promise.reject(new HeaderFieldError('H', 'queueId', 'malformed', 'x')));
    const r = await (async(req(), channel) as Promise<RemotingCommand>);
    expect(r).toMatchObject({ code: ResponseCode.SYSTEM_ERROR, remark: 'the custom field <queueId> is not a valid value: "x"' });
    const other = pool.wrap(() => Promise.reject(new Error('bug')));
    await expect(other(req(), channel) as Promise<RemotingCommand>).rejects.toThrow('bug');
  });
});

describe('pull filters', () => {
  function record(props: Record<string, string>): Buffer {
    const text = Object.entries(props).map(([k, v]) => `${k}\u0001${v}`).join('\u0002');
    const buf = Buffer.alloc(512);
    const body = Buffer.from('x');
    const size = encodeRecord(
      buf,
      0,
      {
        topic: 'T',
        queueId: 0,
        flag: 0,
        queueOffset: 0,
        physicalOffset: 0,
        sysFlag: 0,
        bornTimestamp: 1,
        bornHost: '127.0.0.1:1',
        storeTimestamp: 1,
        storeHost: '127.0.0.1:2',
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
        body,
        properties: text,
      },
      1,
      Buffer.byteLength(text),
    );
    return buf.subarray(0, size);
  }

  it('matches tags by hash in the queue and exactly in the record', () => {
    const f = new ExpressionMessageFilter(compileRequestSubscription('T', 'TagA || TagB', 'TAG', 0));
    expect(f.isMatchedByConsumeQueue(javaStringHashCode('TagA'))).toBe(true);
    expect(f.isMatchedByConsumeQueue(javaStringHashCode('TagC'))).toBe(false);
    expect(f.isMatchedByCommitLog(record({ TAGS: 'TagB', KEYS: 'k' }))).toBe(true);
    // Same hash, different tag ("Aa" and "BB" collide in Java's String.hashCode).
    const collide = new ExpressionMessageFilter(compileRequestSubscription('T', 'Aa', 'TAG', 0));
    expect(collide.isMatchedByConsumeQueue(javaStringHashCode('BB'))).toBe(true);
    expect(collide.isMatchedByCommitLog(record({ TAGS: 'BB' }))).toBe(false);
    expect(recordTags(record({ KEYS: 'a', TAGS: 'Aa' }))).toBe('Aa');
    expect(recordTags(record({ KEYS: 'a' }))).toBeUndefined();
    const all = new ExpressionMessageFilter(compileRequestSubscription('T', '*', undefined, 0));
    expect(all.isMatchedByConsumeQueue(12345) && all.isMatchedByCommitLog(record({}))).toBe(true);
  });

  it('evaluates SQL92 on the record properties; a bad expression does not compile', () => {
    const f = new ExpressionMessageFilter(compileRequestSubscription('T', "a > 5 AND b = 'x'", 'SQL92', 0));
    expect(f.isMatchedByConsumeQueue(0)).toBe(true);
    expect(f.isMatchedByCommitLog(record({ a: '6', b: 'x' }))).toBe(true);
    expect(f.isMatchedByCommitLog(record({ a: '5', b: 'x' }))).toBe(false);
    expect(f.isMatchedByCommitLog(record({ b: 'x' }))).toBe(false);
    expect(() => compileRequestSubscription('T', 'a >', 'SQL92', 0)).toThrow();
    expect(() => compileRequestSubscription('T', '', 'SQL92', 0)).toThrow();
    const hb = compileHeartbeatSubscription({ classFilterMode: false, topic: 'T', subString: 'a >', tagsSet: [], codeSet: [], subVersion: 1, expressionType: 'SQL92' });
    expect(hb.sql).toBeUndefined();
  });
});
