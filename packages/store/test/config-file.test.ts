import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerConfigFiles, ConfigFile, parseConsumerOffsetTable, parseDelayOffsetTable, parseSubscriptionGroupTable, parseTopicConfigTable } from '../src/index.js';
import { FaultFs, makeTmpDir } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
async function tmp(): Promise<string> {
  const t = await makeTmpDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('ConfigFile', () => {
  it('writes atomically and keeps the previous version as .bak (MixAll.string2File)', async () => {
    const dir = await tmp();
    const fs = new FaultFs();
    const f = new ConfigFile(join(dir, 'config', 'x.json'), fs);
    await f.write('{"v":1}');
    await f.write('{"v":2}');
    expect((await readFile(join(dir, 'config', 'x.json'))).toString()).toBe('{"v":2}');
    expect((await readFile(join(dir, 'config', 'x.json.bak'))).toString()).toBe('{"v":1}');
    expect(await readdir(join(dir, 'config'))).not.toContain('x.json.tmp');
    expect(await f.load((t) => JSON.parse(t) as unknown)).toEqual({ value: { v: 2 }, source: 'file' });
  });

  it('falls back to .bak when the file is corrupt, empty or missing', async () => {
    const dir = await tmp();
    const f = new ConfigFile(join(dir, 'c.json'));
    expect(await f.load((t) => t)).toBeUndefined();
    await f.write('{"v":1}');
    await f.write('{"v":2}');
    await writeFile(join(dir, 'c.json'), '{"v": 2, broken');
    expect(await f.load((t) => JSON.parse(t) as unknown)).toEqual({ value: { v: 1 }, source: 'bak' });
    await writeFile(join(dir, 'c.json'), '');
    expect((await f.load((t) => JSON.parse(t) as unknown))?.source).toBe('bak');
    await writeFile(join(dir, 'c.json.bak'), 'also broken');
    await writeFile(join(dir, 'c.json'), 'broken');
    await expect(f.load((t) => JSON.parse(t) as unknown)).rejects.toThrow(/neither the file nor its .bak parses/);
  });
});

describe('broker config files in the Java shapes', () => {
  it('reads consumerOffset.json with unquoted numeric keys as fastjson writes it, and writes it the same way', async () => {
    const java = '{"offsetTable":{"TopicTest@please_rename_unique_group_name_4":{0:250,1:248,2:251,3:249},"%RETRY%g@g":{0:0}}}';
    const t = parseConsumerOffsetTable(java);
    expect(t.offsetTable.get('TopicTest@please_rename_unique_group_name_4')).toEqual(new Map([[0, 250], [1, 248], [2, 251], [3, 249]]));
    expect(parseConsumerOffsetTable('{"offsetTable":{"a@b":{"0":5}}}').offsetTable.get('a@b')).toEqual(new Map([[0, 5]]));
    const dir = await tmp();
    const files = new BrokerConfigFiles(dir);
    await files.saveConsumerOffsets(t);
    expect((await readFile(join(dir, 'config', 'consumerOffset.json'))).toString()).toBe(java);
    expect(await files.loadConsumerOffsets()).toEqual(t);
  });

  it('reads and writes topics.json, subscriptionGroup.json and delayOffset.json', async () => {
    const topics = parseTopicConfigTable(
      '{"dataVersion":{"counter":3,"timestamp":1700000000000},"topicConfigTable":{"TopicTest":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}}}',
    );
    expect(topics.topicConfigTable['TopicTest']).toEqual({ topicName: 'TopicTest', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
    expect(topics.dataVersion).toEqual({ counter: 3, timestamp: 1700000000000 });
    const groups = parseSubscriptionGroupTable('{"subscriptionGroupTable":{"g1":{"groupName":"g1","retryMaxTimes":5}},"dataVersion":{"counter":1,"timestamp":1}}');
    expect(groups.subscriptionGroupTable['g1']).toMatchObject({ groupName: 'g1', retryMaxTimes: 5, consumeEnable: true, retryQueueNums: 1, brokerId: 0, whichBrokerWhenConsumeSlowly: 1 });
    const delay = parseDelayOffsetTable('{"offsetTable":{1:10,2:0,18:3}}');
    expect(delay.offsetTable).toEqual(new Map([[1, 10], [2, 0], [18, 3]]));
    const dir = await tmp();
    const files = new BrokerConfigFiles(dir);
    await files.saveTopics(topics);
    await files.saveSubscriptionGroups(groups);
    await files.saveDelayOffsets(delay);
    expect((await readFile(join(dir, 'config', 'topics.json'))).toString()).toBe(
      '{"dataVersion":{"counter":3,"timestamp":1700000000000},"topicConfigTable":{"TopicTest":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}}}',
    );
    expect((await readFile(join(dir, 'config', 'delayOffset.json'))).toString()).toBe('{"offsetTable":{1:10,2:0,18:3}}');
    expect(await files.loadTopics()).toEqual(topics);
    expect(await files.loadSubscriptionGroups()).toEqual(groups);
    expect(await files.loadDelayOffsets()).toEqual(delay);
    expect(() => parseTopicConfigTable('{"topicConfigTable":{"T":{"perm":"rw"}}}')).toThrow(/perm is not a number/);
    expect(() => parseConsumerOffsetTable('{"offsetTable":{"a@b":{"x":1}}}')).toThrow(/key "x" is not a number/);
  });
});
