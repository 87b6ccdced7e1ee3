/**
 * What processors see of the broker. The Broker class implements it; the
 * processors depend on this interface only, so each processor family stays
 * one file and later families (transactions, delay delivery, admin) plug in
 * the same way.
 */
import type { Logger } from '@rocketmq-ts/common';
import type { MessageStore, PutMessageRequest, PutMessageResult } from '@rocketmq-ts/store';
import type { Broker2Client } from './client/broker2client.js';
import type { ConsumerManager } from './client/consumer-manager.js';
import type { ProducerManager } from './client/producer-manager.js';
import type { BrokerConfig } from './config.js';
import type { ConsumerFilterManager } from './filter/consumer-filter-manager.js';
import type { PullRequestHoldService } from './longpolling/pull-request-hold-service.js';
import type { ConsumerOffsetManager } from './offset/consumer-offset-manager.js';
import type { BrokerStatsManager } from './stats/broker-stats-manager.js';
import type { SubscriptionGroupManager } from './subscription/subscription-group-manager.js';
import type { TopicConfigManager } from './topic/topic-config-manager.js';

/**
 * The seam for delayed delivery (ScheduleMessageService). When a broker has
 * one, sends with a DELAY level go to SCHEDULE_TOPIC_XXXX (queue level-1)
 * with REAL_TOPIC/REAL_QID, as Java's CommitLog does, and the service
 * delivers them when due. Without one, they are stored to their real topic
 * at once (and the broker logs that once).
 */
export interface DelayDelivery {
  /** Levels above this are lowered to it. */
  readonly maxDelayLevel: number;
}

/**
 * The seam for transactional messages (TransactionalMessageService). A
 * prepared message (TRAN_MSG=true) is handed to it instead of the store.
 * Without one, such sends are refused with NO_PERMISSION and a remark
 * saying so, so a half message can never become visible by accident.
 */
export interface TransactionService {
  prepareMessage(msg: PutMessageRequest): Promise<PutMessageResult>;
}

export interface BrokerContext {
  readonly config: BrokerConfig;
  readonly log: Logger;
  /** The started store; processors only run once it is. */
  readonly store: MessageStore;
  readonly topics: TopicConfigManager;
  readonly groups: SubscriptionGroupManager;
  readonly offsets: ConsumerOffsetManager;
  readonly consumers: ConsumerManager;
  readonly producers: ProducerManager;
  readonly filters: ConsumerFilterManager;
  readonly pullHold: PullRequestHoldService;
  readonly broker2Client: Broker2Client;
  /** TOPIC_PUT_NUMS, GROUP_GET_NUMS... (BrokerStatsManager): the send and pull paths record into it. */
  readonly stats: BrokerStatsManager;
  /** brokerIP1:listenPort, as registered with the NameServer. */
  readonly brokerAddr: string;
  /** "ip:port" written as STOREHOST into every stored message. */
  readonly storeHost: string;
  readonly delayDelivery: DelayDelivery | undefined;
  readonly transactions: TransactionService | undefined;
  /** GET_BROKER_RUNTIME_INFO's table. */
  runtimeInfo(): Record<string, string>;
}
