/**
 * mqadmin's command line and its NameServer subcommands, run as the built
 * command in child processes against a real NameServer with two brokers
 * (testkit, 127.0.0.1): help and usage, -n / NAMESRV_ADDR, error reporting,
 * clusterList, topicList, topicRoute, wipeWritePerm, addWritePerm,
 * getNamesrvConfig, updateNamesrvConfig.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '@rocketmq-ts/admin';
import { PermName, parseRmqJson } from '@rocketmq-ts/protocol';
import { type StartedCluster, startCluster } from '@rocketmq-ts/testkit';
import { assertBuilt, mqadmin } from './support/mqadmin.js';

let cluster: StartedCluster;
let ns: string;
let b0: string;
let b1: string;
let admin: AdminClient;

beforeAll(async () => {
  assertBuilt();
  cluster = await startCluster(2);
  ns = cluster.nameServer.address;
  b0 = cluster.brokers[0]!.address;
  b1 = cluster.brokers[1]!.address;
  admin = new AdminClient({ nameServer: ns });
});

afterAll(async () => {
  await admin?.close();
  await cluster?.close();
});

const N = (): string[] => ['-n', ns];

describe('command line', () => {
  it('lists the commands for no command, -h and help, and shows one command with help <command>', async () => {
    const [none, h, help, usage, badHelp] = await Promise.all([mqadmin([]), mqadmin(['-h']), mqadmin(['help']), mqadmin(['help', 'topicroute']), mqadmin(['help', 'nosuch'])]);
    for (const r of [none, h, help]) {
      expect(r.code).toBe(0);
      expect(r.lines[0]).toBe('The most commonly used mqadmin commands are:');
      expect(r.lines).toContain(`   ${'topicRoute'.padEnd(20)} Examine topic route info`);
      expect(r.lines).toContain(`   ${'updateNamesrvConfig'.padEnd(20)} Update configs of name server.`);
      expect(r.lines.at(-1)).toBe("See 'mqadmin help <command>' for more information on a specific command.");
    }
    expect(none.lines.filter((l) => l.startsWith('   '))).toHaveLength(29);
    expect(usage.code).toBe(0);
    expect(usage.lines).toEqual([
      'usage: mqadmin topicRoute [-h] [-l] [-n <arg>] -t <arg>',
      ' -h,--help                Print help',
      ' -l,--list                Use list format to print data',
      " -n,--namesrvAddr <arg>   Name server address list, eg: '192.168.0.1:9876;192.168.0.2:9876'",
      ' -t,--topic <arg>         topic name',
    ]);
    expect(badHelp.code).toBe(1);
    expect(badHelp.stderr).toBe('The sub command nosuch not exist.\n');
  });

  it('wraps long usage lines and shows a required option group as Java does', async () => {
    const r = await mqadmin(['updateTopic', '-h']);
    expect(r.code).toBe(0);
    expect(r.lines.slice(0, 2)).toEqual([
      'usage: mqadmin updateTopic -b <arg> | -c <arg>  [-h] [-n <arg>] [-o <arg>] [-p <arg>] [-r <arg>] [-s <arg>] -t',
      '       <arg> [-u <arg>] [-w <arg>]',
    ]);
    expect(r.lines).toContain(" -p,--perm <arg>             set topic's permission(2|4|6), intro[2:W 4:R; 6:RW]");
  });

  it('fails with usage for an unknown command, a missing or unknown option', async () => {
    const [unknown, missing, badOption, noTarget] = await Promise.all([
      mqadmin(['nosuch', ...N()]),
      mqadmin(['topicRoute', ...N()]),
      mqadmin(['topicList', '--bogus', ...N()]),
      mqadmin(['updateTopic', '-t', 'T', ...N()]),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('The sub command nosuch not exist.');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('mqadmin topicRoute: Missing required option: t\n');
    expect(missing.lines[0]).toBe('usage: mqadmin topicRoute [-h] [-l] [-n <arg>] -t <arg>');
    expect(badOption.code).toBe(1);
    expect(badOption.stderr).toContain("unknown option '--bogus'");
    expect(noTarget.code).toBe(1);
    expect(noTarget.stderr).toContain('one of -b, -c');
  });

  it('takes the NameServer from -n, else NAMESRV_ADDR, and says when there is none', async () => {
    const [none, env, both, caseless] = await Promise.all([
      mqadmin(['topicList']),
      mqadmin(['topicList'], { env: { NAMESRV_ADDR: ns } }),
      mqadmin(['topicList', '-n', ns], { env: { NAMESRV_ADDR: '127.0.0.1:1' } }),
      mqadmin(['TOPICLIST', `--namesrvAddr=${ns}`]),
    ]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe("mqadmin topicList: no NameServer address: give -n host:port (several separated by ';') or set NAMESRV_ADDR\n");
    for (const r of [env, both, caseless]) {
      expect(r.code).toBe(0);
      expect(r.lines).toContain('TBW102');
    }
  });

  it('reports an unreachable NameServer and an unknown topic on stderr with exit 1', async () => {
    const [down, unknown, badAddr] = await Promise.all([
      mqadmin(['clusterList', '-n', '127.0.0.1:1']),
      mqadmin(['topicRoute', '-t', 'NoSuchTopic', ...N()]),
      mqadmin(['topicList', '-n', 'nohost']),
    ]);
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('');
    expect(down.stderr).toMatch(/^mqadmin clusterList failed: GET_BROKER_CLUSTER_INFO: cannot reach any NameServer: 127\.0\.0\.1:1 \(.*ECONNREFUSED.*\)\n$/);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('mqadmin topicRoute failed: topic NoSuchTopic does not exist: the NameServer has no route for it\n');
    expect(badAddr.code).toBe(1);
    expect(badAddr.stderr).toContain('"nohost" is not host:port');
  });
});

describe('clusterList', () => {
  it('prints the Java header and one row per broker address', async () => {
    const r = await mqadmin(['clusterList', ...N()]);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe(
      `${'#Cluster Name'.padEnd(16)}  ${'#Broker Name'.padEnd(22)}  ${'#BID'.padEnd(4)}  ${'#Addr'.padEnd(22)} ${'#Version'.padEnd(16)} ` +
        `${'#InTPS(LOAD)'.padStart(19)} ${'#OutTPS(LOAD)'.padStart(19)} ${'#PCWait(ms)'.padStart(10)} ${'#Hour'.padStart(5)} ${'#SPACE'.padStart(6)}`,
    );
    expect(r.lines).toHaveLength(3);
    const [row0, row1] = [r.lines[1]!, r.lines[2]!];
    expect(row0.startsWith(`${'DefaultCluster'.padEnd(16)}  ${'broker-0'.padEnd(22)}  ${'0'.padEnd(4)}  ${b0.padEnd(22)} ${'V4_9_4'.padEnd(16)} `)).toBe(true);
    expect(row1.startsWith(`${'DefaultCluster'.padEnd(16)}  ${'broker-1'.padEnd(22)}  ${'0'.padEnd(4)}  ${b1.padEnd(22)} `)).toBe(true);
    // #InTPS(LOAD): "%9.2f(queue size,head wait ms)" right-aligned in 19.
    expect(row0.slice(88, 107)).toMatch(/^ +\d+\.\d{2}\(\d+,\d+ms\)$/);
    expect(row0).toMatch(/ \d+\.\d{4}$/);
  });

  it('prints the yesterday and today totals with -m', async () => {
    const r = await mqadmin(['clusterList', '-m', ...N()]);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe(
      `${'#Cluster Name'.padEnd(16)}  ${'#Broker Name'.padEnd(32)} ${'#InTotalYest'.padStart(14)} ${'#OutTotalYest'.padStart(14)} ${'#InTotalToday'.padStart(14)} ${'#OutTotalToday'.padStart(14)}`,
    );
    expect(r.lines[1]).toMatch(new RegExp(`^${'DefaultCluster'.padEnd(16)}  ${'broker-0'.padEnd(32)}( +-?\\d+){4}$`));
  });

  it('repeats every -i seconds until stopped', async () => {
    const header = '#Cluster Name';
    const r = await mqadmin(['clusterList', '-i', '1', ...N()], { stopWhen: (out) => out.split(header).length > 2 });
    expect(r.signal).toBe('SIGTERM');
    expect(r.lines.filter((l) => l.startsWith(header))).toHaveLength(2);
  });
});

describe('topicList and topicRoute', () => {
  it('lists topic names, and with -c their cluster and consumer groups', async () => {
    const [plain, withCluster] = await Promise.all([mqadmin(['topicList', ...N()]), mqadmin(['topicList', '-c', ...N()])]);
    expect(plain.code).toBe(0);
    expect(plain.lines).toEqual(expect.arrayContaining(['TBW102', 'broker-0', 'broker-1', 'DefaultCluster']));
    expect(withCluster.code).toBe(0);
    expect(withCluster.lines[0]).toBe(`${'#Cluster Name'.padEnd(20)}  ${'#Topic'.padEnd(48)}  ${'#Consumer Group'.padEnd(48)}`);
    // Java's rows are wider (64) than its header (48); consumers of TBW102 cannot be read without QUERY_TOPIC_CONSUME_BY_WHO, so the group is blank.
    expect(withCluster.lines).toContain(`${'DefaultCluster'.padEnd(20)}  ${'TBW102'.padEnd(64)}  ${''.padEnd(64)}`);
  });

  it('prints the route as fastjson pretty JSON', async () => {
    const r = await mqadmin(['topicRoute', '-t', 'TBW102', ...N()]);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe('{');
    expect(r.lines[1]).toBe('\t"brokerDatas":[');
    expect(r.stdout).toContain(`\t\t\t"brokerAddrs":{0:"${b0}"\n\t\t\t},\n\t\t\t"brokerName":"broker-0",\n\t\t\t"cluster":"DefaultCluster"\n\t\t}`);
    expect(r.stdout).toContain('\t"filterServerTable":{},\n\t"queueDatas":[\n\t\t{\n\t\t\t"brokerName":"');
    expect(r.stdout).toContain('\t\t\t"perm":7,\n\t\t\t"readQueueNums":8,\n\t\t\t"topicSysFlag":0,\n\t\t\t"writeQueueNums":8\n\t\t}');
    expect(r.stdout.endsWith('\n\t]\n}\n')).toBe(true);
    const parsed = parseRmqJson(r.stdout) as { brokerDatas: Array<{ brokerName: string }>; queueDatas: unknown[] };
    expect(parsed.brokerDatas.map((b) => b.brokerName).sort()).toEqual(['broker-0', 'broker-1']);
    expect(parsed.queueDatas).toHaveLength(2);
  });

  it('prints the route as a table with -l', async () => {
    const r = await mqadmin(['topicRoute', '-t', 'TBW102', '-l', ...N()]);
    expect(r.code).toBe(0);
    const f = (a: string, b: string, c: string, d: string, e: string, g: string): string =>
      `${a.padEnd(45)} ${b.padEnd(32)} ${c.padEnd(50)} ${d.padEnd(10)} ${e.padEnd(11)} ${g.padEnd(5)}`;
    expect(r.lines).toEqual([
      f('#ClusterName', '#BrokerName', '#BrokerAddrs', '#ReadQueue', '#WriteQueue', '#Perm'),
      f('DefaultCluster', 'broker-0', `{0=${b0}}`, '8', '8', '7'),
      f('DefaultCluster', 'broker-1', `{0=${b1}}`, '8', '8', '7'),
      '-'.repeat(158),
      f('Total:', '2', '', '16', '16', ''),
    ]);
  });
});

describe('write permission', () => {
  it('wipes and adds back the write permission of a broker on every NameServer given', async () => {
    const wipe = await mqadmin(['wipeWritePerm', '-b', 'broker-1', ...N()]);
    expect(wipe.code).toBe(0);
    expect(wipe.lines).toHaveLength(1);
    const count = Number(/^wipe write perm of broker\[broker-1\] in name server\[(.+)\] OK, (\d+)$/.exec(wipe.lines[0]!)?.[2]);
    expect(wipe.lines[0]).toContain(`in name server[${ns}] OK`);
    expect(count).toBeGreaterThan(0);
    const perm = async (): Promise<number> => (await admin.examineTopicRouteInfo('TBW102')).queueDatas.find((q) => q.brokerName === 'broker-1')!.perm;
    expect((await perm()) & PermName.PERM_WRITE).toBe(0);

    const add = await mqadmin(['addWritePerm', '-b', 'broker-1', ...N()]);
    expect(add.code).toBe(0);
    expect(add.lines).toEqual([`add write perm of broker[broker-1] in name server[${ns}] OK, ${count}`]);
    expect(await perm()).toBe(PermName.PERM_READ | PermName.PERM_WRITE);
  });

  it('reports each NameServer that failed and exits 1', async () => {
    const r = await mqadmin(['addWritePerm', '-b', 'broker-0', '-n', `${ns};127.0.0.1:1`]);
    expect(r.code).toBe(1);
    expect(r.lines[0]).toMatch(new RegExp(`^add write perm of broker\\[broker-0\\] in name server\\[${ns}\\] OK, \\d+$`));
    expect(r.lines[1]).toBe('add write perm of broker[broker-0] in name server[127.0.0.1:1] Failed');
    expect(r.stderr).toContain('cannot reach NameServer 127.0.0.1:1');
  });
});

describe('NameServer configuration', () => {
  it('prints every setting of each NameServer', async () => {
    const r = await mqadmin(['getNamesrvConfig', ...N()]);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe(`============${ns}============`);
    expect(r.lines).toContain(`${'orderMessageEnable'.padEnd(50)}=  false`);
    expect(r.lines).toContain(`${'listenPort'.padEnd(50)}=  0`);
    expect(r.lines.slice(1).every((l) => /^.{50}= {2}/.test(l))).toBe(true);
  });

  it('updates a setting and refuses a protected one', async () => {
    const update = await mqadmin(['updateNamesrvConfig', '-k', 'orderMessageEnable', '-v', 'true', ...N()]);
    expect(update.code).toBe(0);
    expect(update.stdout).toBe(`update name server config success![${ns}]\norderMessageEnable : true\n`);
    expect((await admin.getNameServerConfig()).get(ns)!.get('orderMessageEnable')).toBe('true');
    const viaEnv = await mqadmin(['updateNamesrvConfig', '-k', 'orderMessageEnable', '-v', 'false'], { env: { NAMESRV_ADDR: ns } });
    expect(viaEnv.stdout).toBe('update name server config success!\norderMessageEnable : false\n');
    expect((await admin.getNameServerConfig()).get(ns)!.get('orderMessageEnable')).toBe('false');

    const refused = await mqadmin(['updateNamesrvConfig', '-k', 'kvConfigPath', '-v', 'elsewhere', ...N()]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('UPDATE_NAMESRV_CONFIG to NameServer');
    expect(refused.stderr).toContain('NO_PERMISSION (16)');
  });
});
