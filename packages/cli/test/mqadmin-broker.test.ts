/**
 * mqadmin's broker, topic, group, message and offset subcommands, run as
 * the built command in child processes against a real NameServer and
 * broker (testkit, 127.0.0.1).
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '@rocketmq-ts/admin';
import { Producer, PushConsumer } from '@rocketmq-ts/client';
import type { SendResult } from '@rocketmq-ts/client';
import { type StartedCluster, startCluster } from '@rocketmq-ts/testkit';
import { assertBuilt, mqadmin } from './support/mqadmin.js';

let cluster: StartedCluster;
let ns: string;
let broker: string;
let admin: AdminClient;
let bodyDir: string;
const cleanups: Array<() => Promise<unknown>> = [];

const TOPIC = 'CliTopic';

beforeAll(async () => {
  assertBuilt();
  cluster = await startCluster(1);
  ns = cluster.nameServer.address;
  broker = cluster.brokers[0]!.address;
  admin = new AdminClient({ nameServer: ns });
  bodyDir = await mkdtemp(join(tmpdir(), 'rmq-mqadmin-'));
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await admin?.close();
  await cluster?.close();
  if (bodyDir !== undefined) await rm(bodyDir, { recursive: true, force: true });
});

/** mqadmin against this cluster, writing message bodies under a temp dir. */
function run(args: string[], options: Parameters<typeof mqadmin>[1] = {}): ReturnType<typeof mqadmin> {
  return mqadmin([...args, '-n', ns], { ...options, env: { TMPDIR: bodyDir, ...options.env } });
}


async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let sentOnce: Promise<SendResult> | undefined;
/** One message on TOPIC (tag TagA, key cli-key-1), sent once for the message tests. */
function sent(): Promise<SendResult> {
  sentOnce ??= (async () => {
    const r = await admin.sendMessage({ topic: TOPIC, body: 'hello mqadmin', tags: 'TagA', keys: 'cli-key-1' }, { brokerName: 'broker-0', queueId: 0 });
    await waitFor('the key index', () => admin.queryMessage(TOPIC, 'cli-key-1', 64, 0, Number.MAX_SAFE_INTEGER));
    return r;
  })();
  return sentOnce;
}

function detailLines(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([A-Za-z ]+:) {1,}(.*)$/.exec(line);
    if (m !== null && line.indexOf(m[2]!) === 21) out.set(m[1]!, m[2]!);
  }
  return out;
}

describe('sendMessage', () => {
  it('sends and prints the broker, queue, status and msgId', async () => {
    const [any, toQueue, noBroker] = await Promise.all([
      run(['sendMessage', '-t', TOPIC, '-p', 'from the cli', '-k', 'cli-send', '-c', 'TagS']),
      run(['sendMessage', '-t', TOPIC, '-p', 'to queue 3', '-b', 'broker-0', '-i', '3']),
      run(['sendMessage', '-t', TOPIC, '-p', 'x', '-i', '1']),
    ]);
    const header = `${'#Broker Name'.padEnd(32)}  ${'#QID'.padEnd(4)}  ${'#Send Result'.padEnd(20)}    #MsgId`;
    expect(any.code).toBe(0);
    expect(any.lines[0]).toBe(header);
    expect(any.lines[1]).toMatch(new RegExp(`^${'broker-0'.padEnd(32)}  [0-7] {3}  ${'SEND_OK'.padEnd(20)}    [0-9A-F]{32}$`));
    expect(toQueue.code).toBe(0);
    expect(toQueue.lines[1]).toMatch(new RegExp(`^${'broker-0'.padEnd(32)}  3 {3}  ${'SEND_OK'.padEnd(20)}    [0-9A-F]{32}$`));
    const msgId = toQueue.lines[1]!.slice(-32);
    const stored = await admin.queryMessageByUniqKey(TOPIC, msgId, 32, 0, Number.MAX_SAFE_INTEGER);
    expect(stored.messageList[0]!.body?.toString()).toBe('to queue 3');
    expect(noBroker.code).toBe(1);
    expect(noBroker.stderr).toContain('Broker name must be set if the queue is chosen!');
  });
});

