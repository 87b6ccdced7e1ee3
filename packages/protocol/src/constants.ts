/**
 * Constants every component shares, named and numbered as in Apache RocketMQ
 * 4.9.x (common/.../constant/PermName, sysflag/*, filter/ExpressionType,
 * MixAll, topic/TopicValidator, message/MessageConst). Keys marked 5.x come
 * from the 5.x MessageConst; a 4.9 broker neither writes nor reads them.
 */

/** Topic and queue permissions (PermName). */
export const PermName = {
  PERM_PRIORITY: 0x1 << 3,
  PERM_READ: 0x1 << 2,
  PERM_WRITE: 0x1 << 1,
  PERM_INHERIT: 0x1,
} as const;

export function isReadable(perm: number): boolean {
  return (perm & PermName.PERM_READ) === PermName.PERM_READ;
}

export function isWriteable(perm: number): boolean {
  return (perm & PermName.PERM_WRITE) === PermName.PERM_WRITE;
}

export function isInherited(perm: number): boolean {
  return (perm & PermName.PERM_INHERIT) === PermName.PERM_INHERIT;
}

/** "RWX" with dashes for missing bits, as mqadmin prints it (PermName.perm2String). */
export function perm2String(perm: number): string {
  return (isReadable(perm) ? 'R' : '-') + (isWriteable(perm) ? 'W' : '-') + (isInherited(perm) ? 'X' : '-');
}

/** Bits of a message's sysFlag (MessageSysFlag). */
export const MessageSysFlag = {
  COMPRESSED_FLAG: 0x1,
  MULTI_TAGS_FLAG: 0x1 << 1,
  TRANSACTION_NOT_TYPE: 0,
  TRANSACTION_PREPARED_TYPE: 0x1 << 2,
  TRANSACTION_COMMIT_TYPE: 0x2 << 2,
  TRANSACTION_ROLLBACK_TYPE: 0x3 << 2,
  BORNHOST_V6_FLAG: 0x1 << 4,
  STOREHOSTADDRESS_V6_FLAG: 0x1 << 5,
  NEED_UNWRAP_FLAG: 0x1 << 6,
  INNER_BATCH_FLAG: 0x1 << 7,
  COMPRESSION_LZ4_TYPE: 0x1 << 8,
  COMPRESSION_ZSTD_TYPE: 0x2 << 8,
  COMPRESSION_ZLIB_TYPE: 0x3 << 8,
  COMPRESSION_TYPE_COMPARATOR: 0x7 << 8,
} as const;

/** The transaction bits of a sysFlag (0, PREPARED, COMMIT or ROLLBACK). */
export function getTransactionValue(sysFlag: number): number {
  return sysFlag & MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;
}

export function resetTransactionValue(sysFlag: number, type: number): number {
  return (sysFlag & ~MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) | type;
}

/** Bits of PULL_MESSAGE's sysFlag (PullSysFlag). */
export const PullSysFlag = {
  FLAG_COMMIT_OFFSET: 0x1,
  FLAG_SUSPEND: 0x1 << 1,
  FLAG_SUBSCRIPTION: 0x1 << 2,
  FLAG_CLASS_FILTER: 0x1 << 3,
  FLAG_LITE_PULL_MESSAGE: 0x1 << 4,
} as const;

export function buildPullSysFlag(
  commitOffset: boolean,
  suspend: boolean,
  subscription: boolean,
  classFilter: boolean,
  litePull = false,
): number {
  return (
    (commitOffset ? PullSysFlag.FLAG_COMMIT_OFFSET : 0) |
    (suspend ? PullSysFlag.FLAG_SUSPEND : 0) |
    (subscription ? PullSysFlag.FLAG_SUBSCRIPTION : 0) |
    (classFilter ? PullSysFlag.FLAG_CLASS_FILTER : 0) |
    (litePull ? PullSysFlag.FLAG_LITE_PULL_MESSAGE : 0)
  );
}

/** Bits of a topic's topicSysFlag (TopicSysFlag). */
export const TopicSysFlag = {
  FLAG_UNIT: 0x1,
  FLAG_UNIT_SUB: 0x1 << 1,
} as const;

