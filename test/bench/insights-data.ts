/**
 * Realistic lineage at scale, generated inside ClickHouse (`INSERT … SELECT … FROM numbers(N)`),
 * for `insights.bench.ts`. The mix follows the demo traffic generator: change orders, purchase to
 * pay, timesheets to invoices, opportunities to staffing, document reviews, plus everyday events;
 * three tenants, twelve projects, twelve cost codes. Flow steps follow each other by realistic
 * delays (some late, some never coming), 5% of the messages are rejected, 1% are delayed by a
 * rate limit before they are decided, 0.05% are decided twice (a worker that lost its ack), and
 * 2% of the schema violations are replayed and accepted two days later.
 */
import type { ClickHouseStore } from '@plumbline/platform';

interface TemplateRow {
  readonly type: string;
  readonly source: string;
  /** Instance kind: the correlation id prefix. */
  readonly prefix: string;
  /** Instance within a cycle of the template. */
  readonly slot: number;
  /** Step of the flow (0 for the first, and for events outside flows). */
  readonly step: number;
}

const template: TemplateRow[] = [];
const add = (type: string, source: string, prefix: string, slot: number, step: number) =>
  template.push({ type, source, prefix, slot, step });
for (let slot = 0; slot < 3; slot += 1) {
  add('change_order.submitted', 'costctl', 'co', slot, 0);
  add('change_order.approved', 'odoo', 'co', slot, 1);
  add('commitment.updated', 'costctl', 'co', slot, 2);
  add('billing.adjusted', 'odoo', 'co', slot, 3);
}
for (let slot = 0; slot < 3; slot += 1) {
  add('purchase_order.approved', 'odoo', 'po', slot, 0);
  add('goods_receipt.recorded', 'odoo', 'po', slot, 1);
  add('vendor_bill.posted', 'odoo', 'po', slot, 2);
  add('payment.recorded', 'odoo', 'po', slot, 3);
}
for (let slot = 0; slot < 5; slot += 1) {
  for (let sheet = 0; sheet < 3; sheet += 1) add('timesheet.approved', 'payroll', 'ts', slot, 0);
  add('invoice.posted', 'odoo', 'ts', slot, 1);
}
add('opportunity.won', 'crm', 'opp', 0, 0);
add('project.upserted', 'odoo', 'opp', 0, 1);
add('staffing.approved', 'scheduler', 'opp', 0, 2);
for (let slot = 0; slot < 2; slot += 1) {
  add('document_revision.issued', 'doccontrol', 'doc', slot, 0);
  add('procurement_review.completed', 'doccontrol', 'doc', slot, 1);
}
for (let slot = 0; slot < 4; slot += 1) add('work_order.completed', 'fieldservice', 'wo', slot, 0);
for (let slot = 0; slot < 2; slot += 1) add('milestone.changed', 'scheduler', 'ms', slot, 0);
add('budget.revised', 'costctl', 'br', 0, 0);
add('invoice.posted', 'odoo', 'inv', 0, 0);
add('vendor.upserted', 'odoo', 'md', 0, 0);

const hour = 3_600_000;
const day = 24 * hour;
const prefixes = ['co', 'po', 'ts', 'opp', 'doc', 'wo', 'ms', 'br', 'inv', 'md'];
/** Per prefix, the delay of steps 1..3 after the previous step: [shortest, longest] in ms. */
const delays: Record<string, readonly (readonly [number, number])[]> = {
  co: [
    [12 * hour, 3 * day],
    [2 * hour, 2.6 * day], // SLA 2d: about a fifth late
    [hour, 6 * day], // SLA 5d
  ],
  po: [
    [day, 25 * day], // SLA 21d
    [day, 12 * day], // SLA 10d
    [5 * day, 30 * day],
  ],
  ts: [[day, 8 * day]], // SLA 7d
  opp: [
    [6 * hour, 3 * day], // SLA 2d
    [day, 12 * day], // SLA 10d
  ],
  doc: [[hour, 6 * day]], // SLA 5d
};
const delayMatrix = (bound: 0 | 1) =>
  `[${prefixes
    .map((prefix) => {
      const steps = [0, 1, 2].map((index) => Math.round(delays[prefix]?.[index]?.[bound] ?? 0));
      return `[${steps.join(',')}]`;
    })
    .join(',')}]`;
const column = <K extends keyof TemplateRow>(key: K) =>
  `[${template.map((row) => (typeof row[key] === 'string' ? `'${String(row[key])}'` : String(row[key]))).join(',')}]`;

