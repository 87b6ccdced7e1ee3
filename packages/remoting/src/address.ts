import { ErrorCode, RmqError } from '@rocketmq-ts/common';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Splits a RocketMQ address such as "127.0.0.1:10911" at its last colon, as
 * Java's RemotingHelper.string2SocketAddress does; "[::1]:9876" works too.
 */
export function parseAddress(addr: string): HostPort {
  const idx = addr.lastIndexOf(':');
  const portText = idx < 0 ? '' : addr.slice(idx + 1);
  let host = idx < 0 ? '' : addr.slice(0, idx);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (host.length === 0 || !(port >= 0 && port <= 65_535)) {
    throw new RmqError(ErrorCode.ARGUMENT, `address "${addr}" is not host:port`);
  }
  return { host, port };
}

/** "ip:port" the way RocketMQ prints a channel's peer; IPv4-mapped IPv6 shows as IPv4. */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  let h = host ?? '';
  if (h.startsWith('::ffff:') && h.includes('.')) h = h.slice(7);
  return `${h}:${port ?? 0}`;
}
