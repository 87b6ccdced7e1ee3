import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  LanguageCode,
  RequestCode,
  SerializeType,
  createRequest,
  createResponse,
  decodeFrame,
  decodeHeartbeatData,
  decodePullMessageRequestHeader,
  decodeRegisterBrokerBody,
  decodeRegisterBrokerRequestHeader,
  decodeSendMessageResponseHeader,
  decodeTopicRouteData,
  encodeFrame,
  encodePullMessageRequestHeader,
  encodeRegisterBrokerBody,
  encodeRegisterBrokerRequestHeader,
  encodeSendMessageResponseFields,
  encodeTopicRouteData,
  javaCrc32,
  requestHeaderDecoder,
  sendHeaderFromV2,
} from '@rocketmq-ts/protocol';
import type { RemotingCommand, SendMessageRequestHeaderV2, TopicRouteData } from '@rocketmq-ts/protocol';
import * as java from './fixtures/java/frames.js';

const aliOnsDir = new URL('./fixtures/ali-ons/', import.meta.url);
interface ManifestEntry {
  file: string;
  code: number;
  name: string;
  opaque: number;
  flag: number;
  bodyLength: number;
}
const manifest = JSON.parse(readFileSync(new URL('manifest.json', aliOnsDir), 'utf8')) as { aliOnsVersion: string; frames: ManifestEntry[] };
const frames = new Map(manifest.frames.map((f) => [f.file, readFileSync(new URL(f.file, aliOnsDir))]));
const frame = (file: string): Buffer => frames.get(file) ?? Buffer.alloc(0);

/** The typed header each captured request must decode to. */
const expectedHeaders: Record<string, object | undefined> = {
  '01-105-GET_ROUTEINFO_BY_TOPIC.bin': { topic: 'TopicCapture' },
  '02-310-SEND_MESSAGE_V2.bin': {
    a: 'PG_CAPTURE', b: 'TopicCapture', c: 'TBW102', d: 4, e: 0, f: 0, g: 1795276318592, h: 0,
    i: 'TAGS\u0001TagA\u0002KEYS\u0001key1\u0002', j: 0, k: false, m: false,
  },
  '03-35-UNREGISTER_CLIENT.bin': { clientID: '127.0.0.1@capture-producer', producerGroup: 'PG_CAPTURE' },
  '04-34-HEART_BEAT.bin': undefined,
  '05-38-GET_CONSUMER_LIST_BY_GROUP.bin': { consumerGroup: 'CG_CAPTURE' },
  '06-14-QUERY_CONSUMER_OFFSET.bin': { consumerGroup: 'CG_CAPTURE', topic: 'TopicCapture', queueId: 0 },
  '07-11-PULL_MESSAGE.bin': {
    consumerGroup: 'CG_CAPTURE', topic: 'TopicCapture', queueId: 0, queueOffset: 0, maxMsgNums: 32, sysFlag: 6,
    commitOffset: 0, suspendTimeoutMillis: 15000, subscription: 'TagA', subVersion: 1795276318596,
  },
  '08-36-CONSUMER_SEND_MSG_BACK.bin': {
    offset: 0, group: 'CG_CAPTURE', delayLevel: 0, originMsgId: '7F000001000085F10000000000000000', originTopic: 'TopicCapture',
    unitMode: false, maxReconsumeTimes: 16,
  },
  '09-11-PULL_MESSAGE-2.bin': {
    consumerGroup: 'CG_CAPTURE', topic: 'TopicCapture', queueId: 0, queueOffset: 1, maxMsgNums: 32, sysFlag: 6,
    commitOffset: 0, suspendTimeoutMillis: 15000, subscription: 'TagA', subVersion: 1795276318596,
  },
  '10-15-UPDATE_CONSUMER_OFFSET.bin': { consumerGroup: 'CG_CAPTURE', topic: 'TopicCapture', queueId: 0, commitOffset: 1 },
  '11-29-SEARCH_OFFSET_BY_TIMESTAMP.bin': { topic: 'TopicCapture', queueId: 0, timestamp: 1700000000000 },
};

/**
 * Re-serializes a command the way ali-ons 3.12 does (RemotingCommand.buildHeader):
 * its own key order, remark dropped when unset, and header values typed as the
 * header class types them (numbers and booleans, not strings).
 */
function aliOnsStyleFrame(cmd: RemotingCommand): Buffer {
  const spec = new Map(requestHeaderDecoder(cmd.code)?.fields ?? []);
  const ext: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(cmd.extFields)) {
    const type = spec.get(k)?.type;
    ext[k] = type === 'int' || type === 'long' ? Number(v) : type === 'boolean' ? v === 'true' : v;
  }
  const header = Buffer.from(
    JSON.stringify({ code: cmd.code, language: 'JAVA', opaque: cmd.opaque, flag: cmd.flag, version: cmd.version, remark: cmd.remark, extFields: ext }),
  );
  const body = cmd.body ?? Buffer.alloc(0);
  const out = Buffer.alloc(8 + header.length + body.length);
  out.writeInt32BE(4 + header.length + body.length, 0);
  out.writeInt32BE(header.length, 4);
  header.copy(out, 8);
  body.copy(out, 8 + header.length);
  return out;
}

