import { describe, expect, it } from 'vitest';
import { RmqError } from '@rocketmq-ts/common';
import {
  defaultProducerOptions,
  defaultPushConsumerOptions,
  instanceNameAtStart,
  parseConsumeTimestamp,
  parseLitePullConsumerOptions,
  parseProducerOptions,
  parsePushConsumerOptions,
} from '../src/options.js';

const base = { nameServer: '127.0.0.1:9876', group: 'g1' };

function configError(fn: () => unknown): RmqError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RmqError);
    expect((err as RmqError).code).toBe('RMQ_ERR_CONFIG');
    return err as RmqError;
  }
  throw new Error('expected a CONFIG error');
}

describe('option parsing', () => {
  it('fills Java defaults', () => {
    const p = parseProducerOptions(base);
    expect(p).toMatchObject({
      sendMsgTimeout: 3000,
      compressMsgBodyOverHowmuch: 4096,
      retryTimesWhenSendFailed: 2,
      retryTimesWhenSendAsyncFailed: 2,
      maxMessageSize: 4 * 1024 * 1024,
      sendLatencyFaultEnable: false,
      createTopicKey: 'TBW102',
      defaultTopicQueueNums: 4,
      pollNameServerInterval: 30000,
      heartbeatBrokerInterval: 30000,
      instanceName: 'DEFAULT',
    });
    expect(p.nameServer).toEqual(['127.0.0.1:9876']);
    const c = parsePushConsumerOptions(base);
    expect(c).toMatchObject({
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      consumeThreadMax: 20,
      pullBatchSize: 32,
      pullThresholdForQueue: 1000,
      pullThresholdSizeForQueue: 100,
      consumeConcurrentlyMaxSpan: 2000,
      brokerSuspendMaxTimeMillis: 15000,
      consumerTimeoutMillisWhenSuspend: 30000,
      maxReconsumeTimes: -1,
      persistConsumerOffsetInterval: 5000,
      rebalanceInterval: 20000,
    });
    const l = parseLitePullConsumerOptions(base);
    expect(l).toMatchObject({ pullBatchSize: 10, autoCommit: true, autoCommitIntervalMillis: 5000, pollTimeoutMillis: 5000, brokerSuspendMaxTimeMillis: 20000 });
    expect(defaultProducerOptions().latencyMax).toEqual([50, 100, 550, 1000, 2000, 3000, 15000]);
    expect(defaultPushConsumerOptions().consumeTimeout).toBe(15);
  });

  it('replaces only the "DEFAULT" instanceName by pid#nanotime, a new one each time (Java 4.9.4+)', () => {
    const a = instanceNameAtStart('DEFAULT');
    const b = instanceNameAtStart('DEFAULT');
    expect(a).toMatch(new RegExp(`^${process.pid}#\\d+$`));
    expect(b).not.toBe(a);
    expect(instanceNameAtStart('mine')).toBe('mine');
  });

  it('splits the NameServer list on ;', () => {
    expect(parseProducerOptions({ ...base, nameServer: '127.0.0.1:1; 127.0.0.1:2;' }).nameServer).toEqual(['127.0.0.1:1', '127.0.0.1:2']);
  });

  it('names the bad, unknown or missing key', () => {
    expect(configError(() => parseProducerOptions({ ...base, retryTimesWhenSendFailed: -1 })).message).toContain('"retryTimesWhenSendFailed"');
    expect(configError(() => parseProducerOptions({ ...base, retryTimes: 1 })).message).toContain('unknown producer option "retryTimes"');
    expect(configError(() => parseProducerOptions({ nameServer: '127.0.0.1:1' })).message).toContain('"group" is required');
    expect(configError(() => parseProducerOptions({ ...base, nameServer: 'nohost' })).message).toContain('"nameServer"');
    expect(configError(() => parseProducerOptions({ ...base, group: 'bad group!' })).message).toContain('illegal characters');
    expect(configError(() => parseProducerOptions({ ...base, group: 'DEFAULT_PRODUCER' })).message).toContain('reserved');
    expect(configError(() => parsePushConsumerOptions({ ...base, messageModel: 'FANOUT' })).message).toContain('"messageModel"');
    expect(configError(() => parsePushConsumerOptions({ ...base, logger: {} })).message).toContain('"logger"');
    expect(configError(() => parsePushConsumerOptions({ ...base, consumerTimeoutMillisWhenSuspend: 1000 })).message).toContain('consumerTimeoutMillisWhenSuspend');
    expect(configError(() => parsePushConsumerOptions({ ...base, allocateMessageQueueStrategy: 'RANDOM' })).message).toContain('allocateMessageQueueStrategy');
    expect(configError(() => parseProducerOptions({ ...base, latencyMax: [1, 2] })).message).toContain('same length');
  });

  it('parses consumeTimestamp as Java yyyyMMddHHmmss (local time), a Date or epoch ms', () => {
    expect(parseConsumeTimestamp('20240131235959')).toBe(new Date(2024, 0, 31, 23, 59, 59).getTime());
    expect(parseConsumeTimestamp(new Date(5))).toBe(5);
    expect(parseConsumeTimestamp(1234)).toBe(1234);
    configError(() => parseConsumeTimestamp('20240231000000'));
    expect(parsePushConsumerOptions({ ...base, consumeTimestamp: '20200101000000' }).consumeTimestamp).toBe(new Date(2020, 0, 1).getTime());
  });
});
