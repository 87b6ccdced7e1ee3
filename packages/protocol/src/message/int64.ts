/**
 * int64 fields as JS numbers. Offsets, timestamps and queue offsets stay far
 * below 2^53, so a number is exact and much cheaper than a bigint; values
 * beyond 2^53 (never written by a broker) lose low bits.
 */
const TWO_32 = 4294967296;

export function writeInt64BE(buf: Buffer, pos: number, value: number): void {
  // Byte stores: Buffer's writeInt32BE validates its arguments, which costs on the hot path.
  const hi = Math.floor(value / TWO_32) | 0;
  const lo = (value - Math.floor(value / TWO_32) * TWO_32) >>> 0;
  buf[pos] = hi >>> 24;
  buf[pos + 1] = hi >>> 16;
  buf[pos + 2] = hi >>> 8;
  buf[pos + 3] = hi;
  buf[pos + 4] = lo >>> 24;
  buf[pos + 5] = lo >>> 16;
  buf[pos + 6] = lo >>> 8;
  buf[pos + 7] = lo;
}

/** writeInt32BE without argument checks (the value is taken modulo 2^32). */
export function writeInt32Fast(buf: Buffer, pos: number, value: number): void {
  buf[pos] = value >>> 24;
  buf[pos + 1] = value >>> 16;
  buf[pos + 2] = value >>> 8;
  buf[pos + 3] = value;
}

export function readInt64BE(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
}
