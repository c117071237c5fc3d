import { floorDay, type FlowDefinition } from '@plumbline/core';

/**
 * SQL fragments shared by the flow reads (`InsightsStore`) and the seals (`FlowSeals`): how an
 * instance's facts are grouped from step rows, and how its state follows from them. Internal to
 * the platform package.
 */

/** A time later than any (ms): a first acceptance no step row has, or no deadline open. */
export const neverAccepted = '4611686018427387904';

/**
 * When step `position` was first accepted, over step rows joined to `flow_step` (flow, position):
 * 0 when never (for reading), or `neverAccepted` (for a `min` across sealed and new rows).
 */
function firstAcceptedSql(position: number, never: '0' | typeof neverAccepted): string {
  const accepted = `flow_step[2] = ${position} AND isNotNull(first_accepted)`;
  const at = `toUnixTimestamp64Milli(assumeNotNull(first_accepted))`;
  return never === '0' ? `minIf(${at}, ${accepted})` : `min(if(${accepted}, ${at}, ${never}))`;
}

/**
 * Per step position i, grouped over step rows joined to `flow_step`: `d{i}` when it was first
 * accepted (see `firstAcceptedSql` for `never`) and `r{i}` whether it was dead-lettered.
 */
export function stepFactsSql(
  positions: readonly number[],
  never: '0' | typeof neverAccepted,
): string {
  return positions
    .map(
      (i) =>
        `${firstAcceptedSql(i, never)} AS d${i}, maxIf(isNotNull(last_rejected), flow_step[2] = ${i}) AS r${i}`,
    )
    .join(',\n  ');
}

/** `{steps_of_type}` for a list of flows: per step type, its (flow number, step number) pairs. */
export function stepsOfType(flows: readonly FlowDefinition[]): Map<string, [number, number][]> {
  const byType = new Map<string, [number, number][]>();
  flows.forEach((flow, index) => {
    for (const step of flow.steps) {
      const pairs = byType.get(step.type) ?? [];
      pairs.push([index + 1, step.index + 1]);
      byType.set(step.type, pairs);
    }
  });
  return byType;
}

/** The flows' shapes and SLAs by flow number, for `stateColumnsSql`. */
export function stateParams(flows: readonly FlowDefinition[]): Record<string, unknown> {
  return {
    step_count: flows.map((flow) => flow.steps.length),
    step_sla: flows.map((flow) => flow.steps.map((step) => step.slaMs ?? 0)),
    flow_sla: flows.map((flow) => flow.slaMs),
  };
}

/**
 * Columns of an instance's state from its facts (`flow`, `start`: the first step position seen,
 * `started`, and per position i `d{i}`: first accepted, 0 never, `r{i}`: rejected), by the rules
 * of `deriveFlowInstance` (core), with the flows' shapes and SLAs as parameters (`stateParams`):
 * `completed`, `failed`, `late` (completed after a deadline), and `breach_at`, the earliest
 * deadline still open (`neverAccepted` when none). None of them depends on the time of the read:
 * an instance neither completed nor failed is breached once now is past `breach_at`
 * (`stateSql`). Unrolled over positions (array lambdas are several times slower here); a position
 * past a flow's last step has no rows and no SLA.
 */
export function stateColumnsSql(positions: readonly number[]): string {
  const later = positions.filter((i) => i > 1);
  const stepSla = (i: number) => `{step_sla:Array(Array(Int64))}[flow][${i}]`;
  const anyOf = (terms: string[]) => (terms.length === 0 ? 'false' : `(${terms.join(' OR ')})`);
  const open = (due: string, when: string) => `if(${when}, ${due}, ${neverAccepted})`;
  const extreme = (name: 'least' | 'greatest', terms: string[]) =>
    terms.length === 1 ? terms[0] : `${name}(${terms.join(', ')})`;
  return `
        ${positions.map((i) => `(${i} > {step_count:Array(UInt8)}[flow] OR start > ${i} OR d${i} > 0)`).join(' AND ')} AS completed,
        ${anyOf(positions.map((i) => `(start <= ${i} AND d${i} = 0 AND r${i})`))} AS failed,
        ${later
          .map(
            (i) =>
              `if(start < ${i} AND d${i - 1} > 0 AND ${stepSla(i)} > 0, d${i - 1} + ${stepSla(i)}, 0) AS due${i}`,
          )
          .join(',\n        ')},
        ${extreme(
          'greatest',
          positions.map((i) => `if(start <= ${i}, d${i}, 0)`),
        )} AS last_done,
        started + {flow_sla:Array(Int64)}[flow] AS flow_due,
        toInt64(${extreme('least', [
          ...later.map((i) => open(`due${i}`, `due${i} > 0 AND d${i} = 0`)),
          open('flow_due', 'NOT completed'),
        ])}) AS breach_at,
        completed AND ${anyOf([
          'last_done > flow_due',
          ...later.map((i) => `(due${i} > 0 AND d${i} > due${i})`),
        ])} AS late`;
}

/** An instance's state at `{now}` from the columns of `stateColumnsSql`. */
export const stateSql = `multiIf(completed, 'completed', failed, 'failed', {now:Int64} > breach_at, 'breached', 'in_progress')`;

export function isoDay(ms: number): string {
  return new Date(floorDay(ms)).toISOString().slice(0, 10);
}
