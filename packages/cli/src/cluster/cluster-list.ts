/**
 * The cluster as `mqadmin clusterList` prints it: GET_BROKER_CLUSTER_INFO
 * from a NameServer for the identity columns, GET_BROKER_RUNTIME_INFO from
 * each broker for the load columns, in Java's column widths. A broker that
 * does not answer gets "-" in its load columns.
 */
import { RequestCode, ResponseCode, createRequest, decodeClusterInfo, decodeKVTable } from '@rocketmq-ts/protocol';
import type { ClusterInfo } from '@rocketmq-ts/protocol';
import type { RemotingClient } from '@rocketmq-ts/remoting';
import { ErrorCode, RmqError, errorMessage } from '@rocketmq-ts/common';

export interface BrokerRow {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly brokerId: number;
  readonly addr: string;
}

/** GET_BROKER_CLUSTER_INFO from one NameServer. */
export async function fetchClusterInfo(client: RemotingClient, namesrvAddr: string, timeoutMs: number): Promise<ClusterInfo> {
  const res = await client.invoke(namesrvAddr, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), timeoutMs);
  if (res.code !== ResponseCode.SUCCESS || res.body === undefined) {
    throw new RmqError(ErrorCode.RESPONSE, `GET_BROKER_CLUSTER_INFO from ${namesrvAddr}: code ${res.code} ${res.remark ?? ''}`, { responseCode: res.code, remark: res.remark });
  }
  return decodeClusterInfo(res.body);
}

/** The first NameServer that answers. */
export async function fetchClusterInfoFromAny(client: RemotingClient, namesrvAddrs: readonly string[], timeoutMs: number): Promise<ClusterInfo> {
  let last: unknown;
  for (const addr of namesrvAddrs) {
    try {
      return await fetchClusterInfo(client, addr, timeoutMs);
    } catch (err) {
      last = err;
    }
  }
  throw new RmqError(ErrorCode.CONNECTION, `no NameServer answered (${namesrvAddrs.join(';')}): ${errorMessage(last)}`, { cause: last });
}

/** GET_BROKER_RUNTIME_INFO's table, or undefined when the broker does not answer. */
export async function fetchRuntimeInfo(client: RemotingClient, brokerAddr: string, timeoutMs: number): Promise<Map<string, string> | undefined> {
  try {
    const res = await client.invoke(brokerAddr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO), timeoutMs);
    if (res.code !== ResponseCode.SUCCESS || res.body === undefined) return undefined;
    return decodeKVTable(res.body).table;
  } catch {
    return undefined;
  }
}

/** Rows in clusterList's order: clusters as the NameServer lists them, broker names sorted, ids ascending. */
export function clusterRows(info: ClusterInfo): BrokerRow[] {
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

const left = (s: string, w: number): string => s.padEnd(w);
const right = (s: string, w: number): string => s.padStart(w);

/** Java's `%-16s  %-22s  %-4s  %-22s %-16s %19s %19s %10s %5s %6s`. */
function line(c: readonly string[]): string {
  const [cluster = '', name = '', bid = '', addr = '', version = '', inTps = '', outTps = '', pcWait = '', hour = '', space = ''] = c;
  return `${left(cluster, 16)}  ${left(name, 22)}  ${left(bid, 4)}  ${left(addr, 22)} ${left(version, 16)} ${right(inTps, 19)} ${right(outTps, 19)} ${right(pcWait, 10)} ${right(hour, 5)} ${right(space, 6)}`;
}

function firstNumber(v: string | undefined): number {
  const n = Number((v ?? '').trim().split(' ')[0]);
  return Number.isFinite(n) ? n : 0;
}

/** The table, header first, one line per broker, each line ending in a newline. */
export function formatClusterList(rows: readonly BrokerRow[], runtime: ReadonlyArray<ReadonlyMap<string, string> | undefined>, now = Date.now()): string {
  const out = [line(['#Cluster Name', '#Broker Name', '#BID', '#Addr', '#Version', '#InTPS(LOAD)', '#OutTPS(LOAD)', '#PCWait(ms)', '#Hour', '#SPACE'])];
  rows.forEach((r, i) => {
    const kv = runtime[i];
    const identity = [r.clusterName, r.brokerName, String(r.brokerId), r.addr];
    if (kv === undefined) {
      out.push(line([...identity, '-', '-', '-', '-', '-', '-']));
      return;
    }
    const get = (k: string): string => kv.get(k) ?? 'null';
    const tps = (tpsKey: string, pool: string): string =>
      `${firstNumber(kv.get(tpsKey)).toFixed(2).padStart(9)}(${get(`${pool}ThreadPoolQueueSize`)},${get(`${pool}ThreadPoolQueueHeadWaitTimeMills`)}ms)`;
    const earliest = Number(kv.get('earliestMessageTimeStamp'));
    const hour = kv.has('earliestMessageTimeStamp') && Number.isFinite(earliest) && earliest > 0 ? (now - earliest) / 3_600_000 : 0;
    const ratio = Number(kv.get('commitLogDiskRatio'));
    out.push(
      line([
        ...identity,
        get('brokerVersionDesc'),
        tps('putTps', 'send'),
        tps('getTransferedTps', 'pull'),
        kv.get('pageCacheLockTimeMills') ?? '-',
        hour.toFixed(2),
        (Number.isFinite(ratio) ? ratio : 0).toFixed(4),
      ]),
    );
  });
  return `${out.join('\n')}\n`;
}

/** Fetches and formats the whole table. */
export async function clusterListText(client: RemotingClient, namesrvAddrs: readonly string[], timeoutMs = 3000): Promise<string> {
  const info = await fetchClusterInfoFromAny(client, namesrvAddrs, timeoutMs);
  const rows = clusterRows(info);
  const runtime = await Promise.all(rows.map((r) => fetchRuntimeInfo(client, r.addr, timeoutMs)));
  return formatClusterList(rows, runtime);
}
