import { Command, Option } from 'commander';
import { kpiPeriods } from '@plumbline/core';
import { apiClient } from '../api-client';
import type { CliIo } from './contracts';

interface FlowCounts {
  in_progress: number;
  breached: number;
  failed: number;
  completed: number;
  completedLate: number;
  total: number;
}

interface FlowOverview {
  window: { from: string; to: string };
  flows: { id: string; title: string; owner: string; sla: string; instances: FlowCounts }[];
}

interface InstancePage {
  window: { from: string; to: string };
  items: {
    tenant: string;
    correlation: string;
    state: string;
    startedAt: string;
    stoppedAt: { step: number; type: string } | null;
    deadLetter: { seq: number | null; reason: string; envelopeKey: string } | null;
    breach: { scope: string; type: string; dueAt: string } | null;
    breached: boolean;
  }[];
  nextCursor: string | null;
}

interface BusinessKpis {
  window: { from: string; to: string };
  kpis: {
    id: string;
    title: string;
    unit: string;
    figures: {
      period: string | null;
      group: Record<string, string>;
      currency?: string;
      value: number | null;
      envelopes: number;
    }[];
  }[];
  skipped: { id: string; reason: string }[];
}

interface SourceFigures {
  accepted: number;
  rejected: number;
  delayed: number;
  successRate: number | null;
  throughputPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number } | null;
}

interface IntegrationKpis {
  window: { from: string; to: string };
  totals: SourceFigures;
  sources: (SourceFigures & {
    source: string;
    lastSeenAt: string | null;
    silentForMs: number | null;
    stale: boolean;
  })[];
  flows: { flow: string; lastSeenAt: string | null; stale: boolean; staleSources: string[] }[];
  deadLetters: { open: number; oldestAt: string | null; oldestAgeMs: number | null };
  consumerLag: { pending: number; ackPending: number } | null;
}

const percent = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);
const latency = (figures: SourceFigures) =>
  figures.latencyMs === null
    ? '-'
    : `p50 ${figures.latencyMs.p50} ms, p95 ${figures.latencyMs.p95} ms, p99 ${figures.latencyMs.p99} ms`;
const minutes = (ms: number | null) => (ms === null ? 'never' : `${Math.round(ms / 60_000)} min`);
const number = (value: number | null) =>
  value === null ? '-' : value.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** `plumbline flows` and `plumbline kpis`: flows, instances and KPIs, through the API. */
