import { describe, expect, it } from 'vitest';
import { ResponseCode } from '@rocketmq-ts/protocol';
import { bodies, broker, client, pullRequest, sendRequest } from './helpers.js';

describe('broker smoke', () => {
  it('stores a sent message and serves it to a pull', async () => {
    const b = await broker();
    const c = client();
    const r = await c.invoke(b.address, sendRequest({ topic: 'Smoke', body: 'hi', queueId: 1 }), 3000);
    expect(r.code, r.remark).toBe(ResponseCode.SUCCESS);
    expect(r.extFields['queueId']).toBe('1');
    expect(r.extFields['queueOffset']).toBe('0');
    const p = await c.invoke(b.address, pullRequest({ group: 'G', topic: 'Smoke', queueId: 1 }), 3000);
    expect(p.code, p.remark).toBe(ResponseCode.SUCCESS);
    expect(bodies(p)).toEqual(['hi']);
  });
});
