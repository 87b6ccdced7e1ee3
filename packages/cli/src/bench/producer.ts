/**
 * `rocketmq-ts bench producer` and `bench batch`: Java's benchmark Producer
 * and BatchProducer over our client. `-w` senders each send their next
 * message when the previous one is answered (sync), or, with `-y`, one loop
 * keeps up to `--async-window` sends outstanding (Java's async mode: one
 * thread, a 10,000-deep callback queue).
 */
import { Producer } from '@rocketmq-ts/client';
import type { Message } from '@rocketmq-ts/client';
import {
  type BenchOutput,
  type MessageShape,
  type RunLimits,
  Pacer,
  RunClock,
  benchProperties,
  buildMessage,
  createTopics,
  every,
  isResponseFailure,
  randomBody,
  seconds,
  topicNames,
} from './common.js';
import { Latency, batchLine, cpuPerMessage, producerLine, round3, summaryLine } from './stats.js';

export interface ProducerBenchOptions extends RunLimits {
  readonly namesrv: string;
  readonly topic: string;
  /** Concurrent senders (Java: threads). Ignored with async. */
  readonly threads: number;
  readonly messageSize: number;
  readonly keyEnable: boolean;
  readonly propertySize: number;
  readonly tagCount: number;
  readonly delayEnable: boolean;
  readonly delayLevel: number;
  readonly asyncEnable: boolean;
  /** Outstanding async sends at most. */
  readonly asyncWindow: number;
  /** Messages per second over all senders; 0 = unpaced. */
  readonly rate: number;
  readonly reportIntervalMs: number;
  /** Topics `<topic>_<i>` used round-robin when > 1. */
  readonly topicCount: number;
  /** Create the topics with this many queues first; 0 = rely on what exists. */
  readonly queues: number;
  /** Messages per SEND_BATCH_MESSAGE (batch only). */
  readonly batchSize: number;
  readonly producerGroup: string;
}

export type ProducerBenchKind = 'producer' | 'batch';

/** Counters of one report interval or of the measured window. */
class Window {
  readonly latency = new Latency();
  ok = 0;
  okMessages = 0;
  sendFailed = 0;
  responseFailed = 0;
  messagesFailed = 0;
  sumRtUs = 0;

  reset(): void {
    this.latency.reset();
    this.ok = this.okMessages = this.sendFailed = this.responseFailed = this.messagesFailed = this.sumRtUs = 0;
  }
}

