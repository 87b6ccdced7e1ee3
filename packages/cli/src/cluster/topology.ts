/**
 * What a cluster is made of, before any port or path is chosen: NameServers
 * and brokers with their identity and their own properties, taken either
 * from one of the shipped configuration sets (conf/, the layout of RocketMQ's
 * distribution) or from an Ansible inventory.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import { type BrokerRole, brokerConfigAliases, brokerConfigSchema, parseBrokerConfig } from '@rocketmq-ts/broker';
import { readPropertiesFile } from '../properties.js';
import { type Inventory, type InventoryHost, type InventoryVar, groupMembers, hostVars } from './inventory.js';

export const CLUSTER_MODES = ['single', '2m-noslave', '2m-2s-async', '2m-2s-sync'] as const;
export type ClusterMode = (typeof CLUSTER_MODES)[number];

/** The configuration files of each mode, relative to the conf directory, in start (and port) order. */
export const MODE_FILES: Readonly<Record<ClusterMode, readonly string[]>> = {
  single: ['broker.conf'],
  '2m-noslave': ['2m-noslave/broker-a.properties', '2m-noslave/broker-b.properties'],
  '2m-2s-async': ['2m-2s-async/broker-a.properties', '2m-2s-async/broker-a-s.properties', '2m-2s-async/broker-b.properties', '2m-2s-async/broker-b-s.properties'],
  '2m-2s-sync': ['2m-2s-sync/broker-a.properties', '2m-2s-sync/broker-a-s.properties', '2m-2s-sync/broker-b.properties', '2m-2s-sync/broker-b-s.properties'],
};

/**
 * Broker keys the local layout owns: addresses, ports and store paths. An
 * inventory's values for them describe the real hosts and are not used on
 * loopback.
 */
export const LAYOUT_KEYS: readonly string[] = [
  'namesrvAddr',
  'brokerIP1',
  'brokerIP2',
  'listenHost',
  'listenPort',
  'haListenPort',
  'haMasterAddress',
  'storePathRootDir',
  'storePathCommitLog',
  'storePathConsumeQueue',
  'storePathIndex',
];

export interface NamesrvSpec {
  /** Process name: namesrv-0, namesrv-1, ... */
  readonly name: string;
  /** The inventory host it stands for, when from an inventory. */
  readonly host?: string;
}

export interface BrokerSpec {
  /** Process name: `<brokerName>-<brokerId>`, e.g. broker-a-0. */
  readonly name: string;
  readonly clusterName: string;
  readonly brokerName: string;
  readonly brokerId: number;
  readonly role: BrokerRole;
  /** Its own properties (from the conf file or the inventory), before the local layout is added. */
  readonly properties: ReadonlyArray<readonly [string, string]>;
  /** Where they came from: a conf file, or `hosts.ini:7`. */
  readonly origin: string;
  /** The inventory host it stands for, when from an inventory. */
  readonly host?: string;
}

export type TopologySource = { readonly kind: 'mode'; readonly mode: ClusterMode } | { readonly kind: 'inventory'; readonly path: string };

export interface ClusterTopology {
  readonly source: TopologySource;
  readonly namesrvs: readonly NamesrvSpec[];
  readonly brokers: readonly BrokerSpec[];
  /** Notes for the operator (unused inventory variables, a SYNC_MASTER without slave, ...). */
  readonly warnings: readonly string[];
}

/**
 * The shipped conf directory: `conf/` at the top of the source tree, found
 * by walking up from this file (so it works from src/ and dist/ alike).
 */
