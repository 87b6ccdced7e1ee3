/**
 * Consumer and producer group subcommands: updateSubGroup, deleteSubGroup,
 * consumerProgress, consumerConnection, producerConnection, resetOffsetByTime.
 */
import { compareMessageQueue, mqVersionDesc } from '@rocketmq-ts/admin';
import { errorMessage, isRmqError } from '@rocketmq-ts/common';
import { MixAll, ResponseCode, computeTotalDiff, defaultSubscriptionGroupConfig } from '@rocketmq-ts/protocol';
import type { ConsumeStats, ConsumerConnection, MessageQueue, SubscriptionGroupConfig } from '@rocketmq-ts/protocol';
import { usageError } from '../command.js';
import type { CommandContext, SubCommand } from '../command.js';
import { javaHashSetOrder, subscriptionGroupConfigToString } from '../javastr.js';
import { formatDateTime, frontStringAtLeast, parseJavaDate } from '../printf.js';
import { mapLimit } from './shared.js';
import { deleteTopicAndPrint } from './topic.js';

export const updateSubGroupCommand: SubCommand = {
  name: 'updateSubGroup',
  desc: 'Update or create subscription group',
  options: [
    { short: 'b', long: 'brokerAddr', arg: true, desc: 'create subscription group to which broker' },
    { short: 'c', long: 'clusterName', arg: true, desc: 'create subscription group to which cluster' },
    { short: 'g', long: 'groupName', arg: true, required: true, desc: 'consumer group name' },
    { short: 's', long: 'consumeEnable', arg: true, desc: 'consume enable' },
    { short: 'm', long: 'consumeFromMinEnable', arg: true, desc: 'from min offset' },
    { short: 'd', long: 'consumeBroadcastEnable', arg: true, desc: 'broadcast' },
    { short: 'q', long: 'retryQueueNums', arg: true, desc: 'retry queue nums' },
    { short: 'r', long: 'retryMaxTimes', arg: true, desc: 'retry max times' },
    { short: 'i', long: 'brokerId', arg: true, desc: 'consumer from which broker id' },
    { short: 'w', long: 'whichBrokerWhenConsumeSlowly', arg: true, desc: 'which broker id when consume slowly' },
    { short: 'a', long: 'notifyConsumerIdsChanged', arg: true, desc: 'notify consumerId changed' },
  ],
  async run(ctx, opts) {
    const d = defaultSubscriptionGroupConfig(opts.required('g'));
    const config: SubscriptionGroupConfig = {
      groupName: d.groupName,
      consumeEnable: opts.bool('s', d.consumeEnable),
      // The Java tool starts from false for these two, unlike the class default.
      consumeFromMinEnable: opts.bool('m', false),
      consumeBroadcastEnable: opts.bool('d', false),
      retryQueueNums: opts.int('q', d.retryQueueNums),
      retryMaxTimes: opts.int('r', d.retryMaxTimes),
      brokerId: opts.int('i', d.brokerId),
      whichBrokerWhenConsumeSlowly: opts.int('w', d.whichBrokerWhenConsumeSlowly),
      notifyConsumerIdsChangedEnable: opts.bool('a', d.notifyConsumerIdsChangedEnable),
    };
    const admin = ctx.admin();
    const brokerAddr = opts.value('b');
    const clusterName = opts.value('c');
    if (brokerAddr !== undefined) {
      await admin.createAndUpdateSubscriptionGroupConfig(brokerAddr, config);
      ctx.printf('create subscription group to %s success.%n', brokerAddr);
      ctx.printf('%s', subscriptionGroupConfigToString(config));
    } else if (clusterName !== undefined) {
      let failed: unknown;
      for (const addr of javaHashSetOrder(await admin.fetchMasterAddrByClusterName(clusterName))) {
        try {
          await admin.createAndUpdateSubscriptionGroupConfig(addr, config);
          ctx.printf('create subscription group to %s success.%n', addr);
        } catch (err) {
          ctx.warn(errorMessage(err));
          failed = err;
        }
      }
      ctx.printf('%s', subscriptionGroupConfigToString(config));
      if (failed !== undefined) throw failed;
    } else {
      throw usageError('one of -b (broker address) or -c (cluster name) is required');
    }
  },
};

