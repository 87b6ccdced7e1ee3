/**
 * The broker's message-type features, wired in one place so the Broker
 * needs only a few calls: delayed delivery by level, timed messages,
 * transactions (half/op messages, END_TRANSACTION, the check service),
 * request-reply, queue locks for orderly consumers. (GET_ALL_DELAY_OFFSET
 * and scheduleMessageOffset_<level> are the admin processor's; they read
 * ScheduleMessageService.delayOffsets().)
 *
 * Delivery and transaction checks run on masters only, as in Java; a slave
 * still loads delayOffset.json so it can answer GET_ALL_DELAY_OFFSET. A
 * delayDelivery given to the Broker (a test seam) replaces the built-in one,
 * which then does not deliver.
 */
import type { Logger } from '@rocketmq-ts/common';
import { RequestCode, SystemTopic } from '@rocketmq-ts/protocol';
import type { RequestHandler } from '@rocketmq-ts/remoting';
import type { BrokerConfigFiles, MessageArrivalEvent } from '@rocketmq-ts/store';
import type { BrokerContext } from './context.js';
import { EndTransactionProcessor } from './processor/end-transaction.js';
import { LockBatchProcessor } from './processor/lock.js';
import { ReplyMessageProcessor } from './processor/reply.js';
import { resumeCheckHalfMessageHandler } from './processor/resume-check-half.js';
import type { SendMessageProcessor } from './processor/send.js';
import { RebalanceLockManager } from './rebalance/rebalance-lock-manager.js';
import type { RequestPool } from './request-pool.js';
import { TIMER_TOPIC } from './schedule/route.js';
import { type QueueUnitReader, ScheduleMessageService } from './schedule/schedule-message-service.js';
import { TimerMessageService } from './timer/timer-message-service.js';
import { TransactionalMessageService } from './transaction/transactional-message-service.js';

export interface BrokerFeaturesDeps {
  readonly files: BrokerConfigFiles;
  /** Raw ConsumeQueue units (the delay levels read delivery times from them). */
  readonly readUnits: QueueUnitReader;
  readonly logger: Logger;
}

/** Registers a handler for a request code on a pool (Broker.registerProcessors' helper). */
export type RegisterProcessor = (code: number, pool: RequestPool, handler: RequestHandler, rejectRequest?: () => boolean) => void;

export interface FeaturePools {
  readonly endTransaction: RequestPool;
  readonly reply: RequestPool;
  readonly admin: RequestPool;
}

export class BrokerFeatures {
  readonly schedule: ScheduleMessageService;
  readonly timer: TimerMessageService;
  readonly transactions: TransactionalMessageService;
  readonly locks: RebalanceLockManager;
  private readonly ctx: BrokerContext;
  private readonly log: Logger;
  private delivering = false;

  constructor(ctx: BrokerContext, deps: BrokerFeaturesDeps) {
    this.ctx = ctx;
    this.log = deps.logger;
    const c = ctx.config;
    this.schedule = new ScheduleMessageService({
      store: () => ctx.store,
      readUnits: deps.readUnits,
      files: deps.files,
      messageDelayLevel: c.messageDelayLevel,
      flushDelayOffsetInterval: c.flushDelayOffsetInterval,
      logger: deps.logger,
    });
    this.timer = new TimerMessageService({
      store: () => ctx.store,
      configDir: deps.files.dir,
      flushIntervalMs: c.timerFlushIntervalMs,
      logger: deps.logger,
    });
    this.transactions = new TransactionalMessageService(ctx, deps.logger);
    this.locks = new RebalanceLockManager(c.rebalanceLockMaxLiveTime, deps.logger);
  }

  /** Once the store runs: load delay offsets; on a master, start delivering and checking. */
  async start(): Promise<void> {
    const ownDelay = this.ctx.delayDelivery === this.schedule;
    if (ownDelay) await this.schedule.load();
    if (this.ctx.config.brokerRole === 'SLAVE') return;
    if (ownDelay) this.schedule.start();
    await this.timer.start();
    this.transactions.start();
    this.delivering = true;
    this.log.info({ delayLevels: this.schedule.maxDelayLevel }, 'delayed, timed and transactional message services started');
  }

  /** Before the store stops: no more puts from the services; offsets and checkpoints written. */
  async shutdown(): Promise<void> {
    this.delivering = false;
    await Promise.all([this.transactions.shutdown(), this.timer.shutdown(), this.schedule.shutdown()]);
  }

  /** The store's arrival event: wakes delivery when a delayed or timed message is dispatched. */
  onArrival(e: MessageArrivalEvent): void {
    if (!this.delivering) return;
    const t = e.topic;
    if (t === SystemTopic.RMQ_SYS_SCHEDULE_TOPIC) this.schedule.onArrival(e.queueId);
    else if (t === TIMER_TOPIC) this.timer.onArrival();
  }

  registerProcessors(add: RegisterProcessor, pools: FeaturePools, send: SendMessageProcessor, storeBusy: () => boolean): void {
    const end = new EndTransactionProcessor(this.ctx, this.transactions, this.log);
    add(RequestCode.END_TRANSACTION, pools.endTransaction, end.processRequest);
    add(RequestCode.RESUME_CHECK_HALF_MESSAGE, pools.admin, resumeCheckHalfMessageHandler(this.ctx, this.log));
    const reply = new ReplyMessageProcessor(this.ctx, send, this.log);
    add(RequestCode.SEND_REPLY_MESSAGE, pools.reply, reply.processRequest, storeBusy);
    add(RequestCode.SEND_REPLY_MESSAGE_V2, pools.reply, reply.processRequest, storeBusy);
    const lock = new LockBatchProcessor(this.locks);
    add(RequestCode.LOCK_BATCH_MQ, pools.admin, lock.lockBatchMQ);
    add(RequestCode.UNLOCK_BATCH_MQ, pools.admin, lock.unlockBatchMQ);
  }

  /** GET_BROKER_RUNTIME_INFO's keys of these features (scheduleMessageOffset_<level> comes from the admin side, via delayOffsets()). */
  buildRunningStats(out: Record<string, string>): void {
    this.timer.buildRunningStats(out);
  }
}
