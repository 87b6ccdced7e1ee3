import { describe, expect, it } from 'vitest';
import {
  RequestCode,
  ResponseCode,
  decodeRegisterBrokerResponseHeader,
  decodeTopicRouteData,
  encodeDataVersion,
  encodeQueryDataVersionRequestHeader,
} from '@rocketmq-ts/protocol';
import type { NameServer } from '../src/index.js';
import { client, invoke, registerBroker, sleep, startNameServer, topic, waitFor } from './helpers.js';

const A0 = '127.0.0.1:10911';
const A1 = '127.0.0.1:10921';

async function routeCode(ns: NameServer, name: string): Promise<number> {
  return (await invoke(client(), ns.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: name })).code;
}

describe('broker liveness', () => {
  it('drops a broker silent for brokerChannelExpiredTime and closes its connection', async () => {
    const { ns } = await startNameServer({ brokerChannelExpiredTime: 600, scanNotActiveBrokerInterval: 100 });
    const { client: broker } = await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T')] });
    const channel = broker.peekChannel(ns.address)!;
    expect(await routeCode(ns, 'T')).toBe(ResponseCode.SUCCESS);
    await waitFor(() => ns.liveBrokers().length === 0, 3000, 'expiry');
    expect(await routeCode(ns, 'T')).toBe(ResponseCode.TOPIC_NOT_EXIST);
    expect(ns.getClusterInfo().brokerAddrTable.size).toBe(0);
    // As Java, the NameServer closes the expired broker's channel.
    await waitFor(() => !channel.isOpen, 3000, 'channel closed');
  });

  it('keeps a broker that re-registers in time', async () => {
    const { ns } = await startNameServer({ brokerChannelExpiredTime: 1500, scanNotActiveBrokerInterval: 100 });
    const c = client();
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T')] }, c);
      await sleep(200);
    }
    expect(await routeCode(ns, 'T')).toBe(ResponseCode.SUCCESS);
  });

  it('counts an unchanged QUERY_DATA_VERSION as hearing from the broker', async () => {
    const { ns } = await startNameServer({ brokerChannelExpiredTime: 1500, scanNotActiveBrokerInterval: 100 });
    const dv = { timestamp: 10, counter: 3 };
    const { client: c } = await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T')], dataVersion: dv });
    const header = encodeQueryDataVersionRequestHeader({ brokerName: 'broker-a', brokerAddr: A0, clusterName: 'DefaultCluster', brokerId: 0 });
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      await invoke(c, ns.address, RequestCode.QUERY_DATA_VERSION, header, encodeDataVersion(dv));
      await sleep(200);
    }
    expect(await routeCode(ns, 'T')).toBe(ResponseCode.SUCCESS);
  });

  it('honours the heartbeatTimeoutMillis a 5.x broker registers with', async () => {
    const { ns } = await startNameServer({ brokerChannelExpiredTime: 120_000, scanNotActiveBrokerInterval: 100 });
    await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T')], extFields: { heartbeatTimeoutMillis: '500' } });
    await registerBroker(ns.address, { name: 'broker-b', addr: '127.0.0.1:11011', topics: [topic('T')] });
    expect(ns.liveBrokers().find((b) => b.brokerAddr === A0)?.heartbeatTimeoutMs).toBe(500);
    await waitFor(() => ns.liveBrokers().length === 1, 3000, 'broker-a to expire');
    const route = decodeTopicRouteData((await invoke(client(), ns.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' })).body!);
    expect(route.queueDatas.map((q) => q.brokerName)).toEqual(['broker-b']);
  });

  it('drops a broker as soon as its connection closes', async () => {
    const { ns } = await startNameServer();
    const { client: broker } = await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T')] });
    await registerBroker(ns.address, { name: 'broker-b', addr: '127.0.0.1:11011', topics: [topic('T')] });
    await broker.close();
    await waitFor(() => ns.liveBrokers().length === 1, 3000, 'broker-a to go');
    expect(ns.getTopicRoute('T')?.brokerDatas.map((b) => b.brokerName)).toEqual(['broker-b']);
    // An ordinary client disconnecting touches nothing.
    const c = client();
    expect(await routeCode(ns, 'T')).toBe(ResponseCode.SUCCESS);
    await c.close();
    expect(ns.liveBrokers().length).toBe(1);
  });

  it('drops every broker that registered on a connection when it closes', async () => {
    const { ns } = await startNameServer();
    const shared = client();
    await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T')] }, shared);
    await registerBroker(ns.address, { name: 'broker-b', addr: '127.0.0.1:11011', topics: [topic('T')] }, shared);
    await shared.close();
    await waitFor(() => ns.liveBrokers().length === 0, 3000, 'both brokers to go');
    expect(ns.getTopicRoute('T')).toBeUndefined();
  });

  it('drops a broker whose connection stays idle past serverChannelMaxIdleTimeSeconds', async () => {
    const { ns } = await startNameServer({ serverChannelMaxIdleTimeSeconds: 1, remoting: { timeoutSweepIntervalMs: 50 } });
    await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T')] });
    await waitFor(() => ns.liveBrokers().length === 0, 4000, 'idle close');
    expect(ns.getTopicRoute('T')).toBeUndefined();
  });

  it('keeps the route of a broker whose master left while a slave remains', async () => {
    const { ns } = await startNameServer();
    const { client: master } = await registerBroker(ns.address, { name: 'broker-a', id: 0, addr: A0, topics: [topic('T', 4)] });
    const slave = client();
    await registerBroker(ns.address, { name: 'broker-a', id: 1, addr: A1 }, slave);
    await master.close();
    await waitFor(() => ns.liveBrokers().length === 1, 3000, 'master to go');

    const route = ns.getTopicRoute('T')!;
    expect(route.queueDatas).toEqual([{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }]);
    expect(route.brokerDatas).toEqual([{ cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: new Map([[1, A1]]) }]);
    // With no master registered, the slave is told nothing on its next registration.
    const again = await registerBroker(ns.address, { name: 'broker-a', id: 1, addr: A1 }, slave);
    expect(decodeRegisterBrokerResponseHeader(again.response.extFields)).toEqual({});
    // When the slave goes too, the broker name and its queues go.
    await slave.close();
    await waitFor(() => ns.getTopicRoute('T') === undefined, 3000, 'route to go');
  });

  it('runs the scan on demand as well', async () => {
    const { ns } = await startNameServer({ brokerChannelExpiredTime: 100, scanNotActiveBrokerInterval: 60_000 });
    await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T')] });
    expect(ns.scanNotActiveBroker()).toBe(0);
    await sleep(200);
    expect(ns.scanNotActiveBroker()).toBe(1);
    expect(ns.getTopicRoute('T')).toBeUndefined();
  });
});
