import { describe, expect, it } from 'vitest';
import {
  HeaderFieldError,
  LONG_MAX_VALUE,
  ResponseCode,
  RequestCode,
  allHeaderDecoders,
  decodeAnySendMessageRequestHeader,
  decodeCreateTopicRequestHeader,
  decodeEndTransactionRequestHeader,
  decodePullMessageRequestHeader,
  decodeQueryConsumeQueueRequestHeader,
  decodeQueryMessageRequestHeader,
  decodeRegisterBrokerRequestHeader,
  decodeResetOffsetRequestHeader,
  decodeSendMessageRequestHeaderV2,
  encodePullMessageRequestHeader,
  encodeQueryMessageRequestHeader,
  encodeSendMessageRequestHeaderV2,
  encodeSendMessageResponseHeader,
  formatJavaLong,
  javaHashMapOrder,
  parseJavaInt,
  parseJavaLong,
  requestHeaderDecoder,
  sendHeaderFromV2,
  sendHeaderToV2,
} from '@rocketmq-ts/protocol';
import type { SendMessageRequestHeaderV2 } from '@rocketmq-ts/protocol';
import type { FieldSpec, HeaderCodec } from '../src/headers/spec.js';
import { adminHeaderCodecs } from '../src/headers/admin.js';
import { clientHeaderCodecs } from '../src/headers/client.js';
import { namesrvHeaderCodecs } from '../src/headers/namesrv.js';
import { offsetHeaderCodecs } from '../src/headers/offset.js';
import { pullHeaderCodecs } from '../src/headers/pull.js';
import { sendHeaderCodecs } from '../src/headers/send.js';
import { transactionHeaderCodecs } from '../src/headers/transaction.js';

const allCodecs: Array<HeaderCodec<object>> = [
  adminHeaderCodecs,
  clientHeaderCodecs,
  namesrvHeaderCodecs,
  offsetHeaderCodecs,
  pullHeaderCodecs,
  sendHeaderCodecs,
  transactionHeaderCodecs,
].flatMap((group) => Object.values(group) as unknown as Array<HeaderCodec<object>>);

/** Valid wire values for every field, honouring the headers' own checks. */
function sampleFields(codec: { fields: ReadonlyArray<readonly [string, FieldSpec]> }): Record<string, string> {
  const sample: Record<string, string> = {};
  for (const [key, f] of codec.fields) {
    sample[key] = f.type === 'string' ? `v-${key}` : f.type === 'int' ? '7' : f.type === 'long' ? '1700000000123' : 'true';
  }
  if ('topicFilterType' in sample) sample['topicFilterType'] = 'SINGLE_TAG';
  if ('commitOrRollback' in sample) sample['commitOrRollback'] = '8';
  return sample;
}

describe('every header', () => {
  it('covers every request code the NameServer and broker serve', () => {
    const served = [
      100, 101, 102, 103, 104, 105, 205, 216, 217, 219, 224, 322, 327, 10, 11, 12, 14, 15, 17, 29, 30, 31, 32, 33, 35, 36, 37, 38,
      202, 203, 204, 207, 208, 212, 215, 222, 223, 300, 303, 307, 309, 310, 314, 315, 317, 320, 321, 323, 324, 325, 361, 39, 40,
      220, 221, 326,
    ];
    for (const code of served) expect(requestHeaderDecoder(code), `code ${code}`).toBeDefined();
    // These carry no header fields.
    for (const code of [106, 206, 304, 311, 312, 313, 318, 319, 13, 21, 25, 26, 28, 34, 41, 42, 43, 45, 200, 201, 214, 305, 328]) {
      expect(requestHeaderDecoder(code), `code ${code}`).toBeUndefined();
    }
  });

  it.each(allCodecs.map((c) => [c.name, c] as const))('%s decodes, validates and re-encodes', (_name, codec) => {
    const sample = sampleFields(codec);
    const decoded = codec.decode(sample);
    const encoded = codec.encode(decoded);
    expect(encoded).toEqual(sample);
    expect(Object.keys(encoded)).toEqual(javaHashMapOrder(codec.fields.map(([k]) => k)));
    expect(Object.keys(codec.encode(decoded, 'declared'))).toEqual(codec.fields.map(([k]) => k));
    expect(codec.decode(codec.encode(decoded))).toEqual(decoded);

    for (const [key, f] of codec.fields) {
      const without = { ...sample };
      delete without[key];
      if (f.presence === 'required') {
        let err: unknown;
        try {
          codec.decode(without);
        } catch (e) {
          err = e;
        }
        expect(err, `${codec.name}.${key}`).toBeInstanceOf(HeaderFieldError);
        const hfe = err as HeaderFieldError;
        expect(hfe.responseCode).toBe(ResponseCode.SYSTEM_ERROR);
        expect(hfe.remark).toBe(`the custom field <${key}> is null`);
        expect(hfe.field).toBe(key);
        if (f.type === 'int' || f.type === 'long') {
          expect(() => codec.decode({ ...sample, [key]: '12x' })).toThrow(HeaderFieldError);
        }
      } else {
        const back = codec.decode(without) as Record<string, unknown>;
        if (f.presence === 'optional') expect(back[key]).toBeUndefined();
        else expect(back[key]).toBe(f.type === 'boolean' ? false : 0);
      }
    }
  });

  it('lists each header decoder once per code', () => {
    const seen = new Set<string>();
    for (const [code, , dir] of allHeaderDecoders()) {
      const k = `${dir}:${code}`;
      expect(seen.has(k)).toBe(false);
      seen.add(k);
    }
  });
});

