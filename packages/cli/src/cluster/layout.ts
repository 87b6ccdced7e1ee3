/**
 * The local layout of a cluster: every process on 127.0.0.1 with its own
 * ports, store directory, log file and effective properties file under the
 * data directory.
 *
 * Ports follow Java's layout per broker: listenPort L for clients, the VIP
 * port L-2 (older clients), HA at L+1. Brokers are spaced by `portStep`
 * (100 by default, as deployment guides put a slave at 11011 beside a master
 * at 10911) so those never collide; NameServers take consecutive ports.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import { parseBrokerConfig } from '@rocketmq-ts/broker';
import { parseNamesrvProperties } from '@rocketmq-ts/namesrv';
import type { BrokerSpec, ClusterTopology, NamesrvSpec } from './topology.js';
import { LAYOUT_KEYS } from './topology.js';

export const LOOPBACK = '127.0.0.1';

export interface PortOptions {
  /** First NameServer's port; the others follow. @defaultValue 9876 */
  readonly namesrvPort: number;
  /** First broker's listenPort. @defaultValue 10911 */
  readonly brokerPort: number;
  /** Distance between two brokers' listenPorts; at least 4 (VIP L-2 .. HA L+1). @defaultValue 100 */
  readonly portStep: number;
}

export function defaultPortOptions(): PortOptions {
  return { namesrvPort: 9876, brokerPort: 10911, portStep: 100 };
}

export interface NamesrvPlan extends NamesrvSpec {
  readonly port: number;
  /** "127.0.0.1:port". */
  readonly addr: string;
  /** Effective properties file (data/conf/<name>.properties). */
  readonly config: string;
  readonly log: string;
  readonly store: string;
  readonly properties: ReadonlyArray<readonly [string, string]>;
}

export interface BrokerPlan extends BrokerSpec {
  readonly ports: { readonly listen: number; readonly vip: number; readonly ha: number };
  readonly addr: string;
  readonly config: string;
  readonly log: string;
  readonly store: string;
  /** What the file holds: the broker's own properties, the extra ones, then the layout. */
  readonly effective: ReadonlyArray<readonly [string, string]>;
  /** The extra properties given with --broker-prop. */
  readonly extra: ReadonlyArray<readonly [string, string]>;
  /** The layout's properties (ports, addresses, paths). */
  readonly layout: ReadonlyArray<readonly [string, string]>;
}

export interface ClusterPlan {
  readonly dataDir: string;
  /** "127.0.0.1:9876;127.0.0.1:9877" */
  readonly namesrvAddr: string;
  readonly namesrvs: readonly NamesrvPlan[];
  readonly brokers: readonly BrokerPlan[];
}

export interface ExtraProperties {
  /** Added to every broker's properties (after its own, before the layout). */
  readonly broker?: ReadonlyArray<readonly [string, string]>;
  /** Added to every NameServer's properties. */
  readonly namesrv?: ReadonlyArray<readonly [string, string]>;
}

/** NameServer keys the layout owns. */
const NAMESRV_LAYOUT_KEYS = ['listenHost', 'listenPort', 'kvConfigPath', 'configStorePath'];

export function planCluster(topology: ClusterTopology, dataDir: string, ports: PortOptions, extra: ExtraProperties = {}): ClusterPlan {
  if (ports.portStep < 4) throw new RmqError(ErrorCode.CONFIG, `--port-step ${ports.portStep} is too small: each broker uses listenPort-2 .. listenPort+1`);
  const brokerExtra = extra.broker ?? [];
  const namesrvExtra = extra.namesrv ?? [];
  for (const [k] of brokerExtra) {
    if (LAYOUT_KEYS.includes(k)) throw new RmqError(ErrorCode.CONFIG, `--broker-prop ${k}: the local layout sets ${k} (use --broker-port, --port-step or --data-dir)`);
  }
  for (const [k] of namesrvExtra) {
    if (NAMESRV_LAYOUT_KEYS.includes(k)) throw new RmqError(ErrorCode.CONFIG, `--namesrv-prop ${k}: the local layout sets ${k} (use --namesrv-port or --data-dir)`);
  }
  const namesrvs: NamesrvPlan[] = topology.namesrvs.map((spec, i) => {
    const port = ports.namesrvPort + i;
    const store = join(dataDir, 'store', spec.name);
    return {
      ...spec,
      port,
      addr: `${LOOPBACK}:${port}`,
      config: join(dataDir, 'conf', `${spec.name}.properties`),
      log: join(dataDir, 'logs', `${spec.name}.log`),
      store,
      properties: [...namesrvExtra, ['listenHost', LOOPBACK], ['listenPort', String(port)], ['kvConfigPath', join(store, 'kvConfig.json')]],
    };
  });
  const namesrvAddr = namesrvs.map((n) => n.addr).join(';');
  const brokers: BrokerPlan[] = topology.brokers.map((spec, i) => {
    const listen = ports.brokerPort + i * ports.portStep;
    const store = join(dataDir, 'store', spec.name);
    const layout: Array<[string, string]> = [
      ['namesrvAddr', namesrvAddr],
      ['brokerIP1', LOOPBACK],
      ['brokerIP2', LOOPBACK],
      ['listenHost', LOOPBACK],
      ['listenPort', String(listen)],
      ['haListenPort', String(listen + 1)],
      ['storePathRootDir', store],
      ['storePathCommitLog', join(store, 'commitlog')],
    ];
    // The broker's own values for layout keys (a seed file's listenPort, say) give way to the layout.
    const own = spec.properties.filter(([k]) => !LAYOUT_KEYS.includes(k));
    return {
      ...spec,
      ports: { listen, vip: listen - 2, ha: listen + 1 },
      addr: `${LOOPBACK}:${listen}`,
      config: join(dataDir, 'conf', `${spec.name}.properties`),
      log: join(dataDir, 'logs', `${spec.name}.log`),
      store,
      effective: [...own, ...brokerExtra, ...layout],
      extra: brokerExtra,
      layout,
    };
  });
  const all = [...namesrvs.map((n) => n.port), ...brokers.flatMap((b) => [b.ports.vip, b.ports.listen, b.ports.ha])];
  for (const p of all) if (p < 1 || p > 65535) throw new RmqError(ErrorCode.CONFIG, `port ${p} is out of range; choose lower --namesrv-port/--broker-port`);
  const clash = namesrvs.find((n) => brokers.some((b) => [b.ports.vip, b.ports.listen, b.ports.ha].includes(n.port)));
  if (clash !== undefined) throw new RmqError(ErrorCode.CONFIG, `NameServer port ${clash.port} falls among the broker ports; choose other --namesrv-port/--broker-port`);
  // Validate now, naming the process, rather than have a child die at start.
  for (const b of brokers) {
    try {
      parseBrokerConfig([Object.fromEntries(b.effective)]);
    } catch (err) {
      throw new RmqError(ErrorCode.CONFIG, `${b.name}: ${(err as Error).message}`, { cause: err });
    }
  }
  for (const n of namesrvs) {
    try {
      parseNamesrvProperties([Object.fromEntries(n.properties)]);
    } catch (err) {
      throw new RmqError(ErrorCode.CONFIG, `${n.name}: ${(err as Error).message}`, { cause: err });
    }
  }
  return { dataDir, namesrvAddr, namesrvs, brokers };
}

