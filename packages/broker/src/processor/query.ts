/**
 * QUERY_MESSAGE (12) and VIEW_MESSAGE_BY_ID (33): QueryMessageProcessor.java.
 * A query with the `_UNIQUE_KEY_QUERY` ext field set to "true" looks a
 * message up by its unique key (UNIQ_KEY is indexed like KEYS) with
 * defaultQueryMaxNum as the limit.
 */
import {
  type RemotingCommand,
  MixAll,
  ResponseCode,
  createResponse,
  decodeQueryMessageRequestHeader,
  decodeViewMessageRequestHeader,
  formatJavaLong,
} from '@rocketmq-ts/protocol';
import type { BrokerContext } from '../context.js';

export class QueryMessageProcessor {
  constructor(private readonly ctx: BrokerContext) {}

  readonly queryMessage = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const h = decodeQueryMessageRequestHeader(request.extFields);
    let maxNum = h.maxNum;
    if (request.extFields[MixAll.UNIQUE_MSG_QUERY_FLAG] === 'true') maxNum = this.ctx.config.defaultQueryMaxNum;
    const r = await this.ctx.store.queryMessage(h.topic, h.key, maxNum, h.beginTimestamp, h.endTimestamp);
    const fields = {
      indexLastUpdateTimestamp: formatJavaLong(r.indexLastUpdateTimestamp),
      indexLastUpdatePhyoffset: formatJavaLong(r.indexLastUpdatePhyoffset),
    };
    if (r.bufferTotalSize > 0) {
      return createResponse(request, ResponseCode.SUCCESS, undefined, fields, Buffer.concat(r.messages as Buffer[], r.bufferTotalSize));
    }
    return createResponse(request, ResponseCode.QUERY_NOT_FOUND, 'can not find message, maybe time range not correct', fields);
  };

  readonly viewMessageById = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const h = decodeViewMessageRequestHeader(request.extFields);
    const rec = h.offset >= 0 ? await this.ctx.store.selectOneMessageByOffset(h.offset) : undefined;
    if (rec !== undefined) return createResponse(request, ResponseCode.SUCCESS, undefined, {}, Buffer.from(rec));
    return createResponse(request, ResponseCode.SYSTEM_ERROR, `can not find message by the offset, ${h.offset}`);
  };
}