describe('querying messages', () => {
  it('queryMsgById prints the message detail and writes its body to a file', async () => {
    const s = await sent();
    const r = await run(['queryMsgById', '-i', s.offsetMsgId]);
    expect(r.code).toBe(0);
    const d = detailLines(r.stdout);
    expect(r.lines[0]).toBe(`${'OffsetID:'.padEnd(20)} ${s.offsetMsgId}`);
    expect(d.get('Topic:')).toBe(TOPIC);
    expect(d.get('Tags:')).toBe('[TagA]');
    expect(d.get('Keys:')).toBe('[cli-key-1]');
    expect(d.get('Queue ID:')).toBe('0');
    expect(d.get('Queue Offset:')).toBe(String(s.queueOffset));
    expect(d.get('Reconsume Times:')).toBe('0');
    expect(d.get('Born Timestamp:')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}$/);
    expect(d.get('Store Host:')).toBe(broker);
    expect(d.get('System Flag:')).toBe('0');
    expect(d.get('Properties:')).toMatch(/^\{.*UNIQ_KEY=[0-9A-F]{32}.*\}$/);
    expect(d.get('Properties:')).toContain('KEYS=cli-key-1');
    const bodyPath = d.get('Message Body Path:')!;
    expect(bodyPath).toBe(join(bodyDir, 'rocketmq', 'msgbodys', s.msgId));
    expect(await readFile(bodyPath, 'utf8')).toBe('hello mqadmin');
    // Nobody consumes TOPIC yet, or the tracks of the groups that do.
    expect(r.stdout).toMatch(/\n\n\n(WARN: No Consumer|MessageTrack \[.*\])\n$/);
  });

  it('queryMsgById fails clearly for an id that names no broker', async () => {
    const r = await run(['queryMsgById', '-i', '7F0000010000000100000000000000B8']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not a broker the NameServer knows');
  });

  it('queryMsgByKey lists the messages with that key', async () => {
    const s = await sent();
    const [r, none] = await Promise.all([run(['queryMsgByKey', '-t', TOPIC, '-k', 'cli-key-1']), run(['queryMsgByKey', '-t', TOPIC, '-k', 'no-such-key'])]);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      `${'#Message ID'.padEnd(50)} ${'#QID'.padStart(4)} ${'#Offset'.padStart(40)}`,
      `${s.msgId.padEnd(50)} ${'0'.padStart(4)} ${String(s.queueOffset).padStart(40)}`,
    ]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no message');
  });

  it('queryMsgByUniqueKey prints the detail without the offset id', async () => {
    const s = await sent();
    const r = await run(['queryMsgByUniqueKey', '-t', TOPIC, '-i', s.msgId]);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe(`${'Topic:'.padEnd(20)} ${TOPIC}`);
    expect(r.stdout).not.toContain('OffsetID:');
    expect(detailLines(r.stdout).get('CommitLog Offset:')).toMatch(/^\d+$/);
  });

  it('queryMsgByOffset prints the message at a queue offset and fails past the end', async () => {
    const s = await sent();
    const [r, past] = await Promise.all([
      run(['queryMsgByOffset', '-t', TOPIC, '-b', 'broker-0', '-i', '0', '-o', String(s.queueOffset)]),
      run(['queryMsgByOffset', '-t', TOPIC, '-b', 'broker-0', '-i', '0', '-o', '100000']),
    ]);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe(`${'OffsetID:'.padEnd(20)} ${s.offsetMsgId}`);
    expect(detailLines(r.stdout).get('Properties:')).toContain('MAX_OFFSET=');
    expect(past.code).toBe(1);
    expect(past.stderr).toContain('no message at offset 100000');
  });
});

