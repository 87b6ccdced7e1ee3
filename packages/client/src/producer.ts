/**
 * Producer (Java's DefaultMQProducer / DefaultMQProducerImpl): route lookup,
 * queue selection with optional latency fault avoidance, retries on another
 * broker, compression, batches, ordered sends through a selector,
 * request-reply; and TransactionProducer for half messages with a local
 * transaction and the broker's check-back.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, RmqError, errorMessage, isRmqError } from '@rocketmq-ts/common';
import type { Logger } from '@rocketmq-ts/common';
import {
  MessageConst,
  MessageSysFlag,
  MixAll,
  RequestCode,
  ResponseCode,
  UniqueIdGenerator,
  createRequest,
  decodeOffsetMsgId,
  decodeSendMessageResponseHeader,
  encodeProperties,
  encodeSendMessageRequestHeaderV2,
  getReplyTopic,
  isRetryTopic,
} from '@rocketmq-ts/protocol';
import type { CheckTransactionStateRequestHeader, MessageQueue, RemotingCommand, TopicRouteData } from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import { argumentError, noRouteError, responseError, stateError } from './errors.js';
import { FaultStrategy } from './fault.js';
import { ClientInstance } from './instance.js';
import type { ProducerInner } from './instance.js';
import {
  COMPRESSED_ZLIB_SYSFLAG,
  bodyBytes,
  compressBody,
  messageProperties,
  prepareBatch,
  sendHeaderV2,
  validateMessage,
} from './message.js';
import type { Message, ReceivedMessage } from './message.js';
import { instanceNameAtStart, parseProducerOptions } from './options.js';
import type { ProducerInit, ProducerOptions } from './options.js';
import { TopicPublishInfo } from './route.js';

export const SendStatus = {
  SEND_OK: 'SEND_OK',
  FLUSH_DISK_TIMEOUT: 'FLUSH_DISK_TIMEOUT',
  FLUSH_SLAVE_TIMEOUT: 'FLUSH_SLAVE_TIMEOUT',
  SLAVE_NOT_AVAILABLE: 'SLAVE_NOT_AVAILABLE',
} as const;
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];

export interface SendResult {
  /** SEND_OK, or a stored-but-not-as-asked status (flush or replication timeout, no slave). */
  readonly sendStatus: SendStatus;
  /** The message's unique id (UNIQ_KEY); for a batch, the ids joined with ",". */
  readonly msgId: string;
  /** Store host and commit log offset, hex (the broker's id). */
  readonly offsetMsgId: string;
  readonly messageQueue: MessageQueue;
  readonly queueOffset: number;
  readonly transactionId: string | undefined;
  /** The broker's region (MSG_REGION), "DefaultRegion" when it sent none. */
  readonly regionId: string;
  readonly traceOn: boolean;
}

/** Picks the queue of an ordered message, e.g. by hashing a business key. */
export type MessageQueueSelector = (queues: readonly MessageQueue[], message: Message, arg: unknown) => MessageQueue;

export interface SendOptions {
  /** Overall time for the send, retries included. @defaultValue sendMsgTimeout */
  readonly timeout?: number;
  /** Send to this queue (no retry on another queue, as Java's send(msg, mq)). */
  readonly queue?: MessageQueue;
  /** Choose the queue (ordered messages; no retry on another queue, as Java's send(msg, selector, arg)). */
  readonly selector?: MessageQueueSelector;
  /** Passed to the selector. */
  readonly arg?: unknown;
}

export type Mode = 'SYNC' | 'ASYNC' | 'ONEWAY';

/** A message in wire form, ready for any queue. */
export interface Prepared {
  readonly topic: string;
  readonly body: Buffer;
  readonly properties: string;
  readonly sysFlag: number;
  readonly flag: number;
  readonly msgId: string;
  readonly batch: boolean;
  readonly reply: boolean;
  readonly reconsumeTimes?: number;
  readonly maxReconsumeTimes?: number;
}

