/**
 * `rocketmq-ts cluster status | down | restart`, which work from any
 * terminal through the state file (and, for restart, the supervisor's
 * control socket).
 */
import { join, resolve } from 'node:path';
import { errorMessage } from '@rocketmq-ts/common';
import { sendControl } from './control.js';
import { type ClusterState, type ProcessState, inspectState, isAlive, readState, removeState } from './state.js';
import { type Output, describeCluster, exitReason } from './supervisor.js';

/** Exit codes of `cluster status`, in the spirit of LSB `status`. */
export const StatusExit = {
  /** The supervisor and every process run. */
  RUNNING: 0,
  /** Something runs but not everything (a process died, or the supervisor is gone). */
  DEGRADED: 1,
  /** Nothing runs (no state file, or a stale one). */
  NOT_RUNNING: 3,
} as const;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function describeMode(s: ClusterState): string {
  return s.mode === 'inventory' ? `inventory ${s.inventory ?? ''}` : `mode ${s.mode}`;
}

export interface StatusOptions {
  readonly dataDir: string;
  /** Print the state file with a liveness flag per process instead of tables. */
  readonly json: boolean;
}

export async function clusterStatus(opts: StatusOptions, io: Output): Promise<number> {
  const dataDir = resolve(opts.dataDir);
  const state = await readState(dataDir);
  if (state === undefined) {
    if (opts.json) io.out(`${JSON.stringify({ state: 'none', dataDir })}\n`);
    else io.out(`No cluster runs from ${dataDir} (no cluster.json).\n`);
    return StatusExit.NOT_RUNNING;
  }
  const insp = inspectState(state);
  const everything = insp.supervisorAlive && insp.running.length === state.processes.length;
  const verdict = insp.stale ? 'stale' : everything ? 'running' : 'degraded';
  if (opts.json) {
    const processes = state.processes.map((p) => ({ ...p, alive: insp.alive.get(p.name) === true }));
    io.out(`${JSON.stringify({ state: verdict, supervisorAlive: insp.supervisorAlive, ...state, processes }, null, 2)}\n`);
  } else if (insp.stale) {
    io.out(
      `Stale state in ${join(dataDir, 'cluster.json')}: the supervisor (pid ${state.supervisor.pid}) and every process are gone ` +
        `(the machine restarted, or they were killed). cluster up replaces it; cluster down removes it.\n`,
    );
  } else {
    const sup = insp.supervisorAlive ? `supervisor pid ${state.supervisor.pid}, since ${state.supervisor.startedAt}` : `supervisor pid ${state.supervisor.pid} is GONE`;
    io.out(`Cluster (${describeMode(state)}) from ${dataDir}: ${verdict === 'running' ? state.status : 'DEGRADED'} (${sup})\n`);
    io.out(`NAMESRV_ADDR=${state.namesrvAddr}\n\n`);
    io.out(await describeCluster(state, insp.alive));
    if (!insp.supervisorAlive) io.out(`\nThe processes above run without their supervisor; cluster down stops them.\n`);
  }
  return insp.stale ? StatusExit.NOT_RUNNING : everything ? StatusExit.RUNNING : StatusExit.DEGRADED;
}

export interface DownOptions {
  readonly dataDir: string;
  /** How long to wait for the cluster to stop before SIGKILL. @defaultValue 60000 */
  readonly timeoutMs: number;
}

