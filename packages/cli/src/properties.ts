import { readFile } from 'node:fs/promises';
import { getProperties } from 'properties-file';
import { ErrorCode, RmqError } from '@rocketmq-ts/common';

/** Reads a Java `.properties` file into a string map, with a clear error when it cannot. */
export async function readPropertiesFile(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new RmqError(ErrorCode.CONFIG, `cannot read configuration file ${path}: ${code}`, { cause: err });
  }
  return getProperties(text);
}

/** Parses `k=v` text as sent in UPDATE_BROKER_CONFIG bodies and printed by `-p`. */
export function parsePropertiesText(text: string): Record<string, string> {
  return getProperties(text);
}
