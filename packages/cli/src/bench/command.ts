/**
 * `rocketmq-ts bench producer | batch | consumer | transaction`: the flags
 * of RocketMQ's benchmark classes (example/.../benchmark/*.java: -n -t -w -s
 * -k -p -l -q -d -e -y -b -ri -g -f -r -sr -su -cr -cu -i) plus long options
 * for what scripts need (--duration, --warmup, --rate, --queues,
 * --topic-count, --async-window, --from). Java's boolean flags take a value
 * (`-k true`); a bare flag means true here as well.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BenchOutput } from './common.js';
import { type ConsumerBenchOptions, runConsumerBench } from './consumer.js';
import { type ProducerBenchKind, type ProducerBenchOptions, runProducerBench } from './producer.js';
import { type TransactionBenchOptions, runTransactionBench } from './transaction.js';

export const BENCH_KINDS = ['producer', 'batch', 'consumer', 'transaction'] as const;
export type BenchKind = (typeof BENCH_KINDS)[number];

/** Java's two-letter short options, which commander cannot declare, and their long names here. */
const JAVA_MULTI_LETTER: Readonly<Record<string, string>> = {
  '-ri': '--reportInterval',
  '-sr': '--sendRollbackRate',
  '-su': '--sendUnknownRate',
  '-cr': '--checkRollbackRate',
  '-cu': '--checkUnknownRate',
};

/** Rewrites Java's `-ri 1000` style into long options commander reads. */
export function normalizeJavaFlags(argv: readonly string[]): string[] {
  return argv.map((a) => JAVA_MULTI_LETTER[a] ?? a);
}

