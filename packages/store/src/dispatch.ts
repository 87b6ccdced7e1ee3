/**
 * Turning a stored record into what the ConsumeQueue and the IndexFile need
 * (CommitLog.checkMessageAndReturnSize's DispatchRequest), from raw bytes, so
 * a slave following its master's log dispatches exactly like the master.
 *
 * This runs once per message on the hot path, so it works on the bytes:
 * TAGS, KEYS, UNIQ_KEY and DELAY are located without decoding the
 * properties, and the Java hashes of ASCII tags and index keys are computed
 * from the bytes (for ASCII, UTF-8 bytes are the UTF-16 code units Java
 * hashes). Strings are made only when something needs them.
 */
import { bodyLengthPos, decodePropertiesBytes, javaStringHashCode, readInt64BE, storeTimestampPos, topicLengthSize } from '@rocketmq-ts/protocol';
import type { MessageProperties } from '@rocketmq-ts/protocol';
import type { TagsCodeCalculator } from './types.js';

/** The delayed-message topic (TopicValidator.RMQ_SYS_SCHEDULE_TOPIC). */
export const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';

/** A view of one record being dispatched; reused from record to record. */
export class DispatchInfo {
  buf: Buffer = Buffer.alloc(0);
  topic = '';
  topicStart = 0;
  topicLength = 0;
  queueId = 0;
  queueOffset = 0;
  commitLogOffset = 0;
  size = 0;
  sysFlag = 0;
  storeTimestamp = 0;
  propsStart = 0;
  propsEnd = 0;
  /** Value ranges in buf; start -1 when absent. */
  tagsStart = -1;
  tagsEnd = -1;
  keysStart = -1;
  keysEnd = -1;
  uniqStart = -1;
  uniqEnd = -1;
  delayStart = -1;
  delayEnd = -1;
  /** Every properties byte is ASCII. */
  ascii = true;

  get tags(): string | undefined {
    return this.tagsStart < 0 ? undefined : this.buf.toString('utf8', this.tagsStart, this.tagsEnd);
  }

  get keys(): string | undefined {
    return this.keysStart < 0 ? undefined : this.buf.toString('utf8', this.keysStart, this.keysEnd);
  }

  get uniqKey(): string | undefined {
    return this.uniqStart < 0 ? undefined : this.buf.toString('utf8', this.uniqStart, this.uniqEnd);
  }

  get delayLevel(): string | undefined {
    return this.delayStart < 0 ? undefined : this.buf.toString('latin1', this.delayStart, this.delayEnd);
  }

  properties(): MessageProperties {
    return decodePropertiesBytes(this.buf, this.propsStart, this.propsEnd);
  }

  /** Java's hash of the TAGS value (0 without tags). */
  tagsHash(): number {
    if (this.tagsStart < 0 || this.tagsEnd === this.tagsStart) return 0;
    if (!this.ascii) return javaStringHashCode(this.tags as string);
    let h = 0;
    const b = this.buf;
    for (let i = this.tagsStart; i < this.tagsEnd; i++) h = (Math.imul(h, 31) + (b[i] as number)) | 0;
    return h;
  }
}

const K_TAGS = [84, 65, 71, 83]; // TAGS
const K_KEYS = [75, 69, 89, 83]; // KEYS
const K_UNIQ = [85, 78, 73, 81, 95, 75, 69, 89]; // UNIQ_KEY
const K_DELAY = [68, 69, 76, 65, 89]; // DELAY

function keyIs(buf: Buffer, start: number, len: number, key: readonly number[]): boolean {
  if (len !== key.length) return false;
  for (let i = 0; i < len; i++) if (buf[start + i] !== key[i]) return false;
  return true;
}

/** A cache of the last topic decoded, so records of the same topic do not each make a string. */
export class TopicCache {
  private bytes = Buffer.alloc(0);
  private text = '';

