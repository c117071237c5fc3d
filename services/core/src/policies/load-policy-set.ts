import namingSchema from '@plumbline/schemas/policies/naming.json' with { type: 'json' };
import ownershipSchema from '@plumbline/schemas/policies/ownership.json' with { type: 'json' };
import payloadSchema from '@plumbline/schemas/policies/payload.json' with { type: 'json' };
import rateLimitsSchema from '@plumbline/schemas/policies/rate-limits.json' with { type: 'json' };
import {
  compilePolicySchema,
  locatePointer,
  parsePolicyFile,
  type PolicyFileResult,
  type PolicyProblem,
} from './parse-policy-file';
import type {
  NamingPolicy,
  OwnershipPolicy,
  PayloadPolicy,
  PolicySet,
  RateLimitPolicy,
  RateLimitRule,
} from './policy-set';
import { isExactType, patternSpecificity, patternsOverlap } from './type-pattern';

const validators = {
  ownership: compilePolicySchema(ownershipSchema),
  'rate-limits': compilePolicySchema(rateLimitsSchema),
  payload: compilePolicySchema(payloadSchema),
  naming: compilePolicySchema(namingSchema),
} as const;

/** The policy files this loader reads, by base name without extension. */
export type PolicyFileKind = keyof typeof validators;
export const policyFileKinds = Object.keys(validators) as readonly PolicyFileKind[];

/** One file handed to the loader: its name (a base name or a path) and its text. */
export interface PolicyFileText {
  readonly name: string;
  readonly text: string;
}

/** Rate limits as written: `burst` and `action` may be left out. */
type RateLimitsFile = Omit<RateLimitPolicy, 'rules'> & {
  readonly rules: readonly (Omit<RateLimitRule, 'burst' | 'action'> &
    Partial<Pick<RateLimitRule, 'burst' | 'action'>>)[];
};
type PayloadFile = Omit<PayloadPolicy, 'overrides'> & Partial<Pick<PayloadPolicy, 'overrides'>>;

interface ParsedFiles {
  readonly ownership: OwnershipPolicy;
  readonly 'rate-limits': RateLimitsFile;
  readonly payload: PayloadFile;
  readonly naming: NamingPolicy;
}

/**
 * Safe defaults for tests and for a worker that has not loaded policies yet: no system of record
 * (so every type is allowed), no rate limits, 256 KiB envelopes, the standard naming rules.
 */
export const defaultPolicySet: PolicySet = {
  ownership: { systems: [], unowned: 'allow' },
  rateLimits: { rules: [], delayMs: 1_000, maxDelays: 10 },
  payload: { maxBytes: 262_144, overrides: [] },
  naming: {
    typePattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$',
    sourcePattern: '^[a-z][a-z0-9-]{1,39}$',
  },
};

/**
 * Loads the policy set from file texts: `ownership.yaml`, `rate-limits.yaml`, `payload.yaml`,
 * `naming.yaml` (`.yml` too), recognised by base name; other files (flows, KPIs, …) are ignored.
 * Each file is validated by its schema, defaults are applied (`burst` = `perSecond`, at least 1;
 * `action` = `delay`; …), then rules spanning files are checked: a type has at most one system of
 * record, rate limit rules are not ambiguous, the naming patterns compile and the names used in
 * the other files follow them. Every problem in every file is returned, each with its position.
 */
export function loadPolicySet(files: readonly PolicyFileText[]): PolicyFileResult<PolicySet> {
  const problems: PolicyProblem[] = [];
  const found = new Map<PolicyFileKind, PolicyFileText>();
  for (const file of files) {
    const kind = kindOf(file.name);
    if (kind === undefined) continue;
    const earlier = found.get(kind);
    if (earlier !== undefined) {
      problems.push(at(file, '', `duplicate policy file: ${earlier.name} is read already`));
      continue;
    }
    found.set(kind, file);
  }
  const parsed: Partial<Record<PolicyFileKind, unknown>> = {};
  for (const kind of policyFileKinds) {
    const file = found.get(kind);
    if (file === undefined) {
      const message = `missing policy file ${kind}.yaml`;
      problems.push({ file: `${kind}.yaml`, line: 1, column: 1, pointer: '', message });
      continue;
    }
    const result = parsePolicyFile<unknown>(file.name, file.text, validators[kind]);
    if (result.ok) parsed[kind] = result.value;
    else problems.push(...result.problems);
  }
  if (problems.length > 0) return { ok: false, problems };

  const raw = parsed as ParsedFiles;
  const policies: PolicySet = {
    ownership: { systems: raw.ownership.systems, unowned: raw.ownership.unowned },
    rateLimits: {
      delayMs: raw['rate-limits'].delayMs,
      maxDelays: raw['rate-limits'].maxDelays,
      rules: raw['rate-limits'].rules.map((rule) => ({
        source: rule.source,
        type: rule.type,
        perSecond: rule.perSecond,
        burst: rule.burst ?? Math.max(1, rule.perSecond),
        action: rule.action ?? 'delay',
      })),
    },
    payload: { maxBytes: raw.payload.maxBytes, overrides: raw.payload.overrides ?? [] },
    naming: raw.naming,
  };
  const fileOf = (kind: PolicyFileKind): PolicyFileText =>
    found.get(kind) ?? { name: `${kind}.yaml`, text: '' };
  problems.push(
    ...checkOwners(policies.ownership, fileOf('ownership')),
    ...checkRateLimitRules(policies.rateLimits, fileOf('rate-limits')),
    ...checkNames(policies, fileOf),
  );
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: policies };
}

