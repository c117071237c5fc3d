import { compileTypePattern } from '../policies/type-pattern';
import { roleHas, type Permission, type Role } from './roles';

/** People and machines are different identities: a service account is never a person. */
export type PrincipalKind = 'human' | 'service';

/**
 * What a contract owner owns: subjects by event-type pattern (`change_order.*`, `finance.>`) and/or
 * whole registry domains (`finance`). Other roles are not scoped.
 */
export interface OwnershipScope {
  readonly subjects: readonly string[];
  readonly domains: readonly string[];
}

/** An authenticated caller, however it authenticated (access token today, OIDC later). */
export interface Principal {
  /** Stable id of the credential (token id, or the OIDC `sub`). */
  readonly id: string;
  readonly kind: PrincipalKind;
  /** Who, for people and the audit log: an e-mail address or a service account name. */
  readonly name: string;
  readonly role: Role;
  readonly scope: OwnershipScope;
  /** Tenants whose data this caller may see; `*` for all. */
  readonly tenants: readonly string[];
}

export const unscoped: OwnershipScope = { subjects: [], domains: [] };

export function can(principal: Principal, permission: Permission): boolean {
  return roleHas(principal.role, permission);
}

/**
 * Object-level check for contract changes: admins may change any subject; contract owners only
 * subjects their scope names, by type pattern or by the subject's registry domain. A subject that
 * does not exist yet has no domain, so only a type pattern can grant its first version.
 */
export function mayChangeSubject(
  principal: Principal,
  type: string,
  domain: string | undefined,
): boolean {
  if (principal.role === 'admin') return true;
  if (principal.role !== 'contract-owner') return false;
  if (domain !== undefined && domain !== '' && principal.scope.domains.includes(domain))
    return true;
  return principal.scope.subjects.some((pattern) => compileTypePattern(pattern)(type));
}

/** Object-level check for tenant data (dead letters, lineage): `*` sees every tenant. */
export function maySeeTenant(principal: Principal, tenant: string): boolean {
  return principal.tenants.includes('*') || principal.tenants.includes(tenant);
}
