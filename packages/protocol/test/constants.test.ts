import { describe, expect, it } from 'vitest';
import {
  MessageConst,
  MessageSysFlag,
  PermName,
  PullSysFlag,
  RequestCode,
  ResponseCode,
  SystemTopic,
  TopicSysFlag,
  buildPullSysFlag,
  checkNotSystemTopic,
  checkSendAllowed,
  isSystemTopic,
  javaHashMapOrder,
  javaStringHashCode,
  perm2String,
  requestCodeName,
  responseCodeName,
  tagsString2hashCode,
  validateGroup,
  validateTopic,
} from '@rocketmq-ts/protocol';

describe('codes', () => {
  it('numbers the 4.9 and 5.x codes as Java does', () => {
    expect(RequestCode.SEND_MESSAGE_V2).toBe(310);
    expect(RequestCode.LITE_PULL_MESSAGE).toBe(361);
    expect(RequestCode.GET_TOPIC_CONFIG).toBe(351);
    expect(RequestCode.QUERY_ASSIGNMENT).toBe(400);
    expect(RequestCode.SET_MESSAGE_REQUEST_MODE).toBe(401);
    expect(RequestCode.POP_MESSAGE).toBe(200050);
    expect(RequestCode.ACK_MESSAGE).toBe(200051);
    expect(RequestCode.CHANGE_MESSAGE_INVISIBLETIME).toBe(200053);
    expect(RequestCode.REGISTER_TOPIC_IN_NAMESRV).toBe(217);
  });

  it('names a response code reused by 5.x after its 4.9 meaning', () => {
    expect(responseCodeName(209)).toBe('UPDATE_AND_CREATE_ACL_CONFIG_FAILED');
    expect(ResponseCode.POLLING_FULL).toBe(209);
    expect(requestCodeName(200050)).toBe('POP_MESSAGE');
    expect(requestCodeName(99999)).toBe('99999');
  });
});

describe('flags', () => {
  it('has the Java bit values', () => {
    expect(PermName).toEqual({ PERM_PRIORITY: 8, PERM_READ: 4, PERM_WRITE: 2, PERM_INHERIT: 1 });
    expect(perm2String(6)).toBe('RW-');
    expect(perm2String(7)).toBe('RWX');
    expect(MessageSysFlag.TRANSACTION_PREPARED_TYPE).toBe(4);
    expect(MessageSysFlag.TRANSACTION_COMMIT_TYPE).toBe(8);
    expect(MessageSysFlag.TRANSACTION_ROLLBACK_TYPE).toBe(12);
    expect(MessageSysFlag.BORNHOST_V6_FLAG).toBe(0x10);
    expect(MessageSysFlag.STOREHOSTADDRESS_V6_FLAG).toBe(0x20);
    expect(MessageSysFlag.INNER_BATCH_FLAG).toBe(0x80);
    expect(PullSysFlag.FLAG_LITE_PULL_MESSAGE).toBe(0x10);
    expect(buildPullSysFlag(false, true, true, false)).toBe(6);
    expect(TopicSysFlag.FLAG_UNIT_SUB).toBe(2);
  });

  it('spells the property keys exactly', () => {
    expect(MessageConst.PROPERTY_MESSAGE_TYPE).toBe('MSG_TYPE');
    expect(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX).toBe('UNIQ_KEY');
    expect(MessageConst.PROPERTY_TRANSACTION_ID).toBe('__transactionId__');
    expect(MessageConst.PROPERTY_TIMER_DELIVER_MS).toBe('TIMER_DELIVER_MS');
    expect(MessageConst.PROPERTY_CONSUME_START_TIMESTAMP).toBe('CONSUME_START_TIME');
  });
});

