/**
 * mqadmin: Apache RocketMQ's admin tool with the same subcommand names,
 * flags and output, over @rocketmq-ts/admin.
 *
 *   mqadmin                      the command list (also -h, --help, help)
 *   mqadmin help <command>       a command's usage
 *   mqadmin <command> [options]  run it; the name is matched ignoring case
 *
 * The NameServer comes from -n (host:port;host:port), else NAMESRV_ADDR.
 * Output goes to stdout exactly as Java prints it; failures go to stderr
 * as one line and exit 1 (the Java tool prints a stack trace and exits 0).
 */
import { Command, CommanderError, Option } from 'commander';
import { AdminClient, parseNameServerList } from '@rocketmq-ts/admin';
import { errorMessage } from '@rocketmq-ts/common';
import { ParsedOptions, UsageError } from './command.js';
import type { CommandContext, OptionSpec, SubCommand } from './command.js';
import { commandHelp, commandList } from './help.js';
import { javaFormat } from './printf.js';
import type { PrintfArg } from './printf.js';
import { brokerStatusCommand, clusterListCommand, clusterRTCommand, getBrokerConfigCommand, updateBrokerConfigCommand } from './commands/cluster.js';
import {
  consumerConnectionCommand,
  consumerProgressCommand,
  deleteSubGroupCommand,
  producerConnectionCommand,
  resetOffsetByTimeCommand,
  updateSubGroupCommand,
} from './commands/group.js';
import {
  consumeMessageCommand,
  printMsgCommand,
  queryMsgByIdCommand,
  queryMsgByKeyCommand,
  queryMsgByOffsetCommand,
  queryMsgByUniqueKeyCommand,
  sendMessageCommand,
} from './commands/message.js';
import { addWritePermCommand, getNamesrvConfigCommand, updateNamesrvConfigCommand, wipeWritePermCommand } from './commands/namesrv.js';
import { COMMON_OPTIONS } from './commands/shared.js';
import { brokerConsumeStatsCommand, statsAllCommand } from './commands/stats.js';
import { deleteTopicCommand, topicListCommand, topicRouteCommand, topicStatusCommand, updateTopicCommand } from './commands/topic.js';

/** The environment variable Java's tools read the NameServer list from. */
export const NAMESRV_ADDR_ENV = 'NAMESRV_ADDR';

/** Subcommands in the order Java's MQAdminStartup registers them (the help list follows it). */
export const MQADMIN_COMMANDS: readonly SubCommand[] = [
  updateTopicCommand,
  deleteTopicCommand,
  updateSubGroupCommand,
  deleteSubGroupCommand,
  updateBrokerConfigCommand,
  topicRouteCommand,
  topicStatusCommand,
  brokerStatusCommand,
  queryMsgByIdCommand,
  queryMsgByKeyCommand,
  queryMsgByUniqueKeyCommand,
  queryMsgByOffsetCommand,
  printMsgCommand,
  brokerConsumeStatsCommand,
  producerConnectionCommand,
  consumerConnectionCommand,
  consumerProgressCommand,
  clusterListCommand,
  topicListCommand,
  wipeWritePermCommand,
  addWritePermCommand,
  resetOffsetByTimeCommand,
  statsAllCommand,
  clusterRTCommand,
  getNamesrvConfigCommand,
  updateNamesrvConfigCommand,
  getBrokerConfigCommand,
  sendMessageCommand,
  consumeMessageCommand,
];

export interface MqadminIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

function allOptions(cmd: SubCommand): OptionSpec[] {
  return [...COMMON_OPTIONS, ...cmd.options];
}

/** A usable long flag: Java long names with spaces work only by their short name. */
function commanderFlags(o: OptionSpec): string {
  const long = o.long?.trim();
  const usable = long !== undefined && /^[A-Za-z][A-Za-z0-9-]*$/.test(long);
  return `-${o.short}${usable ? `, --${long}` : ''}${o.arg ? ' <arg>' : ''}`;
}

