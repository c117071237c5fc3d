import { Command, Option } from 'commander';
import {
  checkCompatibility,
  diffSchemas,
  type CompatibilityMode,
  type JsonSchema,
} from '@plumbline/core';
import { apiClient } from '../api-client';
import { FileError, readContractFile, readJsonFile } from '../schema-file';

const modes = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
];

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Sets the exit code: 0 ok, 1 a check failed, 2 usage or I/O error. */
  exit(code: number): void;
}

interface Change {
  pointer: string;
  kind: string;
  compatible: boolean;
  message: string;
  againstVersion?: number;
}

/** `plumbline contracts …`: for contract owners and their CI. */
export function contractsCommand(
  io: CliIo,
  env: Readonly<Record<string, string | undefined>>,
): Command {
  const api = () => apiClient(env);
  const command = new Command('contracts').description('register, check and evolve contracts');
  const printChanges = (changes: readonly Change[], onlyIncompatible: boolean) => {
    for (const change of changes) {
      if (onlyIncompatible && change.compatible) continue;
      const against =
        change.againstVersion === undefined ? '' : ` (against v${change.againstVersion})`;
      io.out(
        `  ${change.compatible ? 'ok  ' : 'FAIL'} ${change.kind} ${change.pointer}${against}: ${change.message}`,
      );
    }
  };

  command
    .command('register')
    .argument('<file>', 'contract file (JSON Schema)')
    .option('--type <type>', 'event type (default: from $id or the directory name)')
    .option('--domain <domain>', 'domain, for a subject registered for the first time')
    .option('--owner <team>', 'owner team, for a new subject')
    .option('--draft', 'register as a draft (mutable, not usable by producers)')
    .option('--reason <text>', 'why (kept in the audit log)')
    .description('register a new version (same schema twice returns the existing version)')
    .action(
      async (
        file: string,
        options: {
          type?: string;
          domain?: string;
          owner?: string;
          draft?: boolean;
          reason?: string;
        },
      ) => {
        const { type, schema } = await readContractFile(file, options.type);
        const result = await api().request<{
          outcome: string;
          version: { version: number; state: string };
          lint: { rule: string; message: string }[];
        }>('POST', `/api/contracts/${encodeURIComponent(type)}/versions`, {
          schema,
          draft: options.draft === true,
          ...(options.reason === undefined ? {} : { reason: options.reason }),
          ...(options.domain === undefined
            ? {}
            : {
                subject: {
                  domain: options.domain,
                  ...(options.owner === undefined ? {} : { ownerTeam: options.owner }),
                },
              }),
        });
        io.out(`${type} v${result.version.version}: ${result.outcome} (${result.version.state})`);
        for (const finding of result.lint) io.out(`  lint ${finding.rule}: ${finding.message}`);
      },
    );

  command
    .command('check')
    .argument('<file>', 'contract file (JSON Schema)')
    .option('--type <type>', 'event type (default: from $id or the directory name)')
    .option('--json', 'print the result as JSON')
    .description(
      'check a file against the registry without registering: exit 0 compatible, 1 incompatible, 2 error',
    )
    .action(async (file: string, options: { type?: string; json?: boolean }) => {
      const { type, schema } = await readContractFile(file, options.type);
      const result = await api().request<{
        compatible: boolean;
        version?: number;
        existingVersion?: number;
        mode?: string;
        changes?: Change[];
        problems?: Change[];
        message?: string;
        lint?: unknown[];
      }>('POST', `/api/contracts/${encodeURIComponent(type)}/compatibility`, { schema });
      if (options.json === true) io.out(JSON.stringify(result));
      else if (result.compatible) {
        io.out(
          result.existingVersion !== undefined
            ? `${file}: identical to ${type} v${result.existingVersion}`
            : `${file}: compatible with ${type} under ${result.mode ?? ''}; would register v${result.version ?? '?'}`,
        );
      } else {
        io.out(`${file}: ${result.message ?? 'incompatible'}`);
        printChanges(result.problems ?? [], false);
      }
      io.exit(result.compatible ? 0 : 1);
    });

  command
    .command('diff')
    .argument('<a>', 'a contract file, or an event type with --from/--to')
    .argument('[b]', 'the other contract file')
    .option('--from <version>', 'registered version (with an event type)')
    .option('--to <version>', 'registered version (with an event type)')
    .option('--lenient', 'lenient mode (files only)')
    .description('differences between two versions (files, or registered versions of a type)')
    .action(
      async (
        a: string,
        b: string | undefined,
        options: { from?: string; to?: string; lenient?: boolean },
      ) => {
        let result: { compatible: boolean; changes: readonly Change[] };
        if (b !== undefined) {
          const [original, update] = [await readJsonFile(a), await readJsonFile(b)] as JsonSchema[];
          result = diffSchemas(original!, update!, { lenient: options.lenient === true });
        } else {
          if (options.from === undefined || options.to === undefined)
            throw new FileError('diff <type> needs --from and --to (or give two files)');
          result = await api().request(
            'GET',
            `/api/contracts/${encodeURIComponent(a)}/diff?from=${options.from}&to=${options.to}`,
          );
        }
        io.out(result.compatible ? 'backward compatible' : 'not backward compatible');
        printChanges(result.changes, false);
      },
    );

  command
    .command('compat')
    .requiredOption('--cases <file>', 'JSON array of { original_schema, update_schema }')
    .addOption(new Option('--mode <mode>', 'compatibility mode').choices(modes).default('BACKWARD'))
    .option('--lenient', 'lenient mode')
    .description('batch check, offline: one JSON line per case {"index","compatible","changes"}')
    .action(async (options: { cases: string; mode: CompatibilityMode; lenient?: boolean }) => {
      const cases = await readJsonFile(options.cases);
      if (!Array.isArray(cases))
        throw new FileError(`${options.cases}: expected a JSON array of cases`);
      cases.forEach((item: unknown, index) => {
        const testCase = item as { original_schema?: JsonSchema; update_schema?: JsonSchema };
        if (testCase.original_schema === undefined || testCase.update_schema === undefined) {
          throw new FileError(
            `${options.cases}: case ${index} lacks original_schema or update_schema`,
          );
        }
        const result = checkCompatibility(
          [testCase.original_schema],
          testCase.update_schema,
          options.mode,
          { lenient: options.lenient === true },
        );
        io.out(
          JSON.stringify({
            index,
            compatible: result.compatible,
            changes: result.changes.map(({ againstVersion: _v, ...change }) => change),
          }),
        );
      });
    });

  for (const [name, state] of [
    ['deprecate', 'deprecated'],
    ['retire', 'retired'],
    ['activate', 'active'],
  ] as const) {
    command
      .command(name)
      .argument('<type>', 'event type')
      .argument('<version>', 'version number')
      .option('--sunset <date>', 'planned retirement date (deprecate)')
      .option('--reason <text>', 'why (kept in the audit log)')
      .description(`mark a version ${state}`)
      .action(
        async (type: string, version: string, options: { sunset?: string; reason?: string }) => {
          const result = await api().request<{ state: string; sunset?: string }>(
            'POST',
            `/api/contracts/${encodeURIComponent(type)}/versions/${version}/${name}`,
            {
              ...(options.sunset === undefined ? {} : { sunset: options.sunset }),
              ...(options.reason === undefined ? {} : { reason: options.reason }),
            },
          );
          io.out(
            `${type} v${version}: ${result.state}${result.sunset === undefined ? '' : ` (sunset ${result.sunset})`}`,
          );
        },
      );
  }

  command
    .command('usage')
    .argument('<type>', 'event type')
    .option('--from <date>', 'start (default: 7 days ago)')
    .option('--to <date>', 'end (default: now)')
    .description('which sources sent which version')
    .action(async (type: string, options: { from?: string; to?: string }) => {
      const query = new URLSearchParams({
        ...(options.from ? { from: options.from } : {}),
        ...(options.to ? { to: options.to } : {}),
      });
      const result = await api().request<{
        from: string;
        to: string;
        usage: {
          source: string;
          version: number;
          envelopes: number;
          deprecated: number;
          lastSeen: string;
        }[];
      }>('GET', `/api/contracts/${encodeURIComponent(type)}/usage?${query.toString()}`);
      io.out(`${type}, ${result.from} to ${result.to}`);
      if (result.usage.length === 0) io.out('  no envelopes');
      for (const row of result.usage) {
        io.out(
          `  v${row.version}  ${row.source.padEnd(14)} ${String(row.envelopes).padStart(8)} envelopes${row.deprecated > 0 ? ` (${row.deprecated} on a deprecated version)` : ''}, last ${row.lastSeen}`,
        );
      }
    });

  return command;
}
