/**
 * Transactional messages (Java's TransactionalMessageServiceImpl,
 * TransactionalMessageBridge, DefaultTransactionalMessageCheckListener and
 * TransactionalMessageCheckService, in one place).
 *
 *   prepare   the half message goes to RMQ_SYS_TRANS_HALF_TOPIC queue 0 with
 *             REAL_TOPIC/REAL_QID and the transaction bits cleared, so no
 *             consumer of the real topic sees it.
 *   end       END_TRANSACTION (processor/end-transaction.ts) commits (a copy
 *             to the real topic) or rolls back; either way an op message
 *             tagged "d" whose body is the half message's queue offset goes
 *             to RMQ_SYS_TRANS_OP_HALF_TOPIC (same queue id).
 *   check     every transactionCheckInterval, the half queue is walked from
 *             the CID_RMQ_SYS_TRANS offset: ops mark offsets done; a half
 *             message older than transactionTimeOut (or its
 *             CHECK_IMMUNITY_TIME_IN_SECONDS) with no op is appended to the
 *             half queue again with TRANSACTION_CHECK_TIMES + 1, and the
 *             producer group gets CHECK_TRANSACTION_STATE (oneway) about the
 *             new copy; after transactionCheckMax checks it is moved to
 *             TRANS_CHECK_MAX_TIME_TOPIC with an error log line.
 *
 * Everything durable is in the store and in consumerOffset.json (the half
 * and op offsets of CID_RMQ_SYS_TRANS), so a restart loses no pending
 * transaction: the next round checks it.
 */
import { type Logger, errorMessage } from '@rocketmq-ts/common';
import {
  type MessageProperties,
  type StoredMessage,
  MessageConst,
  MessageSysFlag,
  MixAll,
  PermName,
  SystemTopic,
  decodeRecord,
  encodeCheckTransactionStateRequestHeader,
  encodeProperties,
  encodeRecord,
  measureRecord,
  parseJavaInt,
  parseJavaLong,
  resetTransactionValue,
} from '@rocketmq-ts/protocol';
import { GetMessageStatus, type PutMessageRequest, type PutMessageResult, PutMessageStatus } from '@rocketmq-ts/store';
import type { BrokerContext, TransactionService } from '../context.js';
import { copyProperties, reputRequest } from '../inner-message.js';
import { appendProperties } from '../processor/send-properties.js';

export const HALF_TOPIC = SystemTopic.RMQ_SYS_TRANS_HALF_TOPIC;
export const OP_TOPIC = SystemTopic.RMQ_SYS_TRANS_OP_HALF_TOPIC;
export const CHECK_MAX_TIME_TOPIC = SystemTopic.RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC;
/** TransactionalMessageUtil.buildConsumerGroup(): whose offsets track the half and op queues. */
export const TRANS_GROUP = MixAll.CID_SYS_RMQ_TRANS;
/** TransactionalMessageUtil.REMOVETAG. */
export const REMOVE_TAG = 'd';
/** A check round gives up on a queue after this long (MAX_PROCESS_TIME_LIMIT). */
const MAX_PROCESS_TIME_LIMIT_MS = 60_000;
/** Ops read per pull (Java's 32). */
const OP_PULL_NUMS = 32;
const READ_WRITE = PermName.PERM_READ | PermName.PERM_WRITE;

/** The half message's copy that a check is about. */
interface PutBack {
  readonly queueOffset: number;
  readonly commitLogOffset: number;
  readonly msgId: string;
}

/** PullResult as the bridge reads it. */
interface OpPull {
  readonly status: 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';
  readonly nextBeginOffset: number;
  readonly messages: StoredMessage[] | undefined;
}

function pullStatus(s: GetMessageStatus): OpPull['status'] {
  switch (s) {
    case GetMessageStatus.FOUND:
      return 'FOUND';
    case GetMessageStatus.NO_MATCHED_MESSAGE:
      return 'NO_MATCHED_MSG';
    case GetMessageStatus.NO_MESSAGE_IN_QUEUE:
    case GetMessageStatus.OFFSET_OVERFLOW_ONE:
      return 'NO_NEW_MSG';
    default:
      return 'OFFSET_ILLEGAL';
  }
}

export interface TransactionalMessageServiceStats {
  /** CHECK_TRANSACTION_STATE requests sent. */
  checksSent: number;
  /** Half messages given up after transactionCheckMax checks or fileReservedTime. */
  discarded: number;
  /** Check rounds run. */
  rounds: number;
}

