/**
 * Errors the client raises. Everything is an RmqError (common): a stable
 * `code`, a `retriable` flag, and the broker's response code and remark when
 * a broker or NameServer answered with an error. Retry decisions read only
 * `retriable`; which broker answers are worth retrying lives in one table.
 */
import { ErrorCode, RmqError } from '@rocketmq-ts/common';
import { ResponseCode, responseCodeName } from '@rocketmq-ts/protocol';

/**
 * Broker and NameServer response codes whose failure may go away when the
 * same request is retried, possibly on another broker. Java's producer retries
 * exactly TOPIC_NOT_EXIST, SERVICE_NOT_AVAILABLE, SYSTEM_ERROR, NO_PERMISSION,
 * NO_BUYER_ID and NOT_IN_CURRENT_UNIT (DefaultMQProducer.retryResponseCodes).
 * We add SYSTEM_BUSY and FLOW_CONTROL: both say "this broker is overloaded
 * right now", which is what retrying elsewhere is for.
 */
const RETRIABLE_RESPONSE_CODES: ReadonlySet<number> = new Set<number>([
  ResponseCode.SYSTEM_ERROR,
  ResponseCode.SYSTEM_BUSY,
  ResponseCode.SERVICE_NOT_AVAILABLE,
  ResponseCode.NO_PERMISSION,
  ResponseCode.TOPIC_NOT_EXIST,
  ResponseCode.NO_BUYER_ID,
  ResponseCode.NOT_IN_CURRENT_UNIT,
  ResponseCode.FLOW_CONTROL,
]);

/** Whether a broker error with this response code is worth retrying. */
export function isRetriableResponseCode(code: number): boolean {
  return RETRIABLE_RESPONSE_CODES.has(code);
}

/** The error for a non-success answer from `addr`. */
export function responseError(code: number, remark: string | undefined, addr: string, what: string): RmqError {
  const name = responseCodeName(code);
  return new RmqError(ErrorCode.RESPONSE, `${what} to ${addr} failed: ${name} (${code})${remark ? `: ${remark}` : ''}`, {
    retriable: isRetriableResponseCode(code),
    responseCode: code,
    ...(remark === undefined ? {} : { remark }),
  });
}

export function stateError(message: string): RmqError {
  return new RmqError(ErrorCode.STATE, message);
}

export function argumentError(message: string): RmqError {
  return new RmqError(ErrorCode.ARGUMENT, message, { responseCode: ResponseCode.MESSAGE_ILLEGAL });
}

export function configError(message: string): RmqError {
  return new RmqError(ErrorCode.CONFIG, message);
}

/** No route for a topic, or a broker name that is not in any route: retriable, routes change. */
export function noRouteError(message: string): RmqError {
  return new RmqError(ErrorCode.NO_ROUTE, message, { retriable: true });
}

/** Wraps anything thrown into an RmqError, keeping RmqErrors as they are. */
export function toRmqError(err: unknown, fallbackCode: string = ErrorCode.RESPONSE): RmqError {
  if (err instanceof RmqError) return err;
  return new RmqError(fallbackCode, err instanceof Error ? err.message : String(err), { cause: err });
}
