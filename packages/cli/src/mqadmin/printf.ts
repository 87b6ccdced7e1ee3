/**
 * The parts of java.util.Formatter and RocketMQ's UtilAll that mqadmin's
 * output goes through, so columns line up exactly as the Java tool prints
 * them: %s %d %f %x %n %% with the '-' and '0' flags, width and precision.
 */

export type PrintfArg = string | number | bigint | boolean | null | undefined;

const SPEC = /%([-0#+ ,(]*)(\d+)?(?:\.(\d+))?([sdfnx%])/g;

function pad(s: string, width: number | undefined, left: boolean, zero: boolean): string {
  if (width === undefined || s.length >= width) return s;
  if (left) return s + ' '.repeat(width - s.length);
  if (zero) {
    const sign = s.startsWith('-') ? '-' : '';
    const digits = sign === '' ? s : s.slice(1);
    return sign + '0'.repeat(width - s.length) + digits;
  }
  return ' '.repeat(width - s.length) + s;
}

/** A plain decimal string of a finite number, without exponent. */
function plainDecimal(x: number): string {
  const s = String(Math.abs(x));
  const m = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (m === null) return s;
  const int = m[1]!;
  const frac = m[2] ?? '';
  const exp = Number(m[3]);
  const digits = int + frac;
  const point = int.length + exp;
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * %.Nf as Java prints it: the shortest decimal that identifies the double
 * (what Double.toString gives), rounded HALF_UP to N places.
 */
export function formatFixed(x: number, precision: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  const negative = x < 0 || Object.is(x, -0);
  const [intPart, fracPart = ''] = plainDecimal(x).split('.') as [string, string?];
  let digits = intPart + fracPart.padEnd(precision, '0').slice(0, precision);
  const roundUp = fracPart.length > precision && fracPart.charCodeAt(precision) >= 53; /* '5' */
  if (roundUp) {
    const arr = digits.split('').map(Number);
    let i = arr.length - 1;
    while (i >= 0) {
      if (arr[i]! < 9) {
        arr[i]!++;
        break;
      }
      arr[i] = 0;
      i--;
    }
    digits = (i < 0 ? '1' : '') + arr.join('');
  }
  const intLen = digits.length - precision;
  const body = precision === 0 ? digits : `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  const isZero = /^[0.]*$/.test(body);
  return (negative && !isZero ? '-' : '') + body;
}

function toInteger(v: PrintfArg): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Math.trunc(v).toString();
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return v.trim();
  throw new TypeError(`%d needs an integer, got ${String(v)}`);
}

/** java.lang.String.format for the conversions mqadmin uses. */
export function javaFormat(format: string, ...args: PrintfArg[]): string {
  let next = 0;
  return format.replace(SPEC, (_m, flags: string, w: string | undefined, p: string | undefined, conv: string) => {
    if (conv === 'n') return '\n';
    if (conv === '%') return '%';
    const width = w === undefined ? undefined : Number(w);
    const precision = p === undefined ? undefined : Number(p);
    const left = flags.includes('-');
    const zero = flags.includes('0');
    const arg = args[next++];
    switch (conv) {
      case 's': {
        let s = arg === null || arg === undefined ? 'null' : String(arg);
        if (precision !== undefined) s = s.slice(0, precision);
        return pad(s, width, left, false);
      }
      case 'd':
        return pad(toInteger(arg), width, left, zero);
      case 'x':
        return pad((typeof arg === 'bigint' ? arg : BigInt(toInteger(arg))).toString(16), width, left, zero);
      case 'f':
        return pad(formatFixed(Number(arg), precision ?? 6), width, left, zero);
      default:
        return '';
    }
  });
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** UtilAll.timeMillisToHumanString2: "yyyy-MM-dd HH:mm:ss,SSS" in local time. */
export function timeMillisToHumanString2(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getFullYear()).padStart(4, '0')}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())},${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** UtilAll.formatDate(date, "yyyy-MM-dd HH:mm:ss") in local time. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getFullYear()).padStart(4, '0')}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * UtilAll.parseDate(s, "yyyy-MM-dd#HH:mm:ss:SSS") in local time; undefined
 * when it does not match (Java's SimpleDateFormat is lenient about digit
 * counts, and so is this).
 */
export function parseJavaDate(s: string): number | undefined {
  const m = /^(\d{1,4})-(\d{1,2})-(\d{1,2})#(\d{1,2}):(\d{1,2}):(\d{1,2}):(\d{1,3})$/.exec(s.trim());
  if (m === null) return undefined;
  const [y, mo, d, h, mi, sec, ms] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, sec, ms).getTime();
}

/**
 * A timestamp option as the Java tools read it: epoch milliseconds, else
 * yyyy-MM-dd#HH:mm:ss:SSS. Undefined when it is neither.
 */
export function parseTimestampOption(s: string): number | undefined {
  const t = s.trim();
  if (/^-?\d+$/.test(t)) return Number(t);
  return parseJavaDate(t);
}

/** UtilAll.frontStringAtLeast: at most `size` leading characters. */
export function frontStringAtLeast(s: string, size: number): string {
  return s.length > size ? s.slice(0, size) : s;
}
