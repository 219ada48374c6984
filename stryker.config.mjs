// `npm run mutate`: mutation testing of the pure core (TESTING.md says what is in scope and why).
// Not part of `npm test` or CI: a full run takes hours on the 2-core machine.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    // The chain and hashing, canonical JSON (RFC 8785), the projection rows and their drift, tree sync.
    'src/ledger/pure/**/*.ts',
    'src/contract/promotion/content-hash.ts',
    // The promotion gate and the sensitivity rule it applies.
    'src/contract/promotion/evaluate-gate.ts',
    'src/policy/**/*.ts',
    // The projections: events → receipts, lineage, OpenLineage, history invariants.
    'src/projections/**/*.ts',
    // The catalog renderers; validate-catalogs.ts loads the vendored schemas into Ajv (the I/O edge).
    'src/catalogs/**/*.ts',
    '!src/catalogs/validate-catalogs.ts',
    // The transparency log; node-*.ts are the node:crypto adapters.
    'src/tlog/**/*.ts',
    '!src/tlog/node-*.ts',
  ],
  // What .gitignore leaves out is built or run output; the sandbox copy needs none of it.
  ignorePatterns: ['dist', 'demo-root', 'ledger/*.sqlite*', 'data/raw', 'data/work', 'data/processed', 'data/catalog', 'bench/out', 'reports'],
  coverageAnalysis: 'perTest',
  // Two cores shared by several people (issue 16): one test process.
  concurrency: 1,
  // Added to 1.5 × a mutant's covering tests' own time before it counts as a timeout (an endless loop).
  timeoutMS: 10_000,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['html', 'json', 'progress', 'clear-text'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: 'reports/.stryker-tmp',
  cleanTempDir: 'always',
};
