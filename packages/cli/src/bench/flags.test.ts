import { describe, expect, it } from 'vitest';
import { formatMs, parseDuration, parseHeaders, parseIntList, parsePositiveInt } from './flags.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5s', 1_500],
    ['1h', 3_600_000],
    ['10', 10_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'abc', '30x', '-5s', 's30', '1m 30s'])('rejects %j naming the flag', (text) => {
    expect(() => parseDuration(text, '-z')).toThrow(/^-z: /);
  });
});

describe('integer flags', () => {
  it('parses counts and lists', () => {
    expect(parsePositiveInt('50', '-c')).toBe(50);
    expect(parseIntList('1,5,25,100', '--services')).toEqual([1, 5, 25, 100]);
  });
  it('rejects zero, negatives and junk with the flag name', () => {
    expect(() => parsePositiveInt('0', '-c')).toThrow('-c: "0" is not a positive integer');
    expect(() => parsePositiveInt('2.5', '-c')).toThrow(/-c/);
    expect(() => parseIntList('1,,3', '--services')).toThrow(/--services/);
  });
});

describe('formatMs', () => {
  it('picks a readable unit', () => {
    expect(formatMs(0.083)).toBe('83 µs');
    expect(formatMs(2.5)).toBe('2.50 ms');
    expect(formatMs(1234)).toBe('1.23 s');
  });
});

describe('parseHeaders', () => {
  it('splits at the first colon and lower-cases names', () => {
    expect(parseHeaders(['Kedge-Instance: abc', 'x-url:http://a:1'])).toEqual({
      'kedge-instance': 'abc',
      'x-url': 'http://a:1',
    });
  });
  it('rejects a header without a name', () => {
    expect(() => parseHeaders([':x'])).toThrow('--header: ":x" is not name:value');
    expect(() => parseHeaders(['novalue'])).toThrow(/--header/);
  });
});
