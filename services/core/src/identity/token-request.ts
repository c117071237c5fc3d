import { ErrorCode, PlumblineError } from '../errors';
import { formatToken, hashSecret, newTokenParts, type AccessTokenRecord } from './access-token';
import type { PrincipalKind } from './principal';
import { isRole, roles, type Role } from './roles';

/** What a caller may ask for when creating a token. Anything else in the request is refused. */
export interface TokenRequest {
  readonly kind: PrincipalKind;
  readonly name: string;
  readonly role: Role;
  readonly subjects: readonly string[];
  readonly domains: readonly string[];
  readonly tenants: readonly string[];
  readonly description: string;
  readonly expiresInDays: number;
}

export const tokenLifetime = { defaultDays: 90, maxDays: 365 } as const;

const fields = [
  'kind',
  'name',
  'role',
  'subjects',
  'domains',
  'tenants',
  'description',
  'expiresInDays',
] as const;

const emailPattern = /^[^\s@]{1,64}@[^\s@]{1,190}$/;
const serviceNamePattern = /^[a-z0-9][a-z0-9._-]{1,62}$/;
const scopePattern = /^[A-Za-z0-9_.*>-]{1,120}$/;

/**
 * Validates a token request field by field. Unknown fields are refused rather than ignored
 * (mass assignment: nobody sets `secretHash`, `createdBy` or `revokedAt` through this door).
 */
export function parseTokenRequest(body: Readonly<Record<string, unknown>>): TokenRequest {
  const problems: string[] = [];
  const unknown = Object.keys(body).filter((key) => !fields.includes(key as never));
  if (unknown.length > 0) problems.push(`unknown field(s): ${unknown.join(', ')}`);

  const kind = body.kind;
  if (kind !== 'human' && kind !== 'service')
    problems.push("'kind' must be 'human' (a person) or 'service' (a service account)");

  const name = body.name;
  if (typeof name !== 'string') problems.push("'name' is required");
  else if (kind === 'human' && !emailPattern.test(name))
    problems.push("'name' of a person's token must be their e-mail address");
  else if (kind === 'service' && !serviceNamePattern.test(name))
    problems.push(
      "'name' of a service account must be 2-63 lower-case letters, digits, '.', '_' or '-'",
    );

  const role = body.role;
  if (!isRole(role)) problems.push(`'role' must be one of ${roles.join(', ')}`);

  const list = (key: string, fallback: readonly string[]): readonly string[] => {
    const value = body[key];
    if (value === undefined) return fallback;
    if (
      !Array.isArray(value) ||
      value.length > 100 ||
      value.some((item) => typeof item !== 'string' || !scopePattern.test(item))
    ) {
      problems.push(`'${key}' must be a list of at most 100 names or type patterns`);
      return fallback;
    }
    return value as string[];
  };
  const subjects = list('subjects', []);
  const domains = list('domains', []);
  const tenants = list('tenants', ['*']);
  if (role === 'contract-owner' && subjects.length === 0 && domains.length === 0)
    problems.push("a contract-owner token needs the 'subjects' or 'domains' it owns");
  if (isRole(role) && role !== 'contract-owner' && (subjects.length > 0 || domains.length > 0))
    problems.push("only a contract-owner token is scoped by 'subjects' or 'domains'");
  if (tenants.length === 0) problems.push("'tenants' must name at least one tenant (or '*')");

  const description = body.description ?? '';
  if (typeof description !== 'string' || description.length > 500)
    problems.push("'description' must be a string of at most 500 characters");

  const expiresInDays = body.expiresInDays ?? tokenLifetime.defaultDays;
  if (
    typeof expiresInDays !== 'number' ||
    !Number.isInteger(expiresInDays) ||
    expiresInDays < 1 ||
    expiresInDays > tokenLifetime.maxDays
  )
    problems.push(`'expiresInDays' must be a whole number from 1 to ${tokenLifetime.maxDays}`);

  if (problems.length > 0)
    throw new PlumblineError(ErrorCode.BadRequest, problems.join('; '), {
      details: { problems },
    });
  return {
    kind: kind as PrincipalKind,
    name: name as string,
    role: role as Role,
    subjects,
    domains,
    tenants,
    description: description as string,
    expiresInDays: expiresInDays as number,
  };
}

export interface IssuedToken {
  /** The bearer token: shown once, never stored. */
  readonly token: string;
  readonly record: AccessTokenRecord;
}

/** A new token for `request`; `random` is the CSPRNG (`crypto.randomBytes`). */
export function issueToken(
  request: TokenRequest,
  createdBy: string,
  now: Date,
  random: (size: number) => Uint8Array,
  expiresAt: Date | null = new Date(now.getTime() + request.expiresInDays * 86_400_000),
): IssuedToken {
  const { id, secret } = newTokenParts(random);
  return {
    token: formatToken(request.kind, id, secret),
    record: {
      id,
      kind: request.kind,
      name: request.name,
      role: request.role,
      scope: { subjects: request.subjects, domains: request.domains },
      tenants: request.tenants,
      description: request.description,
      secretHash: hashSecret(secret),
      createdAt: now.toISOString(),
      createdBy,
      expiresAt: expiresAt === null ? null : expiresAt.toISOString(),
      revokedAt: null,
      revokedBy: null,
      revokeReason: null,
    },
  };
}

/** The record after revocation; revoking twice keeps the first revocation. */
export function revokeToken(
  record: AccessTokenRecord,
  by: string,
  reason: string,
  now: Date,
): AccessTokenRecord {
  if (record.revokedAt !== null) return record;
  return { ...record, revokedAt: now.toISOString(), revokedBy: by, revokeReason: reason };
}
