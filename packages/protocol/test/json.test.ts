import { describe, expect, it } from 'vitest';
import { JsonDialectError, parseRmqJson, stringifyRmqJson } from '@rocketmq-ts/protocol';

describe('RocketMQ JSON dialect', () => {
  it('parses unquoted numeric map keys as fastjson writes brokerAddrs', () => {
    const text =
      '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"queueDatas":[]}';
    expect(parseRmqJson(text)).toEqual({
      brokerDatas: [{ brokerAddrs: { '0': '127.0.0.1:10911', '1': '127.0.0.1:10921' }, brokerName: 'broker-a', cluster: 'DefaultCluster' }],
      queueDatas: [],
    });
  });

  it('parses object keys into a Map and writes them back the same way', () => {
    const text = '{"consumeTps":0.0,"offsetTable":{{"brokerName":"a","queueId":0,"topic":"t"}:{"brokerOffset":5,"consumerOffset":3,"lastTimestamp":0}}}';
    const v = parseRmqJson(text) as Record<string, unknown>;
    const table = v['offsetTable'];
    expect(table).toBeInstanceOf(Map);
    const [key, val] = [...(table as Map<unknown, unknown>)][0] ?? [];
    expect(key).toEqual({ brokerName: 'a', queueId: 0, topic: 't' });
    expect(val).toEqual({ brokerOffset: 5, consumerOffset: 3, lastTimestamp: 0 });
    expect(stringifyRmqJson({ offsetTable: table })).toBe(
      '{"offsetTable":{{"brokerName":"a","queueId":0,"topic":"t"}:{"brokerOffset":5,"consumerOffset":3,"lastTimestamp":0}}}',
    );
  });

  it('writes plain objects as standard JSON and skips undefined', () => {
    const out = stringifyRmqJson({ a: 1, b: undefined, c: 'x\u0001y', d: [1, undefined], e: new Map([[0, 'addr']]) });
    expect(out).toBe('{"a":1,"c":"x\\u0001y","d":[1,null],"e":{0:"addr"}}');
    expect(() => JSON.parse(stringifyRmqJson({ a: { '0': 'x' } }))).not.toThrow();
  });

  it('rejects garbage with a positioned error', () => {
    for (const bad of ['{', '{"a":}', '{a b}', '[1,,2]', '{"a":1} x', '']) {
      expect(() => parseRmqJson(bad)).toThrow(JsonDialectError);
    }
  });
});

describe('RocketMQ JSON dialect and hostile keys', () => {
  it('keeps "__proto__" as a data key in the lenient parser', () => {
    const v = parseRmqJson('{0:"a","__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['0', '__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });
});
