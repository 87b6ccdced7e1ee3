import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import {
  RequestCode,
  ResponseCode,
  decodeGetKVConfigResponseHeader,
  decodeKVTable,
  decodeTopicRouteData,
} from '@rocketmq-ts/protocol';
import { NAMESPACE_ORDER_TOPIC_CONFIG, NameServer } from '../src/index.js';
import { client, invoke, registerBroker, startNameServer, tempDir, topic } from './helpers.js';

const kv = (namespace: string, key: string, value?: string): Record<string, string> =>
  value === undefined ? { namespace, key } : { namespace, key, value };

describe('KV config', () => {
  it('puts, gets, lists and deletes, with Java QUERY_NOT_FOUND remarks', async () => {
    const { ns } = await startNameServer();
    const c = client();
    expect((await invoke(c, ns.address, RequestCode.PUT_KV_CONFIG, kv('ns1', 'k1', 'v1'))).code).toBe(ResponseCode.SUCCESS);
    await invoke(c, ns.address, RequestCode.PUT_KV_CONFIG, kv('ns1', 'k2', 'v2'));

    const got = await invoke(c, ns.address, RequestCode.GET_KV_CONFIG, kv('ns1', 'k1'));
    expect(got.code).toBe(ResponseCode.SUCCESS);
    expect(decodeGetKVConfigResponseHeader(got.extFields).value).toBe('v1');

    const list = await invoke(c, ns.address, RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'ns1' });
    expect(decodeKVTable(list.body!).table).toEqual(new Map([['k1', 'v1'], ['k2', 'v2']]));

    const missing = await invoke(c, ns.address, RequestCode.GET_KV_CONFIG, kv('ns1', 'nope'));
    expect(missing.code).toBe(ResponseCode.QUERY_NOT_FOUND);
    expect(missing.remark).toBe('No config item, Namespace: ns1 Key: nope');
    const noNamespace = await invoke(c, ns.address, RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'ns2' });
    expect(noNamespace.code).toBe(ResponseCode.QUERY_NOT_FOUND);
    expect(noNamespace.remark).toBe('No config item, Namespace: ns2');

    expect((await invoke(c, ns.address, RequestCode.DELETE_KV_CONFIG, kv('ns1', 'k1'))).code).toBe(ResponseCode.SUCCESS);
    expect((await invoke(c, ns.address, RequestCode.GET_KV_CONFIG, kv('ns1', 'k1'))).code).toBe(ResponseCode.QUERY_NOT_FOUND);
    // Deleting what is not there succeeds, as in Java; an emptied namespace still lists (empty).
    expect((await invoke(c, ns.address, RequestCode.DELETE_KV_CONFIG, kv('none', 'x'))).code).toBe(ResponseCode.SUCCESS);
    await invoke(c, ns.address, RequestCode.DELETE_KV_CONFIG, kv('ns1', 'k2'));
    const emptied = await invoke(c, ns.address, RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'ns1' });
    expect(emptied.code).toBe(ResponseCode.SUCCESS);
    expect(emptied.body!.toString()).toBe('{"table":{}}');
  });

  it('persists to kvConfig.json in Java shape, keeps a .bak, and survives a restart', async () => {
    const { ns, dir } = await startNameServer();
    const c = client();
    await invoke(c, ns.address, RequestCode.PUT_KV_CONFIG, kv('ns1', 'k1', 'v1'));
    // The answer comes once the file holds the change.
    const file = join(dir, 'kvConfig.json');
    expect(await readFile(file, 'utf8')).toBe('{"configTable":{"ns1":{"k1":"v1"}}}');
    await invoke(c, ns.address, RequestCode.PUT_KV_CONFIG, kv('ORDER_TOPIC_CONFIG', 'TopicOrder', 'broker-a:4;broker-b:4'));
    expect(await readFile(`${file}.bak`, 'utf8')).toBe('{"configTable":{"ns1":{"k1":"v1"}}}');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      configTable: { ns1: { k1: 'v1' }, ORDER_TOPIC_CONFIG: { TopicOrder: 'broker-a:4;broker-b:4' } },
    });
    await ns.close();

    const again = (await startNameServer({}, dir)).ns;
    const got = await invoke(client(), again.address, RequestCode.GET_KV_CONFIG, kv('ORDER_TOPIC_CONFIG', 'TopicOrder'));
    expect(decodeGetKVConfigResponseHeader(got.extFields).value).toBe('broker-a:4;broker-b:4');
  });

  it('reads a file a Java NameServer wrote', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'kvConfig.json'), '{"configTable":{"ORDER_TOPIC_CONFIG":{"T":"broker-a:8"},"ns":{"a":"1"}}}');
    const { ns } = await startNameServer({}, dir);
    expect(ns.getKVConfig('ORDER_TOPIC_CONFIG', 'T')).toBe('broker-a:8');
    expect(ns.getKVConfig('ns', 'a')).toBe('1');
  });

  it('falls back to the .bak file when kvConfig.json is corrupt, and refuses to start when both are', async () => {
    const dir = await tempDir();
    const file = join(dir, 'kvConfig.json');
    await writeFile(file, '{"configTable":{"ns":{"k":');
    await writeFile(`${file}.bak`, '{"configTable":{"ns":{"k":"from-bak"}}}');
    const { ns } = await startNameServer({}, dir);
    expect(ns.getKVConfig('ns', 'k')).toBe('from-bak');
    await ns.close();
    // Shutting down writes the recovered table back.
    expect(await readFile(file, 'utf8')).toBe('{"configTable":{"ns":{"k":"from-bak"}}}');

    await writeFile(file, 'garbage');
    await writeFile(`${file}.bak`, 'garbage');
    const broken = new NameServer({ listenHost: '127.0.0.1', listenPort: 0, kvConfigPath: file, configStorePath: join(dir, 'p') });
    const err = await broken.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RmqError);
    expect((err as RmqError).code).toBe(ErrorCode.STORE);
    expect((err as RmqError).message).toContain(file);
    await broken.close();
  });

  it('adds orderTopicConf to routes when orderMessageEnable, and sends the order config to registering brokers', async () => {
    const { ns } = await startNameServer({ orderMessageEnable: true });
    const c = client();
    await registerBroker(ns.address, { name: 'broker-a', addr: '127.0.0.1:10911', topics: [topic('TopicOrder')] });
    const before = decodeTopicRouteData((await invoke(c, ns.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicOrder' })).body!);
    expect(before.orderTopicConf).toBeUndefined();

    await invoke(c, ns.address, RequestCode.PUT_KV_CONFIG, kv(NAMESPACE_ORDER_TOPIC_CONFIG, 'TopicOrder', 'broker-a:4'));
    const after = await invoke(c, ns.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicOrder' });
    expect(decodeTopicRouteData(after.body!).orderTopicConf).toBe('broker-a:4');

    const reg = await registerBroker(ns.address, { name: 'broker-a', addr: '127.0.0.1:10911', topics: [topic('TopicOrder')] });
    expect(decodeKVTable(reg.response.body!).table).toEqual(new Map([['TopicOrder', 'broker-a:4']]));
  });

  it('leaves orderTopicConf out of routes when orderMessageEnable is off', async () => {
    const { ns } = await startNameServer();
    const c = client();
    await registerBroker(ns.address, { name: 'broker-a', addr: '127.0.0.1:10911', topics: [topic('TopicOrder')] });
    await invoke(c, ns.address, RequestCode.PUT_KV_CONFIG, kv(NAMESPACE_ORDER_TOPIC_CONFIG, 'TopicOrder', 'broker-a:4'));
    const route = decodeTopicRouteData((await invoke(c, ns.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicOrder' })).body!);
    expect(route.orderTopicConf).toBeUndefined();
  });

  it('in clusterTest mode, always adds orderTopicConf and writes the fastjson form', async () => {
    const { ns } = await startNameServer({ clusterTest: true });
    const c = client();
    await registerBroker(ns.address, { name: 'broker-a', addr: '127.0.0.1:10911', topics: [topic('TopicOrder')] });
    await invoke(c, ns.address, RequestCode.PUT_KV_CONFIG, kv(NAMESPACE_ORDER_TOPIC_CONFIG, 'TopicOrder', 'broker-a:4'));
    const res = await invoke(c, ns.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicOrder' }, undefined, 401);
    expect(res.body!.toString()).toContain('"brokerAddrs":{0:');
    expect(decodeTopicRouteData(res.body!).orderTopicConf).toBe('broker-a:4');
  });
});
