import type { TcpChannel } from './connection.js';

/**
 * One interval per server or client, instead of a timer per request: each
 * tick expires overdue requests and closes idle connections. Unref'd, so it
 * never keeps a process alive on its own.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly idleMs: number;
  private readonly channels: () => Iterable<TcpChannel>;

  constructor(intervalMs: number, idleMs: number, channels: () => Iterable<TcpChannel>) {
    this.intervalMs = intervalMs;
    this.idleMs = idleMs;
    this.channels = channels;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(now: number = Date.now()): void {
    for (const channel of this.channels()) channel.sweep(now, this.idleMs);
  }
}
