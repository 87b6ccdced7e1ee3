/**
 * LOCK_BATCH_MQ (41) and UNLOCK_BATCH_MQ (42): AdminBrokerProcessor's
 * lockBatchMQ/unlockBatchMQ over the {@link RebalanceLockManager}. Orderly
 * consumers lock the queues they were given before pulling them, renew the
 * locks every 20 s, and unlock them when a rebalance takes them away.
 */
import {
  type RemotingCommand,
  ResponseCode,
  createResponse,
  decodeLockBatchRequestBody,
  decodeUnlockBatchRequestBody,
  encodeLockBatchResponseBody,
} from '@rocketmq-ts/protocol';
import type { RebalanceLockManager } from '../rebalance/rebalance-lock-manager.js';

export class LockBatchProcessor {
  constructor(private readonly locks: RebalanceLockManager) {}

  readonly lockBatchMQ = (request: RemotingCommand): RemotingCommand => {
    const body = decodeLockBatchRequestBody(request.body ?? Buffer.alloc(0));
    const lockOKMQSet = this.locks.tryLockBatch(body.consumerGroup, body.mqSet, body.clientId);
    return createResponse(request, ResponseCode.SUCCESS, undefined, {}, encodeLockBatchResponseBody({ lockOKMQSet }));
  };

  readonly unlockBatchMQ = (request: RemotingCommand): RemotingCommand => {
    const body = decodeUnlockBatchRequestBody(request.body ?? Buffer.alloc(0));
    this.locks.unlockBatch(body.consumerGroup, body.mqSet, body.clientId);
    return createResponse(request, ResponseCode.SUCCESS);
  };
}
