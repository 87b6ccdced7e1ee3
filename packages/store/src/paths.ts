/** File and directory names of the RocketMQ store layout. */
import { join } from 'node:path';

export const storePaths = {
  consumeQueue: (root: string): string => join(root, 'consumequeue'),
  index: (root: string): string => join(root, 'index'),
  checkpoint: (root: string): string => join(root, 'checkpoint'),
  abort: (root: string): string => join(root, 'abort'),
  lock: (root: string): string => join(root, 'lock'),
  config: (root: string): string => join(root, 'config'),
};

/** A file named by its start offset: 20 digits, zero-padded (UtilAll.offset2FileName). */
export function offsetToFileName(offset: number): string {
  return String(offset).padStart(20, '0');
}

/** The offset a file name stands for, or undefined for names that are not 20 digits. */
export function fileNameToOffset(name: string): number | undefined {
  return /^\d{20}$/.test(name) ? Number(name) : undefined;
}

/** yyyyMMddHHmmssSSS in local time (UtilAll.timeMillisToHumanString), the IndexFile name. */
export function timeMillisToHumanString(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w: number): string => String(n).padStart(w, '0');
  return `${p(d.getFullYear(), 4)}${p(d.getMonth() + 1, 2)}${p(d.getDate(), 2)}${p(d.getHours(), 2)}${p(d.getMinutes(), 2)}${p(d.getSeconds(), 2)}${p(d.getMilliseconds(), 3)}`;
}
