/**
 * The README's client snippets, type-checked and run as a user would: each
 * ```ts block of the "Client" section is compiled by tsc against the
 * package's published types (strict, as this repo), then written to a temp
 * .mjs file (the code is plain JavaScript too) and started with node against
 * a real NameServer and broker, importing the built package (dist/, so build
 * first). The only edits are the NameServer address and the package specifier.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@rocketmq-ts/testkit';
import { onCleanup, realCluster, waitFor } from './real/support.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const distEntry = join(root, 'packages/client/dist/index.js');

/** The ```ts blocks of the README section titled `title`. */
export function snippets(markdown: string, title: string): string[] {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** tsc diagnostics of the snippets as ES modules in this package (empty when they compile). */
function typeErrors(codes: readonly string[]): string[] {
  const files = new Map(codes.map((code, i) => [join(root, `packages/client/test/readme-snippet-${i}.ts`), code]));
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    noEmit: true,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => files.get(f) ?? readFile(f);
  host.fileExists = (f) => files.has(f) || fileExists(f);
  host.getSourceFile = (f, lang, ...rest) => {
    const code = files.get(f);
    return code === undefined ? getSourceFile(f, lang, ...rest) : ts.createSourceFile(f, code, lang, true);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

interface Run {
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

async function runSnippet(code: string, nsAddr: string): Promise<Run> {
  const dir = await tempDir('rmq-readme-');
  onCleanup(() => dir.remove());
  const file = join(dir.dir, 'snippet.mjs');
  const source = code.replaceAll("'@rocketmq-ts/client'", JSON.stringify(pathToFileURL(distEntry).href)).replaceAll('127.0.0.1:9876', nsAddr);
  await writeFile(file, source);
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { stdout: () => out, stderr: () => err, exited, kill: (s) => child.kill(s) };
}

describe('README client snippets', () => {
  it('the producer sends and the consumer receives, against a real NameServer and broker', async () => {
    expect(existsSync(distEntry), 'build first: npm run build').toBe(true);
    const blocks = snippets(readFileSync(join(root, 'README.md'), 'utf8'), 'Client');
    expect(blocks).toHaveLength(2);
    const [producerCode, consumerCode] = blocks as [string, string];
    expect(producerCode).toContain('new Producer(');
    expect(consumerCode).toContain('new PushConsumer(');
    expect(typeErrors(blocks)).toEqual([]);
    // The topic does not exist yet: the broker creates it on the first send (autoCreateTopicEnable, as Java's default).
    const c = await realCluster();

    const producer = await runSnippet(producerCode, c.nsAddr);
    const producerExit = await producer.exited;
    expect(producerExit, producer.stderr()).toBe(0);
    const sent = /^SEND_OK ([0-9A-F]{32})$/m.exec(producer.stdout());
    expect(sent, producer.stdout()).not.toBeNull();
    const msgId = sent![1]!;

    const consumer = await runSnippet(consumerCode, c.nsAddr);
    await waitFor(() => consumer.stdout().includes(`${msgId} TagA Hello RocketMQ`), 30_000, 'the consumer to print the message');
    // SIGINT shuts the consumer down gracefully; the process then exits by itself (nothing left running).
    consumer.kill('SIGINT');
    expect(await consumer.exited, consumer.stderr()).toBe(0);
    expect(consumer.stderr()).toBe('');
  });
});
