/** Cluster and broker subcommands: clusterList, clusterRT, brokerStatus, getBrokerConfig, updateBrokerConfig. */
import { errorMessage } from '@rocketmq-ts/common';
import type { KVTable } from '@rocketmq-ts/protocol';
import { usageError } from '../command.js';
import type { CommandContext, SubCommand } from '../command.js';
import { javaHashSetOrder } from '../javastr.js';
import { fmt } from '../command.js';
import { formatFixed } from '../printf.js';
import { mapLimit } from './shared.js';

interface BrokerRow {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly brokerId: number;
  readonly addr: string;
}

/** Every broker address by cluster, broker names sorted, ids ascending (as clusterList walks them). */
async function brokerRows(ctx: CommandContext): Promise<BrokerRow[]> {
  const info = await ctx.admin().examineBrokerClusterInfo();
  const rows: BrokerRow[] = [];
  for (const [clusterName, names] of info.clusterAddrTable) {
    for (const brokerName of [...new Set(names)].sort()) {
      const bd = info.brokerAddrTable.get(brokerName);
      if (bd === undefined) continue;
      for (const [brokerId, addr] of [...bd.brokerAddrs].sort(([a], [b]) => a - b)) rows.push({ clusterName, brokerName, brokerId, addr });
    }
  }
  return rows;
}

async function runtimeStats(ctx: CommandContext, rows: readonly BrokerRow[]): Promise<Array<KVTable | undefined>> {
  return mapLimit(rows, 8, async (r) => {
    try {
      return await ctx.admin().fetchBrokerRuntimeStats(r.addr);
    } catch (err) {
      ctx.warn(`broker ${r.brokerName} (${r.addr}): ${errorMessage(err)}`);
      return undefined;
    }
  });
}

