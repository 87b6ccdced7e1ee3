/**
 * Field-spec driven codecs for the custom headers carried in `extFields`.
 *
 * Each header is an explicit interface plus a spec listing its fields in the
 * Java declaration order, with the Java type and how the field may be absent:
 * - `required`  — @CFNotNull: decode fails when absent or unparsable.
 * - `optional`  — a boxed field (String, Integer, Long, Boolean): absent is
 *                 `undefined`, and nothing is emitted for it.
 * - `primitive` — a Java int/long/boolean without @CFNotNull: absent decodes
 *                 to 0/false, and Java always emits it, so we do too.
 *
 * Values parse as Java does (Integer.parseInt, Long.parseLong,
 * Boolean.parseBoolean: anything but "true" in any case is false). Long
 * fields are JS numbers: exact up to 2^53, and Long.MAX_VALUE/MIN_VALUE
 * (which clients send as "no bound") round-trip exactly.
 *
 * What a 4.9 broker does with a bad header: RemotingCommand.decodeCommandCustomHeader
 * builds "the custom field <name> is null" for a missing @CFNotNull field
 * but catches it itself (and any NumberFormatException) and only logs; the
 * field stays null and the processor usually fails later with an NPE that
 * the remoting layer answers as SYSTEM_ERROR. We fail at decode instead, with
 * SYSTEM_ERROR and that same sentence as the remark.
 */
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import { ResponseCode } from '../codes.js';
import { javaHashMapOrder } from '../javahash.js';

export type FieldType = 'string' | 'int' | 'long' | 'boolean';
export type FieldPresence = 'required' | 'optional' | 'primitive';

export interface FieldSpec {
  readonly type: FieldType;
  readonly presence: FieldPresence;
}

type KindOf<V> = [V] extends [string] ? 'string' : [V] extends [boolean] ? 'boolean' : [V] extends [number] ? 'int' | 'long' : never;

/** A spec whose keys and kinds must agree with the interface `T`. */
export type HeaderSpec<T> = {
  readonly [K in keyof T]-?: {
    readonly type: KindOf<Exclude<T[K], undefined>>;
    readonly presence: undefined extends T[K] ? 'optional' : 'required' | 'primitive';
  };
};

/** Order of the emitted keys. */
export type HeaderKeyOrder =
  /** The order a Java peer's HashMap<String,String> extFields iterates (its JSON header and most binary headers). */
  | 'java'
  /** Declaration order: how Java writes FastCodesHeader classes in a ROCKETMQ binary header. */
  | 'declared';

export interface HeaderCodec<T> {
  /** The Java class name. */
  readonly name: string;
  readonly fields: ReadonlyArray<readonly [string, FieldSpec]>;
  decode(extFields: Readonly<Record<string, string>>): T;
  encode(header: T, order?: HeaderKeyOrder): Record<string, string>;
}

/** A header field that is missing or cannot be parsed. */
export class HeaderFieldError extends RmqError {
  readonly header: string;
  readonly field: string;
  readonly reason: 'missing' | 'malformed' | 'invalid';
  readonly value: string | undefined;
  /**
   * `invalid` is a header's own checkFields() failing; `value` is then the
   * Java exception message, which becomes the remark.
   */
  constructor(header: string, field: string, reason: 'missing' | 'malformed' | 'invalid', value?: string) {
    const remark =
      reason === 'missing'
        ? `the custom field <${field}> is null`
        : reason === 'malformed'
          ? `the custom field <${field}> is not a valid value: ${JSON.stringify(value)}`
          : (value ?? `the custom field <${field}> is invalid`);
    super(ErrorCode.PROTOCOL, `${header}: ${remark}`, { responseCode: ResponseCode.SYSTEM_ERROR, remark });
    this.name = 'HeaderFieldError';
    this.header = header;
    this.field = field;
    this.reason = reason;
    this.value = value;
  }
}

/** Long.MAX_VALUE as a number (2^63); encodes back as "9223372036854775807". */
export const LONG_MAX_VALUE = 2 ** 63;
/** Long.MIN_VALUE as a number (-2^63). */
export const LONG_MIN_VALUE = -(2 ** 63);

const INTEGER_TEXT = /^[+-]?\d+$/;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN_BIG = -(2n ** 63n);
const LONG_MAX_BIG = 2n ** 63n - 1n;

/** Integer.parseInt; undefined when Java would throw. */
export function parseJavaInt(s: string): number | undefined {
  if (!INTEGER_TEXT.test(s)) return undefined;
  const n = Number(s);
  return n >= INT_MIN && n <= INT_MAX ? n : undefined;
}

/** Long.parseLong, as a number; undefined when Java would throw. */
export function parseJavaLong(s: string): number | undefined {
  if (!INTEGER_TEXT.test(s)) return undefined;
  const n = Number(s);
  if (Number.isSafeInteger(n)) return n;
  const big = BigInt(s);
  return big >= LONG_MIN_BIG && big <= LONG_MAX_BIG ? n : undefined;
}

