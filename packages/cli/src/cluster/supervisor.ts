/**
 * `rocketmq-ts cluster up`: the foreground supervisor of a local cluster.
 *
 * It starts the built mqnamesrv and mqbroker as child processes, each in its
 * own process group (so a Ctrl-C in the terminal reaches the supervisor
 * alone, which then stops brokers before NameServers) with its output going
 * straight to its log file (so the children do not depend on the supervisor
 * being alive to write). It waits until every broker is registered with
 * every NameServer, prints the cluster, and stays: a process that dies is
 * reported with how it ended and the tail of its log; SIGINT or SIGTERM stop
 * everything (SIGTERM to each child, wait, SIGKILL only past the timeout).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import type net from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, RmqError, errorMessage } from '@rocketmq-ts/common';
import type { ClusterInfo } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { clusterListText, fetchClusterInfo, fetchRuntimeInfo } from './cluster-list.js';
import { type ControlRequest, type ControlResponse, controlPath, startControlServer } from './control.js';
import { readInventory } from './inventory.js';
import { type BrokerPlan, type ClusterPlan, type ExtraProperties, type NamesrvPlan, type PortOptions, checkPorts, planCluster, writePlanFiles } from './layout.js';
import { type ClusterState, type ProcessState, claimState, inspectState, processStartTime, readState, removeState, writeState, STATE_VERSION } from './state.js';
import { type ClusterMode, type ClusterTopology, defaultConfDir, topologyFromInventory, topologyFromMode } from './topology.js';
import { readPropertiesFile } from '../properties.js';

/** Where the output of a command goes (the terminal, or a test's buffer). */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export interface UpOptions {
  /** @defaultValue './data' */
  readonly dataDir: string;
  /** Ignored when `inventory` is given. @defaultValue '2m-2s-sync' */
  readonly mode: ClusterMode;
  /** An Ansible INI inventory to take the cluster's shape from, instead of a mode. */
  readonly inventory?: string | undefined;
  /** NameServers in a mode's cluster (an inventory names its own). @defaultValue 1 */
  readonly namesrvCount: number;
  readonly namesrvGroups?: readonly string[] | undefined;
  readonly brokerGroups?: readonly string[] | undefined;
  /** @defaultValue the shipped conf/ */
  readonly confDir?: string | undefined;
  readonly ports: PortOptions;
  readonly extra: ExtraProperties;
  /** How long start-up may take until every broker is registered. @defaultValue 60000 */
  readonly startTimeoutMs: number;
  /** How long a process may take to stop after SIGTERM before it gets SIGKILL. @defaultValue 30000 */
  readonly stopTimeoutMs: number;
}

