/**
 * Migration 3: the rollups behind flows and KPIs, kept current by materialized views over
 * `lineage_v1`, so that every flow and KPI query reads thousands of pre-aggregated rows instead of
 * millions of lineage rows (figures in the README, `npm run bench:insights`).
 *
 * Counting each message once. `lineage_v1` gets a row per decision, and one message can be
 * decided more than once: a rate-limited message is first `delayed`, then decided; a worker that
 * wrote lineage but lost its ack decides the redelivered message again. Lineage itself only
 * converges (ReplacingMergeTree), so the rollups cannot simply count rows. They count the *first
 * decision* (accepted or rejected) of each INGEST message, a message being (received_at,
 * envelope_key): received_at is the INGEST timestamp, the same on every delivery.
 *
 * - `lineage_decisions_mv_v1` copies every lineage row into the Null table
 *   `lineage_decisions_v1` with `first_decision` (migration 4 drops this view: the rollup feed,
 *   `rollup-feed.ts`, now fills the Null table off the worker's insert, with the same rule): a decision at delivery 1 is always the first;
 *   a decision at a later delivery is the first unless `message_decisions_v1` already holds its
 *   message (looked up only for the rows of the insert with delivery > 1, by primary key).
 * - `message_decisions_v1` remembers decided messages for 7 days after they were written (TTL):
 *   far longer than a redelivery waits (ack wait 30 s; delays and retries take seconds).
 *   It is filled from the Null table, i.e. after the lookup of the same insert, never before.
 * - Everything downstream reads the Null table.
 *
 * What the rollups therefore count: business figures count envelopes by their first decision;
 * a replayed dead letter (lineage `replay_of`) is a new message that, when decided, also takes
 * back (-1) the rejection it replaces, so a replayed timesheet moves from rejected to accepted
 * like `lineage_v1 FINAL` shows it. Integration figures count every message's first decision,
 * replays included (each was decided). Not recognised: a connector that re-publishes an envelope
 * as a new message after INGEST's duplicate window (2 minutes) is counted again, where
 * `lineage_v1 FINAL` keeps one row; and a message redelivered more than 7 days after its first
 * decision. Flows need none of this: their rollup keeps minima, maxima and distinct envelope
 * keys, which repeats do not change.
 *
 * Existing lineage is backfilled from `lineage_v1 FINAL` (one row per envelope, each its first
 * decision) when the migration runs; for an empty store that is a no-op.
 */

const decided = `outcome IN ('accepted', 'rejected')`;