/** Bits of a subscription's sysFlag (SubscriptionSysFlag). */
export const SubscriptionSysFlag = {
  FLAG_UNIT: 0x1,
} as const;

/** Filter expression types (ExpressionType). */
export const ExpressionType = {
  SQL92: 'SQL92',
  TAG: 'TAG',
} as const;
export type ExpressionType = (typeof ExpressionType)[keyof typeof ExpressionType];

/** Null, empty and "TAG" all mean tag filtering (ExpressionType.isTagType). */
export function isTagType(type: string | undefined | null): boolean {
  return type === undefined || type === null || type === '' || type === ExpressionType.TAG;
}

/** The subscription expression that matches every tag (SubscriptionData.SUB_ALL). */
export const SUB_ALL = '*';

/** System topic names (TopicValidator). */
export const SystemTopic = {
  AUTO_CREATE_TOPIC_KEY_TOPIC: 'TBW102',
  RMQ_SYS_SCHEDULE_TOPIC: 'SCHEDULE_TOPIC_XXXX',
  RMQ_SYS_BENCHMARK_TOPIC: 'BenchmarkTest',
  RMQ_SYS_TRANS_HALF_TOPIC: 'RMQ_SYS_TRANS_HALF_TOPIC',
  RMQ_SYS_TRACE_TOPIC: 'RMQ_SYS_TRACE_TOPIC',
  RMQ_SYS_TRANS_OP_HALF_TOPIC: 'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC: 'TRANS_CHECK_MAX_TIME_TOPIC',
  RMQ_SYS_SELF_TEST_TOPIC: 'SELF_TEST_TOPIC',
  RMQ_SYS_OFFSET_MOVED_EVENT: 'OFFSET_MOVED_EVENT',
  /** Every topic starting with this is a system topic. */
  SYSTEM_TOPIC_PREFIX: 'rmq_sys_',
} as const;

/** Names and prefixes from MixAll. */
export const MixAll = {
  DEFAULT_PRODUCER_GROUP: 'DEFAULT_PRODUCER',
  DEFAULT_CONSUMER_GROUP: 'DEFAULT_CONSUMER',
  TOOLS_CONSUMER_GROUP: 'TOOLS_CONSUMER',
  SCHEDULE_CONSUMER_GROUP: 'SCHEDULE_CONSUMER',
  FILTERSRV_CONSUMER_GROUP: 'FILTERSRV_CONSUMER',
  MONITOR_CONSUMER_GROUP: '__MONITOR_CONSUMER',
  CLIENT_INNER_PRODUCER_GROUP: 'CLIENT_INNER_PRODUCER',
  SELF_TEST_PRODUCER_GROUP: 'SELF_TEST_P_GROUP',
  SELF_TEST_CONSUMER_GROUP: 'SELF_TEST_C_GROUP',
  ONS_HTTP_PROXY_GROUP: 'CID_ONS-HTTP-PROXY',
  CID_ONSAPI_PERMISSION_GROUP: 'CID_ONSAPI_PERMISSION',
  CID_ONSAPI_OWNER_GROUP: 'CID_ONSAPI_OWNER',
  CID_ONSAPI_PULL_GROUP: 'CID_ONSAPI_PULL',
  CID_RMQ_SYS_PREFIX: 'CID_RMQ_SYS_',
  CID_SYS_RMQ_TRANS: 'CID_RMQ_SYS_TRANS',
  RETRY_GROUP_TOPIC_PREFIX: '%RETRY%',
  DLQ_GROUP_TOPIC_PREFIX: '%DLQ%',
  LMQ_PREFIX: '%LMQ%',
  REPLY_TOPIC_POSTFIX: 'REPLY_TOPIC',
  UNIQUE_MSG_QUERY_FLAG: '_UNIQUE_KEY_QUERY',
  DEFAULT_TRACE_REGION_ID: 'DefaultRegion',
  REPLY_MESSAGE_FLAG: 'reply',
  MULTI_DISPATCH_QUEUE_SPLITTER: ',',
  MASTER_ID: 0,
} as const;

