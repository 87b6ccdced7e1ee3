/**
 * Header codec cost: CPU time per encode/decode of a SEND_MESSAGE_V2 request
 * and its response, in both serialize types. Runs the built code.
 *
 *   npx tsc -b && npx tsx bench/protocol-headers.ts
 *
 * CPU time (process.cpuUsage) rather than wall time, so a busy machine
 * inflates the figures less.
 */
import {
  SerializeType,
  createRequest,
  createResponse,
  decodeCommand,
  encodeFrame,
  encodeFramePrefix,
} from '../packages/protocol/dist/index.js';

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function perCall(n: number, f: () => unknown): number {
  const t = cpuNs();
  for (let i = 0; i < n; i++) f();
  return (cpuNs() - t) / n;
}

const ext = {
  a: 'ProducerGroupName', b: 'TopicTest', c: 'TBW102', d: '4', e: '3', f: '0', g: String(Date.now()), h: '0',
  i: 'KEYS\u0001k1\u0002TAGS\u0001TagA\u0002UNIQ_KEY\u00017F0000010C1C18B4AAC2744A2A5F0000\u0002WAIT\u0001true\u0002',
  j: '0', k: 'false', m: 'false',
};
const N = 200_000;
console.log(`node ${process.version}, ${N} calls each, ns of CPU per call`);
console.log('serialize  decode-request  encode-request  encode-response');
for (const type of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
  const req = createRequest(310, ext, Buffer.alloc(1024, 1), { serializeType: type });
  const frame = encodeFrame(req).subarray(4);
  const res = createResponse(req, 0, undefined, {
    msgId: '7F00000100002A9F0000000000000000', queueId: '3', queueOffset: '12345', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true',
  });
  perCall(N / 10, () => decodeCommand(frame)); // warm up
  const dec = perCall(N, () => decodeCommand(frame));
  const encReq = perCall(N, () => encodeFramePrefix(req));
  const encRes = perCall(N, () => encodeFramePrefix(res));
  console.log(`${type === SerializeType.JSON ? 'JSON    ' : 'ROCKETMQ'}   ${dec.toFixed(0).padStart(13)}  ${encReq.toFixed(0).padStart(14)}  ${encRes.toFixed(0).padStart(15)}`);
}
