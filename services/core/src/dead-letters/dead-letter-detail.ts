import { maskSensitive } from '../contracts/annotations';

/** The bytes as a JSON object (an envelope, as far as anyone can tell); undefined otherwise. */
export function parseEnvelopeObject(body: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(body));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A dead letter as the DEADLETTER stream holds it: the original bytes and headers. */
export interface StoredDeadLetter {
  readonly seq: number;
  readonly subject: string;
  readonly storedAt: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/**
 * How much of the payload the caller sees:
 *  - `original`: the bytes as received, sensitive fields in clear (payload permission; audited);
 *  - `masked`: the envelope with every field any version of its contract marks sensitive hashed;
 *  - `hidden`: nothing, when Plumbline cannot tell which fields are sensitive (bytes that are not
 *    a JSON envelope, or a type with no registered contract).
 */
export type PayloadView =
  | { readonly view: 'original'; readonly text: string }
  | { readonly view: 'masked'; readonly envelope: unknown }
  | { readonly view: 'hidden'; readonly note: string };

export interface DeadLetterDetail {
  readonly seq: number;
  readonly subject: string;
  readonly storedAt: string;
  readonly reason: string;
  readonly detail: string;
  readonly type: string | undefined;
  readonly source: string | undefined;
  /** The envelope's tenant; undefined when the bytes are not an envelope. */
  readonly tenant: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: PayloadView;
}

/**
 * What a caller is shown of one dead letter. `sensitiveFields(type)` answers the union of the
 * fields every registered version of `type` marks sensitive (undefined: no contract), so a field
 * sensitive in any version is masked whichever version the message claims.
 */
export function deadLetterDetail(
  stored: StoredDeadLetter,
  sensitiveFields: (type: string) => ReadonlySet<string> | undefined,
  reveal: boolean,
): DeadLetterDetail {
  const text = new TextDecoder().decode(stored.body);
  const envelope = parseEnvelopeObject(stored.body);
  const type = typeof envelope?.type === 'string' ? envelope.type : undefined;
  const source = typeof envelope?.source === 'string' ? envelope.source : undefined;
  const tenant = typeof envelope?.tenant === 'string' ? envelope.tenant : undefined;
  const sensitive = type === undefined ? undefined : sensitiveFields(type);
  let payload: PayloadView;
  if (reveal) payload = { view: 'original', text };
  else if (envelope === undefined)
    payload = { view: 'hidden', note: 'not a JSON envelope; only the payload permission shows it' };
  else if (sensitive === undefined)
    payload = {
      view: 'hidden',
      note: `no registered contract for type '${type ?? ''}' says which fields are sensitive; only the payload permission shows it`,
    };
  else
    payload = {
      view: 'masked',
      envelope: {
        ...envelope,
        data: maskSensitive({ businessKey: undefined, tracked: [], sensitive }, envelope.data),
      },
    };
  return {
    seq: stored.seq,
    subject: stored.subject,
    storedAt: stored.storedAt,
    reason: stored.headers['Plumbline-Reason'] ?? stored.subject.split('.')[1] ?? '',
    detail: stored.headers['Plumbline-Detail'] ?? '',
    type,
    source,
    tenant,
    headers: stored.headers,
    payload,
  };
}
