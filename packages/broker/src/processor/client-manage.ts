/**
 * HEART_BEAT (34), UNREGISTER_CLIENT (35), CHECK_CLIENT_CONFIG (46):
 * ClientManageProcessor.java.
 */
import {
  type JsonValue,
  type RemotingCommand,
  PermName,
  ResponseCode,
  TopicSysFlag,
  createResponse,
  decodeHeartbeatData,
  decodeUnregisterClientRequestHeader,
  getRetryTopic,
  isTagType,
  parseRmqJsonBody,
} from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import type { ClientChannelInfo } from '../client/client-channel-info.js';
import type { BrokerContext } from '../context.js';
import { Sql92SyntaxError, compileSql92 } from '../filter/sql92.js';

export class ClientManageProcessor {
  constructor(private readonly ctx: BrokerContext) {}

  readonly heartBeat = (request: RemotingCommand, channel: Channel): RemotingCommand => {
    const ctx = this.ctx;
    const data = decodeHeartbeatData(request.body ?? Buffer.from('{}'));
    const info: ClientChannelInfo = {
      channel,
      clientId: data.clientID,
      language: request.language,
      version: request.version,
      lastUpdateTimestamp: Date.now(),
    };
    for (const c of data.consumerDataSet) {
      const sg = ctx.groups.findSubscriptionGroupConfig(c.groupName);
      let notify = true;
      if (sg !== undefined) {
        notify = sg.notifyConsumerIdsChangedEnable;
        const topicSysFlag = c.unitMode ? TopicSysFlag.FLAG_UNIT_SUB : 0;
        ctx.topics.createTopicInSendMessageBackMethod(getRetryTopic(c.groupName), sg.retryQueueNums, PermName.PERM_READ | PermName.PERM_WRITE, topicSysFlag);
      }
      const changed = ctx.consumers.registerConsumer(
        c.groupName,
        { ...info },
        { consumeType: c.consumeType, messageModel: c.messageModel, consumeFromWhere: c.consumeFromWhere, subscriptions: c.subscriptionDataSet },
        notify,
      );
      if (changed) ctx.log.info({ group: c.groupName, clientId: data.clientID, remote: channel.remoteAddress }, 'registerConsumer info changed');
    }
    for (const p of data.producerDataSet) ctx.producers.registerProducer(p.groupName, { ...info });
    return createResponse(request, ResponseCode.SUCCESS);
  };

  readonly unregisterClient = (request: RemotingCommand, channel: Channel): RemotingCommand => {
    const ctx = this.ctx;
    const h = decodeUnregisterClientRequestHeader(request.extFields);
    if (h.producerGroup !== undefined) ctx.producers.unregisterProducer(h.producerGroup, channel, h.clientID);
    if (h.consumerGroup !== undefined) {
      const sg = ctx.groups.findSubscriptionGroupConfig(h.consumerGroup);
      ctx.consumers.unregisterConsumer(h.consumerGroup, channel, sg?.notifyConsumerIdsChangedEnable ?? true);
    }
    return createResponse(request, ResponseCode.SUCCESS);
  };

  /** Lets a client check a SQL92 subscription before it subscribes. */
  readonly checkClientConfig = (request: RemotingCommand): RemotingCommand => {
    const ok = createResponse(request, ResponseCode.SUCCESS);
    if (request.body === undefined || request.body.length === 0) return ok;
    const body = parseRmqJsonBody(request.body);
    const sub = objectField(body, 'subscriptionData');
    if (sub === undefined) return ok;
    const type = stringField(sub, 'expressionType');
    if (isTagType(type)) return ok;
    if (!this.ctx.config.enablePropertyFilter) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, `The broker does not support consumer to filter message by ${String(type)}`);
    }
    const expression = stringField(sub, 'subString') ?? '';
    try {
      if (type !== 'SQL92') throw new Sql92SyntaxError(expression, `unknown expression type ${String(type)}`);
      compileSql92(expression);
    } catch (err) {
      return createResponse(request, ResponseCode.SUBSCRIPTION_PARSE_FAILED, (err as Error).message);
    }
    return ok;
  };
}

function objectField(v: JsonValue, key: string): JsonValue | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Map) return undefined;
  const f = v[key];
  return f !== null && typeof f === 'object' && !Array.isArray(f) && !(f instanceof Map) ? f : undefined;
}

function stringField(v: JsonValue, key: string): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Map) return undefined;
  const f = v[key];
  return typeof f === 'string' ? f : undefined;
}
