import type { ClickHouseStore } from './clickhouse-store';

/** A range of `lineage_v1` block numbers fed into the rollups: (after, upTo]. */
export interface RollupFeedStep {
  readonly after: number;
  readonly upTo: number;
  /** The step repeats one a crash interrupted (same range, same deduplication token). */
  readonly repeated: boolean;
}

export interface RollupBacklog {
  /** Lineage blocks (inserts) committed and not yet in the rollups. */
  readonly blocks: number;
  /** Lineage rows in those blocks. */
  readonly rows: number;
}

interface FeedState {
  readonly step: number;
  readonly fedUpTo: number;
  readonly pendingUpTo: number;
}

const feed = 'lineage';

interface LineagePart {
  readonly name: string;
  /** Lowest block number in the part: a merged part spans the blocks it was merged from. */
  readonly minBlock: number;
  /** Highest block number in the part. */
  readonly block: number;
  readonly rows: number;
  readonly partition: string;
}

/**
 * Steps under way per store: feeds sharing a store (several workers in one process) take turns,
 * each reading the state the previous one left.
 */
const turns = new WeakMap<ClickHouseStore, Promise<unknown>>();
const decided = `outcome IN ('accepted', 'rejected')`;

/**
 * Moves lineage into the flow and KPI rollups, off the worker's insert path (migration 4 in
 * `insights-rollups.ts` explains the block numbers this follows). One step:
 *
 * 1. read how far the rollups reach (`rollup_feed_v1`);
 * 2. pick the range: the one a crash interrupted, else up to the highest committed block, at most
 *    about `maxRowsPerStep` rows; record it as pending;
 * 3. insert its rows into `lineage_decisions_v1` (the rollups' views fire) with a deduplication
 *    token made of the range, so repeating the step changes nothing;
 * 4. record the range as fed.
 *
 * Each row carries `first_decision`: whether it is the first accepted-or-rejected decision of its
 * INGEST message (received_at, envelope_key). A row at delivery 1 is; a later one is unless an
 * earlier decision of the same message was fed before (`message_decisions_v1`, 7 days) or comes
 * earlier in the same range.
 *
 * Steps must not overlap on one database: feeds over the same store object take turns; across
 * processes (a ClickHouse server) the caller holds a lease (see `startRollupFeeder`). With chDB
 * every process has a database of its own.
 */
export class RollupFeed {
  readonly #db: string;
  readonly #maxRowsPerStep: number;

  constructor(
    private readonly store: ClickHouseStore,
    options: { readonly maxRowsPerStep?: number } = {},
  ) {
    this.#db = store.database;
    this.#maxRowsPerStep = options.maxRowsPerStep ?? 500_000;
  }

  /** Feeds the next range; `undefined` when the rollups already hold every committed row. */
  step(): Promise<RollupFeedStep | undefined> {
    const previous = turns.get(this.store) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(() => this.#step());
    turns.set(this.store, mine);
    return mine;
  }

  async #step(): Promise<RollupFeedStep | undefined> {
    const state = await this.#state();
    const repeated = state.pendingUpTo > state.fedUpTo;
    const parts = await this.#partsAfter(state.fedUpTo);
    let upTo = state.pendingUpTo;
    if (!repeated) {
      upTo = this.#nextUpTo(state.fedUpTo, parts);
      if (upTo <= state.fedUpTo) return undefined;
      await this.#record({ step: state.step + 1, fedUpTo: state.fedUpTo, pendingUpTo: upTo });
    }
    await this.store.command(
      `INSERT INTO ${this.#db}.lineage_decisions_v1
       SETTINGS insert_deduplication_token = '${feed}:${state.fedUpTo}:${upTo}',
         deduplicate_blocks_in_dependent_materialized_views = 1
       ${this.#decisionsSql()}`,
      // Block numbers prune nothing; partitions do (a merge never moves rows across partitions).
      {
        after: state.fedUpTo,
        up_to: upTo,
        partitions: [...new Set(parts.map((p) => p.partition))],
      },
    );
    await this.#record({ step: state.step + 2, fedUpTo: upTo, pendingUpTo: 0 });
    return { after: state.fedUpTo, upTo, repeated };
  }

