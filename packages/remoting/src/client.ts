import { EventEmitter } from 'node:events';
import net from 'node:net';
import { ErrorCode, RmqError, errorMessage, silentLogger } from '@rocketmq-ts/common';
import type { Logger } from '@rocketmq-ts/common';
import { requestCodeName } from '@rocketmq-ts/protocol';
import type { RemotingCommand } from '@rocketmq-ts/protocol';
import { parseAddress } from './address.js';
import type { Channel } from './channel.js';
import { TcpChannel } from './connection.js';
import type { ChannelHost } from './connection.js';
import { BoundedExecutor } from './executor.js';
import { parseRemotingClientOptions } from './options.js';
import type { RemotingClientOptions } from './options.js';
import { ProcessorRegistry } from './processor.js';
import type { ProcessorOptions, RequestHandler } from './processor.js';
import type { RemotingEvents } from './server.js';
import { Sweeper } from './sweeper.js';

export type RemotingClientInit = Partial<RemotingClientOptions> & { readonly logger?: Logger };

/**
 * Connections to servers, one per "host:port" address, opened on first use
 * and reopened on the next use after they close. Servers may send requests
 * back on them; register processors for those (CHECK_TRANSACTION_STATE,
 * NOTIFY_CONSUMER_IDS_CHANGED, GET_CONSUMER_RUNNING_INFO, ...).
 */
export class RemotingClient extends EventEmitter<RemotingEvents> {
  readonly options: RemotingClientOptions;
  private readonly log: Logger;
  private readonly processors: ProcessorRegistry;
  private readonly pool = new Map<string, TcpChannel>();
  private readonly connecting = new Map<string, Promise<TcpChannel>>();
  private readonly sweeper: Sweeper;
  private readonly hostFor: (addr: string) => ChannelHost;
  private closing: Promise<void> | undefined;

  constructor(init: RemotingClientInit = {}) {
    super();
    const { logger, ...options } = init;
    this.options = parseRemotingClientOptions(options);
    this.log = (logger ?? silentLogger).child({ component: 'remoting-client' });
    this.processors = new ProcessorRegistry(
      new BoundedExecutor({ concurrency: this.options.processorConcurrency, queueCapacity: this.options.processorQueueCapacity }),
      this.log,
    );
    this.sweeper = new Sweeper(this.options.timeoutSweepIntervalMs, this.options.channelMaxIdleTimeSeconds * 1000, () =>
      this.pool.values(),
    );
    this.sweeper.start();
    this.hostFor = (addr) => ({
      dispatch: (channel, request) => this.processors.dispatch(channel, request),
      channelIdle: (channel) => this.notify('channelIdle', channel),
      channelClosed: (channel, info) => {
        if (this.pool.get(addr) === channel) this.pool.delete(addr);
        this.notify('channelClose', channel, info);
      },
    });
  }

  /** Handles requests the server sends with this code. */
  registerProcessor(code: number, handler: RequestHandler, options?: ProcessorOptions): void {
    this.processors.register(code, handler, options);
  }

  /** Handles server requests whose code has no processor (otherwise REQUEST_CODE_NOT_SUPPORTED). */
  registerDefaultProcessor(handler: RequestHandler, options?: ProcessorOptions): void {
    this.processors.registerDefault(handler, options);
  }

  /**
   * The open connection to `addr`, connecting first if there is none.
   * Rejects with CONNECTION (retriable) when connecting fails or takes longer
   * than connectTimeoutMs; with ARGUMENT for an address that is not host:port.
   */
  getChannel(addr: string): Promise<Channel> {
    return this.channelFor(addr);
  }

  /** The open connection to `addr`, if there is one; never connects. */
  peekChannel(addr: string): Channel | undefined {
    const channel = this.pool.get(addr);
    return channel !== undefined && channel.isOpen ? channel : undefined;
  }

  /**
   * Sends `request` to `addr` and resolves with the response. `timeoutMs`
   * covers connecting too, as in Java's invokeSync. Errors as Channel.invoke,
   * plus CONNECTION when the address cannot be reached.
   */
  invoke(addr: string, request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const channel = this.pool.get(addr);
    if (channel !== undefined && channel.isOpen) return channel.invoke(request, timeoutMs);
    return this.invokeAfterConnect(addr, request, timeoutMs);
  }

