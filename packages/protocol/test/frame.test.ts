import { describe, expect, it } from 'vitest';
import {
  FrameDecoder,
  FrameLengthError,
  HeaderDecodeError,
  RequestCode,
  ResponseCode,
  SerializeType,
  createRequest,
  createResponse,
  decodeCommand,
  decodeFrame,
  encodeFrame,
  isOneway,
  isResponse,
} from '@rocketmq-ts/protocol';

describe('frame codec', () => {
  it('round-trips a JSON-header request with a body', () => {
    const req = createRequest(RequestCode.SEND_MESSAGE_V2, { a: 'group', b: 'TopicTest' }, Buffer.from('hello'));
    const bytes = encodeFrame(req);
    expect(bytes.readInt32BE(0)).toBe(bytes.length - 4);
    expect(bytes.readUInt8(4)).toBe(SerializeType.JSON);
    const back = decodeFrame(bytes);
    expect(back).toEqual(req);
    expect(encodeFrame(back).equals(bytes)).toBe(true);
  });

  it('round-trips a ROCKETMQ binary header with remark and ext fields', () => {
    const req = createRequest(RequestCode.PULL_MESSAGE, { topic: 'T', queueId: '3' }, undefined, {
      serializeType: SerializeType.ROCKETMQ,
      oneway: true,
    });
    const res = createResponse(req, ResponseCode.SYSTEM_ERROR, 'boom ü', { x: 'y' });
    for (const cmd of [req, res]) {
      const bytes = encodeFrame(cmd);
      expect(bytes.readUInt8(4)).toBe(SerializeType.ROCKETMQ);
      const back = decodeFrame(bytes);
      expect(back).toEqual(cmd);
      expect(encodeFrame(back).equals(bytes)).toBe(true);
    }
    expect(isOneway(req)).toBe(true);
    expect(isResponse(res)).toBe(true);
    expect(res.opaque).toBe(req.opaque);
  });

  it('round-trips binary header strings of any length and script', () => {
    const strings = ['', 'a', 'x'.repeat(64), 'y'.repeat(65), 'ü', 'abcü', `${'z'.repeat(63)}ü`, '中文😀', 'ctl\u0001\u0002'];
    for (const s of strings) {
      const req = createRequest(RequestCode.SEND_MESSAGE_V2, { [s.length === 0 ? 'empty' : s]: s, k: s }, undefined, { serializeType: SerializeType.ROCKETMQ });
      const res = createResponse(req, ResponseCode.SUCCESS, s.length === 0 ? undefined : s, { v: s });
      for (const cmd of [req, res]) {
        const back = decodeFrame(encodeFrame(cmd));
        expect(back).toEqual(cmd);
      }
    }
  });

  it('writes the JSON header in the order a Java peer writes it', () => {
    const res = createResponse({ opaque: 7, serializeType: SerializeType.JSON }, 0, 'ok', { k: 'v' });
    const bytes = encodeFrame(res);
    const headerLen = bytes.readInt32BE(4) & 0xffffff;
    expect(bytes.toString('utf8', 8, 8 + headerLen)).toBe(
      '{"code":0,"extFields":{"k":"v"},"flag":1,"language":"JAVA","opaque":7,"remark":"ok","serializeTypeCurrentRPC":"JSON","version":401}',
    );
  });

  it('accepts numbers and booleans as extFields values and yields strings', () => {
    const header = Buffer.from('{"code":34,"language":"JAVA","opaque":5,"flag":0,"version":121,"extFields":{"n":12,"b":true,"s":"x","z":null}}');
    const frame = Buffer.alloc(4 + header.length);
    frame.writeInt32BE(header.length, 0);
    header.copy(frame, 4);
    const cmd = decodeCommand(frame);
    expect(cmd.extFields).toEqual({ n: '12', b: 'true', s: 'x' });
    expect(cmd.opaque).toBe(5);
  });

  it('reports a bad JSON header with the opaque it could recover', () => {
    const header = Buffer.from('{"code":34,"opaque":99,"extFields":{');
    const frame = Buffer.alloc(4 + header.length);
    frame.writeInt32BE(header.length, 0);
    header.copy(frame, 4);
    expect(() => decodeCommand(frame)).toThrow(HeaderDecodeError);
    try {
      decodeCommand(frame);
    } catch (err) {
      expect((err as HeaderDecodeError).opaque).toBe(99);
    }
  });

  it('rejects binary headers whose inner lengths overrun', () => {
    const req = createRequest(10, { key: 'value' }, undefined, { serializeType: SerializeType.ROCKETMQ });
    const bytes = encodeFrame(req);
    bytes.writeInt32BE(0x7fffffff, 8 + 13); // remark length
    expect(() => decodeFrame(bytes)).toThrow(HeaderDecodeError);
  });
});

describe('FrameDecoder', () => {
  it('reassembles frames split at every byte boundary', () => {
    const frames = [1, 2, 3].map((i) => encodeFrame(createRequest(i, { i: String(i) }, Buffer.alloc(i * 10, i))));
    const all = Buffer.concat(frames);
    for (let split = 1; split < all.length; split++) {
      const dec = new FrameDecoder();
      dec.push(all.subarray(0, split));
      dec.push(all.subarray(split));
      const got: number[] = [];
      for (let f = dec.next(); f !== undefined; f = dec.next()) got.push(decodeCommand(f).code);
      expect(got).toEqual([1, 2, 3]);
      expect(dec.pendingBytes).toBe(0);
    }
  });

  it('throws on negative and oversize lengths', () => {
    const neg = new FrameDecoder();
    neg.push(Buffer.from([0xff, 0xff, 0xff, 0xf0]));
    expect(() => neg.next()).toThrow(FrameLengthError);
    const big = new FrameDecoder(1024);
    const b = Buffer.alloc(4);
    b.writeInt32BE(1025, 0);
    big.push(b);
    expect(() => big.next()).toThrow(FrameLengthError);
  });
});
