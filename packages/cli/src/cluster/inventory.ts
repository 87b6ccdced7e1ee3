/**
 * Ansible INI inventories, parsed into a typed model.
 *
 * The same file later drives deployment to real hosts, so it is read the way
 * Ansible's ini inventory plugin reads it, not as generic INI (the npm INI
 * parsers take `host a=1 b=2` for one key named "host a"):
 *
 * - `[group]` lists hosts, `[group:vars]` sets group variables (one
 *   `key=value` a line, everything after `=` is the value), `[group:children]`
 *   lists child groups; hosts before any header are in `ungrouped`. Headers
 *   may carry a trailing `# comment`.
 * - A host line is split like a shell line: the host pattern, then
 *   `key=value` pairs whose values may be quoted ('a b', "a b"); a `#` at the
 *   start of a word begins a comment.
 * - Host patterns may carry a `:port` (Ansible's SSH port) and ranges:
 *   `node[1:3]`, `node[01:10]`, `node[a:c]`, with a step `node[1:9:2]`.
 * - `#` and `;` start comment lines.
 *
 * Values stay strings (quotes removed): properties files are strings too,
 * and Ansible's Python-literal evaluation of host values has no counterpart
 * in a `.properties` file. Every value remembers the line that set it, so
 * errors further on can name it.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, RmqError } from '@rocketmq-ts/common';

/** A variable's value and the 1-based line that set it. */
export interface InventoryVar {
  readonly value: string;
  readonly line: number;
}

export interface InventoryHost {
  /** The host's inventory name (the pattern after range expansion, without `:port`). */
  readonly name: string;
  /** The `host:port` suffix (Ansible's SSH port), when given. */
  port: number | undefined;
  /** Variables from its host lines; a later line wins. */
  readonly vars: Map<string, InventoryVar>;
  /** The line where the host first appears. */
  readonly line: number;
}

export interface InventoryGroup {
  readonly name: string;
  /** Hosts listed directly under `[name]`, in file order. */
  readonly hosts: string[];
  /** Groups listed under `[name:children]`, in file order. */
  readonly children: string[];
  readonly vars: Map<string, InventoryVar>;
  /** The line where the group is first named (0 for the implicit `all` and `ungrouped`). */
  line: number;
}

export interface Inventory {
  /** File name used in messages. */
  readonly source: string;
  /** Every group, `all` and `ungrouped` included, in order of first mention. */
  readonly groups: Map<string, InventoryGroup>;
  /** Every host, in order of first appearance. */
  readonly hosts: Map<string, InventoryHost>;
}

function fail(source: string, line: number, message: string): never {
  throw new RmqError(ErrorCode.CONFIG, `${source}:${line}: ${message}`);
}

const GROUP_NAME = /^[A-Za-z0-9_.-]+$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Splits a host line into words as a POSIX shell would (single quotes
 * literal, double quotes with backslash escapes, a `#` starting a word
 * begins a comment). Returns the words, or a reason it cannot.
 */
export function splitHostLine(text: string): string[] | string {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    if (c === '#' && !inWord) break;
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return 'unterminated single quote';
      word += text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j++;
        word += text[j];
      }
      if (j >= text.length) return 'unterminated double quote';
      i = j;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** `"a b"` or `'a b'` around the whole value come off; the rest is kept as written. */
function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) return value.slice(1, -1);
  return value;
}

/**
 * Expands Ansible host ranges: `web[1:3]` is web1, web2, web3; `[01:03]`
 * keeps the width; `[a:c]` runs letters; `[1:9:2]` steps. Several ranges in
 * one pattern multiply.
 */
export function expandHostPattern(pattern: string): string[] | string {
  const open = pattern.indexOf('[');
  if (open < 0) return pattern.includes(']') ? 'unmatched ]' : [pattern];
  const close = pattern.indexOf(']', open);
  if (close < 0) return 'unmatched [';
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const parts = pattern.slice(open + 1, close).split(':');
  if (parts.length < 2 || parts.length > 3) return `range [${pattern.slice(open + 1, close)}] is not [start:end] or [start:end:step]`;
  const [start = '', end = '', stepText = '1'] = parts;
  if (!/^\d+$/.test(stepText) || Number(stepText) < 1) return `range step ${JSON.stringify(stepText)} is not a positive integer`;
  const step = Number(stepText);
  let items: string[];
  if (/^\d+$/.test(start) && /^\d+$/.test(end)) {
    const a = Number(start);
    const b = Number(end);
    if (a > b) return `range [${start}:${end}] runs backwards`;
    // As Ansible: a leading zero in the start sets the width of every number.
    const width = start.length > 1 && start.startsWith('0') ? start.length : 0;
    items = [];
    for (let n = a; n <= b; n += step) items.push(String(n).padStart(width, '0'));
  } else if (/^[a-zA-Z]$/.test(start) && /^[a-zA-Z]$/.test(end)) {
    const a = start.charCodeAt(0);
    const b = end.charCodeAt(0);
    if (a > b) return `range [${start}:${end}] runs backwards`;
    items = [];
    for (let n = a; n <= b; n += step) items.push(String.fromCharCode(n));
  } else {
    return `range [${start}:${end}] needs two numbers or two letters`;
  }
  const rest = expandHostPattern(tail);
  if (typeof rest === 'string') return rest;
  return items.flatMap((i) => rest.map((r) => `${head}${i}${r}`));
}

