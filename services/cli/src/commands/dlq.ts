import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { DeadLetter, Problem, ReplayJob } from '@plumbline/core';
import { apiClient } from '../api-client';
import type { CliIo } from './contracts';

const list = (value: string, previous: string[] = []) => [...previous, value];

interface FilterOptions {
  reason?: string[];
  type?: string[];
  source?: string[];
  tenant?: string[];
  state?: string[];
  businessKey?: string;
  correlationId?: string;
  problem?: string;
  text?: string;
  from?: string;
  to?: string;
}

const withFilterOptions = (command: Command) =>
  command
    .option('--reason <reason>', 'reason (repeatable)', list)
    .option('--type <type>', 'event type (repeatable)', list)
    .option('--source <source>', 'source system (repeatable)', list)
    .option('--tenant <tenant>', 'tenant (repeatable)', list)
    .option('--state <state>', 'open, replayed, resolved, expired (repeatable)', list)
    .option('--business-key <key>', 'business key')
    .option('--correlation-id <id>', 'correlation id')
    .option('--problem <key>', 'problem key (reason|type|pointer)')
    .option('--text <text>', 'words in the error')
    .option('--from <time>', 'dead-lettered at or after (RFC 3339)')
    .option('--to <time>', 'dead-lettered before (RFC 3339)');

function filterQuery(options: FilterOptions): URLSearchParams {
  const query = new URLSearchParams();
  const lists = { reason: options.reason, type: options.type, source: options.source };
  for (const [name, values] of Object.entries({
    ...lists,
    tenant: options.tenant,
    state: options.state,
  }))
    if (values !== undefined) query.set(name, values.join(','));
  const texts = {
    businessKey: options.businessKey,
    correlationId: options.correlationId,
    problem: options.problem,
    text: options.text,
    from: options.from,
    to: options.to,
  };
  for (const [name, value] of Object.entries(texts))
    if (value !== undefined) query.set(name, value);
  return query;
}

function filterBody(options: FilterOptions): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries({
      reasons: options.reason,
      types: options.type,
      sources: options.source,
      tenants: options.tenant,
      states: options.state,
      businessKey: options.businessKey,
      correlationId: options.correlationId,
      problemKey: options.problem,
      text: options.text,
      from: options.from,
      to: options.to,
    }).filter(([, value]) => value !== undefined),
  );
}

interface ReplayOptions extends FilterOptions {
  id?: string[];
  patch?: string;
  rate?: string;
  why: string;
  ticket?: string;
}