function parseLongOr(v: string | undefined): number | undefined {
  if (v === undefined || !/^-?\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

async function printClusterBaseInfo(ctx: CommandContext): Promise<void> {
  const rows = await brokerRows(ctx);
  const stats = await runtimeStats(ctx, rows);
  const format = '%-16s  %-22s  %-4s  %-22s %-16s %19s %19s %10s %5s %6s%n';
  ctx.printf(format, '#Cluster Name', '#Broker Name', '#BID', '#Addr', '#Version', '#InTPS(LOAD)', '#OutTPS(LOAD)', '#PCWait(ms)', '#Hour', '#SPACE');
  rows.forEach((r, i) => {
    const kv = stats[i]?.table;
    // As Java: fields stay "" when the broker did not answer, and a missing key prints "null".
    const get = (k: string): string | undefined => (kv === undefined ? '' : kv.get(k));
    const firstNumber = (v: string | undefined): number => {
      const n = Number((v ?? '').split(' ')[0]);
      return Number.isFinite(n) ? n : 0;
    };
    const inTps = firstNumber(get('putTps'));
    const outTps = firstNumber(get('getTransferedTps'));
    let hour = 0;
    const earliest = parseLongOr(get('earliestMessageTimeStamp'));
    if (earliest !== undefined) hour = (Date.now() - earliest) / 1000 / 60 / 60;
    let space = 0;
    const ratio = get('commitLogDiskRatio');
    if (ratio !== undefined && ratio.length > 0 && Number.isFinite(Number(ratio))) space = Number(ratio);
    ctx.printf(
      format,
      r.clusterName,
      r.brokerName,
      String(r.brokerId),
      r.addr,
      get('brokerVersionDesc'),
      fmt('%9.2f(%s,%sms)', inTps, get('sendThreadPoolQueueSize'), get('sendThreadPoolQueueHeadWaitTimeMills')),
      fmt('%9.2f(%s,%sms)', outTps, get('pullThreadPoolQueueSize'), get('pullThreadPoolQueueHeadWaitTimeMills')),
      get('pageCacheLockTimeMills'),
      fmt('%2.2f', hour),
      fmt('%.4f', space),
    );
  });
}

async function printClusterMoreStats(ctx: CommandContext): Promise<void> {
  const rows = await brokerRows(ctx);
  const stats = await runtimeStats(ctx, rows);
  ctx.printf('%-16s  %-32s %14s %14s %14s %14s%n', '#Cluster Name', '#Broker Name', '#InTotalYest', '#OutTotalYest', '#InTotalToday', '#OutTotalToday');
  rows.forEach((r, i) => {
    const kv = stats[i]?.table;
    const n = (k: string): number | undefined => parseLongOr(kv?.get(k));
    const diff = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a - b);
    const putYest = n('msgPutTotalYesterdayMorning');
    const putToday = n('msgPutTotalTodayMorning');
    const putNow = n('msgPutTotalTodayNow');
    const getYest = n('msgGetTotalYesterdayMorning');
    const getToday = n('msgGetTotalTodayMorning');
    const getNow = n('msgGetTotalTodayNow');
    const values = [diff(putToday, putYest), diff(getToday, getYest), diff(putNow, putToday), diff(getNow, getToday)];
    // Java computes all four or, on any missing value, prints zeros.
    const all = values.every((v) => v !== undefined) ? (values as number[]) : [0, 0, 0, 0];
    ctx.printf('%-16s  %-32s %14d %14d %14d %14d%n', r.clusterName, r.brokerName, ...all);
  });
}

export const clusterListCommand: SubCommand = {
  name: 'clusterList',
  desc: 'List all of clusters',
  options: [
    { short: 'm', long: 'moreStats', arg: false, desc: 'Print more stats' },
    { short: 'i', long: 'interval', arg: true, desc: 'specify intervals numbers, it is in seconds' },
  ],
  async run(ctx, opts) {
    const repeat = opts.has('i');
    const intervalMs = opts.int('i', 0) * 1000;
    for (let round = 0; ; round++) {
      if (round > 0) await ctx.sleep(intervalMs);
      if (opts.has('m')) await printClusterMoreStats(ctx);
      else await printClusterBaseInfo(ctx);
      if (!repeat) return;
    }
  },
};

/** getCurTime of CLusterSendMsgRTCommand: "yyyy-MM-dd HH:mm:ss" in GMT+8. */
function chinaTime(now: number): string {
  const d = new Date(now + 8 * 3600_000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

export const clusterRTCommand: SubCommand = {
  name: 'clusterRT',
  desc: 'List All clusters Message Send RT',
  options: [
    { short: 'a', long: 'amount', arg: true, desc: 'message amount | default 100' },
    { short: 's', long: 'size', arg: true, desc: 'message size | default 128 Byte' },
    { short: 'c', long: 'cluster', arg: true, desc: 'cluster name | default display all cluster' },
    { short: 'p', long: 'print log', arg: true, desc: 'print as tlog | default false' },
    { short: 'm', long: 'machine room', arg: true, desc: 'machine room name | default noname' },
    { short: 'i', long: 'interval', arg: true, desc: 'print interval | default 10 seconds' },
  ],
  async run(ctx, opts) {
    const admin = ctx.admin();
    const info = await admin.examineBrokerClusterInfo();
    const amount = opts.int('a', 100);
    const size = opts.int('s', 128);
    const interval = opts.int('i', 10);
    const printAsTlog = opts.bool('p', false);
    const machineRoom = opts.value('m') ?? 'noname';
    const clusterNames = opts.has('c') ? [opts.required('c')] : [...info.clusterAddrTable.keys()];
    if (!printAsTlog) ctx.printf('%-24s  %-24s  %-4s  %-8s  %-8s%n', '#Cluster Name', '#Broker Name', '#RT', '#successCount', '#failCount');
    for (;;) {
      for (const clusterName of clusterNames) {
        const brokerNames = info.clusterAddrTable.get(clusterName);
        if (brokerNames === undefined) {
          ctx.printf('cluster [%s] not exist', clusterName);
          break;
        }
        for (const brokerName of brokerNames) {
          const r = await admin.sendMessageRT(brokerName, amount, size);
          if (!printAsTlog) {
            ctx.printf('%-24s  %-24s  %-8s  %-16s  %-16s%n', clusterName, brokerName, fmt('%.2f', r.rt), r.successCount, r.failCount);
          } else {
            ctx.printf('%s', fmt('%s|%s|%s|%s|%s%n', chinaTime(Date.now()), machineRoom, clusterName, brokerName, formatFixed(r.rt, 0)));
          }
        }
      }
      await ctx.sleep(interval * 1000);
    }
  },
};

export const brokerStatusCommand: SubCommand = {
  name: 'brokerStatus',
  desc: 'Fetch broker runtime status data',
  options: [
    { short: 'b', long: 'brokerAddr', arg: true, desc: 'Broker address' },
    { short: 'c', long: 'clusterName', arg: true, desc: 'which cluster' },
  ],
  async run(ctx, opts) {
    const admin = ctx.admin();
    const print = (addr: string, kv: KVTable, withAddr: boolean): void => {
      for (const k of [...kv.table.keys()].sort()) {
        if (withAddr) ctx.printf('%-24s %-32s: %s%n', addr, k, kv.table.get(k));
        else ctx.printf('%-32s: %s%n', k, kv.table.get(k));
      }
    };
    const brokerAddr = opts.value('b');
    const clusterName = opts.value('c');
    if (brokerAddr !== undefined) {
      print(brokerAddr, await admin.fetchBrokerRuntimeStats(brokerAddr), false);
    } else if (clusterName !== undefined) {
      let failed: unknown;
      for (const addr of javaHashSetOrder(await admin.fetchMasterAndSlaveAddrByClusterName(clusterName))) {
        try {
          print(addr, await admin.fetchBrokerRuntimeStats(addr), true);
        } catch (err) {
          ctx.warn(errorMessage(err));
          failed = err;
        }
      }
      if (failed !== undefined) throw failed;
    } else {
      throw usageError('one of -b (broker address) or -c (cluster name) is required');
    }
  },
};

export const getBrokerConfigCommand: SubCommand = {
  name: 'getBrokerConfig',
  desc: 'Get broker config by cluster or special broker!',
  options: [
    { short: 'b', long: 'brokerAddr', arg: true, desc: 'get which broker' },
    { short: 'c', long: 'clusterName', arg: true, desc: 'get which cluster' },
  ],
  async run(ctx, opts) {
    const admin = ctx.admin();
    const getAndPrint = async (prefix: string, addr: string): Promise<void> => {
      ctx.out(prefix);
      const props = await admin.getBrokerConfig(addr);
      if (props.size === 0) {
        ctx.printf('Broker[%s] has no config property!\n', addr);
        return;
      }
      for (const [k, v] of props) ctx.printf('%-50s=  %s\n', k, v);
      ctx.printf('%n');
    };
    const brokerAddr = opts.value('b');
    const clusterName = opts.value('c');
    if (brokerAddr !== undefined) {
      await getAndPrint(fmt('============%s============\n', brokerAddr), brokerAddr);
    } else if (clusterName !== undefined) {
      const groups = await admin.fetchMasterAndSlaves(clusterName);
      const byMaster = new Map<string, string[]>();
      for (const g of groups) if (g.master !== undefined) byMaster.set(g.master, g.slaves);
      for (const master of javaHashSetOrder(byMaster.keys())) {
        await getAndPrint(fmt('============Master: %s============\n', master), master);
        for (const slave of byMaster.get(master) ?? []) {
          await getAndPrint(fmt('============My Master: %s=====Slave: %s============\n', master, slave), slave);
        }
      }
    } else {
      throw usageError('one of -b (broker address) or -c (cluster name) is required');
    }
  },
};

export const updateBrokerConfigCommand: SubCommand = {
  name: 'updateBrokerConfig',
  desc: "Update broker's config",
  options: [
    { short: 'b', long: 'brokerAddr', arg: true, desc: 'update which broker' },
    { short: 'c', long: 'clusterName', arg: true, desc: 'update which cluster' },
    { short: 'k', long: 'key', arg: true, required: true, desc: 'config key' },
    { short: 'v', long: 'value', arg: true, required: true, desc: 'config value' },
  ],
  async run(ctx, opts) {
    const admin = ctx.admin();
    const props = new Map([[opts.required('k'), opts.required('v')]]);
    const brokerAddr = opts.value('b');
    const clusterName = opts.value('c');
    if (brokerAddr !== undefined) {
      await admin.updateBrokerConfig(brokerAddr, props);
      ctx.printf('update broker config success, %s\n', brokerAddr);
    } else if (clusterName !== undefined) {
      let failed: unknown;
      for (const addr of javaHashSetOrder(await admin.fetchMasterAddrByClusterName(clusterName))) {
        try {
          await admin.updateBrokerConfig(addr, props);
          ctx.printf('update broker config success, %s\n', addr);
        } catch (err) {
          ctx.warn(errorMessage(err));
          failed = err;
        }
      }
      if (failed !== undefined) throw failed;
    } else {
      throw usageError('one of -b (broker address) or -c (cluster name) is required');
    }
  },
};
