import { describe, expect, it } from 'vitest';
import {
  decodeBatch,
  decodeBatchEntries,
  decodeProperties,
  encodeBatch,
  encodeProperties,
  findProperty,
  javaStringHashCode,
  tagsString2hashCode,
  SysFlag,
  transactionTypeOf,
  compressionKindOf,
} from '@rocketmq-ts/protocol';

describe('message properties', () => {
  it('encodes in insertion order without a trailing separator, as Java 4.9', () => {
    expect(encodeProperties({ TAGS: 'a', KEYS: 'k1 k2', SKIP: undefined, UNIQ_KEY: 'X' })).toBe(
      'TAGS\u0001a\u0002KEYS\u0001k1 k2\u0002UNIQ_KEY\u0001X',
    );
    expect(encodeProperties(new Map([['a', '中文']]))).toBe('a\u0001中文');
    expect(encodeProperties({})).toBe('');
  });

  it('decodes with or without a trailing separator and drops empty keys or values', () => {
    expect({ ...decodeProperties('TAGS\u0001TagA\u0002') }).toEqual({ TAGS: 'TagA' });
    expect({ ...decodeProperties('a\u0001\u0002\u0001b\u0002c\u0001d') }).toEqual({ c: 'd' });
    expect({ ...decodeProperties('') }).toEqual({});
    const p = decodeProperties('__proto__\u0001x\u0002y\u00011');
    expect(p['__proto__']).toBe('x');
    expect(Object.getPrototypeOf(p)).toBe(null);
  });

  it('finds one property without decoding all of them', () => {
    const s = 'KEYS\u0001a b\u0002TAGS\u0001t1\u0002UNIQ_KEY\u0001U';
    expect(findProperty(s, 'TAGS')).toBe('t1');
    expect(findProperty(s, 'UNIQ_KEY')).toBe('U');
    expect(findProperty(s, 'KEY')).toBeUndefined();
    expect(findProperty(s, 'NONE')).toBeUndefined();
  });

  it('hashes like java.lang.String.hashCode', () => {
    // Values computed by hand from s[0]*31^(n-1) + ... in int32.
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('TagA')).toBe(84 * 29791 + 97 * 961 + 103 * 31 + 65);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648); // a known Integer.MIN_VALUE hash
    expect(tagsString2hashCode(undefined)).toBe(0);
    expect(tagsString2hashCode('TagA')).toBe(2598919);
  });
});

describe('sysFlag bits (MessageSysFlag)', () => {
  it('has the values of MessageSysFlag on 4.9.x and 5.x', () => {
    expect(SysFlag).toMatchObject({
      COMPRESSED: 1,
      MULTI_TAGS: 2,
      TRANSACTION_PREPARED_TYPE: 4,
      TRANSACTION_COMMIT_TYPE: 8,
      TRANSACTION_ROLLBACK_TYPE: 12,
      BORNHOST_V6: 16,
      STOREHOST_V6: 32,
      NEED_UNWRAP: 64,
      INNER_BATCH: 128,
    });
    expect(transactionTypeOf(0x1 | 0xc | 0x10)).toBe(0xc);
    expect(compressionKindOf(0x1)).toBe('ZLIB');
    expect(compressionKindOf(0x101)).toBe('LZ4');
    expect(compressionKindOf(0x201)).toBe('ZSTD');
    expect(compressionKindOf(0x301)).toBe('ZLIB');
    expect(compressionKindOf(0x401)).toBeUndefined();
  });
});

describe('batch body', () => {
  it('matches a batch written by hand from MessageDecoder.encodeMessage', () => {
    // entry: int total, int magic(0), int crc(0), int flag, int bodyLen, body, short propLen, props
    const props = Buffer.from('TAGS\u0001t', 'utf8'); // 6 bytes
    const e1 = Buffer.alloc(22 + 2 + props.length);
    e1.writeInt32BE(e1.length, 0);
    e1.writeInt32BE(5, 12);
    e1.writeInt32BE(2, 16);
    e1.write('hi', 20);
    e1.writeInt16BE(props.length, 22);
    props.copy(e1, 24);
    const e2 = Buffer.alloc(22);
    e2.writeInt32BE(22, 0);
    const hand = Buffer.concat([e1, e2]);
    const enc = encodeBatch([{ body: Buffer.from('hi'), flag: 5, properties: { TAGS: 't' } }, { body: Buffer.alloc(0) }]);
    expect(enc.equals(hand)).toBe(true);
    const dec = decodeBatch(hand);
    expect(dec).toHaveLength(2);
    expect(dec[0]?.flag).toBe(5);
    expect(dec[0]?.body.toString()).toBe('hi');
    expect({ ...dec[0]?.properties }).toEqual({ TAGS: 't' });
    expect(dec[1]?.body.length).toBe(0);
    const entries = decodeBatchEntries(hand);
    expect(entries[0]?.propertiesBytes.toString()).toBe('TAGS\u0001t');
  });

  it('rejects entries whose lengths do not add up', () => {
    const ok = encodeBatch([{ body: Buffer.from('abc') }]);
    const bad = Buffer.from(ok);
    bad.writeInt32BE(999, 16);
    expect(() => decodeBatchEntries(bad)).toThrow(/bad body length/);
    const bad2 = Buffer.from(ok);
    bad2.writeInt32BE(7, 0);
    expect(() => decodeBatchEntries(bad2)).toThrow(/total size/);
    expect(() => decodeBatchEntries(ok.subarray(0, 10))).toThrow(/truncated/);
  });
});