describe('value parsing', () => {
  it('parses numbers as Integer.parseInt and Long.parseLong do', () => {
    expect(parseJavaInt('+5')).toBe(5);
    expect(parseJavaInt('-0012')).toBe(-12);
    expect(parseJavaInt('2147483647')).toBe(2147483647);
    expect(parseJavaInt('2147483648')).toBeUndefined();
    expect(parseJavaInt(' 1')).toBeUndefined();
    expect(parseJavaInt('1.0')).toBeUndefined();
    expect(parseJavaInt('')).toBeUndefined();
    expect(parseJavaLong('9223372036854775807')).toBe(LONG_MAX_VALUE);
    expect(parseJavaLong('9223372036854775808')).toBeUndefined();
    expect(formatJavaLong(LONG_MAX_VALUE)).toBe('9223372036854775807');
    expect(formatJavaLong(-(2 ** 63))).toBe('-9223372036854775808');
    expect(formatJavaLong(1700000000000)).toBe('1700000000000');
  });

  it('keeps Long.MAX_VALUE bounds exact through decode and encode', () => {
    const ext = { topic: 'T', key: 'k', maxNum: '32', beginTimestamp: '0', endTimestamp: '9223372036854775807' };
    expect(encodeQueryMessageRequestHeader(decodeQueryMessageRequestHeader(ext))).toEqual(ext);
  });

  it('reads booleans as Boolean.parseBoolean does', () => {
    const h = decodeResetOffsetRequestHeader({ topic: 't', group: 'g', timestamp: '-1', isForce: 'TRUE' });
    expect(h.isForce).toBe(true);
    expect(decodeResetOffsetRequestHeader({ topic: 't', group: 'g', timestamp: '-1', isForce: 'yes' }).isForce).toBe(false);
  });

  it('treats a malformed optional number as absent, as Java does', () => {
    const h = decodeQueryConsumeQueueRequestHeader({ topic: 't', queueId: 'x', index: '5', count: '1' });
    expect(h.queueId).toBe(0);
    expect(h.index).toBe(5);
  });

  it('runs the checks the Java header classes run', () => {
    const create = { topic: 't', defaultTopic: 'TBW102', readQueueNums: '4', writeQueueNums: '4', perm: '6', topicFilterType: 'BAD' };
    expect(() => decodeCreateTopicRequestHeader(create)).toThrow('topicFilterType = [BAD] value invalid');
    expect(decodeCreateTopicRequestHeader({ ...create, topicFilterType: 'MULTI_TAG' }).order).toBe(false);
    const end = { producerGroup: 'p', tranStateTableOffset: '1', commitLogOffset: '2', commitOrRollback: '3', msgId: 'm' };
    expect(() => decodeEndTransactionRequestHeader(end)).toThrow('commitOrRollback field wrong');
    expect(decodeEndTransactionRequestHeader({ ...end, commitOrRollback: '12' }).commitOrRollback).toBe(12);
  });
});

