import { ErrorCode, PlumblineError } from '../errors';
import type { TimeWindow } from './insights-window';

/**
 * Where a page of flow instances ends, as an opaque cursor. Instances are listed newest start
 * first, then by tenant and correlation value; the cursor holds the last instance shown, the
 * window of the first page (so that "now" moving on does not shift the pages) and the query it
 * belongs to (flow and state), so that it is never applied to another one.
 */
export interface FlowInstancePosition {
  readonly startedAt: number;
  readonly tenant: string;
  readonly correlation: string;
}

export interface FlowCursor {
  readonly position: FlowInstancePosition;
  readonly window: TimeWindow;
}

interface CursorBody {
  readonly v: 1;
  readonly q: string;
  readonly f: number;
  readonly u: number;
  readonly s: number;
  readonly t: string;
  readonly c: string;
}

export function encodeFlowCursor(cursor: FlowCursor, query: string): string {
  const body: CursorBody = {
    v: 1,
    q: query,
    f: cursor.window.from,
    u: cursor.window.to,
    s: cursor.position.startedAt,
    t: cursor.position.tenant,
    c: cursor.position.correlation,
  };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/**
 * The cursor in `text`; one that does not decode, or was made for another `query`, is a bad
 * request (code bad_request), never a silent restart from the first page.
 */
export function decodeFlowCursor(text: string, query: string): FlowCursor {
  const invalid = () =>
    new PlumblineError(ErrorCode.BadRequest, 'cursor is not a cursor of this query', {
      details: { parameter: 'cursor' },
    });
  if (text.length > 2_000 || !/^[A-Za-z0-9_-]+$/.test(text)) throw invalid();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!isCursorBody(body) || body.q !== query) throw invalid();
  return {
    position: { startedAt: body.s, tenant: body.t, correlation: body.c },
    window: { from: body.f, to: body.u },
  };
}

function isCursorBody(value: unknown): value is CursorBody {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Record<string, unknown>;
  const time = (field: unknown) => typeof field === 'number' && Number.isSafeInteger(field);
  return (
    body.v === 1 &&
    typeof body.q === 'string' &&
    time(body.f) &&
    time(body.u) &&
    time(body.s) &&
    typeof body.t === 'string' &&
    typeof body.c === 'string'
  );
}
