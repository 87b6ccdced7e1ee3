/**
 * The toString() forms of Java objects that mqadmin prints as they are
 * (TopicConfig, SubscriptionGroupConfig, MessageQueue, MessageExt, HashMap,
 * SendResult, ...), and Java's HashSet/HashMap iteration order where the
 * tool iterates one.
 */
import type { MessageTrack } from '@rocketmq-ts/admin';
import type { SendResult } from '@rocketmq-ts/client';
import { javaHashMapOrder, perm2String } from '@rocketmq-ts/protocol';
import type { ConsumeMessageDirectlyResult, MessageExt, MessageQueue, SubscriptionGroupConfig, TopicConfig } from '@rocketmq-ts/protocol';

/** The order a `new HashSet<String>()` (or HashMap keys) holding `items` iterates them. */
export function javaHashSetOrder(items: Iterable<string>): string[] {
  return javaHashMapOrder([...new Set(items)]);
}

/** AbstractMap.toString of a HashMap<String, String> filled in `entries` order: {k=v, k2=v2}. */
export function javaStringMapToString(entries: Iterable<readonly [string, string]>): string {
  const map = new Map(entries);
  return `{${javaHashMapOrder([...map.keys()])
    .map((k) => `${k}=${map.get(k)!}`)
    .join(', ')}}`;
}

/** HashMap<Long, String>.toString for small non-negative keys (ascending): {0=addr, 1=addr}. */
export function javaLongMapToString(map: ReadonlyMap<number, string>): string {
  return `{${[...map].sort(([a], [b]) => a - b).map(([k, v]) => `${k}=${v}`).join(', ')}}`;
}

/** List.toString: [a, b]. */
export function javaListToString(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}

export function topicConfigToString(c: TopicConfig): string {
  return (
    `TopicConfig [topicName=${c.topicName}, readQueueNums=${c.readQueueNums}, writeQueueNums=${c.writeQueueNums}, ` +
    `perm=${perm2String(c.perm)}, topicFilterType=${c.topicFilterType}, topicSysFlag=${c.topicSysFlag}, order=${c.order}]`
  );
}

export function subscriptionGroupConfigToString(c: SubscriptionGroupConfig): string {
  return (
    `SubscriptionGroupConfig [groupName=${c.groupName}, consumeEnable=${c.consumeEnable}, consumeFromMinEnable=${c.consumeFromMinEnable}, ` +
    `consumeBroadcastEnable=${c.consumeBroadcastEnable}, retryQueueNums=${c.retryQueueNums}, retryMaxTimes=${c.retryMaxTimes}, ` +
    `brokerId=${c.brokerId}, whichBrokerWhenConsumeSlowly=${c.whichBrokerWhenConsumeSlowly}, ` +
    `notifyConsumerIdsChangedEnable=${c.notifyConsumerIdsChangedEnable}]`
  );
}

export function messageQueueToString(mq: MessageQueue): string {
  return `MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`;
}

export function sendResultToString(r: SendResult): string {
  return `SendResult [sendStatus=${r.sendStatus}, msgId=${r.msgId}, offsetMsgId=${r.offsetMsgId}, messageQueue=${messageQueueToString(r.messageQueue)}, queueOffset=${r.queueOffset}]`;
}

export function consumeMessageDirectlyResultToString(r: ConsumeMessageDirectlyResult): string {
  return `ConsumeMessageDirectlyResult [order=${r.order}, autoCommit=${r.autoCommit}, consumeResult=${r.consumeResult ?? 'null'}, remark=${r.remark ?? 'null'}, spentTimeMills=${r.spentTimeMills}]`;
}

export function messageTrackToString(t: MessageTrack): string {
  return `MessageTrack [consumerGroup=${t.consumerGroup}, trackType=${t.trackType}, exceptionDesc=${t.exceptionDesc ?? 'null'}]`;
}

/** Arrays.toString(byte[]): signed bytes. */
function bytesToString(body: Buffer | undefined): string {
  if (body === undefined) return 'null';
  const parts: string[] = [];
  for (const b of body) parts.push(String(b > 127 ? b - 256 : b));
  return `[${parts.join(', ')}]`;
}

/** InetSocketAddress.toString of "ip:port": "/ip:port". */
function socketAddressToString(hostPort: string): string {
  return `/${hostPort.startsWith('[') ? hostPort.replace(/^\[(.*)\]:/, '$1:') : hostPort}`;
}

/**
 * MessageExt.toString of a message as the Java client decodes it
 * (MessageClientExt: msgId there is the offset msgId). Pulled messages
 * carry the broker name of their queue.
 */
export function messageExtToString(m: MessageExt, brokerName: string | undefined): string {
  const transactionId = m.properties['TRAN_MSG'] === 'true' ? (m.properties['UNIQ_KEY'] ?? 'null') : 'null';
  return (
    `MessageExt [brokerName=${brokerName ?? 'null'}, queueId=${m.queueId}, storeSize=${m.storeSize}, queueOffset=${m.queueOffset}, ` +
    `sysFlag=${m.sysFlag}, bornTimestamp=${m.bornTimestamp}, bornHost=${socketAddressToString(m.bornHost)}, ` +
    `storeTimestamp=${m.storeTimestamp}, storeHost=${socketAddressToString(m.storeHost)}, msgId=${m.offsetMsgId}, ` +
    `commitLogOffset=${m.commitLogOffset}, bodyCRC=${m.bodyCrc}, reconsumeTimes=${m.reconsumeTimes}, ` +
    `preparedTransactionOffset=${m.preparedTransactionOffset}, toString()=Message{topic='${m.topic}', flag=${m.flag}, ` +
    `properties=${javaStringMapToString(Object.entries(m.properties))}, body=${bytesToString(m.body)}, transactionId='${transactionId}'}]`
  );
}

/** RemotingHelper.parseSocketAddressAddr: "ip:port". */
export function hostAddr(hostPort: string): string {
  return socketAddressToString(hostPort).slice(1);
}