export const insightsRollupStatements: readonly string[] = [
  // Tracked string properties the business rollup keeps as dimensions: the declared `dimensions`
  // and currency properties of policies/kpis.yaml, written at start by the insights service
  // (`InsightsStore.keepDimensions`). One added later applies to lineage written after it.
  `CREATE TABLE IF NOT EXISTS {db}.kpi_dimensions_v1 (
    property String,
    added_at DateTime64(3, 'UTC') DEFAULT now64(3)
  )
  ENGINE = ReplacingMergeTree(added_at)
  ORDER BY property
  COMMENT 'Tracked string properties kept as dimensions in kpi_daily_v1'`,
  `INSERT INTO {db}.kpi_dimensions_v1 (property) VALUES ('project_ref'), ('cost_code'), ('currency')`,

  `CREATE TABLE IF NOT EXISTS {db}.lineage_decisions_v1 (
    envelope_key String,
    source LowCardinality(String),
    type LowCardinality(String),
    outcome LowCardinality(String),
    reason LowCardinality(String),
    tracked_num Map(LowCardinality(String), Float64),
    tracked_str Map(LowCardinality(String), String),
    correlation_id String,
    tenant LowCardinality(String),
    region LowCardinality(String),
    event_time DateTime64(3, 'UTC'),
    received_at DateTime64(3, 'UTC'),
    decided_at DateTime64(3, 'UTC'),
    latency_ms UInt32,
    delivery UInt16,
    output_seq UInt64,
    replay_of String,
    first_decision Bool
  )
  ENGINE = Null
  COMMENT 'Lineage rows as they are written, with first_decision; feeds the rollups, stores nothing'`,

  `CREATE TABLE IF NOT EXISTS {db}.message_decisions_v1 (
    received_at DateTime64(3, 'UTC'),
    envelope_key String,
    written_at DateTime DEFAULT now()
  )
  ENGINE = MergeTree
  ORDER BY (received_at, envelope_key)
  TTL written_at + INTERVAL 7 DAY
  SETTINGS index_granularity = 1024
  COMMENT 'Messages already decided (7 days): a later decision of one is a repeat, not counted again'`,

  `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.lineage_decisions_mv_v1 TO {db}.lineage_decisions_v1 AS
  SELECT envelope_key, source, type, outcome, reason, tracked_num, tracked_str, correlation_id,
    tenant, region, event_time, received_at, decided_at, latency_ms, delivery, output_seq, replay_of,
    ${decided} AND (delivery <= 1 OR (received_at, envelope_key) NOT IN (
      SELECT received_at, envelope_key FROM {db}.message_decisions_v1
      WHERE (received_at, envelope_key) IN (
        SELECT received_at, envelope_key FROM {db}.lineage_v1 WHERE delivery > 1
      )
    )) AS first_decision
  FROM {db}.lineage_v1`,

  `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.message_decisions_mv_v1 TO {db}.message_decisions_v1 AS
  SELECT received_at, envelope_key FROM {db}.lineage_decisions_v1 WHERE ${decided}`,

  // Business figures per day of the event (envelope time), with the tracked dimensions.
  `CREATE TABLE IF NOT EXISTS {db}.kpi_daily_v1 (
    type LowCardinality(String),
    outcome LowCardinality(String),
    day Date,
    tenant LowCardinality(String),
    region LowCardinality(String),
    source LowCardinality(String),
    dimensions Map(LowCardinality(String), String),
    envelopes SimpleAggregateFunction(sum, Int64),
    sums SimpleAggregateFunction(sumMap, Map(String, Float64)),
    counts SimpleAggregateFunction(sumMap, Map(String, UInt64))
  )
  ENGINE = AggregatingMergeTree
  PARTITION BY toYYYYMM(day)
  ORDER BY (type, outcome, day, tenant, region, source, dimensions)
  COMMENT 'Envelopes, sums and counts of tracked numbers per type, outcome, event day and dimension'`,

  `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_daily_mv_v1 TO {db}.kpi_daily_v1 AS
  ${businessRollupSelect('toDate(event_time)', 'day', '{db}.lineage_decisions_v1')}`,

  // Integration figures per hour received: first decisions, delays, latency, last message.
  `CREATE TABLE IF NOT EXISTS {db}.integration_hourly_v1 (
    hour DateTime('UTC'),
    source LowCardinality(String),
    type LowCardinality(String),
    outcome LowCardinality(String),
    messages SimpleAggregateFunction(sum, UInt64),
    latency AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt32),
    latency_max SimpleAggregateFunction(max, UInt32),
    last_received SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
  )
  ENGINE = AggregatingMergeTree
  PARTITION BY toYYYYMM(hour)
  ORDER BY (hour, source, type, outcome)
  COMMENT 'First decisions (and delays) per hour received, source, type and outcome, with latency'`,

  `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.integration_hourly_mv_v1 TO {db}.integration_hourly_v1 AS
  SELECT toStartOfHour(received_at) AS hour, source, type, outcome,
    count() AS messages,
    quantilesTDigestState(0.5, 0.95, 0.99)(latency_ms) AS latency,
    max(latency_ms) AS latency_max,
    max(received_at) AS last_received
  FROM {db}.lineage_decisions_v1
  WHERE first_decision OR outcome = 'delayed'
  GROUP BY hour, source, type, outcome`,

  // Flow steps per type, day received, tenant and correlation id: what a flow instance needs.
  `CREATE TABLE IF NOT EXISTS {db}.flow_steps_v1 (
    type LowCardinality(String),
    day Date,
    tenant LowCardinality(String),
    correlation_id String,
    first_seen SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    first_accepted SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    last_rejected SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    accepted AggregateFunction(uniqExactIf, String, UInt8),
    rejected AggregateFunction(uniqExactIf, String, UInt8),
    first_accepted_key AggregateFunction(argMinIf, String, DateTime64(3, 'UTC'), UInt8),
    last_dead_letter AggregateFunction(argMaxIf, Tuple(String, String, UInt64), DateTime64(3, 'UTC'), UInt8)
  )
  ENGINE = AggregatingMergeTree
  PARTITION BY toYYYYMM(day)
  ORDER BY (type, day, tenant, correlation_id)
  COMMENT 'Per step type, day received, tenant and correlation id: first/last seen, first accepted, last dead letter'`,

  `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.flow_steps_mv_v1 TO {db}.flow_steps_v1 AS
  SELECT type, toDate(received_at) AS day, tenant, correlation_id,
    min(received_at) AS first_seen,
    max(received_at) AS last_seen,
    min(if(outcome = 'accepted', received_at, NULL)) AS first_accepted,
    max(if(outcome = 'rejected', received_at, NULL)) AS last_rejected,
    uniqExactIfState(envelope_key, outcome = 'accepted') AS accepted,
    uniqExactIfState(envelope_key, outcome = 'rejected') AS rejected,
    argMinIfState(envelope_key, received_at, outcome = 'accepted') AS first_accepted_key,
    argMaxIfState((envelope_key, reason, output_seq), received_at, outcome = 'rejected') AS last_dead_letter
  FROM {db}.lineage_decisions_v1
  WHERE correlation_id != ''
  GROUP BY type, day, tenant, correlation_id`,

  // Backfill what lineage already holds (one row per envelope).
  `INSERT INTO {db}.lineage_decisions_v1
  SELECT envelope_key, source, type, outcome, reason, tracked_num, tracked_str, correlation_id,
    tenant, region, event_time, received_at, decided_at, latency_ms, delivery, output_seq,
    '' AS replay_of,
    ${decided} AS first_decision
  FROM {db}.lineage_v1 FINAL`,
];

