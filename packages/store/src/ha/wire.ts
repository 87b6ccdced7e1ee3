/**
 * The HA wire format of Apache RocketMQ 4.9 (HAService.HAClient and
 * HAConnection), byte for byte. There is no framing beyond this, no magic,
 * no version:
 *
 *   slave -> master   int64 BE   the slave's max CommitLog offset (a report;
 *                                the first one on a connection is where the
 *                                slave wants the transfer to start)
 *   master -> slave   int64 BE   master physical offset of the body's first byte
 *                     int32 BE   body size (0 = heartbeat)
 *                     body       raw CommitLog bytes, within one segment
 */
import { readInt64BE, writeInt64BE } from '@rocketmq-ts/protocol';

/** Bytes of a slave's offset report. */
export const HA_REPORT_SIZE = 8;
/** Bytes of a transfer header (offset + size). */
export const HA_TRANSFER_HEADER_SIZE = 12;

/** The 8 bytes a slave sends: its max CommitLog offset. */
export function encodeOffsetReport(offset: number): Buffer {
  const b = Buffer.allocUnsafe(HA_REPORT_SIZE);
  writeInt64BE(b, 0, offset);
  return b;
}

/** A transfer header: `size` bytes of CommitLog from `masterPhyOffset` follow (none: a heartbeat). */
export function encodeTransferHeader(masterPhyOffset: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(HA_TRANSFER_HEADER_SIZE);
  writeInt64BE(b, 0, masterPhyOffset);
  b.writeInt32BE(size, 8);
  return b;
}

/**
 * Cuts a master's reports out of the byte stream. Only the newest complete
 * report matters (the master keeps the last one, as Java's ReadSocketService
 * does); a partial one waits for its remaining bytes.
 */
export class OffsetReportReader {
  private partial = Buffer.alloc(HA_REPORT_SIZE);
  private partialLen = 0;

  /** The last complete report in `chunk` (with earlier leftovers), or undefined when none completed. */
  push(chunk: Buffer): number | undefined {
    let pos = 0;
    let last: number | undefined;
    if (this.partialLen > 0) {
      const take = Math.min(HA_REPORT_SIZE - this.partialLen, chunk.length);
      chunk.copy(this.partial, this.partialLen, 0, take);
      this.partialLen += take;
      pos = take;
      if (this.partialLen < HA_REPORT_SIZE) return undefined;
      last = readInt64BE(this.partial, 0);
      this.partialLen = 0;
    }
    const whole = Math.floor((chunk.length - pos) / HA_REPORT_SIZE);
    if (whole > 0) {
      const at = pos + (whole - 1) * HA_REPORT_SIZE;
      last = readInt64BE(chunk, at);
      pos += whole * HA_REPORT_SIZE;
    }
    if (pos < chunk.length) {
      chunk.copy(this.partial, 0, pos);
      this.partialLen = chunk.length - pos;
    }
    return last;
  }
}

/** One frame from the master. `body` is a view of received bytes (empty for a heartbeat). */
export interface TransferFrame {
  readonly masterPhyOffset: number;
  readonly body: Buffer;
}

/**
 * Cuts the master's stream into frames. A body inside one received chunk is
 * a view of it (no copy); a body split across chunks is gathered into a
 * buffer of its size, so every byte is copied at most once.
 */
export class TransferFrameReader {
  private readonly head = Buffer.alloc(HA_TRANSFER_HEADER_SIZE);
  private headLen = 0;
  private body: Buffer | undefined;
  private bodyLen = 0;
  private bodyOffset = 0;

  /** @param maxBodySize a larger (or negative) size is a protocol error: the stream cannot be trusted any more. */
  constructor(private readonly maxBodySize: number) {}

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.headLen + (this.body === undefined ? 0 : HA_TRANSFER_HEADER_SIZE + this.bodyLen);
  }

  /** The frames `chunk` completes, in order; throws RangeError on an impossible body size. */
  push(chunk: Buffer): TransferFrame[] {
    const frames: TransferFrame[] = [];
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      if (this.body !== undefined) {
        const take = Math.min(this.body.length - this.bodyLen, n - pos);
        chunk.copy(this.body, this.bodyLen, pos, pos + take);
        this.bodyLen += take;
        pos += take;
        if (this.bodyLen === this.body.length) {
          frames.push({ masterPhyOffset: this.bodyOffset, body: this.body });
          this.body = undefined;
        }
        continue;
      }
      let hdr = chunk;
      let at = pos;
      if (this.headLen > 0 || n - pos < HA_TRANSFER_HEADER_SIZE) {
        const take = Math.min(HA_TRANSFER_HEADER_SIZE - this.headLen, n - pos);
        chunk.copy(this.head, this.headLen, pos, pos + take);
        this.headLen += take;
        pos += take;
        if (this.headLen < HA_TRANSFER_HEADER_SIZE) break;
        this.headLen = 0;
        hdr = this.head;
        at = 0;
      } else {
        pos += HA_TRANSFER_HEADER_SIZE;
      }
      const masterPhyOffset = readInt64BE(hdr, at);
      const size = hdr.readInt32BE(at + 8);
      if (size < 0 || size > this.maxBodySize) throw new RangeError(`HA transfer frame with body size ${size} (at most ${this.maxBodySize} expected)`);
      if (n - pos >= size) {
        frames.push({ masterPhyOffset, body: chunk.subarray(pos, pos + size) });
        pos += size;
      } else {
        this.body = Buffer.allocUnsafe(size);
        this.bodyOffset = masterPhyOffset;
        this.bodyLen = n - pos;
        chunk.copy(this.body, 0, pos, n);
        pos = n;
      }
    }
    return frames;
  }

  /** Forgets a partial frame (a new connection starts a new stream). */
  reset(): void {
    this.headLen = 0;
    this.body = undefined;
    this.bodyLen = 0;
  }
}
