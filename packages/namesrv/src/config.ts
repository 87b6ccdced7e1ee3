/**
 * NameServer configuration: the keys of Java's NamesrvConfig and the
 * NettyServerConfig keys a NameServer uses, plus two liveness keys of our own.
 *
 * One schema serves both faces: `.properties` text (mqnamesrv -c, and the
 * UPDATE_NAMESRV_CONFIG body) goes through parseNamesrvProperties, and
 * programmatic options through parseNameServerOptions; both check values
 * against the same types and bounds and name the key at fault.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  type ConfigOf,
  type ConfigSchema,
  type FieldSpec,
  type ParsedConfig,
  ErrorCode,
  RmqError,
  defaultConfig,
  describeField,
  parseConfig,
} from '@rocketmq-ts/common';

export const namesrvConfigSchema = {
  // --- NamesrvConfig
  rocketmqHome: { type: 'string', default: '', doc: 'installation directory; informational here (Java reads logback config from it)' },
  kvConfigPath: { type: 'string', default: '', doc: 'KV config file; empty = ~/namesrv/kvConfig.json' },
  configStorePath: {
    type: 'string',
    default: '',
    doc: 'where UPDATE_NAMESRV_CONFIG persists the configuration; empty = ~/namesrv/namesrv.properties (mqnamesrv -c sets it to that file, as Java)',
  },
  productEnvName: { type: 'string', default: 'center' },
  clusterTest: { type: 'boolean', default: false, doc: 'answer routes with the order topic config always (the product-environment lookup is not supported)' },
  orderMessageEnable: { type: 'boolean', default: false, doc: 'add orderTopicConf from the ORDER_TOPIC_CONFIG namespace to routes' },
  configBlackList: { type: 'string', default: 'configBlackList;configStorePath;kvConfigPath', doc: 'keys UPDATE_NAMESRV_CONFIG refuses, separated by ;' },
  // --- liveness (rocketmq-ts; Java hard-codes 120 s and scans every 10 s in 4.9, every 5 s in 5.x)
  brokerChannelExpiredTime: {
    type: 'int',
    default: 120_000,
    min: 1,
    doc: 'ms without a registration before a broker is dropped; a 5.x broker may set its own (heartbeatTimeoutMillis)',
  },
  scanNotActiveBrokerInterval: { type: 'int', default: 5000, min: 1, doc: 'ms between scans for silent brokers (5.x key)' },
  // --- network (NettyServerConfig; NamesrvStartup sets listenPort to 9876)
  listenPort: { type: 'int', default: 9876, min: 0, max: 65535, doc: '0 picks a free port (rocketmq-ts)' },
  listenHost: { type: 'string', default: '0.0.0.0', doc: 'address to bind (rocketmq-ts; 5.x calls it bindAddress)' },
  serverChannelMaxIdleTimeSeconds: { type: 'int', default: 120, min: 0, doc: 'idle connections are closed; 0 disables' },
  serverSocketBacklog: { type: 'int', default: 1024, min: 1, max: 65535 },
} as const satisfies ConfigSchema;

/** The NameServer's settings, as `-p` prints them and GET_NAMESRV_CONFIG returns them. */
export interface NameServerOptions {
  /**
   * RocketMQ installation directory. Java refuses to start without it because
   * it reads conf/logback_namesrv.xml from there; we only report it.
   * @defaultValue process.env.ROCKETMQ_HOME ?? ''
   */
  rocketmqHome: string;
  /**
   * The KV config file ({"configTable":{namespace:{key:value}}}).
   * @defaultValue ~/namesrv/kvConfig.json
   */
  kvConfigPath: string;
  /**
   * Where UPDATE_NAMESRV_CONFIG writes the whole configuration as properties.
   * @defaultValue ~/namesrv/namesrv.properties
   */
  configStorePath: string;
  /**
   * Java's ClusterTest product environment name; accepted and reported only.
   * @defaultValue 'center'
   */
  productEnvName: string;
  /**
   * Java's cluster-test mode: routes always carry orderTopicConf and are
   * always in fastjson's default form. Java also looks unknown topics up in a
   * product environment through an admin client; we do not.
   * @defaultValue false
   */
  clusterTest: boolean;
  /**
   * Add orderTopicConf (the ORDER_TOPIC_CONFIG value for the topic) to routes.
   * @defaultValue false
   */
  orderMessageEnable: boolean;
  /**
   * Keys UPDATE_NAMESRV_CONFIG refuses with NO_PERMISSION, separated by `;`.
   * configBlackList, configStorePath, kvConfigPath and rocketmqHome are
   * always refused, as in Java 4.9.8.
   * @defaultValue 'configBlackList;configStorePath;kvConfigPath'
   */
  configBlackList: string;
  /**
   * Milliseconds a broker may go without REGISTER_BROKER (or an unchanged
   * QUERY_DATA_VERSION) before its routes are dropped. Java hard-codes 120 s
   * (BROKER_CHANNEL_EXPIRED_TIME); a 5.x broker's heartbeatTimeoutMillis
   * overrides it for that broker.
   * @defaultValue 120000
   */
  brokerChannelExpiredTime: number;
  /**
   * Milliseconds between scans for silent brokers (5.x's key; 4.9 scans
   * every 10 s after a 5 s delay).
   * @defaultValue 5000
   */
  scanNotActiveBrokerInterval: number;
  /**
   * Port to listen on; 0 picks a free one.
   * @defaultValue 9876
   */
  listenPort: number;
  /**
   * Address to bind.
   * @defaultValue '0.0.0.0'
   */
  listenHost: string;
  /**
   * Connections with no traffic for this long are closed (and brokers on them
   * dropped, as Java's onChannelIdle does). 0 disables.
   * @defaultValue 120
   */
  serverChannelMaxIdleTimeSeconds: number;
  /**
   * Pending-connection queue of the listening socket.
   * @defaultValue 1024
   */
  serverSocketBacklog: number;
}

