import { describe, expect, it } from 'vitest';
import { decodeFlowCursor, encodeFlowCursor, type FlowCursor } from './flow-instance-cursor';

const cursor: FlowCursor = {
  position: { startedAt: 1_777_000_000_123, tenant: 'acme-us', correlation: 'co-1/ä "x"' },
  window: { from: 1_776_000_000_000, to: 1_777_100_000_000 },
};

describe('flow instance cursors', () => {
  it('round-trip the position and the window, and are opaque and URL-safe', () => {
    const text = encodeFlowCursor(cursor, 'orders|failed');
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(text).not.toContain('acme');
    expect(decodeFlowCursor(text, 'orders|failed')).toEqual(cursor);
  });

  it('refuse a cursor of another query, a damaged one, and one that is not a cursor', () => {
    const text = encodeFlowCursor(cursor, 'orders|failed');
    const refused = (run: () => unknown) => expect(run).toThrow(/cursor is not a cursor/);
    refused(() => decodeFlowCursor(text, 'orders|'));
    refused(() => decodeFlowCursor(text.slice(0, -3), 'orders|failed'));
    refused(() => decodeFlowCursor('not a cursor!', 'orders|failed'));
    refused(() => decodeFlowCursor(Buffer.from('{"v":2}').toString('base64url'), 'orders|failed'));
    refused(() =>
      decodeFlowCursor(
        Buffer.from(
          JSON.stringify({ v: 1, q: 'orders|failed', f: 1, u: 2, s: 1.5, t: 'a', c: 'b' }),
        ).toString('base64url'),
        'orders|failed',
      ),
    );
    refused(() => decodeFlowCursor('a'.repeat(2_001), 'orders|failed'));
  });
});
