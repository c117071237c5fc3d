import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  authenticateToken,
  formatToken,
  hashSecret,
  newTokenParts,
  parseToken,
  tokenState,
  viewToken,
  type AccessTokenRecord,
} from './access-token';

const now = new Date('2026-11-23T10:00:00Z');
const { id, secret } = newTokenParts((size) => randomBytes(size));
const record: AccessTokenRecord = {
  id,
  kind: 'human',
  name: 'alice@acme.test',
  role: 'support',
  scope: { subjects: [], domains: [] },
  tenants: ['acme'],
  description: 'support rota',
  secretHash: hashSecret(secret),
  createdAt: '2026-11-01T00:00:00Z',
  createdBy: 'bootstrap',
  expiresAt: '2027-01-01T00:00:00Z',
  revokedAt: null,
  revokedBy: null,
  revokeReason: null,
};
const token = formatToken('human', id, secret);
const lookup = (wanted: string) => (wanted === id ? record : undefined);

describe('access tokens', () => {
  it('round-trips through its text form, kind in the prefix', () => {
    expect(token).toMatch(/^plbu_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseToken(token)).toEqual({ kind: 'human', id, secret });
    expect(parseToken(formatToken('service', id, secret))?.kind).toBe('service');
    expect(parseToken('Bearer ' + token)).toBeUndefined();
    expect(parseToken(token + 'x')).toBeUndefined();
  });

  it('is never stored: only a hash of the secret, which the view leaves out', () => {
    expect(record.secretHash).not.toContain(secret);
    expect(JSON.stringify(viewToken(record, now))).not.toContain(record.secretHash);
    expect(viewToken(record, now).state).toBe('active');
  });

  it('authenticates the right secret and names the principal', () => {
    const result = authenticateToken(token, lookup, now);
    expect(result).toEqual({
      ok: true,
      principal: {
        id,
        kind: 'human',
        name: 'alice@acme.test',
        role: 'support',
        scope: { subjects: [], domains: [] },
        tenants: ['acme'],
      },
    });
  });

  it('refuses a wrong secret, an unknown id, a kind that does not match, and garbage', () => {
    const other = newTokenParts((size) => randomBytes(size)).secret;
    expect(authenticateToken(formatToken('human', id, other), lookup, now)).toEqual({
      ok: false,
      reason: 'unknown',
    });
    expect(authenticateToken(formatToken('service', id, secret), lookup, now)).toEqual({
      ok: false,
      reason: 'unknown',
    });
    expect(authenticateToken(formatToken('human', 'a'.repeat(16), secret), lookup, now)).toEqual({
      ok: false,
      reason: 'unknown',
    });
    expect(authenticateToken('hunter2', lookup, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses expired and revoked tokens', () => {
    expect(tokenState(record, new Date('2027-01-01T00:00:00Z'))).toBe('expired');
    expect(authenticateToken(token, lookup, new Date('2027-02-01T00:00:00Z'))).toEqual({
      ok: false,
      reason: 'expired',
    });
    const revoked = { ...record, revokedAt: '2026-11-20T00:00:00Z', revokedBy: 'bob' };
    expect(authenticateToken(token, () => revoked, now)).toEqual({ ok: false, reason: 'revoked' });
    expect(tokenState({ ...record, expiresAt: null }, new Date('2099-01-01'))).toBe('active');
  });

  it('draws ids and secrets from the random source given', () => {
    const zeros = newTokenParts((size) => new Uint8Array(size));
    expect(zeros).toEqual({ id: 'a'.repeat(16), secret: 'A'.repeat(43) });
  });
});
