import type { ContractVersion } from '../contracts/contract';
import type { ExtractedProperties } from '../contracts/annotations';
import type { Envelope } from '../envelope/envelope';
import type { ValidationError } from '../validation-error';
import type { Reason } from './outcome';

/** One message as the worker received it from INGEST. */
export interface IngestMessage {
  readonly subject: string;
  readonly body: Uint8Array;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
}

interface DecisionBase {
  /** Source and type as known (from the envelope, else from the subject). */
  readonly source: string;
  readonly type: string;
  readonly envelope: Envelope | undefined;
  readonly contract: ContractVersion | undefined;
}

export interface Accepted extends DecisionBase {
  readonly outcome: 'accepted';
  readonly envelope: Envelope;
  readonly contract: ContractVersion;
  readonly domain: string;
  /** The version is deprecated: accepted, but flagged and counted per producer. */
  readonly deprecated: boolean;
  readonly extracted: ExtractedProperties;
}

export interface Rejected extends DecisionBase {
  readonly outcome: 'rejected';
  readonly reason: Reason;
  /** One sentence saying what was wrong. */
  readonly detail: string;
  readonly errors: readonly ValidationError[];
}

export interface Delayed extends DecisionBase {
  readonly outcome: 'delayed';
  readonly reason: 'rate_limited';
  readonly detail: string;
  readonly delayMs: number;
}

export type Decision = Accepted | Rejected | Delayed;
