// Preloaded with `node --import` by tests that check what a command does not load: once it is
// registered, importing any package (or chunk, see forbid-imports-hooks.mjs) named in
// KFM_FORBID_IMPORTS (comma-separated) throws, so a command that loads one fails. Used by
// test/integration/cli-start.test.ts.
import { register } from 'node:module';

const forbidden = (process.env.KFM_FORBID_IMPORTS ?? '').split(',').filter(Boolean);
register('./forbid-imports-hooks.mjs', import.meta.url, { data: forbidden });
