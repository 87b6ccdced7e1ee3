/**
 * Transactions against the real broker: the local-transaction executor's
 * answer commits or rolls back the half message, and an unknown outcome is
 * settled by the broker's CHECK_TRANSACTION_STATE, answered by the checker.
 */
import { describe, expect, it } from 'vitest';
import { LocalTransactionState } from '../../src/index.js';
import type { ReceivedMessage } from '../../src/index.js';
import { createTopic, realCluster, startedConsumer, transactionProducer, uniq, waitFor } from './support.js';

describe('transactions against the real broker', () => {
  it('commits and rolls back by the executor, and lets the check-back decide an unknown outcome', async () => {
    const c = await realCluster();
    const topic = uniq('TT');
    await createTopic(c, topic, 2);
    const checked: ReceivedMessage[] = [];
    const p = await transactionProducer(c, {
      checkLocalTransaction: (m) => {
        checked.push(m);
        // The local transaction of "unknown-commit" committed after all; "unknown-rollback" did not.
        return m.body.toString() === 'unknown-commit' ? 'COMMIT_MESSAGE' : 'ROLLBACK_MESSAGE';
      },
    });
    const got: ReceivedMessage[] = [];
    await startedConsumer(c, uniq('CG'), topic, '*', (m) => {
      got.push(m);
    });

    const seen: string[] = [];
    const commit = await p.sendMessageInTransaction({ topic, body: 'commit', tags: 'TX', keys: 'k-commit', properties: { order: '1' } }, (m, arg) => {
      seen.push(`${m.transactionId === m.msgId}:${String(arg)}`);
      return LocalTransactionState.COMMIT_MESSAGE;
    }, 'arg-1');
    expect(commit.sendStatus).toBe('SEND_OK');
    expect(commit.localTransactionState).toBe('COMMIT_MESSAGE');
    expect(seen).toEqual(['true:arg-1']);
    const rollback = await p.sendMessageInTransaction({ topic, body: 'rollback' }, () => 'ROLLBACK_MESSAGE');
    expect(rollback.localTransactionState).toBe('ROLLBACK_MESSAGE');
    // UNKNOW, nothing at all, and a throw all leave the outcome to the check-back.
    const unknownCommit = await p.sendMessageInTransaction({ topic, body: 'unknown-commit', keys: 'k-check' }, () => 'UNKNOW');
    expect(unknownCommit.localTransactionState).toBe('UNKNOW');
    const unknownRollback = await p.sendMessageInTransaction({ topic, body: 'unknown-rollback' }, () => {
      throw new Error('local transaction crashed');
    });
    expect(unknownRollback.localTransactionState).toBe('UNKNOW');

    await waitFor(() => got.length >= 2, 20_000, 'the committed and the checked-back message');
    await waitFor(() => checked.length >= 2, 20_000, 'two check-backs');
    const bodies = got.map((m) => m.body.toString()).sort();
    expect(bodies).toEqual(['commit', 'unknown-commit']);
    const committed = got.find((m) => m.body.toString() === 'commit')!;
    expect(committed).toMatchObject({ topic, tags: 'TX', keys: ['k-commit'], msgId: commit.msgId });
    expect(committed.properties['order']).toBe('1');
    const checkedBack = got.find((m) => m.body.toString() === 'unknown-commit')!;
    expect(checkedBack.msgId).toBe(unknownCommit.msgId);
    expect(checkedBack.keys).toEqual(['k-check']);
    // The checker saw the half messages of the unknown outcomes only, with their ids.
    expect(new Set(checked.map((m) => m.body.toString()))).toEqual(new Set(['unknown-commit', 'unknown-rollback']));
    expect(checked.find((m) => m.body.toString() === 'unknown-commit')!.msgId).toBe(unknownCommit.msgId);

    // The rolled-back messages never arrive: a later committed one does, and nothing else.
    await p.sendMessageInTransaction({ topic, body: 'marker' }, () => 'COMMIT_MESSAGE');
    await waitFor(() => got.some((m) => m.body.toString() === 'marker'), 20_000, 'the marker');
    expect(got.map((m) => m.body.toString()).sort()).toEqual(['commit', 'marker', 'unknown-commit']);
  });

  it('keeps asking while the checker answers UNKNOW, and commits once it knows', async () => {
    const c = await realCluster();
    const topic = uniq('TT');
    await createTopic(c, topic, 1);
    let answer: 'UNKNOW' | 'COMMIT_MESSAGE' = 'UNKNOW';
    let checks = 0;
    const p = await transactionProducer(c, {
      checkLocalTransaction: () => {
        checks++;
        return answer;
      },
    });
    const got: ReceivedMessage[] = [];
    await startedConsumer(c, uniq('CG'), topic, '*', (m) => {
      got.push(m);
    });
    const r = await p.sendMessageInTransaction({ topic, body: 'later' }, () => undefined);
    expect(r.localTransactionState).toBe('UNKNOW');
    await waitFor(() => checks >= 2, 20_000, 'two check-backs answered UNKNOW');
    expect(got).toHaveLength(0);
    answer = 'COMMIT_MESSAGE';
    await waitFor(() => got.length === 1, 20_000, 'the message committed by a later check');
    expect(got[0]!.msgId).toBe(r.msgId);
  });
});
