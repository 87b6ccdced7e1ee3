/**
 * The master's side of SlaveSynchronize: GET_ALL_TOPIC_CONFIG (21),
 * GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201) and GET_ALL_DELAY_OFFSET (45), with
 * the bodies of Java's AdminBrokerProcessor (TopicConfigManager.encode(),
 * SubscriptionGroupManager.encode(), ScheduleMessageService.encode()).
 * GET_ALL_CONSUMER_OFFSET is already served by the admin processor.
 *
 * A minimal stand-in until the broker admin codes land: the broker only
 * registers these when no other processor serves the code.
 */
import {
  type RemotingCommand,
  ResponseCode,
  createResponse,
  encodeSubscriptionGroupWrapper,
  encodeTopicConfigSerializeWrapper,
} from '@rocketmq-ts/protocol';
import { type BrokerConfigFiles, parseDelayOffsetTable, stringifyDelayOffsetTable } from '@rocketmq-ts/store';
import type { BrokerContext } from '../context.js';

export class MasterSyncProcessor {
  constructor(
    private readonly ctx: BrokerContext,
    private readonly files: BrokerConfigFiles,
  ) {}

  readonly getAllTopicConfig = (request: RemotingCommand): RemotingCommand =>
    createResponse(request, ResponseCode.SUCCESS, undefined, {}, encodeTopicConfigSerializeWrapper(this.ctx.topics.buildTopicConfigSerializeWrapper()));

  readonly getAllSubscriptionGroup = (request: RemotingCommand): RemotingCommand => {
    const g = this.ctx.groups;
    const body = encodeSubscriptionGroupWrapper({
      subscriptionGroupTable: new Map([...g.table].map(([k, v]) => [k, { ...v }])),
      dataVersion: { timestamp: g.dataVersion.timestamp, counter: g.dataVersion.counter },
    });
    return createResponse(request, ResponseCode.SUCCESS, undefined, {}, body);
  };

  /** The delay offsets as delayOffset.json holds them; Java's empty table when there is none yet. */
  readonly getAllDelayOffset = async (request: RemotingCommand): Promise<RemotingCommand> => {
    const stored = await this.files.delayOffsets.load(parseDelayOffsetTable);
    const text = stringifyDelayOffsetTable(stored?.value ?? { offsetTable: new Map() });
    return createResponse(request, ResponseCode.SUCCESS, undefined, {}, Buffer.from(text, 'utf8'));
  };
}
