/**
 * RocketMQ's JSON dialect.
 *
 * Brokers and clients written in Java serialize bodies with fastjson 1.x,
 * which writes map keys that are not strings without quotes: numbers
 * (`"brokerAddrs":{0:"127.0.0.1:10911"}`) and even objects
 * (`"offsetTable":{{"brokerName":"a","queueId":0,"topic":"t"}:{...}}`).
 * `JSON.parse` rejects both.
 *
 * Parsing: strict JSON first (fast path), then a lenient parser that also
 * accepts unquoted numeric or identifier keys and composite (object or array)
 * keys. Objects with composite keys come back as a `Map`; all others as plain
 * objects with string keys.
 *
 * Emitting: plain objects become standard JSON with quoted keys, which
 * fastjson, Go's encoding/json and ali-ons all read (fastjson converts "0" to
 * a Long key). A `Map` is emitted in fastjson's own form: numeric keys
 * unquoted, object keys as objects, so Java tools that expect a
 * Map<MessageQueue, ...> can read it.
 */
import { ErrorCode, RmqError } from '@rocketmq-ts/common';

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue }
  | Map<JsonValue, JsonValue>;

export class JsonDialectError extends RmqError {
  constructor(message: string, position: number) {
    super(ErrorCode.PROTOCOL, `${message} at position ${position}`);
    this.name = 'JsonDialectError';
  }
}

/** Parses RocketMQ (fastjson) JSON. Throws {@link JsonDialectError}. */
export function parseRmqJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return new LenientParser(text).parseDocument();
  }
}

/** Parses a body buffer (UTF-8). */
export function parseRmqJsonBody(body: Buffer | undefined): JsonValue {
  if (body === undefined || body.length === 0) throw new JsonDialectError('empty body', 0);
  return parseRmqJson(body.toString('utf8'));
}

class LenientParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    const v = this.value();
    this.ws();
    if (this.pos !== this.text.length) this.fail('unexpected trailing characters');
    return v;
  }

  private fail(msg: string): never {
    throw new JsonDialectError(msg, this.pos);
  }

  private ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  private value(): JsonValue {
    this.ws();
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
      case "'":
        return this.string();
      case 't':
        return this.word('true', true);
      case 'f':
        return this.word('false', false);
      case 'n':
        return this.word('null', null);
      case undefined:
        return this.fail('unexpected end of input');
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.number();
        return this.fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }

  private word<T extends JsonValue>(w: string, v: T): T {
    if (!this.text.startsWith(w, this.pos)) this.fail(`expected ${w}`);
    this.pos += w.length;
    return v;
  }

  private number(): number {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 64));
    if (m === null) this.fail('bad number');
    this.pos += m[0].length;
    // fastjson may suffix longs with L in some modes.
    if (this.text[this.pos] === 'L') this.pos++;
    return Number(m[0]);
  }

  private string(): string {
    const quote = this.text[this.pos];
    if (quote === '"') {
      // Find the closing quote, honouring escapes, and let JSON.parse decode it.
      let i = this.pos + 1;
      const t = this.text;
      while (i < t.length && t[i] !== '"') i += t[i] === '\\' ? 2 : 1;
      if (i >= t.length) this.fail('unterminated string');
      const s = JSON.parse(t.slice(this.pos, i + 1)) as string;
      this.pos = i + 1;
      return s;
    }
    // Single-quoted strings (fastjson accepts them): decode by hand.
    let out = '';
    let i = this.pos + 1;
    const t = this.text;
    while (i < t.length && t[i] !== "'") {
      if (t[i] === '\\') {
        out += JSON.parse(`"${t.slice(i, i + (t[i + 1] === 'u' ? 6 : 2))}"`) as string;
        i += t[i + 1] === 'u' ? 6 : 2;
      } else {
        out += t[i];
        i++;
      }
    }
    if (i >= t.length) this.fail('unterminated string');
    this.pos = i + 1;
    return out;
  }

  private array(): JsonValue[] {
    this.pos++;
    const out: JsonValue[] = [];
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.text[this.pos++];
      if (c === ']') return out;
      if (c !== ',') this.fail('expected , or ]');
    }
  }

  private key(): JsonValue {
    this.ws();
    const c = this.text[this.pos];
    if (c === '"' || c === "'") return this.string();
    if (c === '{' || c === '[') return this.value();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    const m = /^[A-Za-z_$][\w$]*/.exec(this.text.slice(this.pos, this.pos + 256));
    if (m === null) this.fail('expected a key');
    this.pos += m[0].length;
    return m[0];
  }

  private object(): JsonValue {
    this.pos++;
    const entries: Array<[JsonValue, JsonValue]> = [];
    let composite = false;
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return {};
    }
    for (;;) {
      const k = this.key();
      if (typeof k === 'object' && k !== null) composite = true;
      this.ws();
      if (this.text[this.pos++] !== ':') this.fail('expected :');
      entries.push([k, this.value()]);
      this.ws();
      const c = this.text[this.pos++];
      if (c === '}') break;
      if (c !== ',') this.fail('expected , or }');
    }
    if (composite) return new Map(entries);
    const obj: { [key: string]: JsonValue } = {};
    // defineProperty, not assignment: "__proto__" is a legal topic name and must stay data.
    for (const [k, v] of entries) Object.defineProperty(obj, String(k), { value: v, enumerable: true, writable: true, configurable: true });
    return obj;
  }
}

/**
 * Serializes a value in the dialect. `undefined` members are skipped (as
 * fastjson skips nulls by default); `bigint` is written as a bare integer.
 */
export function stringifyRmqJson(value: unknown): string {
  return write(value) ?? 'null';
}

function write(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map((x) => write(x) ?? 'null').join(',')}]`;
  if (v instanceof Map) {
    const parts: string[] = [];
    for (const [k, val] of v) {
      const s = write(val);
      if (s === undefined) continue;
      let key: string;
      if (typeof k === 'number' || typeof k === 'bigint') key = String(k);
      else if (typeof k === 'string') key = JSON.stringify(k);
      else key = write(k) ?? 'null';
      parts.push(`${key}:${s}`);
    }
    return `{${parts.join(',')}}`;
  }
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('base64'));
  const toJSON = (v as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(v));
  const parts: string[] = [];
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const s = write(val);
    if (s !== undefined) parts.push(`${JSON.stringify(k)}:${s}`);
  }
  return `{${parts.join(',')}}`;
}
