import { createHash, timingSafeEqual } from 'node:crypto';
import type { OwnershipScope, Principal, PrincipalKind } from './principal';
import type { Role } from './roles';

/**
 * Bearer access tokens: `plbu_<id>_<secret>` for people, `plbs_<id>_<secret>` for service
 * accounts. The id is public (it names the token in lists, logs and the audit log); the secret is
 * 32 random bytes, shown once when the token is created and stored only as its SHA-256. A slow
 * password hash is not needed: the secret has 256 bits of entropy, so nothing can be guessed.
 */
export const tokenPrefix: Readonly<Record<PrincipalKind, string>> = {
  human: 'plbu',
  service: 'plbs',
};

const tokenPattern = /^(plbu|plbs)_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedToken {
  readonly kind: PrincipalKind;
  readonly id: string;
  readonly secret: string;
}

/** Splits a bearer token; undefined when it is not one of ours (never say why: it may be a secret). */
export function parseToken(raw: string): ParsedToken | undefined {
  const match = tokenPattern.exec(raw);
  if (match === null) return undefined;
  return { kind: match[1] === 'plbu' ? 'human' : 'service', id: match[2]!, secret: match[3]! };
}

export function formatToken(kind: PrincipalKind, id: string, secret: string): string {
  return `${tokenPrefix[kind]}_${id}_${secret}`;
}

/** A new token id and secret from `random` (32+ bytes of CSPRNG output for the secret). */
export function newTokenParts(random: (size: number) => Uint8Array): {
  id: string;
  secret: string;
} {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const id = [...random(16)].map((byte) => alphabet[byte % alphabet.length]).join('');
  const secret = Buffer.from(random(32)).toString('base64url');
  return { id, secret };
}

export function hashSecret(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('hex')}`;
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret));
  const stored = Buffer.from(storedHash);
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** What is stored per token (never the secret). Times are ISO-8601 strings. */
export interface AccessTokenRecord {
  readonly id: string;
  readonly kind: PrincipalKind;
  /** An e-mail address for people, a service account name for machines. */
  readonly name: string;
  readonly role: Role;
  readonly scope: OwnershipScope;
  readonly tenants: readonly string[];
  readonly description: string;
  readonly secretHash: string;
  readonly createdAt: string;
  readonly createdBy: string;
  /** Null: never expires (only the bootstrap token, which should be revoked once used). */
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly revokedBy: string | null;
  readonly revokeReason: string | null;
}

export type TokenState = 'active' | 'expired' | 'revoked';

export function tokenState(record: AccessTokenRecord, now: Date): TokenState {
  if (record.revokedAt !== null) return 'revoked';
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now.getTime()) return 'expired';
  return 'active';
}

/** The record without its hash: what lists and the audit log show. */
export type AccessTokenView = Omit<AccessTokenRecord, 'secretHash'> & {
  readonly state: TokenState;
};

export function viewToken(record: AccessTokenRecord, now: Date): AccessTokenView {
  const { secretHash: _hash, ...rest } = record;
  return { ...rest, state: tokenState(record, now) };
}

export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: 'malformed' | 'unknown' | 'expired' | 'revoked' };

/** Checks a presented bearer token against the stored record for its id. */
export function authenticateToken(
  raw: string,
  lookup: (id: string) => AccessTokenRecord | undefined,
  now: Date,
): Authentication {
  const parsed = parseToken(raw);
  if (parsed === undefined) return { ok: false, reason: 'malformed' };
  const record = lookup(parsed.id);
  if (
    record === undefined ||
    record.kind !== parsed.kind ||
    !secretMatches(parsed.secret, record.secretHash)
  )
    return { ok: false, reason: 'unknown' };
  const state = tokenState(record, now);
  if (state !== 'active') return { ok: false, reason: state };
  return {
    ok: true,
    principal: {
      id: record.id,
      kind: record.kind,
      name: record.name,
      role: record.role,
      scope: record.scope,
      tenants: record.tenants,
    },
  };
}