/** Every port the plan binds, with who binds it, in start order. */
export function plannedPorts(plan: ClusterPlan): Array<{ port: number; owner: string }> {
  return [
    ...plan.namesrvs.map((n) => ({ port: n.port, owner: `${n.name} (NameServer)` })),
    ...plan.brokers.flatMap((b) => [
      { port: b.ports.listen, owner: `${b.name} listenPort` },
      { port: b.ports.vip, owner: `${b.name} VIP port (listenPort-2)` },
      { port: b.ports.ha, owner: `${b.name} HA port (listenPort+1)` },
    ]),
  ];
}

/** Whether 127.0.0.1:port can be bound right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: LOOPBACK, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Fails naming the first taken port and who would have used it. */
export async function checkPorts(plan: ClusterPlan): Promise<void> {
  for (const { port, owner } of plannedPorts(plan)) {
    if (!(await portFree(port))) {
      const flag = owner.includes('NameServer') ? '--namesrv-port' : '--broker-port';
      throw new RmqError(ErrorCode.CONFIG, `port ${port} on ${LOOPBACK} is in use (wanted for ${owner}); stop what uses it or choose other ports with ${flag}`);
    }
  }
}

/** A `.properties` value (or key) with what Properties.load would misread escaped. */
function escapeProperty(s: string, isKey: boolean): string {
  let out = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  if (isKey) out = out.replace(/([=: #!])/g, '\\$1');
  else if (out.startsWith(' ')) out = `\\${out}`;
  return out;
}

function propertiesText(header: readonly string[], sections: ReadonlyArray<{ title: string; entries: ReadonlyArray<readonly [string, string]> }>): string {
  const lines = header.map((h) => `# ${h}`);
  for (const s of sections) {
    if (s.entries.length === 0) continue;
    lines.push('', `# ${s.title}`);
    for (const [k, v] of s.entries) lines.push(`${escapeProperty(k, true)}=${escapeProperty(v, false)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes every process's effective properties and creates the log and store directories. */
export async function writePlanFiles(plan: ClusterPlan, describe: string): Promise<void> {
  await mkdir(join(plan.dataDir, 'conf'), { recursive: true });
  await mkdir(join(plan.dataDir, 'logs'), { recursive: true });
  const stamp = new Date().toISOString();
  for (const n of plan.namesrvs) {
    await mkdir(n.store, { recursive: true });
    const header = [`${n.name}: written by rocketmq-ts cluster up (${describe}) at ${stamp}.`, `Run by hand: mqnamesrv -c ${n.config}`];
    if (n.host !== undefined) header.push(`Stands for inventory host ${n.host}.`);
    await writeFile(n.config, propertiesText(header, [{ title: 'Local layout', entries: n.properties }]));
  }
  for (const b of plan.brokers) {
    await mkdir(b.store, { recursive: true });
    const header = [`${b.name}: written by rocketmq-ts cluster up (${describe}) at ${stamp}.`, `Run by hand: mqbroker -c ${b.config}`];
    if (b.host !== undefined) header.push(`Stands for inventory host ${b.host}.`);
    const own = b.properties.filter(([k]) => !LAYOUT_KEYS.includes(k));
    await writeFile(
      b.config,
      propertiesText(header, [
        { title: `From ${b.origin}`, entries: own },
        { title: 'From --broker-prop', entries: b.extra },
        { title: 'Local layout (loopback ports, store under the data directory)', entries: b.layout },
      ]),
    );
  }
}
