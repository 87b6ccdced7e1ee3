/**
 * The public surface of @rocketmq-ts/client: the exact list of runtime
 * exports, and the types users write against (checked by `tsc` in
 * `npm run typecheck:tests`, which `npm test` runs).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as client from '@rocketmq-ts/client';
import type {
  ConsumeContext,
  ConsumeResult,
  LitePullConsumerInit,
  Message,
  MessageQueue,
  MessageSelector,
  ProducerInit,
  PushConsumerInit,
  ReceivedMessage,
  SendResult,
  TransactionSendResult,
} from '@rocketmq-ts/client';

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(client).sort()).toEqual(
      [
        'ConsumeConcurrentlyStatus',
        'ConsumeFromWhere',
        'ConsumeOrderlyStatus',
        'ErrorCode',
        'LitePullConsumer',
        'LocalTransactionState',
        'MessageModel',
        'Producer',
        'PushConsumer',
        'RmqError',
        'SendStatus',
        'TransactionProducer',
        'allocateAveragely',
        'allocateAveragelyByCircle',
        'allocateConsistentHash',
        'defaultLitePullConsumerOptions',
        'defaultProducerOptions',
        'defaultPushConsumerOptions',
        'isRetriableResponseCode',
        'parseLitePullConsumerOptions',
        'parseProducerOptions',
        'parsePushConsumerOptions',
        'silentLogger',
      ].sort(),
    );
  });

  it('has the documented shapes', () => {
    expectTypeOf<client.Producer['send']>().parameters.toEqualTypeOf<[message: Message, options?: client.SendOptions]>();
    expectTypeOf<client.Producer['send']>().returns.toEqualTypeOf<Promise<SendResult>>();
    expectTypeOf<client.Producer['sendBatch']>().returns.toEqualTypeOf<Promise<SendResult>>();
    expectTypeOf<client.Producer['sendOneway']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<client.Producer['request']>().returns.toEqualTypeOf<Promise<ReceivedMessage>>();
    expectTypeOf<client.TransactionProducer['sendMessageInTransaction']>().returns.toEqualTypeOf<Promise<TransactionSendResult>>();
    expectTypeOf<SendResult['sendStatus']>().toEqualTypeOf<'SEND_OK' | 'FLUSH_DISK_TIMEOUT' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE'>();
    expectTypeOf<SendResult['messageQueue']>().toEqualTypeOf<MessageQueue>();
    expectTypeOf<client.PushConsumer['subscribe']>().parameters.toEqualTypeOf<[topic: string, selector: MessageSelector | undefined, listener: client.MessageListener]>();
    expectTypeOf<client.MessageListener>().parameters.toEqualTypeOf<[message: ReceivedMessage, context: ConsumeContext]>();
    expectTypeOf<client.MessageListener>().returns.toEqualTypeOf<ConsumeResult | Promise<ConsumeResult>>();
    expectTypeOf<client.LitePullConsumer['poll']>().returns.toEqualTypeOf<Promise<ReceivedMessage[]>>();
    expectTypeOf<client.LitePullConsumer>().toMatchTypeOf<AsyncIterable<ReceivedMessage>>();
    expectTypeOf<ProducerInit>().toMatchTypeOf<{ nameServer: string | readonly string[]; group: string }>();
    expectTypeOf<{ nameServer: string; group: string }>().toMatchTypeOf<ProducerInit>();
    expectTypeOf<{ nameServer: string; group: string }>().toMatchTypeOf<PushConsumerInit>();
    expectTypeOf<{ nameServer: string; group: string; autoCommit: boolean }>().toMatchTypeOf<LitePullConsumerInit>();
    expectTypeOf<{ topic: string; body: string; tags: string; keys: string[]; properties: { x: string } }>().toMatchTypeOf<Message>();
    expectTypeOf<ReceivedMessage['body']>().toEqualTypeOf<Buffer>();
  });

  it('constructs without connecting and validates options eagerly', () => {
    const p = new client.Producer({ nameServer: '127.0.0.1:9876', group: 'pg' });
    expect(p.options.retryTimesWhenSendFailed).toBe(2);
    expect(() => new client.PushConsumer({ nameServer: '127.0.0.1:9876', group: 'cg', pullBatchSize: 0 })).toThrow(client.RmqError);
    const c = new client.PushConsumer({ nameServer: '127.0.0.1:9876', group: 'cg' });
    c.subscribe('T', 'A || B', async () => undefined);
    expect(c.options.messageModel).toBe(client.MessageModel.CLUSTERING);
  });
});
