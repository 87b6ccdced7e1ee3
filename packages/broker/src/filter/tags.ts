/**
 * Tag expressions: `*`, or tags joined by `||` ("TagA || TagB"). The
 * ConsumeQueue stores each message's tag hash (Java String.hashCode), so the
 * broker filters by hash first and by the exact tag once the message is read.
 */
import { javaStringHashCode } from '@rocketmq-ts/protocol';

export interface TagSelector {
  readonly expression: string;
  /** True for `*` or an empty expression: everything matches. */
  readonly all: boolean;
  readonly tags: ReadonlySet<string>;
  readonly codes: ReadonlySet<number>;
}

export function parseTagExpression(expression: string | undefined): TagSelector {
  const expr = (expression ?? '').trim();
  if (expr.length === 0 || expr === '*') return { expression: '*', all: true, tags: new Set(), codes: new Set() };
  const tags = new Set(expr.split('||').map((t) => t.trim()).filter((t) => t.length > 0));
  return { expression: expr, all: false, tags, codes: new Set([...tags].map(javaStringHashCode)) };
}

/** Queue-level check against the tag hash stored in the ConsumeQueue. */
export function tagHashMatches(selector: TagSelector, tagsCode: number): boolean {
  return selector.all || selector.codes.has(tagsCode);
}

/** Exact check once the message's TAGS property is known. */
export function tagMatches(selector: TagSelector, tag: string | undefined): boolean {
  if (selector.all) return true;
  return tag !== undefined && selector.tags.has(tag);
}
