/**
 * Ansible INI inventories: the parser (Ansible's dialect, errors naming the
 * line) and the mapping of an inventory onto a loopback cluster.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readPropertiesFile } from '../src/properties.js';
import { expandHostPattern, groupMembers, hostVars, parseInventory, splitHostLine } from '../src/cluster/inventory.js';
import { planCluster } from '../src/cluster/layout.js';
import { topologyFromInventory, topologyFromMode } from '../src/cluster/topology.js';

const CONF = fileURLToPath(new URL('../../../conf/', import.meta.url));

/** The shape RocketMQ deployment guides publish. */
const GUIDE = `
[rocketmq_namesrv]
10.0.0.1
10.0.0.2
[rocketmq_broker]
10.0.0.3 brokerName=broker-a brokerId=0 brokerRole=ASYNC_MASTER
10.0.0.4 brokerName=broker-a brokerId=1 brokerRole=SLAVE
[rocketmq_broker:vars]
brokerClusterName=DefaultCluster
flushDiskType=ASYNC_FLUSH
`;

/** The shape of an Ansible role's inventory (snake_case, quoted values, :children). */
const ROLE = `
# hosts for the mq role
[rocketmq:children]
mqnamesrv
mqbroker

[mqnamesrv]
192.168.59.2

[mqbroker]
192.168.59.4 broker_name="broker01" broker_id=0 broker_role=SYNC_MASTER
192.168.59.5 broker_name="broker01" broker_id=1 broker_role=SLAVE   # its slave

[mqbroker:vars]
PROJECT_NAME=mqbroker
`;

const err = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

