/**
 * Timed-message delivery under a burst: N messages sent over TCP (500 in
 * flight), each due delaySec after it reached the broker (TIMER_DELAY_SEC),
 * or, with `same`, all due at the same millisecond (TIMER_DELIVER_MS, 8 s
 * after the start). Prints the send time, the delivery span, the lateness of
 * each delivery (store time of the delivered copy - TIMER_OUT_MS) at
 * p50/p99/max, and the CPU this process (client and broker) used.
 *
 *   npx tsx bench/timer-burst.ts [N=10000] [delaySec=3 | same]
 */
import { RequestCode, createRequest, decodeMessages, encodeProperties, encodeSendMessageRequestHeaderV2, sendHeaderToV2 } from '@rocketmq-ts/protocol';
import { RemotingClient } from '@rocketmq-ts/remoting';
import { startBroker } from '@rocketmq-ts/testkit';

const N = Number(process.argv[2] ?? 10_000);
const mode = process.argv[3] ?? '3';
const sameAt = Date.now() + 8000;
const timing = (): Record<string, string> => (mode === 'same' ? { TIMER_DELIVER_MS: String(sameAt) } : { TIMER_DELAY_SEC: mode });

function send(topic: string, queueId: number, props: Record<string, string>, body: string) {
  return createRequest(
    RequestCode.SEND_MESSAGE_V2,
    encodeSendMessageRequestHeaderV2(
      sendHeaderToV2({
        producerGroup: 'PG',
        topic,
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: 4,
        queueId,
        sysFlag: 0,
        bornTimestamp: Date.now(),
        flag: 0,
        properties: encodeProperties(props),
        unitMode: false,
        batch: false,
      }),
    ),
    Buffer.from(body),
  );
}

const b = await startBroker({ config: { brokerName: 'bench' } });
await b.broker.createTopic('Burst', 4);
const c = new RemotingClient();
const timer = b.broker.features.timer;
const cpu0 = process.cpuUsage();
const t0 = Date.now();
for (let i = 0; i < N; i += 500) {
  const batch = [];
  for (let j = i; j < Math.min(N, i + 500); j++) batch.push(c.invoke(b.address, send('Burst', j % 4, timing(), `m-${j}`), 30_000));
  await Promise.all(batch);
}
const sent = Date.now();
while (timer.pending + timer.deliveredCount < N) await new Promise((r) => setTimeout(r, 5));
const indexed = Date.now();
while (timer.deliveredCount < N) await new Promise((r) => setTimeout(r, 5));
const done = Date.now();
const cpu = process.cpuUsage(cpu0);
const late: number[] = [];
for (let q = 0; q < 4; q++) {
  let off = 0;
  const max = b.broker.store.getMaxOffsetInQueue('Burst', q);
  while (off < max) {
    const r = await b.broker.store.getMessage('R', 'Burst', q, off, 32);
    for (const rec of r.messages) for (const m of decodeMessages(rec)) late.push(m.storeTimestamp - Number(m.properties['TIMER_OUT_MS']));
    off = r.nextBeginOffset;
  }
}
late.sort((a, z) => a - z);
const pct = (p: number): number => late[Math.min(late.length - 1, Math.floor((p / 100) * late.length))]!;
console.log(
  JSON.stringify({
    N,
    mode,
    sendMs: sent - t0,
    indexedAfterSendMs: indexed - sent,
    deliverSpanMs: done - indexed,
    lateness: { min: late[0], p50: pct(50), p99: pct(99), max: late[late.length - 1] },
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  }),
);
c.close();
await b.close();
