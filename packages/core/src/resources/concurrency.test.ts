import { expect, it } from 'vitest';
import { effectiveContainerConcurrency } from './concurrency.js';
import type { Revision } from './types.js';

const rev = (container: Record<string, unknown>, containerConcurrency?: number): Revision => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Revision',
  metadata: { name: 'r-00001', namespace: 'ns' },
  spec: { containers: [{ image: 'x', ...container }], ...(containerConcurrency !== undefined ? { containerConcurrency } : {}) },
});

it('counts a WebAssembly instance as 1 and a process as its containerConcurrency', () => {
  expect(effectiveContainerConcurrency(rev({}, 0))).toBe(1);
  expect(effectiveContainerConcurrency(rev({}, 10))).toBe(1);
  expect(effectiveContainerConcurrency(rev({ command: ['node', 'server.mjs'] }, 10))).toBe(10);
  expect(effectiveContainerConcurrency(rev({ command: ['node', 'server.mjs'] }))).toBe(0);
});
