import { describe, expect, it } from 'vitest';
import type { MessageQueue } from '@rocketmq-ts/protocol';
import {
  ConsistentHashRing,
  allocateAveragely,
  allocateAveragelyByCircle,
  allocateConsistentHash,
  compareMessageQueue,
  md5Hash,
  messageQueueString,
} from '../src/allocate.js';

function queues(n: number, broker = 'b'): MessageQueue[] {
  return Array.from({ length: n }, (_, i) => ({ topic: 'T', brokerName: broker, queueId: i }));
}
const ids = (mqs: MessageQueue[]): number[] => mqs.map((q) => q.queueId);
const cids = (n: number): string[] => Array.from({ length: n }, (_, i) => `c${i}`);

describe('AllocateMessageQueueAveragely', () => {
  it('gives contiguous ranges, the first (mqs % cids) consumers one extra', () => {
    // Java's documented example: 8 queues, 3 consumers -> 3, 3, 2 contiguous.
    const mqs = queues(8);
    expect(ids(allocateAveragely('g', 'c0', mqs, cids(3)))).toEqual([0, 1, 2]);
    expect(ids(allocateAveragely('g', 'c1', mqs, cids(3)))).toEqual([3, 4, 5]);
    expect(ids(allocateAveragely('g', 'c2', mqs, cids(3)))).toEqual([6, 7]);
  });

  it('gives one queue each and nothing to the surplus consumers when there are more consumers than queues', () => {
    const mqs = queues(2);
    expect(ids(allocateAveragely('g', 'c0', mqs, cids(4)))).toEqual([0]);
    expect(ids(allocateAveragely('g', 'c1', mqs, cids(4)))).toEqual([1]);
    expect(ids(allocateAveragely('g', 'c2', mqs, cids(4)))).toEqual([]);
    expect(ids(allocateAveragely('g', 'c3', mqs, cids(4)))).toEqual([]);
  });

  it('covers every queue exactly once for many shapes', () => {
    for (let q = 1; q <= 17; q++) {
      for (let c = 1; c <= 6; c++) {
        const mqs = queues(q);
        const all = cids(c).flatMap((cid) => ids(allocateAveragely('g', cid, mqs, cids(c))));
        expect(all.sort((a, b) => a - b)).toEqual(ids(mqs));
      }
    }
  });

  it('returns nothing for a client id not in the list (Java logs [BUG] and returns empty)', () => {
    expect(allocateAveragely('g', 'x', queues(4), cids(2))).toEqual([]);
  });
});

describe('AllocateMessageQueueAveragelyByCircle', () => {
  it('deals queues round robin', () => {
    const mqs = queues(8);
    expect(ids(allocateAveragelyByCircle('g', 'c0', mqs, cids(3)))).toEqual([0, 3, 6]);
    expect(ids(allocateAveragelyByCircle('g', 'c1', mqs, cids(3)))).toEqual([1, 4, 7]);
    expect(ids(allocateAveragelyByCircle('g', 'c2', mqs, cids(3)))).toEqual([2, 5]);
  });
});

describe('AllocateMessageQueueConsistentHash', () => {
  it('hashes with the first four MD5 bytes as an unsigned int', () => {
    // md5("") = d41d8cd98f00b204e9800998ecf8427e
    expect(md5Hash('')).toBe(0xd41d8cd9);
  });

  it('keys queues by MessageQueue.toString()', () => {
    expect(messageQueueString({ topic: 'T', brokerName: 'b', queueId: 3 })).toBe('MessageQueue [topic=T, brokerName=b, queueId=3]');
  });

  it('routes to the first ring point at or after the hash, wrapping around', () => {
    const points: Record<string, number> = { 'a-0': 100, 'b-0': 200, k1: 150, k2: 250, k3: 100, k4: 5 };
    const ring = new ConsistentHashRing(['a', 'b'], 1, (k) => points[k]!);
    expect(ring.route('k1')).toBe('b');
    expect(ring.route('k2')).toBe('a');
    expect(ring.route('k3')).toBe('a');
    expect(ring.route('k4')).toBe('a');
  });

  it('partitions all queues among the consumers and moves few when one joins', () => {
    const mqs = [...queues(16, 'a'), ...queues(16, 'b')].sort(compareMessageQueue);
    const three = cids(3);
    const owned = three.map((c) => allocateConsistentHash('g', c, mqs, three).map(messageQueueString));
    expect(owned.flat().sort()).toEqual(mqs.map(messageQueueString).sort());
    const four = cids(4);
    const after = four.map((c) => allocateConsistentHash('g', c, mqs, four).map(messageQueueString));
    let moved = 0;
    for (let i = 0; i < 3; i++) moved += owned[i]!.filter((q) => !after[i]!.includes(q)).length;
    // Only queues taken over by the new consumer move.
    expect(moved).toBe(after[3]!.length);
  });
});

describe('MessageQueue order', () => {
  it('sorts by topic, broker name, queue id as Java compareTo', () => {
    const list: MessageQueue[] = [
      { topic: 'b', brokerName: 'x', queueId: 0 },
      { topic: 'a', brokerName: 'y', queueId: 1 },
      { topic: 'a', brokerName: 'y', queueId: 0 },
      { topic: 'a', brokerName: 'x', queueId: 5 },
    ];
    expect(list.sort(compareMessageQueue).map((q) => `${q.topic}${q.brokerName}${q.queueId}`)).toEqual(['ax5', 'ay0', 'ay1', 'bx0']);
  });
});
