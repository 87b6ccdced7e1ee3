/**
 * Runs the built mqadmin (dist/bin/mqadmin.js) as an operator would: a
 * child process, its exit code, stdout and stderr. Run `npm run build`
 * first (npm test does).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MQADMIN = fileURLToPath(new URL('../../dist/bin/mqadmin.js', import.meta.url));

export interface MqadminResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout split into lines, without the empty string after the last newline. */
  readonly lines: string[];
}

export interface MqadminRunOptions {
  /** Extra environment; NAMESRV_ADDR is removed from the inherited one unless given here. */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the process after this long. @defaultValue 20000 */
  readonly timeoutMs?: number;
  /** Resolves once stdout holds this text; the process is then sent SIGTERM (for commands that repeat forever). */
  readonly stopWhen?: (stdout: string) => boolean;
}

export function assertBuilt(): void {
  if (!existsSync(MQADMIN)) throw new Error(`${MQADMIN} is missing: run npm run build first`);
}

export function mqadmin(args: readonly string[], options: MqadminRunOptions = {}): Promise<MqadminResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NAMESRV_ADDR'];
  Object.assign(env, options.env);
  const child: ChildProcess = spawn(process.execPath, [MQADMIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mqadmin ${args.join(' ')} did not finish in ${options.timeoutMs ?? 20000} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (options.stopWhen?.(stdout) === true && child.exitCode === null) child.kill('SIGTERM');
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines = stdout.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      resolve({ code, signal, stdout, stderr, lines });
    });
  });
}