  /** Sends `request` with the ONEWAY flag; resolves once it is queued for the socket. */
  invokeOneway(addr: string, request: RemotingCommand, timeoutMs = 3000): Promise<void> {
    const channel = this.pool.get(addr);
    if (channel !== undefined && channel.isOpen) return channel.invokeOneway(request, timeoutMs);
    return this.channelFor(addr).then((ch) => ch.invokeOneway(request, timeoutMs));
  }

  /** Closes the connection to `addr`, if any; the next use reconnects. */
  async closeChannel(addr: string): Promise<void> {
    const channel = this.pool.get(addr);
    if (channel !== undefined) await channel.close();
  }

  /** Addresses with an open connection. */
  get addresses(): string[] {
    return [...this.pool.keys()];
  }

  /** Closes every connection; pending requests reject with CONNECTION, later calls with STATE. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const connectingDone = [...this.connecting.values()].map((p) => p.then(
      () => undefined,
      () => undefined,
    ));
    this.closing = Promise.all(connectingDone)
      .then(() => Promise.all([...this.pool.values()].map((channel) => channel.close())))
      .then(() => {
        this.sweeper.stop();
      });
    return this.closing;
  }

  private async invokeAfterConnect(addr: string, request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const start = Date.now();
    const channel = await this.channelFor(addr);
    const left = timeoutMs - (Date.now() - start);
    if (left <= 0) {
      throw new RmqError(
        ErrorCode.TIMEOUT,
        `request ${requestCodeName(request.code)} to ${addr} timed out after ${timeoutMs} ms while connecting`,
        { retriable: true },
      );
    }
    return channel.invoke(request, left);
  }

  private channelFor(addr: string): Promise<TcpChannel> {
    if (this.closing !== undefined) return Promise.reject(new RmqError(ErrorCode.STATE, 'remoting client is closed'));
    const existing = this.pool.get(addr);
    if (existing !== undefined && existing.isOpen) return Promise.resolve(existing);
    let attempt = this.connecting.get(addr);
    if (attempt === undefined) {
      attempt = this.connect(addr);
      const settled = (): void => {
        this.connecting.delete(addr);
      };
      attempt.then(settled, settled);
      this.connecting.set(addr, attempt);
    }
    return attempt;
  }

  private connect(addr: string): Promise<TcpChannel> {
    let target: { host: string; port: number };
    try {
      target = parseAddress(addr);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<TcpChannel>((resolve, reject) => {
      const socket = net.connect({ host: target.host, port: target.port, noDelay: true });
      const fail = (err: RmqError): void => {
        clearTimeout(timer);
        socket.removeListener('connect', onConnect);
        socket.removeListener('error', onError);
        socket.on('error', () => undefined);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => {
        fail(new RmqError(ErrorCode.CONNECTION, `connect to ${addr} timed out after ${this.options.connectTimeoutMs} ms`, { retriable: true }));
      }, this.options.connectTimeoutMs);
      const onError = (err: Error): void => {
        fail(new RmqError(ErrorCode.CONNECTION, `connect to ${addr} failed: ${err.message}`, { retriable: true, cause: err }));
      };
      const onConnect = (): void => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        if (this.closing !== undefined) {
          socket.destroy();
          reject(new RmqError(ErrorCode.STATE, 'remoting client is closed'));
          return;
        }
        const channel = new TcpChannel(socket, this.hostFor(addr), this.options, this.log);
        this.pool.set(addr, channel);
        this.log.debug({ addr, channel: channel.id }, 'connected');
        this.notify('channelOpen', channel);
        resolve(channel);
      };
      socket.once('connect', onConnect);
      socket.once('error', onError);
    });
  }

  private notify<K extends keyof RemotingEvents>(event: K, ...args: RemotingEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: RemotingEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.log.error({ event, err: errorMessage(err) }, 'event listener threw');
    }
  }
}