export const deleteSubGroupCommand: SubCommand = {
  name: 'deleteSubGroup',
  desc: 'Delete subscription group from broker.',
  options: [
    { short: 'b', long: 'brokerAddr', arg: true, desc: 'delete subscription group from which broker' },
    { short: 'c', long: 'clusterName', arg: true, desc: 'delete subscription group from which cluster' },
    { short: 'g', long: 'groupName', arg: true, required: true, desc: 'subscription group name' },
    { short: 'r', long: 'removeOffset', arg: true, desc: 'remove offset' },
  ],
  async run(ctx, opts) {
    const admin = ctx.admin();
    const group = opts.required('g');
    const removeOffset = opts.bool('r', false);
    const brokerAddr = opts.value('b');
    const clusterName = opts.value('c');
    if (brokerAddr !== undefined) {
      await admin.deleteSubscriptionGroup(brokerAddr, group, removeOffset);
      ctx.printf('delete subscription group [%s] from broker [%s] success.%n', group, brokerAddr);
    } else if (clusterName !== undefined) {
      for (const master of javaHashSetOrder(await admin.fetchMasterAddrByClusterName(clusterName))) {
        await admin.deleteSubscriptionGroup(master, group, removeOffset);
        ctx.printf('delete subscription group [%s] from broker [%s] in cluster [%s] success.%n', group, master, clusterName);
      }
      try {
        await deleteTopicAndPrint(ctx, clusterName, MixAll.RETRY_GROUP_TOPIC_PREFIX + group);
        await deleteTopicAndPrint(ctx, clusterName, MixAll.DLQ_GROUP_TOPIC_PREFIX + group);
      } catch (err) {
        // As Java: the group is gone; a retry or DLQ topic that cannot be deleted is only reported.
        ctx.warn(errorMessage(err));
      }
    } else {
      throw usageError('one of -b (broker address) or -c (cluster name) is required');
    }
  },
};

/** The client ip that holds each queue, from the running info of every consumer of the group. */
async function queueAllocation(ctx: CommandContext, group: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  try {
    const admin = ctx.admin();
    const cc = await admin.examineConsumerConnectionInfo(group);
    for (const conn of cc.connectionSet) {
      const info = await admin.getConsumerRunningInfo(group, conn.clientId, false);
      for (const [mq] of info.mqTable) out.set(queueKey(mq), conn.clientId.split('@')[0]!);
    }
  } catch {
    // As Java: without running info the column shows N/A.
  }
  return out;
}

function queueKey(mq: MessageQueue): string {
  return `${mq.topic}\u0000${mq.brokerName}\u0000${mq.queueId}`;
}

function minVersion(cc: ConsumerConnection): number {
  let min = 2 ** 31 - 1;
  for (const c of cc.connectionSet) if (c.version < min) min = c.version;
  return min;
}

