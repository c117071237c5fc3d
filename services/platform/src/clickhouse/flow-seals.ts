import { createHash, randomUUID } from 'node:crypto';
import { floorDay, type FlowDefinition } from '@plumbline/core';
import type { ClickHouseStore } from './clickhouse-store';
import { isoDay, stateColumnsSql, stateParams, stepFactsSql, stepsOfType } from './flow-sql';
import { maxSealedSteps } from './insights-rollups';

const day = 86_400_000;

/** A seal of other flows this much older than the newest is abandoned (builds are daily). */
const abandonedAfterMs = 2 * day;

/**
 * The version of the rules a seal's states were computed by (`stateColumnsSql`): a change to
 * them must bump it, so that seals built by the old rules are no longer read.
 */
const sealedRules = 2;

/**
 * A flow definition's identity in a seal: its id, and a hash of what its sealed states follow
 * from: the step types in order, the SLAs and the rules' version. Changing any of them leaves the
 * flow without a seal until the next build.
 */
export function flowKey(flow: FlowDefinition): string {
  const shape = createHash('sha256')
    .update(
      JSON.stringify({
        rules: sealedRules,
        steps: flow.steps.map((step) => [step.type, step.slaMs ?? 0]),
        sla: flow.slaMs,
      }),
    )
    .digest('hex');
  return `${flow.id}:${shape.slice(0, 16)}`;
}

/** A seal of flow instances (migration 5 in `insights-rollups.ts`). */
export interface FlowSeal {
  readonly seal: string;
  /** The sealed flows (`flowKey`); position + 1 is their number in `flow_instances_v1`. */
  readonly flowKeys: readonly string[];
  /** Start of the UTC day before which step rows are sealed. */
  readonly sealedBefore: number;
  /** Start of the UTC day before which step rows were left out. */
  readonly horizon: number;
  /** When the build began, on the ClickHouse clock (ms). */
  readonly builtAt: number;
}

/** The newest seal covering some flows, and whether it still holds. */
export type FlowSealState =
  | { readonly kind: 'none' }
  | { readonly kind: 'stale'; readonly seal: FlowSeal }
  | { readonly kind: 'holds'; readonly seal: FlowSeal };

export interface FlowSealsOptions {
  /**
   * How long a feed step may take: a seal is stale when a day it holds was fed after its build
   * began, less this margin, since a step that began before the build may commit after its read.
   * Feed steps take seconds; default 10 minutes.
   */
  readonly feedMarginMs?: number;
}

/**
 * Builds, finds and drops seals of flow instances. Building reads `flow_steps_v1` from the
 * horizon to the day before the build and writes one row per instance, its facts and its state by
 * the flows' SLAs (`stateColumnsSql`), into a partition of its own; the seal's row in `flow_seals_v1` is written last, so a seal is read only once complete.
 * Several processes may build at once: each builds its own seal, and the newest is read.
 */
export class FlowSeals {
  readonly #db: string;
  readonly #feedMarginMs: number;

  constructor(
    private readonly store: ClickHouseStore,
    options: FlowSealsOptions = {},
  ) {
    this.#db = store.database;
    this.#feedMarginMs = options.feedMarginMs ?? 10 * 60_000;
  }

  /**
   * Seals the instances of these (rolled-up) flows from step rows received in
   * [horizon, the day before `now`), the horizon being `reachMs` plus the longest flow SLA
   * before that day: enough for any window that ends by now and spans at most `reachMs`.
   */
  async build(
    flows: readonly FlowDefinition[],
    plan: { readonly now: number; readonly reachMs: number },
  ): Promise<FlowSeal> {
    if (flows.some((flow) => flow.steps.length > maxSealedSteps))
      throw new Error(`a sealed flow has at most ${maxSealedSteps} steps`);
    const sealedBefore = floorDay(plan.now) - day;
    const horizon = floorDay(
      sealedBefore - plan.reachMs - Math.max(0, ...flows.map((flow) => flow.slaMs)),
    );
    const seal = randomUUID();
    const [clock] = await this.store.query<{ at: string }>(
      `SELECT toUnixTimestamp64Milli(now64(3)) AS at`,
    );
    const builtAt = Number(clock?.at);
    const positions = Array.from(
      { length: Math.max(1, ...flows.map((flow) => flow.steps.length)) },
      (_, index) => index + 1,
    );
    await this.store.command(
      `INSERT INTO ${this.#db}.flow_instances_v1 (seal, flow, tenant, instance, started, start,
         ${positions.map((i) => `d${i}`).join(', ')}, rejected, completed, failed, late, breach_at)
       SELECT {seal:String}, flow, instance_tenant, instance, started, start,
         ${positions.map((i) => `d${i}`).join(', ')}, rejected, completed, failed, late, breach_at
       FROM (
         SELECT *, ${stateColumnsSql(positions)}
         FROM (
           SELECT flow_step[1] AS flow, cityHash64(tenant, correlation_id) AS instance,
             any(tenant) AS instance_tenant,
             toUnixTimestamp64Milli(min(first_seen)) AS started,
             min(flow_step[2]) AS start,
             ${stepFactsSql(positions, '0')},
             groupBitOr(if(isNotNull(last_rejected), bitShiftLeft(toUInt32(1), flow_step[2] - 1), toUInt32(0))) AS rejected
           FROM ${this.#db}.flow_steps_v1
           ARRAY JOIN {steps_of_type:Map(String, Array(Array(UInt16)))}[type] AS flow_step
           WHERE type IN {types:Array(String)} AND day >= {horizon:Date} AND day < {sealed_before:Date}
           GROUP BY flow, instance
         )
       )`,
      {
        seal,
        steps_of_type: stepsOfType(flows),
        types: [...new Set(flows.flatMap((flow) => flow.steps.map((step) => step.type)))],
        horizon: isoDay(horizon),
        sealed_before: isoDay(sealedBefore),
        ...stateParams(flows),
      },
    );
    const flowKeys = flows.map(flowKey);
    await this.store.command(
      `INSERT INTO ${this.#db}.flow_seals_v1
       SELECT {seal:String}, {keys:Array(String)}, {sealed_before:Date}, {horizon:Date},
         fromUnixTimestamp64Milli({built:Int64}, 'UTC')`,
      {
        seal,
        keys: flowKeys,
        sealed_before: isoDay(sealedBefore),
        horizon: isoDay(horizon),
        built: builtAt,
      },
    );
    return { seal, flowKeys, sealedBefore, horizon, builtAt };
  }

