/**
 * NameServer: the route registry brokers register with and clients ask for
 * topic routes. One RemotingServer, a RouteTable, a KV config store and a
 * timer that drops silent brokers.
 */
import { ErrorCode, type Logger, RmqError, errorMessage, silentLogger } from '@rocketmq-ts/common';
import {
  type ClusterInfo,
  type RouteJsonStyle,
  type TopicRouteData,
  encodeTopicRouteData,
  serializeProperties,
} from '@rocketmq-ts/protocol';
import { RemotingServer, type RemotingServerOptions } from '@rocketmq-ts/remoting';
import { type NameServerOptions, namesrvConfigEntries, parseNameServerOptions } from './config.js';
import { writeFileAtomic } from './files.js';
import { registerNamesrvHandlers } from './handlers.js';
import { KVConfigStore, NAMESPACE_ORDER_TOPIC_CONFIG } from './kv-config.js';
import { type BrokerLiveSnapshot, RouteTable } from './route-table.js';

export interface NameServerInit extends Partial<NameServerOptions> {
  /**
   * Where the server logs (structured, child loggers per part).
   * @defaultValue silentLogger
   */
  readonly logger?: Logger;
  /**
   * Remoting limits beyond what NameServerOptions sets (channelMaxIdleTimeSeconds
   * and backlog come from serverChannelMaxIdleTimeSeconds and serverSocketBacklog
   * unless given here).
   * @defaultValue {}
   */
  readonly remoting?: Partial<RemotingServerOptions>;
  /**
   * Keep encoded route answers until the route table changes. Off only to
   * measure what the cache buys (bench/namesrv-route.ts).
   * @defaultValue true
   */
  readonly routeCache?: boolean;
}

interface CachedRoute {
  fastjson?: Buffer;
  standard?: Buffer;
}

type State = 'new' | 'starting' | 'running' | 'closing' | 'closed';

export class NameServer {
  /** The live settings. UPDATE_NAMESRV_CONFIG changes them in place. */
  readonly options: NameServerOptions;
  private readonly log: Logger;
  /** The logger we were given, for the remoting server (which adds its own component). */
  private readonly baseLog: Logger;
  private readonly routes: RouteTable;
  private readonly kv: KVConfigStore;
  private readonly remotingOptions: Partial<RemotingServerOptions>;
  private readonly cacheEnabled: boolean;
  private server: RemotingServer | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private state: State = 'new';
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private boundPort: number | undefined;

  private readonly routeCache = new Map<string, CachedRoute>();
  /** What the cache was built from; any difference empties it. */
  private cacheKey = '';
  /** Bumped when a setting that shapes route answers changes. */
  private settingsVersion = 0;

  constructor(init: NameServerInit = {}) {
    const { logger, remoting, routeCache, ...options } = init;
    this.options = parseNameServerOptions(options);
    this.baseLog = logger ?? silentLogger;
    this.log = this.baseLog.child({ component: 'namesrv' });
    this.routes = new RouteTable(this.log.child({ part: 'routes' }));
    this.kv = new KVConfigStore(() => this.options.kvConfigPath, this.log.child({ part: 'kvconfig' }));
    this.remotingOptions = remoting ?? {};
    this.cacheEnabled = routeCache ?? true;
  }

  /**
   * Loads the KV config and starts listening. Rejects with STORE when the KV
   * config file exists but cannot be read, and with CONNECTION when the
   * port cannot be bound.
   */
  start(): Promise<void> {
    if (this.state !== 'new') return Promise.reject(new RmqError(ErrorCode.STATE, `NameServer cannot start: it is ${this.state}`));
    this.state = 'starting';
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    try {
      await this.kv.load();
      const server = new RemotingServer({
        logger: this.baseLog,
        channelMaxIdleTimeSeconds: this.options.serverChannelMaxIdleTimeSeconds,
        backlog: this.options.serverSocketBacklog,
        ...this.remotingOptions,
      });
      registerNamesrvHandlers(server, {
        options: this.options,
        routes: this.routes,
        kv: this.kv,
        log: this.log,
        routeBody: (topic, style) => this.routeBody(topic, style),
        configUpdated: (keys) => this.configUpdated(keys),
      });
      // Java's BrokerHousekeepingService: close, exception and idle all end here (idle closes the channel).
      server.on('channelClose', (channel) => {
        this.routes.onChannelDestroy(channel.remoteAddress, channel);
      });
      this.server = server;
      this.boundPort = await server.listen(this.options.listenPort, this.options.listenHost);
      this.startScan();
      if (this.options.clusterTest) {
        this.log.warn(
          { productEnvName: this.options.productEnvName },
          'clusterTest: routes always carry orderTopicConf; looking unknown topics up in the product environment is not supported',
        );
      }
      this.state = 'running';
      this.log.info({ host: this.options.listenHost, port: this.boundPort }, 'NameServer started');
    } catch (err) {
      this.state = 'closed';
      await this.server?.close();
      throw err;
    }
  }

