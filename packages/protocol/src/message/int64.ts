/**
 * int64 fields as JS numbers. Offsets, timestamps and queue offsets stay far
 * below 2^53, so a number is exact and much cheaper than a bigint; values
 * beyond 2^53 (never written by a broker) lose low bits.
 */
const TWO_32 = 4294967296;

export function writeInt64BE(buf: Buffer, pos: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi | 0, pos);
  buf.writeUInt32BE(value - hi * TWO_32, pos + 4);
}

export function readInt64BE(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
}
