/**
 * SEND_REPLY_MESSAGE (324) and SEND_REPLY_MESSAGE_V2 (325):
 * ReplyMessageProcessor.java. A consumer answers a request message; the
 * broker pushes the answer (PUSH_REPLY_MESSAGE_TO_CLIENT, 326) over the
 * connection of the client named by REPLY_TO_CLIENT, and stores it too when
 * storeReplyMessageEnable.
 *
 * The answer's code is the push's: SUCCESS only when the requester
 * accepted it (msgId "0", queueOffset 0, replaced by the stored message's
 * when it was stored), SYSTEM_ERROR otherwise. Java looks the client up
 * among producer connections only (request() runs on a producer); a
 * consumer connection of that client id is used when there is none.
 */
import { type Logger, errorMessage } from '@rocketmq-ts/common';
import {
  type RemotingCommand,
  MessageConst,
  PROPERTY_SEPARATOR,
  RequestCode,
  ResponseCode,
  createRequest,
  createResponse,
  encodeReplyMessageRequestHeader,
  findProperty,
} from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import type { BrokerContext } from '../context.js';
import { CALL_CLIENT_TIMEOUT_MS } from '../client/broker2client.js';
import { isStored } from '../inner-message.js';
import { decodeSendHeader } from './send-header.js';
import type { SendMessageProcessor } from './send.js';

function randomQueueId(n: number): number {
  return Math.floor(Math.random() * 99999999) % n;
}

export class ReplyMessageProcessor {
  private readonly ctx: BrokerContext;
  private readonly send: SendMessageProcessor;
  private readonly log: Logger;
  /** How long the requester may take to accept the push (Broker2Client.callClient). */
  pushTimeoutMs = CALL_CLIENT_TIMEOUT_MS;

  constructor(ctx: BrokerContext, send: SendMessageProcessor, logger: Logger) {
    this.ctx = ctx;
    this.send = send;
    this.log = logger.child({ component: 'reply' });
  }

  /** The connection of client `clientId`: its producer connection, else one of its consumer connections. */
  findClientChannel(clientId: string): Channel | undefined {
    const producer = this.ctx.producers.findChannel(clientId);
    if (producer !== undefined) return producer;
    for (const group of this.ctx.consumers.table.values()) {
      const info = group.findChannel(clientId);
      if (info !== undefined) return info.channel;
    }
    return undefined;
  }

  readonly processRequest = async (request: RemotingCommand, channel: Channel): Promise<RemotingCommand> => {
    const ctx = this.ctx;
    const c = ctx.config;
    const h = decodeSendHeader(request.code, request.extFields);
    const tc = this.send.msgCheck(request, channel, h);
    if (!('topicName' in tc)) return tc;
    const queueIdInt = h.queueId < 0 ? randomQueueId(Math.max(1, tc.writeQueueNums)) : h.queueId;
    const extras = { MSG_REGION: c.regionId, TRACE_ON: String(c.traceOn) };
    const properties = h.properties ?? '';

    // pushReplyMessage
    let pushOk = false;
    let remark = '';
    const senderId = findProperty(properties, MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT);
    if (senderId === undefined) {
      remark = `reply message properties[${MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT}] is null`;
      this.log.warn(`${MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT} is null, can not reply message`);
    } else {
      const target = this.findClientChannel(senderId);
      if (target === undefined) {
        remark = `push reply message fail, channel of <${senderId}> not found.`;
        this.log.warn(remark);
      } else {
        const pushed =
          properties.length === 0 || properties.endsWith(PROPERTY_SEPARATOR)
            ? `${properties}${MessageConst.PROPERTY_PUSH_REPLY_TIME}\u0001${Date.now()}`
            : `${properties}${PROPERTY_SEPARATOR}${MessageConst.PROPERTY_PUSH_REPLY_TIME}\u0001${Date.now()}`;
        const header = encodeReplyMessageRequestHeader({
          producerGroup: h.producerGroup,
          topic: h.topic,
          defaultTopic: h.defaultTopic,
          defaultTopicQueueNums: h.defaultTopicQueueNums,
          queueId: h.queueId,
          sysFlag: h.sysFlag,
          bornTimestamp: h.bornTimestamp,
          flag: h.flag,
          properties: pushed,
          ...(h.reconsumeTimes === undefined ? {} : { reconsumeTimes: h.reconsumeTimes }),
          unitMode: h.unitMode,
          bornHost: channel.remoteAddress,
          storeHost: ctx.storeHost,
          storeTimestamp: Date.now(),
        });
        try {
          const answer = await ctx.broker2Client.callClient(target, createRequest(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, header, request.body), this.pushTimeoutMs);
          if (answer.code === ResponseCode.SUCCESS) {
            pushOk = true;
          } else {
            remark = `push reply message to ${senderId}fail.`;
            this.log.warn({ senderId, remark: answer.remark }, 'push reply message returned a failure');
          }
        } catch (err) {
          remark = `push reply message to ${senderId}fail.`;
          this.log.warn({ senderId, remote: target.remoteAddress, err: errorMessage(err) }, 'push reply message failed');
        }
      }
    }

    // handlePushReplyResult, then handlePutMessageResult (which only fills the header in).
    const fields: Record<string, string> = { ...extras };
    if (pushOk) {
      fields['msgId'] = '0';
      fields['queueId'] = String(queueIdInt);
      fields['queueOffset'] = '0';
    }
    if (c.storeReplyMessageEnable) {
      const r = await ctx.store.putMessage({
        topic: h.topic,
        queueId: queueIdInt,
        body: request.body,
        flag: h.flag,
        sysFlag: h.sysFlag,
        properties,
        bornTimestamp: h.bornTimestamp,
        bornHost: channel.remoteAddress,
        reconsumeTimes: h.reconsumeTimes ?? 0,
      });
      if (isStored(r.status)) {
        fields['msgId'] = r.msgId;
        fields['queueId'] = String(queueIdInt);
        fields['queueOffset'] = String(r.queueOffset);
      } else {
        this.log.warn({ status: r.status, reason: r.reason }, 'process reply message, store putMessage failed');
      }
    }
    return pushOk ? createResponse(request, ResponseCode.SUCCESS, undefined, fields) : createResponse(request, ResponseCode.SYSTEM_ERROR, remark, fields);
  };
}
