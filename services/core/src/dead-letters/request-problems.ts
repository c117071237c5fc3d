import { ErrorCode, PlumblineError } from '../errors';

/** One thing wrong with a request, located by a dotted path such as `select.filter.from`. */
export interface RequestProblem {
  readonly path: string;
  readonly message: string;
}

/** Every human action (replay, resolve, cancel, triage) says why, in at least this many characters. */
export const minReasonLength = 10;
export const maxReasonLength = 2_000;
export const maxTicketLength = 200;

/** One `bad_request` error listing every problem at once (`details.problems`), never the first only. */
export function badRequest(what: string, problems: readonly RequestProblem[]): PlumblineError {
  const listed = problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
  return new PlumblineError(ErrorCode.BadRequest, `${what}: ${listed}`, {
    details: { problems },
  });
}

/** The problem with a human reason, or undefined when it is acceptable. */
export function reasonProblem(value: unknown, path: string): RequestProblem | undefined {
  if (typeof value !== 'string') {
    return { path, message: `is required: say why, in at least ${minReasonLength} characters` };
  }
  const length = value.trim().length;
  if (length < minReasonLength) {
    return { path, message: `must say why in at least ${minReasonLength} characters` };
  }
  if (value.length > maxReasonLength) {
    return { path, message: `must be at most ${maxReasonLength} characters` };
  }
  return undefined;
}

/** Ticket references are optional, single-line and short (an id such as `SUP-1234`, or a URL). */
export function ticketProblem(value: unknown, path: string): RequestProblem | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'string' ||
    value.trim() === '' ||
    value.length > maxTicketLength ||
    [...value].some((char) => char < ' ' || char === '\u007f')
  ) {
    return {
      path,
      message: `must be a single-line ticket reference of 1 to ${maxTicketLength} characters`,
    };
  }
  return undefined;
}

/** Throws `bad_request` when the reason (and ticket, if given) are not acceptable. */
export function requireReason(
  what: string,
  reason: unknown,
  ticket?: unknown,
  path = 'reason',
): void {
  const problems = [reasonProblem(reason, path), ticketProblem(ticket, 'ticket')].filter(
    (problem) => problem !== undefined,
  );
  if (problems.length > 0) throw badRequest(what, problems);
}
