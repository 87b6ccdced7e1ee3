#!/usr/bin/env node
import { runMqnamesrv } from '../namesrv.js';
import { failStart } from '../process.js';

runMqnamesrv(process.argv.slice(2)).catch((err: unknown) => failStart('mqnamesrv', err));
