/** What the governance worker decided for one envelope. */
export const Outcome = {
  Accepted: 'accepted',
  Rejected: 'rejected',
  Delayed: 'delayed',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** Why an envelope was rejected (dead-lettered) or delayed. Stable: stored, filtered and shown. */
export const Reason = {
  Malformed: 'malformed',
  UnknownContract: 'unknown_contract',
  SchemaViolation: 'schema_violation',
  OwnershipViolation: 'ownership_violation',
  RetiredVersion: 'retired_version',
  RateLimited: 'rate_limited',
  TooLarge: 'too_large',
  NamingViolation: 'naming_violation',
  /** The worker failed on this message repeatedly (a bug or poison message); kept for a person. */
  ProcessingFailed: 'processing_failed',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export const allReasons: readonly Reason[] = Object.values(Reason);
