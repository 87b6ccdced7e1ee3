/**
 * The broker's stand-in for Java's per-family thread pools and their
 * bounded queues (sendThreadPoolQueueCapacity...), with BrokerFastFailure:
 * a request family runs at most `concurrency` handlers at once (an async
 * handler counts until it settles), queues at most `queueCapacity` more
 * and answers the next one SYSTEM_BUSY; a queued request older than
 * `maxWaitMs` is answered SYSTEM_BUSY "[TIMEOUT_CLEAN_QUEUE]..." instead of
 * being run late.
 *
 * The remoting layer runs our handlers inline (see inlineExecutor); the
 * queueing happens here because only here are the request and its channel
 * known, which fast failure needs to answer.
 */
import { type Logger, errorMessage } from '@rocketmq-ts/common';
import { type RemotingCommand, BodyDecodeError, HeaderFieldError, JsonDialectError, ResponseCode, createResponse } from '@rocketmq-ts/protocol';
import { type Channel, type Executor, OVERLOAD_REMARK, type RequestHandler } from '@rocketmq-ts/remoting';

/** Runs each task at once; the pools below do the bounding. */
export const inlineExecutor: Executor = {
  submit(task) {
    void task();
    return true;
  },
};

export interface RequestPoolOptions {
  /** Handlers running (or awaiting I/O) at once. */
  readonly concurrency: number;
  /** Requests waiting for a slot; one more is answered SYSTEM_BUSY [OVERLOAD]. */
  readonly queueCapacity: number;
  /** A request queued this long is answered SYSTEM_BUSY [TIMEOUT_CLEAN_QUEUE]; 0 disables. */
  readonly maxWaitMs: number;
}

interface Queued {
  readonly request: RemotingCommand;
  readonly channel: Channel;
  readonly handler: RequestHandler;
  readonly createdAt: number;
  readonly resolve: (r: RemotingCommand | undefined) => void;
  readonly reject: (err: unknown) => void;
}

type HandlerResult = RemotingCommand | undefined | PromiseLike<RemotingCommand | undefined>;

function isThenable(v: unknown): v is PromiseLike<RemotingCommand | undefined> {
  return v !== null && typeof v === 'object' && typeof (v as PromiseLike<unknown>).then === 'function';
}

/**
 * Turns a thrown header or body decode error into the answer Java gives a
 * request it cannot decode: SYSTEM_ERROR with the field's remark (or what is
 * wrong with the body). Anything else is rethrown for the remoting layer,
 * which answers SYSTEM_ERROR with the message and logs it as a bug.
 */
export function headerErrorResponse(request: RemotingCommand, err: unknown): RemotingCommand {
  if (err instanceof HeaderFieldError) return createResponse(request, err.responseCode ?? ResponseCode.SYSTEM_ERROR, err.remark);
  if (err instanceof BodyDecodeError || err instanceof JsonDialectError) return createResponse(request, ResponseCode.SYSTEM_ERROR, err.message);
  throw err;
}

export class RequestPool {
  readonly name: string;
  private readonly options: RequestPoolOptions;
  private readonly log: Logger;
  private running = 0;
  private readonly queue: Queued[] = [];
  private head = 0;
  private readonly onSettled = (): void => {
    this.running--;
    if (this.head < this.queue.length) this.drain();
  };

  constructor(name: string, options: RequestPoolOptions, logger: Logger) {
    this.name = name;
    this.options = options;
    this.log = logger;
  }

  /** Requests waiting now. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** Handlers running now. */
  get active(): number {
    return this.running;
  }

  /** How long the oldest queued request has waited (Java's headSlowTimeMills), ms. */
  headWaitMs(now = Date.now()): number {
    const q = this.queue[this.head];
    return q === undefined ? 0 : Math.max(0, now - q.createdAt);
  }

