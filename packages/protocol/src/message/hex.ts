/** Uppercase hex, as UtilAll.bytes2string writes it. */
import { ErrorCode, RmqError } from '@rocketmq-ts/common';

const HEX = '0123456789ABCDEF';
const BYTE_HEX: string[] = [];
for (let i = 0; i < 256; i++) BYTE_HEX.push(HEX.charAt(i >>> 4) + HEX.charAt(i & 15));

export function bytesToHex(buf: Uint8Array, start = 0, end = buf.length): string {
  let out = '';
  for (let i = start; i < end; i++) out += BYTE_HEX[buf[i] as number] as string;
  return out;
}

/** A non-negative safe integer as 16 hex digits (a Java long's 8 bytes) without a buffer. */
export function uint53ToHex16(v: number): string {
  const hi = Math.floor(v / 4294967296);
  const lo = v >>> 0;
  return (
    BYTE_HEX[hi >>> 24]! + BYTE_HEX[(hi >>> 16) & 255]! + BYTE_HEX[(hi >>> 8) & 255]! + BYTE_HEX[hi & 255]! +
    BYTE_HEX[lo >>> 24]! + BYTE_HEX[(lo >>> 16) & 255]! + BYTE_HEX[(lo >>> 8) & 255]! + BYTE_HEX[lo & 255]!
  );
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Parses hex (either case). Throws RmqError(PROTOCOL) on odd length or a non-hex digit. */
export function hexToBytes(hex: string): Buffer {
  if (hex.length % 2 !== 0) throw new RmqError(ErrorCode.PROTOCOL, `hex string of odd length ${hex.length}`);
  const out = Buffer.allocUnsafe(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new RmqError(ErrorCode.PROTOCOL, `not a hex digit at ${hi < 0 ? 2 * i : 2 * i + 1} in ${JSON.stringify(hex)}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}
