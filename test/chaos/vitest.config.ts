import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

// `npm run chaos`: the fast chaos cases and the full ones (*.chaos.ts), one file at a time (they time
// faults and share 2 cores), with a table of every case at the end (report.ts).
export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    ...base.test,
    include: ['test/chaos/**/*.test.ts', 'test/chaos/**/*.chaos.ts'],
    globalSetup: ['test/chaos/report.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
