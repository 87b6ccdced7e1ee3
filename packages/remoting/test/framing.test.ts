import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@rocketmq-ts/common';
import type { LogRecord } from '@rocketmq-ts/common';
import {
  DEFAULT_MAX_FRAME_SIZE,
  RequestCode,
  ResponseCode,
  SerializeType,
  createRequest,
  createResponse,
  encodeFrame,
} from '@rocketmq-ts/protocol';
import type { RemotingCommand } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import type { ChannelCloseReason } from '@rocketmq-ts/remoting';
import { RawPeer, rawFrame, sleep, startServer } from './helpers.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const echo = (req: RemotingCommand): RemotingCommand => createResponse(req, ResponseCode.SUCCESS, 'ok', req.extFields);

function loud(records: LogRecord[]): LogRecord[] {
  return records.filter((r) => r.level === 'warn' || r.level === 'error' || r.level === 'fatal');
}

async function setup(maxFrameSize?: number) {
  const logger = new MemoryLogger();
  const closes: ChannelCloseReason[] = [];
  const { server, port, addr } = await startServer(maxFrameSize === undefined ? { logger } : { logger, maxFrameSize }, (s) => {
    s.registerProcessor(RequestCode.HEART_BEAT, echo);
    s.on('channelClose', (_ch, info) => closes.push(info.reason));
  });
  cleanups.push(() => server.close());
  const client = new RemotingClient();
  cleanups.push(() => client.close());
  return { logger, closes, server, port, addr, client };
}

function lengthPrefix(length: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(length, 0);
  return b;
}

describe('frame length limits', () => {
  const cases: Array<[string, number | undefined, (max: number) => number]> = [
    ['one byte over a configured max', 1024, (max) => max + 1],
    ['one byte over the default 16 MiB max', undefined, () => DEFAULT_MAX_FRAME_SIZE + 1],
    ['negative (-1)', 1024, () => -1],
    ['negative (INT32_MIN)', undefined, () => -0x80000000],
  ];
  for (const [name, max, length] of cases) {
    it(`closes only the connection that sent a length ${name}, with one warn line and no response`, async () => {
      const { logger, closes, server, port, addr, client } = await setup(max);
      const good = await RawPeer.connect(port);
      const bad = await RawPeer.connect(port);
      cleanups.push(() => good.destroy(), () => bad.destroy());
      await client.invoke(addr, createRequest(RequestCode.HEART_BEAT), 3000);
      expect(server.channels.size).toBe(3);

      const bogus = length(max ?? DEFAULT_MAX_FRAME_SIZE);
      bad.write(Buffer.concat([lengthPrefix(bogus), Buffer.alloc(100, 0x41)]));
      await bad.closed;

      expect(bad.bytesReceived).toBe(0);
      const lines = loud(logger.records);
      expect(lines).toHaveLength(1);
      expect(lines[0]!.level).toBe('warn');
      expect(lines[0]!.msg).toContain(String(bogus));
      expect(closes).toEqual(['protocol']);

      // The others are unaffected.
      const probe = createRequest(RequestCode.HEART_BEAT, { who: 'good' });
      good.send(probe);
      const [answer] = await good.waitForCount(1);
      expect(answer!.opaque).toBe(probe.opaque);
      expect((await client.invoke(addr, createRequest(RequestCode.HEART_BEAT), 3000)).code).toBe(ResponseCode.SUCCESS);
      expect(server.channels.size).toBe(2);
    });
  }

  it('accepts a frame of exactly the max size', async () => {
    const { port } = await setup(4096);
    const peer = await RawPeer.connect(port);
    cleanups.push(() => peer.destroy());
    const req = createRequest(RequestCode.HEART_BEAT);
    const prefixLen = encodeFrame(req).length;
    req.body = Buffer.alloc(4096 + 4 - prefixLen, 7);
    const frame = encodeFrame(req);
    expect(frame.readInt32BE(0)).toBe(4096);
    peer.write(frame);
    const [answer] = await peer.waitForCount(1);
    expect(answer!.code).toBe(ResponseCode.SUCCESS);
  });
});

