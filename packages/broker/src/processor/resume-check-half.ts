/**
 * RESUME_CHECK_HALF_MESSAGE (323): AdminBrokerProcessor.resumeCheckHalfMessage.
 * An operator gives back a half message the check service gave up on: the
 * message named by its offset msgId (normally in TRANS_CHECK_MAX_TIME_TOPIC)
 * is appended to RMQ_SYS_TRANS_HALF_TOPIC queue 0 with
 * TRANSACTION_CHECK_TIMES=0, so the producer is asked about it again.
 */
import { type Logger, errorMessage } from '@rocketmq-ts/common';
import {
  type RemotingCommand,
  MessageConst,
  ResponseCode,
  createResponse,
  decodeOffsetMsgId,
  decodeResumeCheckHalfMessageRequestHeader,
} from '@rocketmq-ts/protocol';
import { PutMessageStatus } from '@rocketmq-ts/store';
import type { BrokerContext } from '../context.js';
import { copyProperties, reputRequest } from '../inner-message.js';
import { HALF_TOPIC } from '../transaction/transactional-message-service.js';

export function resumeCheckHalfMessageHandler(ctx: BrokerContext, logger: Logger): (request: RemotingCommand) => Promise<RemotingCommand> {
  const log = logger.child({ component: 'transaction' });
  return async (request) => {
    const h = decodeResumeCheckHalfMessageRequestHeader(request.extFields);
    try {
      const { offset } = decodeOffsetMsgId(h.msgId ?? '');
      const msg = await ctx.store.lookMessageByOffset(offset);
      if (msg === undefined) throw new Error(`no message at ${offset}`);
      const props = copyProperties(msg.properties);
      props[MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES] = '0';
      const r = await ctx.store.putMessage(reputRequest(msg, HALF_TOPIC, 0, props));
      if (r.status === PutMessageStatus.PUT_OK) {
        log.info({ realTopic: props[MessageConst.PROPERTY_REAL_TOPIC] }, 'Put message back to RMQ_SYS_TRANS_HALF_TOPIC');
        return createResponse(request, ResponseCode.SUCCESS);
      }
      log.error({ status: r.status }, 'Put message back to RMQ_SYS_TRANS_HALF_TOPIC failed.');
      return createResponse(request, ResponseCode.SYSTEM_ERROR, 'Put message back to RMQ_SYS_TRANS_HALF_TOPIC failed.');
    } catch (err) {
      log.error({ msgId: h.msgId, err: errorMessage(err) }, 'Exception was thrown when putting message back to RMQ_SYS_TRANS_HALF_TOPIC.');
      return createResponse(request, ResponseCode.SYSTEM_ERROR, 'Exception was thrown when putting message back to RMQ_SYS_TRANS_HALF_TOPIC.');
    }
  };
}
