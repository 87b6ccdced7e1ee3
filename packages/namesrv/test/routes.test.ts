import { describe, expect, it } from 'vitest';
import {
  type RemotingCommand,
  PermName,
  RequestCode,
  ResponseCode,
  TopicSysFlag,
  createRequest,
  decodeAddWritePermOfBrokerResponseHeader,
  decodeClusterInfo,
  decodeDataVersion,
  decodeQueryDataVersionResponseHeader,
  decodeRegisterBrokerResponseHeader,
  decodeTopicList,
  decodeTopicRouteData,
  decodeWipeWritePermOfBrokerResponseHeader,
  encodeDataVersion,
  encodeFrame,
  encodeQueryDataVersionRequestHeader,
  encodeTopicConfigSerializeWrapper,
  encodeTopicRouteData,
} from '@rocketmq-ts/protocol';
import * as java from '../../protocol/test/fixtures/java/frames.js';
import { RawPeer, client, invoke, registerBroker, registerRequest, startNameServer, topic } from './helpers.js';

const A0 = '127.0.0.1:10911';
const A1 = '127.0.0.1:10921';
const B0 = '127.0.0.1:11011';
const B1 = '127.0.0.1:11021';

async function twoMastersTwoSlaves(nsAddr: string): Promise<RemotingCommand[]> {
  const topics = [topic('TopicTest', 4), topic('TopicA', 2)];
  const out: RemotingCommand[] = [];
  out.push((await registerBroker(nsAddr, { name: 'broker-a', id: 0, addr: A0, topics })).response);
  out.push((await registerBroker(nsAddr, { name: 'broker-b', id: 0, addr: B0, topics: [topic('TopicTest', 8), topic('TopicB', 1)] })).response);
  out.push((await registerBroker(nsAddr, { name: 'broker-a', id: 1, addr: A1, topics })).response);
  out.push((await registerBroker(nsAddr, { name: 'broker-b', id: 1, addr: B1, topics: [topic('TopicTest', 8)] })).response);
  return out;
}

async function route(nsAddr: string, name: string, version = 401): Promise<RemotingCommand> {
  return invoke(client(), nsAddr, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: name }, undefined, version);
}

async function routeData(nsAddr: string, name: string) {
  const res = await route(nsAddr, name);
  expect(res.code, res.remark).toBe(ResponseCode.SUCCESS);
  return decodeTopicRouteData(res.body!);
}