describe('Ansible INI inventory parser', () => {
  it('reads groups, host variables, :vars and :children of the guide shape', () => {
    const inv = parseInventory(GUIDE, 'hosts.ini');
    expect(groupMembers(inv, 'rocketmq_namesrv').map((h) => h.name)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(groupMembers(inv, 'rocketmq_broker').map((h) => h.name)).toEqual(['10.0.0.3', '10.0.0.4']);
    const vars = hostVars(inv, '10.0.0.4');
    expect(Object.fromEntries([...vars].map(([k, v]) => [k, v.value]))).toEqual({
      brokerName: 'broker-a',
      brokerId: '1',
      brokerRole: 'SLAVE',
      brokerClusterName: 'DefaultCluster',
      flushDiskType: 'ASYNC_FLUSH',
    });
    expect(vars.get('brokerRole')!.line).toBe(7);
    expect(vars.get('flushDiskType')!.line).toBe(10);
  });

  it('reads the role shape: children, quoted values, trailing comments', () => {
    const inv = parseInventory(ROLE, 'role.ini');
    expect(inv.groups.get('rocketmq')!.children).toEqual(['mqnamesrv', 'mqbroker']);
    expect(groupMembers(inv, 'rocketmq').map((h) => h.name)).toEqual(['192.168.59.2', '192.168.59.4', '192.168.59.5']);
    const v = hostVars(inv, '192.168.59.5');
    expect(v.get('broker_name')!.value).toBe('broker01');
    expect(v.get('broker_role')!.value).toBe('SLAVE');
    expect(v.get('PROJECT_NAME')!.value).toBe('mqbroker');
  });

  it('host variables win over child group variables, which win over parent and all', () => {
    const inv = parseInventory(
      ['[all:vars]', 'x=all', 'y=all', 'z=all', '[parent:children]', 'child', '[parent:vars]', 'x=parent', 'y=parent', '[child]', 'h1 x=host', '[child:vars]', 'y=child'].join('\n'),
    );
    const v = hostVars(inv, 'h1');
    expect([v.get('x')!.value, v.get('y')!.value, v.get('z')!.value]).toEqual(['host', 'child', 'all']);
  });

  it('expands ranges (numbers with width, letters, steps) and keeps a :port apart', () => {
    expect(expandHostPattern('node[1:3]')).toEqual(['node1', 'node2', 'node3']);
    expect(expandHostPattern('db-[01:03].example')).toEqual(['db-01.example', 'db-02.example', 'db-03.example']);
    expect(expandHostPattern('x[a:c]')).toEqual(['xa', 'xb', 'xc']);
    expect(expandHostPattern('n[0:8:4]')).toEqual(['n0', 'n4', 'n8']);
    expect(expandHostPattern('r[1:2]c[1:2]')).toEqual(['r1c1', 'r1c2', 'r2c1', 'r2c2']);
    const inv = parseInventory('[b]\nbroker[1:2]:2222 brokerName=x\n[c]\nfe80::1\n[d]\n[::1]:22\n');
    expect([...inv.hosts.values()].map((h) => [h.name, h.port])).toEqual([
      ['broker1', 2222],
      ['broker2', 2222],
      ['fe80::1', undefined],
      ['::1', 22],
    ]);
  });

  it('splits host lines like a shell: quotes, escapes, comments only at a word start', () => {
    expect(splitHostLine(`h a="x y" b='p q' c=d#e # comment`)).toEqual(['h', 'a=x y', 'b=p q', 'c=d#e']);
    expect(splitHostLine('h a="say \\"hi\\""')).toEqual(['h', 'a=say "hi"']);
    expect(splitHostLine('h a="open')).toBe('unterminated double quote');
  });

  it('fails on bad input naming the file and line', () => {
    expect(err(() => parseInventory('[a]\nh1 brokerName\n', 'hosts.ini'))).toBe('hosts.ini:2: expected key=value host variable, got "brokerName"');
    expect(err(() => parseInventory('[a:hosts]\n', 'hosts.ini'))).toBe('hosts.ini:1: section [a:hosts] has unknown type "hosts" (expected :vars or :children)');
    expect(err(() => parseInventory('[a:vars]\njustakey\n', 'hosts.ini'))).toBe('hosts.ini:2: expected key=value in [a:vars], got "justakey"');
    expect(err(() => parseInventory('\n\n[a\n', 'hosts.ini'))).toBe('hosts.ini:3: invalid section header [a');
    expect(err(() => parseInventory('[a]\nh[3:1]\n', 'hosts.ini'))).toBe('hosts.ini:2: host pattern h[3:1]: range [3:1] runs backwards');
    expect(err(() => parseInventory("[a]\nh x='y\n", 'hosts.ini'))).toBe('hosts.ini:2: unterminated single quote');
    expect(err(() => parseInventory('[a:children]\nb\n[b:children]\na\n', 'hosts.ini'))).toMatch(/^hosts\.ini:\d: groups form a cycle: (a -> b -> a|b -> a -> b)$/);
    expect(err(() => parseInventory('[a]\nh:99999\n', 'hosts.ini'))).toBe('hosts.ini:2: invalid port "99999" in host h:99999');
  });
});

describe('inventory to cluster', () => {
  it('maps the guide shape: two NameServers at 9876, 9877; each broker its own loopback ports', async () => {
    const base = await readPropertiesFile(`${CONF}broker.conf`);
    const topo = topologyFromInventory(parseInventory(GUIDE, 'hosts.ini'), { baseProperties: base });
    expect(topo.namesrvs).toEqual([
      { name: 'namesrv-0', host: '10.0.0.1' },
      { name: 'namesrv-1', host: '10.0.0.2' },
    ]);
    expect(topo.brokers.map((b) => [b.name, b.clusterName, b.brokerName, b.brokerId, b.role, b.host, b.origin])).toEqual([
      ['broker-a-0', 'DefaultCluster', 'broker-a', 0, 'ASYNC_MASTER', '10.0.0.3', 'hosts.ini:6'],
      ['broker-a-1', 'DefaultCluster', 'broker-a', 1, 'SLAVE', '10.0.0.4', 'hosts.ini:7'],
    ]);
    const plan = planCluster(topo, '/data', { namesrvPort: 9876, brokerPort: 10911, portStep: 100 });
    expect(plan.namesrvAddr).toBe('127.0.0.1:9876;127.0.0.1:9877');
    expect(plan.brokers.map((b) => b.ports)).toEqual([
      { listen: 10911, vip: 10909, ha: 10912 },
      { listen: 11011, vip: 11009, ha: 11012 },
    ]);
    const slave = new Map(plan.brokers[1]!.effective);
    expect(slave.get('brokerRole')).toBe('SLAVE');
    expect(slave.get('flushDiskType')).toBe('ASYNC_FLUSH');
    expect(slave.get('deleteWhen')).toBe('04');
    expect(slave.get('brokerIP1')).toBe('127.0.0.1');
    expect(slave.get('namesrvAddr')).toBe('127.0.0.1:9876;127.0.0.1:9877');
    // Nothing in the plan points at the inventory's real addresses.
    expect(JSON.stringify(plan)).not.toMatch(/10\.0\.0\.\d:/);
  });

  it('maps the role shape: snake_case variables, unused ones reported', () => {
    const topo = topologyFromInventory(parseInventory(ROLE, 'role.ini'));
    expect(topo.namesrvs.map((n) => n.host)).toEqual(['192.168.59.2']);
    expect(topo.brokers.map((b) => [b.name, b.brokerName, b.brokerId, b.role])).toEqual([
      ['broker01-0', 'broker01', 0, 'SYNC_MASTER'],
      ['broker01-1', 'broker01', 1, 'SLAVE'],
    ]);
    expect(topo.warnings).toContain('inventory variables not used locally: PROJECT_NAME');
  });

  it('names the line of a broker that cannot be', () => {
    const bad = (text: string): string => err(() => topologyFromInventory(parseInventory(text, 'h.ini')));
    expect(bad('[namesrv]\nn1\n[broker]\nb1 brokerId=0\n')).toBe('h.ini:4: broker host b1 has no brokerName (set brokerName= or broker_name= on the host line or in a :vars section)');
    expect(bad('[namesrv]\nn1\n[broker]\nb1 brokerName=a\nb2 brokerName=a brokerRole=SLAVE\n')).toBe(
      'h.ini:5: broker host b2 (a) is a SLAVE without brokerId (give it brokerId=1 or higher)',
    );
    expect(bad('[namesrv]\nn1\n[broker]\nb1 brokerName=a brokerRole=MASTER\n')).toMatch(/^h\.ini:4: broker host b1: invalid value for brokerRole: "MASTER"; accepted: ASYNC_MASTER, SYNC_MASTER, SLAVE/);
    expect(bad('[namesrv]\nn1\n[broker]\nb1 brokerName=a\nb2 brokerName=a\n')).toBe('h.ini:5 (b2): broker a id 0 is also defined at h.ini:4 (b1)');
    expect(bad('[namesrv]\nn1\n[broker]\nb2 brokerName=a brokerId=1\n')).toBe('h.ini:4 (b2): broker a has slaves but no master (brokerId=0)');
    expect(bad('[broker]\nb1 brokerName=a\n')).toBe('h.ini: no NameServer group (a group named like rocketmq_namesrv or mqnamesrv); name it with --namesrv-group');
    expect(bad('[namesrv]\nn1\n[broker]\nb1 brokerName=a brokerId=0 brokerRole=SLAVE\n')).toBe(
      'h.ini:4: broker host b1 (a) has brokerId=0 but brokerRole=SLAVE: a slave needs brokerId 1 or higher',
    );
  });

  it('keeps the inventory values for addresses and ports out of the local layout', () => {
    const topo = topologyFromInventory(parseInventory('[namesrv]\nn1\n[broker]\nb1 brokerName=a listenPort=10911 namesrvAddr=10.1.1.1:9876 broker_ip1=10.1.1.2\n', 'h.ini'));
    const plan = planCluster(topo, '/d', { namesrvPort: 20000, brokerPort: 20100, portStep: 10 });
    const eff = plan.brokers[0]!.effective;
    expect(eff.filter(([k]) => k === 'listenPort')).toEqual([['listenPort', '20100']]);
    expect(eff.filter(([k]) => k === 'namesrvAddr')).toEqual([['namesrvAddr', '127.0.0.1:20000']]);
    expect(eff.filter(([k]) => k === 'brokerIP1')).toEqual([['brokerIP1', '127.0.0.1']]);
    expect(topo.warnings.join('\n')).toContain('inventory values for broker_ip1, listenPort, namesrvAddr describe the real hosts');
  });
});

describe('modes', () => {
  it('each mode takes its brokers from the shipped conf set, spaced 100 ports apart', async () => {
    const expected = {
      single: [['broker-a-0', 'ASYNC_MASTER']],
      '2m-noslave': [
        ['broker-a-0', 'ASYNC_MASTER'],
        ['broker-b-0', 'ASYNC_MASTER'],
      ],
      '2m-2s-async': [
        ['broker-a-0', 'ASYNC_MASTER'],
        ['broker-a-1', 'SLAVE'],
        ['broker-b-0', 'ASYNC_MASTER'],
        ['broker-b-1', 'SLAVE'],
      ],
      '2m-2s-sync': [
        ['broker-a-0', 'SYNC_MASTER'],
        ['broker-a-1', 'SLAVE'],
        ['broker-b-0', 'SYNC_MASTER'],
        ['broker-b-1', 'SLAVE'],
      ],
    } as const;
    for (const [mode, brokers] of Object.entries(expected)) {
      const topo = await topologyFromMode(mode as keyof typeof expected, CONF, 1);
      expect(topo.brokers.map((b) => [b.name, b.role]), mode).toEqual(brokers);
      const plan = planCluster(topo, '/d', { namesrvPort: 9876, brokerPort: 10911, portStep: 100 });
      expect(plan.brokers.map((b) => b.ports.listen)).toEqual(brokers.map((_, i) => 10911 + 100 * i));
    }
  });

  it('refuses --broker-prop for keys the layout owns, and values the broker would refuse', async () => {
    const topo = await topologyFromMode('single', CONF, 1);
    const ports = { namesrvPort: 9876, brokerPort: 10911, portStep: 100 };
    expect(err(() => planCluster(topo, '/d', ports, { broker: [['listenPort', '1']] }))).toBe(
      '--broker-prop listenPort: the local layout sets listenPort (use --broker-port, --port-step or --data-dir)',
    );
    expect(err(() => planCluster(topo, '/d', ports, { broker: [['flushDiskType', 'SOMETIMES']] }))).toBe(
      'broker-a-0: invalid value for flushDiskType: "SOMETIMES"; accepted: ASYNC_FLUSH, SYNC_FLUSH',
    );
    expect(err(() => planCluster(topo, '/d', { ...ports, portStep: 2 }))).toContain('--port-step 2 is too small');
    expect(err(() => planCluster(topo, '/d', { ...ports, namesrvPort: 10912 }))).toContain('NameServer port 10912 falls among the broker ports');
  });
});
