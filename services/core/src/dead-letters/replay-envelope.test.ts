import { describe, expect, it } from 'vitest';
import { isPlumblineError } from '../errors';
import {
  buildReplayEnvelope,
  parseReplayOf,
  replayMessageId,
  replayOfReference,
} from './replay-envelope';
import { aDeadLetter, anEnvelope, decodeJson, encodeJson, thrown } from './test-fixtures';

const deadLetter = aDeadLetter({ seq: 42 });

describe('buildReplayEnvelope', () => {
  it('re-publishes the original on its INGEST subject with replayof, replayjob and a deterministic id', () => {
    const built = buildReplayEnvelope({
      deadLetter,
      body: encodeJson(anEnvelope()),
      jobId: 'job-7',
    });
    expect(built).toMatchObject({
      ok: true,
      subject: 'ingest.odoo.change_order.approved',
      msgId: 'replay:job-7:42',
      envelopeKey: 'odoo:co-1',
    });
    if (!built.ok) return;
    expect(built.diff).toBeUndefined();
    expect(decodeJson(built.body)).toEqual({
      ...anEnvelope(),
      replayof: 'dlq:42',
      replayjob: 'job-7',
    });
  });

  it('applies the patch and returns its diff, keeping id and source', () => {
    const built = buildReplayEnvelope({
      deadLetter,
      body: encodeJson(anEnvelope()),
      jobId: 'job-7',
      patch: [{ op: 'replace', path: '/data/amount_total', value: 5 }],
    });
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(decodeJson(built.body)).toMatchObject({
      id: 'co-1',
      source: 'odoo',
      data: { amount_total: 5 },
    });
    expect(built.diff?.changes).toEqual([
      { opIndex: 0, op: 'replace', path: '/data/amount_total', before: -5, after: 5 },
    ]);
  });

  it('overwrites the markers of an earlier replay', () => {
    const again = anEnvelope({ replayof: 'dlq:1', replayjob: 'job-1' });
    const built = buildReplayEnvelope({ deadLetter, body: encodeJson(again), jobId: 'job-2' });
    expect(built.ok && decodeJson(built.body)).toMatchObject({
      replayof: 'dlq:42',
      replayjob: 'job-2',
    });
  });

  it('goes back to the original subject even when the envelope claims another source', () => {
    const spoofed = anEnvelope({ source: 'costctl' });
    const built = buildReplayEnvelope({ deadLetter, body: encodeJson(spoofed), jobId: 'job-7' });
    expect(built).toMatchObject({
      ok: true,
      subject: 'ingest.odoo.change_order.approved',
      envelopeKey: 'costctl:co-1',
    });
  });

  it('reports a patch that does not apply, with the failing operation', () => {
    const built = buildReplayEnvelope({
      deadLetter,
      body: encodeJson(anEnvelope()),
      jobId: 'job-7',
      patch: [{ op: 'remove', path: '/data/nothing' }],
    });
    expect(built).toMatchObject({ ok: false, code: 'operation_failed', opIndex: 0 });
  });

  it('refuses what cannot carry the replay markers', () => {
    expect(
      buildReplayEnvelope({ deadLetter, body: new TextEncoder().encode('<xml/>'), jobId: 'j' }),
    ).toMatchObject({ ok: false, code: 'not_json' });
    expect(buildReplayEnvelope({ deadLetter, body: encodeJson('text'), jobId: 'j' })).toMatchObject(
      { ok: false, code: 'not_an_object' },
    );
    expect(
      buildReplayEnvelope({
        deadLetter: aDeadLetter({ ingestSubject: 'ingest.odoo' }),
        body: encodeJson(anEnvelope()),
        jobId: 'j',
      }),
    ).toMatchObject({ ok: false, code: 'bad_subject' });
  });

  it('gives no envelope key while the envelope still lacks an id', () => {
    const { id: _id, ...withoutId } = anEnvelope();
    const built = buildReplayEnvelope({ deadLetter, body: encodeJson(withoutId), jobId: 'j' });
    expect(built).toMatchObject({ ok: true, envelopeKey: '' });
  });

  it('treats an unsafe job id as a bug', () => {
    const error = thrown(() =>
      buildReplayEnvelope({ deadLetter, body: encodeJson(anEnvelope()), jobId: 'a b' }),
    );
    expect(isPlumblineError(error) && error.code).toBe('internal');
  });
});

describe('replay references', () => {
  it('round-trips dlq:<seq>', () => {
    expect(replayOfReference(42)).toBe('dlq:42');
    expect(parseReplayOf('dlq:42')).toBe(42);
    expect(parseReplayOf('odoo:co-1')).toBeUndefined();
    expect(parseReplayOf('dlq:0')).toBeUndefined();
    expect(replayMessageId('job-7', 42)).toBe('replay:job-7:42');
  });
});
