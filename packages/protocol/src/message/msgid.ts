/**
 * The two message ids.
 *
 * Offset msgId (MessageDecoder.createMessageId / decodeMessageId): store host
 * address (4 bytes, or 16 for IPv6) + port (int32) + CommitLog offset (int64),
 * uppercase hex: 32 characters for IPv4, 56 for IPv6. A broker can find the
 * message from it without any index.
 *
 * Client unique id, the UNIQ_KEY property (MessageClientIDSetter): ip (4 or
 * 16 bytes) + pid (int16) + class loader hash (int32) + milliseconds since the
 * start of the current month in local time (int32) + counter (int16),
 * uppercase hex: 32 characters for IPv4, 56 for IPv6.
 */
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import { bytesToHex, hexToBytes, uint53ToHex16 } from './hex.js';
import { IPV4_HOST_LENGTH, encodeHostCached, readHost } from './host.js';
import { readInt64BE, writeInt64BE } from './int64.js';

/** Offset msgId for a record stored at `commitLogOffset` on `storeHost` ("ip:port" or its bytes). */
export function createOffsetMsgId(storeHost: string | Buffer, commitLogOffset: number): string {
  const host = typeof storeHost === 'string' ? encodeHostCached(storeHost) : storeHost;
  if (Number.isSafeInteger(commitLogOffset) && commitLogOffset >= 0) return hostHex(host) + uint53ToHex16(commitLogOffset);
  const tail = Buffer.allocUnsafe(8);
  writeInt64BE(tail, 0, commitLogOffset);
  return bytesToHex(host) + bytesToHex(tail);
}

/** The last host's bytes and hex: a broker makes every msgId with the same store host. */
const lastHost = Buffer.alloc(16);
let lastHostLength = -1;
let lastHostHex = '';

function hostHex(host: Buffer): string {
  let same = host.length === lastHostLength;
  for (let i = 0; same && i < host.length; i++) same = host[i] === lastHost[i];
  if (!same) {
    if (host.length > lastHost.length) return bytesToHex(host);
    host.copy(lastHost);
    lastHostLength = host.length;
    lastHostHex = bytesToHex(host);
  }
  return lastHostHex;
}

export interface OffsetMsgId {
  /** "ip:port" of the store host. */
  readonly address: string;
  readonly offset: number;
}

/** Parses an offset msgId (32 or 56 hex digits, either case). Throws RmqError(ARGUMENT). */
export function decodeOffsetMsgId(msgId: string): OffsetMsgId {
  if (msgId.length !== 32 && msgId.length !== 56) {
    throw new RmqError(ErrorCode.ARGUMENT, `offset msgId must have 32 or 56 hex digits, got ${msgId.length}`);
  }
  let bytes: Buffer;
  try {
    bytes = hexToBytes(msgId);
  } catch (err) {
    throw new RmqError(ErrorCode.ARGUMENT, `offset msgId ${JSON.stringify(msgId)} is not hex`, { cause: err });
  }
  const ipLength = msgId.length === 32 ? 4 : 16;
  return { address: readHost(bytes, 0, ipLength), offset: readInt64BE(bytes, ipLength + 4) };
}

function startOfMonth(ms: number): { start: number; next: number } {
  const d = new Date(ms);
  const start = new Date(d.getFullYear(), d.getMonth(), 1, 0, 0, 0, 0).getTime();
  const next = new Date(d.getFullYear(), d.getMonth() + 1, 1, 0, 0, 0, 0).getTime();
  return { start, next };
}

export interface UniqueIdGeneratorOptions {
  /** The client's IPv4 (4 bytes) or IPv6 (16 bytes) address, or its text form. @defaultValue a fake address from the clock, as Java's createFakeIP */
  readonly ip?: Buffer | string;
  /** @defaultValue process.pid */
  readonly pid?: number;
  /** Stands in for Java's class loader hash code. @defaultValue a random int */
  readonly instanceHash?: number;
  /** Clock. @defaultValue Date.now */
  readonly now?: () => number;
}

function ipBytes(ip: Buffer | string | undefined, now: number): Buffer {
  if (ip === undefined) {
    // Java's createFakeIP: the low 4 bytes of the current time in ms.
    const b = Buffer.allocUnsafe(8);
    writeInt64BE(b, 0, now);
    return b.subarray(4, 8);
  }
  if (typeof ip !== 'string') {
    if (ip.length !== 4 && ip.length !== 16) throw new RmqError(ErrorCode.ARGUMENT, `ip must have 4 or 16 bytes, got ${ip.length}`);
    return ip;
  }
  const host = encodeHostCached(ip.includes('.') && !ip.includes(':') ? `${ip}:0` : `[${ip}]:0`);
  return host.subarray(0, host.length === IPV4_HOST_LENGTH ? 4 : 16);
}