/** Runs the producer or batch benchmark; resolves with the summary it printed last. */
export async function runProducerBench(kind: ProducerBenchKind, o: ProducerBenchOptions, io: BenchOutput): Promise<Record<string, unknown>> {
  const batch = kind === 'batch';
  const perSend = batch ? o.batchSize : 1;
  const threads = o.asyncEnable ? 1 : o.threads;
  io.out(
    batch
      ? `topic: ${o.topic} threadCount: ${threads} messageSize: ${o.messageSize} batchSize: ${o.batchSize} keyEnable: ${o.keyEnable} ` +
          `propertySize: ${o.propertySize} tagCount: ${o.tagCount} traceEnable: false aclEnable: false\n`
      : `topic: ${o.topic} threadCount: ${threads} messageSize: ${o.messageSize} keyEnable: ${o.keyEnable} propertySize: ${o.propertySize} ` +
          `tagCount: ${o.tagCount} traceEnable: false aclEnable: false messageQuantity: ${o.quantity}\n` +
          `delayEnable: ${o.delayEnable} delayLevel: ${o.delayLevel}\nasyncEnable: ${o.asyncEnable}\n`,
  );
  const topics = topicNames(o.topic, o.topicCount);
  if (o.queues > 0) await createTopics(o.namesrv, topics, o.queues);

  const shape: MessageShape = {
    body: randomBody(o.messageSize),
    keys: o.keyEnable,
    tagCount: o.tagCount,
    properties: benchProperties(o.propertySize),
    delayLevel: o.delayEnable ? o.delayLevel : 0,
  };
  const producer = new Producer({
    nameServer: o.namesrv,
    group: o.producerGroup,
    instanceName: String(Date.now()),
    // As Java's benchmark: never compress, so -s is what travels and is stored.
    compressMsgBodyOverHowmuch: 2 ** 31 - 1,
  });
  await producer.start();

  const cpuAtStart = process.cpuUsage();
  const clock = new RunClock(o);
  const pacer = new Pacer(o.rate);
  const interval = new Window();
  const total = new Window();
  let maxRtMs = 0;
  let issued = 0;
  let completed = 0;
  let lastCompletion = clock.measureFrom;
  let topicIndex = 0;

  const nextTopic = (): string => topics[topicIndex++ % topics.length]!;
  const claim = (): boolean => {
    if (clock.stopped || (o.quantity > 0 && issued >= o.quantity)) return false;
    issued++;
    return true;
  };
  let completedMessages = 0;
  const finished = (): void => {
    completed++;
    completedMessages += perSend;
    if (o.quantity > 0 && completed >= o.quantity) clock.stop();
  };
  const onOk = (begin: number, messages: number): void => {
    const end = performance.now();
    const us = (end - begin) * 1000;
    if (us / 1000 > maxRtMs) maxRtMs = us / 1000;
    for (const w of clock.inWindow(begin) ? [interval, total] : [interval]) {
      w.ok++;
      w.okMessages += messages;
      w.latency.record(us);
      w.sumRtUs += us;
    }
    lastCompletion = end;
    finished();
  };
  const onError = (begin: number, messages: number, err: unknown): void => {
    const response = isResponseFailure(err);
    for (const w of clock.inWindow(begin) ? [interval, total] : [interval]) {
      if (response) w.responseFailed++;
      else w.sendFailed++;
      w.messagesFailed += messages;
    }
    lastCompletion = performance.now();
    finished();
  };
  const messages = (): Message[] => {
    const topic = nextTopic();
    const now = Date.now();
    return Array.from({ length: o.batchSize }, () => buildMessage(topic, shape, now));
  };

  let lastReport = performance.now();
  const stopReports = every(o.reportIntervalMs, () => {
    const now = performance.now();
    const s = seconds(lastReport, now);
    const common = {
      timeMs: Date.now(),
      tps: interval.ok / s,
      maxRtMs,
      avgRtMs: interval.ok === 0 ? 0 : interval.sumRtUs / interval.ok / 1000,
      sendFailed: interval.sendFailed,
      responseFailed: interval.responseFailed,
      percentiles: interval.latency.percentiles(),
    };
    io.out(
      `${
        batch
          ? batchLine({
              ...common,
              mps: interval.okMessages / s,
              avgMsgRtMs: interval.okMessages === 0 ? 0 : interval.sumRtUs / interval.okMessages / 1000,
              sendMessageFailed: interval.messagesFailed,
            })
          : producerLine(common)
      }\n`,
    );
    interval.reset();
    lastReport = now;
  });

  const syncSender = async (): Promise<void> => {
    while (claim()) {
      await pacer.next();
      const begin = performance.now();
      try {
        if (batch) await producer.sendBatch(messages());
        else await producer.send(buildMessage(nextTopic(), shape, Date.now()));
        onOk(begin, perSend);
      } catch (err) {
        onError(begin, perSend, err);
        // Java's benchmark pauses a failing sender rather than spinning on a broken cluster.
        if (!clock.stopped) await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };

  const asyncSender = async (): Promise<void> => {
    let outstanding = 0;
    let wake: (() => void) | undefined;
    const settle = (): void => {
      outstanding--;
      const w = wake;
      wake = undefined;
      w?.();
    };
    while (claim()) {
      await pacer.next();
      while (outstanding >= o.asyncWindow) await new Promise<void>((r) => (wake = r));
      outstanding++;
      const begin = performance.now();
      const sending = batch ? producer.sendBatch(messages()) : producer.sendAsync(buildMessage(nextTopic(), shape, Date.now()));
      sending.then(
        () => {
          onOk(begin, perSend);
          settle();
        },
        (err: unknown) => {
          onError(begin, perSend, err);
          settle();
        },
      );
    }
    while (outstanding > 0) await new Promise<void>((r) => (wake = r));
  };

  try {
    await Promise.all(o.asyncEnable ? [asyncSender()] : Array.from({ length: threads }, syncSender));
  } finally {
    clock.stop();
    stopReports();
    await producer.shutdown();
  }

  const window = seconds(clock.measureFrom, lastCompletion);
  const tps = total.ok / window;
  const avgRt = total.latency.avgMs();
  const p = total.latency.percentiles();
  const all = total.ok + total.sendFailed + total.responseFailed;
  io.out(
    batch
      ? `[Complete] Send Total: ${all} Send TPS: ${Math.trunc(tps)} Send MPS: ${Math.trunc(total.okMessages / window)} ` +
          `Max RT(ms): ${Math.ceil(maxRtMs)} Average RT(ms): ${avgRt.toFixed(3).padStart(7, ' ')} Send Failed: ${total.sendFailed} ` +
          `Send Message Failed: ${total.messagesFailed}\n`
      : `[Complete] Send Total: ${all} Send TPS: ${Math.trunc(tps)} Max RT(ms): ${Math.ceil(maxRtMs)} ` +
          `Average RT(ms): ${avgRt.toFixed(3).padStart(7, ' ')} Send Failed: ${total.sendFailed} Response Failed: ${total.responseFailed}\n`,
  );
  const summary: Record<string, unknown> = {
    bench: kind,
    mode: o.asyncEnable ? 'async' : 'sync',
    topic: o.topic,
    topics: topics.length,
    threads,
    messageSize: o.messageSize,
    ...(batch ? { batchSize: o.batchSize } : {}),
    seconds: round3(window),
    sent: total.ok,
    messages: total.okMessages,
    tps: Math.round(tps),
    mps: Math.round(total.okMessages / window),
    mibPerSec: round3((total.okMessages * o.messageSize) / window / 1048576),
    sendFailed: total.sendFailed,
    responseFailed: total.responseFailed,
    avgRtMs: round3(avgRt),
    maxRtMs: round3(total.latency.maxMs()),
    p50Ms: round3(p.p50),
    p99Ms: round3(p.p99),
    p999Ms: round3(p.p999),
    // This process's CPU (the client side) per message over the whole run, warm-up included.
    clientCpuUsPerMsg: round3(cpuPerMessage(process.cpuUsage(cpuAtStart), completedMessages)),
  };
  io.out(`${summaryLine(summary)}\n`);
  return summary;
}
