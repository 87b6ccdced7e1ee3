/**
 * GET_ALL_DELAY_OFFSET (45): AdminBrokerProcessor.getAllDelayOffset. The
 * body is delayOffset.json's text (`{"offsetTable":{1:12,3:0}}`) for the
 * delay levels delivery has touched, current rather than as last written.
 */
import { type RemotingCommand, ResponseCode, createResponse } from '@rocketmq-ts/protocol';
import type { ScheduleMessageService } from '../schedule/schedule-message-service.js';

export function getAllDelayOffsetHandler(schedule: ScheduleMessageService): (request: RemotingCommand) => RemotingCommand {
  return (request) => {
    const content = schedule.encode();
    if (content.length === 0) return createResponse(request, ResponseCode.SYSTEM_ERROR, 'No delay offset in this broker');
    return createResponse(request, ResponseCode.SUCCESS, undefined, {}, Buffer.from(content, 'utf8'));
  };
}
