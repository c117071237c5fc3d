import { randomBytes } from 'node:crypto';
import {
  ErrorCode,
  PlumblineError,
  authenticateToken,
  issueToken,
  revokeToken,
  systemActor,
  viewToken,
  type AccessTokenView,
  type Actor,
  type Authentication,
  type TokenRequest,
  auditedBy,
} from '@plumbline/core';
import { type AuditLog, type TokenStore } from '@plumbline/platform';
import type { Authenticator } from './authenticator';

export interface IdentityServiceDeps {
  readonly tokens: TokenStore;
  readonly audit: AuditLog;
  readonly now?: () => Date;
  readonly random?: (size: number) => Uint8Array;
}

export interface CreatedToken {
  /** The bearer token. Shown once: only its hash is stored. */
  readonly token: string;
  readonly view: AccessTokenView;
}

/** The name the first admin token carries. */
export const bootstrapTokenName = 'bootstrap@plumbline.local';

/**
 * Plumbline's own access tokens: issue, list, revoke, and authenticate a bearer token against the
 * live token bucket. Every change is audited with the token's view (never its hash).
 */
export class IdentityService implements Authenticator {
  readonly #tokens: TokenStore;
  readonly #audit: AuditLog;
  readonly #now: () => Date;
  readonly #random: (size: number) => Uint8Array;

  constructor(deps: IdentityServiceDeps) {
    this.#tokens = deps.tokens;
    this.#audit = deps.audit;
    this.#now = deps.now ?? (() => new Date());
    this.#random = deps.random ?? randomBytes;
  }

  authenticate(credential: string): Authentication {
    return authenticateToken(credential, (id) => this.#tokens.get(id), this.#now());
  }

  list(): AccessTokenView[] {
    const now = this.#now();
    return this.#tokens.list().map((record) => viewToken(record, now));
  }

  async create(request: TokenRequest, actor: Actor): Promise<CreatedToken> {
    const now = this.#now();
    const issued = issueToken(request, actor.id, now, this.#random);
    await this.#tokens.create(issued.record);
    const view = viewToken(issued.record, now);
    await this.#audit.record(
      { ...auditedBy(actor), action: 'token.create', target: `token:${view.id}`, after: view },
      now,
    );
    return { token: issued.token, view };
  }

  async revoke(id: string, actor: Actor, reason: string): Promise<AccessTokenView> {
    if (this.#tokens.get(id) === undefined)
      throw new PlumblineError(ErrorCode.NotFound, `no token ${id}`);
    const now = this.#now();
    const { before, after } = await this.#tokens.update(id, (record) =>
      revokeToken(record, actor.id, reason, now),
    );
    const view = viewToken(after, now);
    if (before.revokedAt === null)
      await this.#audit.record(
        {
          ...auditedBy(actor),
          action: 'token.revoke',
          target: `token:${id}`,
          before: viewToken(before, now),
          after: view,
          reason,
        },
        now,
      );
    return view;
  }

  /**
   * On the very first start only (claimed once in the token bucket, whatever the number of
   * processes): an admin token that never expires, to be printed once so a person can create
   * their own tokens and then revoke it. Undefined on every later call.
   */
  async bootstrap(): Promise<CreatedToken | undefined> {
    const now = this.#now();
    if (!(await this.#tokens.claimBootstrap(now))) return undefined;
    const issued = issueToken(
      {
        kind: 'human',
        name: bootstrapTokenName,
        role: 'admin',
        subjects: [],
        domains: [],
        tenants: ['*'],
        description:
          'first admin token, printed once at first start; revoke it once you have your own',
        expiresInDays: 1,
      },
      systemActor.id,
      now,
      this.#random,
      null,
    );
    try {
      await this.#tokens.create(issued.record);
    } catch (error) {
      await this.#tokens.releaseBootstrap(); // let the next start try again
      throw error;
    }
    const view = viewToken(issued.record, now);
    await this.#audit.record(
      {
        ...auditedBy(systemActor),
        action: 'token.bootstrap',
        target: `token:${view.id}`,
        after: view,
      },
      now,
    );
    return { token: issued.token, view };
  }
}
