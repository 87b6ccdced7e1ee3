/**
 * SYNC_MASTER waits (Java's GroupTransferService): puts waiting until a slave
 * acknowledged their end offset. One ack wakes every put it covers in one
 * pass; one timer serves the whole queue (armed for the oldest waiter), so
 * there is no per-message timer.
 */
import { Fifo } from '../fifo.js';
import { PutMessageStatus } from '../types.js';

interface Waiter {
  readonly nextOffset: number;
  readonly deadline: number;
  readonly resolve: (status: PutMessageStatus) => void;
}

export class ReplicaWaitQueue {
  private readonly waiters = new Fifo<Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  private acked = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  get length(): number {
    return this.waiters.length;
  }

  /** The highest offset a slave acknowledged (push2SlaveMaxOffset). */
  get ackedOffset(): number {
    return this.acked;
  }

  /** Resolves PUT_OK once `ackedOffset >= nextOffset`, FLUSH_SLAVE_TIMEOUT after `timeoutMs`. */
  wait(nextOffset: number, timeoutMs: number): Promise<PutMessageStatus> {
    if (this.acked >= nextOffset) return Promise.resolve(PutMessageStatus.PUT_OK);
    return new Promise<PutMessageStatus>((resolve) => {
      this.waiters.push({ nextOffset, deadline: this.now() + timeoutMs, resolve });
      this.arm();
    });
  }

  /** A slave acknowledged `offset`: wake every waiter it covers. Returns whether the ack was new. */
  ack(offset: number): boolean {
    if (offset <= this.acked) return false;
    this.acked = offset;
    // Puts complete in offset order, so the queue is (almost always) sorted; a rare
    // out-of-order waiter is woken with the one ahead of it or by its deadline.
    for (let w = this.waiters.peek(); w !== undefined && w.nextOffset <= offset; w = this.waiters.peek()) {
      this.waiters.shift();
      w.resolve(PutMessageStatus.PUT_OK);
    }
    return true;
  }

  /** Answers every waiter now (shutdown). */
  failAll(status: PutMessageStatus): void {
    for (const w of this.waiters.drain()) w.resolve(status);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const head = this.waiters.peek();
    if (head === undefined) return;
    if (this.timer !== undefined && this.timerAt <= head.deadline) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = head.deadline;
    this.timer = setTimeout(() => this.expire(), Math.max(0, head.deadline - this.now()));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = this.now();
    // Deadlines grow along the queue (one timeout for all puts), so expired waiters are at its head.
    for (let w = this.waiters.peek(); w !== undefined; w = this.waiters.peek()) {
      if (w.nextOffset <= this.acked) {
        this.waiters.shift();
        w.resolve(PutMessageStatus.PUT_OK);
      } else if (w.deadline <= now) {
        this.waiters.shift();
        w.resolve(PutMessageStatus.FLUSH_SLAVE_TIMEOUT);
      } else {
        break;
      }
    }
    this.arm();
  }
}
