#!/usr/bin/env node
// Thin runner: `node dist/connectors/<dataset_id>/backfill.js --help`; the same as `kfm backfill <dataset_id>`.
import { runConnectorStage } from '../../src/cli/connector-runner.js';

await runConnectorStage('backfill', import.meta.url);