  /** The handler the remoting server calls: runs now, queues, or answers busy. */
  wrap(handler: RequestHandler): RequestHandler {
    return (request, channel) => {
      if (this.running < this.options.concurrency && this.head === this.queue.length) return this.run(handler, request, channel);
      if (this.queued >= this.options.queueCapacity) return createResponse(request, ResponseCode.SYSTEM_BUSY, OVERLOAD_REMARK);
      return new Promise<RemotingCommand | undefined>((resolve, reject) => {
        this.queue.push({ request, channel, handler, createdAt: Date.now(), resolve, reject });
      });
    };
  }

  private run(handler: RequestHandler, request: RemotingCommand, channel: Channel): HandlerResult {
    let result: HandlerResult;
    try {
      result = handler(request, channel);
    } catch (err) {
      return headerErrorResponse(request, err);
    }
    if (!isThenable(result)) return result;
    this.running++;
    return Promise.resolve(result).then(
      (r) => {
        this.onSettled();
        return r;
      },
      (err: unknown) => {
        this.onSettled();
        return headerErrorResponse(request, err);
      },
    );
  }

  private drain(): void {
    while (this.running < this.options.concurrency && this.head < this.queue.length) {
      const q = this.queue[this.head]!;
      this.queue[this.head] = undefined as unknown as Queued;
      this.head++;
      let r: HandlerResult;
      try {
        r = this.run(q.handler, q.request, q.channel);
      } catch (err) {
        q.reject(err);
        continue;
      }
      if (isThenable(r)) r.then(q.resolve, q.reject);
      else q.resolve(r);
    }
    this.compact();
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /** BrokerFastFailure.cleanExpiredRequestInQueue: answers requests queued for maxWaitMs or longer. */
  cleanExpired(now = Date.now()): number {
    const max = this.options.maxWaitMs;
    if (max <= 0) return 0;
    let n = 0;
    while (this.head < this.queue.length) {
      const q = this.queue[this.head]!;
      const behind = now - q.createdAt;
      if (behind < max) break;
      this.queue[this.head] = undefined as unknown as Queued;
      this.head++;
      n++;
      q.resolve(
        createResponse(
          q.request,
          ResponseCode.SYSTEM_BUSY,
          `[TIMEOUT_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: ${behind}ms, size of queue: ${this.queued}`,
        ),
      );
    }
    if (n > 0) {
      this.log.warn({ pool: this.name, answered: n }, 'requests waited too long in the queue; answered SYSTEM_BUSY');
      this.compact();
    }
    return n;
  }

  /** BrokerFastFailure's page-cache-busy case: every queued request is answered SYSTEM_BUSY [PCBUSY_CLEAN_QUEUE]. */
  cleanAll(now = Date.now()): number {
    let n = 0;
    while (this.head < this.queue.length) {
      const q = this.queue[this.head]!;
      this.queue[this.head] = undefined as unknown as Queued;
      this.head++;
      n++;
      q.resolve(
        createResponse(
          q.request,
          ResponseCode.SYSTEM_BUSY,
          `[PCBUSY_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: ${now - q.createdAt}ms, size of queue: ${this.queued}`,
        ),
      );
    }
    if (n > 0) {
      this.log.warn({ pool: this.name, answered: n }, 'store busy; queued requests answered SYSTEM_BUSY');
      this.compact();
    }
    return n;
  }

  /** Answers every queued request SYSTEM_BUSY (shutdown). */
  rejectAll(remark: string): void {
    while (this.head < this.queue.length) {
      const q = this.queue[this.head]!;
      this.head++;
      q.resolve(createResponse(q.request, ResponseCode.SYSTEM_BUSY, remark));
    }
    this.queue.length = 0;
    this.head = 0;
  }
}

/** Logs and swallows; for fire-and-forget calls whose failure must not crash the broker. */
export function logFailure(log: Logger, what: string): (err: unknown) => void {
  return (err) => log.warn({ err: errorMessage(err) }, what);
}