async function waitGone(check: () => boolean, deadline: number): Promise<boolean> {
  while (check()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** Stops processes whose supervisor is gone: brokers, then NameServers; SIGKILL past the deadline. */
async function stopOrphans(state: ClusterState, deadline: number, io: Output): Promise<void> {
  for (const kind of ['broker', 'namesrv'] as const) {
    const group = state.processes.filter((p) => p.kind === kind && p.exit === undefined && isAlive(p.pid, p.startTime));
    for (const p of group) {
      io.out(`  SIGTERM ${p.name} (pid ${String(p.pid)})\n`);
      signal(p, 'SIGTERM');
    }
    for (const p of group) {
      if (!(await waitGone(() => isAlive(p.pid, p.startTime), deadline))) {
        io.err(`  ${p.name} did not stop in time: SIGKILL\n`);
        signal(p, 'SIGKILL');
        await waitGone(() => isAlive(p.pid, p.startTime), Date.now() + 5000);
      }
    }
  }
}

function signal(p: ProcessState, sig: NodeJS.Signals): void {
  try {
    if (p.pid !== undefined) process.kill(p.pid, sig);
  } catch {
    // already gone
  }
}

export async function clusterDown(opts: DownOptions, io: Output): Promise<number> {
  const dataDir = resolve(opts.dataDir);
  const state = await readState(dataDir);
  if (state === undefined) {
    io.out(`No cluster runs from ${dataDir} (no cluster.json); nothing to stop.\n`);
    return 0;
  }
  const deadline = Date.now() + opts.timeoutMs;
  const insp = inspectState(state);
  if (insp.supervisorAlive) {
    io.out(`Stopping the cluster from ${dataDir} (supervisor pid ${state.supervisor.pid})...\n`);
    try {
      process.kill(state.supervisor.pid, 'SIGTERM');
    } catch {
      // it went away meanwhile; the processes are checked below
    }
    const gone = await waitGone(() => isAlive(state.supervisor.pid, state.supervisor.startTime), deadline);
    if (!gone) {
      io.err(`The supervisor (pid ${state.supervisor.pid}) did not stop within ${Math.round(opts.timeoutMs / 1000)} s.\n`);
      return 1;
    }
  } else if (insp.stale) {
    io.out(`Nothing runs from ${dataDir}; removing the stale cluster.json.\n`);
    await removeState(dataDir);
    return 0;
  } else {
    io.out(`The supervisor (pid ${state.supervisor.pid}) is gone; stopping its processes directly.\n`);
  }
  // Whatever still runs (an orphan, or a supervisor that died while stopping) is stopped here.
  const left = inspectState(state);
  if (left.running.length > 0) await stopOrphans(state, deadline, io);
  await removeState(dataDir);
  io.out(`Stopped: ${state.processes.map((p) => p.name).join(', ')}\n`);
  return 0;
}

export interface RestartOptions {
  readonly dataDir: string;
  readonly name: string;
  /** @defaultValue 90000 */
  readonly timeoutMs: number;
}

/** Asks the supervisor to start a process that is not running (after a crash, or a kill). */
export async function clusterRestart(opts: RestartOptions, io: Output): Promise<number> {
  const dataDir = resolve(opts.dataDir);
  const state = await readState(dataDir);
  if (state === undefined) {
    io.err(`No cluster runs from ${dataDir}; start one with rocketmq-ts cluster up.\n`);
    return 1;
  }
  const insp = inspectState(state);
  if (!insp.supervisorAlive) {
    io.err(`The supervisor of ${dataDir} (pid ${state.supervisor.pid}) is not running: only cluster up can start processes.\n`);
    return 1;
  }
  const p = state.processes.find((x) => x.name === opts.name);
  if (p === undefined) {
    io.err(`No process ${opts.name}; there are ${state.processes.map((x) => x.name).join(', ')}.\n`);
    return 1;
  }
  if (insp.alive.get(p.name) === true) {
    io.err(`${p.name} is running (pid ${String(p.pid)}); stop it first (it is restarted only after it ended${p.exit === undefined ? '' : `: last ${exitReason(p.exit.code, p.exit.signal)}`}).\n`);
    return 1;
  }
  try {
    const res = await sendControl(state.supervisor.control, { op: 'restart', name: opts.name }, opts.timeoutMs);
    if (res.ok) io.out(`${res.message}\n`);
    else io.err(`${res.message}\n`);
    return res.ok ? 0 : 1;
  } catch (err) {
    io.err(`${errorMessage(err)}\n`);
    return 1;
  }
}
