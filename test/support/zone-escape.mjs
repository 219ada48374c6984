// Preloaded with `node --import` by test/integration/promises-zones.test.ts. The body of every stage
// first writes `<dataset_id>/escaped-by-<stage>.txt` into each zone in turn, through the very writer
// the runtime handed it (scope.writer), writes what each attempt gave (`written` or the error code)
// to the JSON file KFM_ESCAPE_REPORT names, and then fails with the first refusal as the stage's
// error, or runs the stage as usual if none was refused. The module instances are the ones the CLI
// then imports, so the stage table the CLI runs is the one wrapped here.
import { writeFileSync } from 'node:fs';
import { STAGES } from '../../dist/src/contract/stages/index.js';
import { ZONES } from '../../dist/src/zones/zone-layout.js';

const report = process.env.KFM_ESCAPE_REPORT;
if (report === undefined || report === '') throw new Error('zone-escape.mjs needs KFM_ESCAPE_REPORT');

for (const [stage, definition] of Object.entries(STAGES)) {
  const run = definition.run;
  definition.run = async (scope) => {
    const outcomes = {};
    let refusal;
    for (const zone of ZONES) {
      try {
        await scope.writer.writeFile(
          zone,
          `${scope.request.dataset_id}/escaped-by-${stage}.txt`,
          'escaped\n',
        );
        outcomes[zone] = 'written';
      } catch (error) {
        outcomes[zone] = error?.code ?? String(error);
        refusal ??= error;
      }
    }
    writeFileSync(report, JSON.stringify(outcomes));
    if (refusal !== undefined) throw refusal;
    return run(scope);
  };
}
