/**
 * A FAKE NameServer and broker(s) for the client's wire-level tests: real
 * RemotingServers on 127.0.0.1 port 0 that implement just enough of the 4.9
 * behaviour to exercise the client over TCP (routes, heartbeats, consumer
 * lists with NOTIFY_CONSUMER_IDS_CHANGED, send/batch/reply, long-polling
 * pulls from in-memory queues with tag filtering, offsets, queue locks,
 * send-back to retry/DLQ topics, half messages with check-back, delay
 * levels on a short test table). It is NOT the project's broker: no store,
 * no SQL92, no replication. The real-broker tests live next to this.
 */
import {
  MessageConst,
  MixAll,
  PullSysFlag,
  RequestCode,
  ResponseCode,
  createRequest,
  createResponse,
  decodeAnySendMessageRequestHeader,
  decodeBatch,
  decodeConsumerSendMsgBackRequestHeader,
  decodeEndTransactionRequestHeader,
  decodeGetConsumerListByGroupRequestHeader,
  decodeGetMaxOffsetRequestHeader,
  decodeGetRouteInfoRequestHeader,
  decodeHeartbeatData,
  decodeLockBatchRequestBody,
  decodeProperties,
  decodePullMessageRequestHeader,
  decodeQueryConsumerOffsetRequestHeader,
  decodeSearchOffsetRequestHeader,
  decodeUnregisterClientRequestHeader,
  decodeUpdateConsumerOffsetRequestHeader,
  encodeCheckTransactionStateRequestHeader,
  encodeConsumerIdList,
  encodeLockBatchResponseBody,
  encodeNotifyConsumerIdsChangedRequestHeader,
  encodeOffsetResponseHeader,
  encodeProperties,
  encodePullMessageResponseHeader,
  encodeRecord,
  encodeReplyMessageRequestHeader,
  encodeSendMessageResponseFields,
  encodeTopicRouteData,
  getDLQTopic,
  getReplyTopic,
  getRetryTopic,
  isRetryTopic,
  javaStringHashCode,
  measureRecord,
  messageQueueKey,
  createOffsetMsgId,
} from '@rocketmq-ts/protocol';
import type { ConsumerData, MessageQueue, RemotingCommand, TopicRouteData } from '@rocketmq-ts/protocol';
import { RemotingServer } from '@rocketmq-ts/remoting';
import type { Channel } from '@rocketmq-ts/remoting';

export const CLUSTER = 'FakeCluster';

export interface StoredMsg {
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly commitLogOffset: number;
  readonly properties: Record<string, string>;
  readonly body: Buffer;
  readonly sysFlag: number;
  readonly flag: number;
  readonly reconsumeTimes: number;
  readonly storeTimestamp: number;
  readonly record: Buffer;
}

interface HeldPull {
  readonly channel: Channel;
  readonly request: RemotingCommand;
  readonly timer: NodeJS.Timeout;
  readonly key: string;
}

interface ClientInfo {
  channel: Channel;
  producerGroups: Set<string>;
  consumers: Map<string, ConsumerData>;
}

export interface TopicSpec {
  readonly queues: number;
  /** Broker names hosting the topic; all by default. */
  readonly brokers?: readonly string[];
  readonly perm?: number;
}

/** Fault injection: answer the next `times` sends with `code`. */
export interface SendFault {
  code: number;
  times: number;
  delayMs?: number;
}

