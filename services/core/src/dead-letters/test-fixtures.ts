// Builders shared by the dead-letter unit tests (not part of the public surface).
import type { DeadLetter } from './dead-letter';

export const t0 = Date.parse('2026-03-01T10:00:00Z');

export function aDeadLetter(overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    seq: 1,
    envelopeKey: 'odoo:co-1',
    envelopeId: 'co-1',
    ingestSubject: 'ingest.odoo.change_order.approved',
    ingestSeq: 10,
    source: 'odoo',
    type: 'change_order.approved',
    contractVersion: 1,
    reason: 'schema_violation',
    detail: '/amount_total must be >= 0',
    errors: [{ pointer: '/amount_total', keyword: 'minimum', message: 'must be >= 0' }],
    businessKey: 'CO-0042',
    correlationId: 'corr-1',
    tenant: 'acme-build-us',
    region: 'us-east',
    receivedAt: t0,
    deadLetteredAt: t0 + 5,
    sizeBytes: 300,
    state: 'open',
    stateReason: '',
    stateChangedAt: t0 + 5,
    stateChangedBy: 'system',
    replayJobId: '',
    replayedAs: '',
    replayOf: '',
    fromReplayJob: '',
    autoRetryAttempt: 0,
    ...overrides,
  };
}

export const encodeJson = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
export const decodeJson = (body: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(body));

export function anEnvelope(
  overrides: Record<string, unknown> = {},
  data: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: 'co-1',
    source: 'odoo',
    type: 'change_order.approved',
    time: '2026-03-01T10:00:00Z',
    dataschema: 'https://schemas.plumbline.dev/contracts/change_order.approved/v1.json',
    tenant: 'acme-build-us',
    data: { change_order_ref: 'CO-0042', amount_total: -5, currency: 'USD', ...data },
    ...overrides,
  };
}

/** The error `fn` throws; fails the test when it does not throw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
