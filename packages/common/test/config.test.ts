import { describe, expect, it } from 'vitest';
import { type ConfigSchema, RmqError, formatConfig, parseConfig } from '@rocketmq-ts/common';

const schema = {
  listenPort: { type: 'int', default: 10911, min: 1, max: 65535 },
  mappedFileSizeCommitLog: { type: 'int', default: 1073741824, min: 4096 },
  autoCreateTopicEnable: { type: 'boolean', default: true },
  brokerRole: { type: 'enum', values: ['ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE'], default: 'ASYNC_MASTER' },
  brokerName: { type: 'string', default: 'broker-a' },
} as const satisfies ConfigSchema;

describe('parseConfig', () => {
  it('applies layers in order, trims values and types them', () => {
    const { config, explicit } = parseConfig(schema, [{ listenPort: '10911 ', brokerRole: 'SLAVE' }, { listenPort: '11011' }]);
    expect(config.listenPort).toBe(11011);
    expect(config.brokerRole).toBe('SLAVE');
    expect(config.autoCreateTopicEnable).toBe(true);
    expect([...explicit].sort()).toEqual(['brokerRole', 'listenPort']);
  });

  it('honours legacy aliases and says so', () => {
    const { config, warnings } = parseConfig(schema, [{ mapedFileSizeCommitLog: '65536' }], {
      aliases: { mapedFileSizeCommitLog: 'mappedFileSizeCommitLog' },
    });
    expect(config.mappedFileSizeCommitLog).toBe(65536);
    expect(warnings.join('\n')).toMatch(/mapedFileSizeCommitLog is the legacy name of mappedFileSizeCommitLog/);
  });

  it('warns about unknown keys by name', () => {
    const { warnings } = parseConfig(schema, [{ brokerNmae: 'x' }]);
    expect(warnings).toEqual(['unknown configuration key brokerNmae (ignored)']);
  });

  it('rejects a bad value naming the key and the accepted values', () => {
    expect(() => parseConfig(schema, [{ brokerRole: 'MASTER' }])).toThrow(
      /invalid value for brokerRole: "MASTER"; accepted: ASYNC_MASTER, SYNC_MASTER, SLAVE/,
    );
    expect(() => parseConfig(schema, [{ listenPort: '70000' }])).toThrow(RmqError);
    expect(() => parseConfig(schema, [{ autoCreateTopicEnable: 'yes' }])).toThrow(/accepted: true, false/);
  });

  it('formats the effective configuration', () => {
    const { config } = parseConfig(schema, []);
    expect(formatConfig(schema, config).split('\n')[0]).toBe('listenPort=10911');
  });
});
