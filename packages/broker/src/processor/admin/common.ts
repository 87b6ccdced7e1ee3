/**
 * What the admin handlers share: the broker surface they need beyond
 * BrokerContext, Java's validateSlave and system-topic checks, and the
 * one-at-a-time lock Java's `synchronized` handlers have.
 */
import { type RemotingCommand, type MessageQueue, ResponseCode, createResponse, isSystemTopic } from '@rocketmq-ts/protocol';
import type { BrokerContext } from '../../context.js';
import type { BrokerStats } from '../../stats/broker-stats.js';
import type { BrokerConfiguration } from './configuration.js';

/**
 * Delayed delivery that can tell its progress: level -> offset delivered in
 * SCHEDULE_TOPIC_XXXX's queue level-1 (ScheduleMessageService.offsetTable).
 * When the broker's DelayDelivery has this method, GET_ALL_DELAY_OFFSET and
 * the runtime info's scheduleMessageOffset_<level> use it; otherwise they
 * read config/delayOffset.json.
 */
export interface DelayOffsetProvider {
  delayOffsets(): ReadonlyMap<number, number>;
}

/** What the admin handlers see of the broker. */
export interface AdminContext extends BrokerContext {
  /** Today's and yesterday's morning totals (BrokerStats). */
  readonly brokerStats: BrokerStats;
  /** UPDATE_BROKER_CONFIG / GET_BROKER_CONFIG. */
  readonly configuration: BrokerConfiguration;
  /** Absolute store paths. */
  readonly storePaths: { readonly root: string; readonly commitLog: string };
  /** Registers with every NameServer (BrokerController.registerBrokerAll); resolves when they answered. */
  registerBrokerAll(checkOrderConfig: boolean, oneway: boolean, forceRegister: boolean): Promise<void>;
}

export const SLAVE_REFUSAL = "Can't modify topic or subscription group from slave broker, please execute it from master broker.";

/** AdminBrokerProcessor.validateSlave: the refusal a slave gives to changes, or undefined on a master. */
export function refuseOnSlave(ctx: AdminContext, request: RemotingCommand): RemotingCommand | undefined {
  return ctx.config.brokerRole === 'SLAVE' ? createResponse(request, ResponseCode.SYSTEM_ERROR, SLAVE_REFUSAL) : undefined;
}

/** TopicValidator.isSystemTopic, with the topics this broker added to the set (its cluster and broker names, trace and reply topics). */
export function isSystemTopicHere(ctx: AdminContext, topic: string): boolean {
  return isSystemTopic(topic) || ctx.topics.systemTopics.has(topic);
}

export function success(request: RemotingCommand, body?: Buffer, fields: Record<string, string> = {}): RemotingCommand {
  return createResponse(request, ResponseCode.SUCCESS, undefined, fields, body);
}

export function queueOf(ctx: AdminContext, topic: string, queueId: number): MessageQueue {
  return { topic, brokerName: ctx.config.brokerName, queueId };
}

/** Runs tasks one at a time, in call order (Java's `synchronized` admin handlers). */
export class SerialLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** MixAll.humanReadableByteCount(bytes, false): "0 B", "1.5 KiB", "3.2 GiB". */
export function humanReadableByteCount(bytes: number): string {
  const unit = 1024;
  if (bytes < unit) return `${bytes} B`;
  const exp = Math.min(6, Math.floor(Math.log(bytes) / Math.log(unit)));
  return `${(bytes / unit ** exp).toFixed(1)} ${'KMGTPE'[exp - 1]}iB`;
}

/** UtilAll.formatDate(date, "yyyy-MM-dd#HH:mm:ss:SSS") in local time. */
export function formatTimeSpanDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}#${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}:${p(d.getMilliseconds(), 3)}`;
}
