/**
 * Shared pieces of the config managers: the DataVersion counter and a
 * writer that coalesces bursts of changes into one file write at a time.
 */
import { type Logger, errorMessage } from '@rocketmq-ts/common';
import type { DataVersion } from '@rocketmq-ts/protocol';

export function newDataVersion(): DataVersion {
  return { timestamp: Date.now(), counter: 0 };
}

/** DataVersion.nextVersion: the time of the change and one more change. */
export function nextVersion(dv: DataVersion): void {
  dv.timestamp = Date.now();
  dv.counter++;
}

/**
 * Runs `write` for every request, but never two at once: requests made while
 * a write runs are served by one more write after it. A failed write is
 * logged and retried by the next request (the data stays in memory).
 */
export class CoalescingWriter {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly what: string,
    private readonly write: () => Promise<void>,
    private readonly log: Logger,
  ) {}

  /** Schedules a write; resolves when one that started after this call has finished. */
  request(): Promise<void> {
    if (this.running !== undefined) {
      // The running loop writes once more before it settles.
      this.again = true;
      return this.running;
    }
    this.running = this.loop();
    return this.running;
  }

  /** Resolves once no write is running or pending. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        try {
          await this.write();
        } catch (err) {
          this.log.error({ file: this.what, err: errorMessage(err) }, 'persisting a config file failed');
        }
      } while (this.again);
    } finally {
      this.running = undefined;
    }
  }
}
