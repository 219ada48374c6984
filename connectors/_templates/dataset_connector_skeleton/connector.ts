import { z } from 'zod';
import { defineConnector } from '../../src/contract/define-connector.js';

/**
 * Copy this folder to connectors/<dataset_id>/, set dataset_id, describe one record, and add
 * data/registry/<dataset_id>.yml. The runtime does zones, hashing, events and receipts.
 */
export default defineConnector({
  dataset_id: 'my_dataset',
  format: 'csv',
  record: z.strictObject({
    id: z.string().min(1),
    observed_on: z.iso.date(),
  }),
  time_fields: ['observed_on'],
  checks: [],
});