describe('broker registration and routes', () => {
  it('registers two masters and two slaves and routes a topic to every broker address', async () => {
    const { ns } = await startNameServer();
    const [a0, b0, a1, b1] = await twoMastersTwoSlaves(ns.address);
    for (const r of [a0, b0, a1, b1]) expect(r!.code).toBe(ResponseCode.SUCCESS);
    // Masters learn nothing; a slave learns its master and the master's HA address.
    expect(decodeRegisterBrokerResponseHeader(a0!.extFields)).toEqual({});
    expect(decodeRegisterBrokerResponseHeader(a1!.extFields)).toEqual({ masterAddr: A0, haServerAddr: '127.0.0.1:10912' });
    expect(decodeRegisterBrokerResponseHeader(b1!.extFields)).toEqual({ masterAddr: B0, haServerAddr: '127.0.0.1:11012' });
    // No ORDER_TOPIC_CONFIG namespace yet: no body, as Java.
    expect(a0!.body).toBeUndefined();

    const r = await routeData(ns.address, 'TopicTest');
    expect([...r.queueDatas].sort((x, y) => x.brokerName.localeCompare(y.brokerName))).toEqual([
      { brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
      { brokerName: 'broker-b', readQueueNums: 8, writeQueueNums: 8, perm: 6, topicSysFlag: 0 },
    ]);
    const brokers = new Map(r.brokerDatas.map((b) => [b.brokerName, b]));
    expect(brokers.get('broker-a')).toEqual({ cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: new Map([[0, A0], [1, A1]]) });
    expect(brokers.get('broker-b')).toEqual({ cluster: 'DefaultCluster', brokerName: 'broker-b', brokerAddrs: new Map([[0, B0], [1, B1]]) });
    expect(r.filterServerTable.size).toBe(0);

    const onlyB = await routeData(ns.address, 'TopicB');
    expect(onlyB.queueDatas.map((q) => q.brokerName)).toEqual(['broker-b']);
    expect(onlyB.brokerDatas.map((b) => b.brokerName)).toEqual(['broker-b']);
    expect(ns.getTopicRoute('TopicA')?.queueDatas.map((q) => q.brokerName)).toEqual(['broker-a']);
  });

  it('tells a slave its master once the master has registered', async () => {
    const { ns } = await startNameServer();
    const slave = client();
    const first = await registerBroker(ns.address, { name: 'broker-a', id: 1, addr: A1 }, slave);
    expect(decodeRegisterBrokerResponseHeader(first.response.extFields)).toEqual({});
    await registerBroker(ns.address, { name: 'broker-a', id: 0, addr: A0, haAddr: '127.0.0.1:20000' });
    const again = await registerBroker(ns.address, { name: 'broker-a', id: 1, addr: A1 }, slave);
    expect(decodeRegisterBrokerResponseHeader(again.response.extFields)).toEqual({ masterAddr: A0, haServerAddr: '127.0.0.1:20000' });
  });

  it('only takes topics from a master, and only when its data version changed', async () => {
    const { ns } = await startNameServer();
    const c = client();
    await registerBroker(ns.address, { name: 'broker-a', id: 1, addr: A1, topics: [topic('FromSlave')] }, c);
    expect((await route(ns.address, 'FromSlave')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);

    const v1 = { timestamp: 1, counter: 1 };
    await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T1')], dataVersion: v1 }, c);
    await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T1'), topic('T2')], dataVersion: v1 }, c);
    expect((await route(ns.address, 'T2')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T1'), topic('T2', 2)], dataVersion: { timestamp: 2, counter: 2 } }, c);
    expect((await routeData(ns.address, 'T2')).queueDatas[0]?.writeQueueNums).toBe(2);
  });

  it('moves an address to its new id when a broker re-registers in another role', async () => {
    const { ns } = await startNameServer();
    await registerBroker(ns.address, { name: 'broker-a', id: 0, addr: A0, topics: [topic('T')] });
    await registerBroker(ns.address, { name: 'broker-a', id: 1, addr: A1 });
    // The slave is promoted: it registers as id 0 from the same address.
    await registerBroker(ns.address, { name: 'broker-a', id: 0, addr: A1, topics: [topic('T')] });
    expect((await routeData(ns.address, 'T')).brokerDatas[0]?.brokerAddrs).toEqual(new Map([[0, A1]]));
  });

  it('answers an unknown topic with TOPIC_NOT_EXIST and Java remark', async () => {
    const { ns } = await startNameServer();
    const res = await route(ns.address, 'NoSuchTopic');
    expect(res.code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    expect(res.remark).toBe('No topic route info in name server for the topic: NoSuchTopic\nSee http://rocketmq.apache.org/docs/faq/ for further details.');
    expect(res.body).toBeUndefined();
  });

  it('reads filter servers and puts them in routes', async () => {
    const { ns } = await startNameServer();
    await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T')], filterServers: ['127.0.0.1:30000'] });
    expect((await routeData(ns.address, 'T')).filterServerTable).toEqual(new Map([[A0, ['127.0.0.1:30000']]]));
    await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T')], filterServers: [] });
    expect((await routeData(ns.address, 'T')).filterServerTable.size).toBe(0);
  });
});

describe('wire forms', () => {
  it('accepts the exact REGISTER_BROKER frame of a Java 4.9.4 broker and answers routes byte for byte as Java', async () => {
    const { ns } = await startNameServer();
    const peer = await RawPeer.connect(ns.port);
    peer.write(java.registerBrokerRequest);
    expect((await peer.next(1)).code).toBe(ResponseCode.SUCCESS);
    await registerBroker(ns.address, { name: 'broker-a', id: 1, addr: '127.0.0.1:10921', topics: [topic('TopicTest')] });

    // A 4.9.4 client (version 401) gets standard JSON; the whole frame matches what a Java NameServer writes.
    peer.write(encodeFrame({ ...createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' }), opaque: 3 }));
    await peer.next(2);
    const frame = peer.rawFrames[1]!;
    expect(frame.equals(java.routeResponse.subarray(4))).toBe(true);

    // An older client (ali-ons and Go send lower versions) gets fastjson's unquoted keys.
    const old = await route(ns.address, 'TopicTest', 121);
    expect(old.body!.toString()).toBe(java.routeResponseFastjsonBody);
    // ... unless it asks for standard JSON.
    const asked = await invoke(client(), ns.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest', acceptStandardJsonOnly: 'true' }, undefined, 121);
    expect(asked.body!.toString()).toBe(java.routeResponseBody);
  });

  it('answers an unknown topic byte for byte as a Java NameServer', async () => {
    const { ns } = await startNameServer();
    const peer = await RawPeer.connect(ns.port);
    peer.write(encodeFrame({ ...createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'NoSuchTopic' }), opaque: 4 }));
    await peer.next(1);
    expect(peer.rawFrames[0]!.equals(java.topicNotExistResponse.subarray(4))).toBe(true);
  });

  it('reads a compressed register body (which carries no topicSysFlag or order flag)', async () => {
    const { ns } = await startNameServer();
    const res = await registerBroker(ns.address, {
      name: 'broker-a',
      addr: A0,
      compressed: true,
      topics: [topic('Zipped', 3, PermName.PERM_READ | PermName.PERM_WRITE, { topicSysFlag: 1, order: true })],
    });
    expect(res.response.code).toBe(ResponseCode.SUCCESS);
    expect((await routeData(ns.address, 'Zipped')).queueDatas).toEqual([
      { brokerName: 'broker-a', readQueueNums: 3, writeQueueNums: 3, perm: 6, topicSysFlag: 0 },
    ]);
  });

  it('refuses a body whose CRC32 does not match, and skips the check when the header says 0', async () => {
    const { ns } = await startNameServer();
    const c = client();
    const bad = registerRequest({ name: 'broker-a', addr: A0, topics: [topic('T')] });
    bad.extFields['bodyCrc32'] = '12345';
    const res = await c.invoke(ns.address, bad, 3000);
    expect(res.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(res.remark).toBe('crc32 not match');
    expect((await route(ns.address, 'T')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);

    const unchecked = registerRequest({ name: 'broker-a', addr: A0, topics: [topic('T')] });
    unchecked.extFields['bodyCrc32'] = '0';
    expect((await c.invoke(ns.address, unchecked, 3000)).code).toBe(ResponseCode.SUCCESS);
    expect((await route(ns.address, 'T')).code).toBe(ResponseCode.SUCCESS);
  });

  it('reads the bare topic config wrapper a pre-3.0.11 broker sends', async () => {
    const { ns } = await startNameServer();
    const req = registerRequest({ name: 'broker-a', addr: A0 });
    req.version = 20;
    req.body = encodeTopicConfigSerializeWrapper({ topicConfigTable: new Map([['Old', topic('Old', 2)]]), dataVersion: { timestamp: 5, counter: 1 } });
    req.extFields['bodyCrc32'] = '0';
    expect((await client().invoke(ns.address, req, 3000)).code).toBe(ResponseCode.SUCCESS);
    expect((await routeData(ns.address, 'Old')).queueDatas[0]?.readQueueNums).toBe(2);
  });
});

describe('cluster info, unregistering and write permissions', () => {
  it('answers GET_BROKER_CLUSTER_INFO in fastjson form with every cluster and broker', async () => {
    const { ns } = await startNameServer();
    await twoMastersTwoSlaves(ns.address);
    await registerBroker(ns.address, { cluster: 'Other', name: 'broker-c', addr: '127.0.0.1:12011' });
    const res = await invoke(client(), ns.address, RequestCode.GET_BROKER_CLUSTER_INFO);
    expect(res.code).toBe(ResponseCode.SUCCESS);
    expect(res.body!.toString()).toContain(`"brokerAddrs":{0:"${A0}",1:"${A1}"}`);
    const info = decodeClusterInfo(res.body!);
    expect(new Map([...info.clusterAddrTable].map(([k, v]) => [k, [...v].sort()]))).toEqual(
      new Map([
        ['DefaultCluster', ['broker-a', 'broker-b']],
        ['Other', ['broker-c']],
      ]),
    );
    expect(info.brokerAddrTable.get('broker-b')?.brokerAddrs).toEqual(new Map([[0, B0], [1, B1]]));
    expect(info.brokerAddrTable.get('broker-c')?.cluster).toBe('Other');
  });

  it('unregisters by broker id and drops a broker name with its queues only when no id is left', async () => {
    const { ns } = await startNameServer();
    await twoMastersTwoSlaves(ns.address);
    const c = client();
    const unregister = (name: string, id: number, addr: string) =>
      invoke(c, ns.address, RequestCode.UNREGISTER_BROKER, { brokerName: name, brokerAddr: addr, clusterName: 'DefaultCluster', brokerId: String(id) });

    expect((await unregister('broker-b', 0, B0)).code).toBe(ResponseCode.SUCCESS);
    // broker-b's slave remains: its queues stay in the route, with no master address.
    let r = await routeData(ns.address, 'TopicB');
    expect(r.queueDatas.map((q) => q.brokerName)).toEqual(['broker-b']);
    expect(r.brokerDatas[0]?.brokerAddrs).toEqual(new Map([[1, B1]]));

    await unregister('broker-b', 1, B1);
    expect((await route(ns.address, 'TopicB')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    r = await routeData(ns.address, 'TopicTest');
    expect(r.queueDatas.map((q) => q.brokerName)).toEqual(['broker-a']);
    const info = decodeClusterInfo((await invoke(c, ns.address, RequestCode.GET_BROKER_CLUSTER_INFO)).body!);
    expect([...info.brokerAddrTable.keys()]).toEqual(['broker-a']);
    expect(info.clusterAddrTable.get('DefaultCluster')).toEqual(['broker-a']);
  });

  it('wipes and adds write permission on every topic of a broker and counts them', async () => {
    const { ns } = await startNameServer();
    await twoMastersTwoSlaves(ns.address);
    const c = client();
    const wiped = await invoke(c, ns.address, RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: 'broker-a' });
    expect(wiped.code).toBe(ResponseCode.SUCCESS);
    expect(decodeWipeWritePermOfBrokerResponseHeader(wiped.extFields).wipeTopicCount).toBe(2);
    let r = await routeData(ns.address, 'TopicTest');
    expect(Object.fromEntries(r.queueDatas.map((q) => [q.brokerName, q.perm]))).toEqual({ 'broker-a': PermName.PERM_READ, 'broker-b': 6 });

    const added = await invoke(c, ns.address, RequestCode.ADD_WRITE_PERM_OF_BROKER, { brokerName: 'broker-a' });
    expect(decodeAddWritePermOfBrokerResponseHeader(added.extFields).addTopicCount).toBe(2);
    r = await routeData(ns.address, 'TopicTest');
    expect(r.queueDatas.every((q) => q.perm === 6)).toBe(true);

    const none = await invoke(c, ns.address, RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: 'nobody' });
    expect(decodeWipeWritePermOfBrokerResponseHeader(none.extFields).wipeTopicCount).toBe(0);
  });
});

describe('topic lists and topic administration', () => {
  async function topicList(addr: string, code: number, ext: Record<string, string> = {}) {
    const res = await invoke(client(), addr, code, ext);
    expect(res.code).toBe(ResponseCode.SUCCESS);
    return decodeTopicList(res.body!);
  }

  it('lists all topics, a cluster topics and the system topics', async () => {
    const { ns } = await startNameServer();
    await twoMastersTwoSlaves(ns.address);
    await registerBroker(ns.address, { cluster: 'Other', name: 'broker-c', addr: '127.0.0.1:12011', topics: [topic('TopicC')] });

    expect((await topicList(ns.address, RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER)).topicList.sort()).toEqual(['TopicA', 'TopicB', 'TopicC', 'TopicTest']);
    expect((await topicList(ns.address, RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: 'DefaultCluster' })).topicList.sort()).toEqual(['TopicA', 'TopicB', 'TopicTest']);
    expect((await topicList(ns.address, RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: 'Other' })).topicList).toEqual(['TopicC']);
    expect((await topicList(ns.address, RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: 'Nope' })).topicList).toEqual([]);

    const sys = await topicList(ns.address, RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS);
    expect(sys.topicList.sort()).toEqual(['DefaultCluster', 'Other', 'broker-a', 'broker-b', 'broker-c']);
    // One master's address, so tools can ask a broker for the rest.
    expect([A0, B0, '127.0.0.1:12011']).toContain(sys.brokerAddr);
  });

  it('lists unit topics by their topicSysFlag', async () => {
    const { ns } = await startNameServer();
    const { FLAG_UNIT, FLAG_UNIT_SUB } = TopicSysFlag;
    await registerBroker(ns.address, {
      name: 'broker-a',
      addr: A0,
      topics: [
        topic('Plain'),
        topic('Unit', 4, 6, { topicSysFlag: FLAG_UNIT }),
        topic('UnitSub', 4, 6, { topicSysFlag: FLAG_UNIT_SUB }),
        topic('Both', 4, 6, { topicSysFlag: FLAG_UNIT | FLAG_UNIT_SUB }),
      ],
    });
    expect((await topicList(ns.address, RequestCode.GET_UNIT_TOPIC_LIST)).topicList.sort()).toEqual(['Both', 'Unit']);
    expect((await topicList(ns.address, RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST)).topicList.sort()).toEqual(['Both', 'UnitSub']);
    expect((await topicList(ns.address, RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST)).topicList).toEqual(['UnitSub']);
  });

  it('deletes a topic everywhere, or only from one cluster', async () => {
    const { ns } = await startNameServer();
    await twoMastersTwoSlaves(ns.address);
    await registerBroker(ns.address, { cluster: 'Other', name: 'broker-c', addr: '127.0.0.1:12011', topics: [topic('TopicTest')] });
    const c = client();
    expect((await invoke(c, ns.address, RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: 'TopicTest', clusterName: 'DefaultCluster' })).code).toBe(ResponseCode.SUCCESS);
    expect((await routeData(ns.address, 'TopicTest')).queueDatas.map((q) => q.brokerName)).toEqual(['broker-c']);
    await invoke(c, ns.address, RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: 'TopicA' });
    expect((await route(ns.address, 'TopicA')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
  });

  it('registers a topic route sent by REGISTER_TOPIC_IN_NAMESRV, for known brokers only', async () => {
    const { ns } = await startNameServer();
    await registerBroker(ns.address, { name: 'broker-a', addr: A0 });
    const c = client();
    const body = (brokerName: string) =>
      encodeTopicRouteData({
        queueDatas: [{ brokerName, readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 }],
        brokerDatas: [],
        filterServerTable: new Map(),
      });
    expect((await invoke(c, ns.address, RequestCode.REGISTER_TOPIC_IN_NAMESRV, { topic: 'Static' }, body('broker-a'))).code).toBe(ResponseCode.SUCCESS);
    expect((await routeData(ns.address, 'Static')).queueDatas).toEqual([{ brokerName: 'broker-a', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 }]);
    // 5.x answers SUCCESS and ignores a route naming a broker it does not know.
    expect((await invoke(c, ns.address, RequestCode.REGISTER_TOPIC_IN_NAMESRV, { topic: 'Ghost' }, body('nobody'))).code).toBe(ResponseCode.SUCCESS);
    expect((await route(ns.address, 'Ghost')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
  });
});

describe('QUERY_DATA_VERSION', () => {
  it('says whether the broker topic config changed and returns the stored version', async () => {
    const { ns } = await startNameServer();
    const stored = { timestamp: 1_700_000_000_000, counter: 7 };
    const c = client();
    await registerBroker(ns.address, { name: 'broker-a', addr: A0, dataVersion: stored }, c);
    const header = encodeQueryDataVersionRequestHeader({ brokerName: 'broker-a', brokerAddr: A0, clusterName: 'DefaultCluster', brokerId: 0 });

    const same = await invoke(c, ns.address, RequestCode.QUERY_DATA_VERSION, header, encodeDataVersion(stored));
    expect(same.code).toBe(ResponseCode.SUCCESS);
    expect(decodeQueryDataVersionResponseHeader(same.extFields).changed).toBe(false);
    expect(same.extFields['changed']).toBe('false');
    expect(decodeDataVersion(same.body!)).toEqual(stored);

    const newer = await invoke(c, ns.address, RequestCode.QUERY_DATA_VERSION, header, encodeDataVersion({ ...stored, counter: 8 }));
    expect(decodeQueryDataVersionResponseHeader(newer.extFields).changed).toBe(true);
    expect(decodeDataVersion(newer.body!)).toEqual(stored);

    const unknown = await invoke(c, ns.address, RequestCode.QUERY_DATA_VERSION, { ...header, brokerAddr: '127.0.0.1:1' }, encodeDataVersion(stored));
    expect(decodeQueryDataVersionResponseHeader(unknown.extFields).changed).toBe(true);
    expect(unknown.body).toBeUndefined();
  });
});

describe('bad requests', () => {
  it('answers malformed headers and bodies with SYSTEM_ERROR and keeps serving on the same connection', async () => {
    const { ns } = await startNameServer();
    const c = client();
    await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T')] }, c);

    const noTopic = await invoke(c, ns.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, {});
    expect(noTopic.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(noTopic.remark).toBe('the custom field <topic> is null');

    const badId = registerRequest({ name: 'broker-a', addr: A0 });
    badId.extFields['brokerId'] = 'zero';
    const badIdRes = await c.invoke(ns.address, badId, 3000);
    expect(badIdRes.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(badIdRes.remark).toContain('brokerId');

    const garbage = registerRequest({ name: 'broker-a', addr: A0 });
    garbage.body = Buffer.from('{"topicConfigSerializeWrapper": nope');
    garbage.extFields['bodyCrc32'] = '0';
    const garbageRes = await c.invoke(ns.address, garbage, 3000);
    expect(garbageRes.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(garbageRes.remark).toMatch(/^Failed to decode RegisterBrokerBody/);

    const notZipped = registerRequest({ name: 'broker-a', addr: A0 });
    notZipped.extFields['compressed'] = 'true';
    expect((await c.invoke(ns.address, notZipped, 3000)).code).toBe(ResponseCode.SYSTEM_ERROR);

    const qdv = { brokerName: 'broker-a', brokerAddr: A0, clusterName: 'DefaultCluster', brokerId: '0' };
    expect((await invoke(c, ns.address, RequestCode.QUERY_DATA_VERSION, qdv, Buffer.from('[1,2'))).code).toBe(ResponseCode.SYSTEM_ERROR);
    expect((await invoke(c, ns.address, RequestCode.QUERY_DATA_VERSION, qdv)).code).toBe(ResponseCode.SYSTEM_ERROR);
    expect((await invoke(c, ns.address, RequestCode.REGISTER_TOPIC_IN_NAMESRV, { topic: 'X' }, Buffer.from('x'))).code).toBe(ResponseCode.SYSTEM_ERROR);
    expect((await invoke(c, ns.address, RequestCode.PUT_KV_CONFIG, { namespace: 'ns', key: 'k' })).code).toBe(ResponseCode.SYSTEM_ERROR);

    const unsupported = await invoke(c, ns.address, 9999);
    expect(unsupported.code).toBe(ResponseCode.REQUEST_CODE_NOT_SUPPORTED);

    // The broker is still registered and the connection still answers.
    expect((await invoke(c, ns.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' })).code).toBe(ResponseCode.SUCCESS);
  });

  it('answers a header that is not JSON and keeps the connection', async () => {
    const { ns } = await startNameServer();
    await registerBroker(ns.address, { name: 'broker-a', addr: A0, topics: [topic('T')] });
    const peer = await RawPeer.connect(ns.port);
    const header = Buffer.from('{"code":105,"opaque":41,"flag":0,');
    const frame = Buffer.alloc(8 + header.length);
    frame.writeInt32BE(4 + header.length, 0);
    frame.writeInt32BE(header.length, 4);
    header.copy(frame, 8);
    peer.write(frame);
    const res = await peer.next(1);
    expect(res.code).toBe(ResponseCode.SYSTEM_ERROR);
    peer.write(encodeFrame(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'T' })));
    expect((await peer.next(2)).code).toBe(ResponseCode.SUCCESS);
  });
});
