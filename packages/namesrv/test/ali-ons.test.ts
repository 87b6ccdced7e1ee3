/**
 * The npm client ali-ons, unchanged, against our NameServer: brokers register
 * over TCP exactly as Java brokers do, and an ali-ons Producer builds its
 * publish queues from the route it gets, then sends to a stand-in broker.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  createResponse,
  decodeAnySendMessageRequestHeader,
  encodeSendMessageResponseHeader,
} from '@rocketmq-ts/protocol';
import { RemotingServer } from '@rocketmq-ts/remoting';
import { LOOPBACK, client, invoke, onCleanup, registerBroker, startNameServer, topic, waitFor } from './helpers.js';

interface OnsMessageQueue {
  topic: string;
  brokerName: string;
  /** A number in routes, a string in send results (taken from response header fields). */
  queueId: number | string;
}
interface OnsTopicPublishInfo {
  orderTopic: boolean;
  messageQueueList: OnsMessageQueue[];
}
interface OnsProducer {
  ready(): Promise<void>;
  close(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): void;
  send(msg: unknown): Promise<{ msgId: string; sendStatus: string; messageQueue: OnsMessageQueue }>;
  tryToFindTopicPublishInfo(topic: string): Promise<OnsTopicPublishInfo>;
}
interface AliOns {
  Producer: new (options: Record<string, unknown>) => OnsProducer;
  Message: new (topic: string, tags: string, body: string) => unknown;
}

const require = createRequire(import.meta.url);
const ons = require('ali-ons') as AliOns;

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const noHttp = {
  request(): never {
    throw new Error('ali-ons must not use HTTP here');
  },
};

let instance = 0;

function producer(nsAddr: string): OnsProducer {
  const p = new ons.Producer({
    httpclient: noHttp,
    nameSrv: nsAddr,
    clientIP: LOOPBACK,
    producerGroup: 'PG_NAMESRV_TEST',
    instanceName: `namesrv-test-${process.pid}-${++instance}`,
    logger: quiet,
    // Fail fast instead of retrying other queues.
    retryTimesWhenSendFailed: 0,
  });
  p.on('error', () => undefined);
  onCleanup(() => p.close());
  return p;
}

/** A stand-in master that stores nothing but answers a send the way a broker does. */
async function fakeBroker(name: string): Promise<{ addr: string; sends: Array<{ topic: string; queueId: number }> }> {
  const sends: Array<{ topic: string; queueId: number }> = [];
  const server = new RemotingServer();
  server.registerProcessor(RequestCode.SEND_MESSAGE_V2, (req: RemotingCommand) => {
    const h = decodeAnySendMessageRequestHeader(req.code, req.extFields);
    sends.push({ topic: h.topic, queueId: h.queueId });
    return createResponse(
      req,
      ResponseCode.SUCCESS,
      undefined,
      encodeSendMessageResponseHeader({ msgId: `7F000001${name.length.toString(16).padStart(4, '0')}000000000000000${sends.length}`, queueId: h.queueId, queueOffset: sends.length - 1 }),
    );
  });
  // Heartbeats and unregistering on close: accepted.
  server.registerDefaultProcessor((req) => createResponse(req, ResponseCode.SUCCESS));
  const port = await server.listen(0, LOOPBACK);
  onCleanup(() => server.close());
  return { addr: `${LOOPBACK}:${port}`, sends };
}

function queues(info: OnsTopicPublishInfo): string[] {
  return info.messageQueueList.map((q) => `${q.brokerName}/${q.queueId}`).sort();
}

describe('ali-ons against the NameServer', () => {
  it('builds its publish queues from a 2-master-2-slave route and sends to a master', async () => {
    const { ns } = await startNameServer();
    const a = await fakeBroker('broker-a');
    const b = await fakeBroker('broker-b');
    // ali-ons sends only heartbeats' worth to slaves (it unregisters from every address on close).
    const aSlave = await fakeBroker('broker-a-s');
    const bSlave = await fakeBroker('broker-b-s');
    const TOPIC = 'TopicOns';
    // broker-a: 4 queues; broker-b: 2 writable of 3 readable.
    await registerBroker(ns.address, { name: 'broker-a', id: 0, addr: a.addr, topics: [topic(TOPIC, 4)] });
    await registerBroker(ns.address, { name: 'broker-a', id: 1, addr: aSlave.addr });
    await registerBroker(ns.address, { name: 'broker-b', id: 0, addr: b.addr, topics: [{ ...topic(TOPIC, 3), writeQueueNums: 2 }] });
    await registerBroker(ns.address, { name: 'broker-b', id: 1, addr: bSlave.addr });

    const p = producer(ns.address);
    await p.ready();
    const info = await p.tryToFindTopicPublishInfo(TOPIC);
    expect(info.orderTopic).toBe(false);
    expect(queues(info)).toEqual(['broker-a/0', 'broker-a/1', 'broker-a/2', 'broker-a/3', 'broker-b/0', 'broker-b/1']);
    expect(info.messageQueueList.every((q) => q.topic === TOPIC)).toBe(true);

    const result = await p.send(new ons.Message(TOPIC, 'TagA', 'hello from ali-ons'));
    expect(result.sendStatus).toBe('SEND_OK');
    const sent = [...a.sends.map((s) => ({ ...s, broker: 'broker-a' })), ...b.sends.map((s) => ({ ...s, broker: 'broker-b' }))];
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({ topic: TOPIC, broker: result.messageQueue.brokerName, queueId: Number(result.messageQueue.queueId) });
    expect(aSlave.sends.length + bSlave.sends.length).toBe(0);
  });

  it('leaves out a broker whose master is gone and one whose write permission was wiped', async () => {
    const { ns } = await startNameServer();
    const a = await fakeBroker('broker-a');
    const b = await fakeBroker('broker-b');
    const c = await fakeBroker('broker-c');
    const bSlave = await fakeBroker('broker-b-s');
    const TOPIC = 'TopicOns2';
    const { client: bMaster } = await registerBroker(ns.address, { name: 'broker-b', id: 0, addr: b.addr, topics: [topic(TOPIC, 2)] });
    await registerBroker(ns.address, { name: 'broker-a', id: 0, addr: a.addr, topics: [topic(TOPIC, 2)] });
    await registerBroker(ns.address, { name: 'broker-b', id: 1, addr: bSlave.addr });
    await registerBroker(ns.address, { name: 'broker-c', id: 0, addr: c.addr, topics: [topic(TOPIC, 2)] });

    // broker-b's master connection drops: its slave keeps the route, without a master.
    await bMaster.close();
    await waitFor(() => ns.getTopicRoute(TOPIC)?.brokerDatas.find((x) => x.brokerName === 'broker-b')?.brokerAddrs.has(0) === false, 3000, 'master removal');
    // broker-c stops taking writes (mqadmin wipeWritePerm).
    expect((await invoke(client(), ns.address, RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: 'broker-c' })).code).toBe(ResponseCode.SUCCESS);

    const p = producer(ns.address);
    await p.ready();
    expect(queues(await p.tryToFindTopicPublishInfo(TOPIC))).toEqual(['broker-a/0', 'broker-a/1']);
  });

  it('reports a topic the NameServer does not know', async () => {
    const { ns } = await startNameServer();
    const p = producer(ns.address);
    await p.ready();
    await expect(p.send(new ons.Message('NoSuchTopicOns', 'TagA', 'x'))).rejects.toThrow();
  });
});
