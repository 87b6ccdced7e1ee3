/**
 * SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320) and
 * CONSUMER_SEND_MSG_BACK (36): SendMessageProcessor and
 * AbstractSendMessageProcessor of the 4.9 broker.
 *
 * The hot path: decode the header, look the topic up (creating it from
 * TBW102 when allowed), rewrite the properties string once (WAIT out,
 * CLUSTER in), hand the request body (a view of the received frame) to the
 * store, which copies it once into its write buffer, and answer with the
 * store's result. No JSON, no property maps, no body copies.
 */
import { errorMessage } from '@rocketmq-ts/common';
import {
  type RemotingCommand,
  type SendMessageRequestHeader,
  type TopicConfig,
  MessageSysFlag,
  MixAll,
  PermName,
  ResponseCode,
  SystemTopic,
  TopicSysFlag,
  createResponse,
  decodeConsumerSendMsgBackRequestHeader,
  decodeProperties,
  encodeProperties,
  getDLQTopic,
  getRetryTopic,
  getTransactionValue,
  isNotAllowedSendTopic,
  isRetryTopic,
  isWriteable,
  validateTopic,
} from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import { PutMessageStatus, type PutMessageRequest, type PutMessageResult } from '@rocketmq-ts/store';
import type { BrokerContext } from '../context.js';
import { isRouteRefusal, routeWaitingMessage } from '../schedule/route.js';
import { COMMERCIAL_OWNER } from '../stats/broker-stats-manager.js';
import { topicConfigToString } from '../topic/topic-config-manager.js';
import { decodeSendHeader } from './send-header.js';
import { SendProperties, clusterPropertyEntry, rewriteSendProperties } from './send-properties.js';

/** FAQUrl.suggestTodo(url) as every 4.9 remark that has one ends. */
export const FAQ_SUFFIX = '\nSee http://rocketmq.apache.org/docs/faq/ for further details.';
/** DLQ_NUMS_PER_GROUP. */
const DLQ_QUEUE_NUMS = 1;
/** MQVersion.Version.V3_4_9: clients from then on may send maxReconsumeTimes. */
const V3_4_9 = 121;
const READ_WRITE = PermName.PERM_READ | PermName.PERM_WRITE;

/** Java's ThreadLocalRandom.nextInt(99999999) % n. */
function isRefusal(x: TopicConfig | RemotingCommand): x is RemotingCommand {
  return (x as RemotingCommand).opaque !== undefined;
}

function randomQueueId(n: number): number {
  return Math.floor(Math.random() * 99999999) % n;
}

export interface SendStatusAnswer {
  readonly code: number;
  /** Undefined for the statuses that count as sent. */
  readonly remark: string | undefined;
  /** The message was stored (SUCCESS and the three "stored, but" codes). */
  readonly stored: boolean;
}

/**
 * The response code and remark for a store status, as
 * SendMessageProcessor.handlePutMessageResult maps them. OS_PAGECACHE_BUSY
 * answers SYSTEM_BUSY as 5.x does (4.9 answers SYSTEM_ERROR with the same
 * remark, which 4.9 clients retry on another broker).
 */
