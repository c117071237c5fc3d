import { describe, expect, it } from 'vitest';
import { defaultPolicySet } from './load-policy-set';
import { compileNaming } from './naming';

describe('naming', () => {
  const check = compileNaming(defaultPolicySet.naming);

  it('accepts well-formed sources and types', () => {
    expect(check('odoo', 'change_order.approved')).toBeUndefined();
    expect(check('field-service-2', 'finance.invoice.posted')).toBeUndefined();
  });

  it('names the bad source with the rule it breaks', () => {
    expect(check('Odoo', 'change_order.approved')).toBe(
      "source 'Odoo' does not match the naming rule ^[a-z][a-z0-9-]{1,39}$",
    );
    expect(check('x', 'change_order.approved')).toMatch(/^source 'x' does not match/);
  });

  it('names the bad type with the rule it breaks', () => {
    expect(check('odoo', 'ChangeOrderApproved')).toBe(
      "type 'ChangeOrderApproved' does not match the naming rule ^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$",
    );
    expect(check('odoo', 'change_order')).toMatch(/^type 'change_order' does not match/);
    expect(check('odoo', 'change_order..approved')).toMatch(/^type /);
  });
});
