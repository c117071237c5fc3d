import { describe, expect, it } from 'vitest';
import { isPlumblineError } from '../errors';
import { authenticateToken, hashSecret, parseToken } from './access-token';
import { issueToken, parseTokenRequest, revokeToken, tokenLifetime } from './token-request';

const problemsOf = (body: Record<string, unknown>): string[] => {
  try {
    parseTokenRequest(body);
  } catch (error) {
    if (isPlumblineError(error)) return error.details.problems as string[];
    throw error;
  }
  return [];
};
const counter = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 7 + 3) % 256);
const now = new Date('2026-11-23T10:00:00Z');

describe('parseTokenRequest', () => {
  it('takes a valid request with defaults: every tenant, 90 days, no scope', () => {
    expect(parseTokenRequest({ kind: 'human', name: 'ada@acme.test', role: 'viewer' })).toEqual({
      kind: 'human',
      name: 'ada@acme.test',
      role: 'viewer',
      subjects: [],
      domains: [],
      tenants: ['*'],
      description: '',
      expiresInDays: tokenLifetime.defaultDays,
    });
  });

  it('refuses unknown fields (mass assignment) and lists every problem at once', () => {
    expect(
      problemsOf({ kind: 'robot', name: '', role: 'root', secretHash: 'x', expiresInDays: 0 }),
    ).toEqual([
      'unknown field(s): secretHash',
      "'kind' must be 'human' (a person) or 'service' (a service account)",
      "'role' must be one of admin, contract-owner, support, viewer",
      "'expiresInDays' must be a whole number from 1 to 365",
    ]);
  });

  it('keeps people and machines apart by name: e-mail for a person, a slug for a service', () => {
    expect(problemsOf({ kind: 'human', name: 'odoo-sync', role: 'viewer' })).toEqual([
      "'name' of a person's token must be their e-mail address",
    ]);
    expect(problemsOf({ kind: 'service', name: 'Ada Lovelace', role: 'viewer' })).toHaveLength(1);
    expect(problemsOf({ kind: 'service', name: 'odoo-sync', role: 'viewer' })).toEqual([]);
  });

  it('scopes contract owners and only them', () => {
    expect(problemsOf({ kind: 'human', name: 'o@acme.test', role: 'contract-owner' })).toEqual([
      "a contract-owner token needs the 'subjects' or 'domains' it owns",
    ]);
    expect(
      problemsOf({ kind: 'human', name: 'o@acme.test', role: 'support', domains: ['finance'] }),
    ).toEqual(["only a contract-owner token is scoped by 'subjects' or 'domains'"]);
    expect(
      problemsOf({
        kind: 'human',
        name: 'o@acme.test',
        role: 'contract-owner',
        subjects: ['change_order.*'],
        tenants: [],
      }),
    ).toEqual(["'tenants' must name at least one tenant (or '*')"]);
    expect(
      problemsOf({ kind: 'human', name: 'o@acme.test', role: 'contract-owner', subjects: ['a b'] }),
    ).toContain("'subjects' must be a list of at most 100 names or type patterns");
  });
});

describe('issueToken and revokeToken', () => {
  const request = parseTokenRequest({
    kind: 'service',
    name: 'odoo-sync',
    role: 'support',
    tenants: ['acme'],
    expiresInDays: 30,
  });

  it('issues a token whose secret is stored only as its hash, expiring after its lifetime', () => {
    const { token, record } = issueToken(request, 'ada@acme.test', now, counter);
    const parsed = parseToken(token)!;
    expect(parsed).toMatchObject({ kind: 'service', id: record.id });
    expect(JSON.stringify(record)).not.toContain(parsed.secret);
    expect(record.secretHash).toBe(hashSecret(parsed.secret));
    expect(record).toMatchObject({
      createdBy: 'ada@acme.test',
      createdAt: now.toISOString(),
      expiresAt: '2026-12-23T10:00:00.000Z',
      tenants: ['acme'],
      revokedAt: null,
    });
    const authenticated = authenticateToken(token, () => record, now);
    expect(authenticated).toMatchObject({
      ok: true,
      principal: { role: 'support', tenants: ['acme'] },
    });
  });

  it('revocation records who, when and why, and a second revocation keeps the first', () => {
    const { record } = issueToken(request, 'ada@acme.test', now, counter);
    const revoked = revokeToken(record, 'ada@acme.test', 'rotated', now);
    expect(revoked).toMatchObject({ revokedBy: 'ada@acme.test', revokeReason: 'rotated' });
    const later = new Date(now.getTime() + 1_000);
    expect(revokeToken(revoked, 'bob@acme.test', 'again', later)).toBe(revoked);
  });
});
