import { describe, expect, it } from 'vitest';
import {
  childName,
  dns1035LabelErrors,
  generateName,
  isDns1035Label,
  nameIsDns1035Label,
  qualifiedNameErrors,
  renderNameTemplate,
  revisionName,
} from './names.js';
import { formatGoDuration, parseGoDuration } from './duration.js';
import { parseQuantity } from './quantity.js';

describe('names', () => {
  it.each([
    ['hello', true],
    ['a', true],
    ['hello-world-1', true],
    ['Hello', false],
    ['1hello', false],
    ['hello-', false],
    ['-hello', false],
    ['hel_lo', false],
    ['hel.lo', false],
    ['', false],
    [`a${'b'.repeat(62)}`, true],
    [`a${'b'.repeat(63)}`, false],
  ])('DNS-1035 %j → %s', (name, ok) => {
    expect(isDns1035Label(name)).toBe(ok);
  });

  it('reports the length problem by itself', () => {
    expect(dns1035LabelErrors(`a${'b'.repeat(63)}`)).toEqual(['must be no more than 63 characters']);
  });

  it('accepts a generateName prefix ending in "-"', () => {
    expect(nameIsDns1035Label('hello-', true)).toEqual([]);
    expect(nameIsDns1035Label('hello-', false)).not.toEqual([]);
  });

  it.each([
    ['app', true],
    ['serving.knative.dev/service', true],
    ['a/b/c', false],
    ['/x', false],
    ['bad key', false],
    ['Example.com/x', false],
  ])('qualified name %j → %s', (name, ok) => {
    expect(qualifiedNameErrors(name).length === 0).toBe(ok);
  });

  it('names revisions <config>-0000N', () => {
    expect(revisionName('hello', 1)).toBe('hello-00001');
    expect(revisionName('hello', 12)).toBe('hello-00012');
    expect(revisionName('hello', 123456)).toBe('hello-123456');
  });

  it('shortens long parents with an MD5 of the full name (kmeta.ChildName)', () => {
    const parent = 'a'.repeat(60);
    const n = revisionName(parent, 1);
    expect(n).toHaveLength(63);
    expect(n.startsWith('a'.repeat(25))).toBe(true);
    expect(n.endsWith('-00001')).toBe(true);
    expect(n).toMatch(/^a{25}[0-9a-f]{32}-00001$/);
    expect(revisionName('b'.repeat(57), 1)).toBe(`${'b'.repeat(57)}-00001`);
    expect(childName('x'.repeat(60), '-00001')).not.toBe(childName(`${'x'.repeat(59)}y`, '-00001'));
  });

  it('generates names from a prefix', () => {
    expect(generateName('hello-', () => 0)).toBe('hello-bbbbb');
    expect(generateName('hello-', () => 0.999)).toBe('hello-99999');
    const long = generateName('a'.repeat(70), () => 0.5);
    expect(long).toHaveLength(63);
    expect(isDns1035Label(generateName('svc-'))).toBe(true);
  });

  it('renders container name templates', () => {
    expect(renderNameTemplate('{{.Name}}-c', 'svc')).toBe('svc-c');
    expect(renderNameTemplate('user-container', 'svc')).toBe('user-container');
    expect(renderNameTemplate('{{.Labels}}', 'svc')).toHaveProperty('error');
  });
});

describe('Go durations', () => {
  it.each([
    ['60s', 60_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['-5s', -5000],
    ['0', 0],
    ['60', undefined],
    ['', undefined],
    ['5 s', undefined],
    ['1d', undefined],
  ])('%j → %s ms', (s, ms) => {
    expect(parseGoDuration(s)).toBe(ms);
  });

  it.each([
    [3_600_000, '1h0m0s'],
    [6000, '6s'],
    [0, '0s'],
    [90_000, '1m30s'],
    [500, '500ms'],
  ])('%d ms prints as %s', (ms, s) => {
    expect(formatGoDuration(ms)).toBe(s);
  });
});

describe('quantities', () => {
  it.each([
    ['100m', 0.1],
    ['1', 1],
    ['128Mi', 128 * 2 ** 20],
    ['1G', 1e9],
    ['1e3', 1000],
    ['0.5', 0.5],
    ['lots', undefined],
    ['1 Gi', undefined],
    ['Mi', undefined],
  ])('%j → %s', (q, v) => {
    expect(parseQuantity(q)).toBe(v);
  });
});
