/**
 * What the scenario scripts share: the machine's description and limits
 * (dd with fdatasync on the store's disk, a loopback TCP stream), the
 * built mqnamesrv/mqbroker as child processes (so RSS and CPU are theirs
 * alone), `rocketmq-ts bench` runs as child processes whose last line is
 * their JSON summary, and /proc readings of RSS and CPU.
 */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'packages', 'cli', 'dist', 'bin');
export const HOST = '127.0.0.1';

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function loadavg(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  kernel: string;
}

export function machine(): Machine {
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? '?',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: os.release(),
  };
}

export function requireBuilt(): void {
  for (const f of ['mqnamesrv.js', 'mqbroker.js', 'rocketmq-ts.js']) {
    if (!existsSync(join(BIN, f))) throw new Error(`packages/cli/dist/bin/${f} is missing: run npm run build first`);
  }
}

/** Free bytes on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

export interface Limits {
  /** dd bs=1M count=<n> conv=fdatasync into the store's directory, MB/s (10^6). */
  ddFdatasyncMBps: number;
  /** One loopback TCP connection between two processes, 64 KiB writes, MB/s. */
  loopbackMBps: number;
}

function ddOnce(dir: string, mb: number): number {
  const file = join(dir, 'dd.tmp');
  spawnSync('sync');
  const r = spawnSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${mb}`, 'conv=fdatasync'], { encoding: 'utf8' });
  rmSync(file, { force: true });
  // "1073741824 bytes (1.1 GB, 1.0 GiB) copied, 1.9 s, 565 MB/s"
  const m = /(\d+) bytes .* copied, ([\d.]+) s/.exec(r.stderr);
  if (m === null) throw new Error(`dd failed: ${r.stderr}`);
  return Number(m[1]) / Number(m[2]) / 1e6;
}

/** Bytes per second through one loopback connection to a child process, for `seconds`. */
async function loopbackOnce(seconds: number): Promise<number> {
  // process.execArgv carries tsx's loader, so the child can run this .ts file too.
  const child = fork(fileURLToPath(import.meta.url), ['--loopback-sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.execArgv });
  const port = await new Promise<number>((res, rej) => {
    child.once('message', (m) => res((m as { port: number }).port));
    child.once('exit', (c) => rej(new Error(`loopback sink exited ${c}`)));
  });
  const socket = net.connect({ host: HOST, port });
  await new Promise((r) => socket.once('connect', r));
  const chunk = Buffer.alloc(64 * 1024, 7);
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
  }
  socket.end();
  const got = await new Promise<{ bytes: number; ms: number }>((res) => child.once('message', (m) => res(m as { bytes: number; ms: number })));
  child.kill();
  return got.bytes / (got.ms / 1000);
}

if (process.argv.includes('--loopback-sink')) {
  const server = net.createServer((s) => {
    let bytes = 0;
    let first = 0;
    s.on('data', (d) => {
      if (first === 0) first = performance.now();
      bytes += d.length;
    });
    s.on('end', () => process.send?.({ bytes, ms: performance.now() - first }));
  });
  server.listen(0, HOST, () => process.send?.({ port: (server.address() as net.AddressInfo).port }));
}

/** The machine's limits, measured now: dd on `dir`'s disk (1 GiB) and a 3-second loopback stream. */
export async function measureLimits(dir: string): Promise<Limits> {
  mkdirSync(dir, { recursive: true });
  const dd = ddOnce(dir, 1024);
  const loop = await loopbackOnce(3);
  return { ddFdatasyncMBps: Math.round(dd), loopbackMBps: Math.round(loop / 1e6) };
}

// ---------------------------------------------------------------------------
// /proc readings

/** Resident set size of `pid` in MiB (VmRSS), 0 once it is gone. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Math.round((Number(m[1]) / 1024) * 10) / 10;
  } catch {
    return 0;
  }
}

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds `pid` used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Samples the RSS of some processes every 500 ms until stopped; max and last per pid. */
export class RssSampler {
  readonly max = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: readonly number[]) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 500);
  }

  private sample(): void {
    for (const pid of this.pids) this.max.set(pid, Math.max(this.max.get(pid) ?? 0, rssMiB(pid)));
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
}

// ---------------------------------------------------------------------------
// Servers as child processes

export interface Server {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** "127.0.0.1:port". */
  readonly address: string;
  /** performance.now() at spawn. */
  readonly spawnedAt: number;
  /** performance.now() when its boot line arrived. */
  readonly bootedAt: number;
  stop(): Promise<void>;
}

/** A free port on 127.0.0.1 (another process may take it before we do; good enough for a bench). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, HOST, () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function writeProps(file: string, props: Record<string, string | number>): void {
  writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
}

async function startServer(name: string, script: string, args: string[], address: string, bootText: string, logFile: string, execArgv: string[]): Promise<Server> {
  const spawnedAt = performance.now();
  const proc = spawn(process.execPath, [...execArgv, join(BIN, script), ...args, '--log-file', logFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((res, rej) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes(bootText)) {
        proc.stdout!.off('data', onData);
        res();
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => rej(new Error(`${name} exited with ${code} before booting:\n${out}`)));
  });
  const bootedAt = performance.now();
  proc.stdout!.resume();
  return {
    name,
    bootedAt,
    proc,
    pid: proc.pid!,
    address,
    spawnedAt,
    stop: () =>
      new Promise<void>((res) => {
        if (proc.exitCode !== null) return res();
        proc.once('exit', () => res());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 30_000).unref();
      }),
  };
}

export async function startNamesrv(dir: string, port?: number): Promise<Server> {
  mkdirSync(dir, { recursive: true });
  const p = port ?? (await freePort());
  const conf = join(dir, 'namesrv.properties');
  writeProps(conf, { listenPort: p, listenHost: HOST });
  return startServer('namesrv', 'mqnamesrv.js', ['-c', conf], `${HOST}:${p}`, 'boot success', join(dir, 'namesrv.log'), []);
}

export interface BrokerSpec {
  dir: string;
  namesrv: string;
  flushDiskType?: 'ASYNC_FLUSH' | 'SYNC_FLUSH';
  brokerName?: string;
  extra?: Record<string, string | number>;
  port?: number;
  /** node flags for the broker, e.g. --cpu-prof. */
  execArgv?: string[];
}

export async function startBrokerProcess(s: BrokerSpec): Promise<Server> {
  mkdirSync(s.dir, { recursive: true });
  const port = s.port ?? (await freePort());
  const conf = join(s.dir, 'broker.properties');
  writeProps(conf, {
    brokerName: s.brokerName ?? 'bench-a',
    brokerClusterName: 'BenchCluster',
    brokerIP1: HOST,
    listenPort: port,
    storePathRootDir: join(s.dir, 'store'),
    namesrvAddr: s.namesrv,
    flushDiskType: s.flushDiskType ?? 'ASYNC_FLUSH',
    ...s.extra,
  });
  return startServer(s.brokerName ?? 'broker', 'mqbroker.js', ['-c', conf], `${HOST}:${port}`, 'boot success', join(s.dir, 'broker.log'), s.execArgv ?? []);
}

// ---------------------------------------------------------------------------
// rocketmq-ts bench as a child process

export interface ToolRun {
  summary: Record<string, unknown>;
  /** The exact command, relative to the repository root. */
  command: string;
  seconds: number;
}

/** Runs `rocketmq-ts bench <args>`, echoing its lines indented; resolves its JSON summary. */
export async function runTool(args: string[], echo = true, onLine?: (line: string) => void): Promise<ToolRun> {
  const command = `node packages/cli/dist/bin/rocketmq-ts.js bench ${args.join(' ')}`;
  if (echo) log(`  $ ${command}`);
  const t0 = performance.now();
  const proc = spawn(process.execPath, [join(BIN, 'rocketmq-ts.js'), 'bench', ...args], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
  let last = '';
  let partial = '';
  proc.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      if (l.trim() === '') continue;
      last = l;
      if (echo) log(`  | ${l}`);
      onLine?.(l);
    }
  });
  const code = await new Promise<number | null>((r) => proc.once('exit', r));
  if (partial.trim() !== '') last = partial;
  if (code !== 0) throw new Error(`rocketmq-ts bench exited with ${code}`);
  return { summary: JSON.parse(last) as Record<string, unknown>, command, seconds: (performance.now() - t0) / 1000 };
}

/** A process's RSS and CPU while something runs. */
export async function watch<T>(pids: readonly number[], fn: () => Promise<T>): Promise<{ result: T; maxRss: Map<number, number>; cpu: Map<number, number> }> {
  const sampler = new RssSampler(pids);
  const cpu0 = pids.map(cpuSeconds);
  try {
    const result = await fn();
    const cpu = new Map(pids.map((p, i) => [p, cpuSeconds(p) - cpu0[i]!]));
    return { result, maxRss: sampler.max, cpu };
  } finally {
    sampler.stop();
  }
}

// ---------------------------------------------------------------------------
// Results

export interface ScenarioResult {
  scenario: string;
  title: string;
  date: string;
  command: string;
  machine: Machine;
  limits: Limits | undefined;
  loadBefore: string;
  loadAfter: string;
  rows: Array<Record<string, unknown>>;
  notes: string[];
}

/** Writes bench/results/<scenario>.json (the latest run) and prints the rows. */
export function writeResult(r: ScenarioResult): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${r.scenario}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
  log(`\n${r.scenario}: ${r.title}`);
  log(`machine: ${r.machine.cores} x ${r.machine.cpu}, ${r.machine.memoryGiB} GiB, node ${r.machine.node}; load ${r.loadBefore} -> ${r.loadAfter}`);
  if (r.limits !== undefined) log(`limits: dd conv=fdatasync ${r.limits.ddFdatasyncMBps} MB/s, loopback TCP ${r.limits.loopbackMBps} MB/s`);
  for (const row of r.rows) log(`  ${JSON.stringify(row)}`);
  for (const n of r.notes) log(`  note: ${n}`);
  log(`written: bench/results/${r.scenario}.json`);
  return file;
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
