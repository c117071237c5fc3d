/**
 * The governed pipeline end to end: real nats-server, real chDB, the repo's contracts and
 * policies, a governance worker. Every outcome and reason, with its dead letter and lineage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractUri, type ContractVersion, type PolicySet } from '@plumbline/core';
import { Streams } from '@plumbline/platform';
import { encode, ingestSubject, validEnvelope, type TestEnvelope } from '../support/envelopes';
import { startTestPlumbline, type TestPlumbline } from '../support/test-plumbline';

let plumbline: TestPlumbline;

beforeAll(async () => {
  plumbline = await startTestPlumbline();
});
afterAll(async () => {
  await plumbline?.stop();
});

async function publishEnvelope(envelope: TestEnvelope, subject = ingestSubject(envelope)) {
  await plumbline.publish(subject, encode(envelope), `${envelope.source}:${envelope.id}`, {
    'X-Connector': 'system-test',
  });
}

const rowFor = (envelope: { source: string; id: string }, count = 1) =>
  plumbline.waitForLineage(count, 'envelope_key = {key:String}', {
    key: `${envelope.source}:${envelope.id}`,
  });

/** Waits until the worker's registry has seen a change. */
async function waitFor(check: () => boolean, what: string) {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function deadLetters(reason: string) {
  return plumbline.streamMessages(Streams.DeadLetter, `dlq.${reason}.>`);
}

describe('accepted envelopes', () => {
  it('go to GOVERNED with lineage: contract version, business key, tracked properties', async () => {
    const envelope = validEnvelope('invoice.posted');
    await publishEnvelope(envelope);
    const [row] = await rowFor(envelope);
    expect(row).toMatchObject({
      outcome: 'accepted',
      reason: '',
      source: 'odoo',
      type: 'invoice.posted',
      output_stream: Streams.Governed,
      tenant: envelope.tenant,
    });
    expect(row?.contract_version).toBeGreaterThan(0);
    expect(row?.business_key).not.toBe('');
    expect(
      Object.keys(row?.tracked_num ?? {}).length + Object.keys(row?.tracked_str ?? {}).length,
    ).toBeGreaterThan(0);
    const governed = await plumbline.streamMessages(Streams.Governed, 'gov.*.invoice.posted');
    const copy = governed.find((message) => message.data.includes(envelope.id));
    expect(copy?.subject).toBe('gov.finance.invoice.posted');
    expect(JSON.parse(copy?.data ?? '{}')).toEqual(envelope);
    expect(copy?.headers['X-Connector']).toBe('system-test');
    expect(copy?.headers['Plumbline-Contract-Version']).toBe(String(row?.contract_version));
  });

  it('of a deprecated version are accepted, flagged in lineage and in a header', async () => {
    const envelope = validEnvelope('timesheet.approved');
    const named = String(envelope.dataschema).match(/v(\d+)\.json$/);
    const version = Number(named?.[1]);
    const current = plumbline.workers[0]!.registry.version('timesheet.approved', version)!;
    await plumbline.contracts.putVersion({ ...current, state: 'deprecated', sunset: '2027-06-30' });
    await waitFor(
      () =>
        plumbline.workers[0]!.registry.version('timesheet.approved', version)?.state ===
        'deprecated',
      'deprecation',
    );
    await publishEnvelope(envelope);
    const [row] = await rowFor(envelope);
    expect(row).toMatchObject({ outcome: 'accepted', deprecated: true });
    const governed = await plumbline.streamMessages(Streams.Governed, 'gov.*.timesheet.approved');
    expect(
      governed.find((m) => m.data.includes(envelope.id))?.headers['Plumbline-Deprecated'],
    ).toBe('true');
    await plumbline.contracts.putVersion(current);
  });
});

describe("a connector cannot write the worker's headers", () => {
  const forged = {
    'X-Connector': 'system-test',
    'Plumbline-Reason': 'forged',
    'plumbline-contract-version': '99',
    'Plumbline-Deprecated': 'true',
  };

  it('on an accepted envelope: its copy on GOVERNED carries only what the worker says', async () => {
    const envelope = validEnvelope('invoice.posted');
    await plumbline.publish(
      ingestSubject(envelope),
      encode(envelope),
      `${envelope.source}:${envelope.id}`,
      forged,
    );
    const [row] = await rowFor(envelope);
    const governed = await plumbline.streamMessages(Streams.Governed, 'gov.*.invoice.posted');
    const headers = governed.find((message) => message.data.includes(envelope.id))?.headers ?? {};
    expect(headers['X-Connector']).toBe('system-test');
    expect(headers['Plumbline-Contract-Version']).toBe(String(row?.contract_version));
    expect(Object.keys(headers)).not.toContain('plumbline-contract-version');
    expect(Object.keys(headers)).not.toContain('Plumbline-Reason');
    expect(Object.keys(headers)).not.toContain('Plumbline-Deprecated');
  });

  it('on a dead letter: the reason and contract version are the worker’s alone', async () => {
    const body = new TextEncoder().encode('{"specversion":"1.0","id":"forged-headers');
    const subject = 'ingest.odoo.invoice.posted';
    await plumbline.publish(subject, body, 'test:forged-headers', forged);
    const sameBytes = (message: { data: string }) =>
      Buffer.from(message.data).equals(Buffer.from(body));
    let letters = await deadLetters('malformed');
    for (const deadline = Date.now() + 5_000; !letters.some(sameBytes);) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the dead letter');
      await new Promise((resolve) => setTimeout(resolve, 50));
      letters = await deadLetters('malformed');
    }
    const letter = letters.find(sameBytes);
    expect(letter?.headers['Plumbline-Reason']).toBe('malformed');
    expect(letter?.headers['X-Connector']).toBe('system-test');
    // A malformed envelope names no contract: no version at all, not the connector's 99.
    expect(Object.keys(letter?.headers ?? {}).map((key) => key.toLowerCase())).not.toContain(
      'plumbline-contract-version',
    );
  });
});

