import { defineConfig } from 'vitest/config';

// `npm run mutate` (stryker.config.mjs, TESTING.md): the unit tests alone, which run the sources in
// memory, so a mutant's covering tests take about a second. Most integration tests spawn the CLI
// built in dist/, which holds no mutant, and take minutes.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 60_000,
    setupFiles: ['test/support/mutate-setup.ts'],
  },
});
