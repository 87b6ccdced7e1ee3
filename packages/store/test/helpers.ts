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
