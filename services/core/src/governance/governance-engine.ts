import { extractProperties } from '../contracts/annotations';
import { LifecycleState, type ContractVersion } from '../contracts/contract';
import type { ContractRegistry } from '../contracts/contract-registry';
import { ContractValidators } from '../contracts/contract-validators';
import { parseDataschema } from '../contracts/dataschema';
import { parseIngestSubject } from '../envelope/ingest-subject';
import { createEnvelopeParser, type EnvelopeParseResult } from '../envelope/parse-envelope';
import { describeErrors } from '../validation-error';
import type { Decision, IngestMessage, Rejected } from './decision';
import { Reason } from './outcome';
import type { PolicyGate } from './policy-gate';

export interface GovernanceEngineDeps {
  readonly registry: ContractRegistry;
  readonly validators: ContractValidators;
  readonly parseEnvelope: (body: Uint8Array) => EnvelopeParseResult;
  /** Read on every decision, so a policy change applies to the next message. */
  readonly policies: () => PolicyGate;
}

/**
 * The engine over a registry, as the worker runs it: validators compiled from the registry's
 * contracts (a `$ref` to another registered contract resolves), the envelope parser, and the
 * policies in force, read on every decision.
 */
export function governanceEngineFor(
  registry: ContractRegistry,
  policies: () => PolicyGate,
): (message: IngestMessage) => Decision {
  return createGovernanceEngine({
    registry,
    validators: new ContractValidators((uri) => registry.byUri(uri)?.schema),
    parseEnvelope: createEnvelopeParser(),
    policies,
  });
}

/**
 * The governance decision for one message, in the order of the design:
 * size → parse → naming → source matches subject → contract → ownership → lifecycle →
 * rate limit → schema. (Size first: a huge payload is refused before it is parsed.)
 * Pure apart from the rate limiter's clock: no I/O; the worker acts on the decision.
 */
export function createGovernanceEngine(
  deps: GovernanceEngineDeps,
): (message: IngestMessage) => Decision {
  return (message) => {
    const policies = deps.policies();
    const route = parseIngestSubject(message.subject);
    const subjectSource = route?.source ?? '';
    const subjectType = route?.type ?? '';
    const reject = (
      reason: Rejected['reason'],
      detail: string,
      extra: Partial<Pick<Rejected, 'envelope' | 'contract' | 'errors' | 'source' | 'type'>> = {},
    ): Rejected => ({
      outcome: 'rejected',
      reason,
      detail,
      errors: [],
      envelope: undefined,
      contract: undefined,
      source: subjectSource,
      type: subjectType,
      ...extra,
    });

    if (route === undefined) {
      return reject(Reason.Malformed, `subject '${message.subject}' is not ingest.<source>.<type>`);
    }
    const maxBytes = policies.maxBytes(subjectType);
    if (message.body.byteLength > maxBytes) {
      return reject(
        Reason.TooLarge,
        `payload is ${message.body.byteLength} bytes; the limit for ${subjectType} is ${maxBytes}`,
      );
    }

    const parsed = deps.parseEnvelope(message.body);
    if (!parsed.ok) {
      const detail =
        parsed.errors.length > 0
          ? `${parsed.detail}: ${describeErrors(parsed.errors)}`
          : parsed.detail;
      return reject(Reason.Malformed, detail, { errors: parsed.errors });
    }
    const envelope = parsed.envelope;
    const { source, type } = envelope;
    const known = { envelope, source, type };

    const naming = policies.naming(source, type);
    if (naming !== undefined) return reject(Reason.NamingViolation, naming, known);
    if (source !== subjectSource || type !== subjectType) {
      return reject(
        Reason.OwnershipViolation,
        `envelope says ${source}/${type} but was published on ${message.subject}`,
        known,
      );
    }

    let contract: ContractVersion | undefined;
    if (envelope.dataschema === undefined) {
      contract = deps.registry.latestUsable(type);
      if (contract === undefined) {
        return reject(
          Reason.UnknownContract,
          `no usable contract is registered for ${type}`,
          known,
        );
      }
    } else {
      const named = parseDataschema(envelope.dataschema);
      if (named === undefined) {
        return reject(
          Reason.UnknownContract,
          `dataschema '${envelope.dataschema}' does not name a contract version`,
          known,
        );
      }
      if (named.type !== type) {
        return reject(
          Reason.UnknownContract,
          `dataschema names ${named.type} but the envelope type is ${type}`,
          known,
        );
      }
      contract = deps.registry.version(type, named.version);
      if (contract === undefined) {
        return reject(Reason.UnknownContract, `${type} v${named.version} is not registered`, known);
      }
    }
    const withContract = { ...known, contract };
    const ownership = policies.ownership(source, type);
    if (ownership !== undefined) return reject(Reason.OwnershipViolation, ownership, withContract);
    if (contract.state === LifecycleState.Retired) {
      return reject(
        Reason.RetiredVersion,
        `${type} v${contract.version} is retired; publish a current version`,
        withContract,
      );
    }
    if (contract.state === LifecycleState.Draft) {
      return reject(
        Reason.UnknownContract,
        `${type} v${contract.version} is a draft and not yet usable by producers`,
        withContract,
      );
    }

    const rate = policies.rate(source, type);
    if (rate.verdict === 'reject') return reject(Reason.RateLimited, rate.message, withContract);
    if (rate.verdict === 'delay') {
      if (message.deliveryCount > policies.maxDelays) {
        return reject(
          Reason.RateLimited,
          `still over the rate limit for ${source}/${type} after ${policies.maxDelays} delays`,
          withContract,
        );
      }
      return {
        outcome: 'delayed',
        reason: 'rate_limited',
        detail: `over the rate limit for ${source}/${type}; retried in ${rate.delayMs} ms`,
        delayMs: rate.delayMs,
        ...withContract,
      };
    }

    const compiled = deps.validators.compile(contract);
    const errors = compiled.validate(envelope.data);
    if (errors.length > 0) {
      return reject(Reason.SchemaViolation, describeErrors(errors), { ...withContract, errors });
    }
    return {
      outcome: 'accepted',
      envelope,
      contract,
      source,
      type,
      domain: deps.registry.subject(type)?.domain ?? 'default',
      deprecated: contract.state === LifecycleState.Deprecated,
      extracted: extractProperties(compiled.annotations, envelope.data),
    };
  };
}