describe('resending and direct consumption', () => {
  it('queryMsgById -s true sends the message again', async () => {
    const s = await sent();
    const r = await run(['queryMsgById', '-i', s.offsetMsgId, '-s', 'true']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^prepare resend msg\\. originalMsgId=${s.offsetMsgId}SendResult \\[sendStatus=SEND_OK, msgId=[0-9A-F]{32}, offsetMsgId=[0-9A-F]{32}, messageQueue=MessageQueue \\[topic=${TOPIC}, brokerName=broker-0, queueId=\\d\\], queueOffset=\\d+\\]\n$`),
    );
  });

  it('queryMsgById and queryMsgByUniqueKey with -g and -d have a consumer consume the message', async () => {
    const s = await sent();
    const group = 'cli_direct_cg';
    const consumer = new PushConsumer({ nameServer: ns, group, clientIP: '127.0.0.1', instanceName: 'cli-direct' });
    consumer.subscribe(TOPIC, '*', () => undefined);
    await consumer.start();
    cleanups.push(() => consumer.shutdown());
    await waitFor('the consumer connection', () => admin.examineConsumerConnectionInfo(group));
    const [byId, byKey] = await Promise.all([
      run(['queryMsgById', '-i', s.offsetMsgId, '-g', group, '-d', consumer.clientId]),
      run(['queryMsgByUniqueKey', '-t', TOPIC, '-i', s.msgId, '-g', group, '-d', consumer.clientId]),
    ]);
    for (const r of [byId, byKey]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^ConsumeMessageDirectlyResult \[order=false, autoCommit=true, consumeResult=CR_SUCCESS, remark=null, spentTimeMills=\d+\]\n$/);
    }
  });
});

describe('reading queues', () => {
  it('printMsg prints every queue with its offsets and messages', async () => {
    const s = await sent();
    const [all, filtered, noBody] = await Promise.all([
      run(['printMsg', '-t', TOPIC]),
      run(['printMsg', '-t', TOPIC, '-s', 'NoSuchTag']),
      run(['printMsg', '-t', TOPIC, '-d', 'false']),
    ]);
    expect(all.code).toBe(0);
    const queueLine = all.lines.find((l) => l.endsWith(`MessageQueue [topic=${TOPIC}, brokerName=broker-0, queueId=0]`));
    expect(queueLine).toMatch(/^minOffset=0, maxOffset=\d+, MessageQueue/);
    const msgLine = all.lines.find((l) => l.startsWith(`MSGID: ${s.msgId} `))!;
    expect(msgLine).toContain(`MessageExt [brokerName=broker-0, queueId=0, storeSize=`);
    expect(msgLine).toContain(`msgId=${s.offsetMsgId}`);
    expect(msgLine).toContain(`storeHost=/${broker}`);
    expect(msgLine).toContain(`toString()=Message{topic='${TOPIC}', flag=0, properties={`);
    expect(msgLine).toContain(`body=[104, 101, 108, 108, 111, 32, 109, 113, 97, 100, 109, 105, 110], transactionId='null'}]`);
    expect(msgLine.endsWith(' BODY: hello mqadmin')).toBe(true);
    expect(all.lines.filter((l) => l === '-'.repeat(56)).length).toBeGreaterThanOrEqual(4);
    expect(filtered.code).toBe(0);
    expect(filtered.stdout).not.toContain('MSGID:');
    expect(filtered.stdout).toContain('no matched msg. status=NO_MATCHED_MSG');
    expect(noBody.lines.find((l) => l.startsWith(`MSGID: ${s.msgId} `))!.endsWith(' BODY: NOT PRINT BODY')).toBe(true);
  });

  it('consumeMessage pulls a queue from an offset', async () => {
    const s = await sent();
    const r = await run(['consumeMessage', '-t', TOPIC, '-b', 'broker-0', '-i', '0', '-o', String(s.queueOffset), '-g', 'cli_tools_cg']);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe('Consume ok');
    expect(r.lines[1]).toMatch(new RegExp(`^MSGID: ${s.msgId} MessageExt \\[brokerName=broker-0, queueId=0, `));
    expect(r.lines.at(-1)).toMatch(new RegExp(`^MessageQueue \\[topic=${TOPIC}, brokerName=broker-0, queueId=0\\] print msg finished\\. status=NO_NEW_MSG, offset=\\d+$`));
    const bad = await run(['consumeMessage', '-t', TOPIC, '-i', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Please set the brokerName before queueId!');
  });

  it('consumeMessage walks every queue up to the message count', async () => {
    await sent();
    const r = await run(['consumeMessage', '-t', TOPIC, '-c', '64']);
    expect(r.code).toBe(0);
    expect(r.lines.some((l) => l.startsWith('MSGID: '))).toBe(true);
    expect(r.lines.filter((l) => / print msg finished\. status=NO_NEW_MSG, offset=\d+$/.test(l)).length).toBeGreaterThanOrEqual(1);
  });
});

describe('connections and progress', () => {
  it('producerConnection lists the producers of a group', async () => {
    const producer = new Producer({ nameServer: ns, group: 'cli_pg', clientIP: '127.0.0.1', instanceName: 'cli-producer' });
    await producer.start();
    cleanups.push(() => producer.shutdown());
    await producer.send({ topic: TOPIC, body: 'from cli_pg' });
    await waitFor('the producer heartbeat', () => admin.examineProducerConnectionInfo('cli_pg', TOPIC));
    const [r, none] = await Promise.all([run(['producerConnection', '-g', 'cli_pg', '-t', TOPIC]), run(['producerConnection', '-g', 'nobody_pg', '-t', TOPIC])]);
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(new RegExp(`^0001  ${producer.clientId.padEnd(32)} 127\\.0\\.0\\.1:\\d+ +JAVA {5}V4_9_4$`));
    expect(none.code).toBe(1);
  });

  it('consumerConnection and consumerProgress show an online consumer group', async () => {
    // The consumer needs a route for its topic to find a broker to heartbeat (also when this test runs alone).
    await sent();
    const group = 'cli_cg';
    const consumer = new PushConsumer({ nameServer: ns, group, clientIP: '127.0.0.1', instanceName: 'cli-consumer' });
    consumer.subscribe(TOPIC, 'TagA || TagB', () => undefined);
    await consumer.start();
    cleanups.push(() => consumer.shutdown());
    await waitFor('the consumer connection', () => admin.examineConsumerConnectionInfo(group));
    const [conn, progress] = await Promise.all([run(['consumerConnection', '-g', group]), run(['consumerProgress'])]);
    expect(conn.code).toBe(0);
    expect(conn.lines[0]).toBe(`${'#ClientId'.padEnd(36)} ${'#ClientAddr'.padEnd(22)} ${'#Language'.padEnd(10)} #Version`);
    expect(conn.lines[1]).toMatch(new RegExp(`^${consumer.clientId.padEnd(36)} 127\\.0\\.0\\.1:\\d+ +${'JAVA'.padEnd(10)} V4_9_4$`));
    expect(conn.lines.slice(2)).toEqual(
      expect.arrayContaining(['', 'Below is subscription:', `${'#Topic'.padEnd(20)} #SubExpression`, `${TOPIC.padEnd(20)} TagA || TagB`]),
    );
    expect(conn.lines.slice(-3)).toEqual(['ConsumeType: CONSUME_PASSIVELY', 'MessageModel: CLUSTERING', 'ConsumeFromWhere: CONSUME_FROM_LAST_OFFSET']);

    expect(progress.code).toBe(0);
    expect(progress.lines[0]).toBe(`${'#Group'.padEnd(64)}  ${'#Count'.padEnd(6)}  ${'#Version'.padEnd(24)} ${'#Type'.padEnd(5)}  ${'#Model'.padEnd(14)}  ${'#TPS'.padEnd(7)}  #Diff Total`);
    expect(progress.lines).toContainEqual(expect.stringMatching(new RegExp(`^${group.padEnd(64)}  ${'1'.padEnd(6)}  ${'V4_9_4'.padEnd(24)} PUSH   ${'CLUSTERING'.padEnd(14)}  0 {6}  \\d+$`)));

    const offline = await run(['consumerConnection', '-g', 'never_connected_cg']);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toContain('consumer group never_connected_cg not found');
  });

  it('consumerProgress -g prints each queue of the group', async () => {
    const group = 'cli_progress_cg';
    const topic = 'CliProgressTopic';
    await admin.sendMessage({ topic, body: 'progress' });
    const consumer = new PushConsumer({ nameServer: ns, group, clientIP: '127.0.0.1', instanceName: 'cli-progress', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    consumer.subscribe(topic, '*', () => undefined);
    await consumer.start();
    cleanups.push(() => consumer.shutdown());
    await waitFor('committed offsets', async () => {
      const s = await admin.examineConsumeStats(group, topic);
      return s.offsetTable.some(([, o]) => o.consumerOffset > 0) ? s : undefined;
    }, 20_000);
    const [r, withIp] = await Promise.all([run(['consumerProgress', '-g', group]), run(['consumerProgress', '-g', group, '-s', 'true'])]);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe(
      `${'#Topic'.padEnd(64)}  ${'#Broker Name'.padEnd(32)}  ${'#QID'.padEnd(4)}  ${'#Broker Offset'.padEnd(20)}  ${'#Consumer Offset'.padEnd(20)}  ${'#Diff'.padEnd(20)}  #LastTime`,
    );
    expect(r.lines).toContainEqual(expect.stringMatching(new RegExp(`^${topic.padEnd(64)}  ${'broker-0'.padEnd(32)}  \\d +  1 {19}  1 {19}  0 {19}  \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$`)));
    expect(r.lines.at(-2)).toMatch(/^Consume TPS: \d+\.\d{2}$/);
    expect(r.lines.at(-1)).toBe('Diff Total: 0');
    expect(withIp.lines[0]).toContain('#Client IP');
    expect(withIp.stdout).toContain('127.0.0.1');
  });
});

describe('brokers', () => {
  it('brokerStatus prints the runtime table of a broker or of a cluster', async () => {
    const [byAddr, byCluster, neither] = await Promise.all([run(['brokerStatus', '-b', broker]), run(['brokerStatus', '-c', 'DefaultCluster']), run(['brokerStatus'])]);
    expect(byAddr.code).toBe(0);
    expect(byAddr.lines).toContain(`${'brokerVersionDesc'.padEnd(32)}: V4_9_4`);
    const keys = byAddr.lines.map((l) => l.slice(0, 32).trimEnd());
    expect(keys).toEqual([...keys].sort());
    expect(byCluster.code).toBe(0);
    expect(byCluster.lines).toContain(`${broker.padEnd(24)} ${'brokerVersionDesc'.padEnd(32)}: V4_9_4`);
    expect(neither.code).toBe(1);
  });

  it('clusterRT sends to each broker every interval until stopped', async () => {
    const r = await run(['clusterRT', '-a', '3', '-s', '16', '-i', '1'], { stopWhen: (out) => out.includes('broker-0') });
    expect(r.signal).toBe('SIGTERM');
    expect(r.lines[0]).toBe(`${'#Cluster Name'.padEnd(24)}  ${'#Broker Name'.padEnd(24)}  ${'#RT'.padEnd(4)}  ${'#successCount'.padEnd(8)}  ${'#failCount'.padEnd(8)}`);
    expect(r.lines[1]).toMatch(new RegExp(`^${'DefaultCluster'.padEnd(24)}  ${'broker-0'.padEnd(24)}  \\d+\\.\\d{2} +  ${'3'.padEnd(16)}  ${'0'.padEnd(16)}$`));
    const tlog = await run(['clusterRT', '-a', '2', '-p', 'true', '-m', 'room1'], { stopWhen: (out) => out.includes('broker-0') });
    expect(tlog.lines[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\|room1\|DefaultCluster\|broker-0\|\d+$/);
  });

  it('getBrokerConfig and updateBrokerConfig read and change a broker setting', async () => {
    const update = await run(['updateBrokerConfig', '-b', broker, '-k', 'maxMessageSize', '-v', '2097152']);
    expect(update.code).toBe(0);
    expect(update.stdout).toBe(`update broker config success, ${broker}\n`);
    const [byAddr, byCluster] = await Promise.all([run(['getBrokerConfig', '-b', broker]), run(['getBrokerConfig', '-c', 'DefaultCluster'])]);
    expect(byAddr.lines[0]).toBe(`============${broker}============`);
    expect(byAddr.lines).toContain(`${'maxMessageSize'.padEnd(50)}=  2097152`);
    expect(byAddr.lines).toContain(`${'brokerName'.padEnd(50)}=  broker-0`);
    expect(byCluster.lines[0]).toBe(`============Master: ${broker}============`);
    const byClusterUpdate = await run(['updateBrokerConfig', '-c', 'DefaultCluster', '-k', 'maxMessageSize', '-v', '4194304']);
    expect(byClusterUpdate.stdout).toBe(`update broker config success, ${broker}\n`);
  });
});

describe('statistics', () => {
  it('statsAll prints the Java header and a row per topic and group it can read', async () => {
    await sent();
    const r = await run(['statsAll', '-t', TOPIC]);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe(
      `${'#Topic'.padEnd(64)}  ${'#Consumer Group'.padEnd(64)} ${'#Accumulation'.padStart(12)} ${'#InTPS'.padStart(11)} ${'#OutTPS'.padStart(11)} ${'#InMsg24Hour'.padStart(14)} ${'#OutMsg24Hour'.padStart(14)}`,
    );
    expect(r.lines.length).toBeGreaterThan(1);
    expect(r.lines.slice(1).every((l) => l.startsWith(TOPIC.padEnd(64)))).toBe(true);
  });

  it('brokerConsumeStats prints every consumed queue of the broker', async () => {
    const r = await run(['brokerConsumeStats', '-b', broker]);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe(
      `${'#Topic'.padEnd(64)}  ${'#Group'.padEnd(64)}  ${'#Broker Name'.padEnd(32)}  ${'#QID'.padEnd(4)}  ${'#Broker Offset'.padEnd(20)}  ${'#Consumer Offset'.padEnd(20)}  ${'#Diff'.padEnd(20)}  #LastTime`,
    );
    expect(r.lines.at(-1)).toMatch(/^Diff Total: \d+$/);
  });
});

describe('topics and groups', () => {
  it('updateTopic, topicStatus and deleteTopic manage a topic on a cluster', async () => {
    const create = await run(['updateTopic', '-c', 'DefaultCluster', '-t', 'CliCreated', '-r', '4', '-w', '4']);
    expect(create.code).toBe(0);
    expect(create.stdout).toBe(
      `create topic to ${broker} success.\nTopicConfig [topicName=CliCreated, readQueueNums=4, writeQueueNums=4, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false]\n`,
    );
    const byAddr = await run(['updateTopic', '-b', broker, '-t', 'CliCreated', '-r', '4', '-w', '4', '-p', '4']);
    expect(byAddr.stdout).toContain('perm=R--');
    await waitFor('the route', () => admin.examineTopicRouteInfo('CliCreated'));
    const status = await run(['topicStatus', '-t', 'CliCreated']);
    expect(status.code).toBe(0);
    expect(status.lines[0]).toBe(`${'#Broker Name'.padEnd(32)}  ${'#QID'.padEnd(4)}  ${'#Min Offset'.padEnd(20)}  ${'#Max Offset'.padEnd(20)}    #Last Updated`);
    expect(status.lines.slice(1)).toEqual([0, 1, 2, 3].map((q) => `${'broker-0'.padEnd(32)}  ${String(q).padEnd(4)}  ${'0'.padEnd(20)}  ${'0'.padEnd(20)}    `));
    const del = await run(['deleteTopic', '-t', 'CliCreated', '-c', 'DefaultCluster']);
    expect(del.code).toBe(0);
    expect(del.stdout).toBe('delete topic [CliCreated] from cluster [DefaultCluster] success.\ndelete topic [CliCreated] from NameServer success.\n');
    const gone = await run(['topicStatus', '-t', 'CliCreated']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('topic CliCreated does not exist');
  });

  it('updateTopic -o sets the order conf of the topic', async () => {
    const r = await run(['updateTopic', '-b', broker, '-t', 'CliOrdered', '-w', '2', '-r', '2', '-o', 'true']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`set broker orderConf. isOrder=true, orderConf=[broker-0:2]create topic to ${broker} success.\n`)).toBe(true);
    expect(await admin.getKVConfig('ORDER_TOPIC_CONFIG', 'CliOrdered')).toBe('broker-0:2');
  });

  it('updateSubGroup and deleteSubGroup manage a subscription group', async () => {
    const create = await run(['updateSubGroup', '-b', broker, '-g', 'cli_sub_g', '-r', '5', '-q', '2']);
    expect(create.code).toBe(0);
    expect(create.stdout).toBe(
      `create subscription group to ${broker} success.\nSubscriptionGroupConfig [groupName=cli_sub_g, consumeEnable=true, consumeFromMinEnable=false, ` +
        'consumeBroadcastEnable=false, retryQueueNums=2, retryMaxTimes=5, brokerId=0, whichBrokerWhenConsumeSlowly=1, notifyConsumerIdsChangedEnable=true]\n',
    );
    const byCluster = await run(['updateSubGroup', '-c', 'DefaultCluster', '-g', 'cli_sub_g', '-d', 'true']);
    expect(byCluster.stdout).toContain('consumeBroadcastEnable=true');
    const del = await run(['deleteSubGroup', '-b', broker, '-g', 'cli_sub_g']);
    expect(del.code).toBe(0);
    expect(del.stdout).toBe(`delete subscription group [cli_sub_g] from broker [${broker}] success.\n`);
  });

  it('resetOffsetByTime moves the offsets of an offline group back in the broker', async () => {
    const s = await sent();
    // The group committed offsets on every queue, and no consumer of it is online.
    const group = 'cli_reset_cg';
    const committed = new Map<number, number>();
    for (const mq of await admin.fetchSubscribeMessageQueues(TOPIC)) {
      const offset = await admin.maxOffset(mq);
      committed.set(mq.queueId, offset);
      await admin.updateConsumeOffset(broker, group, mq, offset);
    }
    const [r, never] = await Promise.all([
      run(['resetOffsetByTime', '-g', group, '-t', TOPIC, '-s', '0']),
      run(['resetOffsetByTime', '-g', 'cli_never_cg', '-t', TOPIC, '-s', '0']),
    ]);
    expect(r.code).toBe(0);
    // CONSUMER_NOT_ONLINE from the broker: the tool resets in the broker directly and prints the "old" table.
    expect(r.lines[0]).toBe(`rollback consumer offset by specified consumerGroup[${group}], topic[${TOPIC}], force[true], timestamp(string)[0], timestamp(long)[0]`);
    expect(r.lines[1]).toBe(['#brokerName', '#queueId', '#brokerOffset', '#consumerOffset', '#timestampOffset', '#rollbackOffset'].map((h) => h.padEnd(20)).join('  '));
    const queue0 = r.lines.find((l) => l.startsWith(`${'broker-0'.padEnd(20)}  ${'0'.padEnd(20)}  `))!;
    const cells = queue0.trimEnd().split(/ {2,}/);
    expect(cells).toEqual(['broker-0', '0', cells[2], String(committed.get(0)), '0', '0']);
    expect(Number(cells[2])).toBeGreaterThan(s.queueOffset);
    expect(r.lines).toHaveLength(2 + committed.size);
    // Java's broker refuses a group with no offset on some queue; so does ours, and the tool says so.
    expect(never.code).toBe(1);
    expect(never.stderr).toContain('THe consumer group <cli_never_cg> not exist');
  });

  it('resetOffsetByTime rewinds an online consumer: the broker tells the client, which consumes again', async () => {
    const topic = 'CliResetOnlineTopic';
    await admin.createAndUpdateTopicConfig(broker, { topicName: topic, readQueueNums: 2, writeQueueNums: 2, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
    await waitFor('the route', () => admin.examineTopicRouteInfo(topic));
    const group = 'cli_reset_online_cg';
    const got: string[] = [];
    const consumer = new PushConsumer({ nameServer: ns, group, clientIP: '127.0.0.1', instanceName: 'cli-reset-online', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', persistConsumerOffsetInterval: 300 });
    consumer.subscribe(topic, '*', (m) => {
      got.push(m.body.toString());
    });
    await consumer.start();
    cleanups.push(() => consumer.shutdown());
    for (let i = 0; i < 4; i++) await admin.sendMessage({ topic, body: `reset-${i}` }, { brokerName: 'broker-0', queueId: i % 2 });
    await waitFor('four messages', async () => (got.length === 4 ? true : undefined));
    await waitFor('committed offsets', async () => {
      const stats = await admin.getConsumeStats(broker, group, topic);
      return stats.offsetTable.reduce((n, [, o]) => n + o.consumerOffset, 0) === 4 ? true : undefined;
    });
    const r = await run(['resetOffsetByTime', '-g', group, '-t', topic, '-s', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines[0]).toBe(`rollback consumer offset by specified group[${group}], topic[${topic}], force[true], timestamp(string)[0], timestamp(long)[0]`);
    expect(r.lines[1]).toBe(['#brokerName', '#queueId', '#offset'].map((h) => h.padEnd(40)).join('  '));
    expect(r.lines.slice(2).filter((l) => l.length > 0).map((l) => l.trimEnd().split(/ {2,}/))).toEqual([
      ['broker-0', '0', '0'],
      ['broker-0', '1', '0'],
    ]);
    await waitFor('the four messages again', async () => (got.length === 8 ? true : undefined));
    expect(got.slice(4).sort()).toEqual(got.slice(0, 4).sort());
  });

  it('resetOffsetByTime refuses a timestamp it cannot read, and updateTopic wants -b or -c', async () => {
    const [badTime, noTarget] = await Promise.all([
      run(['resetOffsetByTime', '-g', 'cli_reset_cg', '-t', TOPIC, '-s', 'yesterday']),
      run(['updateTopic', '-t', 'X', '-b', broker, '-c', 'DefaultCluster']),
    ]);
    expect(badTime.code).toBe(1);
    expect(badTime.stderr).toContain('yyyy-MM-dd#HH:mm:ss:SSS');
    expect(badTime.lines[0]).toMatch(/^usage: mqadmin resetOffsetByTime /);
    expect(noTarget.code).toBe(1);
    expect(noTarget.stderr).toContain('only one of -b, -c may be given');
  });
});
