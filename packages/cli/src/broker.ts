/**
 * mqbroker: starts a broker in the foreground, with the habits of Java's
 * BrokerStartup: -c properties file (RocketMQ property names), -n NameServer
 * list, -p / -m print the configuration and exit, the "boot success" line
 * on stdout, clean stop on SIGTERM/SIGINT (unregister, persist, exit 0).
 *
 * The NameServer list: -n, else namesrvAddr from the file, else the
 * NAMESRV_ADDR environment variable, as Java reads them.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { Command } from 'commander';
import { errorMessage, formatConfig } from '@rocketmq-ts/common';
import { Broker, type BrokerConfig, brokerConfigSchema, localAddress, parseBrokerConfig } from '@rocketmq-ts/broker';
import { createServerLogger } from './log.js';
import { LOG_FILE_ENV } from './namesrv.js';
import { failStart, stopOnSignals } from './process.js';
import { readPropertiesFile } from './properties.js';

/** The keys Java marks @ImportantField, which -m prints. */
export const BROKER_IMPORTANT_KEYS: readonly (keyof BrokerConfig)[] = [
  'namesrvAddr',
  'brokerIP1',
  'brokerName',
  'brokerClusterName',
  'brokerId',
  'autoCreateTopicEnable',
  'autoCreateSubscriptionGroup',
  'msgTraceTopicName',
  'traceTopicEnable',
  'rejectTransactionMessage',
  'transactionTimeOut',
  'transactionCheckMax',
  'transactionCheckInterval',
  'aclEnable',
  'storePathRootDir',
  'storePathCommitLog',
  'flushIntervalCommitLog',
  'flushCommitLogTimed',
  'deleteWhen',
  'fileReservedTime',
  'maxTransferBytesOnMessageInMemory',
  'maxTransferCountOnMessageInMemory',
  'maxTransferBytesOnMessageInDisk',
  'maxTransferCountOnMessageInDisk',
  'accessMessageInMemoryMaxRatio',
  'messageIndexEnable',
  'haMasterAddress',
  'brokerRole',
  'flushDiskType',
  'cleanFileForciblyEnable',
];

/** BrokerStartup's line: `The broker[<name>, <ip:port>] boot success. serializeType=JSON[ and name server is <addr>]`. */
export function brokerBootLine(brokerName: string, brokerAddr: string, namesrvAddr: string): string {
  const tip = `The broker[${brokerName}, ${brokerAddr}] boot success. serializeType=JSON`;
  return namesrvAddr === '' ? tip : `${tip} and name server is ${namesrvAddr}`;
}

interface CliOptions {
  configFile?: string;
  printConfigItem?: boolean;
  printImportantConfig?: boolean;
  namesrvAddr?: string;
  logFile?: string;
}

function buildCommand(): Command {
  return new Command('mqbroker')
    .description('Start a RocketMQ broker (rocketmq-ts)')
    .option('-c, --configFile <file>', 'Broker config properties file')
    .option('-n, --namesrvAddr <addr>', 'Name server address list, eg: 192.168.0.1:9876;192.168.0.2:9876')
    .option('-p, --printConfigItem', 'Print all config items')
    .option('-m, --printImportantConfig', 'Print important config items')
    .option('--log-file <file>', `Append logs to this file instead of stdout (or set ${LOG_FILE_ENV})`)
    .helpOption('-h, --help', 'Print help')
    .allowExcessArguments(false)
    .showHelpAfterError();
}

function absolute(p: string): string {
  return p === '' || isAbsolute(p) ? p : resolve(process.cwd(), p);
}

/** Store paths relative to the working directory, as Java resolves them; the derived ones filled in. */
function resolvePaths(c: BrokerConfig, warnings: string[]): void {
  c.storePathRootDir = c.storePathRootDir === '' ? join(process.env['HOME'] ?? process.cwd(), 'store') : absolute(c.storePathRootDir);
  c.storePathCommitLog = c.storePathCommitLog === '' ? join(c.storePathRootDir, 'commitlog') : absolute(c.storePathCommitLog);
  for (const [key, sub] of [
    ['storePathConsumeQueue', 'consumequeue'],
    ['storePathIndex', 'index'],
  ] as const) {
    const derived = join(c.storePathRootDir, sub);
    if (c[key] !== '' && absolute(c[key]) !== derived) {
      warnings.push(`${key}=${c[key]} is ignored, as Java 4.9 ignores it: the files live in ${derived}`);
    }
    c[key] = derived;
  }
}

/** Runs mqbroker with `argv` (without node and the script); resolves once the broker stopped. */
export async function runMqbroker(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const cli = buildCommand().parse([...argv], { from: 'user' }).opts<CliOptions>();

  const layers: Array<Record<string, string>> = [];
  const fromEnv = env['NAMESRV_ADDR'];
  if (fromEnv !== undefined && fromEnv !== '') layers.push({ namesrvAddr: fromEnv });
  if (cli.configFile !== undefined) {
    try {
      layers.push(await readPropertiesFile(cli.configFile));
    } catch (err) {
      failStart('mqbroker', err);
    }
  }
  if (cli.namesrvAddr !== undefined) layers.push({ namesrvAddr: cli.namesrvAddr });
  let parsed;
  try {
    parsed = parseBrokerConfig(layers);
  } catch (err) {
    failStart('mqbroker', err);
  }
  const config = parsed.config;
  const warnings = [...parsed.warnings];
  resolvePaths(config, warnings);
  if (config.brokerIP1 === '') config.brokerIP1 = localAddress();
  if (config.brokerIP2 === '') config.brokerIP2 = config.brokerIP1;

  if (cli.printConfigItem === true || cli.printImportantConfig === true) {
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    const text =
      cli.printConfigItem === true
        ? formatConfig(brokerConfigSchema, config)
        : BROKER_IMPORTANT_KEYS.map((k) => `${k}=${String(config[k])}`).join('\n');
    process.stdout.write(`${text}\n`);
    return;
  }

  const logger = createServerLogger({ name: 'broker', file: cli.logFile ?? env[LOG_FILE_ENV] });
  for (const w of warnings) logger.warn({ configFile: cli.configFile }, w);
  logger.info({ ...config }, 'configuration');

  // UPDATE_BROKER_CONFIG persists to the file the broker was started with, as Java's BrokerPathConfigHelper.
  const broker = new Broker({ config, logger, ...(cli.configFile === undefined ? {} : { configFile: absolute(cli.configFile) }) });
  try {
    await broker.start();
  } catch (err) {
    logger.fatal({ err: errorMessage(err) }, 'broker failed to start');
    logger.flush();
    failStart('mqbroker', err);
  }
  // Handlers first: whoever reads the boot line may signal us at once.
  const stopped = stopOnSignals(broker, logger);
  const line = brokerBootLine(config.brokerName, broker.brokerAddr, config.namesrvAddr);
  logger.info({ addr: broker.brokerAddr, vipPort: broker.vipPort }, line);
  process.stdout.write(`${line}\n`);

  await stopped;
  // Everything is closed and the logger flushed; the async log destination may still hold the loop, so leave now.
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
}