type Schema = typeof namesrvConfigSchema;

// The interface and the schema must describe the same keys and value types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesInterface: Same<ConfigOf<Schema>, NameServerOptions> = true;
void schemaMatchesInterface;

/** Java NettyServerConfig keys that mean nothing on one event loop; accepted with a notice. */
export const namesrvIgnoredKeys: readonly string[] = [
  'serverWorkerThreads',
  'serverCallbackExecutorThreads',
  'serverSelectorThreads',
  'serverOnewaySemaphoreValue',
  'serverAsyncSemaphoreValue',
  'serverSocketSndBufSize',
  'serverSocketRcvBufSize',
  'serverPooledByteBufAllocatorEnable',
  'serverNettyWorkerGroupEnable',
  'useEpollNativeSelector',
  'writeBufferHighWaterMark',
  'writeBufferLowWaterMark',
  'enableShutdownGracefully',
  'shutdownWaitTimeSeconds',
  // 5.x NamesrvConfig thread pools and features we do not have.
  'clientRequestThreadPoolNums',
  'defaultThreadPoolNums',
  'clientRequestThreadPoolQueueCapacity',
  'defaultThreadPoolQueueCapacity',
  'unRegisterBrokerQueueCapacity',
  'supportActingMaster',
  'enableAllTopicList',
  'enableTopicList',
  'notifyMinBrokerIdChanged',
  'enableControllerInNamesrv',
  'needWaitForService',
  'waitSecondsForService',
  'deleteTopicWithBrokerRegistration',
  'returnOrderTopicConfigToBroker',
];

/** Keys UPDATE_NAMESRV_CONFIG always refuses, whatever configBlackList says (Java 4.9.8). */
const ALWAYS_BLACKLISTED = ['configBlackList', 'configStorePath', 'kvConfigPath', 'rocketmqHome'];

function defaultNamesrvDir(file: string): string {
  return join(homedir(), 'namesrv', file);
}

/** Fills the settings whose defaults depend on the machine (paths, ROCKETMQ_HOME). */
function resolveDefaults(o: NameServerOptions): NameServerOptions {
  if (o.kvConfigPath === '') o.kvConfigPath = defaultNamesrvDir('kvConfig.json');
  if (o.configStorePath === '') o.configStorePath = defaultNamesrvDir('namesrv.properties');
  if (o.rocketmqHome === '') o.rocketmqHome = process.env['ROCKETMQ_HOME'] ?? '';
  return o;
}

export function defaultNameServerOptions(): NameServerOptions {
  return resolveDefaults(defaultConfig(namesrvConfigSchema));
}

