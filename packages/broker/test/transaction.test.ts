/**
 * Transactional messages end to end with our TransactionProducer: commit,
 * rollback, an unknown outcome resolved by a check-back, one never resolved
 * (discarded after transactionCheckMax checks, with a log line), the
 * immunity property, and a pending transaction surviving a broker restart.
 */
import { MemoryLogger } from '@rocketmq-ts/common';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalTransactionState, type ReceivedMessage, TransactionProducer, type TransactionChecker } from '@rocketmq-ts/client';
import { MessageSysFlag, RequestCode, ResponseCode, createRequest } from '@rocketmq-ts/protocol';
import type { StartedBroker } from '@rocketmq-ts/testkit';
import { FAST_CLIENT, featureCluster, instanceName, storedMessages } from './features-helpers.js';
import { client, onCleanup, sleep, waitFor } from './helpers.js';

/** Short transaction timers: checked 1 s after birth, a round every 500 ms. */
const FAST_TX = { transactionTimeOut: 1000, transactionCheckInterval: 500 } as const;

async function txProducer(nsAddr: string, group: string, checker: TransactionChecker): Promise<TransactionProducer> {
  const p = new TransactionProducer({ nameServer: nsAddr, group, instanceName: instanceName('tx'), checkLocalTransaction: checker, ...FAST_CLIENT });
  await p.start();
  onCleanup(() => p.shutdown());
  return p;
}

async function opBodies(b: StartedBroker): Promise<string[]> {
  return (await storedMessages(b, 'RMQ_SYS_TRANS_OP_HALF_TOPIC')).map((m) => {
    expect(m.properties['TAGS']).toBe('d');
    return m.body!.toString();
  });
}