  get(buf: Buffer, start: number, len: number): string {
    const b = this.bytes;
    if (b.length === len) {
      let same = true;
      for (let i = 0; i < len; i++) {
        if (b[i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.text;
    }
    this.text = buf.toString('utf8', start, start + len);
    this.bytes = Buffer.from(buf.subarray(start, start + len));
    return this.text;
  }
}

/** Parses the fields of a record already validated by checkRecord into `info`. */
export function parseDispatchInfo(buf: Buffer, pos: number, size: number, info: DispatchInfo, topics: TopicCache): void {
  const magic = buf.readInt32BE(pos + 4);
  const sysFlag = buf.readInt32BE(pos + 36);
  const bl = pos + bodyLengthPos(sysFlag);
  const tl = bl + 4 + buf.readInt32BE(bl);
  const tSize = topicLengthSize(magic);
  const topicLen = tSize === 2 ? buf.readInt16BE(tl) : buf.readInt8(tl);
  const topicStart = tl + tSize;
  const pl = topicStart + topicLen;
  const propLen = buf.readInt16BE(pl);
  info.buf = buf;
  info.topicStart = topicStart;
  info.topicLength = topicLen;
  info.topic = topics.get(buf, topicStart, topicLen);
  info.queueId = buf.readInt32BE(pos + 12);
  info.queueOffset = readInt64BE(buf, pos + 20);
  info.commitLogOffset = readInt64BE(buf, pos + 28);
  info.size = size;
  info.sysFlag = sysFlag;
  info.storeTimestamp = readInt64BE(buf, pos + storeTimestampPos(sysFlag));
  info.propsStart = pl + 2;
  info.propsEnd = pl + 2 + propLen;
  scanProperties(info);
}

/** One pass over the property bytes locating TAGS, KEYS, UNIQ_KEY and DELAY. */
function scanProperties(info: DispatchInfo): void {
  const b = info.buf;
  const end = info.propsEnd;
  info.tagsStart = info.keysStart = info.uniqStart = info.delayStart = -1;
  let ascii = true;
  let i = info.propsStart;
  while (i < end) {
    const keyStart = i;
    while (i < end && b[i] !== 1 && b[i] !== 2) {
      if ((b[i] as number) >= 0x80) ascii = false;
      i++;
    }
    if (i >= end || b[i] === 2) {
      i++;
      continue;
    }
    const keyLen = i - keyStart;
    const valueStart = ++i;
    while (i < end && b[i] !== 2) {
      if ((b[i] as number) >= 0x80) ascii = false;
      i++;
    }
    const valueEnd = i;
    i++;
    if (keyLen === 0 || valueEnd === valueStart) continue;
    const c = b[keyStart];
    if (c === 84 && keyIs(b, keyStart, keyLen, K_TAGS)) {
      info.tagsStart = valueStart;
      info.tagsEnd = valueEnd;
    } else if (c === 75 && keyIs(b, keyStart, keyLen, K_KEYS)) {
      info.keysStart = valueStart;
      info.keysEnd = valueEnd;
    } else if (c === 85 && keyIs(b, keyStart, keyLen, K_UNIQ)) {
      info.uniqStart = valueStart;
      info.uniqEnd = valueEnd;
    } else if (c === 68 && keyIs(b, keyStart, keyLen, K_DELAY)) {
      info.delayStart = valueStart;
      info.delayEnd = valueEnd;
    }
  }
  info.ascii = ascii;
}

/**
 * Java's hash of "topic#key" for the key at buf[start, end), from bytes when
 * everything is ASCII.
 */
export function indexKeyHashOf(info: DispatchInfo, start: number, end: number): number {
  const b = info.buf;
  let h = 0;
  let asciiTopic = true;
  for (let i = info.topicStart; i < info.topicStart + info.topicLength; i++) {
    const c = b[i] as number;
    if (c >= 0x80) asciiTopic = false;
    h = (Math.imul(h, 31) + c) | 0;
  }
  if (!asciiTopic || !info.ascii) return javaStringHashCode(`${info.topic}#${b.toString('utf8', start, end)}`);
  h = (Math.imul(h, 31) + 35) | 0; // '#'
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + (b[i] as number)) | 0;
  return h;
}

/**
 * Java's tagsCode: the TAGS hash; for a SCHEDULE_TOPIC_XXXX message with a
 * DELAY level, its delivery time (store time + the level's delay, levels
 * above the table clamped to the last; an unknown level adds 1 s, as
 * ScheduleMessageService.computeDeliverTimestamp).
 */
export function defaultTagsCode(delayLevelsMs: readonly number[]): TagsCodeCalculator {
  const maxLevel = delayLevelsMs.length;
  return (m) => {
    let code = m.tags !== undefined && m.tags.length > 0 ? javaStringHashCode(m.tags) : 0;
    if (m.delayLevel !== undefined && m.topic === SCHEDULE_TOPIC) {
      let level = /^-?\d+$/.test(m.delayLevel) ? Number(m.delayLevel) : 0;
      if (level > maxLevel) level = maxLevel;
      if (level > 0) code = m.storeTimestamp + (delayLevelsMs[level - 1] ?? 1000);
    }
    return code;
  };
}

/** The same as defaultTagsCode, reading a DispatchInfo without making strings for the common case. */
export function fastDefaultTagsCode(delayLevelsMs: readonly number[]): (info: DispatchInfo) => number {
  const slow = defaultTagsCode(delayLevelsMs);
  return (info) => {
    if (info.delayStart >= 0 && info.topic === SCHEDULE_TOPIC) return slow(info);
    return info.tagsHash();
  };
}
