/**
 * The broker as a whole (AdminBrokerProcessor): GET_BROKER_RUNTIME_INFO (28),
 * UPDATE_BROKER_CONFIG (25), GET_BROKER_CONFIG (26), VIEW_BROKER_STATS_DATA
 * (315), GET_ALL_DELAY_OFFSET (45).
 */
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, errorMessage, isRmqError } from '@rocketmq-ts/common';
import {
  type BrokerStatsItem,
  type RemotingCommand,
  ResponseCode,
  createResponse,
  decodeViewBrokerStatsDataRequestHeader,
  encodeBrokerStatsData,
  encodeGetBrokerConfigResponseHeader,
  encodeKVTable,
  parseProperties,
} from '@rocketmq-ts/protocol';
import type { Channel } from '@rocketmq-ts/remoting';
import { BrokerConfigFiles, SCHEDULE_TOPIC, stringifyDelayOffsetTable } from '@rocketmq-ts/store';
import { nextVersion } from '../../persist.js';
import type { StatsSnapshot } from '../../stats/stats-item.js';
import { type AdminContext, type DelayOffsetProvider, type SerialLock, humanReadableByteCount, success } from './common.js';

/**
 * TransientStorePool.availableBufferNums() when the pool is disabled, which
 * is what every Java broker without transientStorePoolEnable reports. This
 * store has no transient pool, so it is the true answer here too (and
 * rocketmq-exporter fails to parse the table without the key).
 */
const NO_TRANSIENT_POOL = '2147483647';

/**
 * UtilAll.getDiskPartitionSpaceUsedPercent: used / (used + usable) of the
 * partition holding `path`, rounded up to hundredths; -1 when it cannot be
 * measured. Measured on each request, as Java does.
 */
async function diskUsedRatio(path: string): Promise<number> {
  try {
    const s = await statfs(path);
    const total = s.blocks * s.bsize;
    if (total <= 0) return -1;
    const used = total - s.bfree * s.bsize;
    const entire = used + s.bavail * s.bsize;
    if (entire <= 0) return -1;
    return (Math.floor((used * 100) / entire) + ((used * 100) % entire !== 0 ? 1 : 0)) / 100;
  } catch {
    return -1;
  }
}

function hasDelayOffsets(d: unknown): d is DelayOffsetProvider {
  return typeof d === 'object' && d !== null && typeof (d as Partial<DelayOffsetProvider>).delayOffsets === 'function';
}

/** Delay level -> delivered offset: from the delay service when it tells, else from config/delayOffset.json. */
export async function readDelayOffsets(ctx: AdminContext): Promise<ReadonlyMap<number, number>> {
  if (hasDelayOffsets(ctx.delayDelivery)) return ctx.delayDelivery.delayOffsets();
  const stored = await new BrokerConfigFiles(ctx.storePaths.root).loadDelayOffsets();
  return stored?.offsetTable ?? new Map();
}

/**
 * GET_BROKER_RUNTIME_INFO's table: the store's StoreStatsService keys
 * (putTps, getFoundTps, putMessageDistributeTime, commitLogDiskRatio...),
 * the broker's queue sizes, BrokerStats' daily totals and the rest of
 * AdminBrokerProcessor.prepareRuntimeInfo, all measured now.
 */
export async function brokerRuntimeInfo(ctx: AdminContext): Promise<Map<string, string>> {
  const t = new Map<string, string>(Object.entries(ctx.runtimeInfo()));
  const bs = ctx.brokerStats;
  const totals = { put: bs.msgPutTotalTodayNow, get: bs.msgGetTotalTodayNow };
  t.set('msgPutTotalYesterdayMorning', String(bs.msgPutTotalYesterdayMorning));
  t.set('msgPutTotalTodayMorning', String(bs.msgPutTotalTodayMorning));
  t.set('msgPutTotalTodayNow', String(totals.put));
  t.set('msgGetTotalYesterdayMorning', String(bs.msgGetTotalYesterdayMorning));
  t.set('msgGetTotalTodayMorning', String(bs.msgGetTotalTodayMorning));
  t.set('msgGetTotalTodayNow', String(totals.get));
  const store = ctx.store;
  t.set('dispatchBehindBytes', String(store.dispatchBehindBytes()));
  t.set('earliestMessageTimeStamp', String(await store.getEarliestMessageTime()));
  t.set('remainTransientStoreBufferNumbs', NO_TRANSIENT_POOL);
  // Java formats this one (the exporter parses "<number> <unit>").
  const unflushed = Number(t.get('remainHowManyDataToFlush') ?? '0');
  t.set('remainHowManyDataToFlush', humanReadableByteCount(Number.isFinite(unflushed) ? unflushed : 0));
  const commitLogRatio = await diskUsedRatio(ctx.storePaths.commitLog);
  t.set(`commitLogDiskRatio_${ctx.storePaths.commitLog}`, String(commitLogRatio));
  t.set('commitLogDiskRatio', String(commitLogRatio));
  t.set('consumeQueueDiskRatio', String(await diskUsedRatio(join(ctx.storePaths.root, 'consumequeue'))));
  try {
    const s = await statfs(ctx.storePaths.root);
    t.set('commitLogDirCapacity', `Total : ${humanReadableByteCount(s.blocks * s.bsize)}, Free : ${humanReadableByteCount(s.bavail * s.bsize)}.`);
  } catch {
    // Java leaves the key out when the directory does not exist.
  }
  // ScheduleMessageService.buildRunningStats: "delivered,max" per level it has an offset for.
  try {
    for (const [level, delivered] of await readDelayOffsets(ctx)) {
      t.set(`scheduleMessageOffset_${level}`, `${delivered},${store.getMaxOffsetInQueue(SCHEDULE_TOPIC, level - 1)}`);
    }
  } catch (err) {
    ctx.log.warn({ err: errorMessage(err) }, 'runtime info: delay offsets unreadable');
  }
  return t;
}

