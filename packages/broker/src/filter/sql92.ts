/**
 * RocketMQ's SQL92 message selector: parser and evaluator.
 *
 * Grammar (keywords case-insensitive; `--` and block comments skipped):
 *   expr       = and { OR and }
 *   and        = equality { AND equality }
 *   equality   = comparison { ("=" | "<>") comparison | IS [NOT] NULL }
 *   comparison = unary { (">" | ">=" | "<" | "<=") unary
 *                      | [NOT] BETWEEN unary AND unary
 *                      | [NOT] IN "(" string { "," string } ")"
 *                      | [NOT] CONTAINS string | [NOT] STARTSWITH string | [NOT] ENDSWITH string }
 *   unary      = "+" unary | "-" unary | NOT unary | primary
 *   primary    = literal | identifier | "(" expr ")"
 *   literal    = 'string' ('' escapes a quote) | integer [L] | float | TRUE | FALSE | NULL
 *
 * Semantics follow the Java broker (filter module, 4.9 with 5.x's
 * CONTAINS/STARTSWITH/ENDSWITH): three-valued logic where a missing property
 * yields null and null never matches; message properties are strings and are
 * converted to the type of the constant they are compared with; a
 * conversion that fails makes the whole evaluation fail, which means "no match".
 */
import { ErrorCode, RmqError } from '@rocketmq-ts/common';

type Value = null | boolean | string | number;

interface ConstantNode { readonly kind: 'const'; readonly value: Value; readonly integer: boolean }
interface PropertyNode { readonly kind: 'prop'; readonly name: string }
interface CompareNode { readonly kind: 'cmp'; readonly op: '=' | '>' | '>=' | '<' | '<='; readonly left: Node; readonly right: Node }
interface IsNullNode { readonly kind: 'isnull'; readonly operand: Node }
interface LogicNode { readonly kind: 'and' | 'or'; readonly left: Node; readonly right: Node }
interface NotNode { readonly kind: 'not'; readonly operand: Node }
interface NegateNode { readonly kind: 'neg'; readonly operand: Node }
interface InNode { readonly kind: 'in'; readonly prop: PropertyNode; readonly values: ReadonlySet<string>; readonly not: boolean }
interface StringMatchNode { readonly kind: 'contains' | 'startswith' | 'endswith'; readonly operand: Node; readonly search: string }
interface BoolCastNode { readonly kind: 'cast'; readonly operand: Node }
type Node =
  | ConstantNode | PropertyNode | CompareNode | IsNullNode | LogicNode | NotNode | NegateNode
  | InNode | StringMatchNode | BoolCastNode;

/** A compiled selector. `matches` never throws. */
export interface Sql92Selector {
  readonly expression: string;
  matches(property: (name: string) => string | undefined): boolean;
}

export class Sql92SyntaxError extends RmqError {
  constructor(expression: string, detail: string) {
    super(ErrorCode.ARGUMENT, `Invalid MessageSelector. ${detail} in: ${expression}`);
    this.name = 'Sql92SyntaxError';
  }
}

class EvaluationError extends Error {}

// ---------------------------------------------------------------------------
// Lexer

type TokenType = 'id' | 'int' | 'float' | 'string' | 'op' | 'kw' | 'eof';
interface Token { readonly type: TokenType; readonly text: string; readonly pos: number }