/** `host:port` → name and port; IPv6 addresses (several colons) have no port unless bracketed `[::1]:22`. */
function splitPort(pattern: string): { name: string; port?: number } | string {
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(pattern);
  if (v6 !== null) return { name: v6[1]!, port: Number(v6[2]) };
  // Colons inside a range ([1:3]) separate the range's parts, not a port.
  const outside = pattern.replace(/\[[^\]]*\]/g, (m) => '_'.repeat(m.length));
  const colons = outside.split(':').length - 1;
  if (colons !== 1) return { name: pattern };
  const i = outside.indexOf(':');
  const port = pattern.slice(i + 1);
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) return `invalid port ${JSON.stringify(port)} in host ${pattern}`;
  return { name: pattern.slice(0, i), port: Number(port) };
}

/** Parses inventory text; `source` names the file in error messages. */
export function parseInventory(text: string, source = 'inventory'): Inventory {
  const groups = new Map<string, InventoryGroup>();
  const hosts = new Map<string, InventoryHost>();
  const group = (name: string, line: number): InventoryGroup => {
    let g = groups.get(name);
    if (g === undefined) {
      g = { name, hosts: [], children: [], vars: new Map(), line };
      groups.set(name, g);
    } else if (g.line === 0 && line > 0 && name !== 'all' && name !== 'ungrouped') {
      g.line = line;
    }
    return g;
  };
  group('all', 0);
  group('ungrouped', 0);
  const childRefs: Array<{ parent: string; child: string; line: number }> = [];

  let section: { name: string; kind: 'hosts' | 'vars' | 'children' } = { name: 'ungrouped', kind: 'hosts' };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;

    const m = /^\[([^\]:\s]+)(?::([^\]\s]*))?\]\s*(?:[#;].*)?$/.exec(line);
    // As Ansible: a bracketed line that is no header is an error; `[::1]:22` is a host.
    if (m === null && line.startsWith('[') && (line.endsWith(']') || !line.includes(']'))) fail(source, lineNo, `invalid section header ${line}`);
    if (m !== null) {
      const name = m[1]!;
      if (!GROUP_NAME.test(name)) fail(source, lineNo, `invalid group name ${JSON.stringify(name)}`);
      const suffix = m[2];
      if (suffix !== undefined && suffix !== 'vars' && suffix !== 'children') {
        fail(source, lineNo, `section [${name}:${suffix}] has unknown type ${JSON.stringify(suffix)} (expected :vars or :children)`);
      }
      section = { name, kind: suffix === undefined ? 'hosts' : suffix };
      group(name, lineNo);
      continue;
    }

    switch (section.kind) {
      case 'vars': {
        const eq = line.indexOf('=');
        if (eq < 0) fail(source, lineNo, `expected key=value in [${section.name}:vars], got ${JSON.stringify(line)}`);
        const key = line.slice(0, eq).trim();
        if (!VAR_NAME.test(key)) fail(source, lineNo, `invalid variable name ${JSON.stringify(key)}`);
        group(section.name, lineNo).vars.set(key, { value: unquote(line.slice(eq + 1).trim()), line: lineNo });
        break;
      }
      case 'children': {
        const words = splitHostLine(line);
        if (typeof words === 'string') fail(source, lineNo, words);
        const [child, ...extra] = words;
        if (child === undefined) break;
        if (extra.length > 0) fail(source, lineNo, `expected one group name in [${section.name}:children], got ${JSON.stringify(line)}`);
        if (!GROUP_NAME.test(child)) fail(source, lineNo, `invalid group name ${JSON.stringify(child)}`);
        if (child === section.name) fail(source, lineNo, `group ${child} cannot be its own child`);
        childRefs.push({ parent: section.name, child, line: lineNo });
        break;
      }
      case 'hosts': {
        const words = splitHostLine(line);
        if (typeof words === 'string') fail(source, lineNo, words);
        const [pattern, ...assignments] = words;
        if (pattern === undefined) break;
        if (pattern.includes('=')) fail(source, lineNo, `expected a host before its variables, got ${JSON.stringify(pattern)}`);
        const vars = new Map<string, InventoryVar>();
        for (const a of assignments) {
          const eq = a.indexOf('=');
          if (eq <= 0) fail(source, lineNo, `expected key=value host variable, got ${JSON.stringify(a)}`);
          const key = a.slice(0, eq);
          if (!VAR_NAME.test(key)) fail(source, lineNo, `invalid variable name ${JSON.stringify(key)}`);
          vars.set(key, { value: a.slice(eq + 1), line: lineNo });
        }
        const hp = splitPort(pattern);
        if (typeof hp === 'string') fail(source, lineNo, hp);
        const names = expandHostPattern(hp.name);
        if (typeof names === 'string') fail(source, lineNo, `host pattern ${pattern}: ${names}`);
        const g = group(section.name, lineNo);
        for (const name of names) {
          let h = hosts.get(name);
          if (h === undefined) {
            h = { name, port: hp.port, vars: new Map(), line: lineNo };
            hosts.set(name, h);
          } else if (hp.port !== undefined) {
            h.port = hp.port;
          }
          for (const [k, v] of vars) h.vars.set(k, v);
          if (!g.hosts.includes(name)) g.hosts.push(name);
        }
        break;
      }
    }
  }

  for (const ref of childRefs) {
    const parent = group(ref.parent, ref.line);
    group(ref.child, ref.line);
    if (!parent.children.includes(ref.child)) parent.children.push(ref.child);
  }
  checkCycles(groups, source);
  return { source, groups, hosts };
}

