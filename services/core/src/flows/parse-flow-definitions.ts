import flowSchema from '@plumbline/schemas/policies/flow.json' with { type: 'json' };
import type { PolicyFileText } from '../policies/load-policy-set';
import {
  compilePolicySchema,
  locatePointer,
  parsePolicyFile,
  type PolicyFileResult,
  type PolicyProblem,
} from '../policies/parse-policy-file';
import type { NamingPolicy } from '../policies/policy-set';
import { durationProblem, parseDuration } from './duration';
import { compileNamingPatterns } from './naming-patterns';
import type {
  CorrelateBy,
  FlowClock,
  FlowCorrelation,
  FlowDefinition,
  FlowStep,
} from './flow-definition';

const validateFlow = compilePolicySchema(flowSchema);

/** A flow file as written, after the schema applied its defaults. */
interface FlowFile {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly owner: string;
  readonly sla: string;
  readonly clock: FlowClock;
  readonly correlateBy: CorrelateBy;
  readonly correlationProperty?: string;
  readonly startsWhen?: Readonly<Record<string, readonly string[]>>;
  readonly steps: readonly {
    readonly type: string;
    readonly title?: string;
    readonly sla?: string;
    readonly correlateBy?: CorrelateBy;
    readonly correlationProperty?: string;
  }[];
}

export interface ParseFlowOptions {
  /** Step types must match its typePattern; defaults to the standard naming rules. */
  readonly naming?: NamingPolicy;
}

/**
 * Parses the flow files (`policies/flows/*.yaml`; names not ending in `.yaml` or `.yml` are
 * ignored) and checks them: the schema first, then what a schema cannot say, each problem with
 * its file, line and column: the id is the file name and unique across files, SLAs are more than
 * zero, the first step has no SLA of its own, a type appears once per flow and follows the naming
 * policy, `tracked` correlation names its property and only `tracked` does. Every problem in
 * every file is returned; the flows come back sorted by id.
 */
export function parseFlowDefinitions(
  files: readonly PolicyFileText[],
  options: ParseFlowOptions = {},
): PolicyFileResult<readonly FlowDefinition[]> {
  const typePattern = compileNamingPatterns(options.naming).type;
  const problems: PolicyProblem[] = [];
  const flows: FlowDefinition[] = [];
  const fileById = new Map<string, string>();
  for (const file of files) {
    const stem = stemOf(file.name);
    if (stem === undefined) continue;
    const parsed = parsePolicyFile<FlowFile>(file.name, file.text, validateFlow);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    const raw = parsed.value;
    const here: PolicyProblem[] = [];
    const at = (pointer: string, message: string) => {
      const { line, column } = locatePointer(file.text, pointer);
      here.push({ file: file.name, line, column, pointer, message });
    };

    if (raw.id !== stem)
      at('/id', `/id '${raw.id}' must be the file name: name the file ${raw.id}.yaml`);
    const earlier = fileById.get(raw.id);
    if (earlier !== undefined) at('/id', `/id flow '${raw.id}' is already defined in ${earlier}`);
    else fileById.set(raw.id, file.name);

    const flowSla = durationProblem(raw.sla);
    if (flowSla !== undefined) at('/sla', `/sla ${flowSla}`);
    if (raw.correlateBy === 'tracked' && raw.correlationProperty === undefined)
      at(
        '/correlateBy',
        `/correlateBy 'tracked' needs correlationProperty: the tracked property to read`,
      );

    const seen = new Map<string, number>();
    const steps = raw.steps.map((step, index): FlowStep => {
      const pointer = `/steps/${index}`;
      const first = seen.get(step.type);
      if (first !== undefined)
        at(
          `${pointer}/type`,
          `${pointer}/type '${step.type}' is already step ${first + 1}; a type appears once per flow`,
        );
      else seen.set(step.type, index);
      if (typePattern !== undefined && !typePattern.test(step.type))
        at(
          `${pointer}/type`,
          `${pointer}/type '${step.type}' does not match the naming rule ${typePattern.source}`,
        );
      if (step.sla !== undefined) {
        const problem = durationProblem(step.sla);
        if (index === 0)
          at(
            `${pointer}/sla`,
            `${pointer}/sla the first step starts the flow and has no SLA of its own; the flow's sla covers the whole flow`,
          );
        else if (problem !== undefined) at(`${pointer}/sla`, `${pointer}/sla ${problem}`);
      }
      const by = step.correlateBy ?? raw.correlateBy;
      const property =
        step.correlationProperty ?? (by === 'tracked' ? raw.correlationProperty : undefined);
      if (by === 'tracked' && property === undefined && step.correlateBy !== undefined)
        at(
          `${pointer}/correlateBy`,
          `${pointer}/correlateBy 'tracked' needs correlationProperty: the tracked property to read`,
        );
      if (by !== 'tracked' && step.correlationProperty !== undefined)
        at(
          `${pointer}/correlationProperty`,
          `${pointer}/correlationProperty is read only when correlateBy is 'tracked' (here '${by}')`,
        );
      const slaMs = index === 0 || step.sla === undefined ? undefined : parseDuration(step.sla);
      return {
        index,
        type: step.type,
        title: step.title ?? step.type,
        sla: slaMs === undefined ? undefined : step.sla,
        slaMs,
        correlation: correlation(by, property),
      };
    });

    const inherited = raw.steps.some(
      (step) => step.correlateBy === 'tracked' && step.correlationProperty === undefined,
    );
    if (raw.correlateBy !== 'tracked' && raw.correlationProperty !== undefined && !inherited)
      at(
        '/correlationProperty',
        `/correlationProperty is not read: neither the flow (correlateBy '${raw.correlateBy}') nor a step without a correlationProperty of its own correlates by 'tracked'`,
      );

    if (here.length > 0) {
      here.sort((a, b) => a.line - b.line || a.column - b.column);
      problems.push(...here);
      continue;
    }
    flows.push({
      id: raw.id,
      title: raw.title,
      description: raw.description ?? '',
      owner: raw.owner,
      sla: raw.sla,
      slaMs: parseDuration(raw.sla) ?? 0,
      clock: raw.clock,
      startsWhen: raw.startsWhen ?? {},
      steps,
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  flows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { ok: true, value: flows };
}

function correlation(by: CorrelateBy, property: string | undefined): FlowCorrelation {
  switch (by) {
    case 'correlation_id':
      return { by };
    case 'business_key':
      return { by };
    case 'tracked':
      // A missing property is reported as a problem; the value is then never returned.
      return { by, property: property ?? '' };
  }
}

/** `change-order-billing` for `policies/flows/change-order-billing.yaml`; not YAML: `undefined`. */
function stemOf(name: string): string | undefined {
  const base = name.split(/[\\/]/).at(-1) ?? name;
  return /^(.*)\.ya?ml$/.exec(base)?.[1];
}
