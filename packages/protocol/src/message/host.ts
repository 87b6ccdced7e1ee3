/**
 * Socket addresses as RocketMQ stores them: a 4-byte IPv4 (or 16-byte IPv6)
 * address then the port as int32 (MessageExt.socketAddress2ByteBuffer).
 *
 * Text form is "ip:port"; IPv6 is written "[a:b:c:d:e:f:g:h]:port" with the
 * uncompressed groups Java's Inet6Address.getHostAddress prints, and read in
 * any usual form ("[::1]:9876", "::1:9876", an optional leading "/").
 */
import { ErrorCode, RmqError } from '@rocketmq-ts/common';

export const IPV4_HOST_LENGTH = 8;
export const IPV6_HOST_LENGTH = 20;

function bad(host: string, why: string): never {
  throw new RmqError(ErrorCode.ARGUMENT, `bad host address ${JSON.stringify(host)}: ${why}`);
}

function splitHostPort(host: string): [string, number] {
  let h = host.startsWith('/') ? host.slice(1) : host;
  let ipPart: string;
  let portPart: string;
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    if (close < 0 || h.charAt(close + 1) !== ':') bad(host, 'expected [ipv6]:port');
    ipPart = h.slice(1, close);
    portPart = h.slice(close + 2);
  } else {
    const colon = h.lastIndexOf(':');
    if (colon < 0) bad(host, 'missing :port');
    ipPart = h.slice(0, colon);
    portPart = h.slice(colon + 1);
  }
  h = portPart;
  if (!/^\d{1,5}$/.test(h)) bad(host, 'port is not a number');
  const port = Number(h);
  if (port > 65535) bad(host, 'port out of range');
  return [ipPart, port];
}

function parseIpv4(ip: string, out: Buffer, pos: number, host: string): boolean {
  const parts = ip.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^\d{1,3}$/.test(p)) bad(host, 'bad IPv4 octet');
    const n = Number(p);
    if (n > 255) bad(host, 'IPv4 octet out of range');
    out[pos + i] = n;
  }
  return true;
}

function parseIpv6(ip: string, out: Buffer, pos: number, host: string): void {
  const zone = ip.indexOf('%');
  const text = zone >= 0 ? ip.slice(0, zone) : ip;
  const groups: number[] = [];
  const halves = text.split('::');
  if (halves.length > 2) bad(host, 'more than one :: in IPv6');
  const toGroups = (part: string): number[] => {
    if (part.length === 0) return [];
    const res: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as string;
      if (item.includes('.')) {
        if (i !== items.length - 1) bad(host, 'embedded IPv4 must come last');
        const v4 = Buffer.alloc(4);
        if (!parseIpv4(item, v4, 0, host)) bad(host, 'bad embedded IPv4');
        res.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) bad(host, 'bad IPv6 group');
        res.push(parseInt(item, 16));
      }
    }
    return res;
  };
  const head = toGroups(halves[0] as string);
  if (halves.length === 2) {
    const tail = toGroups(halves[1] as string);
    const fill = 8 - head.length - tail.length;
    if (fill < 1) bad(host, 'IPv6 has too many groups');
    groups.push(...head, ...new Array<number>(fill).fill(0), ...tail);
  } else {
    groups.push(...head);
  }
  if (groups.length !== 8) bad(host, 'IPv6 needs 8 groups');
  for (let i = 0; i < 8; i++) out.writeUInt16BE(groups[i] as number, pos + 2 * i);
}

/** Byte length (8 or 20) `host` takes in a record. Throws RmqError(ARGUMENT) on a bad address. */
export function hostByteLength(host: string): number {
  const [ip] = splitHostPort(host);
  return ip.includes(':') ? IPV6_HOST_LENGTH : IPV4_HOST_LENGTH;
}

/** Writes `host` at `pos`; returns the bytes written (8 or 20). */
export function writeHost(host: string, out: Buffer, pos: number): number {
  const [ip, port] = splitHostPort(host);
  if (ip.includes(':')) {
    parseIpv6(ip, out, pos, host);
    out.writeInt32BE(port, pos + 16);
    return IPV6_HOST_LENGTH;
  }
  if (!parseIpv4(ip, out, pos, host)) bad(host, 'not an IPv4 or IPv6 address');
  out.writeInt32BE(port, pos + 4);
  return IPV4_HOST_LENGTH;
}

/** Encodes `host` as 8 or 20 bytes. */
export function encodeHost(host: string): Buffer {
  const out = Buffer.allocUnsafe(IPV6_HOST_LENGTH);
  const n = writeHost(host, out, 0);
  return n === IPV6_HOST_LENGTH ? out : out.subarray(0, n);
}

/** Reads an address of `ipLength` (4 or 16) bytes plus the int32 port at `pos`. */
export function readHost(buf: Buffer, pos: number, ipLength: 4 | 16): string {
  if (ipLength === 4) {
    return `${buf[pos]}.${buf[pos + 1]}.${buf[pos + 2]}.${buf[pos + 3]}:${buf.readInt32BE(pos + 4)}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(pos + 2 * i).toString(16));
  return `[${groups.join(':')}]:${buf.readInt32BE(pos + 16)}`;
}

/** Decodes an 8- or 20-byte host. */
export function decodeHost(bytes: Buffer): string {
  if (bytes.length === IPV4_HOST_LENGTH) return readHost(bytes, 0, 4);
  if (bytes.length === IPV6_HOST_LENGTH) return readHost(bytes, 0, 16);
  throw new RmqError(ErrorCode.PROTOCOL, `host bytes of length ${bytes.length}, expected 8 or 20`);
}

const cache = new Map<string, Buffer>();
const CACHE_LIMIT = 4096;

/**
 * `encodeHost` with a small cache: a broker sees the same few client and
 * store addresses over and over. The returned buffer is shared; do not modify.
 */
export function encodeHostCached(host: string): Buffer {
  let b = cache.get(host);
  if (b === undefined) {
    b = encodeHost(host);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(host, b);
  }
  return b;
}