/**
 * Generates UNIQ_KEY ids the way MessageClientIDSetter.createUniqID does:
 * a fixed prefix (ip, pid, instance hash), then the milliseconds since the
 * start of the month and a wrapping 16-bit counter.
 */
export class UniqueIdGenerator {
  private readonly prefix: string;
  private readonly now: () => number;
  private monthStart = 0;
  private nextMonthStart = 0;
  private counter = 0;

  constructor(options: UniqueIdGeneratorOptions = {}) {
    this.now = options.now ?? Date.now;
    const ip = ipBytes(options.ip, this.now());
    const fixed = Buffer.allocUnsafe(ip.length + 6);
    ip.copy(fixed, 0);
    fixed.writeUInt16BE((options.pid ?? process.pid) & 0xffff, ip.length);
    fixed.writeInt32BE((options.instanceHash ?? Math.floor(Math.random() * 0x100000000)) | 0, ip.length + 2);
    this.prefix = bytesToHex(fixed);
  }

  next(): string {
    const current = this.now();
    if (current >= this.nextMonthStart) {
      const m = startOfMonth(current);
      this.monthStart = m.start;
      this.nextMonthStart = m.next;
    }
    let diff = (current - this.monthStart) | 0;
    if (diff < 0 && diff > -1_000_000) diff = 0; // clock stepped back (NTP), as Java does
    const tail = ((diff >>> 0).toString(16).toUpperCase().padStart(8, '0')) + (this.counter & 0xffff).toString(16).toUpperCase().padStart(4, '0');
    this.counter = (this.counter + 1) | 0;
    return this.prefix + tail;
  }
}

let defaultGenerator: UniqueIdGenerator | undefined;

/** A UNIQ_KEY from a process-wide generator (fake ip unless setDefaultUniqueIdIp was called). */
export function createUniqueId(): string {
  defaultGenerator ??= new UniqueIdGenerator();
  return defaultGenerator.next();
}

/** Sets the ip of the process-wide generator. */
export function setDefaultUniqueIdIp(ip: Buffer | string): void {
  defaultGenerator = new UniqueIdGenerator({ ip });
}

export interface UniqueIdInfo {
  /** The client ip, without port. */
  readonly ip: string;
  readonly pid: number;
  readonly instanceHash: number;
  /** Milliseconds since the start of the month the id was made in. */
  readonly monthMillis: number;
  readonly counter: number;
  /**
   * When the id was made, assuming it is from this month or, if that would be
   * in the future, from last month (MessageClientIDSetter.getNearlyTimeFromID).
   */
  readonly timestamp: number;
}

/** Parses a UNIQ_KEY (32 or 56 hex digits). Throws RmqError(ARGUMENT). */
export function parseUniqueId(id: string, now: number = Date.now()): UniqueIdInfo {
  if (id.length !== 32 && id.length !== 56) {
    throw new RmqError(ErrorCode.ARGUMENT, `unique id must have 32 or 56 hex digits, got ${id.length}`);
  }
  let b: Buffer;
  try {
    b = hexToBytes(id);
  } catch (err) {
    throw new RmqError(ErrorCode.ARGUMENT, `unique id ${JSON.stringify(id)} is not hex`, { cause: err });
  }
  const ipLength = b.length === 28 ? 16 : 4;
  const hostText = readHost(Buffer.concat([b.subarray(0, ipLength), Buffer.alloc(4)]), 0, ipLength === 4 ? 4 : 16);
  const ip = ipLength === 4 ? hostText.slice(0, hostText.lastIndexOf(':')) : hostText.slice(1, hostText.lastIndexOf(']'));
  const monthMillis = b.readUInt32BE(ipLength + 6);
  let start = startOfMonth(now).start;
  if (start + monthMillis >= now) {
    const d = new Date(start);
    start = new Date(d.getFullYear(), d.getMonth() - 1, 1, 0, 0, 0, 0).getTime();
  }
  return {
    ip,
    pid: b.readUInt16BE(ipLength),
    instanceHash: b.readInt32BE(ipLength + 2),
    monthMillis,
    counter: b.readUInt16BE(ipLength + 10),
    timestamp: start + monthMillis,
  };
}
