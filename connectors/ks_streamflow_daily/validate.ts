#!/usr/bin/env node
// Thin runner: `node dist/connectors/<dataset_id>/validate.js --help`; the same as `kfm validate <dataset_id>`.
import { runConnectorStage } from '../../src/cli/connector-runner.js';

await runConnectorStage('validate', import.meta.url);
