#!/usr/bin/env node
// Thin runner: `node dist/connectors/<dataset_id>/ingest.js --help`; the same as `kfm ingest <dataset_id>`.
import { runConnectorStage } from '../../src/cli/connector-runner.js';

await runConnectorStage('ingest', import.meta.url);
