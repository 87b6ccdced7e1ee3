import { describe, expect, it } from 'vitest';
import type { MutableReceivedMessage } from '../src/message.js';
import { ProcessQueue } from '../src/process-queue.js';

function msg(offset: number, size = 10): MutableReceivedMessage {
  return {
    topic: 'T', body: Buffer.alloc(size), tags: undefined, keys: [], properties: {}, msgId: `m${offset}`, offsetMsgId: '', brokerName: 'b',
    queueId: 0, queueOffset: offset, commitLogOffset: offset * 100, reconsumeTimes: 0, bornTimestamp: 0, bornHost: '', storeTimestamp: 0,
    storeHost: '', sysFlag: 0, flag: 0, preparedTransactionOffset: 0, transactionId: undefined,
  };
}

describe('ProcessQueue bookkeeping', () => {
  it('counts messages and bytes, ignores duplicates, and asks for one dispatch', () => {
    const pq = new ProcessQueue();
    expect(pq.putMessage([msg(0), msg(1), msg(2)], 10)).toBe(true);
    expect(pq.putMessage([msg(2), msg(3)])).toBe(false);
    expect(pq.msgCount).toBe(4);
    expect(pq.msgSize).toBe(40);
    expect(pq.getMaxSpan()).toBe(3);
    expect(pq.msgAccCnt).toBe(8);
  });

  it('commits the smallest offset still cached when messages finish out of order', () => {
    const pq = new ProcessQueue();
    const m = [0, 1, 2, 3, 4].map((o) => msg(o));
    pq.putMessage(m);
    expect(pq.removeMessage([m[2]!])).toBe(0);
    expect(pq.removeMessage([m[0]!])).toBe(1);
    expect(pq.removeMessage([m[1]!])).toBe(3);
    expect(pq.removeMessage([m[4]!, m[3]!])).toBe(5);
    expect(pq.msgCount).toBe(0);
    expect(pq.msgSize).toBe(0);
    // Nothing cached: -1, the offset must not move.
    expect(pq.removeMessage([m[0]!])).toBe(-1);
  });

  it('returns one past the largest offset ever cached once empty (Java removeMessage)', () => {
    const pq = new ProcessQueue();
    pq.putMessage([msg(10), msg(11)]);
    expect(pq.removeMessage([msg(10), msg(11)])).toBe(12);
  });

  it('handles many messages with a sliding head', () => {
    const pq = new ProcessQueue();
    const all = Array.from({ length: 5000 }, (_, i) => msg(i, 1));
    pq.putMessage(all);
    const committed: number[] = [];
    for (let i = 0; i < 4999; i++) committed.push(pq.removeMessage([all[i]!]));
    expect(committed).toEqual(Array.from({ length: 4999 }, (_, i) => i + 1));
    expect(pq.getMaxSpan()).toBe(0);
    expect(pq.firstCached()?.queueOffset).toBe(4999);
  });

  it('orderly: take, commit, and consume again in offset order', () => {
    const pq = new ProcessQueue();
    pq.putMessage([msg(5), msg(6), msg(7)]);
    const first = pq.takeMessages(1);
    expect(first.map((m) => m.queueOffset)).toEqual([5]);
    expect(pq.commit()).toBe(6);
    const second = pq.takeMessages(1);
    pq.makeMessageToConsumeAgain(second);
    expect(pq.takeMessages(1).map((m) => m.queueOffset)).toEqual([6]);
    pq.rollback();
    expect(pq.takeMessages(2).map((m) => m.queueOffset)).toEqual([6, 7]);
    expect(pq.commit()).toBe(8);
    expect(pq.msgCount).toBe(0);
    expect(pq.takeMessages(1)).toEqual([]);
    // With the queue drained, the next put dispatches a consumer again.
    expect(pq.putMessage([msg(8)])).toBe(true);
  });

  it('expires locks and pulls by age', () => {
    let now = 0;
    const pq = new ProcessQueue(() => now);
    now = ProcessQueue.REBALANCE_LOCK_MAX_LIVE_TIME + 1;
    expect(pq.isLockExpired()).toBe(true);
    expect(pq.isPullExpired()).toBe(false);
    now = ProcessQueue.PULL_MAX_IDLE_TIME + 1;
    expect(pq.isPullExpired()).toBe(true);
  });

  it('reports its state for GET_CONSUMER_RUNNING_INFO', () => {
    const pq = new ProcessQueue();
    pq.putMessage([msg(3), msg(9)]);
    const info = pq.info(3);
    expect(info).toMatchObject({ commitOffset: 3, cachedMsgMinOffset: 3, cachedMsgMaxOffset: 9, cachedMsgCount: 2, droped: false });
  });
});
