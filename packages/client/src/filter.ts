/**
 * Subscriptions: what a consumer asks the broker for (FilterAPI). A tag
 * expression "A || B" becomes a tag set plus Java hash codes (the broker
 * filters on the codes, the client re-filters on the tags); "*" or empty
 * means every message; SQL92 travels as its text.
 */
import { ExpressionType, SUB_ALL, tagsString2hashCode } from '@rocketmq-ts/protocol';
import type { SubscriptionData } from '@rocketmq-ts/protocol';
import { argumentError } from './errors.js';

/** A tag expression, or a typed selector for SQL92. */
export type MessageSelector = string | { readonly type: 'TAG' | 'SQL92'; readonly expression: string };

export function buildSubscriptionData(topic: string, selector: MessageSelector | undefined, subVersion: number = Date.now()): SubscriptionData {
  const type = typeof selector === 'object' && selector !== null ? selector.type : ExpressionType.TAG;
  const expression = typeof selector === 'object' && selector !== null ? selector.expression : selector;
  if (type === ExpressionType.SQL92) {
    if (expression === undefined || expression.trim().length === 0) throw argumentError('SQL92 expression is empty');
    return { classFilterMode: false, topic, subString: expression, tagsSet: [], codeSet: [], subVersion, expressionType: ExpressionType.SQL92 };
  }
  if (type !== ExpressionType.TAG) throw argumentError(`unknown expression type ${String(type)}`);
  const sub: SubscriptionData = { classFilterMode: false, topic, subString: SUB_ALL, tagsSet: [], codeSet: [], subVersion, expressionType: ExpressionType.TAG };
  if (expression === undefined || expression === null || expression.length === 0 || expression === SUB_ALL) return sub;
  sub.subString = expression;
  for (const raw of expression.split('||')) {
    const tag = raw.trim();
    if (tag.length > 0 && !sub.tagsSet.includes(tag)) {
      sub.tagsSet.push(tag);
      sub.codeSet.push(tagsString2hashCode(tag));
    }
  }
  return sub;
}
