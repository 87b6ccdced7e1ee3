/** Topic subcommands: topicList, topicRoute, topicStatus, updateTopic, deleteTopic. */
import { compareMessageQueue, defaultTopicConfig } from '@rocketmq-ts/admin';
import { MixAll, TopicSysFlag } from '@rocketmq-ts/protocol';
import type { GroupList, TopicConfig } from '@rocketmq-ts/protocol';
import { frontStringAtLeast, timeMillisToHumanString2 } from '../printf.js';
import type { SubCommand } from '../command.js';
import { topicRouteDataPretty } from '../fastjson.js';
import { javaHashSetOrder, javaLongMapToString, topicConfigToString } from '../javastr.js';
import { mapLimit } from './shared.js';

export const topicListCommand: SubCommand = {
  name: 'topicList',
  desc: 'Fetch all topic list from name server',
  options: [{ short: 'c', long: 'clusterModel', arg: false, desc: 'clusterModel' }],
  async run(ctx, opts) {
    const admin = ctx.admin();
    if (!opts.has('c')) {
      for (const topic of (await admin.fetchAllTopicList()).topicList) ctx.printf('%s%n', topic);
      return;
    }
    const info = await admin.examineBrokerClusterInfo();
    ctx.printf('%-20s  %-48s  %-48s%n', '#Cluster Name', '#Topic', '#Consumer Group');
    const topics = (await admin.fetchAllTopicList()).topicList.filter(
      (t) => !t.startsWith(MixAll.RETRY_GROUP_TOPIC_PREFIX) && !t.startsWith(MixAll.DLQ_GROUP_TOPIC_PREFIX),
    );
    const rows = await mapLimit(topics, 8, async (topic) => {
      let clusterName: string | null = '';
      let groups: GroupList = { groupList: [] };
      try {
        const route = await admin.examineTopicRouteInfo(topic);
        const brokerName = route.brokerDatas[0]?.brokerName;
        clusterName = null;
        for (const [c, names] of info.clusterAddrTable) {
          if (brokerName !== undefined && names.includes(brokerName)) {
            clusterName = c;
            break;
          }
        }
        groups = await admin.queryTopicConsumeByWho(topic);
      } catch {
        // As Java: a topic whose route or consumers cannot be read still gets a row.
      }
      return { topic, clusterName, groups: groups.groupList.length === 0 ? [''] : groups.groupList };
    });
    for (const r of rows) {
      for (const group of r.groups) {
        ctx.printf(
          '%-20s  %-64s  %-64s%n',
          r.clusterName === null ? null : frontStringAtLeast(r.clusterName, 20),
          frontStringAtLeast(r.topic, 64),
          frontStringAtLeast(group, 64),
        );
      }
    }
  },
};

export const topicRouteCommand: SubCommand = {
  name: 'topicRoute',
  desc: 'Examine topic route info',
  options: [
    { short: 't', long: 'topic', arg: true, required: true, desc: 'topic name' },
    { short: 'l', long: 'list', arg: false, desc: 'Use list format to print data' },
  ],
  async run(ctx, opts) {
    const route = await ctx.admin().examineTopicRouteInfo(opts.required('t'));
    if (!opts.has('l')) {
      ctx.printf('%s%n', topicRouteDataPretty(route));
      return;
    }
    const format = '%-45s %-32s %-50s %-10s %-11s %-5s%n';
    const byName = new Map(route.queueDatas.map((q) => [q.brokerName, q]));
    const brokers = [...route.brokerDatas].sort((a, b) => (a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0));
    ctx.printf(format, '#ClusterName', '#BrokerName', '#BrokerAddrs', '#ReadQueue', '#WriteQueue', '#Perm');
    let totalRead = 0;
    let totalWrite = 0;
    for (const bd of brokers) {
      const qd = byName.get(bd.brokerName);
      totalRead += qd?.readQueueNums ?? 0;
      totalWrite += qd?.writeQueueNums ?? 0;
      ctx.printf(format, bd.cluster, bd.brokerName, javaLongMapToString(bd.brokerAddrs), qd?.readQueueNums, qd?.writeQueueNums, qd?.perm);
    }
    ctx.out(`${'-'.repeat(158)}\n`);
    ctx.printf(format, 'Total:', byName.size, '', totalRead, totalWrite, '');
  },
};

export const topicStatusCommand: SubCommand = {
  name: 'topicStatus',
  desc: 'Examine topic Status info',
  options: [{ short: 't', long: 'topic', arg: true, required: true, desc: 'topic name' }],
  async run(ctx, opts) {
    const stats = await ctx.admin().examineTopicStats(opts.required('t'));
    const rows = [...stats.offsetTable].sort(([a], [b]) => compareMessageQueue(a, b));
    ctx.printf('%-32s  %-4s  %-20s  %-20s    %s%n', '#Broker Name', '#QID', '#Min Offset', '#Max Offset', '#Last Updated');
    for (const [mq, o] of rows) {
      ctx.printf(
        '%-32s  %-4d  %-20d  %-20d    %s%n',
        frontStringAtLeast(mq.brokerName, 32),
        mq.queueId,
        o.minOffset,
        o.maxOffset,
        o.lastUpdateTimestamp > 0 ? timeMillisToHumanString2(o.lastUpdateTimestamp) : '',
      );
    }
  },
};