export const consumerProgressCommand: SubCommand = {
  name: 'consumerProgress',
  desc: "Query consumers's progress, speed",
  options: [
    { short: 'g', long: 'groupName', arg: true, desc: 'consumer group name' },
    { short: 's', long: 'showClientIP', arg: true, desc: 'Show Client IP per Queue' },
  ],
  async run(ctx, opts) {
    const admin = ctx.admin();
    const showClientIP = opts.has('s') && opts.value('s')?.toLowerCase() === 'true';
    const group = opts.value('g');
    if (group !== undefined) {
      const stats = await admin.examineConsumeStats(group);
      const rows = [...stats.offsetTable].sort(([a], [b]) => compareMessageQueue(a, b));
      const allocation = showClientIP ? await queueAllocation(ctx, group) : undefined;
      if (showClientIP) {
        ctx.printf('%-64s  %-32s  %-4s  %-20s  %-20s  %-20s %-20s  %s%n', '#Topic', '#Broker Name', '#QID', '#Broker Offset', '#Consumer Offset', '#Client IP', '#Diff', '#LastTime');
      } else {
        ctx.printf('%-64s  %-32s  %-4s  %-20s  %-20s  %-20s  %s%n', '#Topic', '#Broker Name', '#QID', '#Broker Offset', '#Consumer Offset', '#Diff', '#LastTime');
      }
      let diffTotal = 0;
      for (const [mq, o] of rows) {
        const diff = o.brokerOffset - o.consumerOffset;
        diffTotal += diff;
        const lastTime = o.lastTimestamp === 0 ? 'N/A' : formatDateTime(o.lastTimestamp);
        const topic = frontStringAtLeast(mq.topic, 64);
        const broker = frontStringAtLeast(mq.brokerName, 32);
        if (allocation !== undefined) {
          ctx.printf('%-64s  %-32s  %-4d  %-20d  %-20d  %-20s %-20d  %s%n', topic, broker, mq.queueId, o.brokerOffset, o.consumerOffset, allocation.get(queueKey(mq)) ?? 'N/A', diff, lastTime);
        } else {
          ctx.printf('%-64s  %-32s  %-4d  %-20d  %-20d  %-20d  %s%n', topic, broker, mq.queueId, o.brokerOffset, o.consumerOffset, diff, lastTime);
        }
      }
      ctx.printf('%n');
      ctx.printf('Consume TPS: %.2f%n', stats.consumeTps);
      ctx.printf('Diff Total: %d%n', diffTotal);
      return;
    }
    ctx.printf('%-64s  %-6s  %-24s %-5s  %-14s  %-7s  %s%n', '#Group', '#Count', '#Version', '#Type', '#Model', '#TPS', '#Diff Total');
    const groups = (await admin.fetchAllTopicList()).topicList
      .filter((t) => t.startsWith(MixAll.RETRY_GROUP_TOPIC_PREFIX))
      .map((t) => t.slice(MixAll.RETRY_GROUP_TOPIC_PREFIX.length));
    const rows = await mapLimit(groups, 8, async (g) => {
      const stats: ConsumeStats | undefined = await admin.examineConsumeStats(g).catch(() => undefined);
      const cc: ConsumerConnection | undefined = await admin.examineConsumerConnectionInfo(g).catch(() => undefined);
      return { g, stats, cc };
    });
    for (const { g, stats, cc } of rows) {
      const count = cc?.connectionSet.length ?? 0;
      const consumeType = count > 0 ? (cc?.consumeType === 'CONSUME_ACTIVELY' ? 'PULL' : 'PUSH') : '';
      const model = count > 0 && cc?.consumeType === 'CONSUME_PASSIVELY' ? (cc.messageModel ?? 'null') : '';
      ctx.printf(
        '%-64s  %-6d  %-24s %-5s  %-14s  %-7d  %d%n',
        frontStringAtLeast(g, 64),
        count,
        count > 0 && cc !== undefined ? mqVersionDesc(minVersion(cc)) : 'OFFLINE',
        consumeType,
        model,
        Math.trunc(stats?.consumeTps ?? 0),
        stats === undefined ? 0 : computeTotalDiff(stats),
      );
    }
  },
};

export const consumerConnectionCommand: SubCommand = {
  name: 'consumerConnection',
  desc: "Query consumer's socket connection, client version and subscription",
  options: [
    { short: 'g', long: 'consumerGroup', arg: true, required: true, desc: 'consumer group name' },
    { short: 'b', long: 'brokerAddr', arg: true, desc: 'broker address' },
  ],
  async run(ctx, opts) {
    const cc = await ctx.admin().examineConsumerConnectionInfo(opts.required('g'), opts.value('b'));
    ctx.printf('%-36s %-22s %-10s %s%n', '#ClientId', '#ClientAddr', '#Language', '#Version');
    for (const c of cc.connectionSet) ctx.printf('%-36s %-22s %-10s %s%n', c.clientId, c.clientAddr, c.language, mqVersionDesc(c.version));
    ctx.printf('%nBelow is subscription:\n');
    ctx.printf('%-20s %s%n', '#Topic', '#SubExpression');
    for (const sd of cc.subscriptionTable.values()) ctx.printf('%-20s %s%n', sd.topic, sd.subString);
    ctx.printf('\n');
    ctx.printf('ConsumeType: %s%n', cc.consumeType);
    ctx.printf('MessageModel: %s%n', cc.messageModel);
    ctx.printf('ConsumeFromWhere: %s%n', cc.consumeFromWhere);
  },
};

