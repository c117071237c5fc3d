import kpisSchema from '@plumbline/schemas/policies/kpis.json' with { type: 'json' };
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
import { compileNamingPatterns, pointerSegment } from './naming-patterns';
import {
  integrationKpiIds,
  lineageDimensions,
  type BusinessKpi,
  type KpiAggregation,
  type KpiDimension,
  type KpiOutcome,
  type KpiPeriod,
  type KpiPolicy,
  type LineageDimension,
  type SourceFreshness,
} from './kpi-definition';

const validateKpis = compilePolicySchema(kpisSchema);

/** kpis.yaml as written, after the schema applied its defaults. */
interface KpisFile {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly sources: Readonly<Record<string, { readonly expectedEvery: string }>>;
  readonly kpis: readonly {
    readonly id: string;
    readonly title: string;
    readonly description?: string;
    readonly type: string;
    readonly aggregation: KpiAggregation;
    readonly property?: string;
    readonly unit: string;
    readonly currencyProperty?: string;
    readonly outcome: KpiOutcome;
    readonly groupBy: readonly string[];
    readonly periods: readonly KpiPeriod[];
  }[];
}

export interface ParseKpiOptions {
  /** KPI types and source ids must follow it; defaults to the standard naming rules. */
  readonly naming?: NamingPolicy;
}

const reservedDimensions: readonly string[] = [...lineageDimensions, 'period'];

/**
 * Parses `policies/kpis.yaml` and checks it: the schema first, then, each problem with its line
 * and column: KPI ids are unique and not built-in integration ids; `sum` and `avg` name a
 * property and `count` does not; only `unit: currency` has a currencyProperty (defaulting to
 * `currency`) and money is summed or averaged; figures that read tracked properties (sums,
 * averages, money, tracked dimensions) count accepted rows only, the only ones lineage keeps
 * them for; group-by names are built in or declared; durations are more than zero; types and
 * source ids follow the naming policy.
 */
export function parseKpiPolicy(
  file: PolicyFileText,
  options: ParseKpiOptions = {},
): PolicyFileResult<KpiPolicy> {
  const parsed = parsePolicyFile<KpisFile>(file.name, file.text, validateKpis);
  if (!parsed.ok) return parsed;
  const raw = parsed.value;
  const { type: typePattern, source: sourcePattern } = compileNamingPatterns(options.naming);
  const problems: PolicyProblem[] = [];
  const at = (pointer: string, message: string) => {
    const { line, column } = locatePointer(file.text, pointer);
    problems.push({ file: file.name, line, column, pointer, message });
  };

  for (const name of Object.keys(raw.dimensions)) {
    if (reservedDimensions.includes(name))
      at(
        `/dimensions/${name}`,
        `/dimensions/${name} '${name}' is a built-in dimension (${reservedDimensions.join(', ')}); choose another name`,
      );
  }

  const sources: Record<string, SourceFreshness> = {};
  for (const [source, expectation] of Object.entries(raw.sources)) {
    const pointer = `/sources/${pointerSegment(source)}`;
    if (sourcePattern !== undefined && !sourcePattern.test(source))
      at(
        pointer,
        `${pointer} source '${source}' does not match the naming rule ${sourcePattern.source}`,
      );
    const problem = durationProblem(expectation.expectedEvery);
    if (problem !== undefined)
      at(`${pointer}/expectedEvery`, `${pointer}/expectedEvery ${problem}`);
    sources[source] = {
      expectedEvery: expectation.expectedEvery,
      expectedEveryMs: parseDuration(expectation.expectedEvery) ?? 0,
    };
  }

  const ids = new Map<string, number>();
  const business = raw.kpis.map((kpi, index): BusinessKpi => {
    const pointer = `/kpis/${index}`;
    const earlier = ids.get(kpi.id);
    if (earlier !== undefined)
      at(`${pointer}/id`, `${pointer}/id '${kpi.id}' is already /kpis/${earlier}`);
    else ids.set(kpi.id, index);
    if ((integrationKpiIds as readonly string[]).includes(kpi.id))
      at(
        `${pointer}/id`,
        `${pointer}/id '${kpi.id}' is a built-in integration KPI (${integrationKpiIds.join(', ')}); choose another id`,
      );
    if (typePattern !== undefined && !typePattern.test(kpi.type))
      at(
        `${pointer}/type`,
        `${pointer}/type '${kpi.type}' does not match the naming rule ${typePattern.source}`,
      );

    if (kpi.aggregation === 'count' && kpi.property !== undefined)
      at(
        `${pointer}/property`,
        `${pointer}/property is not read by aggregation 'count'; remove it or use sum or avg`,
      );
    if (kpi.aggregation !== 'count' && kpi.property === undefined)
      at(
        `${pointer}/aggregation`,
        `${pointer}/aggregation '${kpi.aggregation}' needs property: the tracked number to ${kpi.aggregation === 'sum' ? 'add up' : 'average'}`,
      );
    const money = kpi.unit === 'currency';
    if (!money && kpi.currencyProperty !== undefined)
      at(
        `${pointer}/currencyProperty`,
        `${pointer}/currencyProperty is read only when unit is 'currency' (here '${kpi.unit}')`,
      );
    if (money && kpi.aggregation === 'count')
      at(
        `${pointer}/unit`,
        `${pointer}/unit 'currency' needs aggregation sum or avg; a count is not an amount`,
      );

    const groupBy: KpiDimension[] = [];
    kpi.groupBy.forEach((name, position) => {
      if ((lineageDimensions as readonly string[]).includes(name)) {
        groupBy.push({ kind: 'column', name: name as LineageDimension });
        return;
      }
      const property = raw.dimensions[name];
      if (property !== undefined) {
        groupBy.push({ kind: 'tracked', name, property });
        return;
      }
      const declared = Object.keys(raw.dimensions).filter(
        (declaredName) => !reservedDimensions.includes(declaredName),
      );
      const allowed = [...lineageDimensions, ...declared].join(', ');
      const message = `${pointer}/groupBy/${position} '${name}' is not a dimension (allowed: ${allowed}; declare others under dimensions; periods go in periods)`;
      at(`${pointer}/groupBy/${position}`, message);
    });

    if (kpi.outcome !== 'accepted') {
      const reads = [
        ...(kpi.property !== undefined ? [`property ${kpi.property}`] : []),
        ...(money ? ['the currency'] : []),
        ...groupBy
          .filter((dimension) => dimension.kind === 'tracked')
          .map((d) => `dimension ${d.name}`),
      ];
      if (reads.length > 0)
        at(
          `${pointer}/outcome`,
          `${pointer}/outcome '${kpi.outcome}' rows have no tracked properties (lineage keeps them for accepted messages only), yet this KPI reads ${reads.join(', ')}`,
        );
    }

    return {
      id: kpi.id,
      title: kpi.title,
      description: kpi.description ?? '',
      type: kpi.type,
      aggregation: kpi.aggregation,
      property: kpi.aggregation === 'count' ? undefined : kpi.property,
      unit: kpi.unit,
      currencyProperty: money ? (kpi.currencyProperty ?? 'currency') : undefined,
      outcome: kpi.outcome,
      groupBy,
      periods: kpi.periods,
    };
  });

  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, problems };
  }
  return { ok: true, value: { business, dimensions: raw.dimensions, sources } };
}