  /** Steps until the rollups hold every row committed when called; returns the steps taken. */
  async catchUp(): Promise<number> {
    const target = Math.max(0, ...(await this.#partsAfter(0)).map((part) => part.block));
    let steps = 0;
    for (;;) {
      const step = await this.step();
      if (step === undefined) return steps;
      steps += 1;
      if (step.upTo >= target) return steps;
    }
  }

  /**
   * What is committed to lineage and not yet in the rollups. A part wholly after the feed counts
   * from `system.parts`; a merged part that also holds fed rows (the usual case once merges have
   * run) is counted by block number, reading only that column of only those parts.
   */
  async backlog(): Promise<RollupBacklog> {
    const { fedUpTo } = await this.#state();
    const parts = await this.#partsAfter(fedUpTo);
    const straddling = parts.filter((part) => part.minBlock <= fedUpTo);
    let rows = parts
      .filter((part) => part.minBlock > fedUpTo)
      .reduce((sum, part) => sum + part.rows, 0);
    if (straddling.length > 0) {
      const [counted] = await this.store.query<{ rows: string }>(
        `SELECT count() AS rows FROM ${this.#db}.lineage_v1
         WHERE _part IN {parts:Array(String)} AND _block_number > {after:UInt64}`,
        { parts: straddling.map((part) => part.name), after: fedUpTo },
      );
      rows += Number(counted?.rows ?? 0);
    }
    return {
      blocks: Math.max(fedUpTo, ...parts.map((part) => part.block)) - fedUpTo,
      rows,
    };
  }

  /**
   * The range's lineage rows as decisions. `earlier` counts decisions of the same message before
   * the row within the range (ordered by when they were made).
   */
  #decisionsSql(): string {
    const db = this.#db;
    const inRange = `_partition_id IN {partitions:Array(String)}
      AND _block_number > {after:UInt64} AND _block_number <= {up_to:UInt64}`;
    return `SELECT envelope_key, source, type, outcome, reason, tracked_num, tracked_str,
        correlation_id, tenant, region, event_time, received_at, decided_at, latency_ms, delivery,
        output_seq, replay_of,
        ${decided} AND earlier = 0 AND (delivery <= 1 OR (received_at, envelope_key) NOT IN (
          SELECT received_at, envelope_key FROM ${db}.message_decisions_v1
          WHERE (received_at, envelope_key) IN (
            SELECT received_at, envelope_key FROM ${db}.lineage_v1 WHERE ${inRange} AND delivery > 1
          )
        )) AS first_decision
      FROM (
        SELECT *, countIf(${decided}) OVER (
            PARTITION BY received_at, envelope_key ORDER BY decided_at, delivery
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
          ) AS earlier
        FROM ${db}.lineage_v1
        WHERE ${inRange}
      )`;
  }

  async #state(): Promise<FeedState> {
    const [row] = await this.store.query<{ step: string; fed: string; pending: string }>(
      `SELECT step, fed_upto AS fed, pending_upto AS pending
       FROM ${this.#db}.rollup_feed_v1 WHERE feed = {feed:String}
       ORDER BY step DESC LIMIT 1`,
      { feed },
    );
    return {
      step: Number(row?.step ?? 0),
      fedUpTo: Number(row?.fed ?? 0),
      pendingUpTo: Number(row?.pending ?? 0),
    };
  }

  async #record(state: FeedState): Promise<void> {
    await this.store.insert(`${this.#db}.rollup_feed_v1`, [
      { feed, step: state.step, fed_upto: state.fedUpTo, pending_upto: state.pendingUpTo },
    ]);
  }

  /** The end of the next range: parts in block order, until about `maxRowsPerStep` rows. */
  #nextUpTo(after: number, parts: readonly LineagePart[]): number {
    let upTo = after;
    let rows = 0;
    for (const part of parts) {
      upTo = part.block;
      rows += part.rows;
      if (rows >= this.#maxRowsPerStep) break;
    }
    return upTo;
  }

  /** Active parts of `lineage_v1` holding rows written after block `after`, in block order. */
  async #partsAfter(after: number): Promise<LineagePart[]> {
    const parts = await this.store.query<{
      name: string;
      minBlock: string;
      block: string;
      rows: string;
      partition: string;
    }>(
      `SELECT name, min_block_number AS minBlock, max_block_number AS block, rows,
         partition_id AS partition
       FROM system.parts
       WHERE database = {db:String} AND table = 'lineage_v1' AND active
         AND max_block_number > {after:UInt64}
       ORDER BY max_block_number`,
      { db: this.#db, after },
    );
    return parts.map((part) => ({
      name: part.name,
      minBlock: Number(part.minBlock),
      block: Number(part.block),
      rows: Number(part.rows),
      partition: part.partition,
    }));
  }
}