const idGenerators = new Map<string, UniqueIdGenerator>();

/** One UNIQ_KEY generator per client ip in the process, as Java's static MessageClientIDSetter. */
function idGeneratorFor(ip: string): UniqueIdGenerator {
  let g = idGenerators.get(ip);
  if (g === undefined) {
    try {
      g = new UniqueIdGenerator({ ip });
    } catch {
      g = new UniqueIdGenerator();
    }
    idGenerators.set(ip, g);
  }
  return g;
}

function now(): number {
  return Date.now();
}

export class Producer {
  private opts: ProducerOptions;
  protected readonly log: Logger;
  protected instanceValue: ClientInstance | undefined;
  private state: 'CREATED' | 'RUNNING' | 'SHUTDOWN' = 'CREATED';
  private readonly publishInfo = new Map<string, TopicPublishInfo | undefined>();
  private readonly fault: FaultStrategy;
  private readonly ids: UniqueIdGenerator;
  private readonly inner: ProducerInner;

  constructor(init: ProducerInit) {
    this.opts = parseProducerOptions(init);
    this.log = this.options.logger.child({ component: 'producer', group: this.options.group });
    this.fault = new FaultStrategy(this.options);
    this.ids = idGeneratorFor(this.options.clientIP);
    this.inner = {
      group: this.options.group,
      publishTopics: () => [...this.publishInfo.keys()],
      isPublishTopicNeedUpdate: (topic) => this.publishInfo.has(topic) && !(this.publishInfo.get(topic)?.ok() ?? false),
      updateTopicPublishInfo: (topic, route) => this.updateTopicPublishInfo(topic, route),
      checkTransactionState: (channel, msg, header) => this.checkTransactionState(channel, msg, header),
    };
  }

  /** The options in use (instanceName as start() resolved it). */
  get options(): ProducerOptions {
    return this.opts;
  }

  /** The client id (`clientIP@instanceName`) this producer registers with brokers. */
  get clientId(): string {
    return `${this.options.clientIP}@${this.options.instanceName}`;
  }

  async start(): Promise<void> {
    if (this.state === 'RUNNING') return;
    if (this.state === 'SHUTDOWN') throw stateError('the producer was shut down; create a new one');
    // Java leaves the instance name of its inner producer alone: that one shares its consumer's instance.
    if (this.opts.group !== MixAll.CLIENT_INNER_PRODUCER_GROUP) this.opts = { ...this.opts, instanceName: instanceNameAtStart(this.opts.instanceName) };
    const instance = ClientInstance.acquire(this.options);
    try {
      instance.registerProducer(this.inner);
    } catch (err) {
      await instance.release();
      throw err;
    }
    this.instanceValue = instance;
    instance.start();
    this.state = 'RUNNING';
  }

  /** Unregisters from the brokers and closes connections no other client of this process uses. */
  async shutdown(): Promise<void> {
    if (this.state !== 'RUNNING') {
      this.state = 'SHUTDOWN';
      return;
    }
    this.state = 'SHUTDOWN';
    const instance = this.instanceValue!;
    await instance.unregisterProducer(this.options.group).catch(() => undefined);
    await instance.release();
  }

  /**
   * Sends and resolves once the broker stored the message. Without a queue
   * or selector, a failure is retried up to retryTimesWhenSendFailed times,
   * on another broker when there is one, while the error is retriable and
   * time is left.
   */
  async send(message: Message, options: SendOptions = {}): Promise<SendResult> {
    const prepared = await this.prepare(message);
    const r = await this.dispatch(prepared, message, 'SYNC', options);
    return r!;
  }

  /**
   * Java's asynchronous send: one attempt plus up to
   * retryTimesWhenSendAsyncFailed more after a retriable failure. In Node
   * send() does not block either; this exists for Java's retry budget.
   */
  async sendAsync(message: Message, options: SendOptions = {}): Promise<SendResult> {
    const prepared = await this.prepare(message);
    const r = await this.dispatch(prepared, message, 'ASYNC', options);
    return r!;
  }