function int(min: number): (v: string) => number {
  return (v) => {
    if (!/^-?\d+$/.test(v.trim()) || Number(v) < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return Number(v);
  };
}

function nonNegative(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number >= 0');
  return n;
}

function fraction(v: string): number {
  const n = nonNegative(v);
  if (n > 1) throw new InvalidArgumentError('expected a rate between 0 and 1');
  return n;
}

/** Java's Boolean.parseBoolean: "true" in any case is true, anything else false. */
function javaBool(v: string | boolean | undefined): boolean {
  return v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
}

function defaultNamesrv(env: NodeJS.ProcessEnv): string {
  const fromEnv = env['NAMESRV_ADDR'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : '127.0.0.1:9876';
}

interface Raw {
  namesrvAddr: string;
  topic: string;
  threadCount: number;
  messageSize?: number;
  keyEnable?: string | boolean;
  propertySize?: number;
  tagCount?: number;
  messageQuantity: number;
  delayEnable?: string | boolean;
  delayLevel?: number;
  asyncEnable?: string | boolean;
  batchSize?: number;
  reportInterval: number;
  duration: number;
  warmup: number;
  rate?: number;
  asyncWindow?: number;
  topicCount?: number;
  queues?: number;
  group?: string;
  groupSuffix?: string | boolean;
  filterType?: string;
  expression?: string;
  failRate?: number;
  from?: 'first' | 'last';
  pullBatchSize?: number;
  sendRollbackRate?: number;
  sendUnknownRate?: number;
  checkRollbackRate?: number;
  checkUnknownRate?: number;
  sendInterval?: number;
}

function commonOptions(cmd: Command, env: NodeJS.ProcessEnv, threads: number): Command {
  return cmd
    .option('-n, --namesrvAddr <addr>', 'Name server address list, eg: 127.0.0.1:9876 (default: $NAMESRV_ADDR or 127.0.0.1:9876)', defaultNamesrv(env))
    .option('-t, --topic <topic>', 'Topic name', 'BenchmarkTest')
    .option('-w, --threadCount <n>', 'Concurrent senders or consumer listener calls (Java: threads)', int(1), threads)
    .option('-q, --messageQuantity <n>', 'Stop after this many messages (batches, transactions); 0 runs until --duration or Ctrl-C', int(0), 0)
    .option('--reportInterval <ms>', 'Milliseconds between report lines (Java: -ri)', int(1), 10000)
    .option('--duration <seconds>', 'Stop after this many seconds; 0 = no limit', nonNegative, 0)
    .option('--warmup <seconds>', 'Seconds at the start left out of the summary', nonNegative, 0);
}

function sendOptions(cmd: Command, size: number): Command {
  return cmd
    .option('-s, --messageSize <bytes>', 'Message body size', int(1), size)
    .option('-k, --keyEnable [bool]', 'Set KEYS on each message')
    .option('-p, --propertySize <n>', 'User properties of about this many characters', int(0), 0)
    .option('-l, --tagCount <n>', 'Tag each message tag<now % n>; 0 = no tag', int(0), 0)
    .option('--rate <n>', 'Messages (batches) per second over all senders; 0 = as fast as possible', nonNegative, 0)
    .option('--topic-count <n>', 'Spread the load round-robin over topics <topic>_0 .. <topic>_<n-1>', int(1), 1)
    .option('--queues <n>', 'Create the topic(s) with this many queues on every master first; 0 = use them as they are', int(0), 0)
    .option('--async-window <n>', 'Async mode: sends outstanding at most (Java: 10000-deep callback queue)', int(1), 10000)
    .option('--group <group>', 'Producer group', 'benchmark_producer');
}

/** Parses the options of one bench subcommand (without the subcommand word); throws on bad input. */
export function parseBenchArgs(kind: 'consumer', argv: readonly string[], env?: NodeJS.ProcessEnv): ConsumerBenchOptions;
export function parseBenchArgs(kind: 'transaction', argv: readonly string[], env?: NodeJS.ProcessEnv): TransactionBenchOptions;
export function parseBenchArgs(kind: ProducerBenchKind, argv: readonly string[], env?: NodeJS.ProcessEnv): ProducerBenchOptions;
export function parseBenchArgs(kind: BenchKind, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ProducerBenchOptions | ConsumerBenchOptions | TransactionBenchOptions {
  const cmd = benchSubcommand(kind, env).exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  cmd.parse(normalizeJavaFlags(argv), { from: 'user' });
  return toOptions(kind, cmd.opts<Raw>());
}

function toOptions(kind: BenchKind, r: Raw): ProducerBenchOptions | ConsumerBenchOptions | TransactionBenchOptions {
  const limits = { quantity: r.messageQuantity, durationS: r.duration, warmupS: r.warmup };
  if (kind === 'consumer') {
    if ((r.filterType === undefined) !== (r.expression === undefined)) throw new InvalidArgumentError('-f and -e go together');
    return {
      ...limits,
      namesrv: r.namesrvAddr,
      topic: r.topic.trim(),
      threads: r.threadCount,
      group: r.group ?? 'benchmark_consumer',
      groupSuffix: javaBool(r.groupSuffix),
      filterType: r.filterType as 'TAG' | 'SQL92' | undefined,
      expressionFile: r.expression,
      failRate: r.failRate ?? 0,
      reportIntervalMs: r.reportInterval,
      topicCount: r.topicCount ?? 1,
      consumeFrom: r.from ?? 'last',
      pullBatchSize: r.pullBatchSize ?? 32,
    };
  }
  if (kind === 'transaction') {
    return {
      ...limits,
      namesrv: r.namesrvAddr,
      topic: r.topic.trim(),
      threads: r.threadCount,
      messageSize: r.messageSize ?? 2048,
      sendRollbackRate: r.sendRollbackRate ?? 0,
      sendUnknownRate: r.sendUnknownRate ?? 0,
      checkRollbackRate: r.checkRollbackRate ?? 0,
      checkUnknownRate: r.checkUnknownRate ?? 0,
      sendIntervalMs: r.sendInterval ?? 0,
      reportIntervalMs: r.reportInterval,
      queues: r.queues ?? 0,
      producerGroup: r.group ?? 'benchmark_transaction_producer',
    };
  }
  return {
    ...limits,
    namesrv: r.namesrvAddr,
    topic: r.topic.trim(),
    threads: r.threadCount,
    messageSize: r.messageSize ?? 128,
    keyEnable: javaBool(r.keyEnable),
    propertySize: r.propertySize ?? 0,
    tagCount: r.tagCount ?? 0,
    delayEnable: javaBool(r.delayEnable),
    delayLevel: r.delayLevel ?? 1,
    asyncEnable: javaBool(r.asyncEnable),
    asyncWindow: r.asyncWindow ?? 10000,
    rate: r.rate ?? 0,
    reportIntervalMs: r.reportInterval,
    topicCount: r.topicCount ?? 1,
    queues: r.queues ?? 0,
    batchSize: kind === 'batch' ? (r.batchSize ?? 16) : 1,
    producerGroup: r.group ?? 'benchmark_producer',
  };
}

/** The commander definition of one subcommand, without an action. */
function benchSubcommand(kind: BenchKind, env: NodeJS.ProcessEnv): Command {
  const cmd = new Command(kind).helpOption('-h, --help', 'Print help').allowExcessArguments(false);
  switch (kind) {
    case 'producer':
      commonOptions(sendOptions(cmd.description("Send messages as RocketMQ's benchmark Producer does"), 128), env, 64)
        .option('-d, --delayEnable [bool]', 'Send delayed messages')
        .option('-e, --delayLevel <level>', 'Delay level with -d', int(1), 1)
        .option('-y, --asyncEnable [bool]', 'Send asynchronously from one loop (Java: threadCount becomes 1)');
      break;
    case 'batch':
      commonOptions(sendOptions(cmd.description("Send batches as RocketMQ's benchmark BatchProducer does"), 128), env, 64)
        .option('-b, --batchSize <n>', 'Messages per batch', int(1), 16)
        .option('-y, --asyncEnable [bool]', 'Keep up to --async-window batches outstanding from one loop (rocketmq-ts)');
      break;
    case 'consumer':
      commonOptions(cmd.description("Consume as RocketMQ's benchmark Consumer does and report born/store-to-consume latency"), env, 20)
        .option('-g, --group <group>', 'Consumer group', 'benchmark_consumer')
        .option('-p, --groupSuffix [bool]', 'Append _<now % 100> to the group')
        .addOption(new Option('-f, --filterType <type>', 'Filter type, with -e').choices(['TAG', 'SQL92']))
        .option('-e, --expression <file>', 'File holding the filter expression, with -f')
        .option('-r, --failRate <rate>', 'Share of messages answered RECONSUME_LATER', fraction, 0)
        .option('--topic-count <n>', 'Subscribe to <topic>_0 .. <topic>_<n-1>', int(1), 1)
        .addOption(new Option('--from <where>', 'Where a new group starts: first (the backlog) or last').choices(['first', 'last']).default('last'))
        .option('--pull-batch-size <n>', 'Messages per pull', int(1), 32);
      break;
    case 'transaction':
      commonOptions(cmd.description("Send transactional messages as RocketMQ's benchmark TransactionProducer does"), env, 32)
        .option('-s, --messageSize <bytes>', 'Message body size', int(1), 2048)
        .option('--sendRollbackRate <rate>', 'Local transactions answering ROLLBACK (Java: -sr)', fraction, 0)
        .option('--sendUnknownRate <rate>', 'Local transactions answering UNKNOW (Java: -su)', fraction, 0)
        .option('--checkRollbackRate <rate>', 'Check-backs answering ROLLBACK (Java: -cr)', fraction, 0)
        .option('--checkUnknownRate <rate>', 'Check-backs answering UNKNOW (Java: -cu)', fraction, 0)
        .option('-i, --sendInterval <ms>', 'Pause of each sender between transactions', int(0), 0)
        .option('--queues <n>', 'Create the topic with this many queues on every master first', int(0), 0)
        .option('--group <group>', 'Producer group', 'benchmark_transaction_producer');
      break;
  }
  return cmd;
}

/** Runs one parsed benchmark. */
export function runBenchKind(kind: BenchKind, options: ProducerBenchOptions | ConsumerBenchOptions | TransactionBenchOptions, io: BenchOutput): Promise<Record<string, unknown>> {
  switch (kind) {
    case 'consumer':
      return runConsumerBench(options as ConsumerBenchOptions, io);
    case 'transaction':
      return runTransactionBench(options as TransactionBenchOptions, io);
    default:
      return runProducerBench(kind, options as ProducerBenchOptions, io);
  }
}

/**
 * The `bench` command tree, to hang under the umbrella command. `signal`
 * ends a running benchmark early (it still prints its summary).
 */
export function benchCommand(io: BenchOutput, signal?: AbortSignal, env: NodeJS.ProcessEnv = process.env): Command {
  const bench = new Command('bench')
    .description("Benchmarks with the flags and report lines of RocketMQ's benchmark tools; the last line is a JSON summary")
    .helpOption('-h, --help', 'Print help')
    .exitOverride();
  // addCommand() does not pass the parent's output settings down.
  const output = { writeOut: (s: string) => io.out(s), writeErr: (s: string) => io.err(s) };
  bench.configureOutput(output).showHelpAfterError();
  for (const kind of BENCH_KINDS) {
    const sub = benchSubcommand(kind, env).exitOverride().configureOutput(output).showHelpAfterError();
    sub.action(async (raw: Raw) => {
      // Ctrl-C ends the run the way -q or --duration would: the summary still prints.
      const interrupted = new AbortController();
      const onSignal = (): void => interrupted.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const stop = signal === undefined ? interrupted.signal : AbortSignal.any([signal, interrupted.signal]);
        await runBenchKind(kind, { ...toOptions(kind, raw), signal: stop }, io);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
    bench.addCommand(sub);
  }
  return bench;
}