describe('Java hashing', () => {
  it('computes String.hashCode as a signed int', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('TagA')).toBe(2598919);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('Aa')).toBe(javaStringHashCode('BB'));
    // Values printed by OpenJDK 17 for the same strings.
    expect(javaStringHashCode('hello world, this overflows')).toBe(161437415);
    expect(javaStringHashCode('consumerGroup')).toBe(-308835287);
    expect(tagsString2hashCode(undefined)).toBe(0);
    expect(tagsString2hashCode('TagA')).toBe(2598919);
  });

  it('orders keys as a Java HashMap iterates them', () => {
    // Expected orders printed by OpenJDK 17's HashMap.keySet() for the same insertions.
    const cases: Array<[string, string]> = [
      ['consumerGroup,topic,queueId', 'queueId,topic,consumerGroup'],
      ['a,b,c,d,e,f,g,h,i,j,k,l,m,n', 'a,b,c,d,e,f,g,h,i,j,k,l,m,n'],
      [
        'producerGroup,topic,defaultTopic,defaultTopicQueueNums,queueId,sysFlag,bornTimestamp,flag,properties,reconsumeTimes,unitMode,batch,maxReconsumeTimes,bname',
        'queueId,flag,sysFlag,reconsumeTimes,batch,unitMode,defaultTopic,defaultTopicQueueNums,producerGroup,maxReconsumeTimes,bname,topic,bornTimestamp,properties',
      ],
      ['msgId,queueId,queueOffset,transactionId', 'queueId,msgId,queueOffset,transactionId'],
      ['brokerName,brokerAddr,clusterName,haServerAddr,brokerId,compressed,bodyCrc32', 'brokerId,bodyCrc32,clusterName,brokerAddr,haServerAddr,compressed,brokerName'],
      ['suggestWhichBrokerId,nextBeginOffset,minOffset,maxOffset', 'suggestWhichBrokerId,nextBeginOffset,maxOffset,minOffset'],
      [
        'consumerGroup,topic,queueId,queueOffset,maxMsgNums,sysFlag,commitOffset,suspendTimeoutMillis,subscription,subVersion,expressionType,bname',
        'queueId,maxMsgNums,sysFlag,suspendTimeoutMillis,commitOffset,bname,topic,queueOffset,expressionType,subscription,subVersion,consumerGroup',
      ],
    ];
    for (const [inserted, iterated] of cases) expect(javaHashMapOrder(inserted.split(',')).join(',')).toBe(iterated);
  });
});

describe('topic and group validation', () => {
  it('gives the broker remark for each rule, in the Java order', () => {
    expect(validateTopic('TopicTest')).toBeUndefined();
    expect(validateTopic('%RETRY%g|x-y_z')).toBeUndefined();
    expect(validateTopic(undefined)).toEqual({ code: ResponseCode.SYSTEM_ERROR, remark: 'The specified topic is blank.' });
    expect(validateTopic('  ')?.remark).toBe('The specified topic is blank.');
    expect(validateTopic('a b')?.remark).toBe('The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$');
    expect(validateTopic('x'.repeat(127))).toBeUndefined();
    expect(validateTopic('x'.repeat(128))?.remark).toBe('The specified topic is longer than topic max length.');
    expect(validateTopic('ü'.repeat(200))?.remark).toContain('illegal characters');
  });

  it('knows system and send-forbidden topics', () => {
    expect(isSystemTopic(SystemTopic.AUTO_CREATE_TOPIC_KEY_TOPIC)).toBe(true);
    expect(isSystemTopic('rmq_sys_anything')).toBe(true);
    expect(isSystemTopic('TopicTest')).toBe(false);
    expect(checkNotSystemTopic('TBW102')).toEqual({ code: 1, remark: 'The topic[TBW102] is conflict with system topic.' });
    expect(checkSendAllowed('SCHEDULE_TOPIC_XXXX')).toEqual({ code: 16, remark: 'Sending message to topic[SCHEDULE_TOPIC_XXXX] is forbidden.' });
    expect(checkSendAllowed('TBW102')).toBeUndefined();
  });

  it('checks groups as the Java client does', () => {
    expect(validateGroup('CID_x')).toBeUndefined();
    expect(validateGroup('')).toBe('the specified group is blank');
    expect(validateGroup('g'.repeat(256))).toBe('the specified group is longer than group max length 255.');
    expect(validateGroup('a/b')).toBe('the specified group[a/b] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$');
  });
});