describe('ali-ons captured frames', () => {
  it('has every frame the manifest lists, from the ali-ons version we test against', () => {
    expect(manifest.frames.map((f) => f.file)).toEqual(Object.keys(expectedHeaders));
    expect(manifest.aliOnsVersion).toMatch(/^3\./);
    for (const f of manifest.frames) expect(frame(f.file).length, f.file).toBeGreaterThan(8);
  });

  it.each(manifest.frames.map((f) => [f.file, f] as const))('%s decodes into the expected typed header', (file, entry) => {
    const cmd = decodeFrame(frame(file));
    expect(cmd.code).toBe(entry.code);
    expect(cmd.opaque).toBe(entry.opaque);
    expect(cmd.flag).toBe(entry.flag);
    expect(cmd.serializeType).toBe(SerializeType.JSON);
    expect(cmd.language).toBe(LanguageCode.JAVA);
    expect(cmd.version).toBe(121);
    expect(cmd.body?.length ?? 0).toBe(entry.bodyLength);
    // Whatever ali-ons wrote, values arrive as strings.
    for (const v of Object.values(cmd.extFields)) expect(typeof v).toBe('string');

    const decoder = requestHeaderDecoder(cmd.code);
    const expected = expectedHeaders[file];
    if (expected === undefined) {
      expect(decoder).toBeUndefined();
    } else {
      expect(decoder!.decode(cmd.extFields)).toEqual(expected);
    }
  });

  it.each(manifest.frames.map((f) => [f.file] as const))('%s survives our canonical re-encoding without loss', (file) => {
    const original = frame(file);
    const cmd = decodeFrame(original);
    const canonical = encodeFrame(cmd);
    // Not byte-equal to ali-ons (key order, value types), but the same command...
    expect(decodeFrame(canonical)).toEqual(cmd);
    // ...and our form is a fixed point.
    expect(encodeFrame(decodeFrame(canonical)).equals(canonical)).toBe(true);
    // The body is carried byte for byte.
    if (cmd.body !== undefined) expect(canonical.subarray(canonical.length - cmd.body.length).equals(cmd.body)).toBe(true);
  });

  it.each(manifest.frames.map((f) => [f.file] as const))('%s is reproduced byte for byte from the decoded command and header types', (file) => {
    expect(aliOnsStyleFrame(decodeFrame(frame(file))).equals(frame(file))).toBe(true);
  });

  it('reads the send header as the full SendMessageRequestHeader', () => {
    const v2 = requestHeaderDecoder(RequestCode.SEND_MESSAGE_V2)!.decode(decodeFrame(frame('02-310-SEND_MESSAGE_V2.bin')).extFields);
    const v1 = sendHeaderFromV2(v2 as SendMessageRequestHeaderV2);
    expect(v1.topic).toBe('TopicCapture');
    expect(v1.properties).toBe('TAGS\u0001TagA\u0002KEYS\u0001key1\u0002');
    expect(decodeFrame(frame('02-310-SEND_MESSAGE_V2.bin')).body?.toString()).toBe('Hello ONS');
  });

  it('reads the ali-ons heartbeat body (no expressionType, empty producer set)', () => {
    const hb = decodeHeartbeatData(decodeFrame(frame('04-34-HEART_BEAT.bin')).body!);
    expect(hb.clientID).toBe('127.0.0.1@capture-consumer');
    expect(hb.producerDataSet).toEqual([]);
    expect(hb.consumerDataSet[0]).toEqual({
      groupName: 'CG_CAPTURE',
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      subscriptionDataSet: [
        { classFilterMode: false, topic: 'TopicCapture', subString: 'TagA', tagsSet: ['TagA'], codeSet: [2598919], subVersion: 1795276318596, expressionType: 'TAG' },
      ],
      unitMode: false,
    });
  });

  it('notes that ali-ons sends UPDATE_CONSUMER_OFFSET without the oneway flag', () => {
    expect(decodeFrame(frame('10-15-UPDATE_CONSUMER_OFFSET.bin')).flag).toBe(0);
  });
});

