/**
 * The per-area benchmarks run their servers in a forked child of the same
 * script, so that the load and the servers each get a core, and ask the child
 * for its CPU time around each measured window (CPU per message barely
 * depends on what else the machine runs).
 *
 * Child side: `serveChild(info, close)` sends `info` to the parent, answers
 * CPU probes, and closes and exits when the parent disconnects.
 * Parent side: `forkServer(script, args)` resolves with that `info`, a CPU
 * probe and `stop()`.
 */
import { fork } from 'node:child_process';

export type CpuProbe = () => Promise<NodeJS.CpuUsage>;

export interface ChildServer<T> {
  /** What the child sent once it was ready (addresses, ports). */
  readonly info: T;
  /** The child's process.cpuUsage() now. */
  readonly cpu: CpuProbe;
  /** Disconnects; the child closes its servers and exits. */
  stop(): Promise<void>;
}

export function serveChild(info: object, close: () => Promise<unknown>): void {
  process.send?.(info);
  process.on('message', () => process.send?.({ cpu: process.cpuUsage() }));
  process.on('disconnect', () => {
    void close().then(() => process.exit(0));
  });
}

export async function forkServer<T>(script: string, args: readonly string[], extraExecArgv: readonly string[] = []): Promise<ChildServer<T>> {
  const child = fork(script, [...args], { stdio: 'inherit', execArgv: [...process.execArgv, ...extraExecArgv] });
  const info = await new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
  const cpu: CpuProbe = () =>
    new Promise((resolve) => {
      const onMessage = (m: unknown): void => {
        const usage = (m as { cpu?: NodeJS.CpuUsage }).cpu;
        if (usage === undefined) return;
        child.off('message', onMessage);
        resolve(usage);
      };
      child.on('message', onMessage);
      child.send('cpu');
    });
  return {
    info,
    cpu,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

/** The p-th percentile of an ascending array (NaN when empty). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Microseconds of CPU (user + system) between two process.cpuUsage() readings. */
export function cpuUs(a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number {
  return b.user + b.system - a.user - a.system;
}
