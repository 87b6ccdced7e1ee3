import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeProperties } from '@rocketmq-ts/protocol';
import {
  DefaultMessageStore,
  type MessageStoreDeps,
  type MessageStoreOptions,
  type PutMessageRequest,
  parseMessageStoreOptions,
} from '../src/index.js';

export async function makeTmpDir(prefix = 'rmq-store-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Small files so tests roll segments: 64 KiB CommitLog segments, 100-unit queue files, a tiny index. */
export function smallOptions(dir: string, overrides: Record<string, unknown> = {}): MessageStoreOptions {
  return parseMessageStoreOptions({
    storePathRootDir: dir,
    mappedFileSizeCommitLog: 64 * 1024,
    mappedFileSizeConsumeQueue: 100 * 20,
    maxHashSlotNum: 64,
    maxIndexNum: 256,
    maxMessageSize: 16 * 1024,
    writeChunkSize: 16 * 1024,
    flushIntervalCommitLog: 50,
    logicsWriteInterval: 10,
    flushIntervalConsumeQueue: 100,
    cleanResourceInterval: 3_600_000,
    diskCheckInterval: 3_600_000,
    ...overrides,
  });
}

export async function openStore(dir: string, overrides: Record<string, unknown> = {}, deps: MessageStoreDeps = {}): Promise<DefaultMessageStore> {
  const store = new DefaultMessageStore(smallOptions(dir, overrides), deps);
  await store.start();
  return store;
}

export function msg(topic: string, queueId: number, body: string | Buffer, props: Record<string, string> = {}, extra: Partial<PutMessageRequest> = {}): PutMessageRequest {
  return {
    topic,
    queueId,
    body: typeof body === 'string' ? Buffer.from(body) : body,
    properties: encodeProperties(props),
    bornTimestamp: Date.now(),
    bornHost: '127.0.0.1:50000',
    ...extra,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

import type { StoreFile, StoreFs, StoreFsSpace } from '../src/index.js';
import { nodeStoreFs } from '../src/index.js';

export function errno(code: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: injected`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

/** The real file system with hooks to inject faults and watch calls. */
export class FaultFs implements StoreFs {
  /** Return an error to fail a write (or writev) to `path`; `written` bytes of it are written first. */
  writeFault: ((path: string, position: number, length: number) => { error: NodeJS.ErrnoException; written?: number } | undefined) | undefined;
  /** Delay of each fdatasync, in ms. */
  datasyncDelayMs = 0;
  datasyncFault: ((path: string) => NodeJS.ErrnoException | undefined) | undefined;
  /** Replaces statfs results (disk usage). */
  space: ((path: string) => StoreFsSpace) | undefined;
  /** Delay of each read, in ms. */
  readDelayMs = 0;
  readonly datasyncs: string[] = [];
  writes = 0;

  constructor(private readonly base: StoreFs = nodeStoreFs) {}

  /** Return an error to fail opening `path`. */
  openFault: ((path: string, flags: string) => NodeJS.ErrnoException | undefined) | undefined;

  async open(path: string, flags: 'r' | 'r+' | 'w+' | 'wx+'): Promise<StoreFile> {
    const openError = this.openFault?.(path, flags);
    if (openError !== undefined) throw openError;
    const f = await this.base.open(path, flags);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const fs = this;
    let pending: NodeJS.ErrnoException | undefined;
    const wrapped: StoreFile = {
      path,
      // A fault with `written` bytes behaves like the kernel: a short write, then the error on the next call.
      async write(buffer, offset, length, position) {
        fs.writes++;
        const armed = pending;
        pending = undefined;
        if (armed !== undefined) throw armed;
        const fault = fs.writeFault?.(path, position, length);
        if (fault !== undefined) {
          const n = Math.min(fault.written ?? 0, length);
          if (n <= 0) throw fault.error;
          await f.write(buffer, offset, n, position);
          pending = fault.error;
          return n;
        }
        return f.write(buffer, offset, length, position);
      },
      async writev(buffers, position) {
        const all = Buffer.concat(buffers as Buffer[]);
        return wrapped.write(all, 0, all.length, position);
      },
      async read(buffer, offset, length, position) {
        if (fs.readDelayMs > 0) await sleep(fs.readDelayMs);
        return f.read(buffer, offset, length, position);
      },
      async datasync() {
        if (fs.datasyncDelayMs > 0) await sleep(fs.datasyncDelayMs);
        const fault = fs.datasyncFault?.(path);
        if (fault !== undefined) throw fault;
        fs.datasyncs.push(path);
        return f.datasync();
      },
      sync: () => f.sync(),
      truncate: (len) => f.truncate(len),
      size: () => f.size(),
      close: () => f.close(),
    };
    return wrapped;
  }

  stat = (p: string): ReturnType<StoreFs['stat']> => this.base.stat(p);
  readdir = (p: string): Promise<string[]> => this.base.readdir(p);
  mkdir = (p: string): Promise<void> => this.base.mkdir(p);
  /** Delay of each unlink, in ms. */
  unlinkDelayMs = 0;
  unlink = async (p: string): Promise<void> => {
    if (this.unlinkDelayMs > 0) await sleep(this.unlinkDelayMs);
    return this.base.unlink(p);
  };
  rename = (a: string, b: string): Promise<void> => this.base.rename(a, b);
  rmrf = (p: string): Promise<void> => this.base.rmrf(p);
  syncDir = (p: string): Promise<void> => this.base.syncDir(p);
  readFile = (p: string): Promise<Buffer | undefined> => this.base.readFile(p);
  statfs = (p: string): Promise<StoreFsSpace> => (this.space !== undefined ? Promise.resolve(this.space(p)) : this.base.statfs(p));
}