export function insightsCommands(
  io: CliIo,
  env: Readonly<Record<string, string | undefined>>,
): Command[] {
  const api = () => apiClient(env);

  const flows = new Command('flows')
    .description(
      'flows and their instances per state; with FLOW, its instances (newest first) and where each stopped',
    )
    .argument('[flow]', 'a flow id (policies/flows/<id>.yaml)')
    .addOption(
      new Option('--state <state>', 'only instances in this state').choices([
        'in_progress',
        'breached',
        'failed',
        'completed',
      ]),
    )
    .option('--from <time>', 'instances started at or after (default: 30 days ago)')
    .option('--to <time>', 'instances started before (default: now)')
    .option('--limit <n>', 'instances per page (1-200; default 50)')
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .option('--json', 'the API response as JSON')
    .action(
      async (
        flow: string | undefined,
        options: {
          state?: string;
          from?: string;
          to?: string;
          limit?: string;
          cursor?: string;
          json?: boolean;
        },
      ) => {
        const query = new URLSearchParams(
          Object.entries({
            state: options.state,
            from: options.from,
            to: options.to,
            limit: options.limit,
            cursor: options.cursor,
          }).filter((entry): entry is [string, string] => entry[1] !== undefined),
        );
        if (flow === undefined) {
          const overview = await api().request<FlowOverview>(
            'GET',
            `/api/flows?${query.toString()}`,
          );
          if (options.json === true) return io.out(JSON.stringify(overview));
          io.out(`instances started ${overview.window.from} .. ${overview.window.to}`);
          io.out(
            `${'flow'.padEnd(30)} ${'in progress'.padStart(11)} ${'breached'.padStart(9)} ${'failed'.padStart(7)} ${'completed'.padStart(10)} ${'late'.padStart(6)}  owner`,
          );
          for (const entry of overview.flows) {
            const counts = entry.instances;
            io.out(
              `${entry.id.padEnd(30)} ${String(counts.in_progress).padStart(11)} ${String(counts.breached).padStart(9)} ${String(counts.failed).padStart(7)} ${String(counts.completed).padStart(10)} ${String(counts.completedLate).padStart(6)}  ${entry.owner}`,
            );
          }
          return;
        }
        const page = await api().request<InstancePage>(
          'GET',
          `/api/flows/${encodeURIComponent(flow)}/instances?${query.toString()}`,
        );
        if (options.json === true) return io.out(JSON.stringify(page));
        if (page.items.length === 0) io.out('no instances');
        for (const item of page.items) {
          const where =
            item.stoppedAt === null
              ? ''
              : `  at step ${item.stoppedAt.step + 1} ${item.stoppedAt.type}`;
          const dead =
            item.deadLetter === null
              ? ''
              : `  dead letter ${item.deadLetter.seq ?? item.deadLetter.envelopeKey} (${item.deadLetter.reason})`;
          const late =
            item.breach !== null
              ? `  ${item.breach.scope} SLA passed ${item.breach.dueAt}`
              : item.breached
                ? '  late'
                : '';
          io.out(
            `${item.startedAt}  ${item.state.padEnd(11)}  ${item.tenant}  ${item.correlation}${where}${dead}${late}`,
          );
        }
        if (page.nextCursor !== null) io.err(`more: --cursor ${page.nextCursor}`);
      },
    );

  const kpis = new Command('kpis')
    .description('business KPIs (kpis.yaml) or integration figures (throughput, latency, lag, …)')
    .option('--business', 'business figures (the default)')
    .option('--integration', 'integration figures')
    .option('--from <time>', 'window start (default: 30 days ago; integration: 24 hours ago)')
    .option('--to <time>', 'window end (default: now)')
    .addOption(
      new Option(
        '--period <period>',
        'business: one figure per period (default: the whole window)',
      ).choices(kpiPeriods),
    )
    .option('--by <dimensions>', 'business: break down by, comma-separated (e.g. tenant,project)')
    .option('--kpi <id>', 'business: only this KPI')
    .option('--json', 'the API response as JSON')
    .action(
      async (options: {
        business?: boolean;
        integration?: boolean;
        from?: string;
        to?: string;
        period?: string;
        by?: string;
        kpi?: string;
        json?: boolean;
      }) => {
        if (options.business === true && options.integration === true) {
          io.err('plumbline kpis: choose --business or --integration');
          return io.exit(2);
        }
        const window = { from: options.from, to: options.to };
        if (options.integration === true) {
          const query = new URLSearchParams(
            Object.entries(window).filter((e): e is [string, string] => e[1] !== undefined),
          );
          const figures = await api().request<IntegrationKpis>(
            'GET',
            `/api/kpis/integration?${query.toString()}`,
          );
          if (options.json === true) return io.out(JSON.stringify(figures));
          const totals = figures.totals;
          io.out(`${figures.window.from} .. ${figures.window.to}`);
          io.out(
            `all sources: ${totals.accepted} accepted, ${totals.rejected} rejected, ${totals.delayed} delayed; success ${percent(totals.successRate)}; ${totals.throughputPerSecond.toFixed(2)}/s; ${latency(totals)}`,
          );
          for (const source of figures.sources)
            io.out(
              `  ${source.source.padEnd(14)} ${String(source.accepted).padStart(8)} ok ${String(source.rejected).padStart(6)} rejected  success ${percent(source.successRate).padStart(6)}  last ${minutes(source.silentForMs)} ago${source.stale ? '  STALE' : ''}`,
            );
          for (const flow of figures.flows)
            io.out(
              `  flow ${flow.flow}: last step ${flow.lastSeenAt ?? 'never'}${flow.stale ? `  STALE (${flow.staleSources.join(', ') || 'no step seen'})` : ''}`,
            );
          io.out(
            `dead letters open: ${figures.deadLetters.open}${figures.deadLetters.oldestAt === null ? '' : `, oldest ${figures.deadLetters.oldestAt}`}`,
          );
          io.out(
            figures.consumerLag === null
              ? 'consumer lag: unknown'
              : `consumer lag: ${figures.consumerLag.pending} pending, ${figures.consumerLag.ackPending} being decided`,
          );
          return;
        }
        const query = new URLSearchParams(
          Object.entries({
            ...window,
            period: options.period,
            by: options.by,
            kpi: options.kpi,
          }).filter((e): e is [string, string] => e[1] !== undefined),
        );
        const result = await api().request<BusinessKpis>(
          'GET',
          `/api/kpis/business?${query.toString()}`,
        );
        if (options.json === true) return io.out(JSON.stringify(result));
        io.out(`${result.window.from} .. ${result.window.to}`);
        for (const kpi of result.kpis) {
          io.out(`${kpi.title} (${kpi.id}, ${kpi.unit})`);
          if (kpi.figures.length === 0) io.out('  -');
          for (const figure of kpi.figures) {
            const labels = [
              ...(figure.period === null ? [] : [figure.period.slice(0, 10)]),
              ...Object.entries(figure.group).map(([name, value]) => `${name}=${value}`),
            ].join('  ');
            io.out(
              `  ${labels}${labels === '' ? '' : '  '}${number(figure.value)}${figure.currency === undefined ? '' : ` ${figure.currency}`}  (${figure.envelopes} envelopes)`,
            );
          }
        }
        for (const skipped of result.skipped) io.err(`skipped ${skipped.id}: ${skipped.reason}`);
      },
    );

  return [flows, kpis];
}
