import type { Context } from 'hono';
import {
  ErrorCode,
  PlumblineError,
  allLintRules,
  type CompatibilityMode,
  type JsonSchema,
} from '@plumbline/core';
import type { Actor } from '@plumbline/registry';

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

/**
 * Who is calling. Until authentication lands (identity issue), callers name themselves in
 * `X-Plumbline-Actor`; the audit log records it as given.
 */
export function actorOf(c: Context): Actor {
  const id = c.req.header('x-plumbline-actor')?.slice(0, 200) ?? 'anonymous';
  const requestId = c.req.header('x-request-id')?.slice(0, 100);
  return { id, role: 'unauthenticated', ...(requestId === undefined ? {} : { requestId }) };
}