const KEYWORDS = new Set(['NOT', 'AND', 'OR', 'BETWEEN', 'IN', 'TRUE', 'FALSE', 'NULL', 'IS', 'CONTAINS', 'STARTSWITH', 'ENDSWITH']);

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Sql92SyntaxError(src, `${why} at position ${i}`);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') { i++; continue; }
    if (c === '-' && src[i + 1] === '-') {
      const nl = src.slice(i).search(/[\r\n]/);
      if (nl < 0) fail('unterminated line comment');
      i += nl + 1;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated comment');
      i = end + 2;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= src.length) fail('unterminated string');
        if (src[j] === "'") {
          if (src[j + 1] === "'") { s += "'"; j += 2; continue; }
          break;
        }
        s += src[j];
        j++;
      }
      out.push({ type: 'string', text: s, pos: i });
      i = j + 1;
      continue;
    }
    const rest = src.slice(i);
    const num = /^(?:\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)/.exec(rest);
    if (num !== null) { out.push({ type: 'float', text: num[0], pos: i }); i += num[0].length; continue; }
    const int = /^(?:0|[1-9]\d*)[lL]?/.exec(rest);
    if (int !== null) { out.push({ type: 'int', text: int[0], pos: i }); i += int[0].length; continue; }
    const id = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(rest);
    if (id !== null) {
      const upper = id[0].toUpperCase();
      out.push(KEYWORDS.has(upper) ? { type: 'kw', text: upper, pos: i } : { type: 'id', text: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = /^(?:<>|>=|<=|[=<>(),+-])/.exec(rest);
    if (op !== null) { out.push({ type: 'op', text: op[0], pos: i }); i += op[0].length; continue; }
    fail(`unexpected character ${JSON.stringify(c)}`);
  }
  out.push({ type: 'eof', text: '', pos: src.length });
  return out;
}

// ---------------------------------------------------------------------------
// Parser

class Parser {
  private i = 0;
  constructor(private readonly src: string, private readonly tokens: Token[]) {}

  private peek(offset = 0): Token { return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!; }
  private next(): Token { const t = this.peek(); this.i++; return t; }
  private isKw(text: string, offset = 0): boolean { const t = this.peek(offset); return t.type === 'kw' && t.text === text; }
  private isOp(text: string): boolean { const t = this.peek(); return t.type === 'op' && t.text === text; }
  private fail(why: string): never {
    const t = this.peek();
    throw new Sql92SyntaxError(this.src, `${why} at position ${t.pos}${t.type === 'eof' ? ' (end of input)' : ` near ${JSON.stringify(t.text)}`}`);
  }
  private expectOp(text: string): void { if (!this.isOp(text)) this.fail(`expected "${text}"`); this.i++; }
  private expectKw(text: string): void { if (!this.isKw(text)) this.fail(`expected ${text}`); this.i++; }

  parse(): Node {
    const e = this.orExpr();
    if (this.peek().type !== 'eof') this.fail('unexpected token');
    return this.asBoolean(e);
  }

  private asBoolean(n: Node): Node {
    if (isBooleanNode(n)) return n;
    if (n.kind === 'prop') return { kind: 'cast', operand: n };
    return this.fail('expression will not result in a boolean value');
  }

  private orExpr(): Node {
    let left = this.andExpr();
    while (this.isKw('OR')) { this.i++; left = { kind: 'or', left: this.asBoolean(left), right: this.asBoolean(this.andExpr()) }; }
    return left;
  }

  private andExpr(): Node {
    let left = this.equality();
    while (this.isKw('AND')) { this.i++; left = { kind: 'and', left: this.asBoolean(left), right: this.asBoolean(this.equality()) }; }
    return left;
  }

  private equality(): Node {
    let left = this.comparison();
    for (;;) {
      if (this.isOp('=') || this.isOp('<>')) {
        const op = this.next().text;
        const right = this.comparison();
        this.checkEqualOperand(left);
        this.checkEqualOperand(right);
        if (left.kind === 'const' && right.kind === 'const' && typeof left.value === 'boolean' && typeof right.value !== 'boolean') {
          this.fail('a boolean cannot be compared with a non-boolean');
        }
        const eq: Node = { kind: 'cmp', op: '=', left, right };
        left = op === '=' ? eq : { kind: 'not', operand: eq };
      } else if (this.isKw('IS')) {
        this.i++;
        const not = this.isKw('NOT');
        if (not) this.i++;
        this.expectKw('NULL');
        const isNull: Node = { kind: 'isnull', operand: left };
        left = not ? { kind: 'not', operand: isNull } : isNull;
      } else {
        return left;
      }
    }
  }

  private checkEqualOperand(n: Node): void {
    if (n.kind === 'const' && n.value === null) this.fail('NULL cannot be compared; use IS NULL');
  }

  private checkOrderOperand(n: Node): void {
    if (n.kind === 'const' && typeof n.value !== 'number') this.fail('only numbers can be compared with < > <= >=');
    if (isBooleanNode(n)) this.fail('a boolean expression cannot be compared with < > <= >=');
  }

  private comparison(): Node {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.type === 'op' && (t.text === '>' || t.text === '>=' || t.text === '<' || t.text === '<=')) {
        this.i++;
        const right = this.unary();
        this.checkOrderOperand(left);
        this.checkOrderOperand(right);
        left = { kind: 'cmp', op: t.text, left, right };
        continue;
      }
      const not = this.isKw('NOT') && ['BETWEEN', 'IN', 'CONTAINS', 'STARTSWITH', 'ENDSWITH'].some((k) => this.isKw(k, 1));
      if (not) this.i++;
      if (this.isKw('BETWEEN')) {
        this.i++;
        const low = this.unary();
        this.expectKw('AND');
        const high = this.unary();
        for (const n of [left, low, high]) this.checkOrderOperand(n);
        if (low.kind === 'const' && high.kind === 'const' && (low.value as number) > (high.value as number)) {
          this.fail(`illegal values of BETWEEN: ${String(low.value)} must be less than or equal to ${String(high.value)}`);
        }
        left = not
          ? { kind: 'or', left: { kind: 'cmp', op: '<', left, right: low }, right: { kind: 'cmp', op: '>', left, right: high } }
          : { kind: 'and', left: { kind: 'cmp', op: '>=', left, right: low }, right: { kind: 'cmp', op: '<=', left, right: high } };
        continue;
      }
      if (this.isKw('IN')) {
        this.i++;
        if (left.kind !== 'prop') this.fail('IN needs a property on its left');
        this.expectOp('(');
        const values = new Set<string>([this.stringLiteral()]);
        while (this.isOp(',')) { this.i++; values.add(this.stringLiteral()); }
        this.expectOp(')');
        left = { kind: 'in', prop: left, values, not };
        continue;
      }
      const match = (['CONTAINS', 'STARTSWITH', 'ENDSWITH'] as const).find((k) => this.isKw(k));
      if (match !== undefined) {
        this.i++;
        const m: Node = { kind: match.toLowerCase() as StringMatchNode['kind'], operand: left, search: this.stringLiteral() };
        left = not ? { kind: 'not', operand: m } : m;
        continue;
      }
      return left;
    }
  }

  private stringLiteral(): string {
    const t = this.next();
    if (t.type !== 'string') { this.i--; this.fail('expected a string literal'); }
    return t.text;
  }

  private unary(): Node {
    if (this.isOp('+')) { this.i++; return this.unary(); }
    if (this.isOp('-')) {
      this.i++;
      const operand = this.unary();
      if (operand.kind === 'const' && typeof operand.value === 'number') return { kind: 'const', value: -operand.value, integer: operand.integer };
      return { kind: 'neg', operand };
    }
    if (this.isKw('NOT')) { this.i++; return { kind: 'not', operand: this.asBoolean(this.unary()) }; }
    return this.primary();
  }

  private primary(): Node {
    const t = this.next();
    switch (t.type) {
      case 'string':
        return { kind: 'const', value: t.text, integer: false };
      case 'int': {
        const text = t.text.replace(/[lL]$/, '');
        const n = Number(text);
        if (!Number.isFinite(n) || BigInt(text) > 9223372036854775807n) { this.i--; this.fail('integer out of range'); }
        return { kind: 'const', value: n, integer: true };
      }
      case 'float':
        return { kind: 'const', value: Number(t.text), integer: false };
      case 'id':
        return { kind: 'prop', name: t.text };
      case 'kw':
        if (t.text === 'TRUE') return { kind: 'const', value: true, integer: false };
        if (t.text === 'FALSE') return { kind: 'const', value: false, integer: false };
        if (t.text === 'NULL') return { kind: 'const', value: null, integer: false };
        break;
      case 'op':
        if (t.text === '(') {
          const e = this.orExpr();
          this.expectOp(')');
          return e;
        }
        break;
      default:
        break;
    }
    this.i--;
    return this.fail('expected a value, a property or "("');
  }
}

