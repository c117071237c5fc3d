import { createDemoTraffic } from '@plumbline/connectors';

export type TestEnvelope = Record<string, unknown> & {
  id: string;
  source: string;
  type: string;
  data: Record<string, unknown>;
};

let counter = 0;

/** A valid envelope from the demo world (optionally of one type), with a fresh id. */
export function validEnvelope(type?: string): TestEnvelope {
  const traffic = createDemoTraffic({ seed: 7 });
  for (let i = 0; i < 100_000; i += 1) {
    const message = traffic.next();
    if (message.intended !== 'valid') continue;
    const envelope = JSON.parse(new TextDecoder().decode(message.body)) as TestEnvelope;
    if (type !== undefined && envelope.type !== type) continue;
    counter += 1;
    return { ...envelope, id: `test-${process.pid}-${counter}-${envelope.id}` };
  }
  throw new Error(`the demo traffic has no valid ${type ?? ''} envelope`);
}

export const ingestSubject = (envelope: { source: string; type: string }) =>
  `ingest.${envelope.source}.${envelope.type}`;

export const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** `count` valid envelopes of the demo's mix of sources and types, each with a fresh id. */
export function validEnvelopes(count: number, seed = 11): TestEnvelope[] {
  const traffic = createDemoTraffic({ seed });
  const envelopes: TestEnvelope[] = [];
  while (envelopes.length < count) {
    const message = traffic.next();
    if (message.intended !== 'valid') continue;
    const envelope = JSON.parse(new TextDecoder().decode(message.body)) as TestEnvelope;
    counter += 1;
    envelopes.push({ ...envelope, id: `test-${process.pid}-${counter}-${envelope.id}` });
  }
  return envelopes;
}