  /** Stops listening, closes every connection and waits for the KV config to be on disk. Idempotent. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    // A close during start waits for it, so nothing is left listening.
    await this.starting?.catch(() => undefined);
    this.state = 'closing';
    this.stopScan();
    await this.server?.close();
    await this.kv.idle();
    if (this.boundPort !== undefined && this.kv.hasUnsavedChanges) {
      // A failed write, or a table recovered from kvConfig.json.bak: try once more.
      await this.kv.persist().catch((err: unknown) => this.log.error({ err: errorMessage(err) }, 'KV config not persisted at shutdown'));
    }
    this.state = 'closed';
    this.log.info('NameServer stopped');
  }

  /** The port listened on. Throws STATE before start() resolved. */
  get port(): number {
    if (this.boundPort === undefined) throw new RmqError(ErrorCode.STATE, 'NameServer is not listening');
    return this.boundPort;
  }

  /**
   * "host:port" for clients on this machine: the bound address, or 127.0.0.1
   * when bound to every interface.
   */
  get address(): string {
    const host = this.options.listenHost;
    const local = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
    return `${local.includes(':') ? `[${local}]` : local}:${this.port}`;
  }

  // ---------------------------------------------------------------------------
  // In-process views, for the testkit and tools (the same data the wire answers carry)

  /** The route GET_ROUTEINFO_BY_TOPIC would answer, or undefined (TOPIC_NOT_EXIST). */
  getTopicRoute(topic: string): TopicRouteData | undefined {
    const route = this.routes.pickupTopicRouteData(topic);
    if (route === undefined) return undefined;
    const conf = this.orderTopicConf(topic);
    return conf === undefined ? route : { ...route, orderTopicConf: conf };
  }

  getClusterInfo(): ClusterInfo {
    return this.routes.clusterInfo();
  }

  getKVConfig(namespace: string, key: string): string | undefined {
    return this.kv.get(namespace, key);
  }

  liveBrokers(): BrokerLiveSnapshot[] {
    return this.routes.liveBrokers();
  }

  /**
   * Drops brokers silent past their timeout and closes their connections;
   * runs every scanNotActiveBrokerInterval on its own. Returns how many went.
   */
  scanNotActiveBroker(): number {
    const expired = this.routes.scanNotActiveBrokers();
    for (const e of expired) void e.channel?.close();
    return expired.length;
  }

  // ---------------------------------------------------------------------------

  private orderTopicConf(topic: string): string | undefined {
    if (!this.options.orderMessageEnable && !this.options.clusterTest) return undefined;
    return this.kv.get(NAMESPACE_ORDER_TOPIC_CONFIG, topic);
  }

  /**
   * The hot path. Encoded answers are kept per topic and form until the
   * route table, the order topic config or a route-shaping setting changes;
   * brokers re-registering unchanged every 30 s do not count as changes.
   */
  private routeBody(topic: string, style: RouteJsonStyle): Buffer | undefined {
    if (!this.cacheEnabled) return this.encodeRoute(topic, style);
    const key = `${this.routes.version}:${this.kv.orderTopicVersion}:${this.settingsVersion}`;
    if (key !== this.cacheKey) {
      this.routeCache.clear();
      this.cacheKey = key;
    }
    let entry = this.routeCache.get(topic);
    const hit = entry?.[style];
    if (hit !== undefined) return hit;
    const body = this.encodeRoute(topic, style);
    // Unknown topics are not cached: anyone can ask for any name.
    if (body === undefined) return undefined;
    if (entry === undefined) {
      entry = {};
      this.routeCache.set(topic, entry);
    }
    entry[style] = body;
    return body;
  }

  private encodeRoute(topic: string, style: RouteJsonStyle): Buffer | undefined {
    const route = this.getTopicRoute(topic);
    return route === undefined ? undefined : encodeTopicRouteData(route, style);
  }

  private async configUpdated(keys: readonly string[]): Promise<void> {
    if (keys.includes('orderMessageEnable') || keys.includes('clusterTest')) this.settingsVersion++;
    if (keys.includes('scanNotActiveBrokerInterval') && this.scanTimer !== undefined) {
      this.stopScan();
      this.startScan();
    }
    // As Java's Configuration.persist: every setting, to configStorePath.
    const path = this.options.configStorePath;
    try {
      await writeFileAtomic(path, serializeProperties(new Map(namesrvConfigEntries(this.options))).toString('utf8'));
    } catch (err) {
      this.log.error({ path, err: errorMessage(err) }, 'persisting the configuration failed');
    }
  }

  private startScan(): void {
    this.scanTimer = setInterval(() => {
      try {
        this.scanNotActiveBroker();
      } catch (err) {
        this.log.error({ err: errorMessage(err) }, 'scan for inactive brokers failed');
      }
    }, this.options.scanNotActiveBrokerInterval);
    // The listening socket keeps a server process alive; the scan never should.
    this.scanTimer.unref();
  }

  private stopScan(): void {
    if (this.scanTimer !== undefined) clearInterval(this.scanTimer);
    this.scanTimer = undefined;
  }
}
