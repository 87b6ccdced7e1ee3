/**
 * The send path over TCP: topic auto-creation, the checks Java makes and
 * the answers it gives, what is stored (properties, retry -> DLQ, delay,
 * transactions), and store statuses reaching the producer.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MessageSysFlag,
  RequestCode,
  ResponseCode,
  createRequest,
  decodeMessages,
  encodeGetMaxOffsetRequestHeader,
  getDLQTopic,
} from '@rocketmq-ts/protocol';
import type { DefaultMessageStore } from '@rocketmq-ts/store';
import { broker, client, nameServer, pullRequest, sendRequest, waitFor } from './helpers.js';

describe('send', () => {
  it('creates an unknown topic from TBW102, stores to the queue asked for, and tells the NameServer', async () => {
    const ns = await nameServer();
    const b = await broker({ namesrvAddr: ns.address });
    const c = client();
    const r = await c.invoke(b.address, sendRequest({ topic: 'AutoCreated', queueId: 3, defaultTopicQueueNums: 4 }), 3000);
    expect(r.code, r.remark).toBe(ResponseCode.SUCCESS);
    expect(r.extFields).toMatchObject({ queueId: '3', queueOffset: '0', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' });
    expect(b.broker.topics.selectTopicConfig('AutoCreated')).toMatchObject({ readQueueNums: 4, writeQueueNums: 4, perm: 6 });
    await waitFor(() => ns.nameServer.getTopicRoute('AutoCreated') !== undefined, 3000, 'the route of the new topic');
    expect(ns.nameServer.getTopicRoute('AutoCreated')!.queueDatas[0]).toMatchObject({ brokerName: b.broker.config.brokerName, writeQueueNums: 4 });
    await b.broker.topics.idle();
    expect(await readFile(join(b.dir, 'config', 'topics.json'), 'utf8')).toContain('"AutoCreated":{');
  });

  it('picks a random writable queue for queueId < 0', async () => {
    const b = await broker();
    await b.broker.createTopic('RandomQ', 2);
    const c = client();
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add((await c.invoke(b.address, sendRequest({ topic: 'RandomQ', queueId: -1 }), 3000)).extFields['queueId']!);
    expect(seen).toEqual(new Set(['0', '1']));
  });

  it("refuses what Java refuses, with Java's codes and remarks, and keeps serving", async () => {
    const b = await broker({ config: { maxMessageSize: 4096 } });
    const c = client();
    const send = (spec: Parameters<typeof sendRequest>[0]): Promise<{ code: number; remark: string | undefined }> =>
      c.invoke(b.address, sendRequest(spec), 3000).then((r) => ({ code: r.code, remark: r.remark }));
    expect(await send({ topic: 'bad topic' })).toEqual({
      code: ResponseCode.SYSTEM_ERROR,
      remark: 'The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$',
    });
    expect(await send({ topic: ' ' })).toEqual({ code: ResponseCode.SYSTEM_ERROR, remark: 'The specified topic is blank.' });
    expect(await send({ topic: 'T'.repeat(128) })).toEqual({ code: ResponseCode.SYSTEM_ERROR, remark: 'The specified topic is longer than topic max length.' });
    expect(await send({ topic: 'SCHEDULE_TOPIC_XXXX' })).toEqual({ code: ResponseCode.NO_PERMISSION, remark: 'Sending message to topic[SCHEDULE_TOPIC_XXXX] is forbidden.' });
    await b.broker.createTopic('Small', 2);
    const q = await send({ topic: 'Small', queueId: 5 });
    expect(q.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(q.remark).toMatch(
      /^request queueId\[5\] is illegal, TopicConfig \[topicName=Small, readQueueNums=2, writeQueueNums=2, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false\] Producer: 127\.0\.0\.1:\d+$/,
    );
    const big = await send({ topic: 'Small', body: Buffer.alloc(5000) });
    expect(big.code).toBe(ResponseCode.MESSAGE_ILLEGAL);
    expect(big.remark).toMatch(/^the message is illegal, maybe msg body or properties length not matched\. msg body length limit 4096B, msg properties length limit 32KB\./);
    expect((await send({ topic: 'Small' })).code).toBe(ResponseCode.SUCCESS);
  });

  it('answers TOPIC_NOT_EXIST for an unknown topic when auto-creation is off', async () => {
    const b = await broker({ config: { autoCreateTopicEnable: false } });
    const r = await client().invoke(b.address, sendRequest({ topic: 'NotThere' }), 3000);
    expect(r.code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    expect(r.remark).toBe('topic[NotThere] not exist, apply first please!\nSee http://rocketmq.apache.org/docs/faq/ for further details.');
    // A retry topic is created anyway (createTopicInSendMessageBackMethod).
    expect((await client().invoke(b.address, sendRequest({ topic: '%RETRY%SomeGroup' }), 3000)).code).toBe(ResponseCode.SUCCESS);
  });

  it('stores the properties as Java does: WAIT dropped, CLUSTER added, the rest kept', async () => {
    const b = await broker({ config: { brokerClusterName: 'ClusterX' } });
    const c = client();
    await c.invoke(b.address, sendRequest({ topic: 'Props', properties: { KEYS: 'k1 k2', TAGS: 'TagA', UNIQ_KEY: 'U1', custom: 'v' } }), 3000);
    const m = decodeMessages((await c.invoke(b.address, pullRequest({ group: 'G', topic: 'Props' }), 3000)).body!)[0]!;
    expect(m.properties).toEqual({ KEYS: 'k1 k2', TAGS: 'TagA', UNIQ_KEY: 'U1', custom: 'v', CLUSTER: 'ClusterX' });
    expect(m.bornHost).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(m.storeHost).toBe(b.address);
  });

  it('sends a retry message past its reconsume limit to the group DLQ (handleRetryAndDLQ)', async () => {
    const b = await broker();
    const c = client();
    const r = await c.invoke(b.address, sendRequest({ topic: '%RETRY%G1', reconsumeTimes: 3, maxReconsumeTimes: 3, body: 'dead' }), 3000);
    expect(r.code).toBe(ResponseCode.SUCCESS);
    expect(b.broker.topics.selectTopicConfig(getDLQTopic('G1'))).toMatchObject({ readQueueNums: 1, writeQueueNums: 1 });
    const dlq = await c.invoke(b.address, pullRequest({ group: 'G1', topic: '%DLQ%G1' }), 3000);
    expect(decodeMessages(dlq.body!).map((m) => m.body!.toString())).toEqual(['dead']);
    // Below the limit it stays on the retry topic.
    await c.invoke(b.address, sendRequest({ topic: '%RETRY%G1', reconsumeTimes: 1, maxReconsumeTimes: 3, body: 'again' }), 3000);
    const retry = await c.invoke(b.address, pullRequest({ group: 'G1', topic: '%RETRY%G1' }), 3000);
    expect(decodeMessages(retry.body!).map((m) => m.body!.toString())).toEqual(['again']);
  });

  it('keeps a prepared transaction message out of its topic (in the half topic), or refuses it with rejectTransactionMessage', async () => {
    const b = await broker();
    const c = client();
    const prepared = { topic: 'Tx', queueId: 2, properties: { TRAN_MSG: 'true', PGROUP: 'PG' }, sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE };
    const r = await c.invoke(b.address, sendRequest(prepared), 3000);
    expect(r.code, r.remark).toBe(ResponseCode.SUCCESS);
    expect(r.extFields).toMatchObject({ queueId: '2', queueOffset: '0' });
    const max = await c.invoke(b.address, createRequest(RequestCode.GET_MAX_OFFSET, encodeGetMaxOffsetRequestHeader({ topic: 'Tx', queueId: 2 })), 3000);
    expect(max.extFields['offset']).toBe('0');
    // The half topic has no topic config until the check service first runs (as Java); read the store.
    const got = await b.broker.store.getMessage('G', 'RMQ_SYS_TRANS_HALF_TOPIC', 0, 0, 1);
    const half = decodeMessages(got.messages[0]!)[0]!;
    expect(half.properties).toMatchObject({ REAL_TOPIC: 'Tx', REAL_QID: '2', TRAN_MSG: 'true', PGROUP: 'PG' });
    expect(half.sysFlag & MessageSysFlag.TRANSACTION_ROLLBACK_TYPE).toBe(MessageSysFlag.TRANSACTION_NOT_TYPE);
    const strict = await broker({ config: { rejectTransactionMessage: true } });
    const s = await c.invoke(strict.address, sendRequest(prepared), 3000);
    expect(s).toMatchObject({ code: ResponseCode.NO_PERMISSION, remark: 'the broker[127.0.0.1] sending transaction message is forbidden' });
  });

  it('routes delayed messages to SCHEDULE_TOPIC_XXXX with REAL_TOPIC/REAL_QID, a level above the table lowered to the last (DELAY rewritten, as Java)', async () => {
    const b = await broker();
    const c = client();
    const r = await c.invoke(b.address, sendRequest({ topic: 'Later', queueId: 1, properties: { DELAY: '40' } }), 3000);
    expect(r.code).toBe(ResponseCode.SUCCESS);
    expect(r.extFields['queueId']).toBe('1');
    const m = decodeMessages((await c.invoke(b.address, pullRequest({ group: 'G', topic: 'SCHEDULE_TOPIC_XXXX', queueId: 17 }), 3000)).body!)[0]!;
    expect(m.properties).toMatchObject({ REAL_TOPIC: 'Later', REAL_QID: '1', DELAY: '18' });
    expect(m.topic).toBe('SCHEDULE_TOPIC_XXXX');
  });

  it('passes the store status through: SYNC_MASTER without a slave answers SLAVE_NOT_AVAILABLE, the message stored', async () => {
    const b = await broker({ config: { brokerRole: 'SYNC_MASTER' } });
    const c = client();
    const r = await c.invoke(b.address, sendRequest({ topic: 'Sync', body: 'kept' }), 3000);
    expect(r.code).toBe(ResponseCode.SLAVE_NOT_AVAILABLE);
    expect(r.extFields['msgId']).toMatch(/^[0-9A-F]{32}$/);
    expect(decodeMessages((await c.invoke(b.address, pullRequest({ group: 'G', topic: 'Sync' }), 3000)).body!)[0]!.body!.toString()).toBe('kept');
  });

  it('answers SYSTEM_BUSY [REJECTREQUEST] while the store is busy writing, before queueing (rejectRequest)', async () => {
    const b = await broker();
    const store = b.broker.store as DefaultMessageStore;
    const c = client();
    store.isOSPageCacheBusy = () => true;
    const r = await c.invoke(b.address, sendRequest({ topic: 'Busy' }), 3000);
    expect(r).toMatchObject({ code: ResponseCode.SYSTEM_BUSY, remark: '[REJECTREQUEST]system busy, start flow control for a while' });
    store.isOSPageCacheBusy = () => false;
    expect((await c.invoke(b.address, sendRequest({ topic: 'Busy' }), 3000)).code).toBe(ResponseCode.SUCCESS);
  });

  it('forbids sends to an order topic on a broker without write permission (the only send Java forbids for it)', async () => {
    const b = await broker({ config: { brokerPermission: 4 } });
    b.broker.topics.updateTopicConfig({ topicName: 'Ordered', readQueueNums: 1, writeQueueNums: 1, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: true });
    const c = client();
    const r = await c.invoke(b.address, sendRequest({ topic: 'Ordered' }), 3000);
    expect(r).toMatchObject({ code: ResponseCode.NO_PERMISSION, remark: 'the broker[127.0.0.1] sending message is forbidden' });
    expect((await c.invoke(b.address, sendRequest({ topic: 'Unordered' }), 3000)).code).toBe(ResponseCode.SUCCESS);
  });
});
