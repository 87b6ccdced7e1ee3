/**
 * Pull filters handed to the store (ExpressionMessageFilter.java): a tag
 * subscription is checked against the tag hash in the ConsumeQueue first
 * and then, unlike Java which leaves that to the client, against the exact
 * TAGS of the record, so hash collisions never reach a consumer; a SQL92
 * subscription is evaluated on the record's properties.
 */
import {
  type MessageProperties,
  type SubscriptionData,
  ExpressionType,
  MixAll,
  decodePropertiesBytes,
  decodeRecordProperties,
  isTagType,
  recordSections,
} from '@rocketmq-ts/protocol';
import type { MessageFilter } from '@rocketmq-ts/store';
import { type Sql92Selector, Sql92SyntaxError, compileSql92 } from './sql92.js';
import { parseTagExpression } from './tags.js';

/** A subscription reduced to what filtering needs; built once per subscription, not per pull. */
export interface CompiledSubscription {
  readonly topic: string;
  readonly expressionType: string;
  readonly subString: string;
  readonly subVersion: number;
  /** Tag type and `*`: nothing is filtered. */
  readonly all: boolean;
  readonly codes: ReadonlySet<number>;
  readonly tags: ReadonlySet<string>;
  /** The compiled expression of a SQL92 subscription, when it compiled. */
  readonly sql: Sql92Selector | undefined;
}

/** The subscription a pull carries in its header (FilterAPI.build). Throws Sql92SyntaxError for a bad SQL92 expression. */
export function compileRequestSubscription(topic: string, subString: string | undefined, expressionType: string | undefined, subVersion: number): CompiledSubscription {
  if (isTagType(expressionType)) {
    const t = parseTagExpression(subString);
    return { topic, expressionType: ExpressionType.TAG, subString: t.expression, subVersion, all: t.all, codes: t.codes, tags: t.tags, sql: undefined };
  }
  const expr = subString ?? '';
  if (expr.length === 0) throw new Sql92SyntaxError(expr, `Expression can't be null! ${String(expressionType)}`);
  return { topic, expressionType: expressionType ?? ExpressionType.SQL92, subString: expr, subVersion, all: false, codes: new Set(), tags: new Set(), sql: compileSqlIfKnown(expressionType, expr) };
}

function compileSqlIfKnown(type: string | undefined, expr: string): Sql92Selector {
  if (type !== ExpressionType.SQL92) throw new Sql92SyntaxError(expr, `unknown expression type ${String(type)}`);
  return compileSql92(expr);
}

/**
 * A subscription from a heartbeat: tag sets as the client computed them
 * (Java keeps the client's codeSet), SQL92 compiled when it can be (a
 * failure leaves `sql` undefined: FILTER_DATA_NOT_EXIST on pull, as Java).
 */
export function compileHeartbeatSubscription(s: SubscriptionData): CompiledSubscription {
  if (isTagType(s.expressionType)) {
    const all = s.subString === '*' || s.subString.trim().length === 0;
    return {
      topic: s.topic,
      expressionType: ExpressionType.TAG,
      subString: s.subString,
      subVersion: s.subVersion,
      all,
      codes: new Set(s.codeSet),
      tags: new Set(s.tagsSet),
      sql: undefined,
    };
  }
  let sql: Sql92Selector | undefined;
  try {
    sql = compileSqlIfKnown(s.expressionType, s.subString);
  } catch {
    sql = undefined;
  }
  return { topic: s.topic, expressionType: s.expressionType, subString: s.subString, subVersion: s.subVersion, all: false, codes: new Set(), tags: new Set(), sql };
}

const TAGS_KEY = Buffer.from('TAGS\u0001', 'latin1');

/** The TAGS value of a stored record, read from its bytes without decoding the other properties. */
export function recordTags(rec: Buffer): string | undefined {
  const s = recordSections(rec, 0);
  const start = s.propertiesStart;
  const end = start + s.propertiesLength;
  let i = start;
  while (i < end) {
    let sep = rec.indexOf(2, i);
    if (sep < 0 || sep > end) sep = end;
    if (sep - i > TAGS_KEY.length && rec.compare(TAGS_KEY, 0, TAGS_KEY.length, i, i + TAGS_KEY.length) === 0) {
      return rec.toString('utf8', i + TAGS_KEY.length, sep);
    }
    i = sep + 1;
  }
  return undefined;
}

/** Looks up SQL92 filter data of another topic (the retry-topic case of filterSupportRetry). */
export type FilterLookup = (topic: string, group: string) => Sql92Selector | undefined;

/** The store's MessageFilter for one pull. */
export class ExpressionMessageFilter implements MessageFilter {
  constructor(
    private readonly sub: CompiledSubscription,
    /** filterSupportRetry: retry-topic messages are checked with the SQL92 filter of their original topic. */
    private readonly retryLookup?: FilterLookup,
  ) {}

  isMatchedByConsumeQueue(tagsCode: number): boolean {
    const sub = this.sub;
    if (sub.expressionType !== ExpressionType.TAG) return true;
    return sub.all || sub.codes.has(tagsCode);
  }

  isMatchedByCommitLog(record: Buffer): boolean {
    const sub = this.sub;
    if (sub.expressionType === ExpressionType.TAG) {
      if (this.retryLookup !== undefined && sub.topic.startsWith(MixAll.RETRY_GROUP_TOPIC_PREFIX)) return this.matchRetry(record);
      if (sub.all) return true;
      const tags = recordTags(record);
      return tags !== undefined && sub.tags.has(tags);
    }
    if (sub.sql === undefined) return true;
    return this.matchProperties(decodeRecordProperties(record, 0));
  }

  /** The properties of a message that just arrived (long-polling wake-up). */
  matchProperties(props: MessageProperties): boolean {
    const sql = this.sub.sql;
    if (sql === undefined) return true;
    return sql.matches((name) => props[name]);
  }

  private matchRetry(record: Buffer): boolean {
    const s = recordSections(record, 0);
    const props = decodePropertiesBytes(record, s.propertiesStart, s.propertiesStart + s.propertiesLength);
    const realTopic = props['RETRY_TOPIC'];
    const group = this.sub.topic.slice(MixAll.RETRY_GROUP_TOPIC_PREFIX.length);
    const sql = realTopic === undefined ? undefined : this.retryLookup?.(realTopic, group);
    if (sql === undefined) return true;
    return sql.matches((name) => props[name]);
  }
}
