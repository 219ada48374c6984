import { z } from 'zod';
import { defineConnector } from '../../src/contract/define-connector.js';

/** Kansas Mesonet weather stations (synthetic fixture): public GeoJSON points, captured as published. */
export default defineConnector({
  dataset_id: 'ks_mesonet_stations',
  format: 'geojson',
  keys: ['station_id'],
  record: z.strictObject({
    station_id: z.string().regex(/^KS\d{3}$/),
    name: z.string().min(1),
    county: z.string().min(1),
    elevation_m: z.number().min(0).max(1300),
    established: z.iso.date(),
  }),
  checks: [
    {
      name: 'unique_station_id',
      run(records) {
        const seen = new Set<unknown>();
        const rows = records
          .filter((r) => seen.size === seen.add(r.fields.station_id).size)
          .map((r) => r.index);
        return {
          passed: rows.length === 0,
          message: rows.length === 0 ? 'station ids are unique' : 'duplicate station ids',
          failed: rows.length,
          rows,
          fields: ['station_id'],
        };
      },
    },
  ],
});
