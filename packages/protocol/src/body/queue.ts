/**
 * MessageQueue, and Java maps keyed by it.
 *
 * fastjson writes a Map<MessageQueue, V> with the queue itself as the key:
 *   {{"brokerName":"b","queueId":0,"topic":"t"}:V, ...}
 * parseRmqJson returns such an object as a Map with object keys. We also
 * accept keys given as JSON text or as MessageQueue.toString()
 * ("MessageQueue [topic=t, brokerName=b, queueId=0]"), which other tools write.
 */
import type { JsonValue } from '../json.js';
import { BodyDecodeError, Reader, fastjsonOrder } from './read.js';

export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

export function readMessageQueue(r: Reader): MessageQueue {
  return { topic: r.string('topic'), brokerName: r.string('brokerName'), queueId: r.number('queueId') };
}

export function messageQueueJson(mq: MessageQueue): Record<string, unknown> {
  return fastjsonOrder({ brokerName: mq.brokerName, queueId: mq.queueId, topic: mq.topic });
}

const TO_STRING_FORM = /^MessageQueue \[topic=(.*), brokerName=(.*), queueId=(-?\d+)\]$/;

/** A MessageQueue from a map key in any of the forms peers write. */
export function messageQueueFromKey(type: string, key: JsonValue, path: string): MessageQueue {
  if (typeof key === 'string') {
    const m = TO_STRING_FORM.exec(key);
    if (m !== null) return { topic: m[1]!, brokerName: m[2]!, queueId: Number(m[3]) };
    try {
      return readMessageQueue(Reader.of(type, JSON.parse(key) as JsonValue, path));
    } catch {
      throw new BodyDecodeError(type, path, `key ${JSON.stringify(key)} is not a MessageQueue`);
    }
  }
  return readMessageQueue(Reader.of(type, key, path));
}

/** A stable string for a queue, for use as a JS Map key. */
export function messageQueueKey(mq: MessageQueue): string {
  return `${mq.topic}\u0001${mq.brokerName}\u0001${mq.queueId}`;
}

/** Entries of a Java Map<MessageQueue, V>. */
export function readQueueMap<T>(r: Reader, key: string, value: (v: JsonValue, path: string) => T): Array<[MessageQueue, T]> {
  return r.entries(key).map(([k, v], i) => {
    const path = `${r.path}.${key}[${i}]`;
    return [messageQueueFromKey(r.type, k, path), value(v, path)];
  });
}

/** A Map<MessageQueue, V> in fastjson's form (object keys). */
export function queueMapJson<T>(entries: ReadonlyArray<readonly [MessageQueue, T]>, value: (v: T) => unknown): Map<JsonValue, unknown> {
  return new Map(entries.map(([mq, v]) => [messageQueueJson(mq) as JsonValue, value(v)]));
}