export const updateTopicCommand: SubCommand = {
  name: 'updateTopic',
  desc: 'Update or create topic',
  group: { options: ['b', 'c'], required: true },
  options: [
    { short: 'b', long: 'brokerAddr', arg: true, desc: 'create topic to which broker' },
    { short: 'c', long: 'clusterName', arg: true, desc: 'create topic to which cluster' },
    { short: 't', long: 'topic', arg: true, required: true, desc: 'topic name' },
    { short: 'r', long: 'readQueueNums', arg: true, desc: 'set read queue nums' },
    { short: 'w', long: 'writeQueueNums', arg: true, desc: 'set write queue nums' },
    { short: 'p', long: 'perm', arg: true, desc: "set topic's permission(2|4|6), intro[2:W 4:R; 6:RW]" },
    { short: 'o', long: 'order', arg: true, desc: "set topic's order(true|false)" },
    { short: 'u', long: 'unit', arg: true, desc: 'is unit topic (true|false)' },
    { short: 's', long: 'hasUnitSub', arg: true, desc: 'has unit sub (true|false)' },
  ],
  async run(ctx, opts) {
    const admin = ctx.admin();
    const base = defaultTopicConfig(opts.required('t'));
    const isOrder = opts.bool('o', false);
    const unit = opts.bool('u', false);
    const unitSub = opts.bool('s', false);
    const config: TopicConfig = {
      ...base,
      readQueueNums: opts.int('r', 8),
      writeQueueNums: opts.int('w', 8),
      perm: opts.int('p', base.perm),
      topicSysFlag: (unit ? TopicSysFlag.FLAG_UNIT : 0) | (unitSub ? TopicSysFlag.FLAG_UNIT_SUB : 0),
      order: isOrder,
    };
    const brokerAddr = opts.value('b');
    if (brokerAddr !== undefined) {
      await admin.createAndUpdateTopicConfig(brokerAddr, config);
      if (isOrder) {
        const brokerName = await admin.fetchBrokerNameByAddr(brokerAddr);
        const orderConf = `${brokerName}:${config.writeQueueNums}`;
        await admin.createOrUpdateOrderConf(config.topicName, orderConf, false);
        ctx.printf('%s', `set broker orderConf. isOrder=${isOrder}, orderConf=[${orderConf}]`);
      }
      ctx.printf('create topic to %s success.%n', brokerAddr);
      ctx.printf('%s', topicConfigToString(config));
      return;
    }
    const clusterName = opts.required('c');
    for (const addr of javaHashSetOrder(await admin.fetchMasterAddrByClusterName(clusterName))) {
      await admin.createAndUpdateTopicConfig(addr, config);
      ctx.printf('create topic to %s success.%n', addr);
    }
    if (isOrder) {
      const names = await admin.fetchBrokerNameByClusterName(clusterName);
      const orderConf = names.map((n) => `${n}:${config.writeQueueNums}`).join(';');
      await admin.createOrUpdateOrderConf(config.topicName, orderConf, true);
      ctx.printf('set cluster orderConf. isOrder=%s, orderConf=[%s]', String(isOrder), orderConf);
    }
    ctx.printf('%s', topicConfigToString(config));
  },
};

export const deleteTopicCommand: SubCommand = {
  name: 'deleteTopic',
  desc: 'Delete topic from broker and NameServer.',
  options: [
    { short: 't', long: 'topic', arg: true, required: true, desc: 'topic name' },
    { short: 'c', long: 'clusterName', arg: true, required: true, desc: 'delete topic from which cluster' },
  ],
  async run(ctx, opts) {
    await deleteTopicAndPrint(ctx, opts.required('c'), opts.required('t'));
  },
};

/** DeleteTopicSubCommand.deleteTopic: from the cluster's masters, then from every NameServer. */
export async function deleteTopicAndPrint(ctx: Parameters<SubCommand['run']>[0], clusterName: string, topic: string): Promise<void> {
  const admin = ctx.admin();
  const masters = javaHashSetOrder(await admin.fetchMasterAddrByClusterName(clusterName));
  await admin.deleteTopicInBroker(masters, topic);
  ctx.printf('delete topic [%s] from cluster [%s] success.%n', topic, clusterName);
  await admin.deleteTopicInNameServer(topic, clusterName);
  ctx.printf('delete topic [%s] from NameServer success.%n', topic);
}
