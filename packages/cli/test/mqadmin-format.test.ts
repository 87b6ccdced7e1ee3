/**
 * The pieces mqadmin's output goes through, against what Java prints:
 * String.format, fastjson's pretty JSON, commons-cli's help layout and
 * Java's toString/HashMap order.
 */
import { describe, expect, it } from 'vitest';
import type { OptionSpec, SubCommand } from '../src/mqadmin/command.js';
import { ParsedOptions } from '../src/mqadmin/command.js';
import { fastjsonPretty, topicRouteDataPretty } from '../src/mqadmin/fastjson.js';
import { commandHelp } from '../src/mqadmin/help.js';
import { javaHashSetOrder, javaLongMapToString, javaStringMapToString, topicConfigToString } from '../src/mqadmin/javastr.js';
import { formatFixed, frontStringAtLeast, javaFormat, parseJavaDate, parseTimestampOption, timeMillisToHumanString2 } from '../src/mqadmin/printf.js';

describe('javaFormat', () => {
  it('pads %s and %d left or right to the width, and prints null for a missing value', () => {
    expect(javaFormat('%-6s|%6s|%-4d|%4d|%04d|%s%n', 'ab', 'ab', 7, -7, 7, null)).toBe('ab    |    ab|7   |  -7|0007|null\n');
    expect(javaFormat('%d %d', 2 ** 53 + 2, 9223372036854775807n)).toBe('9007199254740994 9223372036854775807');
    expect(javaFormat('%.3s|%%|%x', 'abcdef', 255)).toBe('abc|%|ff');
  });

  it('rounds %f half up on the shortest decimal, as java.util.Formatter', () => {
    expect(formatFixed(1.005, 2)).toBe('1.01');
    expect(formatFixed(0.125, 2)).toBe('0.13');
    expect(formatFixed(2.5, 0)).toBe('3');
    expect(formatFixed(9.995, 2)).toBe('10.00');
    expect(formatFixed(0, 4)).toBe('0.0000');
    expect(formatFixed(-0.001, 2)).toBe('0.00');
    expect(formatFixed(-1.5, 1)).toBe('-1.5');
    expect(formatFixed(1e-7, 8)).toBe('0.00000010');
    expect(formatFixed(1.5e21, 1)).toBe('1500000000000000000000.0');
    expect(javaFormat('%9.2f(%s,%sms)', 12.345, '0', '1')).toBe('    12.35(0,1ms)');
    expect(javaFormat('%2.2f', 123.456)).toBe('123.46');
  });

  it('formats and parses times as UtilAll does, in local time', () => {
    const t = new Date(2024, 0, 2, 3, 4, 5, 6).getTime();
    expect(timeMillisToHumanString2(t)).toBe('2024-01-02 03:04:05,006');
    expect(parseJavaDate('2024-01-02#03:04:05:006')).toBe(t);
    expect(parseTimestampOption('2024-01-02#03:04:05:006')).toBe(t);
    expect(parseTimestampOption('1700000000000')).toBe(1700000000000);
    expect(parseTimestampOption('yesterday')).toBeUndefined();
    expect(frontStringAtLeast('abcdef', 4)).toBe('abcd');
    expect(frontStringAtLeast('ab', 4)).toBe('ab');
  });
});

