import { errorMessage, silentLogger } from '@rocketmq-ts/common';
import type { Logger } from '@rocketmq-ts/common';
import { ResponseCode, RpcFlag, createResponse, isOneway } from '@rocketmq-ts/protocol';
import type { RemotingCommand } from '@rocketmq-ts/protocol';
import type { Channel } from './channel.js';
import type { Executor } from './executor.js';

/**
 * Handles one request. Return the response (its opaque, RESPONSE flag and
 * serialize type are set from the request), or undefined to answer nothing
 * now, e.g. to answer later through `channel.send` (long polling). A throw or
 * rejection is answered with SYSTEM_ERROR carrying the error's message.
 */
export type RequestHandler = (
  request: RemotingCommand,
  channel: Channel,
) => RemotingCommand | undefined | PromiseLike<RemotingCommand | undefined>;

export interface ProcessorOptions {
  /** Where the handler runs; defaults to the server's or client's shared executor. */
  readonly executor?: Executor;
  /**
   * Checked before queueing; true answers SYSTEM_BUSY at once, like Java's
   * NettyRequestProcessor.rejectRequest() (a broker whose store is busy).
   */
  readonly rejectRequest?: () => boolean;
}

interface Processor {
  readonly handler: RequestHandler;
  readonly executor: Executor;
  readonly rejectRequest: (() => boolean) | undefined;
}

/** The remarks Java's NettyRemotingAbstract sends; clients only read the codes. */
export const OVERLOAD_REMARK = '[OVERLOAD]system busy, start flow control for a while';
export const REJECT_REQUEST_REMARK = '[REJECTREQUEST]system busy, start flow control for a while';

export function requestNotSupportedRemark(code: number): string {
  return ` request type ${code} not supported`;
}

/**
 * Request code -> handler and executor, plus an optional default handler for
 * codes nobody registered. `dispatch` answers the peer itself in every case
 * that is not the handler's business: unsupported code, busy, handler error.
 */
export class ProcessorRegistry {
  private readonly table = new Map<number, Processor>();
  private fallback: Processor | undefined;
  private readonly defaultExecutor: Executor;
  private readonly log: Logger;

  constructor(defaultExecutor: Executor, logger: Logger = silentLogger) {
    this.defaultExecutor = defaultExecutor;
    this.log = logger;
  }

  register(code: number, handler: RequestHandler, options: ProcessorOptions = {}): void {
    this.table.set(code, this.processor(handler, options));
  }

  registerDefault(handler: RequestHandler, options: ProcessorOptions = {}): void {
    this.fallback = this.processor(handler, options);
  }

  unregister(code: number): boolean {
    return this.table.delete(code);
  }

  has(code: number): boolean {
    return this.table.has(code);
  }

  dispatch(channel: Channel, request: RemotingCommand): void {
    const processor = this.table.get(request.code) ?? this.fallback;
    const oneway = isOneway(request);
    if (processor === undefined) {
      this.log.debug({ remote: channel.remoteAddress, code: request.code }, 'request code not supported');
      if (!oneway) {
        channel.send(createResponse(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, requestNotSupportedRemark(request.code)));
      }
      return;
    }
    if (processor.rejectRequest !== undefined && this.rejects(processor.rejectRequest)) {
      if (!oneway) channel.send(createResponse(request, ResponseCode.SYSTEM_BUSY, REJECT_REQUEST_REMARK));
      return;
    }
    const accepted = processor.executor.submit(() => this.run(processor.handler, channel, request));
    if (!accepted && !oneway) {
      channel.send(createResponse(request, ResponseCode.SYSTEM_BUSY, OVERLOAD_REMARK));
    }
  }

  private rejects(check: () => boolean): boolean {
    try {
      return check();
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'rejectRequest check threw; accepting the request');
      return false;
    }
  }

  private run(handler: RequestHandler, channel: Channel, request: RemotingCommand): void | PromiseLike<void> {
    let result: RemotingCommand | undefined | PromiseLike<RemotingCommand | undefined>;
    try {
      result = handler(request, channel);
    } catch (err) {
      this.fail(channel, request, err);
      return undefined;
    }
    if (result !== undefined && result !== null && typeof (result as PromiseLike<unknown>).then === 'function') {
      return (result as PromiseLike<RemotingCommand | undefined>).then(
        (response) => this.answer(channel, request, response),
        (err: unknown) => this.fail(channel, request, err),
      );
    }
    this.answer(channel, request, result as RemotingCommand | undefined);
    return undefined;
  }

  private answer(channel: Channel, request: RemotingCommand, response: RemotingCommand | undefined | null): void {
    if (response === undefined || response === null || isOneway(request)) return;
    // As Java does: the response carries the request's opaque and serialize type whatever the handler set.
    response.opaque = request.opaque;
    response.flag |= RpcFlag.RESPONSE;
    response.serializeType = request.serializeType;
    if (!channel.send(response) && channel.isOpen) {
      channel.send(createResponse(request, ResponseCode.SYSTEM_ERROR, `response to request ${request.code} could not be encoded`));
    }
  }

  private fail(channel: Channel, request: RemotingCommand, err: unknown): void {
    const message = errorMessage(err);
    this.log.error({ remote: channel.remoteAddress, code: request.code, err: message }, 'request handler failed');
    if (!isOneway(request)) channel.send(createResponse(request, ResponseCode.SYSTEM_ERROR, message));
  }

  private processor(handler: RequestHandler, options: ProcessorOptions): Processor {
    return { handler, executor: options.executor ?? this.defaultExecutor, rejectRequest: options.rejectRequest };
  }
}