export function putStatusAnswer(result: Pick<PutMessageResult, 'status' | 'reason'>, maxMessageSize: number, diskUtil: () => string): SendStatusAnswer {
  switch (result.status) {
    case PutMessageStatus.PUT_OK:
      return { code: ResponseCode.SUCCESS, remark: undefined, stored: true };
    case PutMessageStatus.FLUSH_DISK_TIMEOUT:
      return { code: ResponseCode.FLUSH_DISK_TIMEOUT, remark: undefined, stored: true };
    case PutMessageStatus.FLUSH_SLAVE_TIMEOUT:
      return { code: ResponseCode.FLUSH_SLAVE_TIMEOUT, remark: undefined, stored: true };
    case PutMessageStatus.SLAVE_NOT_AVAILABLE:
      return { code: ResponseCode.SLAVE_NOT_AVAILABLE, remark: undefined, stored: true };
    case PutMessageStatus.CREATE_MAPEDFILE_FAILED:
      return { code: ResponseCode.SYSTEM_ERROR, remark: 'create mapped file failed, server is busy or broken.', stored: false };
    case PutMessageStatus.MESSAGE_ILLEGAL:
    case PutMessageStatus.PROPERTIES_SIZE_EXCEEDED:
      return {
        code: ResponseCode.MESSAGE_ILLEGAL,
        remark:
          `the message is illegal, maybe msg body or properties length not matched. msg body length limit ${maxMessageSize}B, msg properties length limit 32KB.` +
          (result.reason === undefined ? '' : ` Cause: ${result.reason}.`),
        stored: false,
      };
    case PutMessageStatus.SERVICE_NOT_AVAILABLE:
      return {
        code: ResponseCode.SERVICE_NOT_AVAILABLE,
        remark:
          `service not available now. It may be caused by one of the following reasons: the broker's disk is full [${diskUtil()}], ` +
          'messages are put to the slave, message store has been shut down, etc.',
        stored: false,
      };
    case PutMessageStatus.OS_PAGECACHE_BUSY:
      return { code: ResponseCode.SYSTEM_BUSY, remark: '[PC_SYNCHRONIZED]broker busy, start flow control for a while', stored: false };
    case PutMessageStatus.UNKNOWN_ERROR:
      return { code: ResponseCode.SYSTEM_ERROR, remark: 'UNKNOWN_ERROR', stored: false };
    default:
      return { code: ResponseCode.SYSTEM_ERROR, remark: 'UNKNOWN_ERROR DEFAULT', stored: false };
  }
}

/** Java's "%5.2f": at least five characters, two decimals. */
function pct(ratio: number): string {
  return ratio.toFixed(2).padStart(5, ' ');
}

export class SendMessageProcessor {
  private readonly ctx: BrokerContext;
  private readonly traceOn: string;
  private readonly regionId: string;
  private readonly clusterEntry: string;
  private readonly props = new SendProperties();
  /** Topics that passed validateTopic; bounded by the topic table's size. */
  private readonly validTopics = new Set<string>();

  constructor(ctx: BrokerContext) {
    this.ctx = ctx;
    this.traceOn = String(ctx.config.traceOn);
    this.regionId = ctx.config.regionId;
    this.clusterEntry = clusterPropertyEntry(ctx.config.brokerClusterName);
  }

  /** The handler for SEND_MESSAGE, SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE. */
  readonly processSend = (request: RemotingCommand, channel: Channel): RemotingCommand | Promise<RemotingCommand> => {
    const header = decodeSendHeader(request.code, request.extFields);
    const tc = this.msgCheck(request, channel, header);
    if (isRefusal(tc)) return tc;
    if (header.batch) return this.sendBatch(request, channel, header, tc);
    return this.sendOne(request, channel, header, tc);
  };

  private fail(request: RemotingCommand, code: number, remark: string): RemotingCommand {
    // As Java: a failed send still carries MSG_REGION and TRACE_ON.
    return createResponse(request, code, remark, { TRACE_ON: this.traceOn, MSG_REGION: this.regionId });
  }

