import { z } from 'zod';
import { defineConnector } from '../../src/contract/define-connector.js';

/** County population by year (synthetic fixture): a public CSV table. CSV cells are strings; coerce. */
export default defineConnector({
  dataset_id: 'ks_county_population',
  format: 'csv',
  keys: ['fips', 'year'],
  record: z.strictObject({
    county: z.string().min(1),
    fips: z.string().regex(/^20\d{3}$/, 'a Kansas county FIPS code (20xxx)'),
    year: z.coerce.number().int().min(1860).max(2100),
    population: z.coerce.number().int().nonnegative(),
  }),
  checks: [
    {
      name: 'one_row_per_county_year',
      run(records) {
        const seen = new Set<string>();
        const rows = records
          .filter((r) => {
            const key = `${r.fields.fips}/${r.fields.year}`;
            return seen.has(key) || !seen.add(key);
          })
          .map((r) => r.index);
        return {
          passed: rows.length === 0,
          message: rows.length === 0 ? 'one row per county and year' : 'repeated county/year rows',
          failed: rows.length,
          rows,
          fields: ['fips', 'year'],
        };
      },
    },
  ],
});