describe('namesrv headers', () => {
  it('reads the 5.x register-broker fields and leaves them absent for a 4.9 broker', () => {
    const base = { brokerName: 'b', brokerAddr: 'a:1', clusterName: 'c', haServerAddr: 'a:2', brokerId: '0' };
    const old = decodeRegisterBrokerRequestHeader(base);
    expect(old.heartbeatTimeoutMillis).toBeUndefined();
    expect(old.enableActingMaster).toBeUndefined();
    const v5 = decodeRegisterBrokerRequestHeader({ ...base, heartbeatTimeoutMillis: '30000', enableActingMaster: 'true' });
    expect(v5.heartbeatTimeoutMillis).toBe(30000);
    expect(v5.enableActingMaster).toBe(true);
  });
});

describe('send headers', () => {
  const v2Ext = {
    a: 'PG',
    b: 'TopicTest',
    c: 'TBW102',
    d: '4',
    e: '1',
    f: '0',
    g: '1700000000000',
    h: '0',
    i: 'TAGS\u0001TagA\u0002WAIT\u0001true\u0002',
    j: '0',
    k: 'false',
    m: 'false',
  };

  it('converts V2 one-letter keys to the full header and back', () => {
    const v2 = decodeSendMessageRequestHeaderV2(v2Ext);
    const v1 = sendHeaderFromV2(v2);
    expect(v1).toEqual({
      producerGroup: 'PG',
      topic: 'TopicTest',
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId: 1,
      sysFlag: 0,
      bornTimestamp: 1700000000000,
      flag: 0,
      properties: 'TAGS\u0001TagA\u0002WAIT\u0001true\u0002',
      reconsumeTimes: 0,
      unitMode: false,
      batch: false,
    });
    expect(sendHeaderToV2(v1)).toEqual(v2);
    expect(encodeSendMessageRequestHeaderV2(sendHeaderToV2(v1))).toEqual(v2Ext);
    expect(decodeAnySendMessageRequestHeader(RequestCode.SEND_MESSAGE_V2, v2Ext)).toEqual(v1);
    expect(decodeAnySendMessageRequestHeader(RequestCode.SEND_BATCH_MESSAGE, v2Ext)).toEqual(v1);
  });

  it('emits the send response in the order a Java broker does', () => {
    const ext = encodeSendMessageResponseHeader({ msgId: 'AC', queueId: 1, queueOffset: 9 });
    expect(Object.keys(ext)).toEqual(['queueId', 'msgId', 'queueOffset']);
    expect(ext).toEqual({ queueId: '1', msgId: 'AC', queueOffset: '9' });
  });

  it('writes pull headers in declaration order for binary frames when asked', () => {
    const h = decodePullMessageRequestHeader({
      consumerGroup: 'g', topic: 't', queueId: '0', queueOffset: '0', maxMsgNums: '32', sysFlag: '6',
      commitOffset: '0', suspendTimeoutMillis: '15000', subscription: '*', subVersion: '1',
    });
    expect(Object.keys(encodePullMessageRequestHeader(h, 'declared'))).toEqual([
      'consumerGroup', 'topic', 'queueId', 'queueOffset', 'maxMsgNums', 'sysFlag', 'commitOffset', 'suspendTimeoutMillis', 'subscription', 'subVersion',
    ]);
  });
});

describe('header encoding order (cached per set of present fields)', () => {
  it('emits Java HashMap order for every subset of optional fields, in any sequence of calls', () => {
    const base = { a: 'PG', b: 'Topic', c: 'TBW102', d: 4, e: 3, f: 0, g: 1795288043157, h: 0, k: false, m: false };
    const optional = { i: 'UNIQ_KEY\u0001X', j: 2, l: 16, n: 'broker-a' } as const;
    const names = Object.keys(optional) as Array<keyof typeof optional>;
    for (let round = 0; round < 2; round++) {
      for (let subset = 0; subset < 1 << names.length; subset++) {
        const header: Record<string, unknown> = { ...base };
        names.forEach((k, bit) => {
          if ((subset & (1 << bit)) !== 0) header[k] = optional[k];
        });
        const declared = encodeSendMessageRequestHeaderV2(header as unknown as SendMessageRequestHeaderV2, 'declared');
        const java = encodeSendMessageRequestHeaderV2(header as unknown as SendMessageRequestHeaderV2);
        expect(Object.keys(java)).toEqual(javaHashMapOrder(Object.keys(declared)));
        expect(Object.keys(declared)).toEqual(Object.keys(declared).slice().sort((x, y) => 'abcdefghijklmn'.indexOf(x) - 'abcdefghijklmn'.indexOf(y)));
        for (const k of Object.keys(declared)) expect(java[k]).toBe(declared[k]);
        expect(java['d']).toBe('4');
        expect(java['k']).toBe('false');
      }
    }
  });
});