describe('rejected envelopes are dead-lettered with the original bytes, headers and a reason', () => {
  async function expectDeadLetter(
    reason: string,
    body: Uint8Array,
    subject: string,
    key: string,
    detail: RegExp,
  ) {
    await plumbline.publish(subject, body, `test:${reason}:${key}`, {
      'X-Connector': 'system-test',
    });
    const [row] = await plumbline.waitForLineage(
      1,
      "outcome = {o:String} AND reason = {r:String} AND (envelope_key = {k:String} OR (envelope_id = '' AND subject = ''))",
      {
        o: 'rejected',
        r: reason,
        k: key,
      },
    );
    expect(row?.reason_detail).toMatch(detail);
    const letters = await deadLetters(reason);
    const letter = letters.find((message) => Buffer.from(message.data).equals(Buffer.from(body)));
    expect(letter, `dead letter for ${reason}`).toBeDefined();
    expect(letter?.headers['Plumbline-Reason']).toBe(reason);
    expect(letter?.headers['X-Connector']).toBe('system-test');
    expect(letter?.headers['Plumbline-Ingest-Subject']).toBe(subject);
    return row;
  }

  it('malformed: not JSON', async () => {
    const body = new TextEncoder().encode('{"specversion":"1.0","id":"trunc');
    await expectDeadLetter('malformed', body, 'ingest.odoo.invoice.posted', 'none', /not JSON/);
  });

  it('unknown_contract: a version that is not registered', async () => {
    const envelope = {
      ...validEnvelope('invoice.posted'),
      dataschema: contractUri('invoice.posted', 99),
    };
    await expectDeadLetter(
      'unknown_contract',
      encode(envelope),
      ingestSubject(envelope),
      `odoo:${envelope.id}`,
      /v99 is not registered/,
    );
  });

  it('schema_violation: with ajv errors as JSON pointers', async () => {
    const envelope = validEnvelope('invoice.posted');
    envelope.data = { ...envelope.data, amount_total: 'twelve' };
    const row = await expectDeadLetter(
      'schema_violation',
      encode(envelope),
      ingestSubject(envelope),
      `odoo:${envelope.id}`,
      /amount_total/,
    );
    const errors = JSON.parse(row?.errors ?? '[]') as { pointer: string }[];
    expect(errors.some((error) => error.pointer === '/amount_total')).toBe(true);
  });

  it('ownership_violation: a system publishing a type it does not own', async () => {
    const envelope = { ...validEnvelope('invoice.posted'), source: 'costctl' };
    await expectDeadLetter(
      'ownership_violation',
      encode(envelope),
      ingestSubject(envelope),
      `costctl:${envelope.id}`,
      /odoo/,
    );
  });

  it('too_large: a payload over the policy limit', async () => {
    const envelope = validEnvelope('invoice.posted');
    envelope.data = { ...envelope.data, narration: 'x'.repeat(300 * 1024) };
    await expectDeadLetter('too_large', encode(envelope), ingestSubject(envelope), 'none', /limit/);
  });

  it('naming_violation: a type outside the naming rules', async () => {
    const envelope = { ...validEnvelope('invoice.posted'), type: 'Invoice.Posted' };
    await expectDeadLetter(
      'naming_violation',
      encode(envelope),
      ingestSubject(envelope),
      `odoo:${envelope.id}`,
      /Invoice\.Posted/,
    );
  });

  it('retired_version: a version that has been retired', async () => {
    const envelope = validEnvelope('change_order.approved');
    const version = Number(String(envelope.dataschema).match(/v(\d+)\.json$/)?.[1]);
    const current = plumbline.workers[0]!.registry.version('change_order.approved', version)!;
    await plumbline.contracts.putVersion({ ...current, state: 'retired' });
    await waitFor(
      () =>
        plumbline.workers[0]!.registry.version('change_order.approved', version)?.state ===
        'retired',
      'retirement',
    );
    try {
      await expectDeadLetter(
        'retired_version',
        encode(envelope),
        ingestSubject(envelope),
        `odoo:${envelope.id}`,
        /retired/,
      );
    } finally {
      await plumbline.contracts.putVersion(current);
    }
  });
});

