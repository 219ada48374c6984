#!/usr/bin/env node
// Thin runner: `node dist/connectors/<dataset_id>/promote.js --help`; the same as `kfm promote <dataset_id>`.
import { runConnectorStage } from '../../src/cli/connector-runner.js';

await runConnectorStage('promote', import.meta.url);
