#!/usr/bin/env node
/**
 * `npm run upstream -- --port N [--page_size N] [--max_per_second N] [--flaky P]`: the synthetic
 * ks_streamflow_daily upstream on 127.0.0.1:N until Ctrl-C, for demos and manual checks. Test
 * support, compiled on its own by test/support/tsconfig.upstream.json into dist/test/support/.
 */
import { parseArgs } from 'node:util';
import { startStreamflowUpstream } from './streamflow-upstream.js';

const USAGE =
  'usage: npm run upstream -- --port N [--page_size ROWS] [--max_per_second N] [--flaky PROBABILITY]';

function number(value: string | undefined, name: string, check: (n: number) => boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!check(n)) {
    process.stderr.write(`upstream: --${name} ${value} is not valid\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    page_size: { type: 'string' },
    max_per_second: { type: 'string' },
    flaky: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const positive = (n: number) => Number.isInteger(n) && n > 0;
const port = number(values.port, 'port', (n) => Number.isInteger(n) && n >= 0 && n < 65_536);
const pageSize = number(values.page_size, 'page_size', positive);
const maxPerSecond = number(values.max_per_second, 'max_per_second', positive);
const flaky = number(values.flaky, 'flaky', (n) => n >= 0 && n <= 1);
const server = await startStreamflowUpstream({
  ...(port === undefined ? {} : { port }),
  ...(pageSize === undefined ? {} : { pageSize }),
  ...(maxPerSecond === undefined ? {} : { maxPerSecond }),
  ...(flaky === undefined ? {} : { flaky }),
});
process.stdout.write(
  `streamflow upstream on ${server.base} (GET /readings?start=<iso>&end=<iso>); Ctrl-C to stop\n`,
);
let last = 0;
const ticker = setInterval(() => {
  if (server.requests.length === last) return;
  last = server.requests.length;
  const busiest = Math.max(...server.perSecond().values());
  process.stdout.write(`  ${last} request(s) so far, at most ${busiest} in one second\n`);
}, 5000);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    clearInterval(ticker);
    void server.close().then(() => process.exit(0));
  });
}
