import { describe, expect, it } from 'vitest';
import { connectorPermissions } from './nats-permissions';

describe('connectorPermissions', () => {
  it('lets each system publish only its own types under its own source', () => {
    const [odoo, crm] = connectorPermissions({
      unowned: 'reject',
      systems: [
        { source: 'odoo', owns: ['invoice.posted', 'project.*'] },
        { source: 'crm', owns: ['opportunity.won'] },
      ],
    });
    expect(odoo).toEqual({
      source: 'odoo',
      publish: { allow: ['ingest.odoo.invoice.posted', 'ingest.odoo.project.*'], deny: [] },
      subscribe: { allow: ['_INBOX_odoo.>'] },
      inboxPrefix: '_INBOX_odoo',
    });
    expect(crm?.publish).toEqual({ allow: ['ingest.crm.opportunity.won'], deny: [] });
  });

  it('with unowned types allowed, reaches every type but those owned by others', () => {
    const [odoo] = connectorPermissions({
      unowned: 'allow',
      systems: [
        { source: 'odoo', owns: ['invoice.posted'] },
        { source: 'crm', owns: ['opportunity.won', 'lead.*'] },
      ],
    });
    expect(odoo?.publish).toEqual({
      allow: ['ingest.odoo.>'],
      deny: ['ingest.odoo.opportunity.won', 'ingest.odoo.lead.*'],
    });
  });

  it('denies a more specific type owned by another system inside a pattern', () => {
    const [odoo, cost] = connectorPermissions({
      unowned: 'reject',
      systems: [
        { source: 'odoo', owns: ['finance.>'] },
        { source: 'cost', owns: ['finance.budget.revised'] },
      ],
    });
    expect(odoo?.publish).toEqual({
      allow: ['ingest.odoo.finance.>'],
      deny: ['ingest.odoo.finance.budget.revised'],
    });
    expect(cost?.publish).toEqual({ allow: ['ingest.cost.finance.budget.revised'], deny: [] });
  });

  it('maps a catch-all pattern to every subject of the source', () => {
    const [all] = connectorPermissions({
      unowned: 'reject',
      systems: [{ source: 'hub', owns: ['*'] }],
    });
    expect(all?.publish.allow).toEqual(['ingest.hub.>']);
  });
});