export class FakeBroker {
  readonly server = new RemotingServer();
  addr = '';
  readonly queues = new Map<string, StoredMsg[]>();
  readonly offsets = new Map<string, number>();
  readonly clients = new Map<string, ClientInfo>();
  readonly locks = new Map<string, { clientId: string; at: number }>();
  readonly codes: number[] = [];
  /** Header encoding of each request, by request code (last seen). */
  readonly encodings = new Map<number, number>();
  readonly endTransactions: Array<ReturnType<typeof decodeEndTransactionRequestHeader>> = [];
  readonly sendBacks: Array<ReturnType<typeof decodeConsumerSendMsgBackRequestHeader>> = [];
  sendFault: SendFault | undefined;
  /** Reply to CONSUMER_SEND_MSG_BACK with this code instead of handling it. */
  sendBackFailCode: number | undefined;
  /** Half messages not committed within this time get a CHECK_TRANSACTION_STATE. */
  transactionCheckAfterMs = 300;
  /** Delay of each level (index = level - 1), scaled down for tests. */
  delayLevelsMs = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700, 1800];
  private readonly half = new Map<number, { msg: StoredMsg; group: string; timer: NodeJS.Timeout | undefined }>();
  private readonly held = new Set<HeldPull>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private commitLogOffset = 0;

  constructor(
    readonly name: string,
    private readonly cluster: FakeCluster,
  ) {
    const s = this.server;
    const on = (code: number, h: (req: RemotingCommand, ch: Channel) => RemotingCommand | undefined): void => {
      s.registerProcessor(code, (req, ch) => {
        this.codes.push(req.code);
        this.encodings.set(req.code, req.serializeType);
        return h(req, ch);
      });
    };
    on(RequestCode.HEART_BEAT, (req, ch) => this.heartbeat(req, ch));
    on(RequestCode.UNREGISTER_CLIENT, (req) => {
      const h = decodeUnregisterClientRequestHeader(req.extFields);
      const c = this.clients.get(h.clientID);
      if (c !== undefined) {
        if (h.consumerGroup !== undefined) {
          c.consumers.delete(h.consumerGroup);
          this.notifyGroup(h.consumerGroup);
        }
        if (h.producerGroup !== undefined) c.producerGroups.delete(h.producerGroup);
      }
      return createResponse(req, ResponseCode.SUCCESS);
    });
    on(RequestCode.GET_CONSUMER_LIST_BY_GROUP, (req) => {
      const h = decodeGetConsumerListByGroupRequestHeader(req.extFields);
      return createResponse(req, ResponseCode.SUCCESS, undefined, {}, encodeConsumerIdList({ consumerIdList: this.consumerIds(h.consumerGroup) }));
    });
    for (const code of [RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_BATCH_MESSAGE, RequestCode.SEND_REPLY_MESSAGE_V2, RequestCode.SEND_MESSAGE]) {
      s.registerProcessor(code, (req, ch) => {
        this.codes.push(req.code);
        this.encodings.set(req.code, req.serializeType);
        return this.send(req, ch);
      });
    }
    on(RequestCode.PULL_MESSAGE, (req, ch) => this.pull(req, ch, true));
    on(RequestCode.QUERY_CONSUMER_OFFSET, (req) => {
      const h = decodeQueryConsumerOffsetRequestHeader(req.extFields);
      const v = this.offsets.get(`${h.consumerGroup}@${h.topic}@${h.queueId}`);
      if (v === undefined) return createResponse(req, ResponseCode.QUERY_NOT_FOUND, 'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first');
      return createResponse(req, ResponseCode.SUCCESS, undefined, encodeOffsetResponseHeader({ offset: v }));
    });
    on(RequestCode.UPDATE_CONSUMER_OFFSET, (req) => {
      const h = decodeUpdateConsumerOffsetRequestHeader(req.extFields);
      this.offsets.set(`${h.consumerGroup}@${h.topic}@${h.queueId}`, h.commitOffset);
      return createResponse(req, ResponseCode.SUCCESS);
    });
    on(RequestCode.GET_MAX_OFFSET, (req) => {
      const h = decodeGetMaxOffsetRequestHeader(req.extFields);
      return createResponse(req, ResponseCode.SUCCESS, undefined, encodeOffsetResponseHeader({ offset: this.queue(h.topic, h.queueId).length }));
    });
    on(RequestCode.GET_MIN_OFFSET, (req) => createResponse(req, ResponseCode.SUCCESS, undefined, encodeOffsetResponseHeader({ offset: 0 })));
    on(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, (req) => {
      const h = decodeSearchOffsetRequestHeader(req.extFields);
      const q = this.queue(h.topic, h.queueId);
      const i = q.findIndex((m) => m.storeTimestamp >= h.timestamp);
      return createResponse(req, ResponseCode.SUCCESS, undefined, encodeOffsetResponseHeader({ offset: i === -1 ? q.length : i }));
    });
    on(RequestCode.LOCK_BATCH_MQ, (req) => {
      const b = decodeLockBatchRequestBody(req.body!);
      const ok: MessageQueue[] = [];
      const now = Date.now();
      for (const mq of b.mqSet) {
        const key = `${b.consumerGroup}@${messageQueueKey(mq)}`;
        const cur = this.locks.get(key);
        if (cur === undefined || cur.clientId === b.clientId || now - cur.at > 60_000) {
          this.locks.set(key, { clientId: b.clientId, at: now });
          ok.push(mq);
        }
      }
      return createResponse(req, ResponseCode.SUCCESS, undefined, {}, encodeLockBatchResponseBody({ lockOKMQSet: ok }));
    });
    on(RequestCode.UNLOCK_BATCH_MQ, (req) => {
      const b = decodeLockBatchRequestBody(req.body!);
      for (const mq of b.mqSet) {
        const key = `${b.consumerGroup}@${messageQueueKey(mq)}`;
        if (this.locks.get(key)?.clientId === b.clientId) this.locks.delete(key);
      }
      return createResponse(req, ResponseCode.SUCCESS);
    });
    on(RequestCode.CONSUMER_SEND_MSG_BACK, (req) => this.sendBack(req));
    on(RequestCode.END_TRANSACTION, (req) => {
      const h = decodeEndTransactionRequestHeader(req.extFields);
      this.endTransactions.push(h);
      const half = this.half.get(h.commitLogOffset);
      if (half !== undefined && h.commitOrRollback !== 0) {
        clearTimeout(half.timer);
        this.half.delete(h.commitLogOffset);
        if (h.commitOrRollback === 8) {
          const props = { ...half.msg.properties };
          delete props[MessageConst.PROPERTY_TRANSACTION_PREPARED];
          this.store(half.msg.topic, half.msg.queueId, props, half.msg.body, half.msg.sysFlag & ~0xc, half.msg.flag, 0);
        }
      }
      return undefined;
    });
    on(RequestCode.CHECK_CLIENT_CONFIG, (req) => createResponse(req, ResponseCode.SUCCESS));
    s.on('channelClose', (ch) => {
      for (const [id, c] of this.clients) {
        if (c.channel === ch) {
          this.clients.delete(id);
          for (const g of c.consumers.keys()) this.notifyGroup(g);
        }
      }
    });
  }

  async listen(): Promise<void> {
    const port = await this.server.listen(0, '127.0.0.1');
    this.addr = `127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const h of this.half.values()) clearTimeout(h.timer);
    for (const h of this.held) clearTimeout(h.timer);
    await this.server.close();
  }

  queue(topic: string, queueId: number): StoredMsg[] {
    const key = `${topic}#${queueId}`;
    let q = this.queues.get(key);
    if (q === undefined) {
      q = [];
      this.queues.set(key, q);
    }
    return q;
  }

  /** All stored messages of a topic, queue by queue. */
  messages(topic: string): StoredMsg[] {
    const out: StoredMsg[] = [];
    for (const [key, q] of this.queues) if (key.startsWith(`${topic}#`)) out.push(...q);
    return out;
  }

  consumerIds(group: string): string[] {
    return [...this.clients].filter(([, c]) => c.consumers.has(group)).map(([id]) => id);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private heartbeat(req: RemotingCommand, ch: Channel): RemotingCommand {
    const hb = decodeHeartbeatData(req.body!);
    let c = this.clients.get(hb.clientID);
    if (c === undefined) {
      c = { channel: ch, producerGroups: new Set(), consumers: new Map() };
      this.clients.set(hb.clientID, c);
    }
    c.channel = ch;
    for (const p of hb.producerDataSet) c.producerGroups.add(p.groupName);
    for (const cd of hb.consumerDataSet) {
      const isNew = !c.consumers.has(cd.groupName);
      c.consumers.set(cd.groupName, cd);
      if (isNew) this.notifyGroup(cd.groupName);
    }
    return createResponse(req, ResponseCode.SUCCESS);
  }

  private notifyGroup(group: string): void {
    for (const c of this.clients.values()) {
      if (!c.consumers.has(group)) continue;
      void c.channel
        .invokeOneway(createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, encodeNotifyConsumerIdsChangedRequestHeader({ consumerGroup: group }), undefined, { oneway: true }))
        .catch(() => undefined);
    }
  }

  /** Appends a message to a queue and wakes held pulls. */
  store(topic: string, queueId: number, properties: Record<string, string>, body: Buffer, sysFlag: number, flag: number, reconsumeTimes: number, bornHost = '127.0.0.1:1'): StoredMsg {
    const q = this.queue(topic, queueId);
    const props = { ...properties, [MessageConst.PROPERTY_CLUSTER]: CLUSTER };
    const text = encodeProperties(props);
    const input = {
      topic, queueId, flag, queueOffset: q.length, physicalOffset: this.commitLogOffset, sysFlag, bornTimestamp: Date.now(), bornHost,
      storeTimestamp: Date.now(), storeHost: this.addr, reconsumeTimes, preparedTransactionOffset: 0, body, properties: text,
    };
    const record = Buffer.alloc(measureRecord(input));
    encodeRecord(record, 0, input);
    const msg: StoredMsg = { topic, queueId, queueOffset: q.length, commitLogOffset: this.commitLogOffset, properties: props, body, sysFlag, flag, reconsumeTimes, storeTimestamp: input.storeTimestamp, record };
    this.commitLogOffset += record.length;
    if ((sysFlag & 0xc) !== 4) {
      q.push(msg);
      this.wake(`${topic}#${queueId}`);
    }
    return msg;
  }

  private byCommitLogOffset(offset: number): StoredMsg | undefined {
    for (const q of this.queues.values()) for (const m of q) if (m.commitLogOffset === offset) return m;
    return undefined;
  }

  private send(req: RemotingCommand, ch: Channel): RemotingCommand | undefined {
    const f = this.sendFault;
    if (f !== undefined && f.times > 0) {
      f.times--;
      const answer = createResponse(req, f.code, 'injected failure');
      if (f.delayMs !== undefined) {
        this.later(f.delayMs, () => ch.send({ ...answer, opaque: req.opaque }));
        return undefined;
      }
      return answer;
    }
    const h = decodeAnySendMessageRequestHeader(req.code, req.extFields);
    const topic = h.topic;
    if (!this.cluster.topicExistsOn(topic, this.name) && !this.cluster.autoCreateTopic) {
      return createResponse(req, ResponseCode.TOPIC_NOT_EXIST, `topic[${topic}] not exist, apply first please!`);
    }
    const props = decodeProperties(h.properties ?? '');
    if (req.code === RequestCode.SEND_REPLY_MESSAGE_V2) return this.pushReply(req, h, props, ch);
    let target = topic;
    let queueId = h.queueId;
    const reconsumeTimes = h.reconsumeTimes ?? 0;
    if (isRetryTopic(topic) && h.maxReconsumeTimes !== undefined && reconsumeTimes > h.maxReconsumeTimes) {
      target = getDLQTopic(topic.slice(MixAll.RETRY_GROUP_TOPIC_PREFIX.length));
      queueId = 0;
    } else if (isRetryTopic(topic)) {
      queueId = 0;
    }
    const delay = Number(props[MessageConst.PROPERTY_DELAY_TIME_LEVEL] ?? '0');
    if (h.batch) {
      let first: StoredMsg | undefined;
      for (const m of decodeBatch(req.body!)) {
        const s = this.store(target, queueId, { ...m.properties }, m.body, 0, m.flag, 0, ch.remoteAddress);
        first ??= s;
      }
      return this.sendOk(req, first!, undefined);
    }
    const body = req.body ?? Buffer.alloc(0);
    if (delay > 0) {
      const ms = this.delayLevelsMs[Math.min(delay, this.delayLevelsMs.length) - 1] ?? 0;
      const placeholder = this.store('SCHEDULE_TOPIC_XXXX', delay - 1, props, body, h.sysFlag, h.flag, reconsumeTimes, ch.remoteAddress);
      this.later(ms, () => {
        const p = { ...props };
        delete p[MessageConst.PROPERTY_DELAY_TIME_LEVEL];
        this.store(target, queueId, p, body, h.sysFlag, h.flag, reconsumeTimes, ch.remoteAddress);
      });
      return this.sendOk(req, { ...placeholder, topic: target, queueId }, undefined);
    }
    const stored = this.store(target, queueId, props, body, h.sysFlag, h.flag, reconsumeTimes, ch.remoteAddress);
    if ((h.sysFlag & 0xc) === 4) {
      const group = props[MessageConst.PROPERTY_PRODUCER_GROUP] ?? h.producerGroup;
      const entry = { msg: stored, group, timer: undefined as NodeJS.Timeout | undefined };
      const check = (): void => {
        if (!this.half.has(stored.commitLogOffset)) return;
        for (const c of this.clients.values()) {
          if (!c.producerGroups.has(group)) continue;
          const header = encodeCheckTransactionStateRequestHeader({
            tranStateTableOffset: stored.queueOffset,
            commitLogOffset: stored.commitLogOffset,
            msgId: props[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX],
            transactionId: props[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX],
            offsetMsgId: createOffsetMsgId(this.addr, stored.commitLogOffset),
          });
          void c.channel.invokeOneway(createRequest(RequestCode.CHECK_TRANSACTION_STATE, header, stored.record, { oneway: true })).catch(() => undefined);
          break;
        }
        entry.timer = setTimeout(check, this.transactionCheckAfterMs);
      };
      entry.timer = setTimeout(check, this.transactionCheckAfterMs);
      this.half.set(stored.commitLogOffset, entry);
      return this.sendOk(req, stored, props[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX]);
    }
    return this.sendOk(req, stored, undefined);
  }

  private sendOk(req: RemotingCommand, stored: StoredMsg, transactionId: string | undefined): RemotingCommand {
    const fields = encodeSendMessageResponseFields({
      msgId: createOffsetMsgId(this.addr, stored.commitLogOffset),
      queueId: stored.queueId,
      queueOffset: stored.queueOffset,
      ...(transactionId === undefined ? {} : { transactionId }),
    });
    return createResponse(req, ResponseCode.SUCCESS, undefined, fields);
  }

  private pushReply(req: RemotingCommand, h: ReturnType<typeof decodeAnySendMessageRequestHeader>, props: Record<string, string>, ch: Channel): RemotingCommand {
    const to = props[MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT];
    const client = to === undefined ? undefined : this.clients.get(to);
    const stored = this.store(h.topic, h.queueId, props, req.body ?? Buffer.alloc(0), h.sysFlag, h.flag, 0, ch.remoteAddress);
    if (client === undefined) return createResponse(req, ResponseCode.SYSTEM_ERROR, `push reply message fail, channel of <${to}> not found.`);
    const header = encodeReplyMessageRequestHeader({
      producerGroup: h.producerGroup,
      topic: h.topic,
      defaultTopic: h.defaultTopic,
      defaultTopicQueueNums: h.defaultTopicQueueNums,
      queueId: h.queueId,
      sysFlag: h.sysFlag,
      bornTimestamp: h.bornTimestamp,
      flag: h.flag,
      properties: encodeProperties({ ...props, [MessageConst.PROPERTY_PUSH_REPLY_TIME]: String(Date.now()) }),
      reconsumeTimes: 0,
      unitMode: false,
      bornHost: ch.remoteAddress,
      storeHost: this.addr,
      storeTimestamp: Date.now(),
    });
    void client.channel.invoke(createRequest(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, header, req.body), 3000).catch(() => undefined);
    return this.sendOk(req, stored, undefined);
  }

  private sendBack(req: RemotingCommand): RemotingCommand {
    const h = decodeConsumerSendMsgBackRequestHeader(req.extFields);
    this.sendBacks.push(h);
    if (this.sendBackFailCode !== undefined) return createResponse(req, this.sendBackFailCode, 'injected send-back failure');
    const m = this.byCommitLogOffset(h.offset);
    if (m === undefined) return createResponse(req, ResponseCode.SYSTEM_ERROR, 'look message by offset failed');
    const props = { ...m.properties };
    props[MessageConst.PROPERTY_RETRY_TOPIC] ??= m.topic;
    props[MessageConst.PROPERTY_ORIGIN_MESSAGE_ID] ??= h.originMsgId ?? '';
    const times = m.reconsumeTimes + 1;
    const max = h.maxReconsumeTimes ?? 16;
    if (times > max || h.delayLevel < 0) {
      this.store(getDLQTopic(h.group), 0, props, m.body, m.sysFlag, m.flag, times);
      return createResponse(req, ResponseCode.SUCCESS);
    }
    const level = h.delayLevel === 0 ? 3 + m.reconsumeTimes : h.delayLevel;
    const ms = this.delayLevelsMs[Math.min(level, this.delayLevelsMs.length) - 1] ?? 0;
    this.later(ms, () => this.store(getRetryTopic(h.group), 0, props, m.body, m.sysFlag, m.flag, times));
    return createResponse(req, ResponseCode.SUCCESS);
  }

  private subscriptionFor(group: string, topic: string): { tags: Set<number> | undefined } {
    for (const c of this.clients.values()) {
      const sub = c.consumers.get(group)?.subscriptionDataSet.find((s) => s.topic === topic);
      if (sub !== undefined) return { tags: sub.codeSet.length > 0 ? new Set(sub.codeSet) : undefined };
    }
    return { tags: undefined };
  }

  private pull(req: RemotingCommand, ch: Channel, mayHold: boolean): RemotingCommand | undefined {
    const h = decodePullMessageRequestHeader(req.extFields);
    const key = `${h.topic}#${h.queueId}`;
    const q = this.queue(h.topic, h.queueId);
    if ((h.sysFlag & PullSysFlag.FLAG_COMMIT_OFFSET) !== 0) this.offsets.set(`${h.consumerGroup}@${h.topic}@${h.queueId}`, h.commitOffset);
    const header = (next: number): Record<string, string> =>
      encodePullMessageResponseHeader({ suggestWhichBrokerId: 0, nextBeginOffset: next, minOffset: 0, maxOffset: q.length });
    if (h.queueOffset > q.length || h.queueOffset < 0) return createResponse(req, ResponseCode.PULL_OFFSET_MOVED, 'offset moved', header(q.length));
    let tags: Set<number> | undefined;
    if ((h.sysFlag & PullSysFlag.FLAG_SUBSCRIPTION) !== 0 && h.subscription !== undefined && h.subscription !== '*' && h.subscription !== '') {
      tags = new Set(h.subscription.split('||').map((t) => javaStringHashCode(t.trim())).filter((c) => c !== 0));
    } else {
      tags = this.subscriptionFor(h.consumerGroup, h.topic).tags;
    }
    const found: Buffer[] = [];
    let next = h.queueOffset;
    for (; next < q.length && found.length < h.maxMsgNums; next++) {
      const m = q[next]!;
      const t = m.properties[MessageConst.PROPERTY_TAGS];
      if (tags !== undefined && (t === undefined || !tags.has(javaStringHashCode(t)))) continue;
      found.push(m.record);
    }
    if (found.length > 0) return createResponse(req, ResponseCode.SUCCESS, undefined, header(next), Buffer.concat(found));
    if (next > h.queueOffset) return createResponse(req, ResponseCode.PULL_RETRY_IMMEDIATELY, 'no matched message', header(next));
    if (mayHold && (h.sysFlag & PullSysFlag.FLAG_SUSPEND) !== 0 && h.suspendTimeoutMillis > 0) {
      const held: HeldPull = {
        channel: ch,
        request: req,
        key,
        timer: setTimeout(() => this.release(held), Math.min(h.suspendTimeoutMillis, this.cluster.maxHoldMs)),
      };
      this.held.add(held);
      return undefined;
    }
    return createResponse(req, ResponseCode.PULL_NOT_FOUND, 'no new message', header(h.queueOffset));
  }

  private release(held: HeldPull): void {
    if (!this.held.delete(held)) return;
    clearTimeout(held.timer);
    const response = this.pull(held.request, held.channel, false);
    if (response !== undefined && held.channel.isOpen) {
      response.opaque = held.request.opaque;
      held.channel.send(response);
    }
  }

  private wake(key: string): void {
    for (const h of [...this.held]) if (h.key === key) this.release(h);
  }
}

