/**
 * The supervisor's control socket: one JSON request a line, one JSON answer
 * a line, on a Unix socket (a named pipe on Windows) that only the local
 * user reaches. `cluster restart` uses it; `cluster down` needs no socket (a
 * SIGTERM to the supervisor does it), and `status` reads the state file.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, RmqError, errorMessage } from '@rocketmq-ts/common';

export type ControlRequest = { readonly op: 'ping' } | { readonly op: 'restart'; readonly name: string };

export interface ControlResponse {
  readonly ok: boolean;
  readonly message: string;
  readonly pid?: number;
}

/** Unix socket paths are limited to about 100 bytes; a data directory deep in the tree gets one in the temp directory. */
export function controlPath(dataDir: string): string {
  const hash = createHash('sha1').update(dataDir).digest('hex').slice(0, 12);
  if (process.platform === 'win32') return `\\\\.\\pipe\\rocketmq-ts-${hash}`;
  const inDir = join(dataDir, 'control.sock');
  return Buffer.byteLength(inDir) < 100 ? inDir : join(tmpdir(), `rocketmq-ts-${hash}.sock`);
}

export async function startControlServer(path: string, handle: (req: ControlRequest) => Promise<ControlResponse>): Promise<net.Server> {
  // The data directory is ours (the state file claims it), so a socket file left there is a dead supervisor's.
  if (process.platform !== 'win32') await rm(path, { force: true });
  const server = net.createServer((socket) => {
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let req: ControlRequest;
        try {
          req = JSON.parse(text) as ControlRequest;
        } catch {
          socket.end(`${JSON.stringify({ ok: false, message: 'not JSON' })}\n`);
          return;
        }
        handle(req).then(
          (res) => socket.end(`${JSON.stringify(res)}\n`),
          (err: unknown) => socket.end(`${JSON.stringify({ ok: false, message: errorMessage(err) })}\n`),
        );
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Sends one request and waits for its answer. */
export function sendControl(path: string, req: ControlRequest, timeoutMs: number): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    let buf = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new RmqError(ErrorCode.TIMEOUT, `the supervisor did not answer within ${timeoutMs} ms (${path})`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(req)}\n`));
    socket.on('data', (chunk: string) => (buf += chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(new RmqError(ErrorCode.CONNECTION, `cannot reach the supervisor at ${path}: ${err.message}`, { cause: err }));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const line = buf.split('\n')[0] ?? '';
      try {
        resolve(JSON.parse(line) as ControlResponse);
      } catch {
        reject(new RmqError(ErrorCode.PROTOCOL, `the supervisor's answer is not JSON: ${JSON.stringify(line)}`));
      }
    });
  });
}
