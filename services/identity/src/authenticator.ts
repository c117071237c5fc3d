import type { Authentication } from '@plumbline/core';

/**
 * The one question the API asks about a caller: who is behind this bearer credential?
 *
 * This is the seam for single sign-on. Today `IdentityService` answers for Plumbline's own access
 * tokens. An OIDC provider plugs in as another `Authenticator` that verifies the provider's JWT
 * (issuer, audience, expiry, signature against the provider's JWKS) and maps its claims to a
 * `Principal` (`sub` → id, `email` → name, a group or role claim → role and scope). Combine them
 * with `firstAuthenticator`, so service accounts keep their tokens while people sign in through
 * the provider. Nothing past this interface (routes, access table, audit) changes.
 */
export interface Authenticator {
  authenticate(credential: string): Promise<Authentication> | Authentication;
}

/**
 * Asks each authenticator in turn; the first that recognises the credential answers. A credential
 * none recognises is `malformed`.
 */
export function firstAuthenticator(...authenticators: readonly Authenticator[]): Authenticator {
  return {
    async authenticate(credential) {
      for (const authenticator of authenticators) {
        const result = await authenticator.authenticate(credential);
        if (result.ok || result.reason !== 'malformed') return result;
      }
      return { ok: false, reason: 'malformed' };
    },
  };
}
