/**
 * Durations in policy files (flow SLAs, source freshness), strict and unambiguous:
 * - compact: units in descending order, each at most once, integers only: `90s`, `15m`, `4h`,
 *   `2d`, `1w`, `1d12h`, `2h30m`;
 * - ISO 8601 without years and months (their length varies): `PT4H`, `P2D`, `P1W`, `P1DT12H`.
 * Nothing else: no spaces, no fractions, no `ms`, no bare numbers (is `60` seconds or minutes?).
 */

const second = 1_000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;
const week = 7 * day;

/** The longest duration accepted, so that a typo (`400000d`) is refused rather than obeyed. */
export const maxDurationMs = 366 * day;

const compact = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const iso = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/**
 * The same grammar as a JSON Schema `pattern`, kept in the policy schemas (`$defs/duration`).
 * It also accepts zero and over-long durations; {@link durationProblem} says why those are refused.
 */
export const durationPattern =
  '^(?=.*\\d)(?:(?:\\d+w)?(?:\\d+d)?(?:\\d+h)?(?:\\d+m)?(?:\\d+s)?|P(?:\\d+W)?(?:\\d+D)?(?:T(?=\\d)(?:\\d+H)?(?:\\d+M)?(?:\\d+S)?)?)$';

/** Milliseconds in `text`, or `undefined` when it is not a duration in the grammar above. */
export function parseDuration(text: string): number | undefined {
  const match = compact.exec(text) ?? iso.exec(text);
  if (match === null) return undefined;
  const [, w, d, h, m, s] = match;
  if ([w, d, h, m, s].every((part) => part === undefined)) return undefined;
  const amount = (part: string | undefined, unit: number) =>
    part === undefined ? 0 : Number(part) * unit;
  return amount(w, week) + amount(d, day) + amount(h, hour) + amount(m, minute) + amount(s, second);
}

/**
 * Why `text` cannot be used as an SLA or a freshness expectation, or `undefined` when it can: it
 * must parse, be more than zero and at most 366 days.
 */
export function durationProblem(text: string): string | undefined {
  const ms = parseDuration(text);
  if (ms === undefined)
    return `'${text}' is not a duration; write e.g. 15m, 4h, 2d, 1d12h or PT4H, P2D`;
  if (ms <= 0) return `'${text}' must be longer than zero`;
  if (ms > maxDurationMs) return `'${text}' is longer than 366 days`;
  return undefined;
}

/**
 * A duration in the compact form, days at most, largest units first, zero units left out: `1d4h`,
 * `15m`, `10d`, `2h30s`. Sub-second remainders are rounded down; zero is `0s`.
 * `parseDuration(formatDuration(ms))` gives `ms` back for whole seconds.
 */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.floor(ms / second)) * second;
  let text = '';
  for (const [unit, size] of [
    ['d', day],
    ['h', hour],
    ['m', minute],
    ['s', second],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text === '' ? '0s' : text;
}
