/** Statistics subcommands: brokerConsumeStats, statsAll. */
import { BrokerStatsName, compareMessageQueue, compute24HourSum } from '@rocketmq-ts/admin';
import { MixAll, computeTotalDiff } from '@rocketmq-ts/protocol';
import type { SubCommand } from '../command.js';
import { formatDateTime, frontStringAtLeast } from '../printf.js';

export const brokerConsumeStatsCommand: SubCommand = {
  name: 'brokerConsumeStats',
  desc: 'Fetch broker consume stats data',
  options: [
    { short: 'b', long: 'brokerAddr', arg: true, required: true, desc: 'Broker address' },
    { short: 't', long: 'timeoutMillis', arg: true, desc: 'request timeout Millis' },
    { short: 'l', long: 'level', arg: true, desc: 'threshold of print diff' },
    { short: 'o', long: 'order', arg: true, desc: 'order topic' },
  ],
  async run(ctx, opts) {
    const list = await ctx.admin().fetchConsumeStatsInBroker(opts.required('b'), opts.bool('o', false), opts.int('t', 50_000));
    const diffLevel = opts.int('l', 0);
    ctx.printf('%-64s  %-64s  %-32s  %-4s  %-20s  %-20s  %-20s  %s%n', '#Topic', '#Group', '#Broker Name', '#QID', '#Broker Offset', '#Consumer Offset', '#Diff', '#LastTime');
    for (const byGroup of list.consumeStatsList) {
      for (const [group, statsList] of byGroup) {
        for (const stats of statsList) {
          for (const [mq, o] of [...stats.offsetTable].sort(([a], [b]) => compareMessageQueue(a, b))) {
            const diff = o.brokerOffset - o.consumerOffset;
            if (diff < diffLevel || o.lastTimestamp <= 0) continue;
            ctx.printf(
              '%-64s  %-64s  %-32s  %-4d  %-20d  %-20d  %-20d  %s%n',
              frontStringAtLeast(mq.topic, 64),
              group,
              frontStringAtLeast(mq.brokerName, 32),
              mq.queueId,
              o.brokerOffset,
              o.consumerOffset,
              diff,
              formatDateTime(o.lastTimestamp),
            );
          }
        }
      }
    }
    ctx.printf('%nDiff Total: %d%n', list.totalDiff);
  },
};

export const statsAllCommand: SubCommand = {
  name: 'statsAll',
  desc: 'Topic and Consumer tps stats',
  options: [
    { short: 'a', long: 'activeTopic', arg: false, desc: 'print active topic only' },
    { short: 't', long: 'topic', arg: true, desc: 'print select topic only' },
  ],
  async run(ctx, opts) {
    const admin = ctx.admin();
    const activeOnly = opts.has('a');
    const selected = opts.value('t');
    ctx.printf('%-64s  %-64s %12s %11s %11s %14s %14s%n', '#Topic', '#Consumer Group', '#Accumulation', '#InTPS', '#OutTPS', '#InMsg24Hour', '#OutMsg24Hour');
    for (const topic of (await admin.fetchAllTopicList()).topicList) {
      if (topic.startsWith(MixAll.RETRY_GROUP_TOPIC_PREFIX) || topic.startsWith(MixAll.DLQ_GROUP_TOPIC_PREFIX)) continue;
      if (selected !== undefined && selected.length > 0 && topic !== selected) continue;
      try {
        const route = await admin.examineTopicRouteInfo(topic);
        const groups = (await admin.queryTopicConsumeByWho(topic)).groupList;
        const masters = route.brokerDatas.flatMap((b) => {
          const m = b.brokerAddrs.get(MixAll.MASTER_ID);
          return m === undefined ? [] : [m];
        });
        // As Java: a statistic a broker cannot give counts as zero.
        const sum = async (name: string, key: string): Promise<[number, number]> => {
          let tps = 0;
          let day = 0;
          for (const addr of masters) {
            try {
              const d = await admin.viewBrokerStatsData(addr, name, key);
              tps += d.statsMinute.tps;
              day += compute24HourSum(d);
            } catch {
              // skipped, as Java does
            }
          }
          return [tps, day];
        };
        const [inTps, inToday] = await sum(BrokerStatsName.TOPIC_PUT_NUMS, topic);
        if (groups.length === 0) {
          if (!activeOnly || inToday > 0) {
            ctx.printf('%-64s  %-64s %12d %11.2f %11s %14d %14s%n', frontStringAtLeast(topic, 64), '', 0, inTps, '', inToday, 'NO_CONSUMER');
          }
          continue;
        }
        for (const group of groups) {
          const [outTps, outToday] = await sum(BrokerStatsName.GROUP_GET_NUMS, `${topic}@${group}`);
          let accumulate = 0;
          try {
            accumulate = Math.max(0, computeTotalDiff(await admin.examineConsumeStats(group, topic)));
          } catch {
            // no consume stats: 0, as Java
          }
          if (!activeOnly || inToday > 0 || outToday > 0) {
            ctx.printf('%-64s  %-64s %12d %11.2f %11.2f %14d %14d%n', frontStringAtLeast(topic, 64), frontStringAtLeast(group, 64), accumulate, inTps, outTps, inToday, outToday);
          }
        }
      } catch (err) {
        // Java skips a topic it cannot read; say which and why.
        ctx.warn(`statsAll: topic ${topic} skipped: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  },
};
