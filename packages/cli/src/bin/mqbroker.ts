#!/usr/bin/env node
import { runMqbroker } from '../broker.js';
import { failStart } from '../process.js';

runMqbroker(process.argv.slice(2)).catch((err: unknown) => failStart('mqbroker', err));