function checkCycles(groups: Map<string, InventoryGroup>, source: string): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const g = groups.get(name)!;
      fail(source, g.line, `groups form a cycle: ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`);
    }
    state.set(name, 'visiting');
    for (const c of groups.get(name)?.children ?? []) visit(c, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of groups.keys()) visit(name, []);
}

/** Reads and parses an inventory file, naming it in errors. */
export async function readInventory(path: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new RmqError(ErrorCode.CONFIG, `cannot read inventory ${path}: ${code}`, { cause: err });
  }
  return parseInventory(text, path);
}

/** The hosts of a group and of its child groups (recursively), in order of first appearance in the file. */
export function groupMembers(inv: Inventory, groupName: string): InventoryHost[] {
  if (groupName === 'all') return [...inv.hosts.values()];
  const names = new Set<string>();
  const walk = (g: string): void => {
    const group = inv.groups.get(g);
    if (group === undefined) return;
    for (const h of group.hosts) names.add(h);
    for (const c of group.children) walk(c);
  };
  walk(groupName);
  if (groupName === 'ungrouped') return [...names].map((n) => inv.hosts.get(n)!);
  return [...inv.hosts.values()].filter((h) => names.has(h.name));
}

/** Depth of each group below `all` (a top-level group is 1; a child is one deeper than its deepest parent). */
function groupDepths(inv: Inventory): Map<string, number> {
  const parents = new Map<string, string[]>();
  for (const g of inv.groups.values()) for (const c of g.children) parents.set(c, [...(parents.get(c) ?? []), g.name]);
  const depths = new Map<string, number>([['all', 0]]);
  const depth = (name: string): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    const ps = parents.get(name) ?? [];
    const d = ps.length === 0 ? 1 : 1 + Math.max(...ps.map(depth));
    depths.set(name, d);
    return d;
  };
  for (const name of inv.groups.keys()) depth(name);
  return depths;
}

/**
 * A host's variables as Ansible resolves them: `all`'s, then each group the
 * host belongs to (directly or through a child group), shallow groups first
 * and, at one depth, by name, then the host's own. Later sources win.
 */
export function hostVars(inv: Inventory, hostName: string): Map<string, InventoryVar> {
  const host = inv.hosts.get(hostName);
  if (host === undefined) throw new RmqError(ErrorCode.ARGUMENT, `${inv.source}: no host ${hostName}`);
  const depths = groupDepths(inv);
  const member = [...inv.groups.values()].filter((g) => g.name === 'all' || groupMembers(inv, g.name).some((h) => h.name === hostName));
  member.sort((a, b) => depths.get(a.name)! - depths.get(b.name)! || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out = new Map<string, InventoryVar>();
  for (const g of member) for (const [k, v] of g.vars) out.set(k, v);
  for (const [k, v] of host.vars) out.set(k, v);
  return out;
}