describe('fastjson pretty JSON', () => {
  it('writes a topic route as TopicRouteData.toJson(true)', () => {
    const text = topicRouteDataPretty({
      orderTopicConf: 'b:4',
      brokerDatas: [{ cluster: 'c', brokerName: 'b', brokerAddrs: new Map([[1, '127.0.0.1:2'], [0, '127.0.0.1:1']]) }],
      queueDatas: [{ brokerName: 'b', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
      filterServerTable: new Map([['127.0.0.1:1', ['127.0.0.1:3']]]),
    });
    expect(text).toBe(
      [
        '{',
        '\t"brokerDatas":[',
        '\t\t{',
        '\t\t\t"brokerAddrs":{0:"127.0.0.1:1",1:"127.0.0.1:2"',
        '\t\t\t},',
        '\t\t\t"brokerName":"b",',
        '\t\t\t"cluster":"c"',
        '\t\t}',
        '\t],',
        '\t"filterServerTable":{',
        '\t\t"127.0.0.1:1":[',
        '\t\t\t"127.0.0.1:3"',
        '\t\t]',
        '\t},',
        '\t"orderTopicConf":"b:4",',
        '\t"queueDatas":[',
        '\t\t{',
        '\t\t\t"brokerName":"b",',
        '\t\t\t"perm":6,',
        '\t\t\t"readQueueNums":4,',
        '\t\t\t"topicSysFlag":0,',
        '\t\t\t"writeQueueNums":4',
        '\t\t}',
        '\t]',
        '}',
      ].join('\n'),
    );
  });

  it('writes empty lists and maps inline and escapes strings', () => {
    expect(fastjsonPretty({ kind: 'bean', fields: [['a', []], ['b', { kind: 'map', entries: [] }], ['c', 'x"\n\u0001']] })).toBe(
      '{\n\t"a":[],\n\t"b":{},\n\t"c":"x\\"\\n\\u0001"\n}',
    );
  });
});

describe('help layout', () => {
  const cmd: SubCommand = {
    name: 'demo',
    desc: 'Demo',
    options: [],
    group: { options: ['b', 'c'], required: false },
    run: () => Promise.resolve(),
  };
  const options: OptionSpec[] = [
    { short: 't', long: 'topic', arg: true, required: true, desc: 'topic name' },
    { short: 'b', long: 'brokerAddr', arg: true, desc: 'broker' },
    { short: 'c', long: 'clusterName', arg: true, desc: 'cluster' },
    { short: 'l', long: 'list', arg: false, desc: 'a description long enough to wrap '.repeat(4).trim() },
    { short: 'p', long: 'print log', arg: true, desc: 'print' },
  ];

  it('sorts options, brackets optional ones and an optional group, and wraps at 110 columns', () => {
    expect(commandHelp(cmd, options)).toBe(
      [
        'usage: mqadmin demo [-b <arg> | -c <arg>]  [-l] [-p <arg>] -t <arg>',
        ' -b,--brokerAddr <arg>    broker',
        ' -c,--clusterName <arg>   cluster',
        ' -l,--list                a description long enough to wrap a description long enough to wrap a description',
        '                          long enough to wrap a description long enough to wrap',
        ' -p,--print log <arg>     print',
        ' -t,--topic <arg>         topic name',
        '',
      ].join('\n'),
    );
  });
});

describe('Java toString forms', () => {
  it('iterates string keys in HashMap order', () => {
    expect(javaHashSetOrder(['b', 'a', 'c'])).toEqual(['a', 'b', 'c']);
    expect(javaHashSetOrder(['KEYS', 'UNIQ_KEY', 'TAGS'])).toEqual(['KEYS', 'UNIQ_KEY', 'TAGS']);
    expect(javaStringMapToString([['TAGS', 'a'], ['KEYS', 'k']])).toBe('{KEYS=k, TAGS=a}');
    expect(javaLongMapToString(new Map([[1, 'x'], [0, 'y']]))).toBe('{0=y, 1=x}');
    expect(topicConfigToString({ topicName: 'T', readQueueNums: 8, writeQueueNums: 8, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false })).toBe(
      'TopicConfig [topicName=T, readQueueNums=8, writeQueueNums=8, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false]',
    );
  });

  it('reads option values as Java does: trimmed, Boolean.parseBoolean, integers checked', () => {
    const o = new ParsedOptions(new Map<string, string | true>([['v', ' x '], ['b', 'TRUE'], ['f', 'yes'], ['n', '12'], ['m', '1x'], ['l', true]]));
    expect(o.value('v')).toBe('x');
    expect(o.bool('b', false)).toBe(true);
    expect(o.bool('f', true)).toBe(false);
    expect(o.bool('missing', true)).toBe(true);
    expect(o.int('n', 0)).toBe(12);
    expect(() => o.int('m', 0)).toThrow('option -m needs an integer');
    expect(o.has('l')).toBe(true);
    expect(o.value('l')).toBeUndefined();
  });
});
