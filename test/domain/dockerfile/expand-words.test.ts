import { describe, expect, it } from 'vitest';
import { expandWord, splitWords, type Variables } from '../../../src/domain/dockerfile/expand-words.ts';

const vars: Variables = new Map<string, string | undefined>([
  ['RELEASE', 'bookworm'],
  ['EMPTY', ''],
  ['NOVALUE', undefined],
  ['REGISTRY', 'registry.example.com'],
]);

describe('splitWords', () => {
  it('splits on unquoted whitespace of any kind', () => {
    expect(splitWords('  debian:bookworm \t AS   build ', '\\')).toEqual(['debian:bookworm', 'AS', 'build']);
  });

  it('keeps quotes and escapes inside each word, for expandWord to process', () => {
    expect(splitWords(`"a b" 'c d' e\\ f g"h i"`, '\\')).toEqual(['"a b"', "'c d'", 'e\\ f', 'g"h i"']);
  });

  it('does not treat the escape character as an escape inside single quotes', () => {
    expect(splitWords(`'a\\' b`, '\\')).toEqual(["'a\\'", 'b']);
  });

  it('honours a backtick escape character', () => {
    expect(splitWords('a` b c\\ d', '`')).toEqual(['a` b', 'c\\', 'd']);
  });

  it('returns no words for blank text', () => {
    expect(splitWords('   ', '\\')).toEqual([]);
  });
});

describe('expandWord', () => {
  it.each([
    ['$RELEASE', 'bookworm'],
    ['${RELEASE}', 'bookworm'],
    ['debian:${RELEASE}-slim', 'debian:bookworm-slim'],
    ['debian:$RELEASE-slim', 'debian:bookworm-slim'],
    ['debian:"${RELEASE}"-slim', 'debian:bookworm-slim'],
    ['"bookworm"', 'bookworm'],
    ["'${RELEASE}'", '${RELEASE}'],
    ["\"it's ${RELEASE}\"", "it's bookworm"],
    ['\\$RELEASE', '$RELEASE'],
    ['"\\$RELEASE"', '$RELEASE'],
    ['"a\\b"', 'a\\b'],
    ['a\\b', 'ab'],
    ['${UNSET:-debian}', 'debian'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${NOVALUE-fallback}', 'fallback'],
    ['${NOVALUE:-fallback}', 'fallback'],
    ['${RELEASE:-fallback}', 'bookworm'],
    ['${UNSET:-${RELEASE}}', 'bookworm'],
    ['${RELEASE:+x}', 'x'],
    ['${EMPTY:+x}', ''],
    ['${EMPTY+x}', 'x'],
    ['${UNSET:+x}', ''],
    ['${NOVALUE+x}', ''],
    ['${RELEASE:?must be set}', 'bookworm'],
    ['cost: $5', 'cost: $5'],
    ['$', '$'],
    ['${RELEASE', '${RELEASE'],
  ])('expands %s to %s', (word, value) => {
    expect(expandWord(word, vars).value).toBe(value);
  });

  it('reports names that are not declared at all, once each, and expands them to nothing', () => {
    expect(expandWord('${REGISTRY}/$MISSING/${MISSING}:${OTHER}', vars)).toEqual({
      value: 'registry.example.com//:',
      undeclared: ['MISSING', 'OTHER'],
      empty: [],
    });
  });

  it('reports a declared name without a value as empty, not as undeclared', () => {
    expect(expandWord('debian:${NOVALUE}', vars)).toEqual({ value: 'debian:', undeclared: [], empty: ['NOVALUE'] });
  });

  it('does not report a name that has a default, or that is only tested with `+`', () => {
    expect(expandWord('${UNSET:-a}${NOVALUE-b}${UNSET:+c}${UNSET+d}', vars)).toEqual({
      value: 'ab',
      undeclared: [],
      empty: [],
    });
  });

  it('reports the names inside a default that is used', () => {
    expect(expandWord('${UNSET:-$ALSO_UNSET}', vars).undeclared).toEqual(['ALSO_UNSET']);
  });

  it('reports a `${NAME:?message}` whose name is not set', () => {
    expect(expandWord('${UNSET:?give it}', vars)).toEqual({ value: '', undeclared: ['UNSET'], empty: [] });
    expect(expandWord('${NOVALUE:?give it}', vars)).toEqual({ value: '', undeclared: [], empty: ['NOVALUE'] });
  });

  it('uses the escape character it is given', () => {
    expect(expandWord('`$RELEASE', vars, '`').value).toBe('$RELEASE');
    expect(expandWord('C:\\$RELEASE', vars, '`').value).toBe('C:\\bookworm');
  });
});