export class TransactionalMessageService implements TransactionService {
  private readonly ctx: BrokerContext;
  private readonly log: Logger;
  private started = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  readonly stats: TransactionalMessageServiceStats = { checksSent: 0, discarded: 0, rounds: 0 };

  constructor(ctx: BrokerContext, logger: Logger) {
    this.ctx = ctx;
    this.log = logger.child({ component: 'transaction' });
  }

  // ---------------------------------------------------------------------------
  // Half and op messages

  /** parseHalfMessageInner + putHalfMessage. */
  prepareMessage(msg: PutMessageRequest): Promise<PutMessageResult> {
    const props = typeof msg.properties === 'string' ? msg.properties : (msg.properties?.toString('utf8') ?? '');
    return this.ctx.store.putMessage({
      ...msg,
      topic: HALF_TOPIC,
      queueId: 0,
      sysFlag: resetTransactionValue(msg.sysFlag ?? 0, MessageSysFlag.TRANSACTION_NOT_TYPE),
      properties: appendProperties(props, [
        [MessageConst.PROPERTY_REAL_TOPIC, msg.topic],
        [MessageConst.PROPERTY_REAL_QUEUE_ID, String(msg.queueId)],
      ]),
    });
  }

  /** The half message END_TRANSACTION names; undefined when there is none at that offset. */
  async halfMessageByOffset(commitLogOffset: number): Promise<StoredMessage | undefined> {
    try {
      return await this.ctx.store.lookMessageByOffset(commitLogOffset);
    } catch {
      return undefined;
    }
  }

  /** deletePrepareMessage: the op message ("d", body = the half message's queue offset). */
  async deletePrepareMessage(half: StoredMessage): Promise<boolean> {
    const ctx = this.ctx;
    const props = Object.create(null) as MessageProperties;
    props[MessageConst.PROPERTY_TAGS] = REMOVE_TAG;
    // Java's op message is built with `new Message(topic, "d", body)`, whose WAIT=true is what its properties string holds.
    props[MessageConst.PROPERTY_WAIT_STORE_MSG_OK] = 'true';
    const r = await ctx.store.putMessage({
      topic: OP_TOPIC,
      queueId: half.queueId,
      body: Buffer.from(String(half.queueOffset), 'utf8'),
      flag: 0,
      sysFlag: 0,
      properties: encodeProperties(props),
      bornTimestamp: Date.now(),
      bornHost: ctx.storeHost,
      storeHost: ctx.storeHost,
      waitStoreMsgOK: false,
    });
    if (r.status === PutMessageStatus.PUT_OK) return true;
    this.log.error({ msgId: half.offsetMsgId, queueId: half.queueId, status: r.status }, 'Transaction op message write failed');
    return false;
  }

  // ---------------------------------------------------------------------------
  // Check service

