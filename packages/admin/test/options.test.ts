import { describe, expect, it } from 'vitest';
import { ErrorCode, MemoryLogger, RmqError } from '@rocketmq-ts/common';
import { AdminClient, defaultAdminOptions, mqVersionDesc, mqVersionOrdinal, parseAdminOptions, parseNameServerList } from '@rocketmq-ts/admin';

function configError(fn: () => unknown): RmqError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RmqError);
    expect((err as RmqError).code).toBe(ErrorCode.CONFIG);
    return err as RmqError;
  }
  throw new Error('expected a CONFIG error');
}

describe('admin options', () => {
  it('has DefaultMQAdminExt defaults and splits the NameServer list', () => {
    const o = parseAdminOptions({ nameServer: ' 127.0.0.1:9876 ; 127.0.0.1:9877;' });
    expect(o.nameServer).toEqual(['127.0.0.1:9876', '127.0.0.1:9877']);
    expect(o.timeoutMillis).toBe(5000);
    expect(o.clientIP).toBe('127.0.0.1');
    expect(defaultAdminOptions().timeoutMillis).toBe(5000);
  });

  it('names the bad, unknown or missing key', () => {
    expect(configError(() => parseAdminOptions({})).message).toContain('"nameServer" is required');
    expect(configError(() => parseAdminOptions({ nameServer: 'localhost' })).message).toContain('"localhost" is not host:port');
    expect(configError(() => parseAdminOptions({ nameServer: '127.0.0.1:9876', timeoutMillis: 0 })).message).toContain('"timeoutMillis"');
    expect(configError(() => parseAdminOptions({ nameServer: '127.0.0.1:9876', namesrvAddr: 'x' })).message).toContain('unknown admin option "namesrvAddr"');
    expect(configError(() => parseAdminOptions({ nameServer: '127.0.0.1:9876', logger: {} })).message).toContain('"logger"');
    expect(configError(() => parseNameServerList(' ; ')).message).toContain('at least one');
  });

  it('accepts a logger and an array of addresses', () => {
    const admin = new AdminClient({ nameServer: ['127.0.0.1:1', '[::1]:2'], logger: new MemoryLogger() });
    expect(admin.nameServerAddressList).toEqual(['127.0.0.1:1', '[::1]:2']);
    return admin.close();
  });
});

describe('MQVersion names', () => {
  it('maps ordinals to Java enum names as getVersionDesc does', () => {
    expect(mqVersionDesc(0)).toBe('V3_0_0_SNAPSHOT');
    expect(mqVersionDesc(15)).toBe('V3_0_0_FINAL');
    expect(mqVersionDesc(16)).toBe('V3_0_1_SNAPSHOT');
    // V3_3 through V3_9 start at patch 1.
    expect(mqVersionDesc(mqVersionOrdinal('V3_2_9')! + 1)).toBe('V3_3_1_SNAPSHOT');
    expect(mqVersionDesc(401)).toBe('V4_9_4');
    expect(mqVersionDesc(409)).toBe('V4_9_8');
    expect(mqVersionDesc(611)).toBe('V5_9_9');
    expect(mqVersionDesc(612)).toBe('HIGHER_VERSION');
    expect(mqVersionDesc(100_000)).toBe('HIGHER_VERSION');
    expect(mqVersionOrdinal('V4_9_4')).toBe(401);
    expect(mqVersionOrdinal('V9')).toBeUndefined();
  });
});
