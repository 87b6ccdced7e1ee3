export { Producer, TransactionProducer, SendStatus, LocalTransactionState } from './producer.js';