describe('rate limits', () => {
  async function withPolicies(change: (current: PolicySet) => PolicySet, run: () => Promise<void>) {
    const current = (await plumbline.policies.get())!;
    const before = plumbline.workers[0]!.policyRevision();
    await plumbline.policies.put(change(current));
    await waitFor(() => plumbline.workers[0]!.policyRevision() > before, 'policy change');
    try {
      await run();
    } finally {
      const restored = plumbline.workers[0]!.policyRevision();
      await plumbline.policies.put(current);
      await waitFor(() => plumbline.workers[0]!.policyRevision() > restored, 'policy restore');
    }
  }

  it('reject: the envelopes over the limit are dead-lettered as rate_limited', async () => {
    await withPolicies(
      (current) => ({
        ...current,
        rateLimits: {
          ...current.rateLimits,
          rules: [
            {
              source: 'odoo',
              type: 'payment.recorded',
              perSecond: 0.001,
              burst: 2,
              action: 'reject',
            },
          ],
        },
      }),
      async () => {
        const envelopes = [1, 2, 3, 4, 5].map(() => validEnvelope('payment.recorded'));
        for (const envelope of envelopes) await publishEnvelope(envelope);
        const rows = await plumbline.waitForLineage(
          5,
          'type = {t:String} AND envelope_id IN {ids:Array(String)}',
          {
            t: 'payment.recorded',
            ids: envelopes.map((e) => e.id),
          },
        );
        expect(rows.filter((row) => row.outcome === 'accepted')).toHaveLength(2);
        expect(rows.filter((row) => row.reason === 'rate_limited')).toHaveLength(3);
        expect((await deadLetters('rate_limited')).length).toBeGreaterThanOrEqual(3);
      },
    );
  });

  it('delay: envelopes over the limit are delayed, then accepted once tokens refill', async () => {
    await withPolicies(
      (current) => ({
        ...current,
        rateLimits: {
          rules: [
            { source: 'odoo', type: 'vendor.upserted', perSecond: 4, burst: 1, action: 'delay' },
          ],
          delayMs: 300,
          maxDelays: 20,
        },
      }),
      async () => {
        const envelopes = [1, 2, 3, 4].map(() => validEnvelope('vendor.upserted'));
        for (const envelope of envelopes) await publishEnvelope(envelope);
        const rows = await plumbline.waitForLineage(
          4,
          "type = 'vendor.upserted' AND outcome = 'accepted' AND envelope_id IN {ids:Array(String)}",
          {
            ids: envelopes.map((e) => e.id),
          },
        );
        expect(rows).toHaveLength(4);
        expect(Math.max(...rows.map((row) => row.delivery))).toBeGreaterThan(1);
      },
    );
  });
});

