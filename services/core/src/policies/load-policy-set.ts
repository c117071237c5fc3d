import namingSchema from '@plumbline/schemas/policies/naming.json' with { type: 'json' };
import ownershipSchema from '@plumbline/schemas/policies/ownership.json' with { type: 'json' };
import payloadSchema from '@plumbline/schemas/policies/payload.json' with { type: 'json' };
import rateLimitsSchema from '@plumbline/schemas/policies/rate-limits.json' with { type: 'json' };
import {
  compilePolicySchema,
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

const validators = {
  ownership: compilePolicySchema(ownershipSchema),
  'rate-limits': compilePolicySchema(rateLimitsSchema),
  payload: compilePolicySchema(payloadSchema),
  naming: compilePolicySchema(namingSchema),
} as const;
type PolicyFileKind = keyof typeof validators;
const kinds = Object.keys(validators) as PolicyFileKind[];

type RawRateLimits = Omit<RateLimitPolicy, 'rules'> & {
  rules: (Omit<RateLimitRule, 'burst' | 'action'> &
    Partial<Pick<RateLimitRule, 'burst' | 'action'>>)[];
};

/** Safe defaults: everything owned by nobody is allowed, generous limits. For tests and bootstrap. */
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
 * Loads the policy set from file texts (`ownership.yaml`, `rate-limits.yaml`, `payload.yaml`,
 * `naming.yaml`; `.yml` too). Other files are ignored. Every problem in every file is returned.
 */
export function loadPolicySet(
  files: readonly { readonly name: string; readonly text: string }[],
): PolicyFileResult<PolicySet> {
  const problems: PolicyProblem[] = [];
  const parsed: Partial<Record<PolicyFileKind, unknown>> = {};
  for (const kind of kinds) {
    const file = files.find(
      (candidate) => candidate.name === `${kind}.yaml` || candidate.name === `${kind}.yml`,
    );
    if (file === undefined) {
      problems.push({
        file: `${kind}.yaml`,
        line: 1,
        column: 1,
        pointer: '',
        message: `missing policy file ${kind}.yaml`,
      });
      continue;
    }
    const result = parsePolicyFile<unknown>(file.name, file.text, validators[kind]);
    if (result.ok) parsed[kind] = result.value;
    else problems.push(...result.problems);
  }
  if (problems.length > 0) return { ok: false, problems };

  const ownership = parsed.ownership as OwnershipPolicy;
  const raw = parsed['rate-limits'] as RawRateLimits;
  const payload = parsed.payload as PayloadPolicy;
  const naming = parsed.naming as NamingPolicy;
  const owners = new Map<string, string>();
  ownership.systems.forEach((system, systemIndex) =>
    system.owns.forEach((type, typeIndex) => {
      const other = owners.get(type);
      if (other !== undefined && other !== system.source) {
        problems.push({
          file: 'ownership.yaml',
          line: 1,
          column: 1,
          pointer: `/systems/${systemIndex}/owns/${typeIndex}`,
          message: `${type} is claimed by both ${other} and ${system.source}; a type has one system of record`,
        });
      }
      owners.set(type, system.source);
    }),
  );
  for (const key of ['typePattern', 'sourcePattern'] as const) {
    try {
      new RegExp(naming[key]);
    } catch (error) {
      problems.push({
        file: 'naming.yaml',
        line: 1,
        column: 1,
        pointer: `/${key}`,
        message: `/${key} is not a valid regular expression: ${String(error)}`,
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      ownership: { systems: ownership.systems, unowned: ownership.unowned },
      rateLimits: {
        delayMs: raw.delayMs,
        maxDelays: raw.maxDelays,
        rules: raw.rules.map((rule) => ({
          ...rule,
          burst: rule.burst ?? Math.max(1, rule.perSecond),
          action: rule.action ?? 'delay',
        })),
      },
      payload: { maxBytes: payload.maxBytes, overrides: payload.overrides ?? [] },
      naming,
    },
  };
}
