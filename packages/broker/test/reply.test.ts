/**
 * Request-reply through our client: Producer.request() sends with
 * CORRELATION_ID and REPLY_TO_CLIENT; a consumer answers with reply()
 * (SEND_REPLY_MESSAGE_V2); the broker pushes the answer to the requester's
 * connection (PUSH_REPLY_MESSAGE_TO_CLIENT) and stores it when
 * storeReplyMessageEnable.
 */
import { describe, expect, it } from 'vitest';
import type { Producer } from '@rocketmq-ts/client';
import { featureCluster, producer, pushConsumer, storedMessages } from './features-helpers.js';
import { waitFor } from './helpers.js';

async function roundTrip(storeReplyMessageEnable: boolean): Promise<void> {
  const cl = await featureCluster({ storeReplyMessageEnable });
  const b = cl.broker;
  await b.broker.createTopic('RequestT', 2);
  const replier: Producer = await producer(cl.nsAddr, 'PG_REPLIER');
  await pushConsumer(cl.nsAddr, 'CG_SERVER', 'RequestT', async (m) => {
    await replier.reply(m, { body: `pong:${m.body.toString()}`, properties: { answeredBy: 'server' } });
  });
  const requester = await producer(cl.nsAddr, 'PG_REQUESTER');
  const answers = await Promise.all(['a', 'b', 'c'].map((x) => requester.request({ topic: 'RequestT', body: `ping:${x}` }, 10_000)));
  expect(answers.map((a) => a.body.toString())).toEqual(['pong:ping:a', 'pong:ping:b', 'pong:ping:c']);
  for (const a of answers) {
    expect(a.properties['answeredBy']).toBe('server');
    expect(a.properties['MSG_TYPE']).toBe('reply');
    expect(a.properties['CORRELATION_ID']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.properties['PUSH_REPLY_TIME']).toMatch(/^\d+$/);
  }
  // The broker stores a reply after pushing it: the requester may have it first.
  const replies = async (): Promise<string[]> => (await storedMessages(b, 'DefaultCluster_REPLY_TOPIC')).map((m) => m.body!.toString()).sort();
  if (storeReplyMessageEnable) await waitFor(async () => (await replies()).length === 3, 5000, 'the stored replies');
  expect(await replies()).toEqual(storeReplyMessageEnable ? ['pong:ping:a', 'pong:ping:b', 'pong:ping:c'] : []);
}

describe('request-reply', () => {
  it('round-trips requests to a replying consumer and back, storing the replies', async () => {
    await roundTrip(true);
  });

  it('pushes replies without storing them when storeReplyMessageEnable is off', async () => {
    await roundTrip(false);
  });
});
