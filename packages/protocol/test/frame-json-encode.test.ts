import { describe, expect, it } from 'vitest';
import { LanguageCode, type RemotingCommand, SerializeType, createRequest, createResponse } from '@rocketmq-ts/protocol';
import { jsonHeaderText, jsonHeaderTextSlow } from '../src/frame.js';

function cmd(over: Partial<Record<keyof RemotingCommand, unknown>>): RemotingCommand {
  return { ...createRequest(310, {}), ...over } as RemotingCommand;
}

describe('JSON header encoding (concatenated text)', () => {
  it('writes exactly what JSON.stringify of the header object writes', () => {
    const ext = {
      a: 'PG', b: 'Topic', d: '4', g: '1795288043157',
      i: 'UNIQ_KEY\u00017F00000100002A9F\u0002WAIT\u0001true\u0002TAGS\u0001TagA',
      quote: 'say "hi" \\ back', ctl: '\n\r\t\b\f\u0000\u001f', uni: 'ü中文😀', lone: '\ud800x', 10: 'numeric key first',
    };
    const cases: RemotingCommand[] = [
      createRequest(310, ext, Buffer.alloc(3)),
      createRequest(10, {}),
      createResponse({ opaque: 7, serializeType: SerializeType.JSON }, 0, undefined, { msgId: 'AB', queueId: '3', queueOffset: '12' }),
      createResponse({ opaque: -5, serializeType: SerializeType.JSON }, 1, ''),
      createResponse({ opaque: 2147483647, serializeType: SerializeType.JSON }, 17, 'remark "quoted"\n ü 😀 \ud800'),
      createRequest(11, { k: '' }, undefined, { language: LanguageCode.GO, version: 0 }),
      createRequest(11, {}, undefined, { language: 999 }),
      cmd({ code: -0, flag: 3, version: 1e21 }),
      cmd({ code: Number.NaN }),
      cmd({ code: Infinity }),
      cmd({ opaque: '12' }),
      cmd({ remark: null }),
      cmd({ remark: 12 }),
      cmd({ extFields: { n: 1, b: true, u: undefined, nul: null, o: { x: 1 } } }),
      cmd({ extFields: Object.assign(Object.create({ inherited: 'x' }) as object, { own: 'y' }) }),
      cmd({ extFields: Object.create({ inheritedOnly: 'x' }) }),
      cmd({ extFields: Object.assign(Object.create(null) as object, { z: 'z', a: 'a' }) }),
      cmd({ extFields: { toJSON: () => undefined } }),
      cmd({ extFields: { toJSON: () => ({ replaced: 'yes' }) } }),
    ];
    for (const c of cases) expect(jsonHeaderText(c)).toBe(jsonHeaderTextSlow(c));
  });
});
