import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RmqError } from '@rocketmq-ts/common';
import { RequestCode, ResponseCode, decodeTopicRouteData, parseProperties, serializeProperties } from '@rocketmq-ts/protocol';
import { NAMESPACE_ORDER_TOPIC_CONFIG, NameServer, defaultNameServerOptions, parseNameServerOptions, parseNamesrvProperties } from '../src/index.js';
import { client, invoke, registerBroker, startNameServer, tempDir, topic } from './helpers.js';

describe('NameServer options', () => {
  it('defaults as Java: port 9876, files under ~/namesrv', () => {
    const o = defaultNameServerOptions();
    expect(o.listenPort).toBe(9876);
    expect(o.kvConfigPath).toBe(join(homedir(), 'namesrv', 'kvConfig.json'));
    expect(o.configStorePath).toBe(join(homedir(), 'namesrv', 'namesrv.properties'));
    expect(o.brokerChannelExpiredTime).toBe(120_000);
    expect(o.productEnvName).toBe('center');
    expect(o.configBlackList).toBe('configBlackList;configStorePath;kvConfigPath');
  });

  it('names the key of an unknown option or a bad value', () => {
    expect(() => parseNameServerOptions({ listenPrt: 1 })).toThrow('unknown NameServer option listenPrt');
    expect(() => parseNameServerOptions({ listenPort: 70000 })).toThrow('invalid value for listenPort: 70000; accepted: an integer >= 0 <= 65535');
    expect(() => parseNameServerOptions({ orderMessageEnable: 'yes' })).toThrow(/orderMessageEnable/);
    expect(() => new NameServer({ brokerChannelExpiredTime: 0 })).toThrow(RmqError);
    expect(parseNameServerOptions({ listenPort: undefined }).listenPort).toBe(9876);
  });

  it('reads properties: unknown keys warned by name, Java thread keys accepted, bindAddress as listenHost', () => {
    const { config, warnings } = parseNamesrvProperties([
      { listenPort: '19876', orderMessageEnable: 'true', serverWorkerThreads: '8', bindAddress: '127.0.0.1', kvConfigPth: '/x' },
    ]);
    expect(config).toMatchObject({ listenPort: 19876, orderMessageEnable: true, listenHost: '127.0.0.1' });
    expect(warnings).toContain('unknown configuration key kvConfigPth (ignored)');
    expect(warnings).toContain('serverWorkerThreads is accepted for compatibility and has no effect here');
    expect(() => parseNamesrvProperties([{ clusterTest: 'maybe' }])).toThrow('invalid value for clusterTest: "maybe"; accepted: true, false');
  });
});

describe('GET_NAMESRV_CONFIG and UPDATE_NAMESRV_CONFIG', () => {
  it('returns every setting as properties text', async () => {
    const { ns } = await startNameServer({ productEnvName: 'test-env' });
    const res = await invoke(client(), ns.address, RequestCode.GET_NAMESRV_CONFIG);
    expect(res.code).toBe(ResponseCode.SUCCESS);
    const props = parseProperties(res.body!);
    expect(props.get('productEnvName')).toBe('test-env');
    expect(props.get('listenPort')).toBe('0');
    expect(props.get('kvConfigPath')).toBe(ns.options.kvConfigPath);
    expect(props.get('orderMessageEnable')).toBe('false');
  });

  it('applies an update at once and persists the configuration to configStorePath', async () => {
    const { ns, dir } = await startNameServer();
    const c = client();
    await registerBroker(ns.address, { name: 'broker-a', addr: '127.0.0.1:10911', topics: [topic('TopicOrder')] });
    await invoke(c, ns.address, RequestCode.PUT_KV_CONFIG, { namespace: NAMESPACE_ORDER_TOPIC_CONFIG, key: 'TopicOrder', value: 'broker-a:4' });
    const routeConf = async () =>
      decodeTopicRouteData((await invoke(c, ns.address, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicOrder' })).body!).orderTopicConf;
    expect(await routeConf()).toBeUndefined();

    const update = serializeProperties(new Map([['orderMessageEnable', 'true'], ['somethingElse', 'x']]));
    const res = await invoke(c, ns.address, RequestCode.UPDATE_NAMESRV_CONFIG, {}, update);
    expect(res.code).toBe(ResponseCode.SUCCESS);
    expect(ns.options.orderMessageEnable).toBe(true);
    expect(await routeConf()).toBe('broker-a:4');

    const saved = parseProperties(await readFile(join(dir, 'namesrv.properties'), 'utf8'));
    expect(saved.get('orderMessageEnable')).toBe('true');
    expect(saved.get('listenPort')).toBe('0');
    expect(saved.has('somethingElse')).toBe(false);
  });

  it('refuses keys on the black list with NO_PERMISSION, as Java 4.9.8', async () => {
    const { ns } = await startNameServer({ configBlackList: 'listenPort' });
    const c = client();
    for (const key of ['kvConfigPath', 'configStorePath', 'configBlackList', 'rocketmqHome', 'listenPort']) {
      const res = await invoke(c, ns.address, RequestCode.UPDATE_NAMESRV_CONFIG, {}, Buffer.from(`${key}=x\norderMessageEnable=true\n`));
      expect(res.code, key).toBe(ResponseCode.NO_PERMISSION);
      expect(res.remark).toBe('Can not update config in black list.');
    }
    expect(ns.options.orderMessageEnable).toBe(false);
  });

  it('refuses a bad value naming the key and changes nothing', async () => {
    const { ns } = await startNameServer();
    const res = await invoke(client(), ns.address, RequestCode.UPDATE_NAMESRV_CONFIG, {}, Buffer.from('orderMessageEnable=true\nscanNotActiveBrokerInterval=soon\n'));
    expect(res.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(res.remark).toContain('scanNotActiveBrokerInterval');
    expect(ns.options.orderMessageEnable).toBe(false);
  });

  it('accepts an update with no body, as Java', async () => {
    const { ns } = await startNameServer();
    expect((await invoke(client(), ns.address, RequestCode.UPDATE_NAMESRV_CONFIG)).code).toBe(ResponseCode.SUCCESS);
  });
});

describe('NameServer lifecycle', () => {
  it('reports its address and refuses to start twice', async () => {
    const { ns } = await startNameServer();
    expect(ns.address).toBe(`127.0.0.1:${ns.port}`);
    await expect(ns.start()).rejects.toThrow(/cannot start/);
    const idle = new NameServer();
    expect(() => idle.port).toThrow(/not listening/);
  });

  it('closes cleanly when close() is called while starting', async () => {
    const dir = await tempDir();
    const ns = new NameServer({ listenHost: '127.0.0.1', listenPort: 0, kvConfigPath: join(dir, 'kv.json'), configStorePath: join(dir, 'p') });
    const started = ns.start();
    const closed = ns.close();
    await started;
    await closed;
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: ns.port }, () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  it('fails to start on a port in use, naming it', async () => {
    const { ns, dir } = await startNameServer();
    const second = new NameServer({ listenHost: '127.0.0.1', listenPort: ns.port, kvConfigPath: join(dir, 'kv2.json'), configStorePath: join(dir, 'p2') });
    await expect(second.start()).rejects.toThrow(String(ns.port));
    await second.close();
  });
});
