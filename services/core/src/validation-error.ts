import type { ErrorObject } from 'ajv';

/** One validation failure, in terms a contract owner or support engineer can act on. */
export interface ValidationError {
  /** JSON pointer into the validated document, `''` for the root. */
  readonly pointer: string;
  readonly keyword: string;
  readonly message: string;
}

export function fromAjvErrors(
  errors: readonly ErrorObject[] | null | undefined,
): ValidationError[] {
  return (errors ?? []).map((error) => {
    const missing =
      error.keyword === 'required' && typeof error.params.missingProperty === 'string'
        ? `/${error.params.missingProperty}`
        : '';
    const extra =
      error.keyword === 'additionalProperties' &&
      typeof error.params.additionalProperty === 'string'
        ? ` ('${error.params.additionalProperty}')`
        : '';
    return {
      pointer: error.instancePath + missing,
      keyword: error.keyword,
      message: `${error.message ?? 'is invalid'}${extra}`,
    };
  });
}

export function describeErrors(errors: readonly ValidationError[], limit = 3): string {
  const shown = errors
    .slice(0, limit)
    .map((error) => `${error.pointer === '' ? '(root)' : error.pointer} ${error.message}`);
  const more = errors.length > limit ? ` (+${errors.length - limit} more)` : '';
  return shown.join('; ') + more;
}
