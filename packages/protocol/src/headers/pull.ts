/**
 * Pull and query headers.
 *
 *   11  PULL_MESSAGE, 361 LITE_PULL_MESSAGE (5.x)  PullMessageRequestHeader -> PullMessageResponseHeader
 *       response body: stored messages back to back, as in the CommitLog
 *   12  QUERY_MESSAGE        topic key maxNum beginTimestamp endTimestamp
 *                            -> indexLastUpdateTimestamp indexLastUpdatePhyoffset; body: stored messages
 *   33  VIEW_MESSAGE_BY_ID   offset (commit log offset) -> body: one stored message
 *
 * PULL_MESSAGE sysFlag bits are in PullSysFlag; `subscription` is the tag or
 * SQL92 expression, `expressionType` TAG (default) or SQL92.
 */
import { defineHeader } from './spec.js';

export interface PullMessageRequestHeader {
  consumerGroup: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  maxMsgNums: number;
  sysFlag: number;
  commitOffset: number;
  suspendTimeoutMillis: number;
  subscription?: string;
  subVersion: number;
  expressionType?: string;
  bname?: string;
}
const pullMessage = defineHeader<PullMessageRequestHeader>('PullMessageRequestHeader', {
  consumerGroup: { type: 'string', presence: 'required' },
  topic: { type: 'string', presence: 'required' },
  queueId: { type: 'int', presence: 'required' },
  queueOffset: { type: 'long', presence: 'required' },
  maxMsgNums: { type: 'int', presence: 'required' },
  sysFlag: { type: 'int', presence: 'required' },
  commitOffset: { type: 'long', presence: 'required' },
  suspendTimeoutMillis: { type: 'long', presence: 'required' },
  subscription: { type: 'string', presence: 'optional' },
  subVersion: { type: 'long', presence: 'required' },
  expressionType: { type: 'string', presence: 'optional' },
  bname: { type: 'string', presence: 'optional' },
});
export const decodePullMessageRequestHeader = pullMessage.decode;
/** Java writes this FastCodesHeader in declaration order in binary headers; pass 'declared' for those. */
export const encodePullMessageRequestHeader = pullMessage.encode;

export interface PullMessageResponseHeader {
  suggestWhichBrokerId: number;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
}
const pullMessageResponse = defineHeader<PullMessageResponseHeader>('PullMessageResponseHeader', {
  suggestWhichBrokerId: { type: 'long', presence: 'required' },
  nextBeginOffset: { type: 'long', presence: 'required' },
  minOffset: { type: 'long', presence: 'required' },
  maxOffset: { type: 'long', presence: 'required' },
});
export const decodePullMessageResponseHeader = pullMessageResponse.decode;
export const encodePullMessageResponseHeader = pullMessageResponse.encode;

export interface QueryMessageRequestHeader {
  topic: string;
  key: string;
  maxNum: number;
  beginTimestamp: number;
  /** Clients send Long.MAX_VALUE for "no upper bound" (see LONG_MAX_VALUE). */
  endTimestamp: number;
}
const queryMessage = defineHeader<QueryMessageRequestHeader>('QueryMessageRequestHeader', {
  topic: { type: 'string', presence: 'required' },
  key: { type: 'string', presence: 'required' },
  maxNum: { type: 'int', presence: 'required' },
  beginTimestamp: { type: 'long', presence: 'required' },
  endTimestamp: { type: 'long', presence: 'required' },
});
export const decodeQueryMessageRequestHeader = queryMessage.decode;
export const encodeQueryMessageRequestHeader = queryMessage.encode;

export interface QueryMessageResponseHeader {
  indexLastUpdateTimestamp: number;
  indexLastUpdatePhyoffset: number;
}
const queryMessageResponse = defineHeader<QueryMessageResponseHeader>('QueryMessageResponseHeader', {
  indexLastUpdateTimestamp: { type: 'long', presence: 'required' },
  indexLastUpdatePhyoffset: { type: 'long', presence: 'required' },
});
export const decodeQueryMessageResponseHeader = queryMessageResponse.decode;
export const encodeQueryMessageResponseHeader = queryMessageResponse.encode;

export interface ViewMessageRequestHeader {
  offset: number;
}
const viewMessage = defineHeader<ViewMessageRequestHeader>('ViewMessageRequestHeader', {
  offset: { type: 'long', presence: 'required' },
});
export const decodeViewMessageRequestHeader = viewMessage.decode;
export const encodeViewMessageRequestHeader = viewMessage.encode;

export const pullHeaderCodecs = {
  pullMessage,
  pullMessageResponse,
  queryMessage,
  queryMessageResponse,
  viewMessage,
} as const;
