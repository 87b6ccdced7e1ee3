import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import { Fifo } from './fifo.js';

/** A unit of work; a returned promise keeps its slot busy until it settles. */
export type Task = () => void | PromiseLike<void>;

/**
 * Where request handlers run. `submit` never throws and never blocks: it
 * answers false when the work cannot be taken, and the caller answers the
 * peer SYSTEM_BUSY, as Java's thread pools do with RejectedExecutionException.
 */
export interface Executor {
  submit(task: Task): boolean;
}

export interface BoundedExecutorOptions {
  /**
   * Handlers running at once (an async handler counts until it settles).
   * @defaultValue 64
   */
  readonly concurrency: number;
  /**
   * Tasks waiting for a free slot; one more is refused.
   * @defaultValue 10000
   */
  readonly queueCapacity: number;
}

export function defaultBoundedExecutorOptions(): BoundedExecutorOptions {
  return { concurrency: 64, queueCapacity: 10_000 };
}

/**
 * Runs at most `concurrency` tasks at a time and queues at most
 * `queueCapacity` more; the bounded stand-in for a Java ThreadPoolExecutor
 * with an ArrayBlockingQueue. Tasks start synchronously when a slot is free.
 */
export class BoundedExecutor implements Executor {
  readonly concurrency: number;
  readonly queueCapacity: number;
  private readonly queue = new Fifo<Task>();
  private active = 0;
  private draining = false;
  private readonly onTaskDone = (): void => {
    this.active--;
    this.drain();
  };

  constructor(options: Partial<BoundedExecutorOptions> = {}) {
    const o = { ...defaultBoundedExecutorOptions(), ...options };
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1) {
      throw new RmqError(ErrorCode.CONFIG, `executor option concurrency must be an integer >= 1, got ${String(o.concurrency)}`);
    }
    if (!Number.isInteger(o.queueCapacity) || o.queueCapacity < 0) {
      throw new RmqError(ErrorCode.CONFIG, `executor option queueCapacity must be an integer >= 0, got ${String(o.queueCapacity)}`);
    }
    this.concurrency = o.concurrency;
    this.queueCapacity = o.queueCapacity;
  }

  /** Tasks running now. */
  get running(): number {
    return this.active;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.queue.length;
  }

  submit(task: Task): boolean {
    if (this.active < this.concurrency && this.queue.length === 0) {
      this.start(task);
      return true;
    }
    if (this.queue.length >= this.queueCapacity) return false;
    this.queue.push(task);
    return true;
  }

  private start(task: Task): void {
    this.active++;
    let result: void | PromiseLike<void>;
    try {
      result = task();
    } catch {
      // Tasks handle their own errors; a throw here only must not leak the slot.
      result = undefined;
    }
    if (result !== undefined && result !== null && typeof result.then === 'function') {
      result.then(this.onTaskDone, this.onTaskDone);
    } else {
      this.active--;
      this.drain();
    }
  }

  /** A loop, not recursion: a long queue of synchronous tasks must not grow the stack. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.active < this.concurrency && this.queue.length > 0) {
        this.start(this.queue.shift() as Task);
      }
    } finally {
      this.draining = false;
    }
  }
}
