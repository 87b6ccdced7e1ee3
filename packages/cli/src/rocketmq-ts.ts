/**
 * `rocketmq-ts`, the umbrella command. Each family lives in its own module
 * and hangs one commander subtree here:
 *
 *   rocketmq-ts bench producer|batch|consumer|transaction   benchmarks (bench/)
 */
import { Command } from 'commander';
import { errorMessage } from '@rocketmq-ts/common';
import { benchCommand, normalizeJavaFlags } from './bench/command.js';
import type { BenchOutput } from './bench/common.js';

const stdio: BenchOutput = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** Runs `rocketmq-ts` with `argv` (without node and the script); resolves the exit code. */
export async function runRocketmqTs(argv: readonly string[], io: BenchOutput = stdio): Promise<number> {
  const code = 0;
  const program = new Command('rocketmq-ts')
    .description('rocketmq-ts: a RocketMQ-compatible messaging platform on Node.js')
    .helpOption('-h, --help', 'Print help')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  program.addCommand(benchCommand(io));

  try {
    // Java's benchmark flags include two-letter short options (-ri, -sr, ...) that commander cannot declare.
    await program.parseAsync(normalizeJavaFlags(argv), { from: 'user' });
  } catch (err) {
    // commander has printed its own usage errors (and help) already.
    if (err instanceof Error && 'exitCode' in err && typeof (err as { exitCode: unknown }).exitCode === 'number') {
      return (err as { exitCode: number }).exitCode;
    }
    io.err(`rocketmq-ts: ${errorMessage(err)}\n`);
    return 1;
  }
  return code;
}
