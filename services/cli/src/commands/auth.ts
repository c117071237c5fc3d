import { Command, Option } from 'commander';
import { roles, type AccessTokenView } from '@plumbline/core';
import { apiClient } from '../api-client';
import type { CliIo } from './contracts';

const list = (value: string, previous: string[] = []) => [...previous, value];

/** `plumbline auth …` and `plumbline audit`: access tokens and the audit log, through the API. */
export function authCommands(
  io: CliIo,
  env: Readonly<Record<string, string | undefined>>,
): Command[] {
  const api = () => apiClient(env);
  const auth = new Command('auth').description(
    'access tokens for people and service accounts (PLUMBLINE_TOKEN authenticates the CLI)',
  );

  auth
    .command('whoami')
    .description('who PLUMBLINE_TOKEN is, and what it may do')
    .action(async () => {
      const me = await api().request<{
        name: string;
        kind: string;
        role: string;
        id: string;
        permissions: string[];
        scope: { subjects: string[]; domains: string[] };
        tenants: string[];
      }>('GET', '/api/auth/me');
      io.out(`${me.name} (${me.kind}, ${me.role}) token ${me.id}`);
      io.out(`  permissions: ${me.permissions.join(', ')}`);
      if (me.scope.subjects.length + me.scope.domains.length > 0)
        io.out(
          `  owns: ${[...me.scope.subjects, ...me.scope.domains.map((domain) => `domain ${domain}`)].join(', ')}`,
        );
      io.out(`  tenants: ${me.tenants.join(', ')}`);
    });

  auth
    .command('create')
    .description('issue a token; it is printed once, only its hash is kept')
    .argument('<name>', "a person's e-mail address, or a service account name")
    .addOption(new Option('--role <role>', 'what it may do').choices(roles).makeOptionMandatory())
    .option('--service', 'a service account (a machine), not a person')
    .option('--subject <pattern>', 'contract-owner: a type pattern it owns (repeatable)', list)
    .option('--domain <domain>', 'contract-owner: a registry domain it owns (repeatable)', list)
    .option('--tenant <tenant>', "a tenant whose data it may see (repeatable; default '*')", list)
    .option('--expires-in-days <days>', 'lifetime in days (1-365; default 90)')
    .option('--description <text>', 'what the token is for')
    .action(
      async (
        name: string,
        options: {
          role: string;
          service?: boolean;
          subject?: string[];
          domain?: string[];
          tenant?: string[];
          expiresInDays?: string;
          description?: string;
        },
      ) => {
        const created = await api().request<{ token: string; view: AccessTokenView }>(
          'POST',
          '/api/auth/tokens',
          {
            kind: options.service === true ? 'service' : 'human',
            name,
            role: options.role,
            ...(options.subject === undefined ? {} : { subjects: options.subject }),
            ...(options.domain === undefined ? {} : { domains: options.domain }),
            ...(options.tenant === undefined ? {} : { tenants: options.tenant }),
            ...(options.expiresInDays === undefined
              ? {}
              : { expiresInDays: Number(options.expiresInDays) }),
            ...(options.description === undefined ? {} : { description: options.description }),
          },
        );
        io.err(
          `token ${created.view.id} for ${created.view.name} (${created.view.role}), expires ${created.view.expiresAt ?? 'never'}; shown only now:`,
        );
        io.out(created.token);
      },
    );

  auth
    .command('list')
    .description('every token: id, who, role, state, expiry (never a secret)')
    .addOption(
      new Option('--state <state>', 'only these').choices(['active', 'expired', 'revoked']),
    )
    .action(async (options: { state?: string }) => {
      const query = options.state === undefined ? '' : `?state=${options.state}`;
      const { tokens } = await api().request<{ tokens: AccessTokenView[] }>(
        'GET',
        `/api/auth/tokens${query}`,
      );
      if (tokens.length === 0) io.out('no tokens');
      for (const token of tokens)
        io.out(
          `${token.id}  ${token.state.padEnd(7)}  ${token.kind.padEnd(7)}  ${token.role.padEnd(14)}  ${token.name}  expires ${token.expiresAt ?? 'never'}`,
        );
    });

  auth
    .command('revoke')
    .description('revoke a token at once, on every API process')
    .argument('<id>', 'token id (from auth list)')
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .action(async (id: string, options: { reason: string }) => {
      const token = await api().request<AccessTokenView>(
        'POST',
        `/api/auth/tokens/${encodeURIComponent(id)}/revoke`,
        { reason: options.reason },
      );
      io.out(`${token.id} (${token.name}): ${token.state} at ${token.revokedAt ?? ''}`);
    });

  const audit = new Command('audit')
    .description('the audit log, newest first (admins)')
    .option('--target <target>', "only this target, e.g. 'change_order.approved' or 'token:<id>'")
    .option('--action <action>', "only this action, e.g. 'token.revoke'")
    .option('--actor <actor>', 'only this actor')
    .option('--limit <n>', 'at most this many (1-1000; default 100)')
    .option('--json', 'one JSON object per line')
    .action(
      async (options: {
        target?: string;
        action?: string;
        actor?: string;
        limit?: string;
        json?: boolean;
      }) => {
        const query = new URLSearchParams({
          ...(options.target ? { target: options.target } : {}),
          ...(options.action ? { action: options.action } : {}),
          ...(options.actor ? { actor: options.actor } : {}),
          ...(options.limit ? { limit: options.limit } : {}),
        });
        const { entries } = await api().request<{
          entries: {
            at: string;
            actor: string;
            role: string;
            action: string;
            target: string;
            reason: string;
            requestId: string;
          }[];
        }>('GET', `/api/audit?${query.toString()}`);
        for (const entry of entries) {
          if (options.json === true) io.out(JSON.stringify(entry));
          else
            io.out(
              `${entry.at}  ${entry.actor} (${entry.role})  ${entry.action}  ${entry.target}${entry.reason === '' ? '' : `  "${entry.reason}"`}`,
            );
        }
      },
    );

  return [auth, audit];
}
