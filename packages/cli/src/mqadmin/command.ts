/**
 * What a subcommand is: Java's name and description, its options with
 * Java's short and long names, and what it does with an AdminClient.
 */
import type { AdminClient } from '@rocketmq-ts/admin';
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import type { PrintfArg } from './printf.js';
import { javaFormat } from './printf.js';

export interface OptionSpec {
  /** The one-letter name (`-t`). */
  readonly short: string;
  /**
   * Java's long name as its help shows it. Some Java long names hold spaces
   * ("print log") or a trailing space; those work only as the short option,
   * in Java and here.
   */
  readonly long?: string;
  /** Takes a value. */
  readonly arg: boolean;
  readonly required?: boolean;
  readonly desc: string;
}

/** Java's required OptionGroup: exactly one of these options. */
export interface OptionGroupSpec {
  readonly options: readonly string[];
  readonly required: boolean;
}

/** The parsed options of one invocation, by short name. */
export class ParsedOptions {
  private readonly values: ReadonlyMap<string, string | true>;

  constructor(values: ReadonlyMap<string, string | true>) {
    this.values = values;
  }

  has(short: string): boolean {
    return this.values.has(short);
  }

  /** The trimmed value, as Java's getOptionValue(..).trim(). */
  value(short: string): string | undefined {
    const v = this.values.get(short);
    return typeof v === 'string' ? v.trim() : undefined;
  }

  /** The value of an option the parser already required. */
  required(short: string): string {
    const v = this.value(short);
    if (v === undefined) throw usageError(`Missing required option: ${short}`);
    return v;
  }

  /** Integer option (Java's Integer.parseInt / Long.parseLong), or the fallback. */
  int(short: string, fallback: number): number {
    const v = this.value(short);
    if (v === undefined) return fallback;
    if (!/^[-+]?\d+$/.test(v)) throw usageError(`option -${short} needs an integer, got ${JSON.stringify(v)}`);
    return Number(v);
  }

  /** Boolean option value as Boolean.parseBoolean reads it: "true" (any case) is true, anything else false. */
  bool(short: string, fallback: boolean): boolean {
    const v = this.value(short);
    return v === undefined ? fallback : v.toLowerCase() === 'true';
  }
}

/** Where a command writes, and the admin client it runs against. */
export interface CommandContext {
  /** Created on first use, from -n / NAMESRV_ADDR. */
  admin(): AdminClient;
  /** The NameServer list -n gave, when it was given (getNamesrvConfig asks exactly these). */
  readonly namesrvFromOption: string[] | undefined;
  out(text: string): void;
  printf(format: string, ...args: PrintfArg[]): void;
  /** A problem worth telling the operator that does not stop the command (Java's printStackTrace). */
  warn(text: string): void;
  /** Resolves after `ms`, or rejects when the command is being stopped. */
  sleep(ms: number): Promise<void>;
}

export interface SubCommand {
  readonly name: string;
  readonly desc: string;
  readonly options: readonly OptionSpec[];
  readonly group?: OptionGroupSpec;
  run(ctx: CommandContext, opts: ParsedOptions): Promise<void>;
}

/** Bad command line: mqadmin prints the command's usage and exits 1. */
export class UsageError extends RmqError {
  constructor(message: string) {
    super(ErrorCode.ARGUMENT, message);
    this.name = 'UsageError';
  }
}

export function usageError(message: string): UsageError {
  return new UsageError(message);
}

/** printf to a string (shorthand for commands that build lines). */
export function fmt(format: string, ...args: PrintfArg[]): string {
  return javaFormat(format, ...args);
}
