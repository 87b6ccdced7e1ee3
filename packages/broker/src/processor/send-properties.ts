/**
 * What a send does to the properties text on its way to the store, done on
 * the string in one pass instead of Java's decode-to-map and re-encode:
 * WAIT is dropped (Java stores no "WAIT=true" since 4.9.3), CLUSTER is set
 * to this broker's cluster, and the three flags the send path reads (WAIT,
 * TRAN_MSG, DELAY) are picked up on the way, as is the presence of the
 * 5.x timer keys.
 */

const SEP = '\u0002';
const KV = '\u0001';

/** The outcome of {@link rewriteSendProperties}; one reused object per processor. */
export class SendProperties {
  /** The properties to store. */
  stored = '';
  /** WAIT is not "false" (case-insensitive): the producer waits for the flush. */
  waitStoreMsgOK = true;
  /** TRAN_MSG parses as true (Boolean.parseBoolean). */
  transactionPrepared = false;
  /** DELAY as Java's Integer.parseInt would read it; 0 when absent or unparsable. */
  delayLevel = 0;
  /** TIMER_DELIVER_MS, TIMER_DELAY_SEC or TIMER_DELAY_MS is present: a timed message (5.x). */
  timer = false;
}

const enum Key {
  OTHER = 0,
  WAIT = 1,
  CLUSTER = 2,
  DELAY = 3,
  TRAN_MSG = 4,
  TIMER = 5,
}

function keyAt(text: string, start: number, kv: number): Key {
  const len = kv - start;
  switch (text.charCodeAt(start)) {
    case 87: // W
      return len === 4 && text.startsWith('WAIT', start) ? Key.WAIT : Key.OTHER;
    case 67: // C
      return len === 7 && text.startsWith('CLUSTER', start) ? Key.CLUSTER : Key.OTHER;
    case 68: // D
      return len === 5 && text.startsWith('DELAY', start) ? Key.DELAY : Key.OTHER;
    case 84: // T
      if (len === 8) return text.startsWith('TRAN_MSG', start) ? Key.TRAN_MSG : Key.OTHER;
      if (len === 16) return text.startsWith('TIMER_DELIVER_MS', start) ? Key.TIMER : Key.OTHER;
      if (len === 15) return text.startsWith('TIMER_DELAY_SEC', start) ? Key.TIMER : Key.OTHER;
      if (len === 14) return text.startsWith('TIMER_DELAY_MS', start) ? Key.TIMER : Key.OTHER;
      return Key.OTHER;
    default:
      return Key.OTHER;
  }
}

function parseJavaIntOrZero(s: string): number {
  if (!/^[+-]?\d{1,10}$/.test(s)) return 0;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

/**
 * Rewrites `props` for storage into `out`: entries keyed WAIT (unless
 * `dropWait` is false: a batch keeps it) and CLUSTER are left out, and
 * DELAY too when `dropDelay`; then `CLUSTER\u0001<name>`
 * is appended. Entries are otherwise kept byte for byte; a reader decodes
 * the result exactly as Java's re-encoded map.
 */
export function rewriteSendProperties(
  props: string | undefined,
  clusterEntry: string,
  out: SendProperties,
  options: { readonly dropWait?: boolean; readonly dropDelay?: boolean } = {},
): SendProperties {
  const dropWait = options.dropWait ?? true;
  const dropDelay = options.dropDelay ?? false;
  out.waitStoreMsgOK = true;
  out.transactionPrepared = false;
  out.delayLevel = 0;
  out.timer = false;
  if (props === undefined || props.length === 0) {
    out.stored = clusterEntry;
    return out;
  }
  const len = props.length;
  // Fast path: none of the four keys present is the common case apart from WAIT; look for them only at entry starts.
  let kept = '';
  let keepFrom = 0;
  let dropped = false;
  let index = 0;
  while (index < len) {
    let end = props.indexOf(SEP, index);
    if (end < 0) end = len;
    const kv = props.indexOf(KV, index);
    if (kv > index && kv < end) {
      const key = keyAt(props, index, kv);
      if (key !== Key.OTHER) {
        const value = props.slice(kv + 1, end);
        let drop = false;
        switch (key) {
          case Key.WAIT:
            // Java: a pair with an empty value is not a property at all.
            if (value.length > 0) out.waitStoreMsgOK = value.toLowerCase() !== 'false';
            drop = dropWait;
            break;
          case Key.CLUSTER:
            drop = true;
            break;
          case Key.DELAY:
            if (value.length > 0) out.delayLevel = parseJavaIntOrZero(value);
            drop = dropDelay;
            break;
          case Key.TRAN_MSG:
            if (value.length > 0) out.transactionPrepared = value.toLowerCase() === 'true';
            break;
          case Key.TIMER:
            if (value.length > 0) out.timer = true;
            break;
        }
        if (drop) {
          kept += props.slice(keepFrom, index);
          keepFrom = end + 1;
          dropped = true;
        }
      }
    }
    index = end + 1;
  }
  if (dropped) {
    if (keepFrom < len) kept += props.slice(keepFrom);
  } else {
    kept = props;
  }
  if (kept.length === 0) {
    out.stored = clusterEntry;
  } else {
    out.stored = kept.charCodeAt(kept.length - 1) === 2 ? kept + clusterEntry : kept + SEP + clusterEntry;
  }
  return out;
}

/** `CLUSTER\u0001<name>`, the entry every stored message gets. */
export function clusterPropertyEntry(clusterName: string): string {
  return `CLUSTER${KV}${clusterName}`;
}

/** Appends entries to a properties string (no trailing separator, as Java writes). */
export function appendProperties(props: string, entries: ReadonlyArray<readonly [string, string]>): string {
  let out = props;
  for (const [k, v] of entries) {
    if (out.length > 0 && out.charCodeAt(out.length - 1) !== 2) out += SEP;
    out += k + KV + v;
  }
  return out;
}
