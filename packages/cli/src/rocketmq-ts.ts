/**
 * `rocketmq-ts`, the umbrella command. Each family lives in its own module:
 *
 *   rocketmq-ts cluster up       start a local cluster in the foreground
 *   rocketmq-ts cluster status   what runs from a data directory
 *   rocketmq-ts cluster down     stop it (from any terminal)
 *   rocketmq-ts cluster restart  start one process of it again
 *   rocketmq-ts bench producer|batch|consumer|transaction   benchmarks (bench/)
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ErrorCode, RmqError, errorMessage } from '@rocketmq-ts/common';
import { clusterDown, clusterRestart, clusterStatus } from './cluster/commands.js';
import { defaultPortOptions } from './cluster/layout.js';
import { type Output, clusterUp, serversBuilt } from './cluster/supervisor.js';
import { CLUSTER_MODES, type ClusterMode } from './cluster/topology.js';
import { benchCommand, normalizeJavaFlags } from './bench/command.js';

const stdio: Output = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

function portArg(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new InvalidArgumentError('expected a port, 1-65535');
  return Number(v);
}

function positiveInt(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('expected a positive integer');
  return Number(v);
}

function seconds(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds > 0');
  return n;
}

function keyValue(v: string, previous: Array<[string, string]> = []): Array<[string, string]> {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got ${JSON.stringify(v)}`);
  return [...previous, [v.slice(0, eq).trim(), v.slice(eq + 1).trim()]];
}

function groups(v: string): string[] {
  return v
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
}

interface UpCli {
  dataDir: string;
  mode: ClusterMode;
  inventory?: string;
  namesrvGroup?: string[];
  brokerGroup?: string[];
  namesrvs: number;
  namesrvPort: number;
  brokerPort: number;
  portStep: number;
  brokerProp?: Array<[string, string]>;
  namesrvProp?: Array<[string, string]>;
  confDir?: string;
  timeout: number;
  stopTimeout: number;
}

/** Runs `rocketmq-ts` with `argv` (without node and the script); resolves the exit code. */
export async function runRocketmqTs(argv: readonly string[], io: Output = stdio): Promise<number> {
  let code = 0;
  const program = new Command('rocketmq-ts')
    .description('rocketmq-ts: a RocketMQ-compatible messaging platform on Node.js')
    .helpOption('-h, --help', 'Print help')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  const cluster = program
    .command('cluster')
    .description('Run a local cluster on 127.0.0.1: NameServers and brokers as child processes')
    .helpOption('-h, --help', 'Print help')
    .exitOverride();

  const dataDirOption = (): Option => new Option('-d, --data-dir <dir>', 'Where the cluster keeps state, configs, stores and logs').default('./data');

  cluster
    .command('up')
    .description('Start a cluster and stay in the foreground; Ctrl-C stops it. Does nothing if one already runs from the data directory.')
    .addOption(dataDirOption())
    .addOption(new Option('-m, --mode <mode>', 'Shape of the cluster, from conf/').choices(CLUSTER_MODES).default('2m-2s-sync'))
    .option('-i, --inventory <file>', 'Take the shape from an Ansible INI inventory instead of --mode')
    .option('--namesrv-group <groups>', 'Inventory groups of NameServer hosts, comma-separated (default: groups named like *namesrv*)', groups)
    .option('--broker-group <groups>', 'Inventory groups of broker hosts, comma-separated (default: groups named like *broker*)', groups)
    .option('--namesrvs <n>', 'NameServers for --mode (an inventory names its own)', positiveInt, 1)
    .option('--namesrv-port <port>', 'First NameServer port; more NameServers take the next ones', portArg, defaultPortOptions().namesrvPort)
    .option('--broker-port <port>', "First broker's listenPort (VIP port = listenPort-2, HA = listenPort+1)", portArg, defaultPortOptions().brokerPort)
    .option('--port-step <n>', "Distance between two brokers' listenPorts", positiveInt, defaultPortOptions().portStep)
    .option('--broker-prop <key=value>', 'Broker property for every broker (repeatable), e.g. mappedFileSizeCommitLog=67108864', keyValue)
    .option('--namesrv-prop <key=value>', 'NameServer property for every NameServer (repeatable)', keyValue)
    .option('--conf-dir <dir>', 'Configuration sets to use instead of the shipped conf/')
    .option('--timeout <seconds>', 'How long start-up may take', seconds, 60)
    .option('--stop-timeout <seconds>', 'How long a process may take to stop before SIGKILL', seconds, 30)
    .helpOption('-h, --help', 'Print help')
    .exitOverride()
    .action(async (o: UpCli, cmd: Command) => {
      if (o.inventory !== undefined && cmd.getOptionValueSource('mode') === 'cli') {
        throw new RmqError(ErrorCode.ARGUMENT, '--mode and --inventory exclude each other: an inventory defines the cluster');
      }
      const missing = serversBuilt();
      if (missing !== undefined) throw new RmqError(ErrorCode.STATE, `${missing} is missing: run npm run build first`);
      code = await clusterUp(
        {
          dataDir: o.dataDir,
          mode: o.mode,
          inventory: o.inventory,
          namesrvCount: o.namesrvs,
          namesrvGroups: o.namesrvGroup,
          brokerGroups: o.brokerGroup,
          confDir: o.confDir,
          ports: { namesrvPort: o.namesrvPort, brokerPort: o.brokerPort, portStep: o.portStep },
          extra: { broker: o.brokerProp ?? [], namesrv: o.namesrvProp ?? [] },
          startTimeoutMs: o.timeout * 1000,
          stopTimeoutMs: o.stopTimeout * 1000,
        },
        io,
      );
    });

  cluster
    .command('status')
    .description('Show the processes and brokers of the cluster in the data directory (exit 0 running, 1 degraded, 3 not running)')
    .addOption(dataDirOption())
    .option('--json', 'Print the state as JSON')
    .helpOption('-h, --help', 'Print help')
    .exitOverride()
    .action(async (o: { dataDir: string; json?: boolean }) => {
      code = await clusterStatus({ dataDir: o.dataDir, json: o.json === true }, io);
    });

  cluster
    .command('down')
    .description('Stop the cluster in the data directory (its supervisor, or its processes if the supervisor is gone)')
    .addOption(dataDirOption())
    .option('--timeout <seconds>', 'How long to wait before SIGKILL', seconds, 60)
    .helpOption('-h, --help', 'Print help')
    .exitOverride()
    .action(async (o: { dataDir: string; timeout: number }) => {
      code = await clusterDown({ dataDir: o.dataDir, timeoutMs: o.timeout * 1000 }, io);
    });

  cluster
    .command('restart')
    .description('Start a process of the running cluster again after it ended (e.g. broker-a-0)')
    .argument('<process>', 'Process name as cluster status lists it')
    .addOption(dataDirOption())
    .option('--timeout <seconds>', 'How long to wait until it is back', seconds, 90)
    .helpOption('-h, --help', 'Print help')
    .exitOverride()
    .action(async (name: string, o: { dataDir: string; timeout: number }) => {
      code = await clusterRestart({ dataDir: o.dataDir, name, timeoutMs: o.timeout * 1000 }, io);
    });

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