  /** The newest seal covering every one of these flows, and whether it still holds. */
  async newest(flows: readonly FlowDefinition[]): Promise<FlowSealState> {
    const [row] = await this.store.query<{
      seal: string;
      flow_keys: string[];
      sealed_before: string;
      horizon: string;
      built: string;
      fed: string;
    }>(
      `WITH newest AS (
         SELECT seal, flow_keys, sealed_before, horizon, built_at FROM ${this.#db}.flow_seals_v1
         WHERE hasAll(flow_keys, {keys:Array(String)}) ORDER BY built_at DESC LIMIT 1
       )
       SELECT seal, flow_keys,
         toUnixTimestamp(toDateTime(sealed_before, 'UTC')) * 1000 AS sealed_before,
         toUnixTimestamp(toDateTime(horizon, 'UTC')) * 1000 AS horizon,
         toUnixTimestamp64Milli(built_at) AS built,
         (SELECT toUnixTimestamp64Milli(max(fed_at)) FROM ${this.#db}.flow_days_fed_v1
          WHERE day < (SELECT sealed_before FROM newest)) AS fed
       FROM newest`,
      { keys: flows.map(flowKey) },
    );
    if (row === undefined) return { kind: 'none' };
    const seal: FlowSeal = {
      seal: row.seal,
      flowKeys: row.flow_keys,
      sealedBefore: Number(row.sealed_before),
      horizon: Number(row.horizon),
      builtAt: Number(row.built),
    };
    const stale = Number(row.fed) > seal.builtAt - this.#feedMarginMs;
    return stale ? { kind: 'stale', seal } : { kind: 'holds', seal };
  }

  /**
   * Drops the seals `keep` replaced: older ones of the same flows or of fewer, and seals of other
   * flow definitions more than `abandonedAfterMs` older (their builder, another process during a
   * rolling deploy, would have replaced them daily); also builds that never finished (a partition
   * with no seal row) older than an hour. Call it a while after `keep` was built, so that no read
   * still uses the seals it replaced.
   */
  async dropReplaced(keep: FlowSeal): Promise<string[]> {
    const rows = await this.store.query<{ seal: string }>(
      `SELECT seal FROM ${this.#db}.flow_seals_v1
       WHERE seal != {keep:String} AND built_at < fromUnixTimestamp64Milli({built:Int64}, 'UTC')
         AND (hasAll({keys:Array(String)}, flow_keys)
           OR built_at < fromUnixTimestamp64Milli({abandoned:Int64}, 'UTC'))
       UNION DISTINCT
       SELECT partition AS seal FROM system.parts
       WHERE database = {db:String} AND table = 'flow_instances_v1' AND active
         AND partition != {keep:String}
         AND partition NOT IN (SELECT seal FROM ${this.#db}.flow_seals_v1)
         AND modification_time < now() - INTERVAL 1 HOUR`,
      {
        keep: keep.seal,
        keys: keep.flowKeys,
        built: keep.builtAt,
        abandoned: keep.builtAt - abandonedAfterMs,
        db: this.#db,
      },
    );
    const dropped: string[] = [];
    for (const { seal } of rows) {
      // Seal ids are UUIDs this class wrote; anything else is left alone.
      if (!/^[0-9a-f-]{36}$/.test(seal)) continue;
      await this.store.command(
        `ALTER TABLE ${this.#db}.flow_seals_v1 DELETE WHERE seal = {seal:String}
         SETTINGS mutations_sync = 1`,
        { seal },
      );
      await this.store.command(
        `ALTER TABLE ${this.#db}.flow_instances_v1 DROP PARTITION '${seal}'`,
      );
      dropped.push(seal);
    }
    return dropped;
  }
}
