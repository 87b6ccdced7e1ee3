/**
 * From a topic route (GET_ROUTEINFO_BY_TOPIC) to what producers and
 * consumers use: the writable queues of masters (publish) and the readable
 * queues (subscribe), as MQClientInstance.topicRouteData2TopicPublishInfo /
 * topicRouteData2TopicSubscribeInfo do.
 */
import { MixAll, isReadable, isWriteable } from '@rocketmq-ts/protocol';
import type { MessageQueue, QueueData, TopicRouteData } from '@rocketmq-ts/protocol';

/** QueueData.compareTo: by broker name. */
function byBrokerName(a: QueueData, b: QueueData): number {
  return a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0;
}

/** A counter that starts at a random value, like Java's ThreadLocalIndex. */
export class RotatingIndex {
  private value: number;
  constructor(start: number = Math.floor(Math.random() * 0x7fffffff)) {
    this.value = start | 0;
  }
  /** Next non-negative index (Math.abs of an int32 that wraps, as Java). */
  next(): number {
    this.value = (this.value + 1) | 0;
    return this.value < 0 ? (this.value === -0x80000000 ? 0 : -this.value) : this.value;
  }
}

export class TopicPublishInfo {
  readonly orderTopic: boolean;
  readonly messageQueueList: readonly MessageQueue[];
  readonly route: TopicRouteData;
  readonly sendWhichQueue: RotatingIndex;

  constructor(topic: string, route: TopicRouteData, index: RotatingIndex = new RotatingIndex()) {
    this.route = route;
    this.sendWhichQueue = index;
    const list: MessageQueue[] = [];
    if (route.orderTopicConf !== undefined && route.orderTopicConf.length > 0) {
      // "brokerA:4;brokerB:4": a fixed queue layout for ordered topics (KV config ORDER_TOPIC_CONFIG).
      for (const item of route.orderTopicConf.split(';')) {
        const [broker, nums] = item.split(':');
        const n = Number.parseInt(nums ?? '', 10);
        if (broker === undefined || !Number.isInteger(n)) continue;
        for (let i = 0; i < n; i++) list.push({ topic, brokerName: broker, queueId: i });
      }
      this.orderTopic = true;
    } else {
      for (const qd of [...route.queueDatas].sort(byBrokerName)) {
        if (!isWriteable(qd.perm)) continue;
        const bd = route.brokerDatas.find((b) => b.brokerName === qd.brokerName);
        if (bd === undefined || !bd.brokerAddrs.has(MixAll.MASTER_ID)) continue;
        for (let i = 0; i < qd.writeQueueNums; i++) list.push({ topic, brokerName: qd.brokerName, queueId: i });
      }
      this.orderTopic = false;
    }
    this.messageQueueList = list;
  }

  ok(): boolean {
    return this.messageQueueList.length > 0;
  }

  /** Round robin over all queues. */
  selectOneMessageQueue(): MessageQueue {
    return this.messageQueueList[this.sendWhichQueue.next() % this.messageQueueList.length]!;
  }

  /** Round robin, skipping queues of `lastBrokerName` while another broker has one. */
  selectAvoiding(lastBrokerName: string | undefined): MessageQueue {
    if (lastBrokerName === undefined) return this.selectOneMessageQueue();
    for (let i = 0; i < this.messageQueueList.length; i++) {
      const mq = this.messageQueueList[this.sendWhichQueue.next() % this.messageQueueList.length]!;
      if (mq.brokerName !== lastBrokerName) return mq;
    }
    return this.selectOneMessageQueue();
  }

  /** Write queue count of a writable broker, or -1. */
  writeQueueNumsOf(brokerName: string): number {
    for (const qd of this.route.queueDatas) {
      if (isWriteable(qd.perm) && qd.brokerName === brokerName) return qd.writeQueueNums;
    }
    return -1;
  }
}

/** The readable queues of a topic. */
export function topicRouteToSubscribeQueues(topic: string, route: TopicRouteData): MessageQueue[] {
  const out: MessageQueue[] = [];
  for (const qd of route.queueDatas) {
    if (!isReadable(qd.perm)) continue;
    for (let i = 0; i < qd.readQueueNums; i++) out.push({ topic, brokerName: qd.brokerName, queueId: i });
  }
  return out;
}

/** Whether two routes differ, ignoring list order (MQClientInstance.topicRouteDataIsChange). */
export function routeChanged(a: TopicRouteData | undefined, b: TopicRouteData | undefined): boolean {
  if (a === undefined || b === undefined) return true;
  return routeKey(a) !== routeKey(b);
}

function routeKey(r: TopicRouteData): string {
  const qds = [...r.queueDatas].sort(byBrokerName).map((q) => `${q.brokerName}/${q.readQueueNums}/${q.writeQueueNums}/${q.perm}/${q.topicSysFlag}`);
  const bds = [...r.brokerDatas]
    .sort((x, y) => (x.brokerName < y.brokerName ? -1 : x.brokerName > y.brokerName ? 1 : 0))
    .map((b) => `${b.cluster}/${b.brokerName}/${[...b.brokerAddrs].sort((x, y) => x[0] - y[0]).map(([id, addr]) => `${id}=${addr}`).join(',')}`);
  return `${r.orderTopicConf ?? ''}|${qds.join(';')}|${bds.join(';')}`;
}
