import { describe, expect, it } from 'vitest';
import { expectCase, problems, servingObject, type ValidationCase as Case } from '../../../test-support/validation.js';
import type { Route } from '../types.js';
import type { ValidationContext } from '../validation.js';

const route = (traffic: unknown[] | undefined, edit?: (r: any) => void, defaults = true) =>
  servingObject<Route>('Route', traffic === undefined ? {} : { traffic }, edit, defaults);

const status: ValidationContext = { statusUpdate: true };

const cases: Case[] = [
  { name: 'configuration 100%', obj: route([{ configurationName: 'hello', percent: 100 }]), want: [] },
  { name: 'revision 100%', obj: route([{ revisionName: 'hello-00001', percent: 100 }]), want: [] },
  {
    name: '50/50 split',
    obj: route([
      { revisionName: 'hello-00001', percent: 50 },
      { configurationName: 'hello', percent: 50 },
    ]),
    want: [],
  },
  {
    name: 'tagged entries with 0%',
    obj: route([
      { configurationName: 'hello', percent: 100 },
      { revisionName: 'hello-00001', percent: 0, tag: 'old' },
    ]),
    want: [],
  },
  {
    name: 'neither revision nor configuration',
    obj: route([{ percent: 100 }]),
    want: ['spec.traffic[0].configurationName', 'spec.traffic[0].revisionName'],
    msg: 'expected exactly one, got neither',
  },
  {
    name: 'both revision and configuration',
    obj: route([{ revisionName: 'a-1', configurationName: 'a', percent: 100, latestRevision: false }]),
    want: ['spec.traffic[0].configurationName', 'spec.traffic[0].revisionName'],
    msg: 'expected exactly one, got both',
  },
  {
    name: 'invalid revision name',
    obj: route([{ revisionName: 'a b', percent: 100 }]),
    want: ['spec.traffic[0].revisionName'],
    msg: 'invalid key name "a b"',
  },
  {
    name: 'invalid configuration name',
    obj: route([{ configurationName: '-x-', percent: 100 }]),
    want: ['spec.traffic[0].configurationName'],
    msg: 'invalid key name "-x-"',
  },
  {
    name: 'percent above 100',
    obj: route([{ configurationName: 'hello', percent: 101 }]),
    want: ['spec.traffic', 'spec.traffic[0].percent'],
  },
  {
    name: 'percent negative',
    obj: route([
      { configurationName: 'hello', percent: -10 },
      { revisionName: 'r', percent: 110 },
    ]),
    want: ['spec.traffic[0].percent', 'spec.traffic[1].percent'],
  },
  {
    name: 'percent not integer',
    obj: route([{ configurationName: 'hello', percent: 99.5 }]),
    want: ['spec.traffic', 'spec.traffic[0].percent'],
  },
  {
    name: 'sum 90',
    obj: route([{ configurationName: 'hello', percent: 90 }]),
    want: ['spec.traffic'],
    msg: 'Traffic targets sum to 90, want 100',
  },
  {
    name: 'sum 110',
    obj: route([
      { configurationName: 'hello', percent: 60 },
      { revisionName: 'r', percent: 50 },
    ]),
    want: ['spec.traffic'],
    msg: 'Traffic targets sum to 110, want 100',
  },
  {
    name: 'missing percent counts 0',
    obj: route([{ configurationName: 'hello' }], () => {}, false),
    want: ['spec.traffic'],
    msg: 'Traffic targets sum to 0, want 100',
  },
  { name: 'empty traffic list', obj: route([]), want: ['spec.traffic'], msg: 'Traffic targets sum to 0, want 100' },
  { name: 'empty spec', obj: route(undefined), want: ['spec'], msg: 'missing field(s)' },
  {
    name: 'latestRevision true with revisionName',
    obj: route([{ revisionName: 'hello-00001', latestRevision: true, percent: 100 }]),
    want: ['spec.traffic[0].latestRevision'],
    msg: 'may not set revisionName "hello-00001" when latestRevision is true',
  },
  {
    name: 'latestRevision false without revisionName',
    obj: route([{ configurationName: 'hello', latestRevision: false, percent: 100 }]),
    want: ['spec.traffic[0].latestRevision'],
    msg: 'may not set revisionName "" when latestRevision is false',
  },
  {
    name: 'tag not DNS-1035',
    obj: route([{ configurationName: 'hello', percent: 100, tag: 'Blue' }]),
    want: ['spec.traffic.tag[0]'],
    msg: 'not a DNS 1035 label',
  },
  {
    name: 'tag starting with digit',
    obj: route([
      { configurationName: 'hello', percent: 100 },
      { revisionName: 'r', percent: 0, tag: '1st' },
    ]),
    want: ['spec.traffic.tag[1]'],
  },
  {
    name: 'duplicate tags',
    obj: route([
      { configurationName: 'hello', percent: 50, tag: 't' },
      { revisionName: 'r', percent: 50, tag: 't' },
    ]),
    want: ['spec.traffic[0].tag', 'spec.traffic[1].tag'],
    msg: 'Multiple definitions for "t"',
  },
  {
    name: 'url in spec',
    obj: route([{ configurationName: 'hello', percent: 100, tag: 'a', url: 'http://a-hello.default.example.com' }]),
    want: ['spec.traffic[0].url'],
    msg: 'must not set the field(s)',
  },
  {
    name: 'service label without owner',
    obj: route(
      [{ configurationName: 'hello', percent: 100 }],
      (r) => (r.metadata.labels = { 'serving.knative.dev/service': 'hello' }),
    ),
    want: ['metadata.labels.serving.knative.dev/service'],
    msg: 'missing field(s)',
  },
  {
    name: 'service label with owner',
    obj: route([{ configurationName: 'hello', percent: 100 }], (r) => {
      r.metadata.labels = { 'serving.knative.dev/service': 'hello' };
      r.metadata.ownerReferences = [{ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello', uid: 'u' }];
    }),
    want: [],
  },
  {
    name: 'autoscaling annotation on route',
    obj: route(
      [{ configurationName: 'hello', percent: 100 }],
      (r) => (r.metadata.annotations = { 'autoscaling.knative.dev/window': '60s' }),
    ),
    want: ['metadata.annotations'],
  },
  {
    name: 'rollout duration on route',
    obj: route(
      [{ configurationName: 'hello', percent: 100 }],
      (r) => (r.metadata.annotations = { 'serving.knative.dev/rollout-duration': 'x' }),
    ),
    want: ['metadata.annotations.serving.knative.dev/rollout-duration'],
  },
  {
    name: 'visibility label value',
    obj: route(
      [{ configurationName: 'hello', percent: 100 }],
      (r) => (r.metadata.labels = { 'networking.knative.dev/visibility': 'private' }),
    ),
    want: ['metadata.labels.networking.knative.dev/visibility'],
  },
  {
    name: 'unknown traffic field',
    obj: route([{ configurationName: 'hello', percent: 100, weight: 3 }]),
    want: ['spec.traffic[0].weight'],
    msg: 'unknown field',
  },
  {
    name: 'status traffic: tagged entry needs url',
    obj: route(
      [{ configurationName: 'hello', percent: 100 }],
      (r) => (r.status = { traffic: [{ revisionName: 'hello-00001', percent: 100, tag: 'a', latestRevision: true }] }),
    ),
    ctx: status,
    want: ['status.traffic[0].url'],
  },
  {
    name: 'status traffic: revisionName required',
    obj: route(
      [{ configurationName: 'hello', percent: 100 }],
      (r) => (r.status = { traffic: [{ percent: 100, latestRevision: true }] }),
    ),
    ctx: status,
    want: ['status.traffic[0].revisionName'],
  },
  {
    name: 'status traffic: url on untagged entry',
    obj: route(
      [{ configurationName: 'hello', percent: 100 }],
      (r) => (r.status = { traffic: [{ revisionName: 'r', percent: 100, url: 'http://x' }] }),
    ),
    ctx: status,
    want: ['status.traffic[0].url'],
  },
  {
    name: 'status traffic resolved is valid',
    obj: route(
      [{ configurationName: 'hello', percent: 100, tag: 'cur' }],
      (r) =>
        (r.status = {
          traffic: [
            {
              revisionName: 'hello-00001',
              percent: 100,
              latestRevision: true,
              tag: 'cur',
              url: 'http://cur-hello.default.example.com',
            },
          ],
        }),
    ),
    ctx: status,
    want: [],
  },
];

describe('Route validation', () => {
  it.each(cases)('$name', expectCase);

  it('does not judge the stored status on a spec write', () => {
    const r = route(
      [{ configurationName: 'hello', percent: 100 }],
      (x) => (x.status = { traffic: [{ percent: 100 }] }),
    );
    expect(problems(r)).toEqual([]);
  });

  it('does not default traffic for a standalone Route', () => {
    expect(route([]).spec.traffic).toEqual([]);
  });

  it('defaults latestRevision and percent per entry', () => {
    expect(route([{ configurationName: 'hello' }, { revisionName: 'r' }]).spec.traffic).toEqual([
      { configurationName: 'hello', latestRevision: true, percent: 0 },
      { revisionName: 'r', latestRevision: false, percent: 0 },
    ]);
  });
});