/** Long.toString of a number holding a Java long. */
export function formatJavaLong(n: number): string {
  if (Number.isSafeInteger(n)) return String(n);
  if (!Number.isInteger(n)) throw new RmqError(ErrorCode.ARGUMENT, `not a long: ${n}`);
  if (n >= LONG_MAX_VALUE) return LONG_MAX_BIG.toString();
  if (n <= LONG_MIN_VALUE) return LONG_MIN_BIG.toString();
  return BigInt(n).toString();
}

function formatJavaInt(n: number): string {
  if (!Number.isInteger(n) || n < INT_MIN || n > INT_MAX) throw new RmqError(ErrorCode.ARGUMENT, `not an int: ${n}`);
  return String(n);
}

function parseValue(type: FieldType, raw: string): string | number | boolean | undefined {
  switch (type) {
    case 'string':
      return raw;
    case 'int':
      return parseJavaInt(raw);
    case 'long':
      return parseJavaLong(raw);
    case 'boolean':
      return raw.toLowerCase() === 'true';
  }
}

function formatValue(type: FieldType, v: unknown): string {
  switch (type) {
    case 'string':
      return String(v);
    case 'int':
      return formatJavaInt(Number(v));
    case 'long':
      return formatJavaLong(Number(v));
    case 'boolean':
      return v === true ? 'true' : 'false';
  }
}

function primitiveDefault(type: FieldType): number | boolean | undefined {
  if (type === 'boolean') return false;
  if (type === 'int' || type === 'long') return 0;
  return undefined;
}

/**
 * Builds the codec for one header class. `spec` lists fields in Java
 * declaration order. `check` mirrors the class's checkFields(): it returns
 * the field at fault and the Java exception message, or undefined.
 */
export function defineHeader<T extends object>(
  name: string,
  spec: HeaderSpec<T>,
  check?: (header: T) => readonly [field: keyof T & string, message: string] | undefined,
): HeaderCodec<T> {
  const fields = Object.entries(spec as Record<string, FieldSpec>) as ReadonlyArray<readonly [string, FieldSpec]>;

  function decode(ext: Readonly<Record<string, string>>): T {
    const out: Record<string, unknown> = {};
    for (const [key, f] of fields) {
      const raw = Object.prototype.hasOwnProperty.call(ext, key) ? ext[key] : undefined;
      if (raw === undefined) {
        if (f.presence === 'required') throw new HeaderFieldError(name, key, 'missing');
        if (f.presence === 'primitive') out[key] = primitiveDefault(f.type);
        continue;
      }
      const v = parseValue(f.type, raw);
      if (v === undefined) {
        // Java leaves an unparsable optional field null (or its primitive default).
        if (f.presence === 'required') throw new HeaderFieldError(name, key, 'malformed', raw);
        if (f.presence === 'primitive') out[key] = primitiveDefault(f.type);
        continue;
      }
      out[key] = v;
    }
    const header = out as T;
    const failure = check?.(header);
    if (failure !== undefined) throw new HeaderFieldError(name, failure[0], 'invalid', failure[1]);
    return header;
  }

  // Presence bitmask -> field indexes in Java's HashMap order; one integer key instead of a joined string.
  const javaOrderByMask = new Map<number, readonly number[]>();
  // The largest RocketMQ header has 14 fields; a presence mask in a small integer covers 30.
  if (fields.length > 30) throw new Error(`header ${name}: ${fields.length} fields, at most 30 are supported`);
  const indexOf = new Map(fields.map(([key], i) => [key, i] as const));

  function javaOrder(mask: number): readonly number[] {
    let order = javaOrderByMask.get(mask);
    if (order === undefined) {
      const present: string[] = [];
      for (let i = 0; i < fields.length; i++) if ((mask & (1 << i)) !== 0) present.push(fields[i]![0]);
      order = javaHashMapOrder(present).map((key) => indexOf.get(key)!);
      javaOrderByMask.set(mask, order);
    }
    return order;
  }

  function encode(header: T, order: HeaderKeyOrder = 'java'): Record<string, string> {
    const h = header as Record<string, unknown>;
    const values: Array<string | undefined> = new Array<string | undefined>(fields.length);
    let mask = 0;
    for (let i = 0; i < fields.length; i++) {
      const [key, f] = fields[i]!;
      let v = h[key];
      if (v === undefined || v === null) {
        if (f.presence === 'primitive') v = primitiveDefault(f.type);
        else continue;
      }
      values[i] = formatValue(f.type, v);
      mask |= 1 << i;
    }
    const out: Record<string, string> = {};
    if (order === 'java') {
      for (const i of javaOrder(mask)) out[fields[i]![0]] = values[i]!;
    } else {
      for (let i = 0; i < fields.length; i++) if ((mask & (1 << i)) !== 0) out[fields[i]![0]] = values[i]!;
    }
    return out;
  }

  return { name, fields, decode, encode };
}
