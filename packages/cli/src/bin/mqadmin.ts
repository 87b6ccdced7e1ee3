#!/usr/bin/env node
import { runMqadmin } from '../mqadmin/mqadmin.js';

runMqadmin(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; if some handle still holds the loop, do not hang the shell.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`mqadmin: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
