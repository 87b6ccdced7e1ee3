/**
 * Requests the broker sends to its clients over their own connections
 * (Broker2Client.java).
 */
import { type Logger, errorMessage, silentLogger } from '@rocketmq-ts/common';
import { type RemotingCommand, RequestCode, createRequest, encodeNotifyConsumerIdsChangedRequestHeader } from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';

/** How long a relayed admin request may take at the client (Java's callClient: 10 s). */
export const CALL_CLIENT_TIMEOUT_MS = 10_000;

export class Broker2Client {
  private readonly log: Logger;

  constructor(logger: Logger = silentLogger) {
    this.log = logger.child({ component: 'broker2client' });
  }

  /** NOTIFY_CONSUMER_IDS_CHANGED, oneway: the consumer should rebalance now instead of at its next timer. */
  notifyConsumerIdsChanged(channel: Channel, consumerGroup: string): void {
    if (!channel.isOpen) return;
    const request = createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, encodeNotifyConsumerIdsChangedRequestHeader({ consumerGroup }));
    // Java waits 10 ms for the channel; a client too slow to read does not hold us up either.
    channel.invokeOneway(request, 10).catch((err: unknown) => {
      this.log.warn({ group: consumerGroup, remote: channel.remoteAddress, err: errorMessage(err) }, 'notifyConsumerIdsChanged failed');
    });
  }

  /**
   * CHECK_TRANSACTION_STATE, oneway: asks a producer of the half message's
   * group how its local transaction ended; it answers with END_TRANSACTION.
   * `body` is the half message as a stored record (under its real topic).
   */
  checkProducerTransactionState(group: string, channel: Channel, header: Record<string, string>, body: Buffer): void {
    const request = createRequest(RequestCode.CHECK_TRANSACTION_STATE, header, body, { oneway: true });
    // Java waits 10 ms for the channel, as for the notice above.
    channel.invokeOneway(request, 10).catch((err: unknown) => {
      this.log.warn({ group, remote: channel.remoteAddress, err: errorMessage(err) }, 'Check transaction failed');
    });
  }

  /** Sends a request to a client and resolves with its answer (rejects on timeout or a closed connection). */
  callClient(channel: Channel, request: RemotingCommand, timeoutMs = CALL_CLIENT_TIMEOUT_MS): Promise<RemotingCommand> {
    return channel.invoke(request, timeoutMs);
  }
}