function isBooleanNode(n: Node): boolean {
  return n.kind !== 'prop' && n.kind !== 'neg' && (n.kind !== 'const' || typeof n.value === 'boolean');
}

// ---------------------------------------------------------------------------
// Evaluation

const LONG_TEXT = /^[+-]?\d+$/;
const DOUBLE_TEXT = /^\s*[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)\s*$/;

/** Java's Long.valueOf / Integer.valueOf on a property string. */
function toInteger(s: string): number {
  if (!LONG_TEXT.test(s)) throw new EvaluationError(`not a number: ${s}`);
  return Number(s);
}

/** Java's Double.valueOf on a property string. */
function toDouble(s: string): number {
  if (!DOUBLE_TEXT.test(s)) throw new EvaluationError(`not a number: ${s}`);
  return Number(s.trim().replace(/[fFdD]$/, ''));
}

type Typed = { readonly value: Exclude<Value, null>; readonly integer: boolean };

/** Java's __compare with convertStringExpressions on; undefined means "not comparable" (-1 in Java). */
function compareValues(l: Typed, r: Typed): number {
  let lv = l.value;
  let rv = r.value;
  if (typeof lv === 'string' && typeof rv !== 'string') {
    if (typeof rv === 'boolean') lv = lv.toLowerCase() === 'true';
    else lv = r.integer ? toInteger(lv) : toDouble(lv);
  } else if (typeof rv === 'string' && typeof lv !== 'string') {
    if (typeof lv === 'boolean') rv = rv.toLowerCase() === 'true';
    else rv = l.integer ? toInteger(rv) : toDouble(rv);
  } else if (typeof lv !== typeof rv) {
    return -1;
  }
  if (lv === rv) return 0;
  return lv < rv ? -1 : 1;
}