  /** Fire and forget: resolves once the request is written; no retry, no result. */
  async sendOneway(message: Message, options: SendOptions = {}): Promise<void> {
    const prepared = await this.prepare(message);
    await this.dispatch(prepared, message, 'ONEWAY', options);
  }

  /**
   * Sends messages of one topic as one SEND_BATCH_MESSAGE; they are stored
   * together on one queue. msgId of the result lists each message's id.
   */
  async sendBatch(messages: readonly Message[], options: SendOptions = {}): Promise<SendResult> {
    this.ensureRunning();
    const batch = prepareBatch(messages, () => this.ids.next(), this.options.maxMessageSize);
    if (batch.body.length > this.options.maxMessageSize) {
      throw argumentError(`the message body size over max value, MAX: ${this.options.maxMessageSize}`);
    }
    const prepared: Prepared = {
      topic: batch.topic,
      body: batch.body,
      properties: batch.properties,
      sysFlag: 0,
      flag: 0,
      msgId: batch.msgIds.join(','),
      batch: true,
      reply: false,
    };
    const r = await this.dispatch(prepared, messages[0]!, 'SYNC', options);
    return r!;
  }

  /**
   * Request-reply: sends with CORRELATION_ID, REPLY_TO_CLIENT and TTL and
   * resolves with the reply a consumer sends through reply(); rejects with
   * TIMEOUT when none arrives in time.
   */
  async request(message: Message, timeoutMs: number = this.options.sendMsgTimeout): Promise<ReceivedMessage> {
    const instance = this.ensureRunning();
    const begin = now();
    const correlationId = randomUUID();
    const prepared = await this.prepare(message, {
      [MessageConst.PROPERTY_CORRELATION_ID]: correlationId,
      [MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT]: instance.clientId,
      [MessageConst.PROPERTY_MESSAGE_TTL]: String(timeoutMs),
    });
    if (!instance.topicRouteTable.has(message.topic)) {
      // The broker pushes the reply over a connection it knows from our heartbeat.
      await this.tryToFindTopicPublishInfo(message.topic);
      await instance.sendHeartbeatToAllBrokers();
    }
    let timer: NodeJS.Timeout | undefined;
    let cancel: () => void = () => undefined;
    const reply = new Promise<ReceivedMessage>((resolve, reject) => {
      cancel = instance.waitReply(correlationId, { resolve });
      timer = setTimeout(() => {
        cancel();
        reject(new RmqError(ErrorCode.TIMEOUT, `send request message to <${message.topic}> OK, but wait reply message timeout, ${timeoutMs} ms.`, { retriable: true }));
      }, Math.max(1, timeoutMs - (now() - begin)));
    });
    try {
      await this.dispatch(prepared, message, 'ASYNC', { timeout: timeoutMs - (now() - begin) });
    } catch (err) {
      cancel();
      clearTimeout(timer);
      throw err;
    }
    try {
      return await reply;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Answers a message sent with request(): sends `reply` to the requester
   * through the broker (SEND_REPLY_MESSAGE_V2 on `<cluster>_REPLY_TOPIC`).
   */
  async reply(requestMessage: ReceivedMessage, reply: Pick<Message, 'body' | 'properties' | 'tags' | 'keys'>): Promise<SendResult> {
    const p = requestMessage.properties;
    const cluster = p[MessageConst.PROPERTY_CLUSTER];
    if (cluster === undefined) throw argumentError(`create reply message fail, requestMessage error, property[${MessageConst.PROPERTY_CLUSTER}] is null.`);
    const system: Record<string, string> = { [MessageConst.PROPERTY_MESSAGE_TYPE]: MixAll.REPLY_MESSAGE_FLAG };
    for (const k of [MessageConst.PROPERTY_CORRELATION_ID, MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT, MessageConst.PROPERTY_MESSAGE_TTL]) {
      const v = p[k];
      if (v !== undefined) system[k] = v;
    }
    const message: Message = { ...reply, topic: getReplyTopic(cluster) };
    const prepared = await this.prepare(message, system);
    const r = await this.dispatch(prepared, message, 'SYNC', {});
    return r!;
  }

  /** The writable queues of a topic, for choosing one yourself. */
  async fetchPublishMessageQueues(topic: string): Promise<MessageQueue[]> {
    this.ensureRunning();
    const info = await this.tryToFindTopicPublishInfo(topic);
    return info === undefined ? [] : [...info.messageQueueList];
  }

  // -------------------------------------------------------------------------

  protected ensureRunning(): ClientInstance {
    if (this.state !== 'RUNNING' || this.instanceValue === undefined) {
      throw stateError(`The producer service state not OK, ${this.state === 'CREATED' ? 'CREATE_JUST (call start() first)' : 'SHUTDOWN_ALREADY'}`);
    }
    return this.instanceValue;
  }

  /** Validates and encodes a message: properties with a fresh UNIQ_KEY, body compressed above the threshold. */
  protected async prepare(message: Message, system?: Record<string, string>): Promise<Prepared> {
    this.ensureRunning();
    const body = bodyBytes(message.body);
    validateMessage(message, body, this.options.maxMessageSize);
    const msgId = this.ids.next();
    const props = messageProperties(message, { ...system, [MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX]: msgId });
    let sysFlag = 0;
    let wire = body;
    if (body.length >= this.options.compressMsgBodyOverHowmuch) {
      wire = await compressBody(body, this.options.compressLevel);
      sysFlag |= COMPRESSED_ZLIB_SYSFLAG;
    }
    if (props.get(MessageConst.PROPERTY_TRANSACTION_PREPARED) === 'true') sysFlag |= MessageSysFlag.TRANSACTION_PREPARED_TYPE;
    return {
      topic: message.topic,
      body: wire,
      properties: encodeProperties(props),
      sysFlag,
      flag: message.flag ?? 0,
      msgId,
      batch: false,
      reply: props.get(MessageConst.PROPERTY_MESSAGE_TYPE) === MixAll.REPLY_MESSAGE_FLAG,
    };
  }

  /**
   * Internal: resends a consumed message to the group's retry topic when
   * CONSUMER_SEND_MSG_BACK failed (DefaultMQPushConsumerImpl.sendMessageBack).
   */
  async sendToRetryTopic(msg: ReceivedMessage, retryTopic: string, properties: Record<string, string>, delayLevel: number, reconsumeTimes: number, maxReconsumeTimes: number): Promise<SendResult> {
    this.ensureRunning();
    const props = new Map(Object.entries(properties));
    props.delete(MessageConst.PROPERTY_TRANSACTION_PREPARED);
    props.delete(MessageConst.PROPERTY_RECONSUME_TIME);
    props.delete(MessageConst.PROPERTY_MAX_RECONSUME_TIMES);
    props.set(MessageConst.PROPERTY_DELAY_TIME_LEVEL, String(delayLevel));
    let sysFlag = 0;
    let body = msg.body;
    if (body.length >= this.options.compressMsgBodyOverHowmuch) {
      body = await compressBody(body, this.options.compressLevel);
      sysFlag |= COMPRESSED_ZLIB_SYSFLAG;
    }
    const prepared: Prepared = {
      topic: retryTopic,
      body,
      properties: encodeProperties(props),
      sysFlag,
      flag: msg.flag,
      msgId: props.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? this.ids.next(),
      batch: false,
      reply: false,
      reconsumeTimes,
      maxReconsumeTimes,
    };
    const r = await this.dispatch(prepared, { topic: retryTopic, body }, 'SYNC', {});
    return r!;
  }

  protected async dispatch(p: Prepared, message: Message, mode: Mode, options: SendOptions): Promise<SendResult | undefined> {
    const timeout = options.timeout ?? this.options.sendMsgTimeout;
    if (options.queue !== undefined || options.selector !== undefined) return this.sendToChosenQueue(p, message, mode, options, timeout);
    return this.sendDefault(p, mode, timeout);
  }

  private async sendToChosenQueue(p: Prepared, message: Message, mode: Mode, options: SendOptions, timeout: number): Promise<SendResult | undefined> {
    const begin = now();
    const info = await this.requirePublishInfo(p.topic);
    let mq = options.queue;
    if (mq === undefined) {
      try {
        mq = options.selector!(info.messageQueueList, message, options.arg);
      } catch (err) {
        throw new RmqError(ErrorCode.ARGUMENT, `select message queue threw: ${errorMessage(err)}`, { cause: err });
      }
      if (mq === undefined || mq === null) throw argumentError('select message queue return null.');
    } else if (mq.topic !== p.topic) {
      throw argumentError('message\'s topic not equal mq\'s topic');
    }
    const left = timeout - (now() - begin);
    if (left <= 0) throw new RmqError(ErrorCode.TIMEOUT, 'sendSelectImpl call timeout', { retriable: true });
    return this.sendKernel(p, mq, mode, left);
  }

  private async requirePublishInfo(topic: string): Promise<TopicPublishInfo> {
    const info = await this.tryToFindTopicPublishInfo(topic);
    if (info === undefined || !info.ok()) throw noRouteError(`No route info of this topic: ${topic}`);
    return info;
  }

  private async sendDefault(p: Prepared, mode: Mode, timeout: number): Promise<SendResult | undefined> {
    const beginFirst = now();
    const info = await this.requirePublishInfo(p.topic);
    const attempts = mode === 'SYNC' ? 1 + this.options.retryTimesWhenSendFailed : mode === 'ASYNC' ? 1 + this.options.retryTimesWhenSendAsyncFailed : 1;
    let mq: MessageQueue | undefined;
    let lastError: unknown;
    let notStoreOk: SendResult | undefined;
    const brokersSent: string[] = [];
    let callTimeout = false;
    let times = 0;
    for (; times < attempts; times++) {
      mq = this.fault.selectOneMessageQueue(info, mq?.brokerName);
      brokersSent.push(mq.brokerName);
      const begin = now();
      const cost = begin - beginFirst;
      if (timeout < cost) {
        callTimeout = true;
        break;
      }
      try {
        const result = await this.sendKernel(p, mq, mode, timeout - cost);
        this.fault.updateFaultItem(mq.brokerName, now() - begin, false);
        if (mode === 'SYNC' && result !== undefined && result.sendStatus !== SendStatus.SEND_OK && this.options.retryAnotherBrokerWhenNotStoreOK) {
          notStoreOk = result;
          continue;
        }
        return result;
      } catch (err) {
        this.fault.updateFaultItem(mq.brokerName, now() - begin, true);
        lastError = err;
        this.log.warn({ broker: mq.brokerName, attempt: times + 1, err: errorMessage(err) }, 'send failed');
        if (isRmqError(err) && err.retriable) continue;
        if (notStoreOk !== undefined) return notStoreOk;
        throw err;
      }
    }
    if (notStoreOk !== undefined) return notStoreOk;
    const summary = `Send [${times}] times, still failed, cost [${now() - beginFirst}]ms, Topic: ${p.topic}, BrokersSent: [${brokersSent.join(', ')}]`;
    if (callTimeout && lastError === undefined) throw new RmqError(ErrorCode.TIMEOUT, `sendDefaultImpl call timeout; ${summary}`, { retriable: true });
    const last = isRmqError(lastError) ? lastError : undefined;
    throw new RmqError(last?.code ?? ErrorCode.RESPONSE, `${summary}: ${errorMessage(lastError)}`, {
      retriable: last?.retriable ?? false,
      cause: lastError,
      ...(last?.responseCode === undefined ? {} : { responseCode: last.responseCode }),
      ...(last?.remark === undefined ? {} : { remark: last.remark }),
    });
  }

  private async sendKernel(p: Prepared, mq: MessageQueue, mode: Mode, timeout: number): Promise<SendResult | undefined> {
    const instance = this.ensureRunning();
    let addr = instance.findBrokerAddressInPublish(mq.brokerName);
    if (addr === undefined) {
      await this.tryToFindTopicPublishInfo(mq.topic);
      addr = instance.findBrokerAddressInPublish(mq.brokerName);
    }
    if (addr === undefined) throw noRouteError(`The broker[${mq.brokerName}] not exist`);
    const header = sendHeaderV2({
      producerGroup: this.options.group,
      topic: p.topic,
      createTopicKey: this.options.createTopicKey,
      defaultTopicQueueNums: this.options.defaultTopicQueueNums,
      queue: mq,
      sysFlag: p.sysFlag,
      bornTimestamp: now(),
      flag: p.flag,
      properties: p.properties,
      batch: p.batch,
      ...(isRetryTopic(p.topic) && p.reconsumeTimes !== undefined ? { reconsumeTimes: p.reconsumeTimes } : {}),
      ...(isRetryTopic(p.topic) && p.maxReconsumeTimes !== undefined ? { maxReconsumeTimes: p.maxReconsumeTimes } : {}),
    });
    const code = p.reply ? RequestCode.SEND_REPLY_MESSAGE_V2 : p.batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2;
    const { serializeType, order } = instance.hotPath();
    const request = createRequest(code, encodeSendMessageRequestHeaderV2(header, order), p.body, { serializeType, oneway: mode === 'ONEWAY' });
    if (mode === 'ONEWAY') {
      await instance.remoting.invokeOneway(addr, request, timeout);
      return undefined;
    }
    const response = await instance.remoting.invoke(addr, request, timeout);
    return processSendResponse(mq, p.msgId, response, addr);
  }

  private async tryToFindTopicPublishInfo(topic: string): Promise<TopicPublishInfo | undefined> {
    const instance = this.ensureRunning();
    let info = this.publishInfo.get(topic);
    if (info === undefined || !info.ok()) {
      if (!this.publishInfo.has(topic)) this.publishInfo.set(topic, undefined);
      await instance.updateTopicRouteInfoFromNameServer(topic).catch((err: unknown) => {
        this.log.warn({ topic, err: errorMessage(err) }, 'route lookup failed');
        return false;
      });
      info = this.publishInfo.get(topic);
    }
    if (info !== undefined && info.ok()) return info;
    // Not known to the NameServer: the createTopicKey route lets the broker create it on first send.
    await instance
      .updateTopicRouteInfoFromNameServer(topic, { createTopicKey: this.options.createTopicKey, queueNums: this.options.defaultTopicQueueNums })
      .catch((err: unknown) => {
        this.log.warn({ topic, err: errorMessage(err) }, 'default route lookup failed');
        return false;
      });
    return this.publishInfo.get(topic);
  }

  private updateTopicPublishInfo(topic: string, route: TopicRouteData): void {
    if (!this.publishInfo.has(topic)) return;
    const old = this.publishInfo.get(topic);
    this.publishInfo.set(topic, new TopicPublishInfo(topic, route, old?.sendWhichQueue));
  }

  /** Overridden by TransactionProducer. */
  protected checkTransactionState(_channel: Channel, msg: ReceivedMessage, _header: CheckTransactionStateRequestHeader): void {
    this.log.warn({ msgId: msg.msgId }, 'CHECK_TRANSACTION_STATE for a producer without checkLocalTransaction; use TransactionProducer');
  }
}

export function processSendResponse(mq: MessageQueue, msgId: string, response: RemotingCommand, addr: string): SendResult {
  let sendStatus: SendStatus;
  switch (response.code) {
    case ResponseCode.FLUSH_DISK_TIMEOUT:
      sendStatus = SendStatus.FLUSH_DISK_TIMEOUT;
      break;
    case ResponseCode.FLUSH_SLAVE_TIMEOUT:
      sendStatus = SendStatus.FLUSH_SLAVE_TIMEOUT;
      break;
    case ResponseCode.SLAVE_NOT_AVAILABLE:
      sendStatus = SendStatus.SLAVE_NOT_AVAILABLE;
      break;
    case ResponseCode.SUCCESS:
      sendStatus = SendStatus.SEND_OK;
      break;
    default:
      throw responseError(response.code, response.remark, addr, 'send message');
  }
  const h = decodeSendMessageResponseHeader(response.extFields);
  const region = response.extFields[MessageConst.PROPERTY_MSG_REGION];
  return {
    sendStatus,
    msgId,
    offsetMsgId: h.msgId,
    messageQueue: { topic: mq.topic, brokerName: mq.brokerName, queueId: h.queueId },
    queueOffset: h.queueOffset,
    transactionId: h.transactionId,
    regionId: region === undefined || region.length === 0 ? MixAll.DEFAULT_TRACE_REGION_ID : region,
    traceOn: response.extFields[MessageConst.PROPERTY_TRACE_SWITCH] !== 'false',
  };
}

// ---------------------------------------------------------------------------
// Transactions

export const LocalTransactionState = {
  COMMIT_MESSAGE: 'COMMIT_MESSAGE',
  ROLLBACK_MESSAGE: 'ROLLBACK_MESSAGE',
  /** Java's spelling. The broker asks again later (CHECK_TRANSACTION_STATE). */
  UNKNOW: 'UNKNOW',
} as const;
export type LocalTransactionState = (typeof LocalTransactionState)[keyof typeof LocalTransactionState];

export interface TransactionSendResult extends SendResult {
  readonly localTransactionState: LocalTransactionState;
}

/** A half message as the local transaction sees it: the sent message plus its ids. */
export interface TransactionMessage extends Message {
  readonly msgId: string;
  readonly transactionId: string;
}

export type TransactionChecker = (message: ReceivedMessage) => LocalTransactionState | Promise<LocalTransactionState>;
export type LocalTransactionExecutor = (message: TransactionMessage, arg: unknown) => LocalTransactionState | void | Promise<LocalTransactionState | void>;

export type TransactionProducerInit = ProducerInit & {
  /** Answers the broker's CHECK_TRANSACTION_STATE for a half message whose outcome it does not know. */
  readonly checkLocalTransaction: TransactionChecker;
};

function stateToFlag(state: LocalTransactionState): number {
  switch (state) {
    case LocalTransactionState.COMMIT_MESSAGE:
      return MessageSysFlag.TRANSACTION_COMMIT_TYPE;
    case LocalTransactionState.ROLLBACK_MESSAGE:
      return MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;
    default:
      return MessageSysFlag.TRANSACTION_NOT_TYPE;
  }
}

function normaliseState(v: unknown): LocalTransactionState {
  return v === LocalTransactionState.COMMIT_MESSAGE || v === LocalTransactionState.ROLLBACK_MESSAGE ? v : LocalTransactionState.UNKNOW;
}

/**
 * Java's TransactionMQProducer: sends a half message, runs the local
 * transaction, and commits or rolls back with END_TRANSACTION; answers the
 * broker's check-backs with checkLocalTransaction.
 */
export class TransactionProducer extends Producer {
  private readonly checker: TransactionChecker;

  constructor(init: TransactionProducerInit) {
    const { checkLocalTransaction, ...rest } = init;
    super(rest);
    if (typeof checkLocalTransaction !== 'function') {
      throw new RmqError(ErrorCode.CONFIG, 'transaction producer option "checkLocalTransaction" must be a function');
    }
    this.checker = checkLocalTransaction;
  }

  /**
   * Sends `message` as a half message, then runs `execute` (the local
   * transaction) and ends the transaction with its answer: COMMIT_MESSAGE,
   * ROLLBACK_MESSAGE, or UNKNOW / nothing / a throw to let the broker ask
   * checkLocalTransaction later. A delay on the message is ignored, as in Java.
   */
  async sendMessageInTransaction(message: Message, execute: LocalTransactionExecutor, arg?: unknown): Promise<TransactionSendResult> {
    const { delayTimeLevel: _level, deliverTimeMs: _at, delayTimeSec: _sec, ...plain } = message;
    const prepared = await this.prepare(plain, {
      [MessageConst.PROPERTY_TRANSACTION_PREPARED]: 'true',
      [MessageConst.PROPERTY_PRODUCER_GROUP]: this.options.group,
    });
    let result: SendResult;
    try {
      result = (await this.dispatch(prepared, plain, 'SYNC', {}))!;
    } catch (err) {
      throw new RmqError(isRmqError(err) ? err.code : ErrorCode.RESPONSE, `send message Exception: ${errorMessage(err)}`, {
        cause: err,
        retriable: isRmqError(err) && err.retriable,
      });
    }
    let state: LocalTransactionState = LocalTransactionState.UNKNOW;
    let localError: unknown;
    if (result.sendStatus === SendStatus.SEND_OK) {
      const view: TransactionMessage = { ...plain, msgId: result.msgId, transactionId: result.msgId };
      try {
        state = normaliseState(await execute(view, arg));
      } catch (err) {
        localError = err;
      }
    } else {
      state = LocalTransactionState.ROLLBACK_MESSAGE;
    }
    try {
      await this.endTransaction(result, state, localError);
    } catch (err) {
      this.log.warn({ msgId: result.msgId, state, err: errorMessage(err) }, 'local transaction done, but END_TRANSACTION failed; the broker will check back');
    }
    return { ...result, localTransactionState: state };
  }

  private async endTransaction(result: SendResult, state: LocalTransactionState, localError: unknown): Promise<void> {
    const instance = this.ensureRunning();
    const id = decodeOffsetMsgId(result.offsetMsgId);
    const addr = instance.findBrokerAddressInPublish(result.messageQueue.brokerName);
    if (addr === undefined) throw noRouteError(`The broker[${result.messageQueue.brokerName}] not exist`);
    await instance.endTransactionOneway(
      addr,
      {
        producerGroup: this.options.group,
        tranStateTableOffset: result.queueOffset,
        commitLogOffset: id.offset,
        commitOrRollback: stateToFlag(state),
        msgId: result.msgId,
        ...(result.transactionId === undefined ? {} : { transactionId: result.transactionId }),
        bname: result.messageQueue.brokerName,
      },
      localError === undefined ? undefined : `executeLocalTransactionBranch exception: ${errorMessage(localError)}`,
      this.options.sendMsgTimeout,
    );
  }

  protected override checkTransactionState(channel: Channel, msg: ReceivedMessage, header: CheckTransactionStateRequestHeader): void {
    const run = async (): Promise<void> => {
      let state: LocalTransactionState = LocalTransactionState.UNKNOW;
      let failure: unknown;
      try {
        state = normaliseState(await this.checker(msg));
      } catch (err) {
        failure = err;
      }
      const instance = this.instanceValue;
      if (instance === undefined || instance.isClosed) return;
      const uniq = msg.properties[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX] ?? msg.msgId;
      await instance.endTransactionOneway(
        channel,
        {
          producerGroup: this.options.group,
          tranStateTableOffset: header.tranStateTableOffset,
          commitLogOffset: header.commitLogOffset,
          commitOrRollback: stateToFlag(state),
          fromTransactionCheck: true,
          msgId: uniq,
          ...(header.transactionId === undefined ? {} : { transactionId: header.transactionId }),
          ...(header.bname === undefined ? {} : { bname: header.bname }),
        },
        failure === undefined ? undefined : `checkLocalTransactionState Exception: ${errorMessage(failure)}`,
        3000,
      );
    };
    run().catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'answering CHECK_TRANSACTION_STATE failed'));
  }
}
