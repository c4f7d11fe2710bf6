import { defineConfig } from 'vitest/config';

// The packaging test (test/packaging.test.ts) packs and installs the built packages: `pnpm test:pack`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