/**
 * The business rollup's SELECT over decisions (rows shaped like `lineage_decisions_v1`), bucketed
 * by `bucket` (an expression of `event_time`) named `column`.
 */
function businessRollupSelect(bucket: string, column: string, decisions: string): string {
  return `WITH (SELECT groupArray(property) FROM {db}.kpi_dimensions_v1) AS kept
  SELECT type,
    if(sign > 0, outcome, 'rejected') AS outcome,
    ${bucket} AS ${column},
    tenant, region, source,
    if(sign > 0, mapFilter((key, value) -> has(kept, key), tracked_str),
      CAST(map(), 'Map(LowCardinality(String), String)')) AS dimensions,
    sum(toInt64(sign)) AS envelopes,
    sumMap(if(sign > 0, CAST(tracked_num, 'Map(String, Float64)'), CAST(map(), 'Map(String, Float64)'))) AS sums,
    sumMap(if(sign > 0, CAST(mapApply((key, value) -> (key, 1), tracked_num), 'Map(String, UInt64)'),
      CAST(map(), 'Map(String, UInt64)'))) AS counts
  FROM ${decisions}
  ARRAY JOIN if(replay_of != '' AND first_decision, [1, -1], [1]) AS sign
  WHERE first_decision OR (outcome = 'delayed' AND delivery <= 1)
  GROUP BY type, outcome, ${column}, tenant, region, source, dimensions`;
}

/** The integration rollup's SELECT over decisions, per hour received, tenant, source, type. */
function integrationRollupSelect(decisions: string): string {
  return `SELECT toStartOfHour(received_at) AS hour, tenant, source, type, outcome,
    count() AS messages,
    quantilesTDigestState(0.5, 0.95, 0.99)(latency_ms) AS latency,
    max(latency_ms) AS latency_max,
    max(received_at) AS last_received
  FROM ${decisions}
  WHERE first_decision OR outcome = 'delayed'
  GROUP BY hour, tenant, source, type, outcome`;
}

/** Lineage as it stands (one row per envelope), as decisions: how a new rollup is backfilled. */
const lineageAsDecisions = `(SELECT envelope_key, source, type, outcome, reason, tracked_num,
    tracked_str, correlation_id, tenant, region, event_time, received_at, decided_at, latency_ms,
    delivery, output_seq, '' AS replay_of, ${decided} AS first_decision
  FROM {db}.lineage_v1 FINAL)`;

/** How long hourly business figures are kept (queries may reach back 92 days). */
export const hourlyBusinessRetentionDays = 100;

/** Inserts a rollup target deduplicates (by the feed's token) when a feed step is repeated. */
const dedupeWindow = 'non_replicated_deduplication_window = 10000';

/**
 * Migration 4: the rollups are fed off the worker's insert path, business figures are also kept
 * per hour, integration figures per tenant.
 *
 * Feeding. Migration 3 ran the rollups as materialized views inside every lineage insert, which
 * tripled the cost of the insert the worker waits for before it acks. Now the worker's insert
 * touches `lineage_v1` only, and the rollup feed (`rollup-feed.ts`) moves what was written into
 * `lineage_decisions_v1` in steps, about once a second, from a background task in the worker
 * process. It follows `lineage_v1`'s block numbers: a plain MergeTree numbers each insert when it
 * commits, in commit order, and keeps each row's number through merges
 * (`enable_block_number_column`), so "every row with a number up to N" is a complete, stable set
 * once N is committed. `rollup_feed_v1` records how far the rollups reach and, before a step
 * runs, which range it is feeding; the step's insert carries a deduplication token made of that
 * range, which follows the insert into every rollup table (each keeps a deduplication window), so
 * a step repeated after a crash is not counted twice.
 *
 * The lineage rows written before this migration are already in the rollups (migration 3's view
 * put them there): the feed starts after the highest block number committed when it runs.
 * Migrations run at start, before the worker; a worker of the previous version still writing
 * during the upgrade could have rows counted twice or not at all.
 */
