export { DefaultMessageStore } from './message-store.js';
export type { MessageStore, MessageStoreDeps } from './message-store.js';
export { PutMessageStatus, GetMessageStatus } from './types.js';
export type {
  PutMessageRequest,
  PutBatchRequest,
  PutMessageResult,
  GetMessageResult,
  MessageFilter,
  MessageArrivalEvent,
  MessageArrivalListener,
  ReplicaWaiter,
  CommitLogWrittenListener,
  TagsCodeCalculator,
  QueryMessageResult,
} from './types.js';
export { FlushDiskType, BrokerRole, defaultMessageStoreOptions, parseMessageStoreOptions, parseDelayLevels } from './options.js';
export type { MessageStoreOptions } from './options.js';
export { nodeStoreFs, isDiskFullError } from './fs.js';
export type { StoreFs, StoreFile, StoreFsStat, StoreFsSpace } from './fs.js';
export { SCHEDULE_TOPIC, defaultTagsCode } from './dispatch.js';
export { CQ_UNIT_SIZE } from './consumequeue.js';
export { INDEX_HEADER_SIZE, indexKeyHash } from './indexfile.js';
export { CHECKPOINT_FILE_SIZE } from './checkpoint.js';
export { storePaths, offsetToFileName, fileNameToOffset, timeMillisToHumanString } from './paths.js';
export { StoreStats, LatencyHistogram, PUT_DISTRIBUTE_LABELS } from './stats.js';
export type { StoreStatsSnapshot, TopicCounters } from './stats.js';
export {
  ConfigFile,
  BrokerConfigFiles,
  parseTopicConfigTable,
  stringifyTopicConfigTable,
  parseSubscriptionGroupTable,
  stringifySubscriptionGroupTable,
  parseConsumerOffsetTable,
  stringifyConsumerOffsetTable,
  parseDelayOffsetTable,
  stringifyDelayOffsetTable,
} from './config-file.js';
export type {
  DataVersion,
  TopicConfig,
  TopicConfigTable,
  SubscriptionGroupTable,
  ConsumerOffsetTable,
  DelayOffsetTable,
} from './config-file.js';
export { DefaultHAService } from './ha/service.js';
export type {
  HAService,
  HAServiceDeps,
  HARuntimeInfo,
  HAConnectionRuntimeInfo,
  HAClientRuntimeInfo,
  ReplicationLatency,
} from './ha/service.js';
export { haStoreOf } from './ha/store-view.js';
export type { HAStore } from './ha/store-view.js';
export { defaultHAOptions, parseHAOptions, parseHAAddress } from './ha/options.js';
export type { HAOptions } from './ha/options.js';
export {
  HA_REPORT_SIZE,
  HA_TRANSFER_HEADER_SIZE,
  encodeOffsetReport,
  encodeTransferHeader,
  OffsetReportReader,
  TransferFrameReader,
} from './ha/wire.js';
export type { TransferFrame } from './ha/wire.js';
export { ReplicaWaitQueue } from './ha/wait-queue.js';
export { VERIFY_TAIL_BYTES } from './ha/client.js';
