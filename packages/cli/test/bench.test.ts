/**
 * `rocketmq-ts bench`: argument parsing with Java's benchmark flags, the
 * report lines' format, and one short run of each subcommand against a real
 * NameServer and broker (testkit, 127.0.0.1) through the umbrella command.
 * No timing assertions: what a run measures is checked for consistency only.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedCluster, startCluster } from '@rocketmq-ts/testkit';
import {
  Latency,
  batchLine,
  consumerLine,
  javaTimeString,
  normalizeJavaFlags,
  parseBenchArgs,
  producerLine,
  runRocketmqTs,
  transactionLine,
} from '../src/index.js';

const P = { p50: 1.5, p99: 12.25, p999: 40 };

describe('bench arguments', () => {
  it('has the defaults of the Java benchmark classes', () => {
    const env = {};
    const p = parseBenchArgs('producer', [], env);
    expect(p).toMatchObject({ namesrv: '127.0.0.1:9876', topic: 'BenchmarkTest', threads: 64, messageSize: 128, keyEnable: false, tagCount: 0, quantity: 0, asyncEnable: false, delayLevel: 1, reportIntervalMs: 10000, batchSize: 1 });
    expect(parseBenchArgs('batch', [], env)).toMatchObject({ threads: 64, messageSize: 128, batchSize: 16 });
    expect(parseBenchArgs('consumer', [], env)).toMatchObject({ threads: 20, group: 'benchmark_consumer', groupSuffix: false, failRate: 0, consumeFrom: 'last', pullBatchSize: 32 });
    expect(parseBenchArgs('transaction', [], env)).toMatchObject({ threads: 32, messageSize: 2048, sendRollbackRate: 0, checkUnknownRate: 0, producerGroup: 'benchmark_transaction_producer' });
  });

  it('takes the NameServer from NAMESRV_ADDR unless -n names one', () => {
    expect(parseBenchArgs('producer', [], { NAMESRV_ADDR: '127.0.0.1:1' }).namesrv).toBe('127.0.0.1:1');
    expect(parseBenchArgs('producer', ['-n', '127.0.0.1:2'], { NAMESRV_ADDR: '127.0.0.1:1' }).namesrv).toBe('127.0.0.1:2');
  });

  it("reads Java's flags, including the two-letter ones and valued booleans", () => {
    const p = parseBenchArgs('producer', ['-n', 'h:1', '-t', 'T1', '-w', '8', '-s', '1024', '-k', 'true', '-l', '4', '-q', '500', '-d', 'TRUE', '-e', '3', '-y', 'false', '-ri', '2000', '-p', '20'], {});
    expect(p).toMatchObject({ namesrv: 'h:1', topic: 'T1', threads: 8, messageSize: 1024, keyEnable: true, tagCount: 4, quantity: 500, delayEnable: true, delayLevel: 3, asyncEnable: false, reportIntervalMs: 2000, propertySize: 20 });
    expect(parseBenchArgs('producer', ['-y'], {}).asyncEnable).toBe(true);
    expect(parseBenchArgs('producer', ['-k', 'yes'], {}).keyEnable).toBe(false);
    const t = parseBenchArgs('transaction', ['-sr', '0.1', '-su', '0.2', '-cr', '0.3', '-cu', '0.4', '-i', '5'], {});
    expect(t).toMatchObject({ sendRollbackRate: 0.1, sendUnknownRate: 0.2, checkRollbackRate: 0.3, checkUnknownRate: 0.4, sendIntervalMs: 5 });
    expect(parseBenchArgs('batch', ['-b', '32'], {}).batchSize).toBe(32);
    expect(parseBenchArgs('consumer', ['-g', 'G', '-p', 'true', '-r', '0.5', '--from', 'first', '-w', '4'], {})).toMatchObject({ group: 'G', groupSuffix: true, failRate: 0.5, consumeFrom: 'first', threads: 4 });
    expect(normalizeJavaFlags(['-ri', '5', '-t', '-ri'])).toEqual(['--reportInterval', '5', '-t', '--reportInterval']);
  });

  it('takes the scripting extensions', () => {
    const p = parseBenchArgs('producer', ['--duration', '30', '--warmup', '5', '--rate', '5000', '--topic-count', '64', '--queues', '8', '--async-window', '100'], {});
    expect(p).toMatchObject({ durationS: 30, warmupS: 5, rate: 5000, topicCount: 64, queues: 8, asyncWindow: 100 });
  });

  it('refuses bad values, naming them', () => {
    expect(() => parseBenchArgs('producer', ['-w', '0'], {})).toThrow(/threadCount/);
    expect(() => parseBenchArgs('producer', ['-s', 'big'], {})).toThrow(/messageSize/);
    expect(() => parseBenchArgs('transaction', ['-sr', '2'], {})).toThrow(/between 0 and 1/);
    expect(() => parseBenchArgs('consumer', ['-f', 'XML'], {})).toThrow(/filterType/);
    expect(() => parseBenchArgs('consumer', ['-f', 'TAG'], {})).toThrow(/together/);
    expect(() => parseBenchArgs('producer', ['--nope'], {})).toThrow(/unknown option/);
  });
});

describe('bench output', () => {
  it("prints Producer.java's line with percentiles appended", () => {
    const at = new Date(2024, 0, 2, 3, 4, 5, 6).getTime();
    expect(javaTimeString(at)).toBe('2024-01-02 03:04:05,006');
    const line = producerLine({ timeMs: at, tps: 12345.9, maxRtMs: 41.2, avgRtMs: 2.5, sendFailed: 1, responseFailed: 2, percentiles: P });
    expect(line).toBe(
      'Current Time: 2024-01-02 03:04:05,006 Send TPS: 12345 Max RT(ms): 42 Average RT(ms):   2.500 Send Failed: 1 Response Failed: 2 p50 RT(ms): 1.500 p99 RT(ms): 12.250 p99.9 RT(ms): 40.000',
    );
    // What scripts written for the Java tool grep for.
    expect(line).toMatch(/Send TPS: (\d+) Max RT\(ms\): (\d+) Average RT\(ms\): +([\d.]+) Send Failed: (\d+) Response Failed: (\d+)/);
  });

  it("prints BatchProducer.java's, TransactionProducer.java's and Consumer.java's lines", () => {
    expect(batchLine({ timeMs: 7, tps: 100, mps: 1600, maxRtMs: 3, avgRtMs: 1, avgMsgRtMs: 0.0625, sendFailed: 0, responseFailed: 0, sendMessageFailed: 0, percentiles: P })).toBe(
      'Current Time: 7 Send TPS: 100 Send MPS: 1600 Max RT(ms): 3 Average RT(ms):   1.000 Average Message RT(ms):   0.063 Send Failed: 0 Send Message Failed: 0 p50 RT(ms): 1.500 p99 RT(ms): 12.250 p99.9 RT(ms): 40.000',
    );
    expect(transactionLine({ timeMs: 7, tps: 42, maxRtMs: 9, avgRtMs: 3.25, sendFailed: 0, checks: 5, unexpectedChecks: 0, duplicatedChecks: 1, percentiles: P })).toBe(
      'Current Time: 7 Send TPS:   42 Max RT(ms):    9 AVG RT(ms):3.3 Send Failed: 0 check: 5 unexpectedCheck: 0 duplicatedCheck: 1 p50 RT(ms): 1.500 p99 RT(ms): 12.250 p99.9 RT(ms): 40.000',
    );
    const c = consumerLine({ timeMs: 7, tps: 300000, failed: 0, avgB2cMs: 1, avgS2cMs: 0.5, maxB2cMs: 10, maxS2cMs: 9, b2c: P, s2c: P });
    expect(c).toMatch(/^Current Time: 7 TPS: 300000 FAIL: 0 AVG\(B2C\) RT\(ms\): +1\.000 AVG\(S2C\) RT\(ms\): +0\.500 MAX\(B2C\) RT\(ms\): 10 MAX\(S2C\) RT\(ms\): 9 /);
    expect(c).toContain('p99(B2C) RT(ms): 12.250');
    expect(c).toContain('p99.9(S2C) RT(ms): 40.000');
  });

  it('reports percentiles within the histogram precision', () => {
    const l = new Latency();
    for (let i = 1; i <= 1000; i++) l.record(i * 1000); // 1..1000 ms
    expect(l.percentileMs(50)).toBeCloseTo(500, -1);
    expect(l.percentileMs(99)).toBeCloseTo(990, -1);
    expect(l.avgMs()).toBeCloseTo(500.5, 0);
    expect(l.maxMs()).toBeCloseTo(1000, -1);
    l.reset();
    expect(l.percentiles()).toEqual({ p50: 0, p99: 0, p999: 0 });
  });
});

describe('bench runs against a cluster', () => {
  let cluster: StartedCluster;
  let ns: string;
  let dir: string;

  beforeAll(async () => {
    cluster = await startCluster(1);
    ns = cluster.nameServer.address;
    dir = await mkdtemp(join(tmpdir(), 'rmq-bench-test-'));
  });

  afterAll(async () => {
    await cluster?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function bench(args: string[]): Promise<{ code: number; out: string; err: string; summary: Record<string, unknown> }> {
    let out = '';
    let err = '';
    const code = await runRocketmqTs(['bench', ...args, '-n', ns, '-ri', '500'], { out: (t) => void (out += t), err: (t) => void (err += t) });
    const lines = out.trimEnd().split('\n');
    const summary = JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>;
    return { code, out, err, summary };
  }

  it('producer sends -q messages, then consumer drains them from the first offset', async () => {
    const p = await bench(['producer', '-t', 'BenchP', '-s', '256', '-w', '4', '-q', '300', '-k', 'true', '-l', '3', '--queues', '8']);
    expect(p.err).toBe('');
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/\[Complete\] Send Total: 300 Send TPS: \d+ Max RT\(ms\): \d+ Average RT\(ms\): +[\d.]+ Send Failed: 0 Response Failed: 0/);
    expect(p.summary).toMatchObject({ bench: 'producer', mode: 'sync', sent: 300, messages: 300, sendFailed: 0, responseFailed: 0, messageSize: 256 });
    expect(p.summary['p99Ms']).toBeGreaterThanOrEqual(p.summary['p50Ms'] as number);

    const c = await bench(['consumer', '-t', 'BenchP', '-g', 'bench_test_cg', '--from', 'first', '-q', '300', '--duration', '60']);
    expect(c.code).toBe(0);
    expect(c.out).toContain('Consumer Started.');
    expect(c.summary).toMatchObject({ bench: 'consumer', consumed: 300, failed: 0 });
    const b2c = c.summary['b2c'] as Record<string, number>;
    const s2c = c.summary['s2c'] as Record<string, number>;
    // Born before stored before consumed, on one machine's clock.
    expect(b2c['p50Ms']).toBeGreaterThanOrEqual(s2c['p50Ms']! - 1);
    expect(b2c['maxMs']).toBeGreaterThanOrEqual(b2c['p99Ms']! - 1);
  });

  it('producer -y sends asynchronously over several topics', async () => {
    const r = await bench(['producer', '-t', 'BenchA', '-y', 'true', '-q', '400', '--async-window', '50', '--topic-count', '4', '--queues', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('asyncEnable: true');
    expect(r.summary).toMatchObject({ bench: 'producer', mode: 'async', threads: 1, topics: 4, sent: 400, sendFailed: 0, responseFailed: 0 });
  });

  it('batch sends -q batches of -b messages', async () => {
    const r = await bench(['batch', '-t', 'BenchB', '-b', '10', '-w', '2', '-q', '30', '--queues', '4']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\[Complete\] Send Total: 30 Send TPS: \d+ Send MPS: \d+/);
    expect(r.summary).toMatchObject({ bench: 'batch', sent: 30, messages: 300, batchSize: 10, sendFailed: 0 });
  });

  it('transaction commits -q transactions', async () => {
    const r = await bench(['transaction', '-t', 'BenchT', '-w', '4', '-s', '128', '-q', '200', '--queues', '4']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\[Complete\] Send Total: 200 Send TPS: \d+/);
    expect(r.summary).toMatchObject({ bench: 'transaction', sent: 200, sendFailed: 0, responseFailed: 0, unexpectedChecks: 0 });
  });

  it('consumer reads a TAG expression from a file, as Java -e', async () => {
    await bench(['producer', '-t', 'BenchF', '-w', '2', '-q', '60', '-l', '2', '--queues', '2']);
    const file = join(dir, 'expr');
    await writeFile(file, 'tag0 || tag1\n');
    const r = await bench(['consumer', '-t', 'BenchF', '-g', 'bench_test_cf', '--from', 'first', '-f', 'TAG', '-e', file, '-q', '60', '--duration', '60']);
    expect(r.out).toContain('Expression: tag0 || tag1');
    expect(r.summary).toMatchObject({ consumed: 60 });
  });

  it('usage errors exit non-zero without running', async () => {
    const r = await bench(['producer', '-w', 'x']).catch(() => undefined);
    expect(r).toBeUndefined(); // no summary line to parse
    let err = '';
    const code = await runRocketmqTs(['bench', 'producer', '-w', 'x'], { out: () => undefined, err: (t) => void (err += t) });
    expect(code).not.toBe(0);
    expect(err).toContain('threadCount');
  });
});
