import { describe, expect, it } from 'vitest';
import {
  durationPattern,
  durationProblem,
  formatDuration,
  maxDurationMs,
  parseDuration,
} from './duration';

const s = 1_000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('parseDuration', () => {
  it.each([
    ['90s', 90 * s],
    ['15m', 15 * m],
    ['4h', 4 * h],
    ['2d', 2 * d],
    ['1w', 7 * d],
    ['1d12h', d + 12 * h],
    ['2h30m', 2 * h + 30 * m],
    ['1w2d3h4m5s', 9 * d + 3 * h + 4 * m + 5 * s],
    ['0h', 0],
    ['PT4H', 4 * h],
    ['P2D', 2 * d],
    ['P1W', 7 * d],
    ['P1DT12H', d + 12 * h],
    ['PT90S', 90 * s],
    ['PT1H30M', h + 30 * m],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '',
    '4',
    'h',
    '4 h',
    ' 4h',
    '4H',
    '1.5h',
    '30m2h', // units out of order
    '1h1h',
    '500ms',
    '-1h',
    'P',
    'PT',
    'P1DT',
    'P1Y',
    'P1M', // months vary in length
    'PT4h',
    '4hours',
  ])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('agrees with the schema pattern on what is a duration', () => {
    const pattern = new RegExp(durationPattern, 'u');
    for (const text of ['90s', '1d12h', 'P1DT12H', 'PT4H', '0h', '1w']) {
      expect(pattern.test(text), text).toBe(true);
    }
    for (const text of ['', '4', 'P', 'PT', 'P1DT', '30m2h', '1.5h', 'P1M']) {
      expect(pattern.test(text), text).toBe(false);
    }
  });
});

describe('durationProblem', () => {
  it('accepts positive durations up to 366 days', () => {
    expect(durationProblem('15m')).toBeUndefined();
    expect(durationProblem('366d')).toBeUndefined();
    expect(parseDuration('366d')).toBe(maxDurationMs);
  });

  it('refuses zero, too long and malformed durations with a reason', () => {
    expect(durationProblem('0m')).toBe("'0m' must be longer than zero");
    expect(durationProblem('PT0S')).toBe("'PT0S' must be longer than zero");
    expect(durationProblem('367d')).toBe("'367d' is longer than 366 days");
    expect(durationProblem('4 hours')).toMatch(/^'4 hours' is not a duration; write e\.g\. 15m/);
  });
});

describe('formatDuration', () => {
  it('writes the compact form, days at most, zero units left out', () => {
    expect(formatDuration(15 * m)).toBe('15m');
    expect(formatDuration(d + 4 * h)).toBe('1d4h');
    expect(formatDuration(10 * d)).toBe('10d');
    expect(formatDuration(2 * h + 30 * s)).toBe('2h30s');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(1_999)).toBe('1s');
    expect(formatDuration(-5 * m)).toBe('0s');
  });

  it('round-trips through parseDuration for whole seconds', () => {
    for (const ms of [s, 59 * s, h + s, 3 * d + 7 * h + 5 * m, 400 * d]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
