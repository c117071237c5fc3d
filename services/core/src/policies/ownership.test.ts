import { describe, expect, it } from 'vitest';
import { checkOwnership, compileOwnership } from './ownership';

const systems = [
  { source: 'odoo', owns: ['invoice.posted', 'finance.>'] },
  { source: 'costctl', owns: ['change_order.*'] },
  { source: 'odoo-approvals', owns: ['change_order.approved'] },
];

describe('ownership', () => {
  const check = compileOwnership({ systems, unowned: 'reject' });

  it('lets the system of record publish its types', () => {
    expect(check('odoo', 'invoice.posted')).toEqual({ ok: true });
    expect(check('odoo', 'finance.journal.closed')).toEqual({ ok: true });
    expect(check('costctl', 'change_order.submitted')).toEqual({ ok: true });
  });

  it('refuses any other system, naming the owner', () => {
    expect(check('costctl', 'invoice.posted')).toEqual({
      ok: false,
      owner: 'odoo',
      message: 'invoice.posted is owned by odoo; costctl may not publish it',
    });
  });

  it('prefers the exact rule over a pattern', () => {
    expect(check('odoo-approvals', 'change_order.approved')).toEqual({ ok: true });
    expect(check('costctl', 'change_order.approved').ok).toBe(false);
  });

  it('rejects or allows unowned types as the policy says', () => {
    const unowned = check('odoo', 'weather.observed');
    expect(unowned.ok).toBe(false);
    expect(!unowned.ok && unowned.message).toMatch(/no system of record/);
    expect(compileOwnership({ systems, unowned: 'allow' })('odoo', 'weather.observed')).toEqual({
      ok: true,
    });
  });

  it('checks one message against the policy directly', () => {
    const policy = { systems, unowned: 'reject' as const };
    expect(checkOwnership(policy, 'costctl', 'change_order.approved')).toEqual({
      ok: false,
      owner: 'odoo-approvals',
      message: 'change_order.approved is owned by odoo-approvals; costctl may not publish it',
    });
    expect(checkOwnership(policy, 'odoo', 'finance.ledger.closed')).toEqual({ ok: true });
  });

  it('answers the same for a type whether or not it was seen before', () => {
    const first = check('scheduler', 'finance.a.b');
    expect(check('scheduler', 'finance.a.b')).toEqual(first);
    expect(first).toMatchObject({ ok: false, owner: 'odoo' });
  });
});
