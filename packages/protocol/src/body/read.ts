/**
 * Typed reading of parseRmqJson output, tolerant of the forms Java peers
 * write: maps as objects with quoted or unquoted keys, or as Map when keys are
 * objects; longs as numbers or (BrowserCompatible) strings; enums as names.
 */
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import { type JsonValue, parseRmqJson } from '../json.js';

/** A body that parsed as JSON but does not have the shape its type needs. */
export class BodyDecodeError extends RmqError {
  readonly path: string;
  constructor(type: string, path: string, message: string) {
    super(ErrorCode.PROTOCOL, `${type}: ${path}: ${message}`);
    this.name = 'BodyDecodeError';
    this.path = path;
  }
}

type JsonObject = { [key: string]: JsonValue };

/** A cursor over one JSON object, reporting errors with the body type and path. */
export class Reader {
  constructor(
    readonly type: string,
    readonly path: string,
    private readonly o: JsonObject,
  ) {}

  static of(type: string, v: JsonValue | undefined, path = '$'): Reader {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Map) {
      throw new BodyDecodeError(type, path, 'expected an object');
    }
    return new Reader(type, path, v);
  }

  static body(type: string, body: Buffer | string | JsonValue): Reader {
    const v = Buffer.isBuffer(body) ? parseRmqJson(body.toString('utf8')) : typeof body === 'string' ? parseRmqJson(body) : body;
    return Reader.of(type, v);
  }

  fail(key: string, message: string): never {
    throw new BodyDecodeError(this.type, `${this.path}.${key}`, message);
  }

  raw(key: string): JsonValue | undefined {
    return Object.prototype.hasOwnProperty.call(this.o, key) ? this.o[key] : undefined;
  }

  has(key: string): boolean {
    const v = this.raw(key);
    return v !== undefined && v !== null;
  }

  optString(key: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(key, 'expected a string');
  }

  string(key: string, fallback?: string): string {
    const v = this.optString(key);
    if (v !== undefined) return v;
    if (fallback !== undefined) return fallback;
    return this.fail(key, 'missing');
  }

  optNumber(key: string): number | undefined {
    return toNumber(this.raw(key), () => this.fail(key, 'expected a number'));
  }

  number(key: string, fallback = 0): number {
    return this.optNumber(key) ?? fallback;
  }

  optBoolean(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    if (v === 1 || v === 0) return v === 1;
    return this.fail(key, 'expected a boolean');
  }

  boolean(key: string, fallback = false): boolean {
    return this.optBoolean(key) ?? fallback;
  }

  optObject(key: string): Reader | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return undefined;
    return Reader.of(this.type, v, `${this.path}.${key}`);
  }

  object(key: string): Reader {
    return this.optObject(key) ?? this.fail(key, 'missing');
  }

  /** An array (a Java List or Set); absent reads as empty. */
  array<T>(key: string, item: (v: JsonValue, path: string) => T): T[] {
    const v = this.raw(key);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) return this.fail(key, 'expected an array');
    return v.map((x, i) => item(x, `${this.path}.${key}[${i}]`));
  }

  objects<T>(key: string, item: (r: Reader) => T): T[] {
    return this.array(key, (v, p) => item(Reader.of(this.type, v, p)));
  }

  strings(key: string): string[] {
    return this.array(key, (v, p) => {
      if (typeof v === 'string') return v;
      throw new BodyDecodeError(this.type, p, 'expected a string');
    });
  }

  /** Entries of a Java Map, whatever form it came in; absent reads as empty. */
  entries(key: string): Array<[JsonValue, JsonValue]> {
    const v = this.raw(key);
    if (v === undefined || v === null) return [];
    if (v instanceof Map) return [...v.entries()];
    if (typeof v === 'object' && !Array.isArray(v)) return Object.entries(v);
    return this.fail(key, 'expected a map');
  }

  /** A Java Map<String, V>. */
  stringMap<T>(key: string, value: (v: JsonValue, path: string) => T): Map<string, T> {
    const out = new Map<string, T>();
    for (const [k, v] of this.entries(key)) {
      const ks = typeof k === 'string' ? k : typeof k === 'number' ? String(k) : this.fail(key, 'expected string keys');
      out.set(ks, value(v, `${this.path}.${key}[${JSON.stringify(ks)}]`));
    }
    return out;
  }

  /** A Java Map<Long|Integer, V>: keys quoted ("0") or not (0). */
  numberMap<T>(key: string, value: (v: JsonValue, path: string) => T): Map<number, T> {
    const out = new Map<number, T>();
    for (const [k, v] of this.entries(key)) {
      const n = toNumber(k, () => this.fail(key, `key ${JSON.stringify(k)} is not a number`));
      if (n === undefined) this.fail(key, 'null key');
      out.set(n, value(v, `${this.path}.${key}[${n}]`));
    }
    return out;
  }
}

/** A JSON number, or a string holding one (BrowserCompatible longs). */
export function toNumber(v: JsonValue | undefined, fail: () => never): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v)) return Number(v);
  return fail();
}

export function numberValue(type: string) {
  return (v: JsonValue, path: string): number =>
    toNumber(v, () => {
      throw new BodyDecodeError(type, path, 'expected a number');
    }) ?? 0;
}

export function stringValue(type: string) {
  return (v: JsonValue, path: string): string => {
    if (typeof v === 'string') return v;
    throw new BodyDecodeError(type, path, 'expected a string');
  };
}

export function objectValue<T>(type: string, read: (r: Reader) => T) {
  return (v: JsonValue, path: string): T => read(Reader.of(type, v, path));
}

/**
 * A copy of `o` with keys in fastjson's field order (sorted by name, as Java's
 * String.compareTo sorts) and undefined members dropped.
 */
export function fastjsonOrder(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
