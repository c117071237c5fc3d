import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { JsonSchema } from './contract';

/** SHA-256 over the RFC 8785 canonical form: key order and whitespace do not change it. */
export function fingerprintSchema(schema: JsonSchema): string {
  const canonical = canonicalize(schema) ?? 'null';
  return createHash('sha256').update(canonical).digest('hex');
}
