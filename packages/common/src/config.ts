/**
 * Typed configuration schemas for the servers' `.properties` files.
 *
 * A schema lists every key with its type and default; `parseConfig` turns
 * string properties into a typed object, warns about unknown keys by name,
 * and fails fast on a bad value with a message naming the key and what it
 * accepts. (The Java servers silently ignore both; operators deserve better.)
 */
import { ErrorCode, RmqError } from './errors.js';

interface FieldBase {
  /** One line for `-p` output and docs. */
  readonly doc?: string;
}
export interface IntField extends FieldBase {
  readonly type: 'int';
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
}
export interface NumberField extends FieldBase {
  readonly type: 'number';
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
}
export interface BooleanField extends FieldBase {
  readonly type: 'boolean';
  readonly default: boolean;
}
export interface StringField extends FieldBase {
  readonly type: 'string';
  readonly default: string;
}
export interface EnumField<V extends string = string> extends FieldBase {
  readonly type: 'enum';
  readonly values: readonly V[];
  readonly default: V;
}
export type FieldSpec = IntField | NumberField | BooleanField | StringField | EnumField;
export type ConfigSchema = Readonly<Record<string, FieldSpec>>;

export type ConfigOf<S extends ConfigSchema> = {
  -readonly [K in keyof S]: S[K] extends EnumField<infer V>
    ? V
    : S[K] extends BooleanField
      ? boolean
      : S[K] extends StringField
        ? string
        : number;
};

export interface ParseConfigOptions {
  /** Old key names accepted for a current one: legacy name → current name. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Keys known to the Java server that we accept and ignore (with a notice). */
  readonly ignored?: readonly string[];
}

export interface ParsedConfig<S extends ConfigSchema> {
  readonly config: ConfigOf<S>;
  /** Human-readable notes for the operator: unknown keys, legacy names, ignored keys. */
  readonly warnings: string[];
  /** Keys the input set explicitly (after alias resolution). */
  readonly explicit: ReadonlySet<string>;
}

export function defaultConfig<S extends ConfigSchema>(schema: S): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(schema)) out[k] = spec.default;
  return out as ConfigOf<S>;
}

function bad(key: string, value: string, accepted: string): never {
  throw new RmqError(ErrorCode.CONFIG, `invalid value for ${key}: ${JSON.stringify(value)}; accepted: ${accepted}`);
}

/** Converts one string value according to its field spec, or throws naming the key. */
export function parseConfigValue(key: string, spec: FieldSpec, raw: string): string | number | boolean {
  const value = raw.trim();
  switch (spec.type) {
    case 'int': {
      if (!/^[+-]?\d+$/.test(value)) bad(key, raw, describeField(spec));
      const n = Number(value);
      if (!Number.isSafeInteger(n)) bad(key, raw, describeField(spec));
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) bad(key, raw, describeField(spec));
      return n;
    }
    case 'number': {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n)) bad(key, raw, describeField(spec));
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) bad(key, raw, describeField(spec));
      return n;
    }
    case 'boolean': {
      const v = value.toLowerCase();
      if (v === 'true') return true;
      if (v === 'false') return false;
      return bad(key, raw, 'true, false');
    }
    case 'string':
      return value;
    case 'enum': {
      const hit = spec.values.find((v) => v === value) ?? spec.values.find((v) => v.toLowerCase() === value.toLowerCase());
      if (hit === undefined) bad(key, raw, spec.values.join(', '));
      return hit;
    }
  }
}

export function describeField(spec: FieldSpec): string {
  switch (spec.type) {
    case 'int':
      return `an integer${spec.min !== undefined ? ` >= ${spec.min}` : ''}${spec.max !== undefined ? ` <= ${spec.max}` : ''}`;
    case 'number':
      return `a number${spec.min !== undefined ? ` >= ${spec.min}` : ''}${spec.max !== undefined ? ` <= ${spec.max}` : ''}`;
    case 'boolean':
      return 'true, false';
    case 'string':
      return 'a string';
    case 'enum':
      return spec.values.join(', ');
  }
}

/**
 * Parses string properties against a schema. Later sources in `layers` win,
 * so callers pass file properties first and command-line overrides last.
 */
export function parseConfig<S extends ConfigSchema>(
  schema: S,
  layers: ReadonlyArray<Readonly<Record<string, string>>>,
  options: ParseConfigOptions = {},
): ParsedConfig<S> {
  const config = defaultConfig(schema) as Record<string, unknown>;
  const warnings: string[] = [];
  const explicit = new Set<string>();
  const ignored = new Set(options.ignored ?? []);
  for (const layer of layers) {
    for (const [rawKey, raw] of Object.entries(layer)) {
      const key = rawKey.trim();
      let target = key;
      const alias = options.aliases?.[key];
      if (alias !== undefined) {
        warnings.push(`${key} is the legacy name of ${alias}; honouring it (prefer ${alias})`);
        target = alias;
      }
      const spec = schema[target];
      if (spec === undefined) {
        if (ignored.has(key)) warnings.push(`${key} is accepted for compatibility and has no effect here`);
        else warnings.push(`unknown configuration key ${key} (ignored)`);
        continue;
      }
      config[target] = parseConfigValue(target, spec, raw);
      explicit.add(target);
    }
  }
  return { config: config as ConfigOf<S>, warnings, explicit };
}

/** Renders a config as `key=value` lines in schema order, as `-p` prints it. */
export function formatConfig<S extends ConfigSchema>(schema: S, config: ConfigOf<S>): string {
  return Object.keys(schema)
    .map((k) => `${k}=${String((config as Record<string, unknown>)[k])}`)
    .join('\n');
}
