/**
 * Errors the admin client raises: RmqError with a stable code and, when a
 * broker or NameServer answered, its response code and remark. Messages say
 * what was asked of whom, so mqadmin can print them as they are.
 */
import { ErrorCode, RmqError, errorMessage, isRmqError } from '@rocketmq-ts/common';
import { ResponseCode, responseCodeName } from '@rocketmq-ts/protocol';

/** A non-success answer to `what` from `addr`. */
export function responseError(code: number, remark: string | undefined, addr: string, what: string): RmqError {
  const name = responseCodeName(code);
  const hint = code === ResponseCode.REQUEST_CODE_NOT_SUPPORTED ? ' (the server does not implement this request)' : '';
  return new RmqError(ErrorCode.RESPONSE, `${what} to ${addr} failed: ${name} (${code})${remark ? `: ${remark}` : ''}${hint}`, {
    responseCode: code,
    ...(remark === undefined ? {} : { remark }),
  });
}

/** A failure the admin client found itself, with Java's response code (CONSUMER_NOT_ONLINE, NO_MESSAGE, ...). */
export function adminError(code: ErrorCode, message: string, responseCode?: number): RmqError {
  return new RmqError(code, message, responseCode === undefined ? {} : { responseCode });
}

/** The topic has no route: it does not exist, or no live broker serves it. */
export function topicNotExistError(topic: string, remark: string | undefined): RmqError {
  return new RmqError(ErrorCode.NO_ROUTE, `topic ${topic} does not exist: the NameServer has no route for it`, {
    responseCode: ResponseCode.TOPIC_NOT_EXIST,
    ...(remark === undefined ? {} : { remark }),
  });
}

/** Adds the peer to a connection or timeout error from the remoting layer. */
export function transportError(err: unknown, peer: string, what: string): RmqError {
  if (isRmqError(err) && (err.code === ErrorCode.CONNECTION || err.code === ErrorCode.TIMEOUT)) {
    const verb = err.code === ErrorCode.CONNECTION ? 'cannot reach' : 'no answer from';
    return new RmqError(err.code, `${what}: ${verb} ${peer}: ${err.message}`, { retriable: err.retriable, cause: err });
  }
  if (isRmqError(err)) return err;
  return new RmqError(ErrorCode.RESPONSE, `${what} to ${peer} failed: ${errorMessage(err)}`, { cause: err });
}

export function isResponseCode(err: unknown, code: number): boolean {
  return isRmqError(err) && err.responseCode === code;
}
