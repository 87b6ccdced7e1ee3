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
