import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCode,
  PlumblineError,
  parseFlowDefinitions,
  parseKpiPolicy,
  type FlowDefinition,
  type KpiPolicy,
  type NamingPolicy,
  type PolicyProblem,
} from '@plumbline/core';

/** The flow definitions and the KPI policy, as validated from `policies/`. */
export interface InsightsPolicies {
  readonly flows: readonly FlowDefinition[];
  readonly kpis: KpiPolicy;
}

/**
 * Reads `<dir>/flows/*.yaml` and `<dir>/kpis.yaml` and validates them (types and sources checked
 * against `naming`). Fails with every problem of both, each as `file:line:column message`. A
 * missing `flows/` directory means no flows; a missing kpis.yaml, no business KPIs.
 */
export async function readInsightsPolicies(
  dir: string,
  naming?: NamingPolicy,
): Promise<InsightsPolicies> {
  const flowsDir = join(dir, 'flows');
  const flowNames = existsSync(flowsDir)
    ? (await readdir(flowsDir)).filter((name) => /\.ya?ml$/.test(name)).sort()
    : [];
  const flowFiles = await Promise.all(
    flowNames.map(async (name) => ({
      name: join('flows', name),
      text: await readFile(join(flowsDir, name), 'utf8'),
    })),
  );
  const options = naming === undefined ? {} : { naming };
  const flows = parseFlowDefinitions(flowFiles, options);
  const kpiFile = join(dir, 'kpis.yaml');
  const kpis = existsSync(kpiFile)
    ? parseKpiPolicy({ name: 'kpis.yaml', text: await readFile(kpiFile, 'utf8') }, options)
    : ({ ok: true, value: { business: [], dimensions: {}, sources: {} } } as const);
  const problems: PolicyProblem[] = [
    ...(flows.ok ? [] : flows.problems),
    ...(kpis.ok ? [] : kpis.problems),
  ];
  if (!flows.ok || !kpis.ok) {
    const lines = problems.map(
      (problem) =>
        `${join(dir, problem.file)}:${problem.line}:${problem.column} ${problem.message}`,
    );
    throw new PlumblineError(
      ErrorCode.InvalidPolicy,
      `invalid flows or KPIs:\n  - ${lines.join('\n  - ')}`,
      { details: { problems } },
    );
  }
  return { flows: flows.value, kpis: kpis.value };
}
