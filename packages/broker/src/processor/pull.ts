/**
 * PULL_MESSAGE (11) and LITE_PULL_MESSAGE (361): PullMessageProcessor.java.
 * Checks, in Java's order, the broker's and the topic's read permission, the
 * group, the subscription (from the request or from the group's heartbeat)
 * and its filter; reads from the store; maps the store status to a response
 * code; suspends a pull that found nothing (long polling); and commits the
 * offset the consumer carried.
 */
import { type Logger, errorMessage } from '@rocketmq-ts/common';
import {
  type RemotingCommand,
  ExpressionType,
  MessageModel,
  MixAll,
  PullSysFlag,
  ResponseCode,
  RpcFlag,
  SystemTopic,
  createResponse,
  decodePullMessageRequestHeader,
  encodeProperties,
  formatJavaLong,
  isReadable,
  isTagType,
  messageQueueJson,
  stringifyRmqJson,
} from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import { GetMessageStatus, type GetMessageResult } from '@rocketmq-ts/store';
import type { BrokerContext } from '../context.js';
import { COMMERCIAL_OWNER } from '../stats/broker-stats-manager.js';
import { type CompiledSubscription, ExpressionMessageFilter, compileRequestSubscription } from '../filter/message-filter.js';
import type { PullRequest } from '../longpolling/pull-request-hold-service.js';
import { headerErrorResponse } from '../request-pool.js';
import { FAQ_SUFFIX } from './send.js';

const MAX_CACHED_SUBSCRIPTIONS = 4096;

/** The response code Java's PullMessageProcessor gives a store status. */
export function pullStatusCode(status: GetMessageStatus, requestOffset: number): number {
  switch (status) {
    case GetMessageStatus.FOUND:
      return ResponseCode.SUCCESS;
    case GetMessageStatus.MESSAGE_WAS_REMOVING:
      return ResponseCode.PULL_RETRY_IMMEDIATELY;
    case GetMessageStatus.NO_MATCHED_LOGIC_QUEUE:
    case GetMessageStatus.NO_MESSAGE_IN_QUEUE:
      // An empty queue asked from a non-zero offset: the consumer's offset must move (to 0).
      return requestOffset !== 0 ? ResponseCode.PULL_OFFSET_MOVED : ResponseCode.PULL_NOT_FOUND;
    case GetMessageStatus.NO_MATCHED_MESSAGE:
      return ResponseCode.PULL_RETRY_IMMEDIATELY;
    case GetMessageStatus.OFFSET_FOUND_NULL:
      return ResponseCode.PULL_NOT_FOUND;
    case GetMessageStatus.OFFSET_OVERFLOW_BADLY:
      return ResponseCode.PULL_OFFSET_MOVED;
    case GetMessageStatus.OFFSET_OVERFLOW_ONE:
      return ResponseCode.PULL_NOT_FOUND;
    case GetMessageStatus.OFFSET_TOO_SMALL:
      return ResponseCode.PULL_OFFSET_MOVED;
    default:
      return ResponseCode.SYSTEM_ERROR;
  }
}

export class PullMessageProcessor {
  private readonly ctx: BrokerContext;
  private readonly log: Logger;
  private readonly subscriptions = new Map<string, CompiledSubscription>();

  constructor(ctx: BrokerContext) {
    this.ctx = ctx;
    this.log = ctx.log.child({ component: 'pull' });
  }

  /** The handler: may suspend the pull (answers undefined now, the response comes later). */
  readonly processPull = (request: RemotingCommand, channel: Channel): Promise<RemotingCommand | undefined> => this.process(request, channel, true);

  /** A held pull whose message arrived or whose time is up: run it again and answer it now. */
  readonly wakeUp = (pr: PullRequest): void => {
    const { request, channel } = pr;
    this.process(request, channel, false).then(
      (response) => {
        if (response === undefined || !channel.isOpen) return;
        response.opaque = request.opaque;
        response.flag |= RpcFlag.RESPONSE;
        response.serializeType = request.serializeType;
        channel.send(response);
      },
      (err: unknown) => {
        let response: RemotingCommand;
        try {
          response = headerErrorResponse(request, err);
        } catch {
          this.log.error({ err: errorMessage(err) }, 'execute request when wakeup failed');
          response = createResponse(request, ResponseCode.SYSTEM_ERROR, errorMessage(err));
        }
        if (channel.isOpen) channel.send(response);
      },
    );
  };

  private subscriptionFromRequest(topic: string, subscription: string | undefined, expressionType: string | undefined, subVersion: number): CompiledSubscription {
    const key = `${topic}\u0001${expressionType ?? ''}\u0001${subscription ?? ''}`;
    const cached = this.subscriptions.get(key);
    if (cached !== undefined) return cached;
    const compiled = compileRequestSubscription(topic, subscription, expressionType, subVersion);
    if (this.subscriptions.size >= MAX_CACHED_SUBSCRIPTIONS) this.subscriptions.clear();
    this.subscriptions.set(key, compiled);
    return compiled;
  }

