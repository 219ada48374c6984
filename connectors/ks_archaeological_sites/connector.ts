import { z } from 'zod';
import { defineConnector } from '../../src/contract/define-connector.js';
import { generalizeGeometry, isGeneralized } from '../../src/policy/generalize-geometry.js';

/**
 * Archaeological sites (synthetic points; no real locations): `sensitive-location`. Raw stays exact
 * and immutable; the transform snaps every coordinate to the registry's precision as a governed
 * transform, recorded with what it changed, before anything may be published.
 */
export default defineConnector({
  dataset_id: 'ks_archaeological_sites',
  format: 'geojson',
  keys: ['site_id'],
  record: z.strictObject({
    site_id: z.string().regex(/^SYN-\d{4}$/),
    period: z.enum(['Paleoindian', 'Archaic', 'Woodland', 'Plains Village', 'Historic']),
    site_type: z.string().min(1),
    recorded: z.iso.date(),
  }),
  async transform(context) {
    const precision = context.registry.generalization?.precision_deg;
    if (precision === undefined) {
      throw new Error(
        'the registry gives no generalization.precision_deg for this sensitive-location dataset',
      );
    }
    for (const input of context.inputs) {
      const collection = parseCollection(input.path, await input.text());
      let changed = 0;
      const features = collection.features.map((feature) => {
        const geometry = generalizeGeometry(feature.geometry, precision);
        if (!isGeneralized(feature.geometry, precision)) changed++;
        return { ...feature, geometry };
      });
      const name = input.path.split('/').pop() ?? 'sites.geojson';
      const output = await context.write(name, `${JSON.stringify({ ...collection, features })}\n`, [
        input.path,
      ]);
      context.applied({
        name: 'generalize_geometry',
        params: { precision_deg: precision, method: 'snap_to_grid' },
        inputs: [input.path],
        outputs: [output],
        summary: { features: features.length, features_changed: changed, precision_deg: precision },
      });
    }
  },
});

/**
 * The capture as GeoJSON. JSON.parse quotes the text around an error in its message, and here that
 * text is exact site coordinates: the message would reach run.completed, the run record and the
 * logs. Report only the file and the byte offset.
 */
function parseCollection(path: string, text: string): { type: string; features: { geometry: unknown }[] } {
  try {
    return JSON.parse(text) as { type: string; features: { geometry: unknown }[] };
  } catch (error) {
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new Error(`${path}: not valid JSON${at === undefined ? '' : ` (at byte ${at})`}`);
  }
}
