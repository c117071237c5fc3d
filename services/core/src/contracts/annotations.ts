import { createHash } from 'node:crypto';
import type { JsonSchema } from './contract';

/**
 * Plumbline's schema keywords. They annotate top-level properties of a contract:
 * - `x-business-key: true`: the record's business id, copied into lineage (one per contract).
 * - `x-tracked: true`: a scalar copied into lineage for KPIs (amounts, currency, project, …).
 * - `x-sensitive: true`: never stored in clear; tracked values are replaced by a hash.
 */
export const AnnotationKeyword = {
  BusinessKey: 'x-business-key',
  Tracked: 'x-tracked',
  Sensitive: 'x-sensitive',
} as const;

export interface ContractAnnotations {
  readonly businessKey: string | undefined;
  readonly tracked: readonly string[];
  readonly sensitive: ReadonlySet<string>;
}

export function readAnnotations(schema: JsonSchema): ContractAnnotations {
  const properties = typeof schema === 'object' ? schema.properties : undefined;
  let businessKey: string | undefined;
  const tracked: string[] = [];
  const sensitive = new Set<string>();
  if (typeof properties === 'object' && properties !== null) {
    for (const [name, property] of Object.entries(properties as Record<string, unknown>)) {
      if (typeof property !== 'object' || property === null) continue;
      const keywords = property as Record<string, unknown>;
      if (keywords[AnnotationKeyword.BusinessKey] === true) businessKey ??= name;
      if (keywords[AnnotationKeyword.Tracked] === true) tracked.push(name);
      if (keywords[AnnotationKeyword.Sensitive] === true) sensitive.add(name);
    }
  }
  return { businessKey, tracked, sensitive };
}

export interface ExtractedProperties {
  readonly businessKey: string;
  readonly trackedNum: Record<string, number>;
  readonly trackedStr: Record<string, string>;
}

/** Copies the business key and tracked properties out of validated data, hashing sensitive ones. */
export function extractProperties(
  annotations: ContractAnnotations,
  data: unknown,
): ExtractedProperties {
  const record = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const trackedNum: Record<string, number> = {};
  const trackedStr: Record<string, string> = {};
  for (const name of annotations.tracked) {
    const value = record[name];
    if (value === undefined || value === null) continue;
    if (annotations.sensitive.has(name)) trackedStr[name] = redact(value);
    else if (typeof value === 'number') trackedNum[name] = value;
    else if (typeof value === 'string' || typeof value === 'boolean')
      trackedStr[name] = String(value);
  }
  const key = annotations.businessKey === undefined ? undefined : record[annotations.businessKey];
  const businessKey =
    key === undefined || key === null
      ? ''
      : annotations.sensitive.has(annotations.businessKey ?? '')
        ? redact(key)
        : scalarText(key);
  return { businessKey, trackedNum, trackedStr };
}

function scalarText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);
}

/** A stable, non-reversible stand-in for a sensitive value (same value, same hash: still joinable). */
export function redact(value: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32)}`;
}

/**
 * A copy of a message's data with every sensitive property replaced by its hash: what callers
 * without the payload permission see, and what indexes store.
 */
export function maskSensitive(annotations: ContractAnnotations, data: unknown): unknown {
  if (annotations.sensitive.size === 0 || typeof data !== 'object' || data === null) return data;
  if (Array.isArray(data)) return data;
  const masked: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const name of annotations.sensitive) {
    if (masked[name] !== undefined && masked[name] !== null) masked[name] = redact(masked[name]);
  }
  return masked;
}
