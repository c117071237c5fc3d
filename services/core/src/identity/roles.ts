/**
 * Who may do what. Four roles, each a fixed set of permissions; the API checks one permission per
 * route (see `services/api/src/access.ts`), plus the object-level checks in `principal.ts`.
 */
export const roles = ['admin', 'contract-owner', 'support', 'viewer'] as const;
export type Role = (typeof roles)[number];

export const Permission = {
  /** Who am I, what may I do. Every authenticated caller. */
  IdentityRead: 'identity:read',
  /** Business and integration dashboards (KPIs, flows). */
  DashboardsRead: 'dashboards:read',
  /** Contracts, versions, diffs, usage. */
  ContractsRead: 'contracts:read',
  /** Register versions, change lifecycle and subject metadata (scoped for contract owners). */
  ContractsWrite: 'contracts:write',
  /** Registry-wide settings: default compatibility mode, mandatory lint rules. */
  RegistryConfigure: 'registry:configure',
  /** Dead letters with sensitive fields masked. */
  DeadLettersRead: 'dead-letters:read',
  /** The original bytes of a dead letter, sensitive fields in clear (an audited read). */
  DeadLettersPayload: 'dead-letters:payload',
  /** Replay, patch, resolve dead letters; cancel replay jobs. */
  DeadLettersReplay: 'dead-letters:replay',
  /** The audit log. */
  AuditRead: 'audit:read',
  /** Create, list and revoke access tokens. */
  TokensManage: 'tokens:manage',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export const allPermissions: readonly Permission[] = Object.values(Permission);

/** The allowed matrix. A role not listing a permission does not have it. */
export const rolePermissions: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  admin: new Set(allPermissions),
  'contract-owner': new Set([
    Permission.IdentityRead,
    Permission.DashboardsRead,
    Permission.ContractsRead,
    Permission.ContractsWrite,
  ]),
  support: new Set([
    Permission.IdentityRead,
    Permission.DashboardsRead,
    Permission.ContractsRead,
    Permission.DeadLettersRead,
    Permission.DeadLettersPayload,
    Permission.DeadLettersReplay,
  ]),
  viewer: new Set([Permission.IdentityRead, Permission.DashboardsRead]),
};

export function isRole(value: unknown): value is Role {
  return roles.includes(value as Role);
}

export function roleHas(role: Role, permission: Permission): boolean {
  return rolePermissions[role].has(permission);
}
