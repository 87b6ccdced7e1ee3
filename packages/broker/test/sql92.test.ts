import { describe, expect, it } from 'vitest';
import { Sql92SyntaxError, compileSql92 } from '../src/filter/sql92.js';
import { javaStringHashCode as javaStringHash } from '@rocketmq-ts/protocol';
import { parseTagExpression, tagHashMatches, tagMatches } from '../src/filter/tags.js';

function props(p: Record<string, string>): (name: string) => string | undefined {
  return (name) => p[name];
}

describe('SQL92 selector', () => {
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['a > 5', { a: '10' }, true],
    ['a > 5', { a: '3' }, false],
    ['a > 5', {}, false],
    ['a > 5', { a: 'x' }, false],
    ['a >= 5.5', { a: '5.5' }, true],
    ['a = 5', { a: '5' }, true],
    ['a = 5', { a: '5.0' }, false], // Long.valueOf("5.0") fails: no match
    ['a = 5.0', { a: '5' }, true],
    ["a = 'abc'", { a: 'abc' }, true],
    ["a <> 'abc'", { a: 'abd' }, true],
    ["a <> 'abc'", {}, false],
    ['a IS NULL', {}, true],
    ['a IS NULL', { a: '' }, false],
    ['a IS NOT NULL', { a: '1' }, true],
    ['a BETWEEN 1 AND 3', { a: '2' }, true],
    ['a BETWEEN 1 AND 3', { a: '4' }, false],
    ['a NOT BETWEEN 1 AND 3', { a: '4' }, true],
    ["TAGS IN ('TagA', 'TagB')", { TAGS: 'TagB' }, true],
    ["TAGS NOT IN ('TagA', 'TagB')", { TAGS: 'TagC' }, true],
    ["TAGS NOT IN ('TagA')", {}, false],
    ['a = TRUE', { a: 'true' }, true],
    ['a = TRUE', { a: 'TRUE' }, true],
    ['a = FALSE', { a: 'yes' }, true], // Boolean.valueOf("yes") is false
    ["a > 1 AND b = 'x'", { a: '2', b: 'x' }, true],
    ["a > 1 OR b = 'x'", { b: 'x' }, true],
    ["a > 1 AND b = 'x'", { b: 'x' }, false],
    ["NOT (a = 'x')", { a: 'y' }, true],
    ["NOT (a = 'x')", {}, false],
    ['TRUE', {}, true],
    ['FALSE', {}, false],
    ["a CONTAINS 'bc'", { a: 'abcd' }, true],
    ["a NOT CONTAINS 'bc'", { a: 'abcd' }, false],
    ["a STARTSWITH 'ab'", { a: 'abcd' }, true],
    ["a ENDSWITH 'cd'", { a: 'abcd' }, true],
    ['a = -5', { a: '-5' }, true],
    ["a = 'it''s'", { a: "it's" }, true],
    ['a > b', { a: '2', b: '10' }, false], // strings compared as doubles
    ['a /* note */ > 1 -- tail\n', { a: '2' }, true],
    ['(a > 1 OR a < -1) AND b IS NOT NULL', { a: '-2', b: 'z' }, true],
    // NOT binds tighter than IS, as in Java: (NOT b) IS NULL, and NOT b is never null here.
    ['NOT b IS NULL', { b: 'z' }, false],
  ];
  for (const [expr, p, expected] of cases) {
    it(`${JSON.stringify(expr)} on ${JSON.stringify(p)} → ${expected}`, () => {
      expect(compileSql92(expr).matches(props(p))).toBe(expected);
    });
  }

  const bad = ['', 'a >', "a = NULL", "a > 'x'", 'a BETWEEN 3 AND 1', "5 IN ('a')", 'a b', 'a = 1 NOT', "'unterminated", 'a ! 1', 'TRUE > 1'];
  for (const expr of bad) {
    it(`rejects ${JSON.stringify(expr)}`, () => {
      expect(() => compileSql92(expr)).toThrow(Sql92SyntaxError);
    });
  }
});

describe('tag expressions', () => {
  it('hashes like Java String.hashCode', () => {
    expect(javaStringHash('TagA')).toBe(2598919);
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('a much longer tag value that overflows')).toBe(
      Array.from('a much longer tag value that overflows').reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 0),
    );
  });

  it('parses || lists and *', () => {
    const s = parseTagExpression('TagA || TagB');
    expect([...s.tags]).toEqual(['TagA', 'TagB']);
    expect(tagHashMatches(s, javaStringHash('TagB'))).toBe(true);
    expect(tagMatches(s, 'TagC')).toBe(false);
    expect(parseTagExpression('*').all).toBe(true);
    expect(tagMatches(parseTagExpression(undefined), undefined)).toBe(true);
  });
});