/** The cli package's root (this file is in src/cluster or dist/cluster). */
function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export function serverBin(kind: 'namesrv' | 'broker'): string {
  return join(packageRoot(), 'dist', 'bin', kind === 'namesrv' ? 'mqnamesrv.js' : 'mqbroker.js');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `code 1`, `signal SIGKILL`. */
export function exitReason(code: number | null, signal: string | null): string {
  return signal !== null ? `signal ${signal}` : `code ${String(code)}`;
}

/** The last lines of a log, pino's JSON lines shown as `time LEVEL msg`. */
export async function logTail(path: string, lines = 12): Promise<string[]> {
  let text: string;
  try {
    const f = await open(path, 'r');
    try {
      const { size } = await f.stat();
      const length = Math.min(size, 16 * 1024);
      const buf = Buffer.alloc(length);
      await f.read(buf, 0, length, size - length);
      text = buf.toString('utf8');
    } finally {
      await f.close();
    }
  } catch {
    return [];
  }
  const levels: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .map((l) => {
      if (!l.startsWith('{')) return l;
      try {
        const j = JSON.parse(l) as { time?: number; level?: number; msg?: string; err?: unknown };
        const time = typeof j.time === 'number' ? new Date(j.time).toISOString().slice(11, 23) : '';
        const err = j.err === undefined ? '' : ` (${typeof j.err === 'string' ? j.err : JSON.stringify(j.err)})`;
        return `${time} ${levels[j.level ?? 30] ?? String(j.level)} ${j.msg ?? ''}${err}`;
      } catch {
        return l;
      }
    });
}

function describeSource(topology: ClusterTopology): string {
  return topology.source.kind === 'mode' ? `mode ${topology.source.mode}` : `inventory ${topology.source.path}`;
}

/** Whether a cluster's recorded shape is what this `up` asks for. */
function sameSource(state: ClusterState, opts: UpOptions): boolean {
  if (opts.inventory !== undefined) return state.mode === 'inventory' && state.inventory === resolve(opts.inventory);
  return state.mode === opts.mode;
}

function processRows(state: ClusterState, alive: ReadonlyMap<string, boolean>): string {
  const rows = state.processes.map((p) => {
    const role = p.kind === 'namesrv' ? 'NameServer' : (p.role ?? '');
    const st = alive.get(p.name) === true ? 'running' : p.exit !== undefined ? `exited (${exitReason(p.exit.code, p.exit.signal)})` : 'not running';
    return [p.name, role, p.pid === undefined ? '-' : String(p.pid), p.addr, st, relative(state.dataDir, p.log), p.host === undefined ? '' : `(${p.host})`];
  });
  const head = ['#Process', '#Role', '#PID', '#Addr', '#State', '#Log', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** The process table, then the clusterList table when a NameServer answers. */
export async function describeCluster(state: ClusterState, alive: ReadonlyMap<string, boolean>): Promise<string> {
  const client = new RemotingClient();
  try {
    const table = await clusterListText(client, state.namesrvAddr.split(';'), 3000).catch((err: unknown) => `(clusterList unavailable: ${errorMessage(err)})\n`);
    return `${processRows(state, alive)}\n${table}`;
  } finally {
    await client.close();
  }
}

async function buildTopology(opts: UpOptions): Promise<ClusterTopology> {
  const confDir = opts.confDir ?? defaultConfDir();
  if (opts.inventory !== undefined) {
    const inv = await readInventory(opts.inventory);
    const base = await readPropertiesFile(join(confDir, 'broker.conf'));
    return topologyFromInventory(inv, { namesrvGroups: opts.namesrvGroups, brokerGroups: opts.brokerGroups, baseProperties: base });
  }
  return topologyFromMode(opts.mode, confDir, opts.namesrvCount);
}

function initialState(plan: ClusterPlan, opts: UpOptions, control: string): ClusterState {
  const now = new Date().toISOString();
  const common = (p: NamesrvPlan | BrokerPlan) => ({ pid: undefined, startTime: undefined, config: p.config, log: p.log, store: p.store, restarts: 0, ...(p.host === undefined ? {} : { host: p.host }) });
  return {
    version: STATE_VERSION,
    mode: opts.inventory !== undefined ? 'inventory' : opts.mode,
    ...(opts.inventory !== undefined ? { inventory: resolve(opts.inventory) } : {}),
    dataDir: plan.dataDir,
    namesrvAddr: plan.namesrvAddr,
    status: 'starting',
    supervisor: { pid: process.pid, startTime: processStartTime(process.pid), control, startedAt: now },
    processes: [
      ...plan.namesrvs.map((n): ProcessState => ({ name: n.name, kind: 'namesrv', addr: n.addr, ports: [n.port], ...common(n) })),
      ...plan.brokers.map(
        (b): ProcessState => ({
          name: b.name,
          kind: 'broker',
          addr: b.addr,
          ports: [b.ports.listen, b.ports.vip, b.ports.ha],
          clusterName: b.clusterName,
          brokerName: b.brokerName,
          brokerId: b.brokerId,
          role: b.role,
          ...common(b),
        }),
      ),
    ],
    updatedAt: now,
  };
}

/** Whether `info` lists the broker at its planned address in its cluster. */
function registered(info: ClusterInfo, b: BrokerPlan): boolean {
  return info.brokerAddrTable.get(b.brokerName)?.brokerAddrs.get(b.brokerId) === b.addr && (info.clusterAddrTable.get(b.clusterName) ?? []).includes(b.brokerName);
}

class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly client = new RemotingClient();
  private control: net.Server | undefined;
  private stopping = false;
  private saving: Promise<void> = Promise.resolve();
  private readonly stopped: Promise<number>;
  private resolveStopped!: (code: number) => void;
  private readonly logFile: string;
  /** Processes being restarted: their next exit is not news. */
  private readonly byName = new Map<string, ProcessState>();

  constructor(
    private readonly plan: ClusterPlan,
    private readonly state: ClusterState,
    private readonly opts: UpOptions,
    private readonly io: Output,
  ) {
    this.stopped = new Promise((r) => (this.resolveStopped = r));
    this.logFile = join(plan.dataDir, 'logs', 'cluster.log');
    for (const p of state.processes) this.byName.set(p.name, p);
  }

  /** A line for the terminal, also kept in logs/cluster.log for whoever was not watching. */
  private say(text: string, stream: 'out' | 'err' = 'out'): void {
    const line = text.endsWith('\n') ? text : `${text}\n`;
    if (stream === 'out') this.io.out(line);
    else this.io.err(line);
    try {
      const stamp = new Date().toISOString();
      appendFileSync(this.logFile, line.split('\n').filter((l) => l !== '').map((l) => `${stamp} ${l}\n`).join(''));
    } catch {
      // The log is a convenience; the terminal has the line.
    }
  }

  private save(): Promise<void> {
    this.saving = this.saving.then(
      () => writeState(this.state),
      () => writeState(this.state),
    );
    return this.saving;
  }

  private spawnProcess(p: NamesrvPlan | BrokerPlan, kind: 'namesrv' | 'broker'): ChildProcess {
    const fd = openSync(p.log, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [serverBin(kind), '-c', p.config, '--log-file', p.log], {
        cwd: this.plan.dataDir,
        // Its own process group: the terminal's Ctrl-C is for the supervisor, which stops children in order.
        detached: true,
        stdio: ['ignore', fd, fd],
        // The effective properties file names the NameServers; an inherited NAMESRV_ADDR must not add others.
        env: { ...process.env, NAMESRV_ADDR: '' },
      });
    } finally {
      closeSync(fd);
    }
    const st = this.byName.get(p.name)!;
    st.pid = child.pid;
    st.startTime = child.pid === undefined ? undefined : processStartTime(child.pid);
    delete st.exit;
    this.children.set(p.name, child);
    child.on('error', (err) => this.say(`${p.name}: cannot start: ${err.message}`, 'err'));
    child.on('exit', (code, signal) => void this.onExit(p.name, child, code, signal));
    return child;
  }

  private async onExit(name: string, child: ChildProcess, code: number | null, signal: string | null): Promise<void> {
    const st = this.byName.get(name)!;
    if (this.children.get(name) !== child) return;
    this.children.delete(name);
    st.exit = { code, signal, at: new Date().toISOString() };
    if (this.stopping) {
      if (code === 0) this.say(`  ${name} stopped`);
      else this.say(`  ${name} stopped with ${exitReason(code, signal)}`);
      await this.save().catch(() => undefined);
      return;
    }
    const tail = await logTail(st.log);
    this.say(
      [
        `${new Date().toISOString()} ${name} (pid ${String(st.pid)}) exited: ${exitReason(code, signal)}`,
        ...(tail.length > 0 ? [`  last lines of ${st.log}:`, ...tail.map((l) => `  | ${l}`)] : [`  (${st.log} is empty)`]),
        `  bring it back with: rocketmq-ts cluster restart ${name}${this.dataDirFlag()}`,
      ].join('\n'),
      'err',
    );
    await this.save().catch(() => undefined);
  }

  private dataDirFlag(): string {
    const rel = relative(process.cwd(), this.plan.dataDir);
    return rel === 'data' ? '' : ` --data-dir ${this.plan.dataDir}`;
  }

  /** Resolves once `name` answers (NameServer) or is registered with every NameServer (broker); throws if it exits or time runs out. */
  private async waitReady(names: readonly string[], deadline: number): Promise<void> {
    const pending = new Set(names);
    while (pending.size > 0) {
      if (this.stopping) throw new RmqError(ErrorCode.STATE, 'stopping');
      for (const name of pending) {
        const st = this.byName.get(name)!;
        if (st.exit !== undefined) {
          const tail = await logTail(st.log);
          throw new RmqError(
            ErrorCode.STATE,
            [`${name} exited during start-up: ${exitReason(st.exit.code, st.exit.signal)}`, `  last lines of ${st.log}:`, ...tail.map((l) => `  | ${l}`)].join('\n'),
          );
        }
      }
      const namesrvs = [...pending].map((n) => this.plan.namesrvs.find((x) => x.name === n)).filter((n) => n !== undefined);
      for (const n of namesrvs) {
        try {
          await fetchClusterInfo(this.client, n.addr, 1000);
          pending.delete(n.name);
          this.say(`  ${n.name} ready on ${n.addr}`);
        } catch {
          // not yet
        }
      }
      const brokers = [...pending].map((n) => this.plan.brokers.find((x) => x.name === n)).filter((b) => b !== undefined);
      if (brokers.length > 0) {
        const infos = await Promise.all(this.plan.namesrvs.map((n) => fetchClusterInfo(this.client, n.addr, 1000).catch(() => undefined)));
        for (const b of brokers) {
          if (infos.every((i) => i !== undefined && registered(i, b))) {
            pending.delete(b.name);
            this.say(`  ${b.name} registered (${b.role}, ${b.addr})`);
          }
        }
      }
      if (pending.size === 0) break;
      if (Date.now() > deadline) {
        throw new RmqError(ErrorCode.TIMEOUT, `not ready within ${Math.round(this.opts.startTimeoutMs / 1000)} s: ${[...pending].join(', ')} (see ${join(this.plan.dataDir, 'logs')})`);
      }
      await sleep(150);
    }
  }

  /**
   * Waits until each master has a replication connection from each of its
   * running slaves, so the first send to a SYNC_MASTER is not answered
   * SLAVE_NOT_AVAILABLE. Brokers without replication (no haConnectionCount
   * in their runtime info) are not waited for.
   */
  private async waitReplication(masters: readonly BrokerPlan[], deadline: number): Promise<void> {
    const pending = new Map<BrokerPlan, BrokerPlan[]>();
    for (const m of masters) {
      if (!this.children.has(m.name)) continue;
      const slaves = this.plan.brokers.filter((b) => b.brokerName === m.brokerName && b.brokerId !== 0 && this.children.has(b.name));
      if (slaves.length > 0) pending.set(m, slaves);
    }
    while (pending.size > 0) {
      if (this.stopping) throw new RmqError(ErrorCode.STATE, 'stopping');
      for (const [m, slaves] of pending) {
        const info = await fetchRuntimeInfo(this.client, m.addr, 1000);
        const count = info?.get('haConnectionCount');
        if (info !== undefined && count === undefined) {
          pending.delete(m);
        } else if (count !== undefined && Number(count) >= slaves.length) {
          pending.delete(m);
          this.say(`  ${m.name} replicating to ${slaves.map((b) => b.name).join(', ')}`);
        }
      }
      if (pending.size === 0) break;
      if (Date.now() > deadline) {
        throw new RmqError(ErrorCode.TIMEOUT, `no replication within ${Math.round(this.opts.startTimeoutMs / 1000)} s: ${[...pending.keys()].map((m) => m.name).join(', ')} (see ${join(this.plan.dataDir, 'logs')})`);
      }
      await sleep(150);
    }
  }

  async start(): Promise<void> {
    const deadline = Date.now() + this.opts.startTimeoutMs;
    for (const n of this.plan.namesrvs) this.spawnProcess(n, 'namesrv');
    await this.save();
    await this.waitReady(
      this.plan.namesrvs.map((n) => n.name),
      deadline,
    );
    // Masters first: a slave learns its master's HA address from its first registration, when the master is already there.
    for (const group of [this.plan.brokers.filter((b) => b.brokerId === 0), this.plan.brokers.filter((b) => b.brokerId !== 0)]) {
      if (group.length === 0) continue;
      if (this.stopping) throw new RmqError(ErrorCode.STATE, 'stopping');
      for (const b of group) this.spawnProcess(b, 'broker');
      await this.save();
      await this.waitReady(
        group.map((b) => b.name),
        deadline,
      );
    }
    await this.waitReplication(
      this.plan.brokers.filter((b) => b.brokerId === 0),
      deadline,
    );
    this.state.status = 'running';
    await this.save();
  }

  async listenControl(): Promise<void> {
    this.control = await startControlServer(this.state.supervisor.control, (req) => this.onControl(req));
  }

  private async onControl(req: ControlRequest): Promise<ControlResponse> {
    if (req.op === 'ping') return { ok: true, message: `supervisor ${process.pid}: ${this.state.status}` };
    if (req.op !== 'restart') return { ok: false, message: `unknown request ${JSON.stringify((req as { op?: unknown }).op)}` };
    if (this.stopping) return { ok: false, message: 'the cluster is stopping' };
    if (this.state.status !== 'running') return { ok: false, message: 'the cluster is still starting' };
    const st = this.byName.get(req.name);
    if (st === undefined) return { ok: false, message: `no process ${req.name}; there are ${[...this.byName.keys()].join(', ')}` };
    if (this.children.has(req.name)) return { ok: false, message: `${req.name} is running (pid ${String(st.pid)})` };
    const p = st.kind === 'namesrv' ? this.plan.namesrvs.find((n) => n.name === req.name)! : this.plan.brokers.find((b) => b.name === req.name)!;
    st.restarts++;
    this.say(`Restarting ${req.name}`);
    const child = this.spawnProcess(p, st.kind);
    await this.save();
    try {
      const deadline = Date.now() + this.opts.startTimeoutMs;
      await this.waitReady([req.name], deadline);
      if (st.kind === 'broker') {
        await this.waitReplication(
          this.plan.brokers.filter((b) => b.brokerId === 0 && b.brokerName === st.brokerName),
          deadline,
        );
      }
    } catch (err) {
      return { ok: false, message: errorMessage(err) };
    }
    return { ok: true, message: `${req.name} is back (pid ${String(child.pid)})`, pid: child.pid };
  }

  /** Stops brokers, then NameServers; resolves the exit code (0, or 1 if a process needed SIGKILL). */
  async stop(reason: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.state.status = 'stopping';
    await this.save().catch(() => undefined);
    this.say(`Stopping the cluster (${reason}): brokers first, then NameServers`);
    let forced = false;
    for (const kind of ['broker', 'namesrv'] as const) {
      const group = [...this.children].filter(([name]) => this.byName.get(name)!.kind === kind);
      const results = await Promise.all(group.map(([name, child]) => this.terminate(name, child)));
      forced ||= results.includes(false);
    }
    this.control?.close();
    await this.client.close();
    await this.saving.catch(() => undefined);
    await removeState(this.plan.dataDir);
    this.say(forced ? 'Stopped (some processes needed SIGKILL).' : 'Stopped.');
    this.resolveStopped(forced ? 1 : 0);
  }

  /** SIGTERM, then SIGKILL past the stop timeout; true if it stopped by itself. */
  private async terminate(name: string, child: ChildProcess): Promise<boolean> {
    if (child.exitCode !== null || child.signalCode !== null) return true;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const gentle = await Promise.race([exited.then(() => true), sleep(this.opts.stopTimeoutMs).then(() => false)]);
    if (!gentle) {
      this.say(`  ${name} did not stop within ${Math.round(this.opts.stopTimeoutMs / 1000)} s: SIGKILL`, 'err');
      child.kill('SIGKILL');
      await exited;
    }
    return gentle;
  }

  /** After a failed start: stop what runs, quickly. */
  async abort(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.children].map(([name, child]) => this.terminate(name, child)));
    this.control?.close();
    await this.client.close();
    await this.saving.catch(() => undefined);
    await removeState(this.plan.dataDir);
  }

  waitStopped(): Promise<number> {
    return this.stopped;
  }

  async printSummary(topology: ClusterTopology): Promise<void> {
    const alive = new Map(this.state.processes.map((p) => [p.name, this.children.has(p.name)] as const));
    const desc = await describeCluster(this.state, alive);
    const flag = this.dataDirFlag();
    this.say(
      [
        '',
        `Cluster up (${describeSource(topology)}), data in ${this.plan.dataDir}`,
        '',
        desc.trimEnd(),
        '',
        `NAMESRV_ADDR=${this.plan.namesrvAddr}`,
        '',
        `Effective properties: ${join(this.plan.dataDir, 'conf')}  Logs: ${join(this.plan.dataDir, 'logs')}`,
        `From another terminal: rocketmq-ts cluster status${flag}   rocketmq-ts cluster down${flag}`,
        'Press Ctrl-C to stop the cluster.',
      ].join('\n'),
    );
  }
}