function parseArgs(cmd: SubCommand, args: readonly string[]): ParsedOptions {
  const specs = allOptions(cmd);
  const program = new Command(`mqadmin ${cmd.name}`)
    .exitOverride()
    .helpOption(false)
    .allowExcessArguments(true)
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
  const options = specs.map((s) => {
    const o = new Option(commanderFlags(s), s.desc);
    program.addOption(o);
    return { spec: s, attr: o.attributeName() };
  });
  try {
    program.parse([...args], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) throw new UsageError(err.message.replace(/^error: /, ''));
    throw err;
  }
  const raw = program.opts<Record<string, string | boolean | undefined>>();
  const values = new Map<string, string | true>();
  for (const { spec, attr } of options) {
    const v = raw[attr];
    if (typeof v === 'string') values.set(spec.short, v);
    else if (v === true) values.set(spec.short, true);
  }
  const parsed = new ParsedOptions(values);
  if (parsed.has('h')) return parsed;
  const missing = specs.filter((s) => s.required === true && !values.has(s.short)).map((s) => s.short);
  if (missing.length > 0) throw new UsageError(`Missing required option${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  if (cmd.group !== undefined) {
    const chosen = cmd.group.options.filter((s) => values.has(s));
    if (chosen.length > 1) throw new UsageError(`only one of ${cmd.group.options.map((s) => `-${s}`).join(', ')} may be given`);
    if (chosen.length === 0 && cmd.group.required) {
      throw new UsageError(`Missing required option: one of ${cmd.group.options.map((s) => `-${s}`).join(', ')}`);
    }
  }
  return parsed;
}

function findCommand(name: string): SubCommand | undefined {
  const lower = name.toLowerCase();
  return MQADMIN_COMMANDS.find((c) => c.name.toLowerCase() === lower);
}

/**
 * Runs mqadmin with `argv` (without node and the script) and resolves with
 * the exit code: 0 on success, 1 on a bad command line or a failure.
 * Commands that repeat (clusterList -i, clusterRT) run until the process is
 * stopped.
 */
export async function runMqadmin(argv: readonly string[], io: MqadminIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || (first === 'help' && rest.length === 0)) {
    io.out(commandList(MQADMIN_COMMANDS));
    return 0;
  }
  if (first === 'help') {
    const cmd = findCommand(rest[0]!);
    if (cmd === undefined) {
      io.err(`The sub command ${rest[0]!} not exist.\n`);
      return 1;
    }
    io.out(commandHelp(cmd, allOptions(cmd)));
    return 0;
  }
  const cmd = findCommand(first);
  if (cmd === undefined) {
    io.err(`The sub command ${first} not exist.\nSee 'mqadmin' for the list of commands.\n`);
    return 1;
  }

  let opts: ParsedOptions;
  try {
    opts = parseArgs(cmd, rest);
  } catch (err) {
    io.err(`mqadmin ${cmd.name}: ${errorMessage(err)}\n`);
    io.out(commandHelp(cmd, allOptions(cmd)));
    return 1;
  }
  if (opts.has('h')) {
    io.out(commandHelp(cmd, allOptions(cmd)));
    return 0;
  }

  const fromOption = opts.value('n');
  const namesrv = fromOption ?? io.env[NAMESRV_ADDR_ENV];
  let nameServers: string[];
  try {
    if (namesrv === undefined || namesrv.trim() === '') {
      throw new UsageError(`no NameServer address: give -n host:port (several separated by ';') or set ${NAMESRV_ADDR_ENV}`);
    }
    nameServers = parseNameServerList(namesrv, fromOption === undefined ? NAMESRV_ADDR_ENV : '-n');
  } catch (err) {
    io.err(`mqadmin ${cmd.name}: ${errorMessage(err).replace(/^admin option /, '')}\n`);
    return 1;
  }

  let admin: AdminClient | undefined;
  let pending = '';
  let lastChar = '\n';
  const flush = (): void => {
    if (pending.length === 0) return;
    io.out(pending);
    lastChar = pending[pending.length - 1]!;
    pending = '';
  };
  const ctx: CommandContext = {
    admin: () => {
      admin ??= new AdminClient({ nameServer: nameServers });
      return admin;
    },
    namesrvFromOption: fromOption === undefined ? undefined : nameServers,
    out: (text) => {
      pending += text;
      if (pending.length > 16 * 1024) flush();
    },
    printf: (format: string, ...args: PrintfArg[]) => {
      ctx.out(javaFormat(format, ...args));
    },
    warn: (text) => {
      flush();
      io.err(`${text}\n`);
    },
    sleep: (ms) =>
      new Promise((resolve) => {
        flush();
        setTimeout(resolve, ms);
      }),
  };
  let code = 0;
  try {
    await cmd.run(ctx, opts);
  } catch (err) {
    flush();
    if (err instanceof UsageError) {
      io.err(`mqadmin ${cmd.name}: ${err.message}\n`);
      io.out(commandHelp(cmd, allOptions(cmd)));
    } else {
      io.err(`mqadmin ${cmd.name} failed: ${errorMessage(err)}\n`);
    }
    code = 1;
  } finally {
    await admin?.close().catch(() => undefined);
  }
  flush();
  // Java leaves some outputs without a final newline; end ours with one so a shell prompt starts on its own line.
  if (lastChar !== '\n') io.out('\n');
  return code;
}