  /** Runs a check round every transactionCheckInterval (masters only, as Java). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    this.schedule();
  }

  async shutdown(): Promise<void> {
    this.started = false;
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
  }

  private schedule(): void {
    if (!this.started) return;
    const t = setTimeout(() => {
      this.timer = undefined;
      this.round = this.check().finally(() => this.schedule());
    }, this.ctx.config.transactionCheckInterval);
    t.unref();
    this.timer = t;
  }

  /** One check round over every half queue (TransactionalMessageServiceImpl.check). */
  async check(): Promise<void> {
    const c = this.ctx.config;
    const begin = Date.now();
    this.stats.rounds++;
    this.log.debug({ begin }, 'Begin to check prepare message');
    try {
      let tc = this.ctx.topics.selectTopicConfig(HALF_TOPIC);
      if (tc === undefined) tc = this.ctx.topics.createTopicInSendMessageBackMethod(HALF_TOPIC, 1, READ_WRITE, 0);
      for (let q = 0; q < tc.readQueueNums; q++) {
        if (this.stopped) break;
        await this.checkQueue(q, c.transactionTimeOut, c.transactionCheckMax);
      }
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'Check error');
    }
    this.log.debug({ tookMs: Date.now() - begin }, 'End to check prepare message');
  }

  private fetchConsumeOffset(topic: string, queueId: number): number {
    const o = this.ctx.offsets.queryOffset(TRANS_GROUP, topic, queueId);
    return o === -1 ? this.ctx.store.getMinOffsetInQueue(topic, queueId) : o;
  }

  private updateConsumeOffset(topic: string, queueId: number, offset: number): void {
    this.ctx.offsets.commitOffset(this.ctx.storeHost, TRANS_GROUP, topic, queueId, offset);
  }

  private async checkQueue(queueId: number, transactionTimeout: number, transactionCheckMax: number): Promise<void> {
    const startTime = Date.now();
    const halfOffset = this.fetchConsumeOffset(HALF_TOPIC, queueId);
    const opOffset = this.fetchConsumeOffset(OP_TOPIC, queueId);
    this.log.debug({ queueId, halfOffset, opOffset }, 'Before check');
    if (halfOffset < 0 || opOffset < 0) {
      this.log.error({ queueId, halfOffset, opOffset }, 'illegal offset read; skipping this queue');
      return;
    }
    const doneOpOffset: number[] = [];
    const removeMap = new Map<number, number>();
    let pull = await this.fillOpRemoveMap(removeMap, queueId, opOffset, halfOffset, doneOpOffset);
    let getMessageNullCount = 1;
    let newOffset = halfOffset;
    let i = halfOffset;
    while (!this.stopped) {
      if (Date.now() - startTime > MAX_PROCESS_TIME_LIMIT_MS) {
        this.log.info({ queueId, limitMs: MAX_PROCESS_TIME_LIMIT_MS }, 'check of the half queue took too long; continuing next round');
        break;
      }
      const removedOp = removeMap.get(i);
      if (removedOp !== undefined) {
        removeMap.delete(i);
        doneOpOffset.push(removedOp);
      } else {
        const got = await this.getHalfMessage(queueId, i);
        const msg = got.message;
        if (msg === undefined) {
          if (getMessageNullCount++ > 1) break;
          if (got.status === 'NO_NEW_MSG') break;
          this.log.info({ queueId, offset: i, next: got.nextBeginOffset }, 'Illegal offset in the half queue');
          i = got.nextBeginOffset;
          newOffset = i;
          continue;
        }
        const props = copyProperties(msg.properties);
        if (this.needDiscard(props, transactionCheckMax) || this.needSkip(msg)) {
          await this.resolveDiscardMsg(msg);
          newOffset = i + 1;
          i++;
          continue;
        }
        if (msg.storeTimestamp >= startTime) break; // stored during this round: next round
        const valueOfCurrentMinusBorn = Date.now() - msg.bornTimestamp;
        let checkImmunityTime = transactionTimeout;
        const immunity = props[MessageConst.PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS];
        if (immunity !== undefined) {
          checkImmunityTime = this.getImmunityTime(immunity, transactionTimeout);
          if (valueOfCurrentMinusBorn < checkImmunityTime && (await this.checkPrepareQueueOffset(removeMap, doneOpOffset, msg, props))) {
            newOffset = i + 1;
            i++;
            continue;
          }
        } else if (valueOfCurrentMinusBorn >= 0 && valueOfCurrentMinusBorn < checkImmunityTime) {
          break; // too young to check; everything after it is younger
        }
        const ops = pull.messages;
        const lastOp = ops?.[ops.length - 1];
        const isNeedCheck =
          (ops === undefined && valueOfCurrentMinusBorn > checkImmunityTime) ||
          (lastOp !== undefined && lastOp.bornTimestamp - startTime > transactionTimeout) ||
          valueOfCurrentMinusBorn <= -1;
        if (isNeedCheck) {
          const back = await this.putBackHalfMsgQueue(msg, props);
          if (back === undefined) continue; // Java retries the same offset (bounded by the time limit)
          this.resolveHalfMsg(msg, props, back);
        } else {
          // More ops may still name this offset.
          pull = await this.fillOpRemoveMap(removeMap, queueId, pull.nextBeginOffset, halfOffset, doneOpOffset);
          continue;
        }
      }
      newOffset = i + 1;
      i++;
    }
    if (newOffset !== halfOffset) this.updateConsumeOffset(HALF_TOPIC, queueId, newOffset);
    const newOpOffset = this.calculateOpOffset(doneOpOffset, opOffset);
    if (newOpOffset !== opOffset) this.updateConsumeOffset(OP_TOPIC, queueId, newOpOffset);
  }

  /** Reads ops from `pullOffsetOfOp`: removeMap gets half offset -> op offset, doneOpOffset the ops below `miniOffset`. */
  private async fillOpRemoveMap(
    removeMap: Map<number, number>,
    queueId: number,
    pullOffsetOfOp: number,
    miniOffset: number,
    doneOpOffset: number[],
  ): Promise<OpPull> {
    const r = await this.ctx.store.getMessage(TRANS_GROUP, OP_TOPIC, queueId, pullOffsetOfOp, OP_PULL_NUMS);
    const status = pullStatus(r.status);
    if (status === 'OFFSET_ILLEGAL' || status === 'NO_MATCHED_MSG') {
      this.log.warn({ queueId, offset: pullOffsetOfOp, status: r.status }, 'The miss op offset is illegal');
      this.updateConsumeOffset(OP_TOPIC, queueId, r.nextBeginOffset);
      return { status, nextBeginOffset: r.nextBeginOffset, messages: undefined };
    }
    if (status === 'NO_NEW_MSG') return { status, nextBeginOffset: r.nextBeginOffset, messages: undefined };
    const messages = r.messages.map((b) => decodeRecord(b));
    for (const op of messages) {
      const halfQueueOffset = parseJavaLong(op.body?.toString('utf8') ?? '') ?? -1;
      if (op.properties[MessageConst.PROPERTY_TAGS] === REMOVE_TAG) {
        if (halfQueueOffset < miniOffset) doneOpOffset.push(op.queueOffset);
        else removeMap.set(halfQueueOffset, op.queueOffset);
      } else {
        this.log.error({ opQueueOffset: op.queueOffset, tags: op.properties[MessageConst.PROPERTY_TAGS] }, 'Found an illegal tag in an op message');
      }
    }
    return { status, nextBeginOffset: r.nextBeginOffset, messages };
  }

  private async getHalfMessage(queueId: number, offset: number): Promise<{ message: StoredMessage | undefined; status: OpPull['status']; nextBeginOffset: number }> {
    const r = await this.ctx.store.getMessage(TRANS_GROUP, HALF_TOPIC, queueId, offset, 1);
    const first = r.messages[0];
    return { message: first === undefined ? undefined : decodeRecord(first), status: pullStatus(r.status), nextBeginOffset: r.nextBeginOffset };
  }

  /** TRANSACTION_CHECK_TIMES reached transactionCheckMax; otherwise it is counted up (in `props`). */
  private needDiscard(props: MessageProperties, transactionCheckMax: number): boolean {
    const times = props[MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES];
    let checkTime = 1;
    if (times !== undefined) {
      checkTime = parseJavaInt(times) ?? -1;
      if (checkTime >= transactionCheckMax) return true;
      checkTime++;
    }
    props[MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES] = String(checkTime);
    return false;
  }

  /** Older than the CommitLog keeps files: give up on it. */
  private needSkip(msg: StoredMessage): boolean {
    const age = Date.now() - msg.bornTimestamp;
    if (age > this.ctx.config.fileReservedTime * 3600 * 1000) {
      this.log.info({ msgId: msg.offsetMsgId, bornTimestamp: msg.bornTimestamp }, 'Half message exceed file reserved time, so skip it');
      return true;
    }
    return false;
  }

  private getImmunityTime(text: string, transactionTimeout: number): number {
    const v = parseJavaLong(text) ?? -1;
    return v === -1 ? transactionTimeout : v * 1000;
  }

  /** For a message still immune: done if its original's op was read, else put back (once more) with TRAN_PREPARED_QUEUE_OFFSET. */
  private async checkPrepareQueueOffset(removeMap: Map<number, number>, doneOpOffset: number[], msg: StoredMessage, props: MessageProperties): Promise<boolean> {
    const text = props[MessageConst.PROPERTY_TRANSACTION_PREPARED_QUEUE_OFFSET];
    if (text === undefined) return this.putImmunityMsgBackToHalfQueue(msg, props);
    const prepareQueueOffset = parseJavaLong(text) ?? -1;
    if (prepareQueueOffset === -1) return false;
    const op = removeMap.get(prepareQueueOffset);
    if (op !== undefined) {
      removeMap.delete(prepareQueueOffset);
      doneOpOffset.push(op);
      return true;
    }
    return this.putImmunityMsgBackToHalfQueue(msg, props);
  }

  private async putImmunityMsgBackToHalfQueue(msg: StoredMessage, props: MessageProperties): Promise<boolean> {
    const p = copyProperties(props);
    if (p[MessageConst.PROPERTY_TRANSACTION_PREPARED_QUEUE_OFFSET] === undefined) {
      p[MessageConst.PROPERTY_TRANSACTION_PREPARED_QUEUE_OFFSET] = String(msg.queueOffset);
    }
    const r = await this.ctx.store.putMessage(this.renewHalfMessage(msg, p));
    if (r.status === PutMessageStatus.PUT_OK) return true;
    this.log.error({ msgId: msg.offsetMsgId, status: r.status }, 'putting an immune half message back failed');
    return false;
  }

  /** renewHalfMessageInner: the same half message, appended to its queue again. */
  private renewHalfMessage(msg: StoredMessage, props: MessageProperties): PutMessageRequest {
    return reputRequest(msg, msg.topic, msg.queueId, props, { reconsumeTimes: 0 });
  }

  private async putBackHalfMsgQueue(msg: StoredMessage, props: MessageProperties): Promise<PutBack | undefined> {
    try {
      const r = await this.ctx.store.putMessage(this.renewHalfMessage(msg, props));
      if (r.status === PutMessageStatus.PUT_OK) return { queueOffset: r.queueOffset, commitLogOffset: r.wroteOffset, msgId: r.msgId };
      this.log.error({ topic: msg.topic, queueId: msg.queueId, msgId: msg.offsetMsgId, status: r.status }, 'PutBackToHalfQueueReturnResult write failed');
    } catch (err) {
      this.log.warn({ msgId: msg.offsetMsgId, err: errorMessage(err) }, 'PutBackToHalfQueueReturnResult error');
    }
    return undefined;
  }

  /** sendCheckMessage: CHECK_TRANSACTION_STATE, oneway, to a live producer of the group, about the copy just appended. */
  private resolveHalfMsg(msg: StoredMessage, props: MessageProperties, back: PutBack): void {
    const uniqKey = props[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
    const group = props[MessageConst.PROPERTY_PRODUCER_GROUP] ?? '';
    const channel = this.ctx.producers.getAvailableChannel(group);
    if (channel === undefined) {
      this.log.warn({ groupId: group, msgId: uniqKey }, 'Check transaction failed, channel is null');
      return;
    }
    const header = encodeCheckTransactionStateRequestHeader({
      tranStateTableOffset: back.queueOffset,
      commitLogOffset: back.commitLogOffset,
      ...(uniqKey === undefined ? {} : { msgId: uniqKey, transactionId: uniqKey }),
      offsetMsgId: back.msgId,
    });
    const realQueueId = parseJavaInt(props[MessageConst.PROPERTY_REAL_QUEUE_ID] ?? '') ?? 0;
    const input = {
      topic: props[MessageConst.PROPERTY_REAL_TOPIC] ?? msg.topic,
      queueId: realQueueId,
      flag: msg.flag,
      queueOffset: back.queueOffset,
      physicalOffset: back.commitLogOffset,
      sysFlag: msg.sysFlag,
      bornTimestamp: msg.bornTimestamp,
      bornHost: msg.bornHost,
      storeTimestamp: msg.storeTimestamp,
      storeHost: msg.storeHost,
      reconsumeTimes: msg.reconsumeTimes,
      preparedTransactionOffset: msg.preparedTransactionOffset,
      body: msg.body,
      properties: encodeProperties(props),
    };
    const body = Buffer.alloc(measureRecord(input));
    encodeRecord(body, 0, input);
    this.stats.checksSent++;
    this.ctx.broker2Client.checkProducerTransactionState(group, channel, header, body);
  }

  /** DefaultTransactionalMessageCheckListener.resolveDiscardMsg: to TRANS_CHECK_MAX_TIME_TOPIC, with an error line. */
  private async resolveDiscardMsg(msg: StoredMessage): Promise<void> {
    this.stats.discarded++;
    const props = msg.properties;
    this.log.error(
      {
        msgId: props[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX],
        offsetMsgId: msg.offsetMsgId,
        realTopic: props[MessageConst.PROPERTY_REAL_TOPIC],
        checkTimes: props[MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES],
        producerGroup: props[MessageConst.PROPERTY_PRODUCER_GROUP],
      },
      'half message has been checked too many times, so discard it by moving it to system topic TRANS_CHECK_MAX_TIME_TOPIC',
    );
    try {
      this.ctx.topics.createTopicInSendMessageBackMethod(CHECK_MAX_TIME_TOPIC, 1, READ_WRITE, 0);
      const r = await this.ctx.store.putMessage(reputRequest(msg, CHECK_MAX_TIME_TOPIC, 0, copyProperties(props)));
      if (r.status !== PutMessageStatus.PUT_OK) {
        this.log.error({ msgId: msg.offsetMsgId, status: r.status }, 'Put checked-too-many-time half message to TRANS_CHECK_MAX_TIME_TOPIC failed');
      }
    } catch (err) {
      this.log.warn({ msgId: msg.offsetMsgId, err: errorMessage(err) }, 'Put checked-too-many-time message to TRANS_CHECK_MAX_TIME_TOPIC error');
    }
  }

  /** The op offset moves past the ops done, as long as they are contiguous. */
  private calculateOpOffset(doneOffset: number[], oldOffset: number): number {
    doneOffset.sort((a, b) => a - b);
    let newOffset = oldOffset;
    for (const o of doneOffset) {
      if (o === newOffset) newOffset++;
      else break;
    }
    return newOffset;
  }
}
