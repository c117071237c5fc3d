import { describe, expect, it } from 'vitest';
import { isPlumblineError } from '../errors';
import { floorDay, floorHour, resolveWindow } from './insights-window';

const day = 86_400_000;
const rules = { defaultSpanMs: 30 * day, maxSpanMs: 92 * day };
const now = Date.parse('2026-05-04T10:30:00Z');

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (isPlumblineError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('resolveWindow', () => {
  it('ends now and spans the default when nothing is asked', () => {
    expect(resolveWindow({}, now, rules)).toEqual({ from: now - 30 * day, to: now });
  });

  it('takes from and to as asked, and a from alone up to now', () => {
    expect(resolveWindow({ from: now - day, to: now - 1_000 }, now, rules)).toEqual({
      from: now - day,
      to: now - 1_000,
    });
    expect(resolveWindow({ from: now - day }, now, rules)).toEqual({ from: now - day, to: now });
    expect(resolveWindow({ to: now - day }, now, rules)).toEqual({
      from: now - 31 * day,
      to: now - day,
    });
  });

  it('refuses empty, inverted and over-long windows as bad requests', () => {
    expect(refusal(() => resolveWindow({ from: now, to: now }, now, rules))).toEqual({
      code: 'bad_request',
      message: 'from must be earlier than to',
    });
    expect(refusal(() => resolveWindow({ from: now, to: now - 1 }, now, rules)).code).toBe(
      'bad_request',
    );
    expect(refusal(() => resolveWindow({ from: now - 93 * day }, now, rules))).toEqual({
      code: 'bad_request',
      message: 'the window is longer than 92 days; narrow from/to',
    });
    expect(resolveWindow({ from: now - 92 * day }, now, rules).from).toBe(now - 92 * day);
  });
});

describe('floorHour and floorDay', () => {
  it('round down to the UTC hour and day', () => {
    expect(new Date(floorHour(now)).toISOString()).toBe('2026-05-04T10:00:00.000Z');
    expect(new Date(floorDay(now)).toISOString()).toBe('2026-05-04T00:00:00.000Z');
    expect(floorDay(floorDay(now))).toBe(floorDay(now));
  });
});