describe('contracts change without a restart', () => {
  it('a newly registered version is usable by the next message', async () => {
    const envelope = validEnvelope('payment.recorded');
    const latest = plumbline.workers[0]!.registry.versions('payment.recorded').at(-1)!;
    const next = latest.version + 1;
    const schema = latest.schema as Record<string, unknown>;
    const evolved: ContractVersion = {
      ...latest,
      version: next,
      schema: {
        ...schema,
        $id: contractUri('payment.recorded', next),
        properties: {
          ...(schema.properties as object),
          remittance_note: { type: 'string', description: 'Free text from the bank statement.' },
        },
      },
      fingerprint: `test-${next}`,
    };
    const early = {
      ...envelope,
      id: `${envelope.id}-early`,
      dataschema: contractUri('payment.recorded', next),
    };
    await publishEnvelope(early);
    expect((await rowFor(early))[0]?.reason).toBe('unknown_contract');

    await plumbline.contracts.putVersion(evolved);
    await waitFor(
      () => plumbline.workers[0]!.registry.version('payment.recorded', next) !== undefined,
      'new version',
    );
    const late = {
      ...envelope,
      id: `${envelope.id}-late`,
      dataschema: contractUri('payment.recorded', next),
      data: { ...envelope.data, remittance_note: 'INV/2026/0042' },
    };
    await publishEnvelope(late);
    expect((await rowFor(late))[0]).toMatchObject({ outcome: 'accepted', contract_version: next });
  });
});

describe('duplicates', () => {
  it('a duplicate envelope never yields a second accepted row or a second GOVERNED message', async () => {
    const envelope = validEnvelope('invoice.posted');
    const body = encode(envelope);
    // Same Nats-Msg-Id (deduplicated by INGEST) and two different ones (as a connector retrying
    // after the dedupe window would): the worker sees the same envelope twice more.
    await plumbline.publish(ingestSubject(envelope), body, `odoo:${envelope.id}`);
    await plumbline.publish(ingestSubject(envelope), body, `odoo:${envelope.id}`);
    await plumbline.publish(ingestSubject(envelope), body, `retry-1:${envelope.id}`);
    await plumbline.publish(ingestSubject(envelope), body, `retry-2:${envelope.id}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await plumbline.infra.store.command(
      `OPTIMIZE TABLE ${plumbline.infra.store.database}.lineage_v1 FINAL`,
    );
    const rows = await plumbline.lineage('envelope_key = {k:String}', { k: `odoo:${envelope.id}` });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.outcome).toBe('accepted');
    const [{ n } = { n: 0 }] = await plumbline.infra.store.query<{ n: string }>(
      `SELECT count() AS n FROM ${plumbline.infra.store.database}.lineage_v1 WHERE envelope_key = {k:String}`,
      { k: `odoo:${envelope.id}` },
    );
    expect(Number(n)).toBe(1);
    const governed = await plumbline.streamMessages(Streams.Governed, 'gov.*.invoice.posted');
    expect(governed.filter((message) => message.data.includes(envelope.id))).toHaveLength(1);
  });
});
