/**
 * The message envelope: CloudEvents 1.0 structured JSON plus Plumbline's extensions.
 * Its JSON Schema is `schemas/envelope/cloudevents-envelope.v1.json`; this type mirrors it.
 */
export interface Envelope {
  readonly specversion: '1.0';
  readonly id: string;
  /** The publishing system, as a short system id (`odoo`, `costctl`): the system of record check uses it. */
  readonly source: string;
  /** Event type = contract subject, e.g. `change_order.approved`. */
  readonly type: string;
  readonly subject?: string;
  /** RFC 3339 time at which the event happened in the source system. */
  readonly time?: string;
  /** Contract and version the data claims to follow, e.g. `https://schemas.plumbline.dev/change_order.approved/v2.json`. */
  readonly dataschema?: string;
  readonly datacontenttype?: string;
  readonly data: unknown;
  readonly correlationid?: string;
  readonly causationid?: string;
  /** Legal entity the record belongs to. */
  readonly tenant?: string;
  readonly region?: string;
  /** Any other CloudEvents extension attribute. */
  readonly [extension: string]: unknown;
}

/** Identity used for publish deduplication and lineage: the CloudEvents (source, id) pair. */
export function envelopeKey(envelope: Pick<Envelope, 'source' | 'id'>): string {
  return `${envelope.source}:${envelope.id}`;
}
