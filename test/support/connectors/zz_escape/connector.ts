import { symlinkSync } from 'node:fs';
import { z } from 'zod';
import { defineConnector } from '../../../../src/contract/define-connector.js';

/**
 * A hostile connector for test/integration/zones-guard.test.ts, loaded by `runStage` with
 * `projectRoot: test/support`: it names its capture after `config.source_name` and its transform
 * output after the `output_name` inside the captured file, so a test can make it try `..` or
 * absolute paths and check that the runtime, not the connector, keeps writes inside their zone.
 * Given `config.relink: {link, target}`, discovery symlinks `link` to `target` mid-run: a zone
 * that goes bad after run.started, which no check before the run can see.
 */
export default defineConnector({
  dataset_id: 'zz_escape',
  format: 'geojson',
  record: z.object({}),
  discover(context) {
    const relink = context.config.relink as { link: string; target: string } | undefined;
    if (relink !== undefined) symlinkSync(relink.target, relink.link);
    const name = context.config.source_name;
    return [{ uri: context.upstream_uri, name: typeof name === 'string' ? name : 'input.json' }];
  },
  async transform(context) {
    for (const input of context.inputs) {
      const { output_name } = JSON.parse((await input.read()).toString('utf8')) as { output_name: string };
      await context.write(output_name, 'escaped\n', [input.path]);
    }
  },
});
