/**
 * Transaction headers.
 *
 *   37  END_TRANSACTION (oneway from the producer)
 *       producerGroup tranStateTableOffset commitLogOffset commitOrRollback
 *       fromTransactionCheck? msgId transactionId?
 *       commitOrRollback is a MessageSysFlag transaction type (0, 8 commit, 12 rollback).
 *   39  CHECK_TRANSACTION_STATE (broker->producer, oneway); body: the half message
 *       tranStateTableOffset commitLogOffset msgId? transactionId? offsetMsgId?
 *   323 RESUME_CHECK_HALF_MESSAGE msgId?
 */
import { defineHeader } from './spec.js';

export interface EndTransactionRequestHeader {
  producerGroup: string;
  tranStateTableOffset: number;
  commitLogOffset: number;
  commitOrRollback: number;
  fromTransactionCheck?: boolean;
  msgId: string;
  transactionId?: string;
  bname?: string;
}
const endTransaction = defineHeader<EndTransactionRequestHeader>('EndTransactionRequestHeader', {
  producerGroup: { type: 'string', presence: 'required' },
  tranStateTableOffset: { type: 'long', presence: 'required' },
  commitLogOffset: { type: 'long', presence: 'required' },
  commitOrRollback: { type: 'int', presence: 'required' },
  fromTransactionCheck: { type: 'boolean', presence: 'optional' },
  msgId: { type: 'string', presence: 'required' },
  transactionId: { type: 'string', presence: 'optional' },
  bname: { type: 'string', presence: 'optional' },
}, (h) => ([0, 8, 12].includes(h.commitOrRollback) ? undefined : ['commitOrRollback', 'commitOrRollback field wrong']));
export const decodeEndTransactionRequestHeader = endTransaction.decode;
export const encodeEndTransactionRequestHeader = endTransaction.encode;

export interface CheckTransactionStateRequestHeader {
  tranStateTableOffset: number;
  commitLogOffset: number;
  msgId?: string;
  transactionId?: string;
  offsetMsgId?: string;
  bname?: string;
}
const checkTransactionState = defineHeader<CheckTransactionStateRequestHeader>('CheckTransactionStateRequestHeader', {
  tranStateTableOffset: { type: 'long', presence: 'required' },
  commitLogOffset: { type: 'long', presence: 'required' },
  msgId: { type: 'string', presence: 'optional' },
  transactionId: { type: 'string', presence: 'optional' },
  offsetMsgId: { type: 'string', presence: 'optional' },
  bname: { type: 'string', presence: 'optional' },
});
export const decodeCheckTransactionStateRequestHeader = checkTransactionState.decode;
export const encodeCheckTransactionStateRequestHeader = checkTransactionState.encode;

export interface ResumeCheckHalfMessageRequestHeader {
  msgId?: string;
}
const resumeCheckHalfMessage = defineHeader<ResumeCheckHalfMessageRequestHeader>('ResumeCheckHalfMessageRequestHeader', {
  msgId: { type: 'string', presence: 'optional' },
});
export const decodeResumeCheckHalfMessageRequestHeader = resumeCheckHalfMessage.decode;
export const encodeResumeCheckHalfMessageRequestHeader = resumeCheckHalfMessage.encode;

export const transactionHeaderCodecs = {
  endTransaction,
  checkTransactionState,
  resumeCheckHalfMessage,
} as const;
