/**
 * END_TRANSACTION (37): EndTransactionProcessor.java. The producer (oneway,
 * after its local transaction or when answering a check) commits or rolls
 * back a half message it names by CommitLog offset and half-queue offset.
 *
 *   commit    the half message is copied to REAL_TOPIC/REAL_QID with the
 *             commit bits and PREPAREDTRANSACTIONOFFSET = the half message's
 *             CommitLog offset, without REAL_TOPIC, REAL_QID and TRAN_MSG;
 *             once stored, the op message marks the half message done.
 *   rollback  only the op message.
 *   unknown   (commitOrRollback 0) nothing; no answer, as Java.
 *
 * Java builds the commit's properties string before it removes REAL_TOPIC,
 * REAL_QID and TRAN_MSG from the map, so a Java broker stores them anyway;
 * here they are really removed.
 */
import type { Logger } from '@rocketmq-ts/common';
import {
  type EndTransactionRequestHeader,
  type RemotingCommand,
  type StoredMessage,
  MessageConst,
  MessageSysFlag,
  ResponseCode,
  createResponse,
  decodeEndTransactionRequestHeader,
  parseJavaInt,
  resetTransactionValue,
} from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import { PutMessageStatus } from '@rocketmq-ts/store';
import type { BrokerContext } from '../context.js';
import { copyProperties, isStored, reputRequest } from '../inner-message.js';
import { isRouteRefusal, routeWaitingMessage } from '../schedule/route.js';
import { HALF_TOPIC, type TransactionalMessageService } from '../transaction/transactional-message-service.js';

/** sendFinalMessage's answers for a store status. */
function finalAnswer(status: PutMessageStatus, maxMessageSize: number): { code: number; remark: string | undefined } {
  switch (status) {
    case PutMessageStatus.PUT_OK:
    case PutMessageStatus.FLUSH_DISK_TIMEOUT:
    case PutMessageStatus.FLUSH_SLAVE_TIMEOUT:
    case PutMessageStatus.SLAVE_NOT_AVAILABLE:
      return { code: ResponseCode.SUCCESS, remark: undefined };
    case PutMessageStatus.CREATE_MAPEDFILE_FAILED:
      return { code: ResponseCode.SYSTEM_ERROR, remark: 'Create mapped file failed.' };
    case PutMessageStatus.MESSAGE_ILLEGAL:
    case PutMessageStatus.PROPERTIES_SIZE_EXCEEDED:
      return {
        code: ResponseCode.MESSAGE_ILLEGAL,
        remark: `The message is illegal, maybe msg body or properties length not matched. msg body length limit ${maxMessageSize}B, msg properties length limit 32KB.`,
      };
    case PutMessageStatus.SERVICE_NOT_AVAILABLE:
      return { code: ResponseCode.SERVICE_NOT_AVAILABLE, remark: 'Service not available now.' };
    case PutMessageStatus.OS_PAGECACHE_BUSY:
      return { code: ResponseCode.SYSTEM_ERROR, remark: 'OS page cache busy, please try another machine' };
    case PutMessageStatus.UNKNOWN_ERROR:
      return { code: ResponseCode.SYSTEM_ERROR, remark: 'UNKNOWN_ERROR' };
    default:
      return { code: ResponseCode.SYSTEM_ERROR, remark: 'UNKNOWN_ERROR DEFAULT' };
  }
}

export class EndTransactionProcessor {
  private readonly ctx: BrokerContext;
  private readonly service: TransactionalMessageService;
  private readonly log: Logger;

  constructor(ctx: BrokerContext, service: TransactionalMessageService, logger: Logger) {
    this.ctx = ctx;
    this.service = service;
    this.log = logger.child({ component: 'end-transaction' });
  }