/** How many template rows survive the filters (steps never sent, future times): 56.2 of 60, less the latest steps not yet due. */
const keptShare = 0.925;

function mainInsert(db: string, options: { rows: number; endMs: number; spanMs: number }): string {
  const width = template.length;
  const cycles = Math.ceil(options.rows / keptShare / width);
  const cycleMs = Math.floor(options.spanMs / cycles);
  const firstMs = options.endMs - options.spanMs;
  return `
INSERT INTO ${db}.lineage_v1
SELECT envelope_key, envelope_id, source, type, contract_version, outcome, reason, reason_detail,
  errors, deprecated, business_key, tracked_num, tracked_str, correlation_id, causation_id, tenant,
  region, subject, event_time, received_at, decided_at, latency_ms, size_bytes, delivery,
  ingest_seq, output_stream, output_seq, worker_id, replay_of, replay_job
FROM (
  SELECT
    number AS n,
    n % ${width} + 1 AS k,
    intDiv(n, ${width}) AS c,
    ${column('type')}[k] AS type,
    ${column('source')}[k] AS source,
    ${column('prefix')}[k] AS prefix,
    ${column('slot')}[k] AS slot,
    ${column('step')}[k] AS step,
    indexOf([${prefixes.map((prefix) => `'${prefix}'`).join(',')}], prefix) AS pi,
    concat(prefix, '-', toString(c), '-', toString(slot)) AS inst,
    (cityHash64(n, 'o') % 1000000) / 1e6 AS r_row,
    ${firstMs} + c * ${cycleMs} + cityHash64(inst, 'j') % ${cycleMs} AS start_ms,
    arraySum(arrayMap(j -> ${delayMatrix(0)}[pi][j] + toUInt64(((cityHash64(inst, 'd', j) % 1000000) / 1e6)
      * (${delayMatrix(1)}[pi][j] - ${delayMatrix(0)}[pi][j])), range(1, toUInt64(step) + 1))) AS offset_ms,
    start_ms + offset_ms + (k - 1) * 1000 AS at_ms,
    arrayFirstIndex(j -> (cityHash64(inst, 's', j) % 1000) < 60, [1, 2, 3]) AS stop_step,
    cityHash64(inst, 'p') % 12 AS project,
    ['acme-build-us', 'acme-build-ca', 'northwind-infra'][project % 3 + 1] AS tenant,
    ['us-west', 'ca-central', 'us-east'][project % 3 + 1] AS region,
    if(project % 3 = 1, 'CAD', 'USD') AS currency,
    concat('PRJ-2026-', leftPad(toString(11 + project * 3), 3, '0')) AS project_ref,
    ['01-5000', '03-3000', '04-2000', '05-1200', '07-5000', '08-4100', '09-2900', '22-1100',
     '23-3000', '26-0500', '31-2300', '33-1100'][cityHash64(n, 'cc') % 12 + 1] AS cost_code,
    r_row < 0.05 AS rejected,
    multiIf(r_row < 0.0225, 'schema_violation', r_row < 0.0325, 'ownership_violation',
      r_row < 0.0415, 'malformed', r_row < 0.049, 'unknown_contract', 'too_large') AS reject_reason,
    (cityHash64(n, 'v') % 1000000) / 1e6 AS r1,
    (cityHash64(n, 'w') % 1000000) / 1e6 AS r2,
    rejected AND reject_reason = 'malformed' AS malformed,
    if(malformed, concat('stream:', toString(n + 1)), concat(source, ':', source, '-', toString(n))) AS envelope_key,
    if(malformed, '', concat(source, '-', toString(n))) AS envelope_id,
    if(rejected AND reject_reason IN ('malformed', 'unknown_contract'), 0, 1 + (r2 < 0.7)) AS contract_version,
    if(rejected, 'rejected', 'accepted') AS outcome,
    if(rejected, reject_reason, '') AS reason,
    if(rejected, 'the message was refused', '') AS reason_detail,
    if(rejected AND reject_reason = 'schema_violation',
      '[{"pointer":"/data/amount","keyword":"minimum","message":"must be >= 0"}]', '[]') AS errors,
    false AS deprecated,
    if(rejected, '', concat(upper(prefix), '-', toString(n))) AS business_key,
    CAST(if(rejected, map(), multiIf(
      type = 'change_order.approved', map('amount', round((2000 + r1 * 398000) * if(r2 < 0.1, -1, 1), 2),
        'schedule_impact_days', floor(r2 * 22)),
      type = 'commitment.updated', map('committed_amount', round(1000 + r1 * 300000, 2),
        'delta_amount', round(1000 + r1 * 300000, 2)),
      type = 'billing.adjusted', map('amount_delta', round((2000 + r1 * 398000) * if(r2 < 0.1, -1, 1), 2)),
      type = 'invoice.posted', map('amount_untaxed', round(5000 + r1 * 1500000, 2),
        'amount_total', round((5000 + r1 * 1500000) * 1.08, 2)),
      type = 'timesheet.approved', map('hours', 16 + floor(r1 * 35),
        'overtime_hours', greatest(0, 16 + floor(r1 * 35) - 40)),
      type = 'vendor_bill.posted', map('amount_total', round(1500 + r1 * 248500, 2)),
      type = 'purchase_order.approved', map('amount_untaxed', round(1400 + r1 * 230000, 2),
        'amount_total', round(1500 + r1 * 248500, 2), 'line_count', 1 + floor(r2 * 40)),
      type = 'goods_receipt.recorded', map('received_value', round(1500 + r1 * 248500, 2)),
      type = 'payment.recorded', map('amount', round(1500 + r1 * 248500, 2)),
      type = 'work_order.completed', map('labor_hours', 1 + floor(r1 * 10),
        'materials_cost', round(20 + r2 * 3980, 2)),
      type = 'milestone.changed', map('variance_days', floor(r1 * 36) - 5),
      type = 'budget.revised', map('previous_amount', round(50000 + r1 * 1950000, 2),
        'revised_amount', round((50000 + r1 * 1950000) * (0.9 + r2 * 0.3), 2)),
      type = 'opportunity.won', map('expected_value', round(2e6 + r1 * 58e6, 2)),
      type = 'project.upserted', map('contract_value', round(2e6 + r1 * 58e6, 2)),
      type = 'staffing.approved', map('headcount', 4 + floor(r1 * 57)),
      map())), 'Map(LowCardinality(String), Float64)') AS tracked_num,
    CAST(if(rejected, map(), mapFilter((key, value) -> value != '', map(
      'project_ref', if(prefix IN ('opp', 'md') AND type != 'staffing.approved', '', project_ref),
      'cost_code', if(type IN ('change_order.approved', 'commitment.updated', 'timesheet.approved',
        'purchase_order.approved', 'work_order.completed', 'budget.revised'), cost_code, ''),
      'currency', if(type IN ('timesheet.approved', 'milestone.changed', 'staffing.approved',
        'document_revision.issued', 'procurement_review.completed', 'vendor.upserted'), '', currency)))),
      'Map(LowCardinality(String), String)') AS tracked_str,
    if(malformed, '', inst) AS correlation_id,
    '' AS causation_id,
    if(malformed, '', business_key) AS subject,
    toDateTime64(at_ms / 1000, 3, 'UTC') AS received_at,
    received_at - toIntervalMillisecond(cityHash64(n, 'e') % 5000) AS event_time,
    toUInt32(4 + pow((cityHash64(n, 'l') % 1000000) / 1e6, 8) * 2500 + cityHash64(n, 'm') % 40) AS latency_ms,
    received_at + toIntervalMillisecond(latency_ms) AS decided_at,
    toUInt32(600 + cityHash64(n, 'b') % 1800) AS size_bytes,
    toUInt16(if(cityHash64(n, 'delay') % 1000 < 10, 2, 1)) AS delivery,
    n + 1 AS ingest_seq,
    if(rejected, 'DEADLETTER', 'GOVERNED') AS output_stream,
    n + 1 AS output_seq,
    'bench-worker' AS worker_id,
    '' AS replay_of,
    '' AS replay_job
  FROM numbers(${cycles * width})
  WHERE step < if(stop_step = 0, 99, stop_step)
    AND NOT (prefix = 'doc' AND step = 1 AND cityHash64(inst, 'review') % 10 >= 4)
    AND at_ms <= ${options.endMs}
)
LIMIT ${options.rows}`;
}

