/**
 * Options of the admin client. Names follow the rest of rocketmq-ts
 * (nameServer as in the client package); defaults are DefaultMQAdminExt's.
 */
import { ErrorCode, RmqError, silentLogger } from '@rocketmq-ts/common';
import type { Logger } from '@rocketmq-ts/common';

export interface AdminOptions {
  /**
   * NameServer addresses, `host:port` separated by `;` (or an array), as
   * mqadmin's `-n`. Requests go to one at a time; when it cannot be reached
   * the next is tried. Required.
   */
  readonly nameServer: string | readonly string[];
  /**
   * Timeout of each request (DefaultMQAdminExt.timeoutMillis). Consume stats
   * and consumer running info get three times this, as in Java.
   * @defaultValue 5000
   */
  readonly timeoutMillis: number;
  /**
   * Part of the client id of the producer that sendMessage and clusterRT
   * use (`clientIP@instanceName`).
   * @defaultValue String(Date.now()), as the Java tools set it
   */
  readonly instanceName: string;
  /**
   * The address other tools see for this client (producer client id, message
   * ids). Only a label; nothing connects to it.
   * @defaultValue '127.0.0.1'
   */
  readonly clientIP: string;
  /** @defaultValue silentLogger */
  readonly logger: Logger;
}

export type AdminInit = Partial<Omit<AdminOptions, 'nameServer'>> & Pick<AdminOptions, 'nameServer'>;

export function defaultAdminOptions(): Omit<AdminOptions, 'nameServer'> {
  return {
    timeoutMillis: 5000,
    instanceName: String(Date.now()),
    clientIP: '127.0.0.1',
    logger: silentLogger,
  };
}

function configError(message: string): RmqError {
  return new RmqError(ErrorCode.CONFIG, message);
}

const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[^\s:;[\]]+):(\d{1,5})$/;

/**
 * Splits a `;` separated NameServer list (blanks ignored) and checks each
 * entry is host:port. Throws RmqError CONFIG naming the bad entry.
 */
export function parseNameServerList(value: string | readonly string[], key = 'nameServer'): string[] {
  const parts = (typeof value === 'string' ? value.split(';') : [...value]).map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw configError(`admin option "${key}" needs at least one host:port address`);
  for (const p of parts) {
    const m = ADDRESS.exec(p);
    const port = m === null ? NaN : Number(m[2]);
    if (m === null || port < 1 || port > 65535) throw configError(`admin option "${key}": ${JSON.stringify(p)} is not host:port`);
  }
  return parts;
}

function isLogger(v: unknown): v is Logger {
  if (v === null || typeof v !== 'object') return false;
  const l = v as Record<string, unknown>;
  return ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'child'].every((k) => typeof l[k] === 'function');
}

/** Defaults merged with `input`; throws RmqError CONFIG naming the first unknown, missing or bad key. */
export function parseAdminOptions(input: unknown): AdminOptions {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw configError('admin options must be an object');
  const out: Record<string, unknown> = { ...defaultAdminOptions() };
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (value === undefined) continue;
    switch (key) {
      case 'nameServer':
        if (typeof value !== 'string' && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
          throw configError('admin option "nameServer" must be a string or an array of strings');
        }
        out[key] = parseNameServerList(value as string | string[]);
        break;
      case 'timeoutMillis':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
          throw configError(`admin option "timeoutMillis" must be a positive integer, got ${JSON.stringify(value)}`);
        }
        out[key] = value;
        break;
      case 'instanceName':
      case 'clientIP':
        if (typeof value !== 'string' || value.trim().length === 0) {
          throw configError(`admin option "${key}" must be a non-empty string, got ${JSON.stringify(value)}`);
        }
        out[key] = value;
        break;
      case 'logger':
        if (!isLogger(value)) throw configError('admin option "logger" must be a Logger (trace..fatal and child)');
        out[key] = value;
        break;
      default:
        throw configError(`unknown admin option "${key}"`);
    }
  }
  if (out['nameServer'] === undefined) throw configError('admin option "nameServer" is required');
  return out as unknown as AdminOptions;
}
