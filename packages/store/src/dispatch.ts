/**
 * Turning a stored record into what the ConsumeQueue and the IndexFile need
 * (CommitLog.checkMessageAndReturnSize's DispatchRequest), from raw bytes, so
 * a slave following its master's log dispatches exactly like the master.
 */
import {
  PropertyKey,
  bodyLengthPos,
  javaHashCode,
  readInt64BE,
  storeTimestampPos,
  topicLengthSize,
} from '@rocketmq-ts/protocol';
import type { TagsCodeCalculator } from './types.js';

/** The delayed-message topic (TopicValidator.RMQ_SYS_SCHEDULE_TOPIC). */
export const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';

export interface DispatchInfo {
  topic: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  size: number;
  sysFlag: number;
  storeTimestamp: number;
  tags: string | undefined;
  keys: string | undefined;
  uniqKey: string | undefined;
  delayLevel: string | undefined;
  /** The encoded properties (decoded into a map only for listeners). */
  propertiesText: string;
}

/** Parses the fields of a record already validated by checkRecord. */
export function parseDispatchInfo(buf: Buffer, pos: number, size: number, into: DispatchInfo): DispatchInfo {
  const magic = buf.readInt32BE(pos + 4);
  const sysFlag = buf.readInt32BE(pos + 36);
  const bl = pos + bodyLengthPos(sysFlag);
  const tl = bl + 4 + buf.readInt32BE(bl);
  const tSize = topicLengthSize(magic);
  const topicLen = tSize === 2 ? buf.readInt16BE(tl) : buf.readInt8(tl);
  const topicStart = tl + tSize;
  const pl = topicStart + topicLen;
  const propLen = buf.readInt16BE(pl);
  into.topic = buf.toString('utf8', topicStart, topicStart + topicLen);
  into.queueId = buf.readInt32BE(pos + 12);
  into.queueOffset = readInt64BE(buf, pos + 20);
  into.commitLogOffset = readInt64BE(buf, pos + 28);
  into.size = size;
  into.sysFlag = sysFlag;
  into.storeTimestamp = readInt64BE(buf, pos + storeTimestampPos(sysFlag));
  into.tags = undefined;
  into.keys = undefined;
  into.uniqKey = undefined;
  into.delayLevel = undefined;
  into.propertiesText = propLen > 0 ? buf.toString('utf8', pl + 2, pl + 2 + propLen) : '';
  scanProperties(into);
  return into;
}

/** One pass over the properties picking TAGS, KEYS, UNIQ_KEY and DELAY. */
function scanProperties(info: DispatchInfo): void {
  const text = info.propertiesText;
  const len = text.length;
  let index = 0;
  while (index < len) {
    let end = text.indexOf('\u0002', index);
    if (end < 0) end = len;
    const kv = text.indexOf('\u0001', index);
    if (kv > index && kv < end - 1) {
      const klen = kv - index;
      const c = text.charCodeAt(index);
      if (klen === 4 && c === 84 && text.startsWith(PropertyKey.TAGS, index)) info.tags = text.slice(kv + 1, end);
      else if (klen === 4 && c === 75 && text.startsWith(PropertyKey.KEYS, index)) info.keys = text.slice(kv + 1, end);
      else if (klen === 8 && c === 85 && text.startsWith(PropertyKey.UNIQ_KEY, index)) info.uniqKey = text.slice(kv + 1, end);
      else if (klen === 5 && c === 68 && text.startsWith(PropertyKey.DELAY, index)) info.delayLevel = text.slice(kv + 1, end);
    }
    index = end + 1;
  }
}

export function emptyDispatchInfo(): DispatchInfo {
  return {
    topic: '',
    queueId: 0,
    queueOffset: 0,
    commitLogOffset: 0,
    size: 0,
    sysFlag: 0,
    storeTimestamp: 0,
    tags: undefined,
    keys: undefined,
    uniqKey: undefined,
    delayLevel: undefined,
    propertiesText: '',
  };
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
    let code = m.tags !== undefined && m.tags.length > 0 ? javaHashCode(m.tags) : 0;
    if (m.delayLevel !== undefined && m.topic === SCHEDULE_TOPIC) {
      let level = /^-?\d+$/.test(m.delayLevel) ? Number(m.delayLevel) : 0;
      if (level > maxLevel) level = maxLevel;
      if (level > 0) code = m.storeTimestamp + (delayLevelsMs[level - 1] ?? 1000);
    }
    return code;
  };
}
