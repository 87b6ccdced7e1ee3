/**
 * Every request code the broker registers, over TCP with a raw
 * RemotingClient: a well-formed request and a malformed one, each answered
 * with the code and remark the Java broker gives; an unknown code answered
 * REQUEST_CODE_NOT_SUPPORTED; and the broker still serving afterwards.
 */
import { describe, expect, it } from 'vitest';
import {
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  createRequest,
  createResponse,
  decodeConsumerConnection,
  decodeKVTable,
  decodeMessages,
  decodeProducerConnection,
  encodeBatch,
  encodeConsumerSendMsgBackRequestHeader,
  encodeEndTransactionRequestHeader,
  encodeLockBatchRequestBody,
  decodeLockBatchResponseBody,
  decodeOffsetMsgId,
  MessageSysFlag,
  encodeGetConsumerConnectionListRequestHeader,
  encodeGetConsumerListByGroupRequestHeader,
  encodeGetConsumerRunningInfoRequestHeader,
  encodeGetMaxOffsetRequestHeader,
  encodeGetProducerConnectionListRequestHeader,
  encodeHeartbeatData,
  encodeQueryConsumerOffsetRequestHeader,
  encodeQueryMessageRequestHeader,
  encodeSearchOffsetRequestHeader,
  encodeSendMessageRequestHeader,
  encodeUnregisterClientRequestHeader,
  encodeUpdateConsumerOffsetRequestHeader,
  encodeViewMessageRequestHeader,
  LONG_MAX_VALUE,
  MixAll,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { adminCases } from './admin-cases.js';
import { broker, client, onCleanup, pullRequest, sendRequest } from './helpers.js';

const HB_CLIENT = '127.0.0.1@codes-test';

function heartbeat(group: string, producerGroup?: string): Buffer {
  return encodeHeartbeatData({
    clientID: HB_CLIENT,
    producerDataSet: producerGroup === undefined ? [] : [{ groupName: producerGroup }],
    consumerDataSet: [
      {
        groupName: group,
        consumeType: 'CONSUME_PASSIVELY',
        messageModel: 'CLUSTERING',
        consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
        unitMode: false,
        subscriptionDataSet: [
          { classFilterMode: false, topic: 'Codes', subString: '*', tagsSet: [], codeSet: [], subVersion: 1, expressionType: 'TAG' },
        ],
      },
    ],
  });
}

/** `fields` without `key`: how a malformed request misses a required field. */
function without(fields: Record<string, string>, key: string): Record<string, string> {
  const out = { ...fields };
  delete out[key];
  return out;
}

interface Case {
  readonly name: string;
  readonly good: () => Promise<void>;
  readonly bad: () => Promise<void>;
}

describe('request codes', () => {
  it('answers every registered code, well-formed and malformed, as the Java broker does', async () => {
    const b = await broker();
    const addr = b.address;
    // The "consumer": a client whose connection carries heartbeats and answers GET_CONSUMER_RUNNING_INFO.
    const consumerSide = new RemotingClient();
    onCleanup(() => consumerSide.close());
    consumerSide.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, (req) =>
      createResponse(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from(`{"properties":{"clientId":"${req.extFields['clientId']}"}}`)),
    );
    // ...and takes the replies pushed to it (request-reply).
    const pushed: RemotingCommand[] = [];
    consumerSide.registerProcessor(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, (req) => {
      pushed.push(req);
      return createResponse(req, ResponseCode.SUCCESS);
    });
    const c = client();
    const call = (code: number, fields: Record<string, string> = {}, body?: Buffer, via: RemotingClient = c): Promise<RemotingCommand> =>
      via.invoke(addr, createRequest(code, fields, body), 5000);
    const expectAnswer = (r: RemotingCommand, code: number, remark?: string | RegExp): void => {
      expect(r.code, r.remark).toBe(code);
      if (remark instanceof RegExp) expect(r.remark).toMatch(remark);
      else if (remark !== undefined) expect(r.remark).toBe(remark);
    };
    const missing = (field: string): string => `the custom field <${field}> is null`;

    // A message to work with.
    const first = await c.invoke(addr, sendRequest({ topic: 'Codes', body: 'one', properties: { KEYS: 'k1', UNIQ_KEY: 'UNIQ-0001' } }), 5000);
    expect(first.code).toBe(ResponseCode.SUCCESS);
    const stored = await c.invoke(addr, pullRequest({ group: 'CG_CODES', topic: 'Codes' }), 5000);
    const commitLogOffset = decodeMessages(stored.body!)[0]!.commitLogOffset;

    const v1Send = encodeSendMessageRequestHeader({
      producerGroup: 'PG',
      topic: 'Codes',
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId: 0,
      sysFlag: 0,
      bornTimestamp: Date.now(),
      flag: 0,
      properties: 'TAGS\u0001A',
      unitMode: false,
      batch: false,
    });
    const sendBack = encodeConsumerSendMsgBackRequestHeader({ offset: commitLogOffset, group: 'CG_CODES', delayLevel: 0, unitMode: false, maxReconsumeTimes: 16 });
    const queryMsg = encodeQueryMessageRequestHeader({ topic: 'Codes', key: 'k1', maxNum: 32, beginTimestamp: 0, endTimestamp: LONG_MAX_VALUE });
    const topicQueue = encodeGetMaxOffsetRequestHeader({ topic: 'Codes', queueId: 0 });
    const offsetQuery = encodeQueryConsumerOffsetRequestHeader({ consumerGroup: 'CG_CODES', topic: 'Codes', queueId: 0 });
    const offsetUpdate = encodeUpdateConsumerOffsetRequestHeader({ consumerGroup: 'CG_CODES', topic: 'Codes', queueId: 0, commitOffset: 1 });
    // A half message to end.
    const half = await c.invoke(
      addr,
      sendRequest({ topic: 'Codes', producerGroup: 'PG_CODES', sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE, properties: { TRAN_MSG: 'true', PGROUP: 'PG_CODES' }, body: 'tx' }),
      5000,
    );
    expect(half.code, half.remark).toBe(ResponseCode.SUCCESS);
    const endTx = encodeEndTransactionRequestHeader({
      producerGroup: 'PG_CODES',
      tranStateTableOffset: Number(half.extFields['queueOffset']),
      commitLogOffset: decodeOffsetMsgId(half.extFields['msgId']!).offset,
      commitOrRollback: MessageSysFlag.TRANSACTION_COMMIT_TYPE,
      fromTransactionCheck: false,
      msgId: 'UNIQ-TX',
    });
    const replySend = (code: number, props: Record<string, string>): RemotingCommand =>
      sendRequest({ topic: 'DefaultCluster_REPLY_TOPIC', code, producerGroup: 'PG_REPLIER', properties: { MSG_TYPE: 'reply', CORRELATION_ID: 'corr-1', ...props }, body: 'answer' });
    const lockBody = encodeLockBatchRequestBody({ consumerGroup: 'CG_ORDER', clientId: 'client-a', mqSet: [{ topic: 'Codes', brokerName: b.broker.config.brokerName, queueId: 0 }] });

    const cases: Record<number, Case> = {
      [RequestCode.SEND_MESSAGE]: {
        name: 'SEND_MESSAGE',
        good: async () => {
          const r = await call(RequestCode.SEND_MESSAGE, v1Send, Buffer.from('v1'));
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(r.extFields).toMatchObject({ queueId: '0', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' });
          expect(r.extFields['msgId']).toMatch(/^[0-9A-F]{32}$/);
        },
        bad: async () => expectAnswer(await call(RequestCode.SEND_MESSAGE, without(v1Send, 'topic'), Buffer.from('x')), ResponseCode.SYSTEM_ERROR, missing('topic')),
      },
      [RequestCode.SEND_MESSAGE_V2]: {
        name: 'SEND_MESSAGE_V2',
        good: async () => expectAnswer(await c.invoke(addr, sendRequest({ topic: 'Codes' }), 5000), ResponseCode.SUCCESS),
        bad: async () => {
          const req = sendRequest({ topic: 'Codes' });
          expectAnswer(await call(RequestCode.SEND_MESSAGE_V2, without(req.extFields, 'b'), req.body), ResponseCode.SYSTEM_ERROR, missing('b'));
          const badInt = { ...req.extFields, e: 'zero' };
          expectAnswer(await call(RequestCode.SEND_MESSAGE_V2, badInt, req.body), ResponseCode.SYSTEM_ERROR, 'the custom field <e> is not a valid value: "zero"');
        },
      },
      [RequestCode.SEND_BATCH_MESSAGE]: {
        name: 'SEND_BATCH_MESSAGE',
        good: async () => {
          const req = sendRequest({ topic: 'Codes', batch: true, body: encodeBatch([{ body: Buffer.from('b1') }, { body: Buffer.from('b2') }]) });
          const r = await c.invoke(addr, req, 5000);
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(r.extFields['msgId']!.split(',')).toHaveLength(2);
        },
        bad: async () => {
          const req = sendRequest({ topic: 'Codes', batch: true, body: Buffer.from('not a batch body') });
          expectAnswer(await c.invoke(addr, req, 5000), ResponseCode.MESSAGE_ILLEGAL, /^the message is illegal, maybe msg body or properties length not matched\./);
          expectAnswer(await call(RequestCode.SEND_BATCH_MESSAGE, without(req.extFields, 'a'), req.body), ResponseCode.SYSTEM_ERROR, missing('a'));
        },
      },
      [RequestCode.CONSUMER_SEND_MSG_BACK]: {
        name: 'CONSUMER_SEND_MSG_BACK',
        good: async () => expectAnswer(await call(RequestCode.CONSUMER_SEND_MSG_BACK, sendBack), ResponseCode.SUCCESS),
        bad: async () => {
          expectAnswer(await call(RequestCode.CONSUMER_SEND_MSG_BACK, without(sendBack, 'group')), ResponseCode.SYSTEM_ERROR, missing('group'));
          expectAnswer(
            await call(RequestCode.CONSUMER_SEND_MSG_BACK, { ...sendBack, offset: '123456789' }),
            ResponseCode.SYSTEM_ERROR,
            'look message by offset failed, 123456789',
          );
        },
      },
      [RequestCode.PULL_MESSAGE]: {
        name: 'PULL_MESSAGE',
        good: async () => expectAnswer(await c.invoke(addr, pullRequest({ group: 'CG_CODES', topic: 'Codes' }), 5000), ResponseCode.SUCCESS, 'FOUND'),
        bad: async () => {
          const req = pullRequest({ group: 'CG_CODES', topic: 'Codes' });
          expectAnswer(await call(RequestCode.PULL_MESSAGE, without(req.extFields, 'consumerGroup')), ResponseCode.SYSTEM_ERROR, missing('consumerGroup'));
        },
      },
      [RequestCode.LITE_PULL_MESSAGE]: {
        name: 'LITE_PULL_MESSAGE',
        good: async () =>
          expectAnswer(await c.invoke(addr, pullRequest({ group: 'CG_CODES', topic: 'Codes', code: RequestCode.LITE_PULL_MESSAGE }), 5000), ResponseCode.SUCCESS),
        bad: async () => {
          const req = pullRequest({ group: 'CG_CODES', topic: 'Codes' });
          expectAnswer(await call(RequestCode.LITE_PULL_MESSAGE, without(req.extFields, 'queueOffset')), ResponseCode.SYSTEM_ERROR, missing('queueOffset'));
        },
      },
      [RequestCode.QUERY_MESSAGE]: {
        name: 'QUERY_MESSAGE',
        good: async () => {
          const r = await call(RequestCode.QUERY_MESSAGE, queryMsg);
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(decodeMessages(r.body!).map((m) => m.body!.toString())).toEqual(['one']);
          // By unique key, as the Java admin's queryMsgById falls back to.
          const byUniq = await call(RequestCode.QUERY_MESSAGE, { ...queryMsg, key: 'UNIQ-0001', maxNum: '1', [MixAll.UNIQUE_MSG_QUERY_FLAG]: 'true' });
          expectAnswer(byUniq, ResponseCode.SUCCESS);
          expect(decodeMessages(byUniq.body!)[0]!.properties['UNIQ_KEY']).toBe('UNIQ-0001');
          expectAnswer(await call(RequestCode.QUERY_MESSAGE, { ...queryMsg, key: 'nope' }), ResponseCode.QUERY_NOT_FOUND, 'can not find message, maybe time range not correct');
        },
        bad: async () => expectAnswer(await call(RequestCode.QUERY_MESSAGE, without(queryMsg, 'key')), ResponseCode.SYSTEM_ERROR, missing('key')),
      },
      [RequestCode.VIEW_MESSAGE_BY_ID]: {
        name: 'VIEW_MESSAGE_BY_ID',
        good: async () => {
          const r = await call(RequestCode.VIEW_MESSAGE_BY_ID, encodeViewMessageRequestHeader({ offset: commitLogOffset }));
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(decodeMessages(r.body!)[0]!.body!.toString()).toBe('one');
          expectAnswer(
            await call(RequestCode.VIEW_MESSAGE_BY_ID, encodeViewMessageRequestHeader({ offset: 987654321 })),
            ResponseCode.SYSTEM_ERROR,
            'can not find message by the offset, 987654321',
          );
        },
        bad: async () => expectAnswer(await call(RequestCode.VIEW_MESSAGE_BY_ID, {}), ResponseCode.SYSTEM_ERROR, missing('offset')),
      },
      [RequestCode.HEART_BEAT]: {
        name: 'HEART_BEAT',
        good: async () => expectAnswer(await call(RequestCode.HEART_BEAT, {}, heartbeat('CG_CODES', 'PG_CODES'), consumerSide), ResponseCode.SUCCESS),
        bad: async () => {
          const r = await call(RequestCode.HEART_BEAT, {}, Buffer.from('{not json'));
          expect(r.code).toBe(ResponseCode.SYSTEM_ERROR);
          expect(r.remark).toBeTruthy();
        },
      },
      ...adminCases({
        broker: b.broker,
        addr,
        consumerSide,
        clientId: HB_CLIENT,
        first: { msgId: first.extFields['msgId']!, commitLogOffset },
        call: (code, fields, body) => call(code, fields, body),
        expectAnswer,
        missing,
        send: async (topic, queueId) => expectAnswer(await c.invoke(addr, sendRequest({ topic, ...(queueId === undefined ? {} : { queueId }) }), 5000), ResponseCode.SUCCESS),
      }),
      [RequestCode.UNREGISTER_CLIENT]: {
        name: 'UNREGISTER_CLIENT',
        good: async () =>
          expectAnswer(await call(RequestCode.UNREGISTER_CLIENT, encodeUnregisterClientRequestHeader({ clientID: 'someone', producerGroup: 'PG_X' })), ResponseCode.SUCCESS),
        bad: async () => expectAnswer(await call(RequestCode.UNREGISTER_CLIENT, { producerGroup: 'PG_X' }), ResponseCode.SYSTEM_ERROR, missing('clientID')),
      },
      [RequestCode.CHECK_CLIENT_CONFIG]: {
        name: 'CHECK_CLIENT_CONFIG',
        good: async () => {
          const tag = Buffer.from('{"clientId":"c","group":"g","subscriptionData":{"expressionType":"TAG","subString":"*","topic":"Codes"}}');
          expectAnswer(await call(RequestCode.CHECK_CLIENT_CONFIG, {}, tag), ResponseCode.SUCCESS);
          const sql = Buffer.from('{"clientId":"c","group":"g","subscriptionData":{"expressionType":"SQL92","subString":"a > 1","topic":"Codes"}}');
          expectAnswer(await call(RequestCode.CHECK_CLIENT_CONFIG, {}, sql), ResponseCode.SYSTEM_ERROR, 'The broker does not support consumer to filter message by SQL92');
        },
        bad: async () => {
          const r = await call(RequestCode.CHECK_CLIENT_CONFIG, {}, Buffer.from('[1,'));
          expect(r.code).toBe(ResponseCode.SYSTEM_ERROR);
        },
      },
      [RequestCode.GET_CONSUMER_LIST_BY_GROUP]: {
        name: 'GET_CONSUMER_LIST_BY_GROUP',
        good: async () => {
          const r = await call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, encodeGetConsumerListByGroupRequestHeader({ consumerGroup: 'CG_CODES' }));
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(JSON.parse(r.body!.toString())).toEqual({ consumerIdList: [HB_CLIENT] });
          expectAnswer(
            await call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, encodeGetConsumerListByGroupRequestHeader({ consumerGroup: 'CG_NOBODY' })),
            ResponseCode.SYSTEM_ERROR,
            'no consumer for this group, CG_NOBODY',
          );
        },
        bad: async () => expectAnswer(await call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {}), ResponseCode.SYSTEM_ERROR, missing('consumerGroup')),
      },
      [RequestCode.UPDATE_CONSUMER_OFFSET]: {
        name: 'UPDATE_CONSUMER_OFFSET',
        good: async () => expectAnswer(await call(RequestCode.UPDATE_CONSUMER_OFFSET, offsetUpdate), ResponseCode.SUCCESS),
        bad: async () => expectAnswer(await call(RequestCode.UPDATE_CONSUMER_OFFSET, without(offsetUpdate, 'commitOffset')), ResponseCode.SYSTEM_ERROR, missing('commitOffset')),
      },
      [RequestCode.QUERY_CONSUMER_OFFSET]: {
        name: 'QUERY_CONSUMER_OFFSET',
        good: async () => {
          const r = await call(RequestCode.QUERY_CONSUMER_OFFSET, offsetQuery);
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(r.extFields['offset']).toBe('1');
        },
        bad: async () => expectAnswer(await call(RequestCode.QUERY_CONSUMER_OFFSET, without(offsetQuery, 'queueId')), ResponseCode.SYSTEM_ERROR, missing('queueId')),
      },
      [RequestCode.SEARCH_OFFSET_BY_TIMESTAMP]: {
        name: 'SEARCH_OFFSET_BY_TIMESTAMP',
        good: async () => {
          const r = await call(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, encodeSearchOffsetRequestHeader({ topic: 'Codes', queueId: 0, timestamp: 0 }));
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(r.extFields['offset']).toBe('0');
        },
        bad: async () => expectAnswer(await call(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, { topic: 'Codes', queueId: '0' }), ResponseCode.SYSTEM_ERROR, missing('timestamp')),
      },
      [RequestCode.GET_MAX_OFFSET]: {
        name: 'GET_MAX_OFFSET',
        good: async () => {
          const r = await call(RequestCode.GET_MAX_OFFSET, topicQueue);
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(Number(r.extFields['offset'])).toBeGreaterThan(0);
        },
        bad: async () => expectAnswer(await call(RequestCode.GET_MAX_OFFSET, without(topicQueue, 'topic')), ResponseCode.SYSTEM_ERROR, missing('topic')),
      },
      [RequestCode.GET_MIN_OFFSET]: {
        name: 'GET_MIN_OFFSET',
        good: async () => {
          const r = await call(RequestCode.GET_MIN_OFFSET, topicQueue);
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(r.extFields['offset']).toBe('0');
        },
        bad: async () => expectAnswer(await call(RequestCode.GET_MIN_OFFSET, { topic: 'Codes', queueId: 'x' }), ResponseCode.SYSTEM_ERROR, 'the custom field <queueId> is not a valid value: "x"'),
      },
      [RequestCode.GET_EARLIEST_MSG_STORETIME]: {
        name: 'GET_EARLIEST_MSG_STORETIME',
        good: async () => {
          const r = await call(RequestCode.GET_EARLIEST_MSG_STORETIME, topicQueue);
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(Number(r.extFields['timestamp'])).toBeGreaterThan(1_600_000_000_000);
        },
        bad: async () => expectAnswer(await call(RequestCode.GET_EARLIEST_MSG_STORETIME, without(topicQueue, 'queueId')), ResponseCode.SYSTEM_ERROR, missing('queueId')),
      },
      [RequestCode.GET_ALL_CONSUMER_OFFSET]: {
        name: 'GET_ALL_CONSUMER_OFFSET',
        good: async () => {
          const r = await call(RequestCode.GET_ALL_CONSUMER_OFFSET);
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(r.body!.toString()).toContain('"Codes@CG_CODES":{0:1}');
        },
        // No header to get wrong: stray fields are ignored, as Java ignores them.
        bad: async () => expectAnswer(await call(RequestCode.GET_ALL_CONSUMER_OFFSET, { junk: '1' }, Buffer.from('junk')), ResponseCode.SUCCESS),
      },
      [RequestCode.GET_BROKER_RUNTIME_INFO]: {
        name: 'GET_BROKER_RUNTIME_INFO',
        good: async () => {
          const r = await call(RequestCode.GET_BROKER_RUNTIME_INFO);
          expectAnswer(r, ResponseCode.SUCCESS);
          const t = decodeKVTable(r.body!).table;
          expect(t.get('brokerVersionDesc')).toBe('V4_9_4');
          expect(Number(t.get('commitLogMaxOffset'))).toBeGreaterThan(0);
        },
        bad: async () => expectAnswer(await call(RequestCode.GET_BROKER_RUNTIME_INFO, { junk: '1' }), ResponseCode.SUCCESS),
      },
      [RequestCode.GET_CONSUMER_CONNECTION_LIST]: {
        name: 'GET_CONSUMER_CONNECTION_LIST',
        good: async () => {
          const r = await call(RequestCode.GET_CONSUMER_CONNECTION_LIST, encodeGetConsumerConnectionListRequestHeader({ consumerGroup: 'CG_CODES' }));
          expectAnswer(r, ResponseCode.SUCCESS);
          const cc = decodeConsumerConnection(r.body!);
          expect(cc.connectionSet.map((x) => x.clientId)).toEqual([HB_CLIENT]);
          expect(cc.connectionSet[0]!.language).toBe('JAVA');
          expect([...cc.subscriptionTable.keys()]).toEqual(['Codes']);
          expect(cc.messageModel).toBe('CLUSTERING');
          expectAnswer(
            await call(RequestCode.GET_CONSUMER_CONNECTION_LIST, encodeGetConsumerConnectionListRequestHeader({ consumerGroup: 'CG_NOBODY' })),
            ResponseCode.CONSUMER_NOT_ONLINE,
            'the consumer group[CG_NOBODY] not online',
          );
        },
        bad: async () => expectAnswer(await call(RequestCode.GET_CONSUMER_CONNECTION_LIST, {}), ResponseCode.SYSTEM_ERROR, missing('consumerGroup')),
      },
      [RequestCode.GET_PRODUCER_CONNECTION_LIST]: {
        name: 'GET_PRODUCER_CONNECTION_LIST',
        good: async () => {
          const r = await call(RequestCode.GET_PRODUCER_CONNECTION_LIST, encodeGetProducerConnectionListRequestHeader({ producerGroup: 'PG_CODES' }));
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(decodeProducerConnection(r.body!).connectionSet.map((x) => x.clientId)).toEqual([HB_CLIENT]);
          expectAnswer(
            await call(RequestCode.GET_PRODUCER_CONNECTION_LIST, encodeGetProducerConnectionListRequestHeader({ producerGroup: 'PG_NOBODY' })),
            ResponseCode.SYSTEM_ERROR,
            'the producer group[PG_NOBODY] not exist',
          );
        },
        bad: async () => expectAnswer(await call(RequestCode.GET_PRODUCER_CONNECTION_LIST, {}), ResponseCode.SYSTEM_ERROR, missing('producerGroup')),
      },
      [RequestCode.GET_CONSUMER_RUNNING_INFO]: {
        name: 'GET_CONSUMER_RUNNING_INFO',
        good: async () => {
          const h = encodeGetConsumerRunningInfoRequestHeader({ consumerGroup: 'CG_CODES', clientId: HB_CLIENT, jstackEnable: false });
          const r = await call(RequestCode.GET_CONSUMER_RUNNING_INFO, h);
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(r.body!.toString()).toContain(HB_CLIENT);
          const gone = encodeGetConsumerRunningInfoRequestHeader({ consumerGroup: 'CG_CODES', clientId: 'nobody', jstackEnable: false });
          expectAnswer(await call(RequestCode.GET_CONSUMER_RUNNING_INFO, gone), ResponseCode.SYSTEM_ERROR, 'The Consumer <CG_CODES> <nobody> not online');
        },
        bad: async () => expectAnswer(await call(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: 'CG_CODES' }), ResponseCode.SYSTEM_ERROR, missing('clientId')),
      },
    };

    Object.assign(cases, {
      [RequestCode.END_TRANSACTION]: {
        name: 'END_TRANSACTION',
        good: async () => {
          expectAnswer(await call(RequestCode.END_TRANSACTION, endTx), ResponseCode.SUCCESS);
          // Committed: in its topic now (after 'one', the send-backs do not go there).
          const r = await c.invoke(addr, pullRequest({ group: 'CG_TX_VIEW', topic: 'Codes', queueId: 0, offset: 0 }), 5000);
          expect(decodeMessages(r.body!).map((m) => m.body!.toString())).toContain('tx');
          // A half message that is not there, or of another producer group, is refused.
          expectAnswer(await call(RequestCode.END_TRANSACTION, { ...endTx, commitLogOffset: '987654321' }), ResponseCode.SYSTEM_ERROR, 'Find prepared transaction message failed');
          expectAnswer(await call(RequestCode.END_TRANSACTION, { ...endTx, producerGroup: 'PG_OTHER' }), ResponseCode.SYSTEM_ERROR, 'The producer group wrong');
        },
        bad: async () => {
          expectAnswer(await call(RequestCode.END_TRANSACTION, without(endTx, 'producerGroup')), ResponseCode.SYSTEM_ERROR, missing('producerGroup'));
          const r = await call(RequestCode.END_TRANSACTION, { ...endTx, commitOrRollback: '5' });
          expect(r.code).toBe(ResponseCode.SYSTEM_ERROR);
        },
      },
      [RequestCode.SEND_REPLY_MESSAGE_V2]: {
        name: 'SEND_REPLY_MESSAGE_V2',
        good: async () => {
          const r = await c.invoke(addr, replySend(RequestCode.SEND_REPLY_MESSAGE_V2, { REPLY_TO_CLIENT: HB_CLIENT }), 5000);
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(r.extFields['msgId']).toMatch(/^[0-9A-F]{32}$/);
          expect(pushed.at(-1)!.body!.toString()).toBe('answer');
          expect(pushed.at(-1)!.extFields['properties']).toContain('PUSH_REPLY_TIME');
        },
        bad: async () => {
          expectAnswer(await c.invoke(addr, replySend(RequestCode.SEND_REPLY_MESSAGE_V2, {}), 5000), ResponseCode.SYSTEM_ERROR, 'reply message properties[REPLY_TO_CLIENT] is null');
          expectAnswer(
            await c.invoke(addr, replySend(RequestCode.SEND_REPLY_MESSAGE_V2, { REPLY_TO_CLIENT: 'gone@nowhere' }), 5000),
            ResponseCode.SYSTEM_ERROR,
            'push reply message fail, channel of <gone@nowhere> not found.',
          );
          const req = replySend(RequestCode.SEND_REPLY_MESSAGE_V2, { REPLY_TO_CLIENT: HB_CLIENT });
          expectAnswer(await call(RequestCode.SEND_REPLY_MESSAGE_V2, without(req.extFields, 'b'), req.body), ResponseCode.SYSTEM_ERROR, missing('b'));
        },
      },
      [RequestCode.SEND_REPLY_MESSAGE]: {
        name: 'SEND_REPLY_MESSAGE',
        good: async () => {
          const v1 = { ...v1Send, topic: 'DefaultCluster_REPLY_TOPIC', properties: `REPLY_TO_CLIENT\u0001${HB_CLIENT}\u0002MSG_TYPE\u0001reply` };
          expectAnswer(await call(RequestCode.SEND_REPLY_MESSAGE, v1, Buffer.from('v1 answer')), ResponseCode.SUCCESS);
          expect(pushed.at(-1)!.body!.toString()).toBe('v1 answer');
        },
        bad: async () => expectAnswer(await call(RequestCode.SEND_REPLY_MESSAGE, without(v1Send, 'topic'), Buffer.from('x')), ResponseCode.SYSTEM_ERROR, missing('topic')),
      },
      [RequestCode.RESUME_CHECK_HALF_MESSAGE]: {
        name: 'RESUME_CHECK_HALF_MESSAGE',
        good: async () => {
          const before = b.broker.store.getMaxOffsetInQueue('RMQ_SYS_TRANS_HALF_TOPIC', 0);
          expectAnswer(await call(RequestCode.RESUME_CHECK_HALF_MESSAGE, { msgId: half.extFields['msgId']! }), ResponseCode.SUCCESS);
          expect(b.broker.store.getMaxOffsetInQueue('RMQ_SYS_TRANS_HALF_TOPIC', 0)).toBe(before + 1);
        },
        bad: async () => {
          const remark = 'Exception was thrown when putting message back to RMQ_SYS_TRANS_HALF_TOPIC.';
          expectAnswer(await call(RequestCode.RESUME_CHECK_HALF_MESSAGE, { msgId: 'not-an-id' }), ResponseCode.SYSTEM_ERROR, remark);
          expectAnswer(await call(RequestCode.RESUME_CHECK_HALF_MESSAGE, {}), ResponseCode.SYSTEM_ERROR, remark);
        },
      },
      [RequestCode.LOCK_BATCH_MQ]: {
        name: 'LOCK_BATCH_MQ',
        good: async () => {
          const r = await call(RequestCode.LOCK_BATCH_MQ, {}, lockBody);
          expectAnswer(r, ResponseCode.SUCCESS);
          expect(decodeLockBatchResponseBody(r.body!).lockOKMQSet.map((q) => q.queueId)).toEqual([0]);
        },
        bad: async () => expect((await call(RequestCode.LOCK_BATCH_MQ, {}, Buffer.from('{not json'))).code).toBe(ResponseCode.SYSTEM_ERROR),
      },
      [RequestCode.UNLOCK_BATCH_MQ]: {
        name: 'UNLOCK_BATCH_MQ',
        good: async () => {
          expectAnswer(await call(RequestCode.UNLOCK_BATCH_MQ, {}, lockBody), ResponseCode.SUCCESS);
          expect(b.broker.features.locks.size).toBe(0);
        },
        bad: async () => expect((await call(RequestCode.UNLOCK_BATCH_MQ, {}, Buffer.from('[1,'))).code).toBe(ResponseCode.SYSTEM_ERROR),
      },
    } satisfies Record<number, Case>);

    // Every code the broker serves has a case here, and nothing else.
    expect(b.broker.registeredRequestCodes()).toEqual(Object.keys(cases).map(Number).sort((x, y) => x - y));
    // Heartbeat first: several cases read what it registers.
    const order = [RequestCode.HEART_BEAT, RequestCode.UPDATE_CONSUMER_OFFSET, ...Object.keys(cases).map(Number)];
    for (const code of [...new Set(order)]) {
      const cs = cases[code]!;
      try {
        await cs.good();
        await cs.bad();
      } catch (err) {
        throw new Error(`${cs.name}: ${(err as Error).message}`, { cause: err });
      }
    }

    // Codes the broker does not serve (yet, or ever).
    // (22, 23 and 212 have codes but no 4.9 broker serves them.)
    const notServed = [RequestCode.GET_TOPIC_CONFIG_LIST, RequestCode.GET_TOPIC_NAME_LIST, RequestCode.RESET_CONSUMER_OFFSET_IN_BROKER, 9999];
    for (const code of notServed) {
      expectAnswer(await call(code, {}), ResponseCode.REQUEST_CODE_NOT_SUPPORTED, ` request type ${code} not supported`);
    }
    // Still serving everyone.
    expectAnswer(await c.invoke(addr, sendRequest({ topic: 'Codes', body: 'after' }), 5000), ResponseCode.SUCCESS);
  });
});