export function defaultConfDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'conf');
    if (existsSync(join(candidate, 'broker.conf')) && existsSync(join(candidate, '2m-2s-sync'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new RmqError(ErrorCode.CONFIG, 'cannot find the conf directory (conf/broker.conf); pass --conf-dir');
    dir = up;
  }
}

function orderedEntries(props: Record<string, string>): Array<[string, string]> {
  return Object.entries(props);
}

/** A cluster in one of the shipped modes, with `namesrvCount` NameServers. */
export async function topologyFromMode(mode: ClusterMode, confDir: string, namesrvCount: number): Promise<ClusterTopology> {
  const brokers: BrokerSpec[] = [];
  const warnings: string[] = [];
  for (const file of MODE_FILES[mode]) {
    const path = join(confDir, file);
    const props = await readPropertiesFile(path);
    let parsed;
    try {
      parsed = parseBrokerConfig([props]);
    } catch (err) {
      throw new RmqError(ErrorCode.CONFIG, `${path}: ${(err as Error).message}`, { cause: err });
    }
    const c = parsed.config;
    brokers.push({
      name: `${c.brokerName}-${c.brokerId}`,
      clusterName: c.brokerClusterName,
      brokerName: c.brokerName,
      brokerId: c.brokerId,
      role: c.brokerRole,
      properties: orderedEntries(props),
      origin: join('conf', file),
    });
  }
  checkBrokerSet(brokers, warnings, (b) => b.origin);
  const namesrvs = Array.from({ length: namesrvCount }, (_, i) => ({ name: `namesrv-${i}` }));
  return { source: { kind: 'mode', mode }, namesrvs, brokers, warnings };
}

export interface InventoryMapping {
  /** Groups whose hosts run NameServers. @defaultValue every group whose name contains "namesrv" or "nameserver" (any case, _ and - ignored) */
  readonly namesrvGroups?: readonly string[];
  /** Groups whose hosts run brokers. @defaultValue every group whose name contains "broker" */
  readonly brokerGroups?: readonly string[];
  /** Properties every broker starts from (the inventory's variables override them). @defaultValue conf/broker.conf's */
  readonly baseProperties?: Readonly<Record<string, string>>;
}

const squash = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');

function pickGroups(inv: Inventory, explicit: readonly string[] | undefined, test: (name: string) => boolean, what: string, flag: string): string[] {
  if (explicit !== undefined) {
    for (const g of explicit) if (!inv.groups.has(g)) throw new RmqError(ErrorCode.CONFIG, `${inv.source}: no group ${g} (from ${flag})`);
    return [...explicit];
  }
  const found = [...inv.groups.keys()].filter((g) => test(g) && groupMembers(inv, g).length > 0);
  if (found.length === 0) throw new RmqError(ErrorCode.CONFIG, `${inv.source}: no ${what} group (a group named like ${what === 'NameServer' ? 'rocketmq_namesrv or mqnamesrv' : 'rocketmq_broker or mqbroker'}); name it with ${flag}`);
  return found;
}

function membersOf(inv: Inventory, groups: readonly string[]): InventoryHost[] {
  const names = new Set(groups.flatMap((g) => groupMembers(inv, g).map((h) => h.name)));
  return [...inv.hosts.values()].filter((h) => names.has(h.name));
}

/** Broker keys and legacy names by their spelling without case or underscores (broker_ip1 → brokerIP1). */
const BROKER_KEYS_SQUASHED = new Map<string, string>([
  ...Object.keys(brokerConfigSchema).map((k) => [squash(k), k] as const),
  ...Object.entries(brokerConfigAliases).map(([legacy, k]) => [squash(legacy), k] as const),
]);

/** The broker key an inventory variable sets (`brokerName`, `broker_name`, `mapedFileSizeCommitLog`, ...), if any. */
export function brokerKeyOf(variable: string): string | undefined {
  return BROKER_KEYS_SQUASHED.get(squash(variable));
}

/**
 * A cluster from an Ansible inventory: each host of the NameServer groups
 * runs a NameServer, each host of the broker groups one broker, whose
 * identity (brokerName, brokerId, brokerRole, brokerClusterName) and other
 * broker keys come from its variables, in RocketMQ's spelling or snake_case.
 */
export function topologyFromInventory(inv: Inventory, mapping: InventoryMapping = {}): ClusterTopology {
  const warnings: string[] = [];
  const namesrvGroups = pickGroups(inv, mapping.namesrvGroups, (g) => /namesrv|nameserver/.test(squash(g)), 'NameServer', '--namesrv-group');
  const brokerGroups = pickGroups(inv, mapping.brokerGroups, (g) => squash(g).includes('broker') && !namesrvGroups.includes(g), 'broker', '--broker-group');
  const namesrvHosts = membersOf(inv, namesrvGroups);
  const brokerHosts = membersOf(inv, brokerGroups);
  if (namesrvHosts.length === 0) throw new RmqError(ErrorCode.CONFIG, `${inv.source}: no hosts in ${namesrvGroups.join(', ')}`);
  if (brokerHosts.length === 0) throw new RmqError(ErrorCode.CONFIG, `${inv.source}: no hosts in ${brokerGroups.join(', ')}`);

  const unused = new Set<string>();
  const replaced = new Set<string>();
  const brokers: BrokerSpec[] = [];
  for (const host of brokerHosts) {
    const vars = hostVars(inv, host.name);
    const at = (v: InventoryVar): string => `${inv.source}:${v.line}`;
    const props = new Map<string, string>(Object.entries(mapping.baseProperties ?? {}));
    const setBy = new Map<string, InventoryVar>();
    for (const [name, v] of vars) {
      const key = brokerKeyOf(name);
      if (key === undefined) {
        unused.add(name);
        continue;
      }
      if (LAYOUT_KEYS.includes(key)) {
        replaced.add(name);
        continue;
      }
      props.set(key, v.value);
      setBy.set(key, v);
    }
    const where = (key: string): string => {
      const v = setBy.get(key);
      return v === undefined ? `${inv.source}:${host.line}` : at(v);
    };
    const brokerName = props.get('brokerName');
    if (brokerName === undefined || brokerName === '' || !setBy.has('brokerName')) {
      throw new RmqError(ErrorCode.CONFIG, `${inv.source}:${host.line}: broker host ${host.name} has no brokerName (set brokerName= or broker_name= on the host line or in a :vars section)`);
    }
    // As RocketMQ's defaults: id 0 is the master; a slave is any id > 0.
    const roleText = props.get('brokerRole');
    if (!setBy.has('brokerId')) {
      if (roleText !== undefined && roleText.toUpperCase() === 'SLAVE' && setBy.has('brokerRole')) {
        throw new RmqError(ErrorCode.CONFIG, `${where('brokerRole')}: broker host ${host.name} (${brokerName}) is a SLAVE without brokerId (give it brokerId=1 or higher)`);
      }
      props.set('brokerId', '0');
    }
    if (!setBy.has('brokerRole') && Number(props.get('brokerId')) > 0) props.set('brokerRole', 'SLAVE');
    const idText = props.get('brokerId')!;
    if (setBy.has('brokerId') && Number(idText) === 0 && (props.get('brokerRole') ?? '').toUpperCase() === 'SLAVE') {
      throw new RmqError(ErrorCode.CONFIG, `${where('brokerId')}: broker host ${host.name} (${brokerName}) has brokerId=0 but brokerRole=SLAVE: a slave needs brokerId 1 or higher`);
    }
    if (setBy.has('brokerRole') && Number(idText) > 0 && (props.get('brokerRole') ?? '').toUpperCase() !== 'SLAVE') {
      throw new RmqError(ErrorCode.CONFIG, `${where('brokerRole')}: broker host ${host.name} (${brokerName}) has brokerId=${idText} but brokerRole=${props.get('brokerRole')}: a master is brokerId 0`);
    }
    let parsed;
    try {
      parsed = parseBrokerConfig([Object.fromEntries(props)]);
    } catch (err) {
      const m = /invalid value for (\w+)/.exec((err as Error).message);
      const loc = m !== null ? where(m[1]!) : `${inv.source}:${host.line}`;
      throw new RmqError(ErrorCode.CONFIG, `${loc}: broker host ${host.name}: ${(err as Error).message}`, { cause: err });
    }
    const c = parsed.config;
    brokers.push({
      name: `${c.brokerName}-${c.brokerId}`,
      clusterName: c.brokerClusterName,
      brokerName: c.brokerName,
      brokerId: c.brokerId,
      role: c.brokerRole,
      properties: [...props],
      origin: `${inv.source}:${host.line}`,
      host: host.name,
    });
  }
  checkBrokerSet(brokers, warnings, (b) => `${b.origin} (${b.host ?? ''})`);
  if (replaced.size > 0) warnings.push(`inventory values for ${[...replaced].sort().join(', ')} describe the real hosts; locally the loopback layout replaces them`);
  if (unused.size > 0) warnings.push(`inventory variables not used locally: ${[...unused].sort().join(', ')}`);
  const namesrvs = namesrvHosts.map((h, i) => ({ name: `namesrv-${i}`, host: h.name }));
  return { source: { kind: 'inventory', path: inv.source }, namesrvs, brokers, warnings };
}

/** One master per broker name, distinct ids, slaves only with a master; a SYNC_MASTER without slave gets a warning. */
function checkBrokerSet(brokers: readonly BrokerSpec[], warnings: string[], where: (b: BrokerSpec) => string): void {
  const seen = new Map<string, BrokerSpec>();
  for (const b of brokers) {
    const key = `${b.clusterName}/${b.brokerName}/${b.brokerId}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new RmqError(ErrorCode.CONFIG, `${where(b)}: broker ${b.brokerName} id ${b.brokerId} is also defined at ${where(first)}`);
    }
    seen.set(key, b);
    const other = brokers.find((o) => o.brokerName === b.brokerName && o.clusterName !== b.clusterName);
    if (other !== undefined) {
      throw new RmqError(ErrorCode.CONFIG, `${where(b)}: broker ${b.brokerName} is in cluster ${b.clusterName} here and in ${other.clusterName} at ${where(other)}`);
    }
  }
  const names = [...new Set(brokers.map((b) => b.brokerName))];
  for (const name of names) {
    const group = brokers.filter((b) => b.brokerName === name);
    const master = group.find((b) => b.brokerId === 0);
    if (master === undefined) throw new RmqError(ErrorCode.CONFIG, `${where(group[0]!)}: broker ${name} has slaves but no master (brokerId=0)`);
    if (master.role === 'SYNC_MASTER' && group.length === 1) {
      warnings.push(`${name} is a SYNC_MASTER without a slave: its sends are stored but answered SLAVE_NOT_AVAILABLE`);
    }
  }
}