/** `cluster up`; resolves the process exit code once the cluster stopped (or at once, when nothing was started). */
export async function clusterUp(opts: UpOptions, io: Output): Promise<number> {
  const dataDir = resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true });

  const existing = await readState(dataDir);
  if (existing !== undefined) {
    const insp = inspectState(existing);
    if (insp.supervisorAlive) {
      const what = existing.mode === 'inventory' ? `inventory ${existing.inventory ?? ''}` : `mode ${existing.mode}`;
      io.out(`A cluster already runs from ${dataDir} (${what}, supervisor pid ${existing.supervisor.pid}, ${existing.status}); nothing changed.\n\n`);
      io.out(await describeCluster(existing, insp.alive));
      io.out(`\nNAMESRV_ADDR=${existing.namesrvAddr}\n`);
      if (!sameSource(existing, opts)) {
        io.err(`It was started with ${what}, not what this command asks for; run rocketmq-ts cluster down first to change it.\n`);
        return 1;
      }
      return 0;
    }
    if (!insp.stale) {
      io.err(
        `Processes of a cluster started from ${dataDir} still run without their supervisor: ${insp.running.map((p) => `${p.name} (pid ${String(p.pid)})`).join(', ')}.\n` +
          `Run rocketmq-ts cluster down --data-dir ${dataDir} to stop them, then cluster up again.\n`,
      );
      return 1;
    }
    io.out(`Removing stale state ${join(dataDir, 'cluster.json')}: its supervisor (pid ${existing.supervisor.pid}) and processes are gone.\n`);
    await removeState(dataDir);
  }

  const topology = await buildTopology(opts);
  for (const w of topology.warnings) io.err(`warning: ${w}\n`);
  const plan = planCluster(topology, dataDir, opts.ports, opts.extra);
  const state = initialState(plan, opts, controlPath(dataDir));
  if (!(await claimState(state))) {
    io.err(`Another cluster up claimed ${dataDir} just now; see rocketmq-ts cluster status --data-dir ${dataDir}\n`);
    return 1;
  }

  const sup = new Supervisor(plan, state, opts, io);
  try {
    await checkPorts(plan);
    await writePlanFiles(plan, describeSource(topology));
    await sup.listenControl();
  } catch (err) {
    await removeState(dataDir);
    throw err;
  }

  let signalled: NodeJS.Signals | undefined;
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      io.err(`${sig} again: stopping without waiting (processes get SIGKILL)\n`);
      for (const p of state.processes) {
        if (p.pid === undefined || p.exit !== undefined) continue;
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      void removeState(dataDir).finally(() => process.exit(130));
      return;
    }
    signalled = sig;
    void sup.stop(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed terminal or pipe must not kill the supervisor mid-stop with EPIPE.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);

  const label = describeSource(topology);
  io.out(`Starting ${plan.namesrvs.length} NameServer(s) and ${plan.brokers.length} broker(s) (${label}) in ${dataDir}\n`);
  try {
    await sup.start();
  } catch (err) {
    if (signalled !== undefined) return sup.waitStopped();
    io.err(`cluster up failed: ${errorMessage(err)}\n`);
    await sup.abort();
    return 1;
  }
  if (signalled === undefined) await sup.printSummary(topology);
  const code = await sup.waitStopped();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return code;
}

/** Whether the built servers exist (the cluster runs dist/, so `npm run build` first). */
export function serversBuilt(): string | undefined {
  for (const kind of ['namesrv', 'broker'] as const) if (!existsSync(serverBin(kind))) return serverBin(kind);
  return undefined;
}