function kindOf(name: string): PolicyFileKind | undefined {
  const base = name.split(/[\\/]/).at(-1) ?? name;
  const match = /^(.*)\.ya?ml$/.exec(base);
  const stem = match?.[1];
  return policyFileKinds.find((kind) => kind === stem);
}

function at(file: PolicyFileText, pointer: string, message: string): PolicyProblem {
  const { line, column } = locatePointer(file.text, pointer);
  return { file: file.name, line, column, pointer, message };
}

/** A type has one system of record: two systems may not claim overlapping patterns of equal rank. */
function checkOwners(ownership: OwnershipPolicy, file: PolicyFileText): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const claims = ownership.systems.flatMap((system, systemIndex) =>
    system.owns.map((pattern, index) => ({
      source: system.source,
      pattern,
      rank: patternSpecificity(pattern),
      pointer: `/systems/${systemIndex}/owns/${index}`,
    })),
  );
  claims.forEach((claim, index) => {
    const other = claims
      .slice(0, index)
      .find(
        (earlier) =>
          earlier.source !== claim.source &&
          earlier.rank === claim.rank &&
          patternsOverlap(earlier.pattern, claim.pattern),
      );
    if (other === undefined) return;
    const message =
      other.pattern === claim.pattern
        ? `${claim.pattern} is claimed by both ${other.source} and ${claim.source}; a type has one system of record`
        : `${claim.pattern} (${claim.source}) and ${other.pattern} (${other.source}) match some of the same types equally specifically; a type has one system of record, so name the contested types exactly`;
    problems.push(at(file, claim.pointer, message));
  });
  return problems;
}

/** Two rules for the same source with equally specific, overlapping types would tie: refuse. */
function checkRateLimitRules(rateLimits: RateLimitPolicy, file: PolicyFileText): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  rateLimits.rules.forEach((rule, index) => {
    const earlier = rateLimits.rules
      .slice(0, index)
      .findIndex(
        (other) =>
          other.source === rule.source &&
          patternSpecificity(other.type) === patternSpecificity(rule.type) &&
          patternsOverlap(other.type, rule.type),
      );
    if (earlier < 0) return;
    problems.push(
      at(
        file,
        `/rules/${index}`,
        `/rules/${index} (source ${rule.source}, type ${rule.type}) ties with /rules/${earlier} for the same messages; make one more specific or remove it`,
      ),
    );
  });
  return problems;
}

/** The naming patterns compile, and the sources and exact types in the other files follow them. */
function checkNames(
  policies: PolicySet,
  fileOf: (kind: PolicyFileKind) => PolicyFileText,
): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const naming = fileOf('naming');
  const compile = (key: 'typePattern' | 'sourcePattern'): RegExp | undefined => {
    try {
      return new RegExp(policies.naming[key]);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      problems.push(at(naming, `/${key}`, `/${key} is not a valid regular expression: ${reason}`));
      return undefined;
    }
  };
  const typePattern = compile('typePattern');
  const sourcePattern = compile('sourcePattern');
  const checkSource = (file: PolicyFileText, pointer: string, source: string) => {
    if (sourcePattern === undefined || source === '*' || sourcePattern.test(source)) return;
    const message = `${pointer} source '${source}' does not match the naming rule ${policies.naming.sourcePattern}`;
    problems.push(at(file, pointer, message));
  };
  const checkType = (file: PolicyFileText, pointer: string, type: string) => {
    if (typePattern === undefined || !isExactType(type) || typePattern.test(type)) return;
    const message = `${pointer} type '${type}' does not match the naming rule ${policies.naming.typePattern}`;
    problems.push(at(file, pointer, message));
  };
  const ownership = fileOf('ownership');
  policies.ownership.systems.forEach((system, systemIndex) => {
    checkSource(ownership, `/systems/${systemIndex}/source`, system.source);
    system.owns.forEach((type, index) =>
      checkType(ownership, `/systems/${systemIndex}/owns/${index}`, type),
    );
  });
  const rateLimits = fileOf('rate-limits');
  policies.rateLimits.rules.forEach((rule, index) => {
    checkSource(rateLimits, `/rules/${index}/source`, rule.source);
    checkType(rateLimits, `/rules/${index}/type`, rule.type);
  });
  const payload = fileOf('payload');
  policies.payload.overrides.forEach((override, index) =>
    checkType(payload, `/overrides/${index}/type`, override.type),
  );
  return problems;
}
