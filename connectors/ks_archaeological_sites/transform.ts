#!/usr/bin/env node
// Thin runner: `node dist/connectors/<dataset_id>/transform.js --help`; the same as `kfm transform <dataset_id>`.
import { runConnectorStage } from '../../src/cli/connector-runner.js';

await runConnectorStage('transform', import.meta.url);