export interface FakeClusterOptions {
  readonly brokers?: number;
  readonly topics?: Readonly<Record<string, TopicSpec>>;
  readonly autoCreateTopic?: boolean;
}

export class FakeCluster {
  readonly namesrv = new RemotingServer();
  readonly brokers: FakeBroker[] = [];
  readonly topics = new Map<string, TopicSpec>();
  nameServer = '';
  autoCreateTopic: boolean;
  /** Longest a pull is held (real brokers hold up to the client's 15 s). */
  maxHoldMs = 15_000;
  routeRequests = 0;

  private constructor(options: FakeClusterOptions) {
    this.autoCreateTopic = options.autoCreateTopic ?? false;
    for (const [t, s] of Object.entries(options.topics ?? {})) this.topics.set(t, s);
    this.namesrv.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, (req) => {
      this.routeRequests++;
      const { topic } = decodeGetRouteInfoRequestHeader(req.extFields);
      const route = this.route(topic);
      if (route === undefined) return createResponse(req, ResponseCode.TOPIC_NOT_EXIST, `No topic route info in name server for the topic: ${topic}`);
      return createResponse(req, ResponseCode.SUCCESS, undefined, {}, encodeTopicRouteData(route, 'standard'));
    });
  }

  static async start(options: FakeClusterOptions = {}): Promise<FakeCluster> {
    const c = new FakeCluster(options);
    const port = await c.namesrv.listen(0, '127.0.0.1');
    c.nameServer = `127.0.0.1:${port}`;
    for (let i = 0; i < (options.brokers ?? 1); i++) {
      const b = new FakeBroker(`broker-${String.fromCharCode(97 + i)}`, c);
      await b.listen();
      c.brokers.push(b);
    }
    return c;
  }

  broker(name: string): FakeBroker {
    const b = this.brokers.find((x) => x.name === name);
    if (b === undefined) throw new Error(`no broker ${name}`);
    return b;
  }

  topicExistsOn(topic: string, broker: string): boolean {
    if (isRetryTopic(topic) || topic.startsWith('%DLQ%') || topic === getReplyTopic(CLUSTER)) return true;
    const spec = this.topics.get(topic);
    return spec !== undefined && (spec.brokers === undefined || spec.brokers.includes(broker));
  }

  route(topic: string): TopicRouteData | undefined {
    let spec = this.topics.get(topic);
    if (spec === undefined && (isRetryTopic(topic) || topic === getReplyTopic(CLUSTER))) spec = { queues: 1 };
    if (spec === undefined && topic === 'TBW102' && this.autoCreateTopic) spec = { queues: 8 };
    if (spec === undefined) return undefined;
    const hosts = this.brokers.filter((b) => spec.brokers === undefined || spec.brokers.includes(b.name));
    return {
      queueDatas: hosts.map((b) => ({ brokerName: b.name, readQueueNums: spec.queues, writeQueueNums: spec.queues, perm: spec.perm ?? 6, topicSysFlag: 0 })),
      brokerDatas: hosts.map((b) => ({ cluster: CLUSTER, brokerName: b.name, brokerAddrs: new Map([[0, b.addr]]) })),
      filterServerTable: new Map(),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.brokers.map((b) => b.close()));
    await this.namesrv.close();
  }
}

/** Polls `condition` until true or `timeoutMs` passes. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
