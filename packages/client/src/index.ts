// Public surface of @rocketmq-ts/client. Every export is listed by name.
export { Producer, TransactionProducer, SendStatus, LocalTransactionState } from './producer.js';
export type {
  SendResult,
  SendOptions,
  MessageQueueSelector,
  TransactionSendResult,
  TransactionMessage,
  TransactionChecker,
  LocalTransactionExecutor,
  TransactionProducerInit,
} from './producer.js';
export { PushConsumer, ConsumeConcurrentlyStatus, ConsumeOrderlyStatus } from './push-consumer.js';
export type { MessageListener, ConsumeContext, ConsumeResult } from './push-consumer.js';
export { LitePullConsumer } from './lite-pull-consumer.js';
export type { Message, ReceivedMessage } from './message.js';
export type { MessageSelector } from './filter.js';
export type { MessageQueue } from '@rocketmq-ts/protocol';
export {
  MessageModel,
  ConsumeFromWhere,
  defaultProducerOptions,
  defaultPushConsumerOptions,
  defaultLitePullConsumerOptions,
  parseProducerOptions,
  parsePushConsumerOptions,
  parseLitePullConsumerOptions,
} from './options.js';
export type {
  ClientOptions,
  ConsumerOptions,
  ProducerOptions,
  PushConsumerOptions,
  LitePullConsumerOptions,
  ProducerInit,
  PushConsumerInit,
  LitePullConsumerInit,
  HeaderEncoding,
} from './options.js';
export {
  allocateAveragely,
  allocateAveragelyByCircle,
  allocateConsistentHash,
} from './allocate.js';
export type { AllocateStrategy, AllocateStrategyObject } from './allocate.js';
export { isRetriableResponseCode } from './errors.js';
export { RmqError, ErrorCode, silentLogger } from '@rocketmq-ts/common';
export type { Logger } from '@rocketmq-ts/common';