export const producerConnectionCommand: SubCommand = {
  name: 'producerConnection',
  desc: "Query producer's socket connection and client version",
  options: [
    { short: 'g', long: 'producerGroup', arg: true, required: true, desc: 'producer group name' },
    { short: 't', long: 'topic', arg: true, required: true, desc: 'topic name' },
  ],
  async run(ctx, opts) {
    const pc = await ctx.admin().examineProducerConnectionInfo(opts.required('g'), opts.required('t'));
    pc.connectionSet.forEach((c, i) => {
      ctx.printf('%04d  %-32s %-22s %-8s %s%n', i + 1, c.clientId, c.clientAddr, c.language, mqVersionDesc(c.version));
    });
  },
};

export const resetOffsetByTimeCommand: SubCommand = {
  name: 'resetOffsetByTime',
  desc: 'Reset consumer offset by timestamp(without client restart).',
  options: [
    { short: 'g', long: 'group', arg: true, required: true, desc: 'set the consumer group' },
    { short: 't', long: 'topic', arg: true, required: true, desc: 'set the topic' },
    { short: 's', long: 'timestamp', arg: true, required: true, desc: 'set the timestamp[now|currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]' },
    { short: 'f', long: 'force', arg: true, desc: 'set the force rollback by timestamp switch[true|false]' },
    { short: 'c', long: 'cplus', arg: false, desc: 'reset c++ client offset' },
  ],
  async run(ctx, opts) {
    const admin = ctx.admin();
    const group = opts.required('g');
    const topic = opts.required('t');
    const timeStampStr = opts.required('s');
    let timestamp: number;
    if (timeStampStr === 'now') {
      timestamp = -1;
    } else if (/^[-+]?\d+$/.test(timeStampStr)) {
      timestamp = Number(timeStampStr);
    } else {
      const parsed = parseJavaDate(timeStampStr);
      if (parsed === undefined) throw usageError(`timestamp ${JSON.stringify(timeStampStr)} is not now, epoch milliseconds or yyyy-MM-dd#HH:mm:ss:SSS`);
      timestamp = parsed;
    }
    const force = opts.bool('f', true);
    let offsets: Array<[MessageQueue, number]>;
    try {
      offsets = await admin.resetOffsetByTimestamp(topic, group, timestamp, force, opts.has('c'));
    } catch (err) {
      if (!(isRmqError(err) && err.responseCode === ResponseCode.CONSUMER_NOT_ONLINE)) throw err;
      // No consumer online: write the offsets into the broker directly (ResetOffsetByTimeOldCommand).
      const stats = await admin.resetOffsetByTimestampOld(group, topic, timestamp, force);
      ctx.printf(
        'rollback consumer offset by specified consumerGroup[%s], topic[%s], force[%s], timestamp(string)[%s], timestamp(long)[%s]%n',
        group,
        topic,
        String(force),
        timeStampStr,
        timestamp,
      );
      ctx.printf('%-20s  %-20s  %-20s  %-20s  %-20s  %-20s%n', '#brokerName', '#queueId', '#brokerOffset', '#consumerOffset', '#timestampOffset', '#rollbackOffset');
      for (const s of stats) {
        ctx.printf('%-20s  %-20d  %-20d  %-20d  %-20d  %-20d%n', frontStringAtLeast(s.brokerName, 32), s.queueId, s.brokerOffset, s.consumerOffset, s.timestampOffset, s.rollbackOffset);
      }
      return;
    }
    ctx.printf(
      'rollback consumer offset by specified group[%s], topic[%s], force[%s], timestamp(string)[%s], timestamp(long)[%s]%n',
      group,
      topic,
      String(force),
      timeStampStr,
      timestamp,
    );
    ctx.printf('%-40s  %-40s  %-40s%n', '#brokerName', '#queueId', '#offset');
    for (const [mq, offset] of [...offsets].sort(([a], [b]) => compareMessageQueue(a, b))) {
      ctx.printf('%-40s  %-40d  %-40d%n', frontStringAtLeast(mq.brokerName, 32), mq.queueId, offset);
    }
  },
};