function item(s: StatsSnapshot): BrokerStatsItem {
  return { sum: s.sum, tps: s.tps, avgpt: s.avgpt };
}

export class BrokerInfoAdmin {
  constructor(
    private readonly ctx: AdminContext,
    private readonly lock: SerialLock,
  ) {}

  readonly getBrokerRuntimeInfo = async (request: RemotingCommand): Promise<RemotingCommand> =>
    success(request, encodeKVTable({ table: await brokerRuntimeInfo(this.ctx) }));

  /**
   * UPDATE_BROKER_CONFIG: the body is properties text. Keys in the black
   * list are refused (NO_PERMISSION); the rest are applied and the config
   * file rewritten. A new brokerPermission is registered with the
   * NameServers at once.
   */
  readonly updateBrokerConfig = (request: RemotingCommand, channel: Channel): Promise<RemotingCommand> =>
    this.lock.run(async () => {
      const ctx = this.ctx;
      ctx.log.info({ by: channel.remoteAddress }, 'updateBrokerConfig called');
      if (request.body === undefined) return success(request);
      const props = parseProperties(request.body.toString('utf8'));
      if (ctx.configuration.touchesBlackList(props)) return createResponse(request, ResponseCode.NO_PERMISSION, 'Can not update config in black list.');
      ctx.log.info({ config: Object.fromEntries(props), by: channel.remoteAddress }, 'updateBrokerConfig, new config');
      try {
        await ctx.configuration.update(props);
      } catch (err) {
        if (isRmqError(err) && err.code === ErrorCode.CONFIG) return createResponse(request, ResponseCode.SYSTEM_ERROR, err.message);
        return createResponse(request, ResponseCode.SYSTEM_ERROR, `the broker config was changed but not persisted: ${errorMessage(err)}`);
      }
      if (props.has('brokerPermission')) {
        nextVersion(ctx.topics.dataVersion);
        await ctx.registerBrokerAll(false, false, true).catch((err: unknown) => {
          ctx.log.warn({ err: errorMessage(err) }, 'registering the new brokerPermission with the NameServers failed');
        });
      }
      return success(request);
    });

  /** GET_BROKER_CONFIG: every key as properties text, and the configuration's DataVersion in the `version` header. */
  readonly getBrokerConfig = (request: RemotingCommand): RemotingCommand =>
    success(
      request,
      Buffer.from(this.ctx.configuration.allConfigsText(), 'utf8'),
      encodeGetBrokerConfigResponseHeader({ version: this.ctx.configuration.dataVersionJson() }),
    );

  /** VIEW_BROKER_STATS_DATA: one stats item's last minute, hour and day. */
  readonly viewBrokerStatsData = (request: RemotingCommand): RemotingCommand => {
    const h = decodeViewBrokerStatsDataRequestHeader(request.extFields);
    const it = this.ctx.stats.getStatsItem(h.statsName, h.statsKey);
    if (it === undefined) return createResponse(request, ResponseCode.SYSTEM_ERROR, `The stats <${h.statsName}> <${h.statsKey}> not exist`);
    return success(
      request,
      encodeBrokerStatsData({
        statsMinute: item(it.getStatsDataInMinute()),
        statsHour: item(it.getStatsDataInHour()),
        statsDay: item(it.getStatsDataInDay()),
      }),
    );
  };

  /** GET_ALL_DELAY_OFFSET: delayOffset.json's content (the delay service's progress per level). */
  readonly getAllDelayOffset = async (request: RemotingCommand): Promise<RemotingCommand> => {
    let offsets: ReadonlyMap<number, number>;
    try {
      offsets = await readDelayOffsets(this.ctx);
    } catch (err) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, `Get all delay offset from master error: ${errorMessage(err)}`);
    }
    return success(request, Buffer.from(stringifyDelayOffsetTable({ offsetTable: new Map(offsets) }), 'utf8'));
  };
}
