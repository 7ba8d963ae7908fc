import { expect, it } from 'vitest';
import { effectiveContainerConcurrency } from './concurrency.js';
import type { Revision } from './types.js';

const rev = (container: Record<string, unknown>, containerConcurrency?: number): Revision => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Revision',
  metadata: { name: 'r-00001', namespace: 'ns' },
  spec: {
    containers: [{ image: 'x', ...container }],
    ...(containerConcurrency !== undefined ? { containerConcurrency } : {}),
  },
});

it("is the manifest's containerConcurrency for WebAssembly and process revisions alike", () => {
  expect(effectiveContainerConcurrency(rev({}, 0))).toBe(0);
  expect(effectiveContainerConcurrency(rev({}, 10))).toBe(10);
  expect(effectiveContainerConcurrency(rev({}))).toBe(0);
  expect(effectiveContainerConcurrency(rev({ command: ['node', 'server.mjs'] }, 10))).toBe(10);
  expect(effectiveContainerConcurrency(rev({ command: ['node', 'server.mjs'] }))).toBe(0);
});
