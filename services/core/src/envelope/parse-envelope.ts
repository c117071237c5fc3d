import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import envelopeSchema from '@plumbline/schemas/envelope.json' with { type: 'json' };
import { fromAjvErrors, type ValidationError } from '../validation-error';
import type { Envelope } from './envelope';

export type EnvelopeParseResult =
  | { readonly ok: true; readonly envelope: Envelope }
  | { readonly ok: false; readonly detail: string; readonly errors: readonly ValidationError[] };

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Builds a parser for envelope bytes; the schema is compiled once, here. */
export function createEnvelopeParser(): (body: Uint8Array) => EnvelopeParseResult {
  const compile = (allErrors: boolean) => {
    const ajv = new Ajv2020({ allErrors, strict: true, allowUnionTypes: true });
    // 'fast' formats: simpler date-time and uri checks, a large share of the per-message cost.
    addFormats(ajv, { mode: 'fast' });
    return ajv.compile<Envelope>(envelopeSchema);
  };
  // Stop at the first error on the hot path; collect all only to explain a rejection.
  const validate = compile(false);
  let explain: ReturnType<typeof compile> | undefined;
  return (body) => {
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(body));
    } catch (error) {
      return { ok: false, detail: `not JSON: ${syntaxErrorWithoutInput(error)}`, errors: [] };
    }
    if (!validate(value)) {
      explain ??= compile(true);
      explain(value);
      const errors = fromAjvErrors(explain.errors ?? validate.errors);
      return { ok: false, detail: 'not a CloudEvents 1.0 envelope', errors };
    }
    return { ok: true, envelope: value };
  };
}

/**
 * V8 quotes part of the input in JSON syntax errors (`Unexpected token 'x', "{"iban": "DE…"... is
 * not valid JSON`). The detail goes to lineage, where nothing sensitive may be stored in clear, so
 * the quoted input is dropped; the position stays. The original bytes remain in the dead letter.
 */
export function syntaxErrorWithoutInput(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/, ".*" is not valid JSON$/s, ' (input not shown)').slice(0, 200);
}
