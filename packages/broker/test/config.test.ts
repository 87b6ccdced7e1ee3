import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getProperties } from 'properties-file';
import { parseBrokerConfig } from '@rocketmq-ts/broker';

const seeds = fileURLToPath(new URL('./fixtures/seeds/', import.meta.url));

function loadSeed(rel: string): Record<string, string> {
  return getProperties(readFileSync(join(seeds, rel), 'utf8'));
}

describe('broker configuration', () => {
  it('reads every seed configuration without unknown keys', () => {
    for (const dir of ['2m-2s-sync', 'iotcls']) {
      for (const file of readdirSync(join(seeds, dir))) {
        const { warnings } = parseBrokerConfig([loadSeed(`${dir}/${file}`)]);
        expect(warnings.filter((w) => w.startsWith('unknown')), `${dir}/${file}`).toEqual([]);
      }
    }
  });

  it('honours the legacy mapedFileSize spellings and says they are legacy', () => {
    const { config, warnings } = parseBrokerConfig([loadSeed('2m-2s-sync/broker-a.properties')]);
    expect(config.mappedFileSizeCommitLog).toBe(1073741824);
    expect(config.mappedFileSizeConsumeQueue).toBe(300000);
    expect(config.brokerRole).toBe('SYNC_MASTER');
    expect(config.flushDiskType).toBe('SYNC_FLUSH');
    expect(config.maxMessageSize).toBe(65536);
    expect(config.storePathConsumeQueue).toBe('./store/consumequeue');
    expect(warnings.some((w) => w.includes('mapedFileSizeCommitLog is the legacy name'))).toBe(true);
  });

  it('reads a slave seed', () => {
    const { config } = parseBrokerConfig([loadSeed('2m-2s-sync/broker-b-s.properties')]);
    expect(config).toMatchObject({ brokerName: 'broker-b', brokerId: 1, brokerRole: 'SLAVE', listenPort: 11011 });
  });

  it('stops on an invalid value, naming the key and what it accepts', () => {
    expect(() => parseBrokerConfig([{ flushDiskType: 'SOMETIMES' }])).toThrow(/flushDiskType.*ASYNC_FLUSH, SYNC_FLUSH/);
    expect(() => parseBrokerConfig([{ brokerRole: 'SLAVE', brokerId: '0' }])).toThrow(/brokerId/);
    expect(() => parseBrokerConfig([{ deleteWhen: '25' }])).toThrow(/deleteWhen/);
  });

  it('warns about unknown keys by name and accepts Java-only keys quietly', () => {
    const { warnings } = parseBrokerConfig([{ brokerClusterNmae: 'x', sendMessageThreadPoolNums: '4' }]);
    expect(warnings).toContain('unknown configuration key brokerClusterNmae (ignored)');
    expect(warnings.some((w) => w.startsWith('sendMessageThreadPoolNums is accepted for compatibility'))).toBe(true);
  });
});
