/**
 * What every client does against the real servers: NameServer failover along
 * the `;` list, heartbeats that re-register with a restarted broker, a
 * graceful shutdown that persists offsets and unregisters, and errors with
 * stable codes, the retriable flag and the broker's answer.
 */
import { MemoryLogger } from '@rocketmq-ts/common';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AdminClient } from '@rocketmq-ts/admin';
import { ResponseCode } from '@rocketmq-ts/protocol';
import { startBroker, startNameServer, tempDir } from '@rocketmq-ts/testkit';
import type { StartedNameServer } from '@rocketmq-ts/testkit';
import { Producer, RmqError } from '../../src/index.js';
import {
  FAST_CLIENT,
  TEST_BROKER_CONFIG,
  createTopic,
  onCleanup,
  onlineClients,
  producer,
  realCluster,
  startedConsumer,
  uniq,
  waitFor,
  waitForQueues,
} from './support.js';

/** A loopback port nothing listens on (bound, then released). */
async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

async function errorOf(p: Promise<unknown>): Promise<RmqError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RmqError);
  return err as RmqError;
}

describe('client housekeeping against the real servers', () => {
  it('fails over along the NameServer list when the one in use goes away', async () => {
    let ns1: StartedNameServer = await startNameServer();
    const ns1Port = Number(ns1.address.split(':')[1]);
    onCleanup(() => ns1.close());
    const ns2 = await startNameServer();
    onCleanup(() => ns2.close());
    const dir = await tempDir('rmq-client-it-');
    onCleanup(() => dir.remove());
    const broker = await startBroker({ namesrvAddr: `${ns1.address};${ns2.address}`, dir: dir.dir, config: { brokerName: 'broker-a', ...TEST_BROKER_CONFIG } });
    onCleanup(() => broker.close());
    const admin = new AdminClient({ nameServer: ns2.address, timeoutMillis: 10_000 });
    onCleanup(() => admin.close());
    const makeTopic = async (topic: string, via: AdminClient): Promise<void> => {
      await admin.createAndUpdateTopicConfig(broker.address, { topicName: topic, readQueueNums: 2, writeQueueNums: 2, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
      await waitFor(async () => (await via.examineTopicRouteInfo(topic).catch(() => undefined)) !== undefined, 10_000, `route of ${topic}`);
    };

    const log = new MemoryLogger();
    const p = new Producer({ nameServer: `${await deadAddress()};${ns1.address};${ns2.address}`, group: uniq('PG'), ...FAST_CLIENT, logger: log });
    await p.start();
    onCleanup(() => p.shutdown());
    const t1 = uniq('NT');
    await makeTopic(t1, admin);
    expect((await p.send({ topic: t1, body: 'one' })).sendStatus).toBe('SEND_OK');

    // ns1 goes away: routes of a new topic come from ns2 (after the dead address, if the rotation lands there).
    await ns1.close();
    const t2 = uniq('NT');
    await makeTopic(t2, admin);
    expect((await p.send({ topic: t2, body: 'two' })).sendStatus).toBe('SEND_OK');

    // ns1 comes back on its port and learns the broker; ns2 goes away. The client was on ns2 and must move.
    ns1 = await startNameServer({ listenPort: ns1Port });
    await broker.broker.registerBrokerAll(false, false, true);
    const admin1 = new AdminClient({ nameServer: ns1.address, timeoutMillis: 10_000 });
    onCleanup(() => admin1.close());
    await ns2.close();
    const t3 = uniq('NT');
    await makeTopic(t3, admin1);
    expect((await p.send({ topic: t3, body: 'three' })).sendStatus).toBe('SEND_OK');
    const unreachable = log.records.filter((l) => l.msg === 'NameServer unreachable, trying the next').map((l) => l.fields['nameServer']);
    expect(unreachable).toContain(ns2.address);
  });

  it('heartbeats re-register a consumer and a producer with a restarted broker, and consumption goes on', async () => {
    const c = await realCluster();
    const topic = uniq('HT');
    await createTopic(c, topic, 2);
    const group = uniq('CG');
    const got = new Set<string>();
    const pc = await startedConsumer(c, group, topic, '*', (m) => {
      got.add(m.body.toString());
    });
    const p = await producer(c);
    await p.send({ topic, body: 'before' });
    await waitFor(() => got.has('before'), 20_000, 'before');
    expect(await onlineClients(c, group)).toEqual([pc.clientId]);

    await c.brokers[0]!.restart();
    // The restarted broker knows nobody until the next heartbeat (every 500 ms here).
    await waitFor(async () => (await onlineClients(c, group)).includes(pc.clientId), 20_000, 'the consumer registered again');
    await waitFor(
      async () => {
        const r = await p.send({ topic, body: 'after' }).catch(() => undefined);
        return r !== undefined;
      },
      20_000,
      'a send after the restart',
    );
    await waitFor(() => got.has('after'), 20_000, 'after');
    const producers = await c.admin().examineProducerConnectionInfo(p.options.group, topic);
    expect(producers.connectionSet.map((x) => x.clientId)).toContain(p.clientId);
  });

  it('shutdown persists consumed offsets and unregisters from the broker at once', async () => {
    const c = await realCluster();
    const topic = uniq('ST');
    await createTopic(c, topic, 2);
    const group = uniq('CG');
    let consumed = 0;
    // Offsets are persisted only at shutdown here (the periodic task would be too late).
    const pc = await startedConsumer(c, group, topic, '*', () => {
      consumed++;
    }, { persistConsumerOffsetInterval: 600_000 });
    await waitForQueues(pc, topic, 2);
    const p = await producer(c);
    for (let i = 0; i < 10; i++) await p.send({ topic, body: `m${i}` });
    await waitFor(() => consumed === 10, 20_000, 'ten messages');
    expect(await onlineClients(c, group)).toEqual([pc.clientId]);
    await pc.shutdown();
    expect(await onlineClients(c, group)).toEqual([]);
    const stats = await c.admin().getConsumeStats(c.brokers[0]!.address, group, topic);
    expect(stats.offsetTable.reduce((n, [, o]) => n + o.consumerOffset, 0)).toBe(10);

    const pg = p.options.group;
    expect((await c.admin().examineProducerConnectionInfo(pg, topic)).connectionSet).toHaveLength(1);
    await p.shutdown();
    const after = await c.admin().examineProducerConnectionInfo(pg, topic).catch((e: unknown) => e);
    // The broker answers as Java's does once the group's last producer is gone.
    expect(after).toBeInstanceOf(RmqError);
    expect((after as RmqError).responseCode).toBe(ResponseCode.SYSTEM_ERROR);
    expect((after as RmqError).remark).toBe(`the producer group[${pg}] not exist`);
  });

  it('raises RmqErrors with stable codes, the retriable flag and the broker response code and remark', async () => {
    const c = await realCluster({ config: { maxMessageSize: 64 * 1024, autoCreateTopicEnable: false } });
    const topic = uniq('ET');
    await createTopic(c, topic, 1);
    const p = await producer(c, { compressMsgBodyOverHowmuch: 4 * 1024 * 1024, retryTimesWhenSendFailed: 0 });

    // The broker's own size limit: MESSAGE_ILLEGAL, not worth retrying.
    const tooBig = await errorOf(p.send({ topic, body: Buffer.alloc(100 * 1024, 1) }));
    expect(tooBig.code).toBe('RMQ_ERR_RESPONSE');
    expect(tooBig.responseCode).toBe(ResponseCode.MESSAGE_ILLEGAL);
    expect(tooBig.remark).toMatch(/.+/);
    expect(tooBig.retriable).toBe(false);

    // A topic the NameServer does not know (and the broker will not create): no route, retriable.
    const noRoute = await errorOf(p.send({ topic: uniq('MISSING'), body: 'x' }));
    expect(noRoute.code).toBe('RMQ_ERR_NO_ROUTE');
    expect(noRoute.retriable).toBe(true);

    // The client's own checks: argument errors before anything is sent.
    const badTopic = await errorOf(p.send({ topic: 'bad topic!', body: 'x' }));
    expect(badTopic.code).toBe('RMQ_ERR_ARGUMENT');
    expect(badTopic.retriable).toBe(false);
    const reserved = await errorOf(p.send({ topic, body: 'x', properties: { TAGS: 'nope' } }));
    expect(reserved.code).toBe('RMQ_ERR_ARGUMENT');

    // A stopped client refuses work with a state error.
    await p.shutdown();
    const stopped = await errorOf(p.send({ topic, body: 'x' }));
    expect(stopped.code).toBe('RMQ_ERR_STATE');
  });

  it('a process whose clients are all shut down exits by itself: no timer or socket is left behind', async () => {
    const distEntry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    expect(existsSync(distEntry), 'build first: npm run build').toBe(true);
    const c = await realCluster();
    const topic = uniq('XT');
    await createTopic(c, topic, 2);
    const dir = await tempDir('rmq-exit-');
    onCleanup(() => dir.remove());
    // Waits far longer than the test's timeout are configured: any of them left pending keeps the process alive.
    const script = `
      import { LitePullConsumer, Producer, PushConsumer, TransactionProducer } from ${JSON.stringify(pathToFileURL(distEntry).href)};
      const base = { nameServer: ${JSON.stringify(c.nsAddr)}, clientIP: '127.0.0.1' };
      const long = { awaitTerminationMillisWhenShutdown: 600000, brokerSuspendMaxTimeMillis: 60000, consumerTimeoutMillisWhenSuspend: 90000 };
      const producer = new Producer({ ...base, group: 'exit_pg', sendMsgTimeout: 600000 });
      const tx = new TransactionProducer({ ...base, group: 'exit_tx', checkLocalTransaction: () => 'COMMIT_MESSAGE' });
      const push = new PushConsumer({ ...base, ...long, group: 'exit_cg', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
      const orderly = new PushConsumer({ ...base, ...long, group: 'exit_og', consumeOrderly: true, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
      const lite = new LitePullConsumer({ ...base, group: 'exit_lg', pollTimeoutMillis: 600000, brokerSuspendMaxTimeMillis: 60000, consumerTimeoutMillisWhenSuspend: 90000, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
      let pushed = 0, ordered = 0;
      push.subscribe(${JSON.stringify(topic)}, '*', () => { pushed++; });
      orderly.subscribe(${JSON.stringify(topic)}, '*', () => { ordered++; });
      lite.subscribe(${JSON.stringify(topic)});
      await Promise.all([producer.start(), tx.start(), push.start(), orderly.start(), lite.start()]);
      await producer.send({ topic: ${JSON.stringify(topic)}, body: 'one' });
      await tx.sendMessageInTransaction({ topic: ${JSON.stringify(topic)}, body: 'two' }, () => 'COMMIT_MESSAGE');
      let polled = 0;
      while (polled < 2) polled += (await lite.poll(1000)).length;
      while (pushed < 2 || ordered < 2) await new Promise((r) => setTimeout(r, 20));
      // A poll and long-polling pulls are waiting while we shut down.
      const pending = lite.poll();
      await Promise.all([producer.shutdown(), tx.shutdown(), push.shutdown(), orderly.shutdown(), lite.shutdown()]);
      console.log('polled after shutdown:', (await pending).length);
    `;
    const file = join(dir.dir, 'exit.mjs');
    await writeFile(file, script);
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    onCleanup(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
    expect(code, err).toBe(0);
    expect(out).toContain('polled after shutdown: 0');
  }, 60_000);
});