  readonly processRequest = async (request: RemotingCommand, channel: Channel): Promise<RemotingCommand | undefined> => {
    const h = decodeEndTransactionRequestHeader(request.extFields);
    if (this.ctx.config.brokerRole === 'SLAVE') {
      this.log.warn('Message store is slave mode, so end transaction is forbidden.');
      return createResponse(request, ResponseCode.SLAVE_NOT_AVAILABLE);
    }
    const from = h.fromTransactionCheck === true ? 'Check producer transaction state' : 'The producer end transaction in sending message';
    const where = { producer: channel.remoteAddress, header: h, remark: request.remark };
    switch (h.commitOrRollback) {
      case MessageSysFlag.TRANSACTION_NOT_TYPE:
        this.log.warn(where, `${from}, and it's pending status.`);
        return undefined;
      case MessageSysFlag.TRANSACTION_COMMIT_TYPE:
        if (h.fromTransactionCheck === true) this.log.warn(where, `${from}, the producer commit the message.`);
        return this.commit(request, h);
      case MessageSysFlag.TRANSACTION_ROLLBACK_TYPE:
        this.log.warn(where, `${from}, rollback the message.`);
        return this.rollback(request, h);
      default:
        return undefined;
    }
  };

  private async commit(request: RemotingCommand, h: EndTransactionRequestHeader): Promise<RemotingCommand> {
    const half = await this.service.halfMessageByOffset(h.commitLogOffset);
    const refused = this.checkPrepareMessage(half, h);
    if (refused !== undefined || half === undefined) return createResponse(request, ResponseCode.SYSTEM_ERROR, refused ?? 'Find prepared transaction message failed');
    const props = copyProperties(half.properties);
    const realTopic = props[MessageConst.PROPERTY_REAL_TOPIC] as string;
    const realQueueId = parseJavaInt(props[MessageConst.PROPERTY_REAL_QUEUE_ID] ?? '') ?? 0;
    delete props[MessageConst.PROPERTY_REAL_TOPIC];
    delete props[MessageConst.PROPERTY_REAL_QUEUE_ID];
    delete props[MessageConst.PROPERTY_TRANSACTION_PREPARED];
    const sysFlag = resetTransactionValue(half.sysFlag, MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    let topic = realTopic;
    let queueId = realQueueId;
    // A committed message is a normal put to Java's CommitLog: a delay level or timer applies to it.
    const route = routeWaitingMessage(this.ctx, topic, queueId, sysFlag, props);
    if (route !== undefined) {
      if (isRouteRefusal(route)) return createResponse(request, route.code, route.remark);
      topic = route.topic;
      queueId = route.queueId;
    }
    const put = reputRequest(half, topic, queueId, props, { sysFlag, preparedTransactionOffset: h.commitLogOffset });
    const r = await this.ctx.store.putMessage(put);
    const a = finalAnswer(r.status, this.ctx.config.maxMessageSize);
    if (isStored(r.status)) await this.service.deletePrepareMessage(half);
    return createResponse(request, a.code, a.remark);
  }

  private async rollback(request: RemotingCommand, h: EndTransactionRequestHeader): Promise<RemotingCommand> {
    const half = await this.service.halfMessageByOffset(h.commitLogOffset);
    const refused = this.checkPrepareMessage(half, h);
    if (refused !== undefined || half === undefined) return createResponse(request, ResponseCode.SYSTEM_ERROR, refused ?? 'Find prepared transaction message failed');
    await this.service.deletePrepareMessage(half);
    return createResponse(request, ResponseCode.SUCCESS);
  }

  /** checkPrepareMessage: the remark refusing the request, or undefined when the half message matches it. */
  private checkPrepareMessage(half: StoredMessage | undefined, h: EndTransactionRequestHeader): string | undefined {
    // Java would take any message at that offset; only a half message can be ended here.
    if (half === undefined || half.topic !== HALF_TOPIC || half.properties[MessageConst.PROPERTY_REAL_TOPIC] === undefined) {
      return 'Find prepared transaction message failed';
    }
    if (half.properties[MessageConst.PROPERTY_PRODUCER_GROUP] !== h.producerGroup) return 'The producer group wrong';
    if (half.queueOffset !== h.tranStateTableOffset) return 'The transaction state table offset wrong';
    if (half.commitLogOffset !== h.commitLogOffset) return 'The commit log offset wrong';
    return undefined;
  }
}