export const rollupFeedStatements: readonly string[] = [
  `ALTER TABLE {db}.lineage_v1 MODIFY SETTING enable_block_number_column = 1`,
  `DROP VIEW IF EXISTS {db}.lineage_decisions_mv_v1`,
  `CREATE TABLE IF NOT EXISTS {db}.rollup_feed_v1 (
    feed LowCardinality(String),
    step UInt64 COMMENT 'increases with every write; the latest row holds the state',
    fed_upto UInt64 COMMENT 'lineage_v1 block number up to which every row is in the rollups',
    pending_upto UInt64 COMMENT 'a step under way feeds (fed_upto, pending_upto]; 0 when none',
    at DateTime64(3, 'UTC') DEFAULT now64(3)
  )
  ENGINE = ReplacingMergeTree(step)
  ORDER BY feed
  COMMENT 'How far the rollups reach into lineage_v1'`,
  `INSERT INTO {db}.rollup_feed_v1 (feed, step, fed_upto, pending_upto)
  SELECT 'lineage', 1, (SELECT max(max_block_number) FROM system.parts
    WHERE database = '{db}' AND table = 'lineage_v1' AND active), 0`,
  ...['message_decisions_v1', 'kpi_daily_v1', 'flow_steps_v1'].map(
    (table) => `ALTER TABLE {db}.${table} MODIFY SETTING ${dedupeWindow}`,
  ),

  // Business figures per hour of the event, kept 100 days (the daily rollup keeps everything).
  `CREATE TABLE IF NOT EXISTS {db}.kpi_hourly_v1 (
    type LowCardinality(String),
    outcome LowCardinality(String),
    hour DateTime('UTC'),
    tenant LowCardinality(String),
    region LowCardinality(String),
    source LowCardinality(String),
    dimensions Map(LowCardinality(String), String),
    envelopes SimpleAggregateFunction(sum, Int64),
    sums SimpleAggregateFunction(sumMap, Map(String, Float64)),
    counts SimpleAggregateFunction(sumMap, Map(String, UInt64))
  )
  ENGINE = AggregatingMergeTree
  PARTITION BY toYYYYMM(hour)
  ORDER BY (type, outcome, hour, tenant, region, source, dimensions)
  TTL hour + INTERVAL ${hourlyBusinessRetentionDays} DAY
  SETTINGS ${dedupeWindow}
  COMMENT 'kpi_daily_v1 per event hour, for the last ${hourlyBusinessRetentionDays} days'`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_hourly_mv_v1 TO {db}.kpi_hourly_v1 AS
  ${businessRollupSelect('toStartOfHour(event_time)', 'hour', '{db}.lineage_decisions_v1')}`,
  `INSERT INTO {db}.kpi_hourly_v1
  ${businessRollupSelect('toStartOfHour(event_time)', 'hour', lineageAsDecisions)}
  HAVING hour >= now() - INTERVAL ${hourlyBusinessRetentionDays} DAY`,

  // Integration figures per tenant too: v2 replaces v1 (its key has no tenant).
  `CREATE TABLE IF NOT EXISTS {db}.integration_hourly_v2 (
    hour DateTime('UTC'),
    tenant LowCardinality(String),
    source LowCardinality(String),
    type LowCardinality(String),
    outcome LowCardinality(String),
    messages SimpleAggregateFunction(sum, UInt64),
    latency AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt32),
    latency_max SimpleAggregateFunction(max, UInt32),
    last_received SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
  )
  ENGINE = AggregatingMergeTree
  PARTITION BY toYYYYMM(hour)
  ORDER BY (hour, tenant, source, type, outcome)
  SETTINGS ${dedupeWindow}
  COMMENT 'First decisions (and delays) per hour received, tenant, source, type and outcome, with latency'`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.integration_hourly_mv_v2 TO {db}.integration_hourly_v2 AS
  ${integrationRollupSelect('{db}.lineage_decisions_v1')}`,
  `INSERT INTO {db}.integration_hourly_v2 ${integrationRollupSelect(lineageAsDecisions)}`,
  `DROP VIEW IF EXISTS {db}.integration_hourly_mv_v1`,
  `DROP TABLE IF EXISTS {db}.integration_hourly_v1`,
];

