import { isEmptyFilter, readDeadLetterFilter, type DeadLetterFilter } from './dead-letter-filter';
import { readJsonPatch, type PatchOperation } from './json-patch';
import { badRequest, reasonProblem, ticketProblem, type RequestProblem } from './request-problems';

/** One dead letter, a selection (DEADLETTER stream sequences), or all matching a filter. */
export type ReplaySelection =
  { readonly ids: readonly number[] } | { readonly filter: DeadLetterFilter };

export interface ReplayRequest {
  readonly select: ReplaySelection;
  /** RFC 6902 edit applied to every selected envelope before it is re-published. */
  readonly patch?: readonly PatchOperation[];
  /** Pacing: at most this many re-publications per second for the job. */
  readonly maxRatePerSecond: number;
  /** True unless the caller says `false`: a replay is checked before it is done. */
  readonly dryRun: boolean;
  readonly reason: string;
  readonly ticket?: string;
}

export const defaultReplayRate = 50;
export const maxReplayRate = 1_000;
export const maxReplayIds = 10_000;

const knownFields: ReadonlySet<string> = new Set([
  'select',
  'patch',
  'maxRatePerSecond',
  'dryRun',
  'reason',
  'ticket',
]);

/**
 * Parses a replay request from request JSON; throws `bad_request` listing every problem.
 * A filter must set at least one criterion: replaying every dead letter ever kept is never what
 * a person meant by an empty form (a time range or `states: ['open']` makes it explicit).
 */
export function parseReplayRequest(input: unknown): ReplayRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw badRequest('invalid replay request', [{ path: '', message: 'must be an object' }]);
  }
  const body = input as Record<string, unknown>;
  const problems: RequestProblem[] = [];
  for (const key of Object.keys(body)) {
    if (!knownFields.has(key)) problems.push({ path: key, message: 'is not a replay option' });
  }

  const select = readSelection(body.select, problems);

  let patch: PatchOperation[] | undefined;
  if (body.patch !== undefined) {
    const read = readJsonPatch(body.patch, 'patch');
    problems.push(...read.problems);
    patch = read.ops;
  }

  const rate = body.maxRatePerSecond ?? defaultReplayRate;
  const rateOk =
    typeof rate === 'number' && Number.isFinite(rate) && rate > 0 && rate <= maxReplayRate;
  if (!rateOk) {
    problems.push({
      path: 'maxRatePerSecond',
      message: `must be a number above 0 and at most ${maxReplayRate}`,
    });
  }
  const dryRun = body.dryRun ?? true;
  if (typeof dryRun !== 'boolean') {
    problems.push({ path: 'dryRun', message: 'must be true or false' });
  }
  const reasonIssue = reasonProblem(body.reason, 'reason');
  if (reasonIssue !== undefined) problems.push(reasonIssue);
  const ticketIssue = ticketProblem(body.ticket, 'ticket');
  if (ticketIssue !== undefined) problems.push(ticketIssue);

  const { reason, ticket } = body;
  if (
    problems.length > 0 ||
    select === undefined ||
    typeof rate !== 'number' ||
    typeof dryRun !== 'boolean' ||
    typeof reason !== 'string'
  ) {
    throw badRequest('invalid replay request', problems);
  }
  return {
    select,
    ...(patch === undefined ? {} : { patch }),
    maxRatePerSecond: rate,
    dryRun,
    reason: reason.trim(),
    ...(typeof ticket === 'string' ? { ticket: ticket.trim() } : {}),
  };
}

const isSequence = (id: unknown): id is number =>
  typeof id === 'number' && Number.isSafeInteger(id) && id > 0;

function readSelection(value: unknown, problems: RequestProblem[]): ReplaySelection | undefined {
  const fail = (path: string, message: string) => {
    problems.push({ path, message });
    return undefined;
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('select', 'must be { ids: [...] } or { filter: {...} }');
  }
  const select = value as Record<string, unknown>;
  const keys = Object.keys(select);
  if (keys.length !== 1 || (keys[0] !== 'ids' && keys[0] !== 'filter')) {
    return fail('select', "must have exactly one of 'ids' or 'filter'");
  }
  if (keys[0] === 'ids') {
    const ids = select.ids;
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > maxReplayIds ||
      !ids.every(isSequence)
    ) {
      return fail(
        'select.ids',
        `must list 1 to ${maxReplayIds} dead letters by stream sequence (positive integers)`,
      );
    }
    return { ids: [...new Set(ids)].sort((a, b) => a - b) };
  }
  const read = readDeadLetterFilter(select.filter, 'select.filter');
  problems.push(...read.problems);
  if (read.problems.length > 0) return undefined;
  if (isEmptyFilter(read.filter)) {
    return fail('select.filter', 'must set at least one criterion');
  }
  return { filter: read.filter };
}