  /** AbstractSendMessageProcessor.msgCheck: the topic config to send to, or the response refusing the send (replies use it too). */
  msgCheck(request: RemotingCommand, channel: Channel, h: SendMessageRequestHeader): TopicConfig | RemotingCommand {
    const ctx = this.ctx;
    const topic = h.topic;
    if (!isWriteable(ctx.config.brokerPermission) && ctx.topics.isOrderTopic(topic)) {
      return this.fail(request, ResponseCode.NO_PERMISSION, `the broker[${ctx.config.brokerIP1}] sending message is forbidden`);
    }
    if (!this.validTopics.has(topic)) {
      const rejected = validateTopic(topic);
      if (rejected !== undefined) {
        return this.fail(request, rejected.code, rejected.remark);
      }
    }
    if (isNotAllowedSendTopic(topic)) {
      return this.fail(request, ResponseCode.NO_PERMISSION, `Sending message to topic[${topic}] is forbidden.`);
    }
    let tc = ctx.topics.selectTopicConfig(topic);
    if (tc === undefined) {
      const retry = isRetryTopic(topic);
      const topicSysFlag = h.unitMode ? (retry ? TopicSysFlag.FLAG_UNIT_SUB : TopicSysFlag.FLAG_UNIT) : 0;
      ctx.log.warn({ topic, producer: channel.remoteAddress }, 'the topic does not exist');
      tc = ctx.topics.createTopicInSendMessageMethod(topic, h.defaultTopic, channel.remoteAddress, h.defaultTopicQueueNums, topicSysFlag);
      if (tc === undefined && retry) tc = ctx.topics.createTopicInSendMessageBackMethod(topic, 1, READ_WRITE, topicSysFlag);
      if (tc === undefined) {
        return this.fail(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${topic}] not exist, apply first please!${FAQ_SUFFIX}`);
      }
    }
    if (this.validTopics.size < 100_000) this.validTopics.add(topic);
    if (h.queueId >= Math.max(tc.writeQueueNums, tc.readQueueNums)) {
      return this.fail(
        request,
        ResponseCode.SYSTEM_ERROR,
        `request queueId[${h.queueId}] is illegal, ${topicConfigToString(tc)} Producer: ${channel.remoteAddress}`,
      );
    }
    return tc;
  }

  private pickQueue(h: SendMessageRequestHeader, tc: TopicConfig): number {
    return h.queueId < 0 ? (tc.writeQueueNums > 0 ? randomQueueId(tc.writeQueueNums) : -1) : h.queueId;
  }

  private sendOne(request: RemotingCommand, channel: Channel, h: SendMessageRequestHeader, tc: TopicConfig): RemotingCommand | Promise<RemotingCommand> {
    const ctx = this.ctx;
    const queueIdInt = this.pickQueue(h, tc);
    if (queueIdInt < 0) return this.fail(request, ResponseCode.SYSTEM_ERROR, '/ by zero');
    let topic = h.topic;
    let queueId = queueIdInt;
    let sysFlag = h.sysFlag;
    // handleRetryAndDLQ: a retry message past its limit goes to the group's DLQ.
    if (isRetryTopic(topic)) {
      const group = topic.slice(MixAll.RETRY_GROUP_TOPIC_PREFIX.length);
      const sg = ctx.groups.findSubscriptionGroupConfig(group);
      if (sg === undefined) {
        return this.fail(request, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group not exist, ${group} ${FAQ_SUFFIX}`);
      }
      let maxReconsumeTimes = sg.retryMaxTimes;
      if (request.version >= V3_4_9 && h.maxReconsumeTimes !== undefined) maxReconsumeTimes = h.maxReconsumeTimes;
      if ((h.reconsumeTimes ?? 0) >= maxReconsumeTimes) {
        topic = getDLQTopic(group);
        queueId = randomQueueId(DLQ_QUEUE_NUMS);
        ctx.topics.createTopicInSendMessageBackMethod(topic, DLQ_QUEUE_NUMS, READ_WRITE, 0);
      }
    }
    if (tc.topicFilterType === 'MULTI_TAG') sysFlag |= MessageSysFlag.MULTI_TAGS_FLAG;