/** Steps a sealed flow may have: the flow definition schema's `maxItems`. */
export const maxSealedSteps = 20;

/**
 * Migration 5: sealed flow instances, so that the flow overview over a long window reads one row
 * per instance instead of grouping every step row of the window (`InsightsStore.flowStateCounts`).
 *
 * A seal is built once a day (`FlowSeals.build`, run by the flow sealer): for a set of flow
 * definitions, every instance's facts from the `flow_steps_v1` rows received between its horizon
 * and `sealed_before` (the day before it was built), one row per instance, in a partition of its
 * own. Facts only ever grow by min and max (first accepted per step, rejected steps, first seen),
 * so a read takes the sealed rows of the instances with no step row since `sealed_before` as they
 * are, and merges the few others with their newer step rows.
 *
 * A seal holds only if no row received before `sealed_before` was fed after it was built (a
 * backlog over a day late): `flow_days_fed_v1` says when each received day was last fed, and a
 * seal it contradicts is not read (the flow overview groups the step rows as before) until the
 * next one is built.
 */
export const flowSealStatements: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS {db}.flow_days_fed_v1 (
    day Date,
    fed_at SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
  )
  ENGINE = AggregatingMergeTree
  ORDER BY day
  COMMENT 'Per day received: when step rows of that day were last fed into flow_steps_v1'`,

  `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.flow_days_fed_mv_v1 TO {db}.flow_days_fed_v1 AS
  SELECT toDate(received_at) AS day, max(now64(3)) AS fed_at
  FROM {db}.lineage_decisions_v1
  WHERE correlation_id != ''
  GROUP BY day`,

  `CREATE TABLE IF NOT EXISTS {db}.flow_seals_v1 (
    seal String,
    flow_keys Array(String) COMMENT 'the sealed flows, by id and step types (flowKey); the order numbers flow in flow_instances_v1',
    sealed_before Date COMMENT 'step rows received before this day are sealed',
    horizon Date COMMENT 'step rows received before this day are not read',
    built_at DateTime64(3, 'UTC') COMMENT 'when the build began (ClickHouse clock)'
  )
  ENGINE = MergeTree
  ORDER BY built_at
  TTL toDateTime(built_at) + INTERVAL 30 DAY
  COMMENT 'Seals of flow instances; the newest that covers the flows asked and still holds is read'`,

  `CREATE TABLE IF NOT EXISTS {db}.flow_instances_v1 (
    seal LowCardinality(String),
    flow UInt8 COMMENT 'position in the seal''s flow_keys, from 1',
    tenant LowCardinality(String),
    instance UInt64 COMMENT 'cityHash64(tenant, correlation_id)',
    started Int64 COMMENT 'first step row seen (ms)',
    start UInt8 COMMENT 'the first step position seen',
    ${Array.from({ length: maxSealedSteps }, (_, i) => `d${i + 1} Int64 COMMENT 'step ${i + 1} first accepted (ms), 0 never'`).join(',\n    ')},
    rejected UInt32 COMMENT 'bit i-1: step i was dead-lettered'
  )
  ENGINE = MergeTree
  PARTITION BY seal
  ORDER BY (flow, started)
  COMMENT 'Flow instances of a seal (flow_seals_v1), one row each; a superseded seal''s partition is dropped'`,
];

/**
 * Migration 6: sealed states. A sealed instance also keeps its state by the SLAs of its flow as
 * sealed (`stateColumnsSql`; the flow key now hashes the SLAs too): whether it completed, late or
 * not, or failed, and the earliest deadline still open, after which it counts as breached. The
 * flow overview then counts the instances untouched since the seal by state as they are, and
 * computes states only for the few it merges. Seals built before this migration have keys of the
 * old form; they are never read again and the sealer drops them after its next build.
 */
export const flowSealStateStatements: readonly string[] = [
  `ALTER TABLE {db}.flow_instances_v1
    ADD COLUMN IF NOT EXISTS completed Bool COMMENT 'every step done',
    ADD COLUMN IF NOT EXISTS failed Bool COMMENT 'a step not done was dead-lettered',
    ADD COLUMN IF NOT EXISTS late Bool COMMENT 'completed after a deadline',
    ADD COLUMN IF NOT EXISTS breach_at Int64 COMMENT 'earliest deadline still open (ms); 2^62 when none'`,
];
