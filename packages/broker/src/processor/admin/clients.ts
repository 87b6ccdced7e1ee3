/**
 * Admin requests that involve the clients connected to this broker:
 * INVOKE_BROKER_TO_RESET_OFFSET (222) and INVOKE_BROKER_TO_GET_CONSUMER_STATUS
 * (223) (Broker2Client.resetOffset / getConsumeStatus),
 * CONSUME_MESSAGE_DIRECTLY (309) and GET_CONSUMER_RUNNING_INFO (307) relayed
 * to one consumer (callConsumer), and GET_ALL_PRODUCER_INFO (328).
 */
import { ErrorCode, errorMessage, isRmqError } from '@rocketmq-ts/common';
import {
  type MessageQueue,
  type ProducerInfo,
  type RemotingCommand,
  LanguageCode,
  RequestCode,
  ResponseCode,
  createRequest,
  createResponse,
  decodeConsumeMessageDirectlyResultRequestHeader,
  decodeGetConsumerRunningInfoRequestHeader,
  decodeGetConsumerStatusBody,
  decodeGetConsumerStatusRequestHeader,
  decodeOffsetMsgId,
  decodeResetOffsetRequestHeader,
  encodeGetConsumerStatusBody,
  encodeGetConsumerStatusRequestHeader,
  encodeProducerTableInfo,
  encodeResetOffsetBody,
  encodeResetOffsetRequestHeader,
  isBlank,
  languageName,
  stringifyRmqJson,
} from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import { type AdminContext, queueOf, success } from './common.js';

/** MQVersion.Version ordinals the broker checks. */
const V3_0_7_SNAPSHOT = 28;
const V3_1_8_SNAPSHOT = 62;
/** How long a reset notice may take to go out, and a status query to come back (Broker2Client). */
const RESET_NOTICE_TIMEOUT_MS = 5000;
const STATUS_TIMEOUT_MS = 5000;

const FIRST_VERSIONS = [
  'V3_0_0_SNAPSHOT', 'V3_0_0_ALPHA1', 'V3_0_0_BETA1', 'V3_0_0_BETA2', 'V3_0_0_BETA3', 'V3_0_0_BETA4', 'V3_0_0_BETA5',
  'V3_0_0_BETA6_SNAPSHOT', 'V3_0_0_BETA6', 'V3_0_0_BETA7_SNAPSHOT', 'V3_0_0_BETA7', 'V3_0_0_BETA8_SNAPSHOT', 'V3_0_0_BETA8',
  'V3_0_0_BETA9_SNAPSHOT', 'V3_0_0_BETA9', 'V3_0_0_FINAL',
];

/** MQVersion.getVersionDesc for the old versions these remarks name (then SNAPSHOT/release pairs of 3.0.1-3.0.15, 3.1.0-3.1.8). */
export function oldVersionDesc(version: number): string {
  if (version >= 0 && version < FIRST_VERSIONS.length) return FIRST_VERSIONS[version]!;
  const i = version - FIRST_VERSIONS.length;
  const pair = Math.floor(i / 2);
  if (i < 0 || pair > 23) return String(version);
  const [minor, patch] = pair < 15 ? [0, pair + 1] : [1, pair - 15];
  return `V3_${minor}_${patch}${i % 2 === 0 ? '_SNAPSHOT' : ''}`;
}

/** ResetOffsetBodyForC: what a C++ client (LanguageCode.CPP) gets instead of the map keyed by MessageQueue. */
function encodeResetOffsetBodyForC(table: ReadonlyArray<readonly [MessageQueue, number]>): Buffer {
  return Buffer.from(
    stringifyRmqJson({ offsetTable: table.map(([mq, offset]) => ({ brokerName: mq.brokerName, offset, queueId: mq.queueId, topic: mq.topic })) }),
    'utf8',
  );
}

export class ClientAdmin {
  constructor(private readonly ctx: AdminContext) {}

  /** AdminBrokerProcessor.callConsumer: the request goes to one consumer over its own connection; its answer comes back. */
  async callConsumer(code: number, request: RemotingCommand, group: string, clientId: string | undefined): Promise<RemotingCommand> {
    const info = clientId === undefined ? undefined : this.ctx.consumers.findChannel(group, clientId);
    if (info === undefined) return createResponse(request, ResponseCode.SYSTEM_ERROR, `The Consumer <${group}> <${clientId ?? 'null'}> not online`);
    if (info.version < V3_1_8_SNAPSHOT) {
      return createResponse(
        request,
        ResponseCode.SYSTEM_ERROR,
        `The Consumer <${clientId}> Version <${oldVersionDesc(info.version)}> too low to finish, please upgrade it to V3_1_8_SNAPSHOT`,
      );
    }
    try {
      return await this.ctx.broker2Client.callClient(info.channel, createRequest(code, { ...request.extFields }, request.body));
    } catch (err) {
      if (isRmqError(err) && err.code === ErrorCode.TIMEOUT) {
        return createResponse(request, ResponseCode.CONSUME_MSG_TIMEOUT, `consumer <${group}> <${clientId}> Timeout: ${errorMessage(err)}`);
      }
      return createResponse(request, ResponseCode.SYSTEM_ERROR, `invoke consumer <${group}> <${clientId}> Exception: ${errorMessage(err)}`);
    }
  }

