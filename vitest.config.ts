import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// Tests import sibling packages from source; spawned processes (e2e) use the built dist.
export default defineConfig({
  resolve: {
    alias: {
      '@kedge/core/testing': fileURLToPath(new URL('./packages/core/src/testing/index.ts', import.meta.url)),
      '@kedge/core': pkg('core'),
      '@kedge/api': pkg('api'),
      '@kedge/autoscaler': pkg('autoscaler'),
      '@kedge/runner': pkg('runner'),
      '@kedge/gateway': pkg('gateway'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