describe('ali-ons parses what we emit', () => {
  const onsRequire = createRequire(createRequire(import.meta.url).resolve('ali-ons'));
  const JSON2 = onsRequire('JSON2') as { parse(text: string): unknown };
  const MQClient = onsRequire('./mq_client') as {
    prototype: { _topicRouteData2TopicPublishInfo(topic: string, route: unknown): { messageQueueList: Array<{ topic: string; brokerName: string; queueId: number }>; orderTopic: boolean } };
  };
  const route: TopicRouteData = {
    queueDatas: [
      { brokerName: 'broker-b', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
      { brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
    ],
    brokerDatas: [
      { cluster: 'c', brokerName: 'broker-b', brokerAddrs: new Map([[0, '127.0.0.1:20911']]) },
      { cluster: 'c', brokerName: 'broker-a', brokerAddrs: new Map([[0, '127.0.0.1:10911'], [1, '127.0.0.1:10921']]) },
    ],
    filterServerTable: new Map(),
  };

  it.each(['standard', 'fastjson'] as const)('JSON2 reads our %s TopicRouteData into the structure ali-ons uses', (style) => {
    const parsed = JSON2.parse(encodeTopicRouteData(route, style).toString()) as {
      queueDatas: Array<{ brokerName: string; writeQueueNums: number; perm: number }>;
      brokerDatas: Array<{ brokerName: string; brokerAddrs: Record<string, string> }>;
    };
    expect(parsed.brokerDatas[1]!.brokerAddrs['0']).toBe('127.0.0.1:10911');
    expect(parsed.brokerDatas[1]!.brokerAddrs['1']).toBe('127.0.0.1:10921');
    expect(parsed.queueDatas[0]).toEqual({ brokerName: 'broker-b', perm: 6, readQueueNums: 2, topicSysFlag: 0, writeQueueNums: 2 });
    // ali-ons's own route -> publish queues conversion.
    const info = MQClient.prototype._topicRouteData2TopicPublishInfo('T', parsed);
    expect(info.orderTopic).toBe(false);
    expect(info.messageQueueList.map((q) => `${q.brokerName}:${q.queueId}`)).toEqual(['broker-b:0', 'broker-b:1', 'broker-a:0', 'broker-a:1', 'broker-a:2', 'broker-a:3']);
  });

  it('JSON2 reads the Java fastjson form too, and so do we', () => {
    expect(JSON2.parse(java.routeResponseFastjsonBody)).toEqual(JSON.parse(java.routeResponseBody));
    expect(decodeTopicRouteData(java.routeResponseFastjsonBody)).toEqual(decodeTopicRouteData(java.routeResponseBody));
  });
});

describe('Java canonical frames', () => {
  it.each([
    ['route response', java.routeResponse],
    ['register-broker request', java.registerBrokerRequest],
    ['send response', java.sendResponse],
    ['TOPIC_NOT_EXIST response', java.topicNotExistResponse],
    ['binary pull request', java.pullRequestBinary],
    ['binary error response', java.systemErrorBinary],
  ])('%s round-trips byte for byte', (_name, bytes) => {
    expect(encodeFrame(decodeFrame(bytes)).equals(bytes)).toBe(true);
  });

  it('builds the route response from typed data', () => {
    const route = decodeTopicRouteData(decodeFrame(java.routeResponse).body!);
    const res = createResponse({ opaque: 3, serializeType: SerializeType.JSON }, 0, undefined, {}, encodeTopicRouteData(route, 'standard'));
    expect(encodeFrame(res).equals(java.routeResponse)).toBe(true);
    expect(encodeTopicRouteData(route, 'fastjson').toString()).toBe(java.routeResponseFastjsonBody);
  });

  it('builds the register-broker request from typed data', () => {
    const cmd = decodeFrame(java.registerBrokerRequest);
    const header = decodeRegisterBrokerRequestHeader(cmd.extFields);
    expect(header).toEqual({
      brokerName: 'broker-a', brokerAddr: '127.0.0.1:10911', clusterName: 'DefaultCluster', haServerAddr: '127.0.0.1:10912',
      brokerId: 0, compressed: false, bodyCrc32: java.registerBrokerBodyCrc32,
    });
    const body = decodeRegisterBrokerBody(cmd.body!, header.compressed);
    const bodyBytes = encodeRegisterBrokerBody(body);
    expect(bodyBytes.toString()).toBe(java.registerBrokerBody);
    expect(javaCrc32(bodyBytes)).toBe(java.registerBrokerBodyCrc32);
    const req = { ...createRequest(RequestCode.REGISTER_BROKER, encodeRegisterBrokerRequestHeader(header), bodyBytes), opaque: 1 };
    expect(encodeFrame(req).equals(java.registerBrokerRequest)).toBe(true);
  });

  it('builds the send response from typed data, with the broker-added fields', () => {
    const cmd = decodeFrame(java.sendResponse);
    const header = decodeSendMessageResponseHeader(cmd.extFields);
    expect(header).toEqual({ msgId: '7F00000100002A9F0000000000001F40', queueId: 2, queueOffset: 17 });
    const res = createResponse({ opaque: 2, serializeType: SerializeType.JSON }, 0, undefined, encodeSendMessageResponseFields(header));
    expect(encodeFrame(res).equals(java.sendResponse)).toBe(true);
  });

  it('builds the binary pull request from typed data in declaration order', () => {
    const cmd = decodeFrame(java.pullRequestBinary);
    expect(Object.entries(cmd.extFields)).toEqual(java.pullRequestFields);
    const header = decodePullMessageRequestHeader(cmd.extFields);
    const req = {
      ...createRequest(RequestCode.PULL_MESSAGE, encodePullMessageRequestHeader(header, 'declared'), undefined, { serializeType: SerializeType.ROCKETMQ }),
      opaque: 77,
    };
    expect(encodeFrame(req).equals(java.pullRequestBinary)).toBe(true);
  });
});
