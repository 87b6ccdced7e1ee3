import { afterEach, describe, expect, it } from 'vitest';
import { ClientInstance } from '../src/instance.js';
import { parseProducerOptions } from '../src/options.js';

const instances: ClientInstance[] = [];
afterEach(async () => {
  for (const i of instances.splice(0)) await i.release();
});

function instance(name: string, nameServer = '127.0.0.1:1'): ClientInstance {
  const i = ClientInstance.acquire(parseProducerOptions({ nameServer, group: 'g', instanceName: name, clientIP: '10.1.2.3' }));
  instances.push(i);
  return i;
}

describe('client instance', () => {
  it('is shared per client id and NameServer list', () => {
    const a = instance('x');
    const b = instance('x');
    const c = instance('y');
    const d = instance('x', '127.0.0.1:2');
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).not.toBe(d);
    expect(a.clientId).toBe('10.1.2.3@x');
  });

  it('finds the broker to pull from as MQClientInstance.findBrokerAddressInSubscribe (suggestWhichBrokerId)', () => {
    const i = instance('find');
    i.brokerAddrTable.set('b', new Map([[0, 'm:1'], [1, 's1:1'], [3, 's3:1']]));
    expect(i.findBrokerAddressInSubscribe('b', 0, false)).toEqual({ addr: 'm:1', slave: false });
    expect(i.findBrokerAddressInSubscribe('b', 1, false)).toEqual({ addr: 's1:1', slave: true });
    // A missing slave id falls to the next id.
    expect(i.findBrokerAddressInSubscribe('b', 2, false)).toEqual({ addr: 's3:1', slave: true });
    i.brokerAddrTable.set('c', new Map([[1, 's:9']]));
    expect(i.findBrokerAddressInSubscribe('c', 0, true)).toBeUndefined();
    expect(i.findBrokerAddressInSubscribe('c', 0, false)).toEqual({ addr: 's:9', slave: true });
    expect(i.findBrokerAddressInPublish('c')).toBeUndefined();
    expect(i.findBrokerAddressInPublish('b')).toBe('m:1');
    expect(i.findBrokerAddressInSubscribe('none', 0, false)).toBeUndefined();
  });

  it('refuses a second producer or consumer of the same group', () => {
    const i = instance('dup');
    const inner = { group: 'g', publishTopics: () => [], isPublishTopicNeedUpdate: () => false, updateTopicPublishInfo: () => undefined, checkTransactionState: () => undefined };
    i.registerProducer(inner);
    expect(() => i.registerProducer(inner)).toThrow(/instanceName/);
  });

  it('rejects with CONNECTION after trying every NameServer', async () => {
    const i = ClientInstance.acquire(parseProducerOptions({ nameServer: '127.0.0.1:1;127.0.0.1:2', group: 'g', instanceName: 'ns' }));
    instances.push(i);
    await expect(i.fetchTopicRoute('T')).rejects.toMatchObject({ code: 'RMQ_ERR_CONNECTION', retriable: true });
  });
});
