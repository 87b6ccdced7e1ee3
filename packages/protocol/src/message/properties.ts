/**
 * Message properties: `key \u0001 value \u0002 key \u0001 value ...`, UTF-8 on
 * the wire and in the store (MessageDecoder.messageProperties2String and
 * string2messageProperties). Java writes no trailing separator; some clients
 * (ali-ons) do, and the decoder accepts both. As in Java, a pair with an empty
 * key or an empty value is dropped on decode.
 */

export const NAME_VALUE_SEPARATOR = '\u0001';
export const PROPERTY_SEPARATOR = '\u0002';

/**
 * The property keys the store and codecs read (MessageConst). Named
 * `PropertyKey` so it cannot collide with other modules of this package.
 */
export const PropertyKey = {
  KEYS: 'KEYS',
  TAGS: 'TAGS',
  WAIT: 'WAIT',
  DELAY: 'DELAY',
  RETRY_TOPIC: 'RETRY_TOPIC',
  REAL_TOPIC: 'REAL_TOPIC',
  REAL_QUEUE_ID: 'REAL_QID',
  TRANSACTION_PREPARED: 'TRAN_MSG',
  PRODUCER_GROUP: 'PGROUP',
  UNIQ_KEY: 'UNIQ_KEY',
  MAX_RECONSUME_TIMES: 'MAX_RECONSUME_TIMES',
  INNER_MULTI_DISPATCH: 'INNER_MULTI_DISPATCH',
  INNER_MULTI_QUEUE_OFFSET: 'INNER_MULTI_QUEUE_OFFSET',
  /** KEYS holds several keys separated by this. */
  KEY_SEPARATOR: ' ',
} as const;

/** Decoded properties: a null-prototype record, so a key like `__proto__` is just a key. */
export type MessageProperties = Record<string, string>;

export function createProperties(): MessageProperties {
  return Object.create(null) as MessageProperties;
}

/** Encodes properties as Java does (insertion order; undefined values skipped). */
export function encodeProperties(properties: Readonly<Record<string, string | undefined>> | ReadonlyMap<string, string>): string {
  let out = '';
  const entries = properties instanceof Map ? properties.entries() : Object.entries(properties);
  for (const [k, v] of entries) {
    if (v === undefined) continue;
    if (out.length > 0) out += PROPERTY_SEPARATOR;
    out += k + NAME_VALUE_SEPARATOR + v;
  }
  return out;
}

/** Decodes a properties string. */
export function decodeProperties(text: string): MessageProperties {
  const map = createProperties();
  const len = text.length;
  let index = 0;
  while (index < len) {
    let end = text.indexOf(PROPERTY_SEPARATOR, index);
    if (end < 0) end = len;
    if (end - index >= 3) {
      const kv = text.indexOf(NAME_VALUE_SEPARATOR, index);
      if (kv > index && kv < end - 1) map[text.slice(index, kv)] = text.slice(kv + 1, end);
    }
    index = end + 1;
  }
  return map;
}

/** Decodes properties from UTF-8 bytes `buf[start, end)`. */
export function decodePropertiesBytes(buf: Buffer, start = 0, end = buf.length): MessageProperties {
  if (end <= start) return createProperties();
  return decodeProperties(buf.toString('utf8', start, end));
}

/**
 * Reads one property's value from an encoded properties string without
 * building a map (the dispatch hot path needs three keys of many).
 */
export function findProperty(text: string, key: string): string | undefined {
  const len = text.length;
  let index = 0;
  while (index < len) {
    let end = text.indexOf(PROPERTY_SEPARATOR, index);
    if (end < 0) end = len;
    const kv = index + key.length;
    if (kv < end - 1 && text.charCodeAt(kv) === 1 && text.startsWith(key, index)) return text.slice(kv + 1, end);
    index = end + 1;
  }
  return undefined;
}
