import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests spawn the built CLI and real SQLite files; two cores, so keep it modest.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
