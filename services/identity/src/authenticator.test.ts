import { describe, expect, it } from 'vitest';
import { unscoped, type Authentication } from '@plumbline/core';
import { firstAuthenticator, type Authenticator } from './authenticator';

const answering = (prefix: string, name: string): Authenticator => ({
  authenticate(credential): Authentication {
    if (!credential.startsWith(prefix)) return { ok: false, reason: 'malformed' };
    if (credential.endsWith('-revoked')) return { ok: false, reason: 'revoked' };
    return {
      ok: true,
      principal: {
        id: credential,
        kind: 'human',
        name,
        role: 'viewer',
        scope: unscoped,
        tenants: ['*'],
      },
    };
  },
});

describe('firstAuthenticator (the seam an OIDC provider plugs into)', () => {
  const chain = firstAuthenticator(answering('plbu_', 'token'), answering('eyJ', 'oidc'));

  it('asks each in turn; the first that recognises the credential answers', async () => {
    expect(await chain.authenticate('plbu_x')).toMatchObject({
      ok: true,
      principal: { name: 'token' },
    });
    expect(await chain.authenticate('eyJhbGciOi')).toMatchObject({
      ok: true,
      principal: { name: 'oidc' },
    });
  });

  it('a recognised but refused credential is not passed on', async () => {
    expect(await chain.authenticate('plbu_x-revoked')).toEqual({ ok: false, reason: 'revoked' });
  });

  it('a credential nobody recognises is malformed', async () => {
    expect(await chain.authenticate('Basic abc')).toEqual({ ok: false, reason: 'malformed' });
  });
});