describe('transactions', () => {
  it('commits: the half message becomes a normal message of its topic and queue; an op message marks it done', async () => {
    const cl = await featureCluster(FAST_TX);
    const b = cl.broker;
    await b.broker.createTopic('TxCommit', 2);
    const p = await txProducer(cl.nsAddr, 'PG_TX_COMMIT', () => LocalTransactionState.UNKNOW);
    const r = await p.sendMessageInTransaction({ topic: 'TxCommit', body: 'paid', keys: 'order-1' }, () => LocalTransactionState.COMMIT_MESSAGE);
    expect(r.localTransactionState).toBe('COMMIT_MESSAGE');
    await waitFor(async () => (await storedMessages(b, 'TxCommit')).length === 1, 5000, 'the committed message');
    const [m] = await storedMessages(b, 'TxCommit');
    expect(m!.body!.toString()).toBe('paid');
    expect(m!.queueId).toBe(r.messageQueue.queueId);
    expect(m!.sysFlag & MessageSysFlag.TRANSACTION_ROLLBACK_TYPE).toBe(MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    const [half] = await storedMessages(b, 'RMQ_SYS_TRANS_HALF_TOPIC');
    expect(m!.preparedTransactionOffset).toBe(half!.commitLogOffset);
    expect(m!.properties).toMatchObject({ KEYS: 'order-1', PGROUP: 'PG_TX_COMMIT' });
    for (const k of ['REAL_TOPIC', 'REAL_QID', 'TRAN_MSG']) expect(m!.properties[k]).toBeUndefined();
    expect(half!.properties).toMatchObject({ REAL_TOPIC: 'TxCommit', REAL_QID: String(r.messageQueue.queueId), TRAN_MSG: 'true' });
    // The op message is written once the commit is stored.
    await waitFor(async () => (await opBodies(b)).length === 1, 5000, 'the op message');
    expect(await opBodies(b)).toEqual([String(half!.queueOffset)]);
    // The check service reads the op and moves the CID_RMQ_SYS_TRANS offsets past both.
    await waitFor(
      () => b.broker.offsets.queryOffset('CID_RMQ_SYS_TRANS', 'RMQ_SYS_TRANS_HALF_TOPIC', 0) === 1 && b.broker.offsets.queryOffset('CID_RMQ_SYS_TRANS', 'RMQ_SYS_TRANS_OP_HALF_TOPIC', 0) === 1,
      8000,
      'the half and op offsets',
    );
    expect(b.broker.features.transactions.stats.checksSent).toBe(0);
  });

  it('rolls back: nothing reaches the topic, and nobody is asked later', async () => {
    const cl = await featureCluster(FAST_TX);
    const b = cl.broker;
    await b.broker.createTopic('TxRollback', 1);
    let checks = 0;
    const p = await txProducer(cl.nsAddr, 'PG_TX_ROLLBACK', () => {
      checks++;
      return LocalTransactionState.UNKNOW;
    });
    await p.sendMessageInTransaction({ topic: 'TxRollback', body: 'cancelled' }, () => LocalTransactionState.ROLLBACK_MESSAGE);
    await waitFor(async () => (await opBodies(b)).length === 1, 5000, 'the op message');
    await waitFor(() => b.broker.offsets.queryOffset('CID_RMQ_SYS_TRANS', 'RMQ_SYS_TRANS_HALF_TOPIC', 0) === 1, 8000, 'the half offset past it');
    expect(await storedMessages(b, 'TxRollback')).toEqual([]);
    expect(checks).toBe(0);
  });

  it('asks the producer about an unknown outcome after transactionTimeOut (CHECK_TRANSACTION_STATE) and commits on its answer', async () => {
    const cl = await featureCluster(FAST_TX);
    const b = cl.broker;
    await b.broker.createTopic('TxCheck', 1);
    const checked: Array<{ at: number; m: ReceivedMessage }> = [];
    const p = await txProducer(cl.nsAddr, 'PG_TX_CHECK', (m) => {
      checked.push({ at: Date.now(), m });
      return LocalTransactionState.COMMIT_MESSAGE;
    });
    const sentAt = Date.now();
    const r = await p.sendMessageInTransaction({ topic: 'TxCheck', body: 'maybe' }, () => LocalTransactionState.UNKNOW);
    expect(r.localTransactionState).toBe('UNKNOW');
    await waitFor(async () => (await storedMessages(b, 'TxCheck')).length === 1, 10_000, 'the message committed by the check');
    expect(checked).toHaveLength(1);
    expect(checked[0]!.at - sentAt).toBeGreaterThanOrEqual(1000);
    // The check is about the message of the real topic, with its check count.
    expect(checked[0]!.m.topic).toBe('TxCheck');
    expect(checked[0]!.m.properties['TRANSACTION_CHECK_TIMES']).toBe('1');
    expect(checked[0]!.m.transactionId).toBe(r.msgId);
    const [m] = await storedMessages(b, 'TxCheck');
    expect(m!.body!.toString()).toBe('maybe');
    // Once committed, never asked again.
    await sleep(1500);
    expect(checked).toHaveLength(1);
    expect((await storedMessages(b, 'TxCheck')).length).toBe(1);
  });

  it('gives up after transactionCheckMax checks: moved to TRANS_CHECK_MAX_TIME_TOPIC with an error line, never delivered', async () => {
    const log = new MemoryLogger();
    const cl = await featureCluster({ ...FAST_TX, transactionCheckMax: 3 }, log);
    const b = cl.broker;
    await b.broker.createTopic('TxForever', 1);
    const counts: string[] = [];
    let decided = false;
    const p = await txProducer(cl.nsAddr, 'PG_TX_FOREVER', (m) => {
      counts.push(m.properties['TRANSACTION_CHECK_TIMES'] ?? '?');
      return decided ? LocalTransactionState.COMMIT_MESSAGE : LocalTransactionState.UNKNOW;
    });
    await p.sendMessageInTransaction({ topic: 'TxForever', body: 'undecided' }, () => LocalTransactionState.UNKNOW);
    await waitFor(async () => (await storedMessages(b, 'TRANS_CHECK_MAX_TIME_TOPIC')).length === 1, 15_000, 'the discarded half message');
    expect(counts).toEqual(['1', '2', '3']);
    const [dead] = await storedMessages(b, 'TRANS_CHECK_MAX_TIME_TOPIC');
    expect(dead!.body!.toString()).toBe('undecided');
    expect(dead!.properties).toMatchObject({ REAL_TOPIC: 'TxForever', TRANSACTION_CHECK_TIMES: '3' });
    const line = log.records.find((l) => l.level === 'error' && l.msg.includes('checked too many times'));
    expect(line?.fields).toMatchObject({ realTopic: 'TxForever', checkTimes: '3', producerGroup: 'PG_TX_FOREVER' });
    await sleep(1200);
    expect(counts).toHaveLength(3);
    expect(await storedMessages(b, 'TxForever')).toEqual([]);
    expect(b.broker.features.transactions.stats.discarded).toBe(1);

    // An operator resumes it (RESUME_CHECK_HALF_MESSAGE by its offset msgId): checked again from 0, committed this time.
    decided = true;
    const c = client();
    const r = await c.invoke(b.address, createRequest(RequestCode.RESUME_CHECK_HALF_MESSAGE, { msgId: dead!.offsetMsgId }), 3000);
    expect(r.code).toBe(ResponseCode.SUCCESS);
    await waitFor(async () => (await storedMessages(b, 'TxForever')).length === 1, 10_000, 'the resumed message committed');
    expect(counts).toEqual(['1', '2', '3', '1']);
  });

  it('honours CHECK_IMMUNITY_TIME_IN_SECONDS: no check before it has passed', async () => {
    const cl = await featureCluster(FAST_TX);
    await cl.broker.broker.createTopic('TxImmune', 1);
    const checkedAt: number[] = [];
    const p = await txProducer(cl.nsAddr, 'PG_TX_IMMUNE', () => {
      checkedAt.push(Date.now());
      return LocalTransactionState.COMMIT_MESSAGE;
    });
    const sentAt = Date.now();
    await p.sendMessageInTransaction({ topic: 'TxImmune', body: 'slow', properties: { CHECK_IMMUNITY_TIME_IN_SECONDS: '3' } }, () => LocalTransactionState.UNKNOW);
    await waitFor(async () => (await storedMessages(cl.broker, 'TxImmune')).length === 1, 15_000, 'the commit after immunity');
    expect(checkedAt).toHaveLength(1);
    expect(checkedAt[0]! - sentAt).toBeGreaterThanOrEqual(3000);
  });

  it('keeps a pending transaction across a broker restart: checked and committed afterwards, once; offsets in consumerOffset.json', async () => {
    // No checks before the restart (transactionTimeOut 60 s), quick ones after.
    const cl = await featureCluster({ transactionTimeOut: 60_000, transactionCheckInterval: 300 });
    await cl.broker.broker.createTopic('TxRestart', 1);
    let checks = 0;
    const p = await txProducer(cl.nsAddr, 'PG_TX_RESTART', () => {
      checks++;
      return LocalTransactionState.COMMIT_MESSAGE;
    });
    await p.sendMessageInTransaction({ topic: 'TxRestart', body: 'done' }, () => LocalTransactionState.COMMIT_MESSAGE);
    await p.sendMessageInTransaction({ topic: 'TxRestart', body: 'pending' }, () => LocalTransactionState.UNKNOW);
    await waitFor(async () => (await storedMessages(cl.broker, 'TxRestart')).length === 1, 5000, 'the first commit');
    // The check round has passed the committed one (its op read), and stops at the pending one.
    await waitFor(() => cl.broker.broker.offsets.queryOffset('CID_RMQ_SYS_TRANS', 'RMQ_SYS_TRANS_HALF_TOPIC', 0) === 1, 8000, 'half offset 1');
    const dir = cl.broker.dir;
    const b = await cl.restart({ transactionTimeOut: 1000, transactionCheckInterval: 1000 });
    const offsets = await readFile(join(dir, 'config', 'consumerOffset.json'), 'utf8');
    expect(offsets).toContain('"RMQ_SYS_TRANS_HALF_TOPIC@CID_RMQ_SYS_TRANS":{0:1}');
    expect(offsets).toContain('"RMQ_SYS_TRANS_OP_HALF_TOPIC@CID_RMQ_SYS_TRANS":{0:1}');
    await waitFor(async () => (await storedMessages(b, 'TxRestart')).length === 2, 15_000, 'the pending one, committed after the restart');
    expect((await storedMessages(b, 'TxRestart')).map((m) => m.body!.toString())).toEqual(['done', 'pending']);
    expect(checks).toBe(1);
  });
});
