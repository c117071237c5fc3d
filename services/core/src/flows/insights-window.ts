import { ErrorCode, PlumblineError } from '../errors';

/** A time window [from, to) in milliseconds since the epoch. */
export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}

export interface WindowRules {
  /** Span when `from` is not given: the window ends at `to` (default now). */
  readonly defaultSpanMs: number;
  /** Longest span allowed; longer windows are refused, not silently cut. */
  readonly maxSpanMs: number;
}

/**
 * The window a flow or KPI query covers: `to` defaults to `now`, `from` to `to` minus the default
 * span. Refuses (bad_request) a window that is empty, inverted or longer than the maximum.
 */
export function resolveWindow(
  requested: { readonly from?: number | undefined; readonly to?: number | undefined },
  now: number,
  rules: WindowRules,
): TimeWindow {
  const to = requested.to ?? now;
  const from = requested.from ?? to - rules.defaultSpanMs;
  if (from >= to)
    throw new PlumblineError(ErrorCode.BadRequest, 'from must be earlier than to', {
      details: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    });
  if (to - from > rules.maxSpanMs)
    throw new PlumblineError(
      ErrorCode.BadRequest,
      `the window is longer than ${Math.round(rules.maxSpanMs / 86_400_000)} days; narrow from/to`,
      { details: { maxDays: Math.round(rules.maxSpanMs / 86_400_000) } },
    );
  return { from, to };
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** The start of the UTC hour holding `ms`. */
export function floorHour(ms: number): number {
  return Math.floor(ms / hourMs) * hourMs;
}

/** The start of the UTC day holding `ms`. */
export function floorDay(ms: number): number {
  return Math.floor(ms / dayMs) * dayMs;
}