function badOption(key: string, value: unknown, spec: FieldSpec): never {
  throw new RmqError(ErrorCode.CONFIG, `invalid value for ${key}: ${JSON.stringify(value)}; accepted: ${describeField(spec)}`);
}

function checkOption(key: string, spec: FieldSpec, value: unknown): void {
  switch (spec.type) {
    case 'int':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || (spec.type === 'int' && !Number.isSafeInteger(value))) {
        badOption(key, value, spec);
      }
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) badOption(key, value, spec);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') badOption(key, value, spec);
      return;
    case 'string':
      if (typeof value !== 'string') badOption(key, value, spec);
      return;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) badOption(key, value, spec);
      return;
  }
}

/**
 * Defaults merged with `input`. Throws RmqError CONFIG naming the first
 * unknown key or bad value; undefined values keep the default.
 */
export function parseNameServerOptions(input: unknown): NameServerOptions {
  const out = defaultConfig(namesrvConfigSchema) as unknown as Record<string, unknown>;
  if (input !== undefined && input !== null) {
    if (typeof input !== 'object' || Array.isArray(input)) throw new RmqError(ErrorCode.CONFIG, 'NameServer options must be an object');
    for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
      const spec = (namesrvConfigSchema as Record<string, FieldSpec | undefined>)[key];
      if (spec === undefined) throw new RmqError(ErrorCode.CONFIG, `unknown NameServer option ${key}`);
      if (value === undefined) continue;
      checkOption(key, spec, value);
      out[key] = value;
    }
  }
  return resolveDefaults(out as unknown as NameServerOptions);
}

/**
 * Parses NameServer properties (file first, overrides after) the way
 * mqnamesrv reads them: unknown keys are warnings, a bad value throws naming
 * the key and what it accepts. 5.x's `bindAddress` is read as listenHost.
 */
export function parseNamesrvProperties(layers: ReadonlyArray<Readonly<Record<string, string>>>): ParsedConfig<Schema> {
  const renamed = layers.map((layer) => {
    if (!Object.prototype.hasOwnProperty.call(layer, 'bindAddress')) return layer;
    const { bindAddress, ...rest } = layer;
    return rest['listenHost'] === undefined && bindAddress !== undefined ? { ...rest, listenHost: bindAddress } : rest;
  });
  const parsed = parseConfig(namesrvConfigSchema, renamed, { ignored: namesrvIgnoredKeys });
  resolveDefaults(parsed.config);
  return parsed;
}

/** `key=value` lines in schema order, as `mqnamesrv -p` prints them. */
export function namesrvConfigEntries(options: NameServerOptions): Array<[string, string]> {
  return Object.keys(namesrvConfigSchema).map((k) => [k, String((options as unknown as Record<string, unknown>)[k])]);
}

/** The keys UPDATE_NAMESRV_CONFIG refuses under these options. */
export function configBlackListOf(options: NameServerOptions): Set<string> {
  const keys = new Set(ALWAYS_BLACKLISTED);
  for (const k of options.configBlackList.split(';')) if (k.trim() !== '') keys.add(k.trim());
  return keys;
}

/**
 * Applies UPDATE_NAMESRV_CONFIG properties: keys we know are parsed and set
 * (a bad value throws naming the key, before anything changes); others are
 * returned as ignored, as Java's Configuration.update skips keys it does not
 * hold. Returns the keys whose value changed.
 */
export function applyNamesrvProperties(
  options: NameServerOptions,
  props: ReadonlyMap<string, string>,
): { changed: string[]; ignored: string[] } {
  const known = new Map<string, string>();
  const ignored: string[] = [];
  for (const [rawKey, value] of props) {
    const key = rawKey === 'bindAddress' ? 'listenHost' : rawKey;
    if (Object.prototype.hasOwnProperty.call(namesrvConfigSchema, key)) known.set(key, value);
    else ignored.push(rawKey);
  }
  const { config } = parseConfig(namesrvConfigSchema, [Object.fromEntries(known)]);
  const target = options as unknown as Record<string, unknown>;
  const source = config as unknown as Record<string, unknown>;
  const changed: string[] = [];
  for (const key of known.keys()) {
    if (target[key] !== source[key]) {
      target[key] = source[key];
      changed.push(key);
    }
  }
  return { changed, ignored };
}
