/**
 * A typed, in-process view of the broker's metrics for an exporter running
 * in the same process (Prometheus or otherwise). It carries the same
 * figures the admin codes serve over the wire (GET_BROKER_RUNTIME_INFO,
 * VIEW_BROKER_STATS_DATA), without text formatting: counters as numbers
 * that only grow, plus the last-minute windows.
 */
import type { MessageStore, StoreStatsSnapshot } from '@rocketmq-ts/store';
import type { ConsumerManager } from '../client/consumer-manager.js';
import type { ProducerManager } from '../client/producer-manager.js';
import type { PullRequestHoldService } from '../longpolling/pull-request-hold-service.js';
import type { RequestPool } from '../request-pool.js';
import type { BrokerStats } from './broker-stats.js';
import type { BrokerStatsManager } from './broker-stats-manager.js';
import type { StatsSnapshot } from './stats-item.js';

export interface RequestQueueMetrics {
  /** Requests waiting for a slot. */
  readonly queued: number;
  /** Requests being handled. */
  readonly active: number;
  /** How long the oldest waiting request has waited, ms. */
  readonly headWaitMs: number;
}

/** One BrokerStatsManager item: running totals and the last minute. */
export interface StatsItemMetrics {
  readonly statsName: string;
  readonly statsKey: string;
  /** Sum of values recorded since start (messages, bytes, or ms for GROUP_GET_LATENCY). */
  readonly value: number;
  /** Recordings since start. */
  readonly times: number;
  readonly lastMinute: StatsSnapshot;
}

export interface BrokerMetrics {
  readonly timestamp: number;
  readonly clusterName: string;
  readonly brokerName: string;
  readonly brokerAddr: string;
  /** The store's counters, latencies and rates; undefined before the store is open. */
  readonly store: StoreStatsSnapshot | undefined;
  /** CommitLog bytes not yet dispatched to the queues. */
  readonly dispatchBehindBytes: number;
  readonly requestQueues: Readonly<Record<string, RequestQueueMetrics>>;
  readonly producerGroupsOnline: number;
  readonly consumerGroupsOnline: number;
  readonly heldPullRequests: number;
  /** The store's put/get totals at the last two local midnights (0 until one passed). */
  readonly dailyTotals: {
    readonly putTodayMorning: number;
    readonly putYesterdayMorning: number;
    readonly getTodayMorning: number;
    readonly getYesterdayMorning: number;
  };
  /** Every stats item (TOPIC_PUT_NUMS by topic, GROUP_GET_NUMS by topic@group...). */
  readonly statsItems: readonly StatsItemMetrics[];
}

export interface MetricsSources {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly brokerAddr: string;
  readonly store: MessageStore | undefined;
  readonly pools: Readonly<Record<string, RequestPool>>;
  readonly producers: ProducerManager;
  readonly consumers: ConsumerManager;
  readonly pullHold: PullRequestHoldService;
  readonly brokerStats: BrokerStats;
  readonly stats: BrokerStatsManager;
}

export function collectBrokerMetrics(src: MetricsSources): BrokerMetrics {
  const now = Date.now();
  const requestQueues: Record<string, RequestQueueMetrics> = {};
  for (const [name, pool] of Object.entries(src.pools)) requestQueues[name] = { queued: pool.queued, active: pool.active, headWaitMs: pool.headWaitMs(now) };
  const statsItems: StatsItemMetrics[] = [];
  for (const it of src.stats.allItems()) {
    statsItems.push({ statsName: it.statsName, statsKey: it.statsKey, value: it.value, times: it.times, lastMinute: it.getStatsDataInMinute() });
  }
  const b = src.brokerStats;
  return {
    timestamp: now,
    clusterName: src.clusterName,
    brokerName: src.brokerName,
    brokerAddr: src.brokerAddr,
    store: src.store?.getStats(),
    dispatchBehindBytes: src.store?.dispatchBehindBytes() ?? 0,
    requestQueues,
    producerGroupsOnline: src.producers.groupChannelTable.size,
    consumerGroupsOnline: src.consumers.table.size,
    heldPullRequests: src.pullHold.size,
    dailyTotals: {
      putTodayMorning: b.msgPutTotalTodayMorning,
      putYesterdayMorning: b.msgPutTotalYesterdayMorning,
      getTodayMorning: b.msgGetTotalTodayMorning,
      getYesterdayMorning: b.msgGetTotalYesterdayMorning,
    },
    statsItems,
  };
}