  private async process(request: RemotingCommand, channel: Channel, brokerAllowSuspend: boolean): Promise<RemotingCommand | undefined> {
    const beginMs = Date.now();
    const ctx = this.ctx;
    const config = ctx.config;
    const h = decodePullMessageRequestHeader(request.extFields);
    const fail = (code: number, remark: string): RemotingCommand => createResponse(request, code, remark);

    if (!isReadable(config.brokerPermission)) return fail(ResponseCode.NO_PERMISSION, `the broker[${config.brokerIP1}] pulling message is forbidden`);
    const sg = ctx.groups.findSubscriptionGroupConfig(h.consumerGroup);
    if (sg === undefined) {
      return fail(ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group [${h.consumerGroup}] does not exist, ${FAQ_SUFFIX}`);
    }
    if (!sg.consumeEnable) return fail(ResponseCode.NO_PERMISSION, `subscription group no permission, ${h.consumerGroup}`);

    const hasSuspendFlag = (h.sysFlag & PullSysFlag.FLAG_SUSPEND) !== 0;
    const hasCommitOffsetFlag = (h.sysFlag & PullSysFlag.FLAG_COMMIT_OFFSET) !== 0;
    const hasSubscriptionFlag = (h.sysFlag & PullSysFlag.FLAG_SUBSCRIPTION) !== 0;
    const suspendTimeoutMillis = hasSuspendFlag ? h.suspendTimeoutMillis : 0;

    const tc = ctx.topics.selectTopicConfig(h.topic);
    if (tc === undefined) {
      this.log.error({ topic: h.topic, consumer: channel.remoteAddress }, 'the topic does not exist');
      return fail(ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist, apply first please! ${FAQ_SUFFIX}`);
    }
    if (!isReadable(tc.perm)) return fail(ResponseCode.NO_PERMISSION, `the topic[${h.topic}] pulling message is forbidden`);
    if (h.queueId < 0 || h.queueId >= tc.readQueueNums) {
      return fail(
        ResponseCode.SYSTEM_ERROR,
        `queueId[${h.queueId}] is illegal, topic:[${h.topic}] topicConfig.readQueueNums:[${tc.readQueueNums}] consumer:[/${channel.remoteAddress}]`,
      );
    }

    let sub: CompiledSubscription;
    if (hasSubscriptionFlag) {
      try {
        sub = this.subscriptionFromRequest(h.topic, h.subscription, h.expressionType, h.subVersion);
      } catch {
        this.log.warn({ subscription: h.subscription, group: h.consumerGroup }, "parse the consumer's subscription failed");
        return fail(ResponseCode.SUBSCRIPTION_PARSE_FAILED, "parse the consumer's subscription failed");
      }
    } else {
      const cgi = ctx.consumers.getConsumerGroupInfo(h.consumerGroup);
      if (cgi === undefined) return fail(ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's group info not exist${FAQ_SUFFIX}`);
      if (!sg.consumeBroadcastEnable && cgi.messageModel === MessageModel.BROADCASTING) {
        return fail(ResponseCode.NO_PERMISSION, `the consumer group[${h.consumerGroup}] can not consume by broadcast way`);
      }
      const entry = cgi.findSubscriptionData(h.topic);
      if (entry === undefined) return fail(ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's subscription not exist${FAQ_SUFFIX}`);
      if (entry.data.subVersion < h.subVersion) return fail(ResponseCode.SUBSCRIPTION_NOT_LATEST, "the consumer's subscription not latest");
      sub = entry.compiled;
      if (!isTagType(sub.expressionType)) {
        const fd = ctx.filters.get(h.topic, h.consumerGroup);
        if (fd === undefined) {
          return fail(ResponseCode.FILTER_DATA_NOT_EXIST, "The broker's consumer filter data is not exist!Your expression may be wrong!");
        }
        if (fd.clientVersion < h.subVersion) return fail(ResponseCode.FILTER_DATA_NOT_LATEST, "the consumer's consumer filter data not latest");
      }
    }
    if (!isTagType(sub.expressionType) && !config.enablePropertyFilter) {
      return fail(ResponseCode.SYSTEM_ERROR, `The broker does not support consumer to filter message by ${sub.expressionType}`);
    }
    const filter = new ExpressionMessageFilter(sub, config.filterSupportRetry ? (topic, group) => ctx.filters.get(topic, group)?.compiled : undefined);

    const result = await ctx.store.getMessage(h.consumerGroup, h.topic, h.queueId, h.queueOffset, h.maxMsgNums, filter);
    let suggestWhichBrokerId: number;
    if (config.slaveReadEnable) {
      suggestWhichBrokerId = result.suggestPullingFromSlave ? sg.whichBrokerWhenConsumeSlowly : sg.brokerId;
    } else {
      suggestWhichBrokerId = MixAll.MASTER_ID;
    }
    // (A slave without slaveReadEnable sets PULL_RETRY_IMMEDIATELY in Java, but the status mapping below overrides it.)
    let code = pullStatusCode(result.status, h.queueOffset);
    ctx.stats.onPull(code, h.consumerGroup, h.topic, h.queueId, result.messages, result.bufferTotalSize, beginMs, brokerAllowSuspend, request.extFields[COMMERCIAL_OWNER]);
    let response: RemotingCommand | undefined;
    const isSlave = config.brokerRole === 'SLAVE';

    switch (code) {
      case ResponseCode.SUCCESS:
        response = this.respond(request, code, result, suggestWhichBrokerId, concatMessages(result));
        break;
      case ResponseCode.PULL_NOT_FOUND:
        if (brokerAllowSuspend && hasSuspendFlag) {
          const pollingTimeMills = config.longPollingEnable ? suspendTimeoutMillis : config.shortPollingTimeMills;
          ctx.pullHold.suspendPullRequest(h.topic, h.queueId, {
            request,
            channel,
            timeoutMillis: pollingTimeMills,
            suspendTimestamp: Date.now(),
            pullFromThisOffset: h.queueOffset,
            filter,
            sqlFilter: sub.expressionType !== ExpressionType.TAG && sub.sql !== undefined,
          });
          response = undefined;
          break;
        }
        response = this.respond(request, code, result, suggestWhichBrokerId);
        break;
      case ResponseCode.PULL_OFFSET_MOVED:
        if (!isSlave) {
          this.generateOffsetMovedEvent(h.consumerGroup, h.topic, h.queueId, h.queueOffset, result.nextBeginOffset);
          this.log.warn(
            { topic: h.topic, group: h.consumerGroup, requestOffset: h.queueOffset, newOffset: result.nextBeginOffset, suggestWhichBrokerId },
            'PULL_OFFSET_MOVED:correction offset',
          );
        } else {
          suggestWhichBrokerId = sg.brokerId;
          code = ResponseCode.PULL_RETRY_IMMEDIATELY;
        }
        response = this.respond(request, code, result, suggestWhichBrokerId);
        break;
      default:
        response = this.respond(request, code, result, suggestWhichBrokerId);
        break;
    }

    if (brokerAllowSuspend && hasCommitOffsetFlag && !isSlave) {
      ctx.offsets.commitOffset(channel.remoteAddress, h.consumerGroup, h.topic, h.queueId, h.commitOffset);
    }
    return response;
  }

  private respond(request: RemotingCommand, code: number, r: GetMessageResult, suggestWhichBrokerId: number, body?: Buffer): RemotingCommand {
    // Key order of Java's HashMap for these four names.
    return createResponse(
      request,
      code,
      r.status,
      {
        suggestWhichBrokerId: formatJavaLong(suggestWhichBrokerId),
        nextBeginOffset: formatJavaLong(r.nextBeginOffset),
        maxOffset: formatJavaLong(r.maxOffset),
        minOffset: formatJavaLong(r.minOffset),
      },
      body,
    );
  }

  /** An OffsetMovedEvent message on OFFSET_MOVED_EVENT, for tools that watch offset corrections. */
  private generateOffsetMovedEvent(group: string, topic: string, queueId: number, offsetRequest: number, offsetNew: number): void {
    const ctx = this.ctx;
    const body = Buffer.from(
      stringifyRmqJson({
        consumerGroup: group,
        messageQueue: messageQueueJson({ topic, brokerName: ctx.config.brokerName, queueId }),
        offsetNew,
        offsetRequest,
      }),
      'utf8',
    );
    ctx.store
      .putMessage({
        topic: SystemTopic.RMQ_SYS_OFFSET_MOVED_EVENT,
        queueId: 0,
        body,
        properties: encodeProperties({ TAGS: group, DELAY: '0', KEYS: group }),
        bornTimestamp: Date.now(),
        bornHost: ctx.brokerAddr,
        storeHost: ctx.brokerAddr,
      })
      .catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'generateOffsetMovedEvent failed'));
  }
}

/** The pull body: the records back to back (the remoting layer sends one body buffer, so they are joined once here). */
function concatMessages(r: GetMessageResult): Buffer {
  const msgs = r.messages;
  if (msgs.length === 1) return Buffer.from(msgs[0]!);
  return Buffer.concat(msgs as Buffer[], r.bufferTotalSize);
}
