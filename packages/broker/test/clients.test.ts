/**
 * Client bookkeeping over real connections: heartbeats register producers
 * and consumers, the group's consumers are told when membership changes,
 * a closed connection leaves at once, a silent one after
 * channelExpiredTimeout, and UNREGISTER_CLIENT takes one out on request.
 */
import { describe, expect, it } from 'vitest';
import {
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  createRequest,
  encodeGetConsumerListByGroupRequestHeader,
  encodeHeartbeatData,
  encodeUnregisterClientRequestHeader,
} from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { broker, onCleanup, sleep, waitFor } from './helpers.js';

function heartbeatRequest(clientId: string, group: string, producerGroup?: string): RemotingCommand {
  return createRequest(
    RequestCode.HEART_BEAT,
    {},
    encodeHeartbeatData({
      clientID: clientId,
      producerDataSet: producerGroup === undefined ? [] : [{ groupName: producerGroup }],
      consumerDataSet: [
        {
          groupName: group,
          consumeType: 'CONSUME_PASSIVELY',
          messageModel: 'CLUSTERING',
          consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
          unitMode: false,
          subscriptionDataSet: [{ classFilterMode: false, topic: 'Members', subString: '*', tagsSet: [], codeSet: [], subVersion: 1, expressionType: 'TAG' }],
        },
      ],
    }),
  );
}

/** A consumer connection that records the NOTIFY_CONSUMER_IDS_CHANGED it receives. */
function consumerClient(): { client: RemotingClient; notified: string[] } {
  const client = new RemotingClient();
  onCleanup(() => client.close());
  const notified: string[] = [];
  client.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (req) => {
    notified.push(req.extFields['consumerGroup'] ?? '');
    return undefined;
  });
  return { client, notified };
}

async function members(addr: string, group: string): Promise<string[]> {
  const c = new RemotingClient();
  try {
    const r = await c.invoke(addr, createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, encodeGetConsumerListByGroupRequestHeader({ consumerGroup: group })), 3000);
    return r.code === ResponseCode.SUCCESS ? ((JSON.parse(r.body!.toString()) as { consumerIdList: string[] }).consumerIdList).sort() : [];
  } finally {
    await c.close();
  }
}

describe('clients', () => {
  it('tells the group when a consumer joins and when one leaves by closing its connection', async () => {
    const b = await broker();
    const one = consumerClient();
    const two = consumerClient();
    await one.client.invoke(b.address, heartbeatRequest('c1', 'CG'), 3000);
    await waitFor(() => one.notified.length === 1, 3000, 'notice of its own joining');
    await two.client.invoke(b.address, heartbeatRequest('c2', 'CG'), 3000);
    await waitFor(() => one.notified.length === 2 && two.notified.length === 1, 3000, 'notices of the second joining');
    expect(await members(b.address, 'CG')).toEqual(['c1', 'c2']);
    // A heartbeat that changes nothing does not notify.
    await one.client.invoke(b.address, heartbeatRequest('c1', 'CG'), 3000);
    await sleep(100);
    expect(one.notified).toHaveLength(2);
    await two.client.close();
    await waitFor(() => one.notified.length === 3, 3000, 'notice of the second leaving');
    expect(one.notified).toEqual(['CG', 'CG', 'CG']);
    expect(await members(b.address, 'CG')).toEqual(['c1']);
    // The heartbeat made the group's retry topic.
    expect(b.broker.topics.selectTopicConfig('%RETRY%CG')).toMatchObject({ readQueueNums: 1, writeQueueNums: 1, perm: 6 });
  });

  it('does not notify when notifyConsumerIdsChangedEnable is off', async () => {
    const b = await broker({ config: { notifyConsumerIdsChangedEnable: false } });
    const one = consumerClient();
    await one.client.invoke(b.address, heartbeatRequest('c1', 'CG'), 3000);
    await sleep(150);
    expect(one.notified).toEqual([]);
  });

  it('drops a client silent for channelExpiredTimeout and closes its connection', async () => {
    const b = await broker({ config: { channelExpiredTimeout: 300, clientHousekeepingInterval: 50 } });
    const quiet = consumerClient();
    const chatty = consumerClient();
    await quiet.client.invoke(b.address, heartbeatRequest('quiet', 'CG', 'PG'), 3000);
    const closed = new Promise<void>((resolve) => quiet.client.once('channelClose', () => resolve()));
    const beat = setInterval(() => void chatty.client.invoke(b.address, heartbeatRequest('chatty', 'CG'), 3000).catch(() => undefined), 100);
    onCleanup(() => clearInterval(beat));
    await chatty.client.invoke(b.address, heartbeatRequest('chatty', 'CG'), 3000);
    await closed;
    await waitFor(async () => (await members(b.address, 'CG')).join() === 'chatty', 3000, 'the quiet one gone');
    expect(b.broker.producers.groupChannelTable.has('PG')).toBe(false);
  });

  it('UNREGISTER_CLIENT takes a producer and a consumer out of their groups', async () => {
    const b = await broker();
    const one = consumerClient();
    await one.client.invoke(b.address, heartbeatRequest('c1', 'CG', 'PG'), 3000);
    expect(b.broker.producers.groupChannelTable.get('PG')?.size).toBe(1);
    const r = await one.client.invoke(b.address, createRequest(RequestCode.UNREGISTER_CLIENT, encodeUnregisterClientRequestHeader({ clientID: 'c1', producerGroup: 'PG', consumerGroup: 'CG' })), 3000);
    expect(r.code).toBe(ResponseCode.SUCCESS);
    expect(b.broker.producers.groupChannelTable.has('PG')).toBe(false);
    expect(await members(b.address, 'CG')).toEqual([]);
  });
});