/** Rows with everything but the named columns copied from a lineage row `l`. */
const copyExcept = (overrides: Record<string, string>) =>
  [
    'envelope_key',
    'envelope_id',
    'source',
    'type',
    'contract_version',
    'outcome',
    'reason',
    'reason_detail',
    'errors',
    'deprecated',
    'business_key',
    'tracked_num',
    'tracked_str',
    'correlation_id',
    'causation_id',
    'tenant',
    'region',
    'subject',
    'event_time',
    'received_at',
    'decided_at',
    'latency_ms',
    'size_bytes',
    'delivery',
    'ingest_seq',
    'output_stream',
    'output_seq',
    'worker_id',
    'replay_of',
    'replay_job',
  ]
    .map((name) => overrides[name] ?? name)
    .join(', ');

export interface GeneratedLineage {
  readonly rows: number;
  readonly mainRows: number;
  readonly delayed: number;
  readonly repeats: number;
  readonly replays: number;
}

/**
 * Fills `lineage_v1` with exactly `rows` rows ending at `endMs` and spanning `spanMs`, in a few
 * large INSERT … SELECT statements (the materialized views run on each block, as in production).
 */
export async function generateLineage(
  store: ClickHouseStore,
  options: { rows: number; endMs: number; spanMs: number },
): Promise<GeneratedLineage> {
  const db = store.database;
  const table = `${db}.lineage_v1`;
  const replays = Math.round(options.rows * 0.0005);
  const delayedShare = 0.01;
  const main = Math.round((options.rows * 0.9995 - replays) / (1 + delayedShare));
  await store.command(mainInsert(db, { ...options, rows: main }));
  const count = async (where = '1') =>
    Number(
      (
        await store.query<{ rows: string }>(`SELECT count() AS rows FROM ${table} WHERE ${where}`)
      )[0]?.rows ?? 0,
    );
  const mainRows = await count();
  // The delayed first deliveries of the messages decided at delivery 2.
  await store.command(
    `INSERT INTO ${table} SELECT ${copyExcept({
      outcome: `'delayed' AS outcome`,
      reason: `'rate_limited' AS reason`,
      reason_detail: `'over the rate limit; delayed' AS reason_detail`,
      business_key: `'' AS business_key`,
      tracked_num: `CAST(map(), 'Map(LowCardinality(String), Float64)') AS tracked_num`,
      tracked_str: `CAST(map(), 'Map(LowCardinality(String), String)') AS tracked_str`,
      decided_at: `received_at + toIntervalMillisecond(3) AS decided_at`,
      latency_ms: `toUInt32(3) AS latency_ms`,
      delivery: `toUInt16(1) AS delivery`,
      output_stream: `'' AS output_stream`,
      output_seq: `toUInt64(0) AS output_seq`,
    })} FROM (SELECT * FROM ${table} WHERE delivery = 2)`,
  );
  const delayed = (await count()) - mainRows;
  // Schema violations replayed two days later and accepted (tracked values as the fix made them).
  await store.command(
    `INSERT INTO ${table} SELECT ${copyExcept({
      outcome: `'accepted' AS outcome`,
      reason: `'' AS reason`,
      reason_detail: `'' AS reason_detail`,
      errors: `'[]' AS errors`,
      business_key: `concat('REPLAYED-', envelope_id) AS business_key`,
      tracked_num: `CAST(if(type = 'timesheet.approved', map('hours', 40, 'overtime_hours', 0), map('amount', 1000)), 'Map(LowCardinality(String), Float64)') AS tracked_num`,
      received_at: `received_at + toIntervalDay(2) AS received_at`,
      decided_at: `decided_at + toIntervalDay(2) AS decided_at`,
      delivery: `toUInt16(1) AS delivery`,
      output_stream: `'GOVERNED' AS output_stream`,
      replay_of: `concat('dlq:', toString(output_seq)) AS replay_of`,
      replay_job: `'bench-replay' AS replay_job`,
    })} FROM (
      SELECT * FROM ${table} WHERE reason = 'schema_violation' AND delivery = 1
        AND received_at < toDateTime64(${(options.endMs - 2 * day) / 1000}, 3, 'UTC')
      LIMIT ${replays})`,
  );
  // Decided twice: the same message redelivered after a lost ack, 30 s later (the rest).
  const repeats = options.rows - (await count());
  if (repeats > 0)
    await store.command(
      `INSERT INTO ${table} SELECT ${copyExcept({
        decided_at: `decided_at + toIntervalSecond(30) AS decided_at`,
        latency_ms: `latency_ms + 30000 AS latency_ms`,
        delivery: `delivery + 1 AS delivery`,
      })} FROM (
        SELECT * FROM ${table}
        WHERE outcome IN ('accepted', 'rejected') AND replay_of = ''
          AND cityHash64(envelope_key, 'repeat') % 100 = 0
        LIMIT ${repeats})`,
    );
  const [total] = await store.query<{ rows: string }>(`SELECT count() AS rows FROM ${table}`);
  return { rows: Number(total?.rows ?? 0), mainRows, delayed, repeats, replays };
}
