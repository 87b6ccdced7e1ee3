/**
 * Re-putting a stored message somewhere else, as the broker's background
 * services do (delayed delivery, timers, transaction commits, put-backs):
 * Java's MessageExtBrokerInner built from a MessageExt.
 */
import { type MessageProperties, type StoredMessage, encodeProperties } from '@rocketmq-ts/protocol';
import { type PutMessageRequest, PutMessageStatus } from '@rocketmq-ts/store';

/** A copy of the properties that may be edited. */
export function copyProperties(p: MessageProperties): MessageProperties {
  return Object.assign(Object.create(null) as MessageProperties, p);
}

/**
 * The put for `m` re-stored to `topic`/`queueId` with `properties`: body,
 * flag, sysFlag, born time and host, store host and reconsume times kept;
 * WAIT=false (nobody waits for a background put).
 */
export function reputRequest(
  m: StoredMessage,
  topic: string,
  queueId: number,
  properties: MessageProperties,
  overrides: { readonly sysFlag?: number; readonly preparedTransactionOffset?: number; readonly reconsumeTimes?: number; readonly bornTimestamp?: number } = {},
): PutMessageRequest {
  return {
    topic,
    queueId,
    body: m.body,
    flag: m.flag,
    sysFlag: overrides.sysFlag ?? m.sysFlag,
    properties: encodeProperties(properties),
    bornTimestamp: overrides.bornTimestamp ?? m.bornTimestamp,
    bornHost: m.bornHost,
    storeHost: m.storeHost,
    reconsumeTimes: overrides.reconsumeTimes ?? m.reconsumeTimes,
    // Java's MessageExtBrokerInner starts at 0; only a commit sets it.
    preparedTransactionOffset: overrides.preparedTransactionOffset ?? 0,
    waitStoreMsgOK: false,
  };
}

/** The statuses that mean the message is in the CommitLog (the send answers count them as sent). */
export function isStored(status: PutMessageStatus): boolean {
  return (
    status === PutMessageStatus.PUT_OK ||
    status === PutMessageStatus.FLUSH_DISK_TIMEOUT ||
    status === PutMessageStatus.FLUSH_SLAVE_TIMEOUT ||
    status === PutMessageStatus.SLAVE_NOT_AVAILABLE
  );
}
