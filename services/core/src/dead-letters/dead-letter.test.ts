import { describe, expect, it } from 'vitest';
import type { Envelope } from '../envelope/envelope';
import type { Rejected } from '../governance/decision';
import { toDeadLetter } from './dead-letter';
import { t0 } from './test-fixtures';

const context = {
  seq: 77,
  ingestSubject: 'ingest.odoo.change_order.approved',
  ingestSeq: 1_234,
  receivedAt: t0,
  deadLetteredAt: t0 + 12,
  sizeBytes: 321,
};

describe('toDeadLetter', () => {
  it('indexes a rejected envelope with its identity, error and the replay it came from', () => {
    const envelope: Envelope = {
      specversion: '1.0',
      id: 'co-1',
      source: 'odoo',
      type: 'change_order.approved',
      data: {},
      correlationid: 'corr-9',
      tenant: 'acme-build-us',
      region: 'us-east',
      replayof: 'dlq:5',
      replayjob: 'job-1',
    };
    const decision: Rejected = {
      outcome: 'rejected',
      reason: 'schema_violation',
      detail: 'x'.repeat(3_000),
      errors: Array.from({ length: 60 }, (_, i) => ({
        pointer: `/lines/${i}`,
        keyword: 'type',
        message: 'must be object',
      })),
      envelope,
      contract: undefined,
      source: 'odoo',
      type: 'change_order.approved',
    };
    const deadLetter = toDeadLetter(decision, {
      ...context,
      businessKey: 'CO-1',
      autoRetryAttempt: 2,
    });
    expect(deadLetter).toMatchObject({
      seq: 77,
      envelopeKey: 'odoo:co-1',
      envelopeId: 'co-1',
      ingestSeq: 1_234,
      contractVersion: 0,
      reason: 'schema_violation',
      businessKey: 'CO-1',
      correlationId: 'corr-9',
      tenant: 'acme-build-us',
      region: 'us-east',
      deadLetteredAt: t0 + 12,
      state: 'open',
      stateChangedBy: 'system',
      replayOf: 'dlq:5',
      fromReplayJob: 'job-1',
      autoRetryAttempt: 2,
    });
    expect(deadLetter.detail).toHaveLength(2_000);
    expect(deadLetter.errors).toHaveLength(50);
  });

  it('keys an unparseable message by its INGEST sequence, as lineage does', () => {
    const deadLetter = toDeadLetter(
      {
        outcome: 'rejected',
        reason: 'malformed',
        detail: 'not JSON',
        errors: [],
        envelope: undefined,
        contract: undefined,
        source: 'odoo',
        type: 'change_order.approved',
      },
      context,
    );
    expect(deadLetter).toMatchObject({
      envelopeKey: 'stream:1234',
      envelopeId: '',
      businessKey: '',
      correlationId: '',
      replayOf: '',
      autoRetryAttempt: 0,
    });
  });
});
