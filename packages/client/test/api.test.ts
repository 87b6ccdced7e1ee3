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

  it('has the documented lifecycle, consumer controls and error fields', () => {
    type Client = client.Producer | client.TransactionProducer | client.PushConsumer | client.LitePullConsumer;
    expectTypeOf<Client['start']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Client['shutdown']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Client['clientId']>().toEqualTypeOf<string>();
    expectTypeOf<client.Producer['sendAsync']>().returns.toEqualTypeOf<Promise<SendResult>>();
    expectTypeOf<client.Producer['reply']>().returns.toEqualTypeOf<Promise<SendResult>>();
    expectTypeOf<client.Producer['fetchPublishMessageQueues']>().returns.toEqualTypeOf<Promise<MessageQueue[]>>();
    expectTypeOf<client.SendOptions>().toMatchTypeOf<{ queue?: MessageQueue; selector?: client.MessageQueueSelector; arg?: unknown }>();
    expectTypeOf<{ nameServer: string; group: string; checkLocalTransaction: () => 'COMMIT_MESSAGE' }>().toMatchTypeOf<client.TransactionProducerInit>();
    expectTypeOf<client.LocalTransactionExecutor>().returns.toEqualTypeOf<client.LocalTransactionState | void | Promise<client.LocalTransactionState | void>>();
    expectTypeOf<client.PushConsumer['pause']>().returns.toEqualTypeOf<void>();
    expectTypeOf<client.PushConsumer['resume']>().returns.toEqualTypeOf<void>();
    expectTypeOf<client.PushConsumer['assignment']>().returns.toEqualTypeOf<MessageQueue[]>();
    expectTypeOf<client.PushConsumer['unsubscribe']>().parameters.toEqualTypeOf<[topic: string]>();
    expectTypeOf<client.LitePullConsumer['subscribe']>().parameters.toEqualTypeOf<[topic: string, selector?: MessageSelector]>();
    expectTypeOf<client.LitePullConsumer['assign']>().parameters.toEqualTypeOf<[queues: readonly MessageQueue[], selectors?: Readonly<Record<string, MessageSelector>>]>();
    expectTypeOf<client.LitePullConsumer['seek']>().parameters.toEqualTypeOf<[mq: MessageQueue, offset: number]>();
    expectTypeOf<client.LitePullConsumer['commitSync']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<client.LitePullConsumer['committed']>().returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf<{ type: 'SQL92'; expression: string }>().toMatchTypeOf<MessageSelector>();
    expectTypeOf<'AVG' | 'AVG_BY_CIRCLE' | 'CONSISTENT_HASH'>().toMatchTypeOf<client.AllocateStrategy>();
    expectTypeOf<client.PushConsumerOptions['consumeFromWhere']>().toEqualTypeOf<'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP'>();
    expectTypeOf<client.PushConsumerOptions['messageModel']>().toEqualTypeOf<'CLUSTERING' | 'BROADCASTING'>();
    expectTypeOf<client.RmqError['code']>().toEqualTypeOf<string>();
    expectTypeOf<client.RmqError['retriable']>().toEqualTypeOf<boolean>();
    expectTypeOf<client.RmqError['responseCode']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<client.RmqError['remark']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<client.RmqError>().toMatchTypeOf<Error>();
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