  /** GET_CONSUMER_RUNNING_INFO from an admin, relayed to the consumer. */
  readonly getConsumerRunningInfo = (request: RemotingCommand): Promise<RemotingCommand> => {
    const h = decodeGetConsumerRunningInfoRequestHeader(request.extFields);
    return this.callConsumer(RequestCode.GET_CONSUMER_RUNNING_INFO, request, h.consumerGroup, h.clientId);
  };

  /** CONSUME_MESSAGE_DIRECTLY: the message named by its offset msgId is read here and handed to one consumer to consume now. */
  readonly consumeMessageDirectly = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const h = decodeConsumeMessageDirectlyResultRequestHeader(request.extFields);
    const fields = { ...request.extFields, brokerName: this.ctx.config.brokerName };
    let offset: number;
    try {
      if (h.msgId === undefined) throw new Error('no msgId');
      offset = decodeOffsetMsgId(h.msgId).offset;
    } catch (err) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, `invalid msgId ${h.msgId ?? 'null'}: ${errorMessage(err)}`);
    }
    const body = await this.ctx.store.selectOneMessageByOffset(offset);
    if (body === undefined) return createResponse(request, ResponseCode.SYSTEM_ERROR, `can not find message by the offset, ${offset}`);
    const relayed: RemotingCommand = { ...request, extFields: fields, body };
    return this.callConsumer(RequestCode.CONSUME_MESSAGE_DIRECTLY, relayed, h.consumerGroup, h.clientId);
  };

  /**
   * INVOKE_BROKER_TO_RESET_OFFSET (Broker2Client.resetOffset): per write
   * queue, the offset of the message stored at `timestamp` (-1: the queue's
   * end); with isForce, or when that is behind the group's committed offset,
   * it becomes the new offset. Every online consumer of the group gets
   * RESET_CONSUMER_CLIENT_OFFSET (oneway) and the broker's committed offsets
   * are set too (4.9 leaves that to the consumers' next commit). Without an
   * online consumer: CONSUMER_NOT_ONLINE, nothing changes (mqadmin then
   * resets the offsets itself, queue by queue).
   */
  readonly resetOffset = async (request: RemotingCommand, channel: Channel): Promise<RemotingCommand> => {
    const h = decodeResetOffsetRequestHeader(request.extFields);
    const ctx = this.ctx;
    ctx.log.info({ by: channel.remoteAddress, topic: h.topic, group: h.group, timestamp: h.timestamp, isForce: h.isForce }, '[reset-offset] reset offset started');
    const fail = (code: number, remark: string): RemotingCommand => createResponse(request, code, remark);
    const tc = ctx.topics.selectTopicConfig(h.topic);
    if (tc === undefined) return fail(ResponseCode.SYSTEM_ERROR, `[reset-offset] reset offset failed, no topic in this broker. topic=${h.topic}`);

    const table: Array<[MessageQueue, number]> = [];
    for (let i = 0; i < tc.writeQueueNums; i++) {
      const consumerOffset = ctx.offsets.queryOffset(h.group, h.topic, i);
      if (consumerOffset === -1) return fail(ResponseCode.SYSTEM_ERROR, `THe consumer group <${h.group}> not exist`);
      let target = h.timestamp === -1 ? ctx.store.getMaxOffsetInQueue(h.topic, i) : await ctx.store.getOffsetInQueueByTime(h.topic, i, h.timestamp);
      if (target < 0) {
        ctx.log.warn({ topic: h.topic, queueId: i, target }, 'reset offset is invalid');
        target = 0;
      }
      table.push([queueOf(ctx, h.topic, i), h.isForce || target < consumerOffset ? target : consumerOffset]);
    }

    const group = ctx.consumers.getConsumerGroupInfo(h.group);
    if (group === undefined || group.channelInfoTable.size === 0) {
      const remark = `Consumer not online, so can not reset offset, Group: ${h.group} Topic: ${h.topic} Timestamp: ${h.timestamp}`;
      ctx.log.error(remark);
      return fail(ResponseCode.CONSUMER_NOT_ONLINE, remark);
    }
    for (const info of group.channelInfoTable.values()) {
      if (info.version < V3_0_7_SNAPSHOT) {
        ctx.log.warn({ remote: info.channel.remoteAddress, version: info.version }, '[reset-offset] the client does not support this feature');
        return fail(ResponseCode.SYSTEM_ERROR, `the client does not support this feature. version=${oldVersionDesc(info.version)}`);
      }
    }
    const header = encodeResetOffsetRequestHeader({ topic: h.topic, group: h.group, timestamp: h.timestamp, isForce: false });
    // As Java: the form follows the language of the admin's request, not the consumer's.
    const body = request.language === LanguageCode.CPP ? encodeResetOffsetBodyForC(table) : encodeResetOffsetBody({ offsetTable: table });
    for (const info of group.channelInfoTable.values()) {
      const notice = createRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, header, body);
      info.channel.invokeOneway(notice, RESET_NOTICE_TIMEOUT_MS).then(
        () => ctx.log.info({ topic: h.topic, group: h.group, clientId: info.clientId }, '[reset-offset] reset offset success'),
        (err: unknown) => ctx.log.error({ topic: h.topic, group: h.group, err: errorMessage(err) }, '[reset-offset] reset offset exception'),
      );
    }
    for (const [mq, offset] of table) ctx.offsets.commitOffset(channel.remoteAddress, h.group, h.topic, mq.queueId, offset);
    return success(request, encodeResetOffsetBody({ offsetTable: table }));
  };

  /**
   * INVOKE_BROKER_TO_GET_CONSUMER_STATUS (Broker2Client.getConsumeStatus):
   * each online consumer of the group (or the one whose clientId is
   * `clientAddr`) is asked GET_CONSUMER_STATUS_FROM_CLIENT; the answer maps
   * clientId to its queues' offsets. Consumers that fail to answer are left out.
   */
  readonly getConsumerStatus = async (request: RemotingCommand, channel: Channel): Promise<RemotingCommand> => {
    const h = decodeGetConsumerStatusRequestHeader(request.extFields);
    const ctx = this.ctx;
    ctx.log.info({ by: channel.remoteAddress, topic: h.topic, group: h.group }, '[get-consumer-status] get consumer status');
    const group = ctx.consumers.getConsumerGroupInfo(h.group);
    if (group === undefined || group.channelInfoTable.size === 0) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, `No Any Consumer online in the consumer group: [${h.group}]`);
    }
    const targets = [];
    for (const info of group.channelInfoTable.values()) {
      if (info.version < V3_0_7_SNAPSHOT) {
        return createResponse(request, ResponseCode.SYSTEM_ERROR, `the client does not support this feature. version=${oldVersionDesc(info.version)}`);
      }
      if (isBlank(h.clientAddr) || h.clientAddr === info.clientId) {
        targets.push(info);
        if (!isBlank(h.clientAddr)) break;
      }
    }
    const ask = encodeGetConsumerStatusRequestHeader({ topic: h.topic, group: h.group });
    const answers = await Promise.all(
      targets.map(async (info) => {
        try {
          const r = await info.channel.invoke(createRequest(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, ask), STATUS_TIMEOUT_MS);
          if (r.code !== ResponseCode.SUCCESS || r.body === undefined) return undefined;
          return [info.clientId, decodeGetConsumerStatusBody(r.body).messageQueueTable] as const;
        } catch (err) {
          ctx.log.error({ topic: h.topic, group: h.group, err: errorMessage(err) }, '[get-consumer-status] get consumer status exception');
          return undefined;
        }
      }),
    );
    const consumerTable = new Map<string, Array<[MessageQueue, number]>>();
    for (const a of answers) if (a !== undefined) consumerTable.set(a[0], a[1]);
    return success(request, encodeGetConsumerStatusBody({ consumerTable, messageQueueTable: [] }));
  };

  /** GET_ALL_PRODUCER_INFO: producers by group (ProducerManager.getProducerTable). */
  readonly getAllProducerInfo = (request: RemotingCommand): RemotingCommand => {
    const data = new Map<string, ProducerInfo[]>();
    for (const [group, channels] of this.ctx.producers.groupChannelTable) {
      const list: ProducerInfo[] = [];
      for (const info of channels.values()) {
        list.push({
          clientId: info.clientId,
          // Java writes the channel's InetSocketAddress.toString(): "/ip:port".
          remoteIP: `/${info.channel.remoteAddress}`,
          language: languageName(info.language),
          version: info.version,
          lastUpdateTimestamp: info.lastUpdateTimestamp,
        });
      }
      if (list.length > 0) data.set(group, list);
    }
    return success(request, encodeProducerTableInfo({ data }));
  };
}
