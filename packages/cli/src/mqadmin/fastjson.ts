/**
 * JSON as fastjson 1.2's JSON.toJSONString(obj, prettyFormat=true) writes
 * it, for the commands that print a body as JSON (topicRoute): tabs for
 * indentation, no space after ':', bean fields sorted by name, each field
 * and list element on its own line, string map keys on their own lines but
 * non-string map keys (brokerAddrs' broker ids) inline and unquoted.
 */
import type { TopicRouteData } from '@rocketmq-ts/protocol';

/** A value in the shape fastjson sees it. */
export type PrettyValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | PrettyValue[]
  | { readonly kind: 'bean'; readonly fields: ReadonlyArray<readonly [string, PrettyValue]> }
  | { readonly kind: 'map'; readonly entries: ReadonlyArray<readonly [string | number, PrettyValue]> };

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      default:
        out += ch < ' ' ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : ch;
    }
  }
  return `${out}"`;
}

/** Pretty JSON in fastjson's layout. */
export function fastjsonPretty(value: PrettyValue): string {
  let out = '';
  let indent = 0;
  const println = (): void => {
    out += `\n${'\t'.repeat(indent)}`;
  };
  const write = (v: PrettyValue): void => {
    if (v === null || v === undefined) {
      out += 'null';
    } else if (typeof v === 'string') {
      out += quote(v);
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      out += String(v);
    } else if (Array.isArray(v)) {
      if (v.length === 0) {
        out += '[]';
        return;
      }
      out += '[';
      indent++;
      v.forEach((item, i) => {
        if (i !== 0) out += ',';
        println();
        write(item);
      });
      indent--;
      println();
      out += ']';
    } else if (v.kind === 'bean') {
      const fields = v.fields.filter(([, f]) => f !== undefined && f !== null);
      out += '{';
      if (fields.length > 0) {
        indent++;
        println();
      }
      fields.forEach(([name, f], i) => {
        if (i !== 0) {
          out += ',';
          println();
        }
        out += `${quote(name)}:`;
        write(f);
      });
      if (fields.length > 0) {
        indent--;
        println();
      }
      out += '}';
    } else {
      const entries = v.entries.filter(([, e]) => e !== undefined && e !== null);
      out += '{';
      indent++;
      entries.forEach(([key, e], i) => {
        if (i !== 0) out += ',';
        if (typeof key === 'string') {
          println();
          out += `${quote(key)}:`;
        } else {
          out += `${key}:`;
        }
        write(e);
      });
      indent--;
      if (v.entries.length > 0) println();
      out += '}';
    }
  };
  write(value);
  return out;
}

function bean(fields: Record<string, PrettyValue>): PrettyValue {
  return { kind: 'bean', fields: Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
}

/** TopicRouteData.toJson(true). */
export function topicRouteDataPretty(route: TopicRouteData): string {
  return fastjsonPretty(
    bean({
      brokerDatas: route.brokerDatas.map((b) =>
        bean({
          brokerAddrs: { kind: 'map', entries: [...b.brokerAddrs].sort(([x], [y]) => x - y) },
          brokerName: b.brokerName,
          cluster: b.cluster,
          enableActingMaster: b.enableActingMaster,
          zoneName: b.zoneName,
        }),
      ),
      filterServerTable: { kind: 'map', entries: [...route.filterServerTable].map(([k, v]) => [k, v] as const) },
      orderTopicConf: route.orderTopicConf,
      queueDatas: route.queueDatas.map((q) =>
        bean({ brokerName: q.brokerName, perm: q.perm, readQueueNums: q.readQueueNums, topicSysFlag: q.topicSysFlag, writeQueueNums: q.writeQueueNums }),
      ),
    }),
  );
}
