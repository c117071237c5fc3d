import { describe, expect, it } from 'vitest';
import { can, mayChangeSubject, maySeeTenant, type Principal } from './principal';
import { Permission, allPermissions, rolePermissions, roles } from './roles';

const principal = (overrides: Partial<Principal>): Principal => ({
  id: 't1',
  kind: 'human',
  name: 'someone@acme.test',
  role: 'viewer',
  scope: { subjects: [], domains: [] },
  tenants: ['*'],
  ...overrides,
});

describe('roles', () => {
  it('admin has every permission; viewer only identity and dashboards', () => {
    expect([...rolePermissions.admin].sort()).toEqual([...allPermissions].sort());
    expect([...rolePermissions.viewer].sort()).toEqual(['dashboards:read', 'identity:read']);
  });

  it('only admins read the audit log and manage tokens', () => {
    for (const role of roles) {
      const p = principal({ role });
      expect(can(p, Permission.AuditRead)).toBe(role === 'admin');
      expect(can(p, Permission.TokensManage)).toBe(role === 'admin');
    }
  });

  it('support handles dead letters; contract owners do not', () => {
    expect(can(principal({ role: 'support' }), Permission.DeadLettersPayload)).toBe(true);
    expect(can(principal({ role: 'support' }), Permission.ContractsWrite)).toBe(false);
    expect(can(principal({ role: 'contract-owner' }), Permission.DeadLettersRead)).toBe(false);
  });
});

describe('object-level checks', () => {
  const owner = principal({
    role: 'contract-owner',
    scope: { subjects: ['change_order.*', 'invoice.posted'], domains: ['finance'] },
  });

  it('a contract owner changes only subjects in scope, by pattern or by domain', () => {
    expect(mayChangeSubject(owner, 'change_order.approved', 'construction')).toBe(true);
    expect(mayChangeSubject(owner, 'invoice.posted', undefined)).toBe(true);
    expect(mayChangeSubject(owner, 'payment.recorded', 'finance')).toBe(true);
    expect(mayChangeSubject(owner, 'payment.recorded', 'treasury')).toBe(false);
    expect(mayChangeSubject(owner, 'timesheet.approved', undefined)).toBe(false);
  });

  it('admins change anything; support and viewers nothing', () => {
    expect(mayChangeSubject(principal({ role: 'admin' }), 'x.y', undefined)).toBe(true);
    expect(mayChangeSubject(principal({ role: 'support' }), 'invoice.posted', 'finance')).toBe(
      false,
    );
  });

  it('tenant-scoped callers see only their tenants', () => {
    expect(maySeeTenant(principal({ tenants: ['acme'] }), 'acme')).toBe(true);
    expect(maySeeTenant(principal({ tenants: ['acme'] }), 'globex')).toBe(false);
    expect(maySeeTenant(principal({ tenants: ['*'] }), 'globex')).toBe(true);
  });
});
