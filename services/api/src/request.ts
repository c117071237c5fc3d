import type { Context } from 'hono';
import {
  ErrorCode,
  PlumblineError,
  allLintRules,
  actorOf as actorOfPrincipal,
  type CompatibilityMode,
  type ContractSubject,
  type JsonSchema,
} from '@plumbline/core';
import type { Actor } from '@plumbline/registry';
import type { AppEnv } from './app-env';

const modes: readonly CompatibilityMode[] = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
];

/** Reads a JSON object body; a problem+json 400 names what is wrong. */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new PlumblineError(ErrorCode.BadRequest, 'the request body must be JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PlumblineError(ErrorCode.BadRequest, 'the request body must be a JSON object');
  }
  if (nestsDeeperThan(body, maxJsonDepth))
    throw new PlumblineError(
      ErrorCode.BadRequest,
      `the request body nests deeper than ${maxJsonDepth} levels`,
    );
  return body as Record<string, unknown>;
}

export function schemaField(body: Record<string, unknown>): JsonSchema {
  const schema = body.schema;
  if (
    typeof schema === 'boolean' ||
    (typeof schema === 'object' && schema !== null && !Array.isArray(schema))
  )
    return schema as JsonSchema;
  throw new PlumblineError(
    ErrorCode.BadRequest,
    "'schema' must be a JSON Schema (an object or a boolean)",
  );
}

export function optionalString(
  body: Record<string, unknown>,
  key: string,
  maxLength = 1_000,
): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > maxLength) {
    throw new PlumblineError(
      ErrorCode.BadRequest,
      `'${key}' must be a string of at most ${maxLength} characters`,
    );
  }
  return value;
}

export function modeField(value: unknown): CompatibilityMode | undefined {
  if (value === undefined) return undefined;
  const mode = modes.find((candidate) => candidate === value);
  if (mode === undefined)
    throw new PlumblineError(
      ErrorCode.BadRequest,
      `compatibility must be one of ${modes.join(', ')}`,
    );
  return mode;
}

export function lintRulesField(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.some((rule) => typeof rule !== 'string' || !allLintRules.includes(rule as never))
  ) {
    throw new PlumblineError(
      ErrorCode.BadRequest,
      `lintRequired must be a list drawn from ${allLintRules.join(', ')}`,
    );
  }
  return value as string[];
}

export function positiveInt(raw: string | undefined, name: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new PlumblineError(
      ErrorCode.BadRequest,
      `${name} must be a positive integer, got '${raw ?? ''}'`,
    );
  return value;
}

export function dateParam(raw: string | undefined, name: string, fallback: Date): Date {
  if (raw === undefined || raw === '') return fallback;
  const value = new Date(raw);
  if (Number.isNaN(value.getTime()))
    throw new PlumblineError(
      ErrorCode.BadRequest,
      `${name} must be an ISO date or date-time, got '${raw}'`,
    );
  return value;
}

/** Who is calling, for the audit log: the authenticated principal and this request's id. */
export function actorOf(c: Context<AppEnv>): Actor {
  return actorOfPrincipal(c.get('principal'), c.get('requestId'));
}

/** A page size from the query: `fallback` when absent, refused above `max`. */
export function limitParam(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new PlumblineError(
      ErrorCode.BadRequest,
      `limit must be a whole number from 1 to ${max}, got '${raw.slice(0, 20)}'`,
    );
  return value;
}

/**
 * Deepest nesting accepted in a request body. JSON Schemas nest deeply but not this deeply; past
 * it a body costs the parser and every walker more than it is worth.
 */
export const maxJsonDepth = 64;

/** True when `value` nests objects or arrays deeper than `max` (iterative: no stack overflow). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Refuses fields a route does not take, rather than silently ignoring or storing them. */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0)
    throw new PlumblineError(
      ErrorCode.BadRequest,
      `unknown field(s): ${unknown.map((key) => key.slice(0, 60)).join(', ')}; this route takes ${allowed.join(', ')}`,
    );
}

const subjectFields = [
  'domain',
  'description',
  'ownerTeam',
  'contact',
  'systemOfRecord',
  'tags',
  'compatibility',
  'lenient',
] as const;

/** The metadata of a subject registered for the first time, checked field by field. */
export function subjectField(
  body: Record<string, unknown>,
): Partial<Omit<ContractSubject, 'type'>> | undefined {
  const raw = body.subject;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new PlumblineError(ErrorCode.BadRequest, "'subject' must be an object");
  const subject = raw as Record<string, unknown>;
  onlyFields(subject, subjectFields);
  const text = (key: string) => optionalString(subject, key, 500);
  const tags = subject.tags;
  if (
    tags !== undefined &&
    (!Array.isArray(tags) ||
      tags.length > 50 ||
      tags.some((tag) => typeof tag !== 'string' || tag.length > 100))
  )
    throw new PlumblineError(ErrorCode.BadRequest, "'subject.tags' must be a list of strings");
  if (subject.lenient !== undefined && typeof subject.lenient !== 'boolean')
    throw new PlumblineError(ErrorCode.BadRequest, "'subject.lenient' must be true or false");
  const compatibility = modeField(subject.compatibility);
  const picked: { -readonly [K in keyof ContractSubject]?: ContractSubject[K] } = {};
  for (const key of ['domain', 'description', 'ownerTeam', 'contact', 'systemOfRecord']) {
    const value = text(key);
    if (value !== undefined) picked[key as 'domain'] = value;
  }
  if (tags !== undefined) picked.tags = tags as string[];
  if (compatibility !== undefined) picked.compatibility = compatibility;
  if (subject.lenient !== undefined) picked.lenient = subject.lenient;
  return picked;
}
