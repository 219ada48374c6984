import { defineConfig } from 'vitest/config';

// `npm run mutate` (stryker.config.mjs, TESTING.md): the unit tests alone. They touch no ledger and
// spawn nothing, so each mutant's covering tests run in well under a second; the integration tests
// would not add coverage of the pure core that the unit tests lack.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
