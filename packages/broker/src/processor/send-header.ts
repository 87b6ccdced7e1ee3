/**
 * SendMessageRequestHeader(V2) decoding for the send hot path. The same
 * result and the same errors as the protocol package's field-spec decoder
 * (decodeAnySendMessageRequestHeader), without its generic loop: about a
 * tenth of the time per message. A test checks the two agree.
 */
import { HeaderFieldError, type SendMessageRequestHeader, parseJavaInt, parseJavaLong } from '@rocketmq-ts/protocol';

const V2 = 'SendMessageRequestHeaderV2';
const V1 = 'SendMessageRequestHeader';

type Ext = Readonly<Record<string, string>>;

/** Integer.parseInt for the usual short decimal text, falling back to the exact parser. */
function int(s: string): number | undefined {
  const n = s.length;
  if (n > 0 && n < 10) {
    let v = 0;
    let i = 0;
    let neg = false;
    const c0 = s.charCodeAt(0);
    if (c0 === 45 /* - */ || c0 === 43 /* + */) {
      if (n === 1) return undefined;
      neg = c0 === 45;
      i = 1;
    }
    for (; i < n; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      v = v * 10 + d;
    }
    return neg ? -v : v;
  }
  return parseJavaInt(s);
}

function long(s: string): number | undefined {
  const n = s.length;
  if (n > 0 && n < 16) {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return parseJavaLong(s);
      v = v * 10 + d;
    }
    return v;
  }
  return parseJavaLong(s);
}

/** The field's text. None of the header's keys is an Object.prototype member, so a plain read is an own-property read. */
function own(ext: Ext, key: string): string | undefined {
  const v = ext[key];
  return typeof v === 'string' ? v : undefined;
}

function reqString(ext: Ext, header: string, key: string): string {
  const v = own(ext, key);
  if (v === undefined) throw new HeaderFieldError(header, key, 'missing');
  return v;
}

function reqInt(ext: Ext, header: string, key: string): number {
  const v = own(ext, key);
  if (v === undefined) throw new HeaderFieldError(header, key, 'missing');
  const n = int(v);
  if (n === undefined) throw new HeaderFieldError(header, key, 'malformed', v);
  return n;
}

function reqLong(ext: Ext, header: string, key: string): number {
  const v = own(ext, key);
  if (v === undefined) throw new HeaderFieldError(header, key, 'missing');
  const n = long(v);
  if (n === undefined) throw new HeaderFieldError(header, key, 'malformed', v);
  return n;
}

function optInt(ext: Ext, key: string): number | undefined {
  const v = own(ext, key);
  return v === undefined ? undefined : int(v);
}

function bool(ext: Ext, key: string): boolean {
  const v = own(ext, key);
  return v !== undefined && (v === 'true' || v.toLowerCase() === 'true');
}

/**
 * The send header of SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE / SEND_REPLY_MESSAGE_V2
 * (keys a..n) or of SEND_MESSAGE (full names). Throws HeaderFieldError for a
 * missing or unparsable required field, naming the first in Java declaration order.
 */
export function decodeSendHeader(code: number, ext: Ext): SendMessageRequestHeader {
  if (code === 310 || code === 320 || code === 325) {
    const h: SendMessageRequestHeader = {
      producerGroup: reqString(ext, V2, 'a'),
      topic: reqString(ext, V2, 'b'),
      defaultTopic: reqString(ext, V2, 'c'),
      defaultTopicQueueNums: reqInt(ext, V2, 'd'),
      queueId: reqInt(ext, V2, 'e'),
      sysFlag: reqInt(ext, V2, 'f'),
      bornTimestamp: reqLong(ext, V2, 'g'),
      flag: reqInt(ext, V2, 'h'),
      unitMode: bool(ext, 'k'),
      batch: bool(ext, 'm'),
    };
    const i = own(ext, 'i');
    if (i !== undefined) h.properties = i;
    const j = optInt(ext, 'j');
    if (j !== undefined) h.reconsumeTimes = j;
    const l = optInt(ext, 'l');
    if (l !== undefined) h.maxReconsumeTimes = l;
    const n = own(ext, 'n');
    if (n !== undefined) h.bname = n;
    return h;
  }
  const h: SendMessageRequestHeader = {
    producerGroup: reqString(ext, V1, 'producerGroup'),
    topic: reqString(ext, V1, 'topic'),
    defaultTopic: reqString(ext, V1, 'defaultTopic'),
    defaultTopicQueueNums: reqInt(ext, V1, 'defaultTopicQueueNums'),
    queueId: reqInt(ext, V1, 'queueId'),
    sysFlag: reqInt(ext, V1, 'sysFlag'),
    bornTimestamp: reqLong(ext, V1, 'bornTimestamp'),
    flag: reqInt(ext, V1, 'flag'),
    unitMode: bool(ext, 'unitMode'),
    batch: bool(ext, 'batch'),
  };
  const p = own(ext, 'properties');
  if (p !== undefined) h.properties = p;
  const rt = optInt(ext, 'reconsumeTimes');
  if (rt !== undefined) h.reconsumeTimes = rt;
  const mrt = optInt(ext, 'maxReconsumeTimes');
  if (mrt !== undefined) h.maxReconsumeTimes = mrt;
  const bname = own(ext, 'bname');
  if (bname !== undefined) h.bname = bname;
  return h;
}
