/**
 * The cluster state file, `<data-dir>/cluster.json`: what `cluster up`
 * started (the supervisor, every process with pid, ports, files), so that
 * `status`, `down` and a second `up` in another terminal know what runs.
 *
 * The file exists from the moment `up` claims the data directory (created
 * with O_EXCL, so two `up`s cannot both claim it) until the cluster stopped
 * cleanly. A file whose supervisor and processes are all gone is stale: the
 * machine rebooted, or the supervisor was killed with the processes.
 *
 * Pids are checked together with the process start time from /proc where
 * there is one, so a pid reused by an unrelated process is not taken for
 * ours.
 */
import { readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, RmqError } from '@rocketmq-ts/common';

export const STATE_FILE = 'cluster.json';
export const STATE_VERSION = 1;

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
  /** ISO time. */
  readonly at: string;
}

export interface ProcessState {
  readonly name: string;
  readonly kind: 'namesrv' | 'broker';
  pid: number | undefined;
  /** /proc start time of `pid` (Linux), to tell our process from a later one with the same pid. */
  startTime: string | undefined;
  /** "127.0.0.1:port" clients use. */
  readonly addr: string;
  /** Every port it binds. */
  readonly ports: readonly number[];
  readonly config: string;
  readonly log: string;
  readonly store: string;
  readonly clusterName?: string;
  readonly brokerName?: string;
  readonly brokerId?: number;
  readonly role?: string;
  /** The inventory host it stands for. */
  readonly host?: string;
  /** How it last ended, if it is not running. */
  exit?: ExitInfo;
  restarts: number;
}

export interface ClusterState {
  readonly version: number;
  /** The shipped mode, or "inventory". */
  readonly mode: string;
  /** Absolute path of the inventory, for mode "inventory". */
  readonly inventory?: string;
  readonly dataDir: string;
  /** "127.0.0.1:9876;..." */
  readonly namesrvAddr: string;
  status: 'starting' | 'running' | 'stopping';
  readonly supervisor: {
    readonly pid: number;
    readonly startTime: string | undefined;
    /** The control socket `restart` talks to. */
    readonly control: string;
    readonly startedAt: string;
  };
  readonly processes: ProcessState[];
  updatedAt: string;
}

export function statePath(dataDir: string): string {
  return join(dataDir, STATE_FILE);
}

/** The state file, or undefined when there is none; a file that cannot be read as state fails naming it. */
export async function readState(dataDir: string): Promise<ClusterState | undefined> {
  const path = statePath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RmqError(ErrorCode.CONFIG, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  let state: ClusterState;
  try {
    state = JSON.parse(text) as ClusterState;
  } catch (err) {
    throw new RmqError(ErrorCode.CONFIG, `${path} is not a cluster state file (${(err as Error).message}); remove it if no cluster runs from ${dataDir}`, { cause: err });
  }
  if (state.version !== STATE_VERSION || !Array.isArray(state.processes) || typeof state.supervisor?.pid !== 'number') {
    throw new RmqError(ErrorCode.CONFIG, `${path} has an unknown format (version ${String(state.version)}); remove it if no cluster runs from ${dataDir}`);
  }
  return state;
}

/** Creates the state file only if there is none: the claim on the data directory. */
export async function claimState(state: ClusterState): Promise<boolean> {
  try {
    await writeFile(statePath(state.dataDir), `${JSON.stringify(state, null, 2)}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Replaces the state file in one step (a reader sees the old or the new file, never half of one). */
export async function writeState(state: ClusterState): Promise<void> {
  state.updatedAt = new Date().toISOString();
  const path = statePath(state.dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, path);
}

export async function removeState(dataDir: string): Promise<void> {
  await rm(statePath(dataDir), { force: true });
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or undefined off Linux. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces; count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

/** Whether `pid` runs and, where start times can be read, is the process that was recorded. */
export function isAlive(pid: number | undefined, startTime: string | undefined): boolean {
  if (pid === undefined || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone; EPERM: it exists but is another user's, so not ours.
    return false;
  }
  if (startTime === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === startTime;
}

export interface Inspection {
  readonly supervisorAlive: boolean;
  readonly alive: ReadonlyMap<string, boolean>;
  /** Processes that run. */
  readonly running: readonly ProcessState[];
  /** Nothing runs: a leftover file. */
  readonly stale: boolean;
}

export function inspectState(state: ClusterState): Inspection {
  const supervisorAlive = isAlive(state.supervisor.pid, state.supervisor.startTime);
  const alive = new Map(state.processes.map((p) => [p.name, p.exit === undefined && isAlive(p.pid, p.startTime)] as const));
  const running = state.processes.filter((p) => alive.get(p.name) === true);
  return { supervisorAlive, alive, running, stale: !supervisorAlive && running.length === 0 };
}
