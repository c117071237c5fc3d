/**
 * Typed, coded errors. Callers branch on `code`, never on message text.
 * Expected failures of a message (a schema violation) are values, not errors: see `Decision`.
 * These classes are for failures of an operation (a bad request, a refused registration, a bug).
 */
export const ErrorCode = {
  InvalidConfig: 'invalid_config',
  InvalidPolicy: 'invalid_policy',
  InvalidContract: 'invalid_contract',
  IncompatibleContract: 'incompatible_contract',
  UnsafeContract: 'unsafe_contract',
  LintFailed: 'lint_failed',
  ContractNotFound: 'contract_not_found',
  NotFound: 'not_found',
  BadRequest: 'bad_request',
  /** No credentials, or credentials that are malformed, unknown, expired or revoked (never which). */
  Unauthenticated: 'unauthenticated',
  /** Authenticated, but the role or scope does not allow this. */
  Forbidden: 'forbidden',
  TooLarge: 'too_large',
  RateLimited: 'rate_limited',
  Conflict: 'conflict',
  Unavailable: 'unavailable',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const statusByCode: Record<ErrorCode, number> = {
  invalid_config: 500,
  invalid_policy: 422,
  invalid_contract: 422,
  incompatible_contract: 409,
  unsafe_contract: 422,
  lint_failed: 422,
  contract_not_found: 404,
  not_found: 404,
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  too_large: 413,
  rate_limited: 429,
  conflict: 409,
  unavailable: 503,
  internal: 500,
};

export interface PlumblineErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  /** Machine-readable detail, safe to show to the caller (never secrets). */
  details?: Readonly<Record<string, unknown>>;
}

export class PlumblineError extends Error {
  override readonly name = 'PlumblineError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: PlumblineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = statusByCode[code];
    this.retryable = options.retryable ?? code === ErrorCode.Unavailable;
    this.details = options.details ?? {};
  }
}

export function isPlumblineError(value: unknown): value is PlumblineError {
  return value instanceof PlumblineError;
}
