/**
 * Helpers for tests that run `rocketmq-ts cluster ...` as an operator would:
 * the built command in child processes, on free loopback ports, in a temp
 * data directory; every process is killed at the end even when a test fails.
 * Run `npm run build` first (npm test does).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { portFree } from '../src/cluster/layout.js';
import { type ClusterState, isAlive } from '../src/cluster/state.js';

export const BIN = fileURLToPath(new URL('../dist/bin/rocketmq-ts.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Small files and quick registration, so clusters start fast and use little disk. */
export const FAST_BROKER_PROPS = [
  '--broker-prop',
  'mappedFileSizeCommitLog=16777216',
  '--broker-prop',
  'mappedFileSizeConsumeQueue=120000',
  '--broker-prop',
  'maxHashSlotNum=1000',
  '--broker-prop',
  'maxIndexNum=4000',
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// --- cleanup ---------------------------------------------------------------

const pidsToKill = new Map<number, string | undefined>();
const dirsToRemove: string[] = [];
const children = new Set<ChildProcess>();
const dataDirs = new Set<string>();

/** Kills `child` (and its process group, if it leads one) at cleanup. */
export function track(child: ChildProcess): void {
  children.add(child);
}

function remember(state: ClusterState): void {
  pidsToKill.set(state.supervisor.pid, state.supervisor.startTime);
  for (const p of state.processes) if (p.pid !== undefined) pidsToKill.set(p.pid, p.startTime);
}

/** SIGKILLs every process a test started (supervisors, their process groups, servers) and removes the temp dirs. */
export async function killAll(): Promise<void> {
  // Whatever a cluster's state file names (a restarted process included) goes too.
  for (const dir of dataDirs) {
    try {
      remember(JSON.parse(await readFile(join(dir, 'cluster.json'), 'utf8')) as ClusterState);
    } catch {
      // no state file: nothing runs there
    }
  }
  dataDirs.clear();
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        c.kill('SIGKILL');
      }
    }
  }
  children.clear();
  for (const [pid, start] of pidsToKill) {
    if (isAlive(pid, start)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  pidsToKill.clear();
  while (dirsToRemove.length > 0) await rm(dirsToRemove.pop()!, { recursive: true, force: true });
}

export async function tempDir(prefix = 'rmq-cluster-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirsToRemove.push(dir);
  return dir;
}

// --- ports -----------------------------------------------------------------

export interface Ports {
  readonly namesrvPort: number;
  readonly brokerPort: number;
  readonly portStep: number;
}

/**
 * A block of ports below the ephemeral range (so port-0 listeners of other
 * tests never take them) that is free now: NameServers at base.., brokers
 * at base+20 + 10*i with their VIP and HA neighbours.
 */
export async function freePorts(namesrvs: number, brokers: number): Promise<Ports> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 1200) * 10;
    const ports = { namesrvPort: base, brokerPort: base + 20, portStep: 10 };
    const wanted = [
      ...Array.from({ length: namesrvs }, (_, i) => base + i),
      ...Array.from({ length: brokers }, (_, i) => [ports.brokerPort + 10 * i - 2, ports.brokerPort + 10 * i, ports.brokerPort + 10 * i + 1]).flat(),
    ];
    let free = true;
    for (const p of wanted) if (!(await portFree(p))) free = false;
    if (free) return ports;
  }
}

export function portArgs(p: Ports): string[] {
  return ['--namesrv-port', String(p.namesrvPort), '--broker-port', String(p.brokerPort), '--port-step', String(p.portStep)];
}

// --- running the command ----------------------------------------------------

export interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Run {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<Exited>;
}

/** Starts `rocketmq-ts <args>` in its own process group. */
export function start(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, ROCKETMQ_TS_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<Exited>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs `rocketmq-ts <args>` to its end. */
export async function run(args: readonly string[], cwd: string): Promise<Exited & { stdout: string; stderr: string }> {
  const r = start(args, cwd);
  const e = await r.exited;
  return { ...e, stdout: r.stdout(), stderr: r.stderr() };
}

export interface StatusJson extends ClusterState {
  readonly state: 'running' | 'degraded' | 'stale';
  readonly supervisorAlive: boolean;
  readonly processes: Array<ClusterState['processes'][number] & { alive: boolean }>;
}

export class ClusterRun {
  private constructor(
    readonly run: Run,
    readonly dataDir: string,
    readonly cwd: string,
    readonly ports: Ports,
  ) {}

  /**
   * `cluster up <args>` on free ports with a data dir in a temp directory;
   * resolves once it printed the cluster (or fails with its output).
   */
  static async up(args: readonly string[], options: { namesrvs?: number; brokers?: number; dataDir?: string; timeoutMs?: number } = {}): Promise<ClusterRun> {
    const cwd = options.dataDir === undefined ? await tempDir() : join(options.dataDir, '..');
    const dataDir = options.dataDir ?? join(cwd, 'data');
    dataDirs.add(dataDir);
    for (let attempt = 0; ; attempt++) {
      const ports = await freePorts(options.namesrvs ?? 2, options.brokers ?? 4);
      const r = start(['cluster', 'up', '--data-dir', dataDir, ...portArgs(ports), ...args], cwd);
      const ready = await Promise.race([
        waitFor('cluster up to print the cluster', () => r.stdout().includes('Press Ctrl-C to stop the cluster.') || undefined, options.timeoutMs ?? 60_000).then(() => true),
        r.exited.then(() => false),
      ]);
      if (ready) {
        const c = new ClusterRun(r, dataDir, cwd, ports);
        const st = await c.stateFile();
        if (st === undefined) throw new Error(`cluster up printed the cluster but ${dataDir}/cluster.json is missing`);
        remember(st);
        c.namesrvAddr = st.namesrvAddr;
        return c;
      }
      // Another test took a port between the check and the start: try other ports.
      if (attempt < 3 && r.stderr().includes('is in use')) continue;
      throw new Error(`cluster up exited ${JSON.stringify(await r.exited)}:\n${r.stdout()}\n${r.stderr()}`);
    }
  }

  /** "127.0.0.1:port;..." as the cluster reports it. */
  namesrvAddr = '';

  /** The state file as `cluster status --json` prints it. */
  async state(): Promise<StatusJson> {
    const r = await run(['cluster', 'status', '--json', '--data-dir', this.dataDir], this.cwd);
    const s = JSON.parse(r.stdout) as StatusJson;
    if (s.processes !== undefined) remember(s);
    return s;
  }

  async pid(name: string): Promise<number> {
    const p = (await this.state()).processes.find((x) => x.name === name);
    if (p?.pid === undefined) throw new Error(`no pid for ${name}`);
    return p.pid;
  }

  /** Reads the state file directly (no child process). */
  async stateFile(): Promise<ClusterState | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dataDir, 'cluster.json'), 'utf8')) as ClusterState;
    } catch {
      return undefined;
    }
  }

  cli(args: readonly string[]): Promise<Exited & { stdout: string; stderr: string }> {
    return run([...args, '--data-dir', this.dataDir], this.cwd);
  }

  /** `cluster down` from another terminal; resolves with its result and the supervisor's exit. */
  async down(): Promise<{ down: Exited & { stdout: string; stderr: string }; supervisor: Exited }> {
    const down = await this.cli(['cluster', 'down']);
    return { down, supervisor: await this.run.exited };
  }
}
