/**
 * Where a message that must wait is stored instead of its topic: Java 4.9's
 * delay branch of CommitLog.asyncPutMessage (DELAY level -> SCHEDULE_TOPIC_XXXX,
 * queue level-1, REAL_TOPIC/REAL_QID) and 5.x's HookUtils.handleScheduleMessage
 * for timed messages (TIMER_DELIVER_MS / TIMER_DELAY_SEC / TIMER_DELAY_MS ->
 * rmq_sys_wheel_timer queue 0 with TIMER_OUT_MS).
 *
 * Java does this in the store, for every put; here the broker calls it on
 * the puts that can carry these properties: sends, consumer send-backs and
 * transaction commits. Messages of the prepared or rollback type never wait.
 */
import {
  type MessageProperties,
  MessageConst,
  MessageSysFlag,
  PermName,
  ResponseCode,
  SystemTopic,
  getTransactionValue,
  parseJavaInt,
} from '@rocketmq-ts/protocol';
import type { BrokerContext } from '../context.js';

/** The topic timed messages wait in (5.x TimerMessageStore.TIMER_TOPIC); queue 0. */
export const TIMER_TOPIC = `${SystemTopic.SYSTEM_TOPIC_PREFIX}wheel_timer`;

const TIMER_KEYS = [MessageConst.PROPERTY_TIMER_DELIVER_MS, MessageConst.PROPERTY_TIMER_DELAY_SEC, MessageConst.PROPERTY_TIMER_DELAY_MS] as const;

/** A put rerouted to wait: store it here, with these properties. */
export interface WaitRoute {
  readonly topic: string;
  readonly queueId: number;
  readonly properties: MessageProperties;
}

/** The put is refused, with the response code and remark 5.x gives. */
export interface RouteRefusal {
  readonly code: number;
  readonly remark: string;
}

export function isRouteRefusal(r: WaitRoute | RouteRefusal): r is RouteRefusal {
  return (r as RouteRefusal).code !== undefined;
}

/** Long.parseLong, strictly; NaN when the text is not a long. */
function parseJavaLongStrict(s: string): number {
  if (!/^[+-]?\d{1,19}$/.test(s)) return Number.NaN;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : Number.NaN;
}

/** The refusal for a timer property that cannot be honoured (WHEEL_TIMER_MSG_ILLEGAL). */
export function timerIllegal(timerMaxDelaySec: number): RouteRefusal {
  return {
    code: ResponseCode.MESSAGE_ILLEGAL,
    remark:
      `timer message illegal, the delay time should not be bigger than the max delay ${timerMaxDelaySec * 1000}ms; ` +
      'or if set del msg, the delay time should be bigger than the current time',
  };
}

/**
 * Decides where a message of `topic`/`queueId` with these properties goes.
 * Undefined: store it where it was headed. Otherwise the route (the
 * properties edited in place and returned) or a refusal. `props` is changed
 * only when a route is returned or timer keys are dropped.
 */
export function routeWaitingMessage(
  ctx: Pick<BrokerContext, 'config' | 'delayDelivery' | 'topics'>,
  topic: string,
  queueId: number,
  sysFlag: number,
  props: MessageProperties,
  nowMs: number = Date.now(),
): WaitRoute | RouteRefusal | undefined {
  const tranType = getTransactionValue(sysFlag);
  if (tranType !== MessageSysFlag.TRANSACTION_NOT_TYPE && tranType !== MessageSysFlag.TRANSACTION_COMMIT_TYPE) return undefined;
  const delayText = props[MessageConst.PROPERTY_DELAY_TIME_LEVEL];
  const delayLevel = delayText === undefined ? 0 : (parseJavaInt(delayText) ?? 0);
  if (delayLevel > 0) {
    // 5.x: a delay level wins; the timer keys are dropped.
    for (const k of TIMER_KEYS) delete props[k];
    const delivery = ctx.delayDelivery;
    if (delivery === undefined) {
      delete props[MessageConst.PROPERTY_DELAY_TIME_LEVEL];
      return undefined;
    }
    const level = Math.min(delayLevel, delivery.maxDelayLevel);
    props[MessageConst.PROPERTY_DELAY_TIME_LEVEL] = String(level);
    props[MessageConst.PROPERTY_REAL_TOPIC] = topic;
    props[MessageConst.PROPERTY_REAL_QUEUE_ID] = String(queueId);
    return { topic: SystemTopic.RMQ_SYS_SCHEDULE_TOPIC, queueId: level - 1, properties: props };
  }
  // Already timed (a delivered timer message, or one being rolled): never again.
  if (topic === TIMER_TOPIC || props[MessageConst.PROPERTY_TIMER_OUT_MS] !== undefined) return undefined;
  const sec = props[MessageConst.PROPERTY_TIMER_DELAY_SEC];
  const ms = props[MessageConst.PROPERTY_TIMER_DELAY_MS];
  const at = props[MessageConst.PROPERTY_TIMER_DELIVER_MS];
  if (sec === undefined && ms === undefined && at === undefined) return undefined;
  const c = ctx.config;
  if (!c.timerWheelEnable) {
    return { code: ResponseCode.SYSTEM_ERROR, remark: `accurate timer message is not enabled, timerWheelEnable is ${String(c.timerWheelEnable)}` };
  }
  // 5.x reads TIMER_DELAY_SEC first, then TIMER_DELAY_MS, then TIMER_DELIVER_MS.
  const deliverMs =
    sec !== undefined ? nowMs + parseJavaLongStrict(sec) * 1000 : ms !== undefined ? nowMs + parseJavaLongStrict(ms) : parseJavaLongStrict(at as string);
  if (Number.isNaN(deliverMs)) return timerIllegal(c.timerMaxDelaySec);
  // Due already: stored to its topic at once, properties kept (as 5.x).
  if (deliverMs <= nowMs) return undefined;
  if (deliverMs - nowMs > c.timerMaxDelaySec * 1000) return timerIllegal(c.timerMaxDelaySec);
  if (ctx.topics.selectTopicConfig(TIMER_TOPIC) === undefined) {
    ctx.topics.createTopicInSendMessageBackMethod(TIMER_TOPIC, 1, PermName.PERM_READ | PermName.PERM_WRITE, 0);
  }
  props[MessageConst.PROPERTY_TIMER_OUT_MS] = String(deliverMs);
  props[MessageConst.PROPERTY_REAL_TOPIC] = topic;
  props[MessageConst.PROPERTY_REAL_QUEUE_ID] = String(queueId);
  return { topic: TIMER_TOPIC, queueId: 0, properties: props };
}
