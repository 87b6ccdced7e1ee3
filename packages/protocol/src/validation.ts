/**
 * Topic and group name rules, with the response code and remark a 4.9 broker
 * answers (TopicValidator) and the messages the 4.9 Java client raises
 * (client Validators) before it sends anything.
 */
import { ResponseCode } from './codes.js';
import { SystemTopic } from './constants.js';

/** Longest topic name a 4.9 broker and client accept. */
export const TOPIC_MAX_LENGTH = 127;
/** Longest group name the 4.9 Java client accepts (Validators.CHARACTER_MAX_LENGTH). */
export const GROUP_MAX_LENGTH = 255;
/** The character rule, as the remarks spell it. */
export const VALID_NAME_PATTERN = '^[%|a-zA-Z0-9_-]+$';

const VALID_NAME = /^[%|a-zA-Z0-9_-]*$/;

/** A rejection: the code and remark the Java broker puts in its response. */
export interface NameRejection {
  readonly code: number;
  readonly remark: string;
}

const SYSTEM_TOPICS: ReadonlySet<string> = new Set([
  SystemTopic.AUTO_CREATE_TOPIC_KEY_TOPIC,
  SystemTopic.RMQ_SYS_SCHEDULE_TOPIC,
  SystemTopic.RMQ_SYS_BENCHMARK_TOPIC,
  SystemTopic.RMQ_SYS_TRANS_HALF_TOPIC,
  SystemTopic.RMQ_SYS_TRACE_TOPIC,
  SystemTopic.RMQ_SYS_TRANS_OP_HALF_TOPIC,
  SystemTopic.RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC,
  SystemTopic.RMQ_SYS_SELF_TEST_TOPIC,
  SystemTopic.RMQ_SYS_OFFSET_MOVED_EVENT,
]);

const NOT_ALLOWED_SEND_TOPICS: ReadonlySet<string> = new Set([
  SystemTopic.RMQ_SYS_SCHEDULE_TOPIC,
  SystemTopic.RMQ_SYS_TRANS_HALF_TOPIC,
  SystemTopic.RMQ_SYS_TRANS_OP_HALF_TOPIC,
  SystemTopic.RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC,
  SystemTopic.RMQ_SYS_SELF_TEST_TOPIC,
  SystemTopic.RMQ_SYS_OFFSET_MOVED_EVENT,
]);

/** Java's UtilAll.isBlank: absent, empty, or only whitespace. */
export function isBlank(s: string | undefined | null): boolean {
  return s === undefined || s === null || s.trim().length === 0;
}

/** True when the name has a character outside `[%|a-zA-Z0-9_-]`. */
export function isTopicOrGroupIllegal(name: string): boolean {
  return !VALID_NAME.test(name);
}

/**
 * The broker's topic check (TopicValidator.validateTopic), used for
 * UPDATE_AND_CREATE_TOPIC, DELETE_TOPIC_IN_BROKER and every send.
 * Undefined when the name is fine. The checks run in the Java order: blank,
 * characters, length.
 */
export function validateTopic(topic: string | undefined): NameRejection | undefined {
  if (topic === undefined || isBlank(topic)) {
    return { code: ResponseCode.SYSTEM_ERROR, remark: 'The specified topic is blank.' };
  }
  if (isTopicOrGroupIllegal(topic)) {
    return {
      code: ResponseCode.SYSTEM_ERROR,
      remark: `The specified topic contains illegal characters, allowing only ${VALID_NAME_PATTERN}`,
    };
  }
  if (topic.length > TOPIC_MAX_LENGTH) {
    return { code: ResponseCode.SYSTEM_ERROR, remark: 'The specified topic is longer than topic max length.' };
  }
  return undefined;
}

/** The system topics of TopicValidator, and every `rmq_sys_` topic. */
export function isSystemTopic(topic: string): boolean {
  return SYSTEM_TOPICS.has(topic) || topic.startsWith(SystemTopic.SYSTEM_TOPIC_PREFIX);
}

/** The broker refuses to create or delete a system topic by admin request. */
export function checkNotSystemTopic(topic: string): NameRejection | undefined {
  return isSystemTopic(topic)
    ? { code: ResponseCode.SYSTEM_ERROR, remark: `The topic[${topic}] is conflict with system topic.` }
    : undefined;
}

export function isNotAllowedSendTopic(topic: string): boolean {
  return NOT_ALLOWED_SEND_TOPICS.has(topic);
}

/** The broker refuses producer sends to internal topics. */
export function checkSendAllowed(topic: string): NameRejection | undefined {
  return isNotAllowedSendTopic(topic)
    ? { code: ResponseCode.NO_PERMISSION, remark: `Sending message to topic[${topic}] is forbidden.` }
    : undefined;
}

/**
 * The 4.9 Java client's group check (Validators.checkGroup); the broker
 * itself does not check group names. Returns the client's message, or
 * undefined when the name is fine.
 */
export function validateGroup(group: string | undefined): string | undefined {
  if (group === undefined || isBlank(group)) return 'the specified group is blank';
  if (group.length > GROUP_MAX_LENGTH) return `the specified group is longer than group max length ${GROUP_MAX_LENGTH}.`;
  if (isTopicOrGroupIllegal(group)) {
    return `the specified group[${group}] contains illegal characters, allowing only ${VALID_NAME_PATTERN}`;
  }
  return undefined;
}
