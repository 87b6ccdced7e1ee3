/**
 * Foreground process lifecycle shared by mqnamesrv and mqbroker: run until
 * SIGINT/SIGTERM, then stop cleanly once; a second signal exits at once.
 */
import type { Logger } from '@rocketmq-ts/common';
import { errorMessage } from '@rocketmq-ts/common';

export interface Stoppable {
  close(): Promise<void>;
}

export function stopOnSignals(server: Stoppable, logger: Logger & { flush?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      server.close().then(
        () => {
          logger.info('stopped');
          logger.flush?.();
          resolve();
        },
        (err: unknown) => {
          logger.error({ err: errorMessage(err) }, 'shutdown failed');
          logger.flush?.();
          process.exitCode = 1;
          resolve();
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** Prints a fatal start-up error the way an operator needs it: one line, non-zero exit. */
export function failStart(what: string, err: unknown): never {
  process.stderr.write(`${what}: ${errorMessage(err)}\n`);
  process.exit(1);
}
