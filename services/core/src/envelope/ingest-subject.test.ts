import { describe, expect, it } from 'vitest';
import { parseIngestSubject } from './ingest-subject';

describe('parseIngestSubject', () => {
  it.each([
    ['ingest.odoo.invoice.posted', { source: 'odoo', type: 'invoice.posted' }],
    ['ingest.fieldapp.work_order.completed', { source: 'fieldapp', type: 'work_order.completed' }],
    ['ingest.crm.x', { source: 'crm', type: 'x' }],
    // Empty tokens are the naming policy's to refuse, with the names in hand.
    ['ingest..invoice.posted', { source: '', type: 'invoice.posted' }],
    ['ingest.odoo.', { source: 'odoo', type: '' }],
  ])('%s → its source and type', (subject, parts) => {
    expect(parseIngestSubject(subject)).toEqual(parts);
  });

  it.each(['ingest', 'ingest.odoo', 'ingestx.odoo.invoice.posted', 'gov.odoo.invoice.posted', ''])(
    '%j has no type: undefined',
    (subject) => {
      expect(parseIngestSubject(subject)).toBeUndefined();
    },
  );
});
