/**
 * Replication options. Names and defaults are Apache RocketMQ 4.9's
 * MessageStoreConfig keys; the two this implementation adds say so.
 */
import { ErrorCode, RmqError } from '@rocketmq-ts/common';

export interface HAOptions {
  /**
   * Port a master listens on for slaves; 0 picks a free port. (Java's
   * BrokerStartup always uses listenPort + 1; the broker passes that unless
   * its haListenPort says otherwise.)
   * @defaultValue 10912
   */
  haListenPort: number;
  /** Address the HA port binds to. @defaultValue '0.0.0.0' */
  haListenHost: string;
  /** A slave's master, "ip:port" of its HA port; empty until told (updateMasterAddress). @defaultValue '' */
  haMasterAddress: string;
  /** ms of silence after which each side sends a heartbeat (the slave its offset, the master an empty header). @defaultValue 5000 */
  haSendHeartbeatInterval: number;
  /** ms without hearing from the peer after which a connection is closed. @defaultValue 20000 */
  haHousekeepingInterval: number;
  /** Most CommitLog bytes in one transfer frame. @defaultValue 32768 */
  haTransferBatchSize: number;
  /** SYNC_MASTER: a slave further behind than this many bytes is "not available". @defaultValue 268435456 */
  haSlaveFallbehindMax: number;
  /** rocketmq-ts (Java waits a fixed 5 s): ms a slave waits before connecting again after a failed or refused connection. @defaultValue 5000 */
  haConnectRetryInterval: number;
  /** rocketmq-ts: the master stops reading the log for a slave while this many bytes wait in its socket. @defaultValue 4194304 */
  haMaxSocketBufferedBytes: number;
}

export function defaultHAOptions(): HAOptions {
  return {
    haListenPort: 10912,
    haListenHost: '0.0.0.0',
    haMasterAddress: '',
    haSendHeartbeatInterval: 5000,
    haHousekeepingInterval: 20000,
    haTransferBatchSize: 32768,
    haSlaveFallbehindMax: 256 * 1024 * 1024,
    haConnectRetryInterval: 5000,
    haMaxSocketBufferedBytes: 4 * 1024 * 1024,
  };
}

function fail(key: string, why: string): never {
  throw new RmqError(ErrorCode.CONFIG, `HA option ${key}: ${why}`);
}

/** Defaults overlaid with `input`; throws RmqError(CONFIG) naming the key on unknown keys or bad values. */
export function parseHAOptions(input: Readonly<Partial<HAOptions>> = {}): HAOptions {
  const out = defaultHAOptions();
  const target = out as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (!(key in out)) fail(key, 'unknown option');
    if (typeof value !== typeof target[key]) fail(key, `expected a ${typeof target[key]}, got ${JSON.stringify(value)}`);
    target[key] = value;
  }
  if (!Number.isInteger(out.haListenPort) || out.haListenPort < 0 || out.haListenPort > 65535) fail('haListenPort', `must be 0..65535, got ${out.haListenPort}`);
  for (const k of ['haSendHeartbeatInterval', 'haHousekeepingInterval', 'haTransferBatchSize', 'haConnectRetryInterval', 'haMaxSocketBufferedBytes'] as const) {
    if (!Number.isInteger(out[k]) || out[k] <= 0) fail(k, `must be a positive integer, got ${out[k]}`);
  }
  if (!Number.isInteger(out.haSlaveFallbehindMax) || out.haSlaveFallbehindMax < 0) fail('haSlaveFallbehindMax', `must not be negative, got ${out.haSlaveFallbehindMax}`);
  if (out.haMasterAddress !== '') parseHAAddress(out.haMasterAddress);
  return out;
}

/** "host:port" -> parts; throws RmqError(CONFIG) otherwise. */
export function parseHAAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const host = i > 0 ? addr.slice(0, i) : '';
  const port = Number(addr.slice(i + 1));
  if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new RmqError(ErrorCode.CONFIG, `HA address ${JSON.stringify(addr)}: expected host:port`);
  }
  return { host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host, port };
}
