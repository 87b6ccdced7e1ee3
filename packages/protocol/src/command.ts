/**
 * The remoting command: RocketMQ's unit of request and response.
 *
 * A command is plain data. Encoding and decoding live in frame.ts; typed
 * views of `extFields` live in headers/.
 */

/** How the header of a frame is serialized (the high byte of the header-length word). */
export const SerializeType = {
  JSON: 0,
  ROCKETMQ: 1,
} as const;
export type SerializeType = (typeof SerializeType)[keyof typeof SerializeType];

/** LanguageCode of the sender (5.x numbering; 4.x lacks NODE_JS). */
export const LanguageCode = {
  JAVA: 0,
  CPP: 1,
  DOTNET: 2,
  PYTHON: 3,
  DELPHI: 4,
  ERLANG: 5,
  RUBY: 6,
  OTHER: 7,
  HTTP: 8,
  GO: 9,
  PHP: 10,
  OMS: 11,
  RUST: 12,
  NODE_JS: 13,
} as const;
export type LanguageCode = (typeof LanguageCode)[keyof typeof LanguageCode];

const languageNames = new Map<number, string>(Object.entries(LanguageCode).map(([k, v]) => [v, k]));

export function languageName(code: number): string {
  return languageNames.get(code) ?? 'OTHER';
}

export function languageCodeOf(name: string): number {
  const code = (LanguageCode as Record<string, number>)[name];
  return code ?? LanguageCode.OTHER;
}

/** Bits of `flag`. */
export const RpcFlag = {
  RESPONSE: 1 << 0,
  ONEWAY: 1 << 1,
} as const;

/** Version we announce: the ordinal of V4_9_4 in MQVersion.Version. */
export const DEFAULT_VERSION = 401;

export interface RemotingCommand {
  code: number;
  language: number;
  version: number;
  opaque: number;
  flag: number;
  remark: string | undefined;
  /** Header fields; always strings once decoded, whatever the sender wrote. */
  extFields: Record<string, string>;
  body: Buffer | undefined;
  serializeType: SerializeType;
}

export interface CommandOptions {
  readonly language?: number;
  readonly version?: number;
  readonly serializeType?: SerializeType;
  readonly oneway?: boolean;
}

let nextOpaque = 0;

/** Opaques are per process and wrap within int32, as the Java client's do. */
export function createOpaque(): number {
  nextOpaque = (nextOpaque + 1) | 0;
  return nextOpaque;
}

export function createRequest(
  code: number,
  extFields: Record<string, string> = {},
  body?: Buffer,
  options: CommandOptions = {},
): RemotingCommand {
  return {
    code,
    language: options.language ?? LanguageCode.JAVA,
    version: options.version ?? DEFAULT_VERSION,
    opaque: createOpaque(),
    flag: options.oneway === true ? RpcFlag.ONEWAY : 0,
    remark: undefined,
    extFields,
    body,
    serializeType: options.serializeType ?? SerializeType.JSON,
  };
}

/** A response to `request`: same opaque, same serialize type. */
export function createResponse(
  request: Pick<RemotingCommand, 'opaque' | 'serializeType'>,
  code: number,
  remark?: string,
  extFields: Record<string, string> = {},
  body?: Buffer,
): RemotingCommand {
  return {
    code,
    language: LanguageCode.JAVA,
    version: DEFAULT_VERSION,
    opaque: request.opaque,
    flag: RpcFlag.RESPONSE,
    remark,
    extFields,
    body,
    serializeType: request.serializeType,
  };
}

export function isResponse(cmd: Pick<RemotingCommand, 'flag'>): boolean {
  return (cmd.flag & RpcFlag.RESPONSE) !== 0;
}

export function isOneway(cmd: Pick<RemotingCommand, 'flag'>): boolean {
  return (cmd.flag & RpcFlag.ONEWAY) !== 0;
}