describe('malformed headers inside intact frames', () => {
  function binaryRequest(opaque: number): Buffer {
    const req = createRequest(RequestCode.HEART_BEAT, { key: 'value' }, undefined, { serializeType: SerializeType.ROCKETMQ });
    req.opaque = opaque;
    return encodeFrame(req);
  }

  const cases: Array<{ name: string; frame: () => Buffer; opaque: number; type: number }> = [
    {
      name: 'truncated JSON',
      frame: () => rawFrame(Buffer.from('{"code":34,"opaque":77,"extFields":{'), SerializeType.JSON),
      opaque: 77,
      type: SerializeType.JSON,
    },
    {
      name: 'JSON that is not an object',
      frame: () => rawFrame(Buffer.from('[1,2,3]'), SerializeType.JSON),
      opaque: 0,
      type: SerializeType.JSON,
    },
    {
      name: 'JSON without a code',
      frame: () => rawFrame(Buffer.from('{"opaque":5,"flag":0}'), SerializeType.JSON),
      opaque: 5,
      type: SerializeType.JSON,
    },
    {
      name: 'JSON with a non-numeric code',
      frame: () => rawFrame(Buffer.from('{"code":"abc","opaque":6}'), SerializeType.JSON),
      opaque: 6,
      type: SerializeType.JSON,
    },
    {
      name: 'binary header with a huge remark length',
      frame: () => {
        const f = binaryRequest(55);
        f.writeInt32BE(0x7fffffff, 8 + 13);
        return f;
      },
      opaque: 55,
      type: SerializeType.ROCKETMQ,
    },
    {
      name: 'binary header with a negative extFields length',
      frame: () => {
        const f = binaryRequest(56);
        f.writeInt32BE(-3, 8 + 17);
        return f;
      },
      opaque: 56,
      type: SerializeType.ROCKETMQ,
    },
    {
      name: 'binary header shorter than its fixed part',
      frame: () => rawFrame(Buffer.from(binaryRequest(57).subarray(8, 8 + 12)), SerializeType.ROCKETMQ),
      opaque: 57,
      type: SerializeType.ROCKETMQ,
    },
    {
      name: 'header length word larger than the frame',
      frame: () => {
        const f = encodeFrame(createRequest(RequestCode.HEART_BEAT));
        const json = f.subarray(8).toString();
        const opaque = Number(/"opaque":(-?\d+)/.exec(json)![1]);
        f.writeUInt32BE((SerializeType.JSON << 24) | 0xfffff, 4);
        opaqueOfExtended = opaque;
        return f;
      },
      opaque: -1, // filled from the frame
      type: SerializeType.JSON,
    },
    {
      name: 'unknown serialize type',
      frame: () => rawFrame(Buffer.from('{"code":34,"opaque":9}'), 7),
      opaque: 0,
      type: SerializeType.JSON,
    },
    {
      name: 'frame too short for the header word',
      frame: () => Buffer.from([0, 0, 0, 4, 0, 0, 0, 0]),
      opaque: 0,
      type: SerializeType.JSON,
    },
  ];
  let opaqueOfExtended = 0;

  it('answers SYSTEM_ERROR with the recovered opaque in the request serialize type and keeps the connection', async () => {
    const { logger, closes, port } = await setup();
    const peer = await RawPeer.connect(port);
    cleanups.push(() => peer.destroy());
    let expected = 0;
    for (const c of cases) {
      peer.write(c.frame());
      expected++;
      const answers = await peer.waitForCount(expected);
      const answer = answers[expected - 1]!;
      const opaque = c.opaque === -1 ? opaqueOfExtended : c.opaque;
      expect({ case: c.name, code: answer.code, opaque: answer.opaque, type: peer.receivedTypes[expected - 1] }).toEqual({
        case: c.name,
        code: ResponseCode.SYSTEM_ERROR,
        opaque,
        type: c.type,
      });
      expect(answer.remark?.length ?? 0).toBeGreaterThan(0);

      // The same connection still serves well-formed requests.
      const probe = createRequest(RequestCode.HEART_BEAT, { after: c.name });
      peer.send(probe);
      expected++;
      const next = (await peer.waitForCount(expected))[expected - 1]!;
      expect(next.opaque).toBe(probe.opaque);
      expect(next.code).toBe(ResponseCode.SUCCESS);
    }
    await sleep(20);
    expect(closes).toEqual([]);
    expect(logger.records.filter((r) => r.level === 'error' || r.level === 'fatal')).toEqual([]);
  });
});