export function getRetryTopic(consumerGroup: string): string {
  return MixAll.RETRY_GROUP_TOPIC_PREFIX + consumerGroup;
}

export function getDLQTopic(consumerGroup: string): string {
  return MixAll.DLQ_GROUP_TOPIC_PREFIX + consumerGroup;
}

export function isRetryTopic(topic: string): boolean {
  return topic.startsWith(MixAll.RETRY_GROUP_TOPIC_PREFIX);
}

export function isDLQTopic(topic: string): boolean {
  return topic.startsWith(MixAll.DLQ_GROUP_TOPIC_PREFIX);
}

export function isLmqTopic(topic: string): boolean {
  return topic.startsWith(MixAll.LMQ_PREFIX);
}

/** `${clusterName}_REPLY_TOPIC`, the topic request-reply answers travel on. */
export function getReplyTopic(clusterName: string): string {
  return `${clusterName}_${MixAll.REPLY_TOPIC_POSTFIX}`;
}

/** Message property keys (MessageConst), with their exact wire strings. */
export const MessageConst = {
  PROPERTY_KEYS: 'KEYS',
  PROPERTY_TAGS: 'TAGS',
  PROPERTY_WAIT_STORE_MSG_OK: 'WAIT',
  PROPERTY_DELAY_TIME_LEVEL: 'DELAY',
  PROPERTY_RETRY_TOPIC: 'RETRY_TOPIC',
  PROPERTY_REAL_TOPIC: 'REAL_TOPIC',
  PROPERTY_REAL_QUEUE_ID: 'REAL_QID',
  PROPERTY_TRANSACTION_PREPARED: 'TRAN_MSG',
  PROPERTY_PRODUCER_GROUP: 'PGROUP',
  PROPERTY_MIN_OFFSET: 'MIN_OFFSET',
  PROPERTY_MAX_OFFSET: 'MAX_OFFSET',
  PROPERTY_BUYER_ID: 'BUYER_ID',
  PROPERTY_ORIGIN_MESSAGE_ID: 'ORIGIN_MESSAGE_ID',
  PROPERTY_TRANSFER_FLAG: 'TRANSFER_FLAG',
  PROPERTY_CORRECTION_FLAG: 'CORRECTION_FLAG',
  PROPERTY_MQ2_FLAG: 'MQ2_FLAG',
  PROPERTY_RECONSUME_TIME: 'RECONSUME_TIME',
  PROPERTY_MSG_REGION: 'MSG_REGION',
  PROPERTY_TRACE_SWITCH: 'TRACE_ON',
  PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX: 'UNIQ_KEY',
  PROPERTY_MAX_RECONSUME_TIMES: 'MAX_RECONSUME_TIMES',
  PROPERTY_CONSUME_START_TIMESTAMP: 'CONSUME_START_TIME',
  PROPERTY_TRANSACTION_PREPARED_QUEUE_OFFSET: 'TRAN_PREPARED_QUEUE_OFFSET',
  PROPERTY_TRANSACTION_CHECK_TIMES: 'TRANSACTION_CHECK_TIMES',
  PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS: 'CHECK_IMMUNITY_TIME_IN_SECONDS',
  PROPERTY_INSTANCE_ID: 'INSTANCE_ID',
  PROPERTY_CORRELATION_ID: 'CORRELATION_ID',
  PROPERTY_MESSAGE_REPLY_TO_CLIENT: 'REPLY_TO_CLIENT',
  PROPERTY_MESSAGE_TTL: 'TTL',
  PROPERTY_REPLY_MESSAGE_ARRIVE_TIME: 'ARRIVE_TIME',
  PROPERTY_PUSH_REPLY_TIME: 'PUSH_REPLY_TIME',
  PROPERTY_CLUSTER: 'CLUSTER',
  /** Note the string: MSG_TYPE, not MESSAGE_TYPE. */
  PROPERTY_MESSAGE_TYPE: 'MSG_TYPE',
  PROPERTY_INNER_MULTI_DISPATCH: 'INNER_MULTI_DISPATCH',
  PROPERTY_INNER_MULTI_QUEUE_OFFSET: 'INNER_MULTI_QUEUE_OFFSET',
  /**
   * Set by the 4.9 Java producer as a literal user property after a
   * transactional send (DefaultMQProducerImpl); a named constant only in 5.x.
   */
  PROPERTY_TRANSACTION_ID: '__transactionId__',
  // 5.x only.
  PROPERTY_SHARDING_KEY: '__SHARDINGKEY',
  PROPERTY_CRC32: '__CRC32#',
  PROPERTY_BORN_HOST: '__BORNHOST',
  PROPERTY_BORN_TIMESTAMP: 'BORN_TIMESTAMP',
  PROPERTY_DLQ_ORIGIN_TOPIC: 'DLQ_ORIGIN_TOPIC',
  PROPERTY_DLQ_ORIGIN_MESSAGE_ID: 'DLQ_ORIGIN_MESSAGE_ID',
  PROPERTY_EXTEND_UNIQ_INFO: 'EXTEND_UNIQ_INFO',
  PROPERTY_FIRST_POP_TIME: '1ST_POP_TIME',
  PROPERTY_POP_CK: 'POP_CK',
  PROPERTY_POP_CK_OFFSET: 'POP_CK_OFFSET',
  PROPERTY_FORWARD_QUEUE_ID: 'PROPERTY_FORWARD_QUEUE_ID',
  PROPERTY_REDIRECT: 'REDIRECT',
  PROPERTY_INNER_NUM: 'INNER_NUM',
  PROPERTY_INNER_BASE: 'INNER_BASE',
  PROPERTY_TIMER_DELIVER_MS: 'TIMER_DELIVER_MS',
  PROPERTY_TIMER_DELAY_SEC: 'TIMER_DELAY_SEC',
  PROPERTY_TIMER_DELAY_MS: 'TIMER_DELAY_MS',
  PROPERTY_TIMER_DELAY_LEVEL: 'TIMER_DELAY_LEVEL',
  PROPERTY_TIMER_ENQUEUE_MS: 'TIMER_ENQUEUE_MS',
  PROPERTY_TIMER_DEQUEUE_MS: 'TIMER_DEQUEUE_MS',
  PROPERTY_TIMER_ROLL_TIMES: 'TIMER_ROLL_TIMES',
  PROPERTY_TIMER_OUT_MS: 'TIMER_OUT_MS',
  PROPERTY_TIMER_DEL_UNIQKEY: 'TIMER_DEL_UNIQKEY',
  PROPERTY_TRACE_CONTEXT: 'TRACE_CONTEXT',
  DUP_INFO: 'DUP_INFO',
  PROPERTY_TRANSIENT_PREFIX: '__RMQ.TRANSIENT.',
  /** Separator of the KEYS property. */
  KEY_SEPARATOR: ' ',
} as const;

/**
 * Keys the 4.9 Message.putUserProperty refuses (MessageConst.STRING_HASH_SET):
 * users may not set them as their own properties.
 */
export const RESERVED_PROPERTY_KEYS: ReadonlySet<string> = new Set([
  'TRACE_ON', 'MSG_REGION', 'KEYS', 'TAGS', 'WAIT', 'DELAY', 'RETRY_TOPIC', 'REAL_TOPIC', 'REAL_QID',
  'TRAN_MSG', 'PGROUP', 'MIN_OFFSET', 'MAX_OFFSET', 'BUYER_ID', 'ORIGIN_MESSAGE_ID', 'TRANSFER_FLAG',
  'CORRECTION_FLAG', 'MQ2_FLAG', 'RECONSUME_TIME', 'UNIQ_KEY', 'MAX_RECONSUME_TIMES', 'CONSUME_START_TIME',
  'INSTANCE_ID', 'CORRELATION_ID', 'REPLY_TO_CLIENT', 'TTL', 'ARRIVE_TIME', 'PUSH_REPLY_TIME', 'CLUSTER',
  'MSG_TYPE', 'INNER_MULTI_QUEUE_OFFSET',
]);
