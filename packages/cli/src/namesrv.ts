/**
 * mqnamesrv: starts a NameServer in the foreground, with the habits of
 * Java's NamesrvStartup: -c properties file, -p prints the configuration and
 * exits, the "boot success" line on stdout, clean stop on SIGTERM/SIGINT.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { errorMessage } from '@rocketmq-ts/common';
import { NameServer, namesrvConfigEntries, parseNamesrvProperties } from '@rocketmq-ts/namesrv';
import { createServerLogger } from './log.js';
import { failStart, stopOnSignals } from './process.js';
import { readPropertiesFile } from './properties.js';

/** What Java prints once started; start scripts grep for it. */
export const NAMESRV_BOOT_LINE = 'The Name Server boot success. serializeType=JSON';

/** Environment variable naming a log file, for when the command line cannot be changed. */
export const LOG_FILE_ENV = 'ROCKETMQ_TS_LOG_FILE';

interface CliOptions {
  configFile?: string;
  printConfigItem?: boolean;
  namesrvAddr?: string;
  logFile?: string;
}

function buildCommand(): Command {
  return new Command('mqnamesrv')
    .description('Start a RocketMQ NameServer (rocketmq-ts)')
    .option('-c, --configFile <file>', 'Name server config properties file')
    .option('-p, --printConfigItem', 'Print all config items')
    .option('-n, --namesrvAddr <addr>', 'Accepted for compatibility with the Java tool; a NameServer does not use it')
    .option('--log-file <file>', `Append logs to this file instead of stdout (or set ${LOG_FILE_ENV})`)
    .helpOption('-h, --help', 'Print help')
    .allowExcessArguments(false)
    .showHelpAfterError();
}

/** Runs mqnamesrv with `argv` (without node and the script); resolves once the server stopped. */
export async function runMqnamesrv(argv: readonly string[]): Promise<void> {
  const cli = buildCommand().parse([...argv], { from: 'user' }).opts<CliOptions>();

  let fileProps: Record<string, string> = {};
  if (cli.configFile !== undefined) {
    try {
      fileProps = await readPropertiesFile(cli.configFile);
    } catch (err) {
      failStart('mqnamesrv', err);
    }
  }
  let parsed;
  try {
    parsed = parseNamesrvProperties([fileProps]);
  } catch (err) {
    failStart('mqnamesrv', err);
  }
  const config = parsed.config;
  if (cli.configFile !== undefined) {
    // As NamesrvStartup: UPDATE_NAMESRV_CONFIG writes back to the file the server was started with.
    config.configStorePath = resolve(cli.configFile);
    process.stdout.write(`load config properties file OK, ${cli.configFile}\n`);
  }

  if (cli.printConfigItem === true) {
    for (const w of parsed.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`${namesrvConfigEntries(config).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
    return;
  }

  const logger = createServerLogger({ name: 'namesrv', file: cli.logFile ?? process.env[LOG_FILE_ENV] });
  for (const w of parsed.warnings) logger.warn({ configFile: cli.configFile }, w);
  if (cli.namesrvAddr !== undefined) logger.warn({ namesrvAddr: cli.namesrvAddr }, '-n is ignored by a NameServer');
  logger.info(Object.fromEntries(namesrvConfigEntries(config)), 'configuration');

  const server = new NameServer({ ...config, logger });
  try {
    await server.start();
  } catch (err) {
    logger.fatal({ err: errorMessage(err) }, 'NameServer failed to start');
    logger.flush();
    failStart('mqnamesrv', err);
  }
  // Handlers first: whoever reads the boot line may signal us at once.
  const stopped = stopOnSignals(server, logger);
  logger.info({ address: server.address, port: server.port }, NAMESRV_BOOT_LINE);
  process.stdout.write(`${NAMESRV_BOOT_LINE}\n`);

  await stopped;
  // Everything is closed; if some handle still holds the loop, do not hang a service manager.
  setTimeout(() => process.exit(process.exitCode ?? 0), 5000).unref();
}
