import fc from 'fast-check';

// `npm run mutate` only (vitest.mutate.config.ts): a property that fails has killed its mutant, so
// fast-check stops at the first counterexample instead of shrinking it, which can take minutes.
fc.configureGlobal({ endOnFailure: true });
