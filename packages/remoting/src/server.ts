import { EventEmitter } from 'node:events';
import net from 'node:net';
import { ErrorCode, RmqError, errorMessage, silentLogger } from '@rocketmq-ts/common';
import type { Logger } from '@rocketmq-ts/common';
import type { RemotingCommand } from '@rocketmq-ts/protocol';
import type { Channel, ChannelCloseInfo } from './channel.js';
import { TcpChannel } from './connection.js';
import type { ChannelHost } from './connection.js';
import { BoundedExecutor } from './executor.js';
import { parseRemotingServerOptions } from './options.js';
import type { RemotingServerOptions } from './options.js';
import { ProcessorRegistry } from './processor.js';
import type { ProcessorOptions, RequestHandler } from './processor.js';
import { Sweeper } from './sweeper.js';

/** Connection events of a RemotingServer or RemotingClient (Java's ChannelEventListener). */
export interface RemotingEvents {
  channelOpen: [channel: Channel];
  channelClose: [channel: Channel, info: ChannelCloseInfo];
  /** Fired just before an idle connection is closed; channelClose follows. */
  channelIdle: [channel: Channel];
}

export type RemotingServerInit = Partial<RemotingServerOptions> & { readonly logger?: Logger };

/**
 * Accepts connections and answers requests through a processor registry.
 * Every accepted connection is a Channel the server can also send requests on.
 */
export class RemotingServer extends EventEmitter<RemotingEvents> {
  readonly options: RemotingServerOptions;
  private readonly log: Logger;
  private readonly processors: ProcessorRegistry;
  private readonly live = new Set<TcpChannel>();
  private readonly sweeper: Sweeper;
  private readonly host: ChannelHost;
  private server: net.Server | undefined;
  private boundPort: number | undefined;
  private closing: Promise<void> | undefined;

  constructor(init: RemotingServerInit = {}) {
    super();
    const { logger, ...options } = init;
    this.options = parseRemotingServerOptions(options);
    this.log = (logger ?? silentLogger).child({ component: 'remoting-server' });
    this.processors = new ProcessorRegistry(
      new BoundedExecutor({ concurrency: this.options.processorConcurrency, queueCapacity: this.options.processorQueueCapacity }),
      this.log,
    );
    this.sweeper = new Sweeper(this.options.timeoutSweepIntervalMs, this.options.channelMaxIdleTimeSeconds * 1000, () => this.live);
    this.host = {
      dispatch: (channel, request) => this.processors.dispatch(channel, request),
      channelIdle: (channel) => this.notify('channelIdle', channel),
      channelClosed: (channel, info) => {
        this.live.delete(channel);
        this.notify('channelClose', channel, info);
      },
    };
  }

  /** Handles requests with this code; replaces an earlier registration. */
  registerProcessor(code: number, handler: RequestHandler, options?: ProcessorOptions): void {
    this.processors.register(code, handler, options);
  }

  /** Handles requests whose code has no processor (otherwise REQUEST_CODE_NOT_SUPPORTED). */
  registerDefaultProcessor(handler: RequestHandler, options?: ProcessorOptions): void {
    this.processors.registerDefault(handler, options);
  }

  /** The port listened on, once listen() resolved. */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** Connections open now. */
  get channels(): ReadonlySet<Channel> {
    return this.live;
  }

  /**
   * Starts listening; port 0 picks a free port. Resolves with the bound port.
   * @param host - address to bind; all IPv4 interfaces when omitted, as Java binds 0.0.0.0
   */
  listen(port = 0, host = '0.0.0.0'): Promise<number> {
    if (this.server !== undefined || this.closing !== undefined) {
      return Promise.reject(new RmqError(ErrorCode.STATE, 'remoting server already started'));
    }
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    return new Promise<number>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server = undefined;
        reject(new RmqError(ErrorCode.CONNECTION, `cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
      };
      server.once('error', onError);
      server.listen({ port, host, backlog: this.options.backlog }, () => {
        server.removeListener('error', onError);
        server.on('error', (err) => this.log.error({ err: err.message }, 'listening socket error'));
        const address = server.address();
        this.boundPort = typeof address === 'object' && address !== null ? address.port : port;
        this.sweeper.start();
        this.log.info({ host, port: this.boundPort }, 'remoting server listening');
        resolve(this.boundPort);
      });
    });
  }

  /**
   * Stops accepting, closes every connection (pending requests on them reject
   * with CONNECTION) and resolves once all sockets are closed.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const server = this.server;
    const listenerClosed =
      server === undefined ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
    const channelsClosed = [...this.live].map((channel) => channel.close());
    this.closing = Promise.all([listenerClosed, ...channelsClosed]).then(() => {
      this.sweeper.stop();
      this.log.info('remoting server closed');
    });
    return this.closing;
  }

  /** Sends a request to a connected peer (a client); the same as `channel.invoke`. */
  invoke(channel: Channel, request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    return channel.invoke(request, timeoutMs);
  }

  private accept(socket: net.Socket): void {
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    const channel = new TcpChannel(socket, this.host, this.options, this.log);
    this.live.add(channel);
    this.notify('channelOpen', channel);
  }

  private notify<K extends keyof RemotingEvents>(event: K, ...args: RemotingEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: RemotingEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.log.error({ event, err: errorMessage(err) }, 'event listener threw');
    }
  }
}