    const tranType = getTransactionValue(sysFlag);
    const delayApplies = tranType === MessageSysFlag.TRANSACTION_NOT_TYPE || tranType === MessageSysFlag.TRANSACTION_COMMIT_TYPE;
    const p = rewriteSendProperties(h.properties, this.clusterEntry, this.props);
    let properties = p.stored;
    const waitStoreMsgOK = p.waitStoreMsgOK;
    if (p.transactionPrepared) {
      if (ctx.config.rejectTransactionMessage) {
        return this.fail(request, ResponseCode.NO_PERMISSION, `the broker[${ctx.config.brokerIP1}] sending transaction message is forbidden`);
      }
      if (ctx.transactions === undefined) {
        return this.fail(
          request,
          ResponseCode.NO_PERMISSION,
          `the broker[${ctx.config.brokerIP1}] does not support transactional messages yet (rocketmq-ts); the half message was not stored`,
        );
      }
    }
    if (delayApplies && (p.delayLevel > 0 || p.timer)) {
      // Delayed or timed: the rare path, on a decoded copy of the properties.
      const props = decodeProperties(properties);
      const route = routeWaitingMessage(ctx, topic, queueId, sysFlag, props);
      if (route !== undefined) {
        if (isRouteRefusal(route)) return this.fail(request, route.code, route.remark);
        topic = route.topic;
        queueId = route.queueId;
      }
      properties = encodeProperties(props);
    }
    const msg: PutMessageRequest = {
      topic,
      queueId,
      body: request.body,
      flag: h.flag,
      sysFlag,
      properties,
      bornTimestamp: h.bornTimestamp,
      bornHost: channel.remoteAddress,
      reconsumeTimes: h.reconsumeTimes ?? 0,
      waitStoreMsgOK,
    };
    const put = p.transactionPrepared ? ctx.transactions!.prepareMessage(msg) : ctx.store.putMessage(msg);
    return put.then(
      (r) => this.answer(request, r, queueIdInt, false, topic, queueId, h.producerGroup),
      (err: unknown) => this.fail(request, ResponseCode.SYSTEM_ERROR, `store putMessage failed: ${errorMessage(err)}`),
    );
  }

  private sendBatch(request: RemotingCommand, channel: Channel, h: SendMessageRequestHeader, tc: TopicConfig): RemotingCommand | Promise<RemotingCommand> {
    const ctx = this.ctx;
    const queueIdInt = this.pickQueue(h, tc);
    if (queueIdInt < 0) return this.fail(request, ResponseCode.SYSTEM_ERROR, '/ by zero');
    if (h.topic.length > 127) return this.fail(request, ResponseCode.MESSAGE_ILLEGAL, `message topic length too long ${h.topic.length}`);
    let sysFlag = h.sysFlag;
    if (tc.topicFilterType === 'MULTI_TAG') sysFlag |= MessageSysFlag.MULTI_TAGS_FLAG;
    // The batch's own properties (WAIT kept, CLUSTER set) are appended to every message's by the store.
    const p = rewriteSendProperties(h.properties, this.clusterEntry, this.props, { dropWait: false });
    const body = request.body ?? Buffer.alloc(0);
    return ctx.store
      .putMessages({
        topic: h.topic,
        queueId: queueIdInt,
        body,
        properties: p.stored,
        sysFlag,
        bornTimestamp: h.bornTimestamp,
        bornHost: channel.remoteAddress,
        reconsumeTimes: h.reconsumeTimes ?? 0,
        waitStoreMsgOK: p.waitStoreMsgOK,
      })
      .then(
        (r) => this.answer(request, r, queueIdInt, true, h.topic, queueIdInt, h.producerGroup),
        (err: unknown) => this.fail(request, ResponseCode.SYSTEM_ERROR, `store putMessages failed: ${errorMessage(err)}`),
      );
  }

  /** `topic`/`queueId`: where the message went (%DLQ%, SCHEDULE_TOPIC_XXXX...), for the stats. */
  private answer(request: RemotingCommand, r: PutMessageResult, queueIdInt: number, batch: boolean, topic: string, queueId: number, group: string): RemotingCommand {
    const a = putStatusAnswer(r, this.ctx.config.maxMessageSize, this.diskUtil);
    const owner = request.extFields[COMMERCIAL_OWNER];
    if (a.stored) this.ctx.stats.onPutOk(topic, queueId, r.msgNum, r.wroteBytes, group, owner);
    else this.ctx.stats.onPutFailed(topic, group, request.body?.length ?? 0, owner);
    if (!a.stored) {
      if (r.reason !== undefined) this.ctx.log.debug({ status: r.status, reason: r.reason }, 'put failed');
      return this.fail(request, a.code, a.remark ?? '');
    }
    // Key order of the Java broker's JSON header (one HashMap with the two extras and the header fields).
    return createResponse(request, a.code, undefined, {
      queueId: String(queueIdInt),
      TRACE_ON: this.traceOn,
      MSG_REGION: this.regionId,
      msgId: batch ? r.msgIds : r.msgId,
      queueOffset: String(r.queueOffset),
    });
  }

  private readonly diskUtil = (): string => {
    const info = this.ctx.store.getRuntimeInfo();
    const cl = Number(info['commitLogDiskRatio'] ?? '-1');
    const cq = Number(info['consumeQueueDiskRatio'] ?? '-1');
    return `CL: ${pct(Math.min(cl, 100))} CQ: ${pct(cq)} INDEX: ${pct(cq)}`;
  };

  /** CONSUMER_SEND_MSG_BACK: a consumer could not process a message; it goes to the group's retry topic (or DLQ). */
  readonly processSendBack = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const ctx = this.ctx;
    const h = decodeConsumerSendMsgBackRequestHeader(request.extFields);
    const plain = (code: number, remark?: string): RemotingCommand => createResponse(request, code, remark);
    const sg = ctx.groups.findSubscriptionGroupConfig(h.group);
    if (sg === undefined) return plain(ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group not exist, ${h.group} ${FAQ_SUFFIX}`);
    if (!isWriteable(ctx.config.brokerPermission)) {
      return plain(ResponseCode.NO_PERMISSION, `the broker[${ctx.config.brokerIP1}] sending message is forbidden`);
    }
    if (sg.retryQueueNums <= 0) return plain(ResponseCode.SUCCESS);

    let newTopic = getRetryTopic(h.group);
    let queueId = randomQueueId(sg.retryQueueNums);
    const topicSysFlag = h.unitMode ? TopicSysFlag.FLAG_UNIT_SUB : 0;
    const tc = ctx.topics.createTopicInSendMessageBackMethod(newTopic, sg.retryQueueNums, READ_WRITE, topicSysFlag);
    if (!isWriteable(tc.perm)) return plain(ResponseCode.NO_PERMISSION, `the topic[${newTopic}] sending message is forbidden`);

    const msg = await ctx.store.lookMessageByOffset(h.offset);
    if (msg === undefined) return plain(ResponseCode.SYSTEM_ERROR, `look message by offset failed, ${h.offset}`);

    // The original's properties, with what Java's send-back adds to the same map.
    const props = { ...msg.properties };
    if (props['RETRY_TOPIC'] === undefined) props['RETRY_TOPIC'] = msg.topic;
    props['WAIT'] = 'false';
    let delayLevel = h.delayLevel;
    let maxReconsumeTimes = sg.retryMaxTimes;
    if (request.version >= V3_4_9 && h.maxReconsumeTimes !== undefined) maxReconsumeTimes = h.maxReconsumeTimes;
    if (msg.reconsumeTimes >= maxReconsumeTimes || delayLevel < 0) {
      newTopic = getDLQTopic(h.group);
      queueId = randomQueueId(DLQ_QUEUE_NUMS);
      ctx.topics.createTopicInSendMessageBackMethod(newTopic, DLQ_QUEUE_NUMS, READ_WRITE, 0);
      delayLevel = 0;
    } else if (delayLevel === 0) {
      delayLevel = 3 + msg.reconsumeTimes;
    }
    props['DELAY'] = String(delayLevel);
    if (props['ORIGIN_MESSAGE_ID'] === undefined || props['ORIGIN_MESSAGE_ID'].trim() === '') props['ORIGIN_MESSAGE_ID'] = msg.offsetMsgId;

    let topic = newTopic;
    let targetQueue = queueId;
    // Through delayed delivery (DELAY = 3 + reconsumeTimes by default), as Java's CommitLog routes it.
    const route = routeWaitingMessage(ctx, topic, targetQueue, msg.sysFlag, props);
    if (route !== undefined) {
      if (isRouteRefusal(route)) return plain(route.code, route.remark);
      topic = route.topic;
      targetQueue = route.queueId;
    }
    const r = await ctx.store.putMessage({
      topic,
      queueId: targetQueue,
      body: msg.body,
      flag: msg.flag,
      sysFlag: msg.sysFlag,
      properties: encodeProperties(props),
      bornTimestamp: msg.bornTimestamp,
      bornHost: msg.bornHost,
      storeHost: msg.storeHost,
      reconsumeTimes: msg.reconsumeTimes + 1,
      waitStoreMsgOK: false,
    });
    if (r.status === PutMessageStatus.PUT_OK) {
      // As Java: the retry put counts as a send-back of the original topic; only a delayed one also counts as a put (of the schedule topic).
      if (topic === SystemTopic.RMQ_SYS_SCHEDULE_TOPIC) {
        ctx.stats.incTopicPut(topic, 1, r.wroteBytes);
        ctx.stats.incQueuePut(topic, targetQueue, 1, r.wroteBytes);
      }
      ctx.stats.onSendBack(h.group, props['RETRY_TOPIC'] ?? msg.topic, request.extFields[COMMERCIAL_OWNER]);
      return plain(ResponseCode.SUCCESS);
    }
    return plain(ResponseCode.SYSTEM_ERROR, r.status);
  };
}
