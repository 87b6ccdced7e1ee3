/**
 * Long polling (PullRequestHoldService.java): a pull that finds nothing new
 * waits here until a matching message is dispatched to its queue (the
 * store's arrival listener calls notifyMessageArriving) or its suspend time
 * runs out; either way the pull is run again and answered then.
 */
import { type Logger, errorMessage, silentLogger } from '@rocketmq-ts/common';
import type { MessageProperties, RemotingCommand } from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import type { ExpressionMessageFilter } from '../filter/message-filter.js';

export interface PullRequest {
  readonly request: RemotingCommand;
  readonly channel: Channel;
  readonly timeoutMillis: number;
  readonly suspendTimestamp: number;
  /** The offset the consumer asked for: anything at or past it wakes the request. */
  readonly pullFromThisOffset: number;
  readonly filter: ExpressionMessageFilter;
  readonly sqlFilter: boolean;
}

export interface PullRequestHoldServiceDeps {
  /** Current max offset of a queue. */
  readonly maxOffset: (topic: string, queueId: number) => number;
  /** Runs a held pull again, without suspending it a second time, and answers it. */
  readonly wakeUp: (pr: PullRequest) => void;
  /** ms between checks for requests whose time is up. */
  readonly checkIntervalMs: number;
  readonly logger?: Logger;
}

export class PullRequestHoldService {
  /** topic -> queueId -> held requests. */
  private readonly table = new Map<string, Map<number, PullRequest[]>>();
  private held = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly deps: PullRequestHoldServiceDeps;
  private readonly log: Logger;

  constructor(deps: PullRequestHoldServiceDeps) {
    this.deps = deps;
    this.log = (deps.logger ?? silentLogger).child({ component: 'pull-hold' });
  }

  /** Requests held now. */
  get size(): number {
    return this.held;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.checkHoldRequest(), this.deps.checkIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and forgets the held requests (their connections are closing). */
  shutdown(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.table.clear();
    this.held = 0;
  }

  suspendPullRequest(topic: string, queueId: number, pr: PullRequest): void {
    let byQueue = this.table.get(topic);
    if (byQueue === undefined) {
      byQueue = new Map();
      this.table.set(topic, byQueue);
    }
    const list = byQueue.get(queueId);
    if (list === undefined) byQueue.set(queueId, [pr]);
    else list.push(pr);
    this.held++;
  }

  /** Every held queue against its current max offset: wakes requests with news or out of time. */
  checkHoldRequest(now = Date.now()): void {
    for (const [topic, byQueue] of [...this.table]) {
      for (const queueId of [...byQueue.keys()]) {
        try {
          this.notifyMessageArriving(topic, queueId, this.deps.maxOffset(topic, queueId), undefined, undefined, now);
        } catch (err) {
          this.log.error({ topic, queueId, err: errorMessage(err) }, 'check hold request failed');
        }
      }
    }
  }

  /**
   * A message reached `topic`/`queueId` (the queue's max offset is now
   * `maxOffset`). Requests waiting for it whose filter matches are woken;
   * `tagsCode` and `properties` describe the message when one arrived (not
   * on the periodic check).
   */
  notifyMessageArriving(
    topic: string,
    queueId: number,
    maxOffset: number,
    tagsCode: number | undefined,
    properties: (() => MessageProperties) | undefined,
    now = Date.now(),
  ): void {
    if (this.held === 0) return;
    const byQueue = this.table.get(topic);
    const list = byQueue?.get(queueId);
    if (byQueue === undefined || list === undefined) return;
    byQueue.delete(queueId);
    if (byQueue.size === 0) this.table.delete(topic);
    this.held -= list.length;
    let keep: PullRequest[] | undefined;
    let newest = maxOffset;
    for (const pr of list) {
      if (!pr.channel.isOpen) continue;
      if (newest <= pr.pullFromThisOffset) newest = this.deps.maxOffset(topic, queueId);
      if (newest > pr.pullFromThisOffset) {
        let match = tagsCode === undefined || pr.filter.isMatchedByConsumeQueue(tagsCode);
        if (match && pr.sqlFilter && properties !== undefined) match = pr.filter.matchProperties(properties());
        if (match) {
          this.deps.wakeUp(pr);
          continue;
        }
      }
      if (now >= pr.suspendTimestamp + pr.timeoutMillis) {
        this.deps.wakeUp(pr);
        continue;
      }
      (keep ??= []).push(pr);
    }
    if (keep !== undefined) {
      for (const pr of keep) this.suspendPullRequest(topic, queueId, pr);
    }
  }
}