function typedOf(n: Node, v: Value): Typed | null {
  if (v === null) return null;
  return { value: v, integer: n.kind === 'const' ? n.integer : false };
}

function evaluate(n: Node, prop: (name: string) => string | undefined): Value {
  switch (n.kind) {
    case 'const':
      return n.value;
    case 'prop':
      return prop(n.name) ?? null;
    case 'cast': {
      const v = evaluate(n.operand, prop);
      if (v === null) return null;
      return typeof v === 'boolean' ? v : false;
    }
    case 'neg': {
      const v = evaluate(n.operand, prop);
      return typeof v === 'number' ? -v : null;
    }
    case 'not': {
      const v = evaluate(n.operand, prop);
      return v === null ? null : !v;
    }
    case 'and': {
      const l = evaluate(n.left, prop);
      if (l === false) return false;
      const r = evaluate(n.right, prop);
      if (r === false) return false;
      return l === null || r === null ? null : true;
    }
    case 'or': {
      const l = evaluate(n.left, prop);
      if (l === true) return true;
      const r = evaluate(n.right, prop);
      if (r === true) return true;
      return l === null || r === null ? null : false;
    }
    case 'isnull':
      return evaluate(n.operand, prop) === null;
    case 'in': {
      const v = evaluate(n.prop, prop);
      if (typeof v !== 'string') return null;
      return n.values.has(v) !== n.not;
    }
    case 'contains':
    case 'startswith':
    case 'endswith': {
      if (n.search.length === 0) return false;
      const v = evaluate(n.operand, prop);
      if (typeof v !== 'string') return false;
      if (n.kind === 'contains') return v.includes(n.search);
      return n.kind === 'startswith' ? v.startsWith(n.search) : v.endsWith(n.search);
    }
    case 'cmp': {
      const l = typedOf(n.left, evaluate(n.left, prop));
      const r = typedOf(n.right, evaluate(n.right, prop));
      if (n.op === '=') {
        if (l === null || r === null) return l === null && r === null ? true : l === null ? null : false;
        if (l.value === r.value) return true;
        return compareValues(l, r) === 0;
      }
      if (l === null || r === null) return null;
      let c: number;
      if (typeof l.value === 'string' && typeof r.value === 'string') {
        c = compareValues({ value: toDouble(l.value), integer: false }, { value: toDouble(r.value), integer: false });
      } else {
        c = compareValues(l, r);
      }
      switch (n.op) {
        case '>': return c > 0;
        case '>=': return c >= 0;
        case '<': return c < 0;
        case '<=': return c <= 0;
      }
    }
  }
}

/** Compiles a selector; throws {@link Sql92SyntaxError} with a position on bad input. */
export function compileSql92(expression: string): Sql92Selector {
  if (expression.trim().length === 0) throw new Sql92SyntaxError(expression, 'empty expression');
  const root = new Parser(expression, tokenize(expression)).parse();
  return {
    expression,
    matches(property) {
      try {
        return evaluate(root, property) === true;
      } catch (err) {
        if (err instanceof EvaluationError) return false;
        throw err;
      }
    },
  };
}