/** `plumbline dlq …`: dead letters for support, through the API (token: PLUMBLINE_TOKEN). */
export function dlqCommand(io: CliIo, env: Readonly<Record<string, string | undefined>>): Command {
  const api = () => apiClient(env);
  const dlq = new Command('dlq').description('dead letters: find, group, resolve, dry-run, replay');

  withFilterOptions(dlq.command('list'))
    .description('dead letters, newest first')
    .option('--limit <n>', 'page size (default 50, at most 500)')
    .option('--cursor <cursor>', 'next page (printed at the end of a page)')
    .option('--json', 'one JSON object per line')
    .action(
      async (options: FilterOptions & { limit?: string; cursor?: string; json?: boolean }) => {
        const query = filterQuery(options);
        if (options.limit !== undefined) query.set('limit', options.limit);
        if (options.cursor !== undefined) query.set('cursor', options.cursor);
        const page = await api().request<{ items: DeadLetter[]; nextCursor?: string }>(
          'GET',
          `/api/dead-letters?${query.toString()}`,
        );
        for (const item of page.items)
          io.out(
            options.json === true
              ? JSON.stringify(item)
              : `${String(item.seq).padStart(8)}  ${new Date(item.deadLetteredAt).toISOString()}  ${item.state.padEnd(8)}  ${item.reason.padEnd(20)}  ${item.type}  ${item.source}  ${item.detail.slice(0, 80)}`,
          );
        if (page.nextCursor !== undefined) io.err(`more: --cursor ${page.nextCursor}`);
      },
    );

  withFilterOptions(dlq.command('problems'))
    .description('dead letters grouped by cause, most frequent first')
    .action(async (options: FilterOptions) => {
      const { problems } = await api().request<{ problems: Problem[] }>(
        'GET',
        `/api/dead-letters/problems?${filterQuery(options).toString()}`,
      );
      if (problems.length === 0) io.out('no problems');
      for (const problem of problems)
        io.out(
          `${String(problem.count).padStart(7)} (${problem.open} open)  ${problem.triage.state.padEnd(12)}  ${problem.key}  ${problem.sampleMessage.slice(0, 80)}`,
        );
    });

  dlq
    .command('show')
    .argument('<seq>', 'dead-letter sequence')
    .option('--reveal', 'the original payload, sensitive fields in clear (audited)')
    .description('one dead letter: reason, errors, headers, payload (sensitive fields masked)')
    .action(async (seq: string, options: { reveal?: boolean }) => {
      const detail = await api().request<unknown>(
        'GET',
        `/api/dead-letters/${encodeURIComponent(seq)}${options.reveal === true ? '?reveal=payload' : ''}`,
      );
      io.out(JSON.stringify(detail, null, 2));
    });

  const replayCommand = (name: 'dry-run' | 'replay') =>
    withFilterOptions(dlq.command(name))
      .option('--id <seq>', 'a dead letter to replay (repeatable; else the filter selects)', list)
      .option('--patch <file>', 'RFC 6902 JSON Patch applied to each envelope before replay')
      .option('--rate <n>', 'at most n re-publications per second (default 50)')
      .requiredOption('--why <text>', 'why (kept in the audit log; at least 10 characters)')
      .option('--ticket <ref>', 'ticket reference');

  const replayBody = async (options: ReplayOptions, dryRun: boolean) => ({
    select:
      options.id === undefined ? { filter: filterBody(options) } : { ids: options.id.map(Number) },
    ...(options.patch === undefined
      ? {}
      : { patch: JSON.parse(await readFile(options.patch, 'utf8')) as unknown }),
    ...(options.rate === undefined ? {} : { maxRatePerSecond: Number(options.rate) }),
    dryRun,
    reason: options.why,
    ...(options.ticket === undefined ? {} : { ticket: options.ticket }),
  });

  replayCommand('dry-run')
    .description('what a replay would do now: how many would pass, and why the rest would not')
    .action(async (options: ReplayOptions) => {
      const report = await api().request<{
        total: number;
        wouldPass: number;
        wouldFail: number;
        skipped: number;
        failures: { key: string; count: number; samples: { message: string }[] }[];
      }>('POST', '/api/dead-letters/dry-run', await replayBody(options, true));
      io.out(
        `${report.total} selected: ${report.wouldPass} would pass, ${report.wouldFail} would fail, ${report.skipped} would be skipped`,
      );
      for (const failure of report.failures)
        io.out(
          `  ${String(failure.count).padStart(6)}  ${failure.key}  ${failure.samples[0]?.message ?? ''}`,
        );
    });

  replayCommand('replay')
    .description('queue a paced replay job (see: plumbline dlq jobs)')
    .action(async (options: ReplayOptions) => {
      const job = await api().request<ReplayJob>(
        'POST',
        '/api/dead-letters/replay',
        await replayBody(options, false),
      );
      io.out(`replay job ${job.id} queued at ${job.maxRatePerSecond}/s`);
    });

  dlq
    .command('resolve')
    .argument('<seq...>', 'dead-letter sequences')
    .requiredOption('--why <text>', 'why it needs no replay (at least 10 characters)')
    .option('--ticket <ref>', 'ticket reference')
    .description('close dead letters without replay')
    .action(async (seqs: string[], options: { why: string; ticket?: string }) => {
      const result = await api().request<{
        resolved: number[];
        unchanged: { seq: number; state: string }[];
      }>('POST', '/api/dead-letters/resolve', {
        seqs: seqs.map(Number),
        reason: options.why,
        ...(options.ticket === undefined ? {} : { ticket: options.ticket }),
      });
      io.out(`resolved: ${result.resolved.join(', ') || 'none'}`);
      for (const item of result.unchanged) io.out(`  ${item.seq}: ${item.state}, unchanged`);
    });

  const jobs = dlq
    .command('jobs')
    .argument('[id]', 'one job')
    .description('replay jobs with state and progress')
    .action(async (id: string | undefined) => {
      const shown =
        id === undefined
          ? (await api().request<{ jobs: ReplayJob[] }>('GET', '/api/replay-jobs')).jobs
          : [await api().request<ReplayJob>('GET', `/api/replay-jobs/${encodeURIComponent(id)}`)];
      for (const job of shown) {
        const p = job.progress;
        io.out(
          `${job.id}  ${job.state.padEnd(9)}  ${job.kind.padEnd(9)}  ${p.replayed}/${p.total} replayed, ${p.accepted} accepted, ${p.skipped} skipped, ${p.failed} failed  by ${job.requestedBy}: ${job.reason}`,
        );
      }
    });
  jobs
    .command('cancel')
    .argument('<id>', 'job id')
    .requiredOption('--why <text>', 'why (at least 10 characters)')
    .option('--ticket <ref>', 'ticket reference')
    .description('cancel a queued or running job')
    .action(async (id: string, options: { why: string; ticket?: string }) => {
      const job = await api().request<ReplayJob>(
        'POST',
        `/api/replay-jobs/${encodeURIComponent(id)}/cancel`,
        {
          reason: options.why,
          ...(options.ticket === undefined ? {} : { ticket: options.ticket }),
        },
      );
      io.out(`${job.id}: ${job.state} after ${job.progress.replayed} of ${job.progress.total}`);
    });

  return dlq;
}
