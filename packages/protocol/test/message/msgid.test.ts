import { describe, expect, it } from 'vitest';
import {
  UniqueIdGenerator,
  createOffsetMsgId,
  createUniqueId,
  decodeHost,
  decodeOffsetMsgId,
  encodeHost,
  parseUniqueId,
} from '@rocketmq-ts/protocol';

describe('offset msgId', () => {
  it('decodes the id ali-ons tests against', () => {
    expect(decodeOffsetMsgId('0ADA91A6000029CC0000006504009B6F')).toEqual({ address: '10.218.145.166:10700', offset: 433858845551 });
    expect(decodeOffsetMsgId('0ada91a6000029cc0000006504009b6f').offset).toBe(433858845551);
  });

  it('encodes store host + offset as uppercase hex (IPv4 and IPv6)', () => {
    expect(createOffsetMsgId('10.218.145.166:10700', 433858845551)).toBe('0ADA91A6000029CC0000006504009B6F');
    const v6 = createOffsetMsgId('[2001:db8::1]:10911', 7);
    expect(v6).toBe('20010DB8000000000000000000000001' + '00002A9F' + '0000000000000007');
    expect(decodeOffsetMsgId(v6)).toEqual({ address: '[2001:db8:0:0:0:0:0:1]:10911', offset: 7 });
  });

  it('encodes every offset as the 8 bytes Java writes, whichever host came before', () => {
    const offsets = [0, 1, 255, 256, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 433858845551, 2 ** 52 + 3, Number.MAX_SAFE_INTEGER];
    const hosts = ['10.218.145.166:10700', '[2001:db8::1]:10911', '127.0.0.1:10911', encodeHost('127.0.0.2:10911'), '10.218.145.166:10700'];
    for (const host of hosts) {
      const hostBytes = typeof host === 'string' ? encodeHost(host) : host;
      for (const o of offsets) {
        const tail = Buffer.alloc(8);
        tail.writeBigInt64BE(BigInt(o));
        expect(createOffsetMsgId(host, o)).toBe(Buffer.concat([hostBytes, tail]).toString('hex').toUpperCase());
      }
    }
    // A host buffer changed in place is not mistaken for the previous one.
    const mutable = encodeHost('10.0.0.1:1');
    expect(createOffsetMsgId(mutable, 1)).toBe('0A0000010000000100000000000000' + '01');
    mutable[3] = 2;
    expect(createOffsetMsgId(mutable, 1)).toBe('0A0000020000000100000000000000' + '01');
  });

  it('rejects ids of the wrong length or with non-hex digits', () => {
    expect(() => decodeOffsetMsgId('ABC')).toThrow(/32 or 56/);
    expect(() => decodeOffsetMsgId('ZZDA91A6000029CC0000006504009B6F')).toThrow(/not hex/);
  });
});

describe('host addresses', () => {
  it('round-trips IPv4 and IPv6 forms', () => {
    expect(encodeHost('127.0.0.1:9876').toString('hex')).toBe('7f00000100002694');
    expect(decodeHost(encodeHost('/127.0.0.1:9876'))).toBe('127.0.0.1:9876');
    expect(decodeHost(encodeHost('::1:9876'))).toBe('[0:0:0:0:0:0:0:1]:9876');
    expect(decodeHost(encodeHost('[::ffff:10.0.0.1]:1'))).toBe('[0:0:0:0:0:ffff:a00:1]:1');
    for (const bad of ['127.0.0.1', '1.2.3:4', '1.2.3.256:1', 'host:99999', '[::1]9']) expect(() => encodeHost(bad)).toThrow();
  });
});

describe('client unique id (UNIQ_KEY)', () => {
  it('lays out ip, pid, hash, ms since start of month and counter as MessageClientIDSetter', () => {
    const now = new Date(2024, 4, 3, 10, 20, 30, 400).getTime(); // local time, as Java's Calendar
    const gen = new UniqueIdGenerator({ ip: '192.168.1.20', pid: 0x12345, instanceHash: -2, now: () => now });
    const a = gen.next();
    const b = gen.next();
    const monthMs = now - new Date(2024, 4, 1).getTime();
    expect(a).toBe('C0A80114' + '2345' + 'FFFFFFFE' + monthMs.toString(16).toUpperCase().padStart(8, '0') + '0000');
    expect(b.slice(-4)).toBe('0001');
    expect(a).toHaveLength(32);
    const info = parseUniqueId(a, now + 1000);
    expect(info).toEqual({ ip: '192.168.1.20', pid: 0x2345, instanceHash: -2, monthMillis: monthMs, counter: 0, timestamp: now });
  });

  it('dates an id from the future as last month, as getNearlyTimeFromID', () => {
    const made = new Date(2024, 0, 30, 12).getTime();
    const id = new UniqueIdGenerator({ ip: '10.0.0.1', now: () => made }).next();
    const readAt = new Date(2024, 1, 2).getTime(); // Feb 2: Jan 30 offset would be in the future in Feb
    expect(parseUniqueId(id, readAt).timestamp).toBe(made);
  });

  it('wraps the counter at 16 bits and supports IPv6', () => {
    const gen = new UniqueIdGenerator({ ip: Buffer.alloc(16, 0xab), now: () => 0 });
    let last = '';
    for (let i = 0; i < 65537; i++) last = gen.next();
    expect(last).toHaveLength(56);
    expect(last.slice(-4)).toBe('0000');
    expect(parseUniqueId(last, 1).ip).toBe('abab:abab:abab:abab:abab:abab:abab:abab');
    expect(createUniqueId()).toMatch(/^[0-9A-F]{32}$/);
  });
});
