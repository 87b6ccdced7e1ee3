export {
  SerializeType,
  LanguageCode,
  RpcFlag,
  DEFAULT_VERSION,
  languageName,
  languageCodeOf,
  createOpaque,
  createRequest,
  createResponse,
  isResponse,
  isOneway,
} from './command.js';
export type { RemotingCommand, CommandOptions } from './command.js';
export {
  DEFAULT_MAX_FRAME_SIZE,
  HeaderDecodeError,
  FrameLengthError,
  encodeHeader,
  encodeFramePrefix,
  encodeFrame,
  decodeCommand,
  decodeFrame,
  FrameDecoder,
} from './frame.js';
export { RequestCode, ResponseCode, requestCodeName, responseCodeName } from './codes.js';
export { parseRmqJson, parseRmqJsonBody, stringifyRmqJson, JsonDialectError } from './json.js';
export type { JsonValue } from './json.js';
export { SysFlag, CompressionKind, transactionTypeOf, compressionKindOf } from './message/sysflag.js';
export {
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
  PropertyKey,
  createProperties,
  encodeProperties,
  decodeProperties,
  decodePropertiesBytes,
  findProperty,
  javaHashCode,
  tagsToTagsCode,
} from './message/properties.js';
export type { MessageProperties } from './message/properties.js';
export { bytesToHex, hexToBytes } from './message/hex.js';
export { readInt64BE, writeInt64BE, writeInt32Fast } from './message/int64.js';
export {
  IPV4_HOST_LENGTH,
  IPV6_HOST_LENGTH,
  hostByteLength,
  writeHost,
  encodeHost,
  encodeHostCached,
  readHost,
  decodeHost,
} from './message/host.js';
export {
  MESSAGE_MAGIC_CODE,
  MESSAGE_MAGIC_CODE_V2,
  BLANK_MAGIC_CODE,
  END_FILE_MIN_BLANK_LENGTH,
  MAX_TOPIC_LENGTH_V1,
  MIN_RECORD_LENGTH,
  RecordPos,
  RecordCheck,
  RecordDecodeError,
  bornHostLength,
  storeHostLength,
  storeTimestampPos,
  storeHostPos,
  bodyLengthPos,
  topicLengthSize,
  recordLength,
  bodyCrc,
  effectiveSysFlag,
  measureRecord,
  encodeRecord,
  encodeBlankMarker,
  checkRecord,
  decodeRecord,
  decodeRecordAt,
  recordOffsetMsgId,
  recordSections,
  decodeRecordProperties,
} from './message/record.js';
export type { RecordInput, StoredMessage, DecodeRecordOptions, RecordSections } from './message/record.js';
export {
  createOffsetMsgId,
  decodeOffsetMsgId,
  UniqueIdGenerator,
  createUniqueId,
  setDefaultUniqueIdIp,
  parseUniqueId,
} from './message/msgid.js';
export type { OffsetMsgId, UniqueIdGeneratorOptions, UniqueIdInfo } from './message/msgid.js';
export { encodeBatch, decodeBatchEntries, decodeBatch } from './message/batch.js';
export type { BatchMessageInput, BatchEntry, BatchMessage } from './message/batch.js';
export { toMessageExt, decodeMessages, decodeMessagesDetailed } from './message/decode.js';
export type { MessageExt, DecodeMessagesOptions, DecodedMessages } from './message/decode.js';
