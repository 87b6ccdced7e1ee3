#!/usr/bin/env node
import { runRocketmqTs } from '../rocketmq-ts.js';
import { failStart } from '../process.js';

// Output piped into `head` or a closed terminal: the command goes on (the supervisor must still stop its cluster).
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

runRocketmqTs(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Sockets of the last status request may hold the loop for a moment; the command is done.
    setTimeout(() => process.exit(code), 100).unref();
  },
  (err: unknown) => failStart('rocketmq-ts', err),
);
