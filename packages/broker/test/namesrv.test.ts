/**
 * The broker and its NameServers: registration at start, periodically
 * (forced, or only when QUERY_DATA_VERSION says the NameServer is behind),
 * after a topic is created, with every NameServer of the list, and
 * unregistration on a clean stop. Also the VIP port Java listens on.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  createRequest,
  createResponse,
  decodeDataVersion,
  decodeRegisterBrokerBody,
  decodeRegisterBrokerRequestHeader,
  encodeDataVersion,
  encodePutKVConfigRequestHeader,
  encodeQueryDataVersionResponseHeader,
} from '@rocketmq-ts/protocol';
import { RemotingServer } from '@rocketmq-ts/remoting';
import { startBroker } from '@rocketmq-ts/testkit';
import { broker, client, nameServer, onCleanup, pullRequest, sendRequest, waitFor } from './helpers.js';

/** A NameServer stand-in that records what brokers send it. */
async function recordingNameServer(answerChanged: () => boolean): Promise<{ addr: string; requests: RemotingCommand[] }> {
  const requests: RemotingCommand[] = [];
  const server = new RemotingServer();
  server.registerDefaultProcessor((req) => {
    requests.push(req);
    if (req.code === RequestCode.QUERY_DATA_VERSION) {
      // Same version back, and "changed" as the test wants.
      return createResponse(req, ResponseCode.SUCCESS, undefined, encodeQueryDataVersionResponseHeader({ changed: answerChanged() }), encodeDataVersion(decodeDataVersion(req.body!)));
    }
    return createResponse(req, ResponseCode.SUCCESS);
  });
  const port = await server.listen(0, '127.0.0.1');
  onCleanup(() => server.close());
  return { addr: `127.0.0.1:${port}`, requests };
}

const codes = (requests: RemotingCommand[]): number[] => requests.map((r) => r.code);

describe('NameServer registration', () => {
  it('registers with every NameServer at start with its topics, and unregisters on close', async () => {
    const a = await recordingNameServer(() => false);
    const real = await nameServer();
    const b = await startBroker({ namesrvAddr: `${a.addr};${real.address}`, config: { brokerClusterName: 'C9', brokerName: 'broker-reg' } });
    const reg = a.requests.find((r) => r.code === RequestCode.REGISTER_BROKER)!;
    expect(decodeRegisterBrokerRequestHeader(reg.extFields)).toMatchObject({
      brokerName: 'broker-reg',
      brokerAddr: b.address,
      clusterName: 'C9',
      brokerId: 0,
      // listenPort 0: the HA port is any free one too, and the registered address says which.
      haServerAddr: b.broker.haServerAddr,
      compressed: false,
    });
    const body = decodeRegisterBrokerBody(reg.body!, false);
    expect([...body.topicConfigSerializeWrapper.topicConfigTable.keys()]).toContain('TBW102');
    expect(real.nameServer.getClusterInfo().clusterAddrTable.get('C9')).toEqual(['broker-reg']);
    expect(real.nameServer.getTopicRoute('TBW102')).toBeDefined();
    await b.close();
    expect(codes(a.requests)).toContain(RequestCode.UNREGISTER_BROKER);
    expect(real.nameServer.liveBrokers()).toEqual([]);
  });

  it('without forceRegister asks QUERY_DATA_VERSION first and registers only when the NameServer is behind', async () => {
    let changed = false;
    const ns = await recordingNameServer(() => changed);
    const b = await broker({ namesrvAddr: ns.addr, config: { forceRegister: false, registerNameServerPeriod: 1000 } });
    expect(codes(ns.requests)).toEqual([RequestCode.REGISTER_BROKER]);
    await waitFor(() => codes(ns.requests).includes(RequestCode.QUERY_DATA_VERSION), 3000, 'a data version query');
    expect(codes(ns.requests).filter((c) => c === RequestCode.REGISTER_BROKER)).toHaveLength(1);
    changed = true;
    await waitFor(() => codes(ns.requests).filter((c) => c === RequestCode.REGISTER_BROKER).length === 2, 3000, 'a second registration');
    expect(b.broker.isRunning).toBe(true);
  });

  it('re-registers (oneway) when a send creates a topic, once for a burst of new topics', async () => {
    const ns = await recordingNameServer(() => false);
    const b = await broker({ namesrvAddr: ns.addr });
    const c = client();
    await Promise.all(['N1', 'N2', 'N3'].map((t) => c.invoke(b.address, sendRequest({ topic: t }), 3000)));
    await waitFor(() => codes(ns.requests).filter((x) => x === RequestCode.REGISTER_BROKER).length >= 2, 3000, 'a registration with the new topics');
    const last = ns.requests.filter((r) => r.code === RequestCode.REGISTER_BROKER).at(-1)!;
    const topics = [...decodeRegisterBrokerBody(last.body!, false).topicConfigSerializeWrapper.topicConfigTable.keys()];
    expect(topics).toEqual(expect.arrayContaining(['N1', 'N2', 'N3']));
    expect(codes(ns.requests).filter((x) => x === RequestCode.REGISTER_BROKER).length).toBeLessThanOrEqual(3);
  });

  it('takes the order topics the NameServer keeps in ORDER_TOPIC_CONFIG', async () => {
    const ns = await nameServer();
    const c = client();
    await c.invoke(ns.address, createRequest(RequestCode.PUT_KV_CONFIG, encodePutKVConfigRequestHeader({ namespace: 'ORDER_TOPIC_CONFIG', key: 'Ordered', value: 'broker-x:4' })), 3000);
    const b = await broker({ namesrvAddr: ns.address, config: { brokerName: 'broker-x' } });
    await b.broker.createTopic('Ordered', 4);
    await b.broker.registerBrokerAll(true, false, true);
    expect(b.broker.topics.isOrderTopic('Ordered')).toBe(true);
  });

  it('also listens on the VIP port (listenPort - 2) for everything but pulls, as Java', async () => {
    let port = 0;
    for (let i = 0; i < 20 && port === 0; i++) {
      const candidate = 20000 + Math.floor(Math.random() * 30000);
      const free = await Promise.all([candidate, candidate - 2].map((p) => new Promise<boolean>((resolve) => {
        const s = net.createServer();
        s.once('error', () => resolve(false));
        s.listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
      })));
      if (free.every(Boolean)) port = candidate;
    }
    const b = await broker({ config: { listenPort: port, vipChannelEnable: true } });
    expect(b.broker.vipPort).toBe(port - 2);
    const c = client();
    const vip = `127.0.0.1:${port - 2}`;
    expect((await c.invoke(vip, sendRequest({ topic: 'Vip', body: 'v' }), 3000)).code).toBe(ResponseCode.SUCCESS);
    const pull = await c.invoke(vip, pullRequest({ group: 'G', topic: 'Vip' }), 3000);
    expect(pull).toMatchObject({ code: ResponseCode.REQUEST_CODE_NOT_SUPPORTED, remark: ' request type 11 not supported' });
    expect((await c.invoke(b.address, pullRequest({ group: 'G', topic: 'Vip' }), 3000)).code).toBe(ResponseCode.SUCCESS);
  });
});
