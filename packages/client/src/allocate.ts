/**
 * Queue allocation among the consumers of a group, as Java's
 * AllocateMessageQueueAveragely, ...ByCircle and ...ConsistentHash. Every
 * consumer runs the same function over the same sorted inputs (queues by
 * topic, broker name, queue id; client ids by string order), so they agree
 * on who owns what without talking to each other.
 */
import { createHash } from 'node:crypto';
import type { MessageQueue } from '@rocketmq-ts/protocol';

export interface AllocateStrategyObject {
  readonly name: string;
  /**
   * The queues `currentCID` owns. `mqAll` and `cidAll` are sorted; the
   * result must be a subset of `mqAll`.
   */
  allocate(consumerGroup: string, currentCID: string, mqAll: readonly MessageQueue[], cidAll: readonly string[]): MessageQueue[];
}

export type AllocateStrategy = 'AVG' | 'AVG_BY_CIRCLE' | 'CONSISTENT_HASH' | AllocateStrategyObject;

/** Java's MessageQueue.compareTo: topic, then broker name, then queue id. */
export function compareMessageQueue(a: MessageQueue, b: MessageQueue): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}

/** Java's String.compareTo order (UTF-16 code units), which JS `<` already is. */
export function compareString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function usable(currentCID: string, mqAll: readonly MessageQueue[], cidAll: readonly string[]): boolean {
  // Java throws on empty inputs; an empty result is the useful answer for a caller.
  return currentCID.length > 0 && mqAll.length > 0 && cidAll.includes(currentCID);
}

export function allocateAveragely(_group: string, currentCID: string, mqAll: readonly MessageQueue[], cidAll: readonly string[]): MessageQueue[] {
  if (!usable(currentCID, mqAll, cidAll)) return [];
  const index = cidAll.indexOf(currentCID);
  const mod = mqAll.length % cidAll.length;
  const averageSize =
    mqAll.length <= cidAll.length ? 1 : mod > 0 && index < mod ? Math.floor(mqAll.length / cidAll.length) + 1 : Math.floor(mqAll.length / cidAll.length);
  const startIndex = mod > 0 && index < mod ? index * averageSize : index * averageSize + mod;
  const range = Math.min(averageSize, mqAll.length - startIndex);
  const result: MessageQueue[] = [];
  for (let i = 0; i < range; i++) result.push(mqAll[(startIndex + i) % mqAll.length]!);
  return result;
}

export function allocateAveragelyByCircle(_group: string, currentCID: string, mqAll: readonly MessageQueue[], cidAll: readonly string[]): MessageQueue[] {
  if (!usable(currentCID, mqAll, cidAll)) return [];
  const index = cidAll.indexOf(currentCID);
  const result: MessageQueue[] = [];
  for (let i = index; i < mqAll.length; i++) {
    if (i % cidAll.length === index) result.push(mqAll[i]!);
  }
  return result;
}

/** First four bytes of MD5 as an unsigned int (ConsistentHashRouter.MD5Hash). */
export function md5Hash(key: string): number {
  return createHash('md5').update(key, 'utf8').digest().readUInt32BE(0);
}

/** MessageQueue.toString(), the key Java hashes a queue by. */
export function messageQueueString(mq: MessageQueue): string {
  return `MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`;
}

/** A consistent-hash ring of client ids with `virtualNodes` replicas each ("cid-i"). */
export class ConsistentHashRing {
  private readonly hashes: number[] = [];
  private readonly owners = new Map<number, string>();

  constructor(nodes: readonly string[], virtualNodes: number, private readonly hash: (key: string) => number = md5Hash) {
    for (const node of nodes) {
      for (let i = 0; i < virtualNodes; i++) {
        const h = this.hash(`${node}-${i}`);
        // A TreeMap put: a colliding later node replaces the earlier one.
        if (!this.owners.has(h)) this.hashes.push(h);
        this.owners.set(h, node);
      }
    }
    this.hashes.sort((a, b) => a - b);
  }

  /** The node owning `key`: the first ring point at or after its hash, wrapping around. */
  route(key: string): string | undefined {
    if (this.hashes.length === 0) return undefined;
    const h = this.hash(key);
    let lo = 0;
    let hi = this.hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners.get(this.hashes[lo === this.hashes.length ? 0 : lo]!);
  }
}

export function allocateConsistentHash(
  _group: string,
  currentCID: string,
  mqAll: readonly MessageQueue[],
  cidAll: readonly string[],
  virtualNodes = 10,
): MessageQueue[] {
  if (!usable(currentCID, mqAll, cidAll)) return [];
  const ring = new ConsistentHashRing(cidAll, virtualNodes);
  return mqAll.filter((mq) => ring.route(messageQueueString(mq)) === currentCID);
}

/** The strategy object for a name or object option. */
export function resolveAllocateStrategy(s: AllocateStrategy): AllocateStrategyObject {
  if (typeof s === 'object') return s;
  switch (s) {
    case 'AVG':
      return { name: 'AVG', allocate: allocateAveragely };
    case 'AVG_BY_CIRCLE':
      return { name: 'AVG_BY_CIRCLE', allocate: allocateAveragelyByCircle };
    case 'CONSISTENT_HASH':
      return { name: 'CONSISTENT_HASH', allocate: (g, c, m, a) => allocateConsistentHash(g, c, m, a) };
  }
}
