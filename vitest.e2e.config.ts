import { defineConfig } from 'vitest/config';

// End-to-end tests of the explorer page in Debian's Chromium (playwright-core; never a browser download).
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
  },
});
