import { allReasons, type Reason } from '../governance/outcome';
import { allDeadLetterStates, type DeadLetter, type DeadLetterState } from './dead-letter';
import { problemKey } from './problem';
import { badRequest, type RequestProblem } from './request-problems';

/**
 * Which dead letters to list or replay. Every criterion given must hold (AND); a list criterion
 * holds when the dead letter matches any of its entries (OR). `from`/`to` bound `deadLetteredAt`
 * in milliseconds, `from` included and `to` excluded. `text` is a case-insensitive substring of
 * the full error text (detail, pointers and messages).
 */
export interface DeadLetterFilter {
  readonly reasons?: readonly Reason[];
  readonly types?: readonly string[];
  readonly contractVersions?: readonly number[];
  readonly sources?: readonly string[];
  readonly tenants?: readonly string[];
  readonly states?: readonly DeadLetterState[];
  readonly businessKey?: string;
  readonly correlationId?: string;
  readonly problemKey?: string;
  readonly from?: number;
  readonly to?: number;
  readonly text?: string;
}

const listFields = ['types', 'sources', 'tenants'] as const;
const stringFields = ['businessKey', 'correlationId', 'problemKey', 'text'] as const;
const knownFields: ReadonlySet<string> = new Set([
  'reasons',
  'contractVersions',
  'states',
  'from',
  'to',
  ...listFields,
  ...stringFields,
]);
const maxListEntries = 100;
const maxStringLength = 500;
const rfc3339 =
  /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

/** True when no criterion is set (the filter selects every dead letter). */
export function isEmptyFilter(filter: DeadLetterFilter): boolean {
  return Object.values(filter).every((value) => value === undefined);
}

/** The full error text the `text` criterion searches. */
export function errorText(deadLetter: Pick<DeadLetter, 'detail' | 'errors'>): string {
  return [
    deadLetter.detail,
    ...deadLetter.errors.map((error) => `${error.pointer} ${error.message}`),
  ].join('\n');
}

export function matchesDeadLetterFilter(deadLetter: DeadLetter, filter: DeadLetterFilter): boolean {
  const inList = <T>(list: readonly T[] | undefined, value: T) =>
    list === undefined || list.includes(value);
  return (
    inList(filter.reasons, deadLetter.reason) &&
    inList(filter.types, deadLetter.type) &&
    inList(filter.contractVersions, deadLetter.contractVersion) &&
    inList(filter.sources, deadLetter.source) &&
    inList(filter.tenants, deadLetter.tenant) &&
    inList(filter.states, deadLetter.state) &&
    (filter.businessKey === undefined || deadLetter.businessKey === filter.businessKey) &&
    (filter.correlationId === undefined || deadLetter.correlationId === filter.correlationId) &&
    (filter.problemKey === undefined || problemKey(deadLetter) === filter.problemKey) &&
    (filter.from === undefined || deadLetter.deadLetteredAt >= filter.from) &&
    (filter.to === undefined || deadLetter.deadLetteredAt < filter.to) &&
    (filter.text === undefined ||
      errorText(deadLetter).toLowerCase().includes(filter.text.toLowerCase()))
  );
}

/** Parses a filter from request JSON; throws `bad_request` listing every problem. */
export function parseDeadLetterFilter(input: unknown): DeadLetterFilter {
  const { filter, problems } = readDeadLetterFilter(input, 'filter');
  if (problems.length > 0) throw badRequest('invalid dead-letter filter', problems);
  return filter;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** As `parseDeadLetterFilter`, returning the problems for a caller that collects more. */
export function readDeadLetterFilter(
  input: unknown,
  path: string,
): { readonly filter: DeadLetterFilter; readonly problems: readonly RequestProblem[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { filter: {}, problems: [{ path, message: 'must be an object' }] };
  }
  const body = input as Record<string, unknown>;
  const problems: RequestProblem[] = [];
  const filter: Mutable<DeadLetterFilter> = {};
  for (const key of Object.keys(body)) {
    if (!knownFields.has(key))
      problems.push({ path: `${path}.${key}`, message: 'is not a filter' });
  }

  function list<T>(key: string, accept: (value: unknown) => value is T, what: string) {
    const value = body[key];
    if (value === undefined) return undefined;
    if (
      Array.isArray(value) &&
      value.length > 0 &&
      value.length <= maxListEntries &&
      value.every(accept)
    ) {
      return [...new Set(value)];
    }
    problems.push({
      path: `${path}.${key}`,
      message: `must be a list of 1 to ${maxListEntries} ${what}`,
    });
    return undefined;
  }
  const isText = (value: unknown): value is string =>
    typeof value === 'string' && value !== '' && value.length <= maxStringLength;
  const isReason = (value: unknown): value is Reason => allReasons.some((r) => r === value);
  const isState = (value: unknown): value is DeadLetterState =>
    allDeadLetterStates.some((state) => state === value);
  const isVersion = (value: unknown): value is number =>
    typeof value === 'number' && Number.isInteger(value) && value >= 0;

  const reasons = list('reasons', isReason, `of ${allReasons.join(', ')}`);
  if (reasons !== undefined) filter.reasons = reasons;
  const states = list('states', isState, `of ${allDeadLetterStates.join(', ')}`);
  if (states !== undefined) filter.states = states;
  const versions = list('contractVersions', isVersion, 'versions (0 = no contract resolved)');
  if (versions !== undefined) filter.contractVersions = versions;
  for (const key of listFields) {
    const values = list(key, isText, `strings of 1 to ${maxStringLength} characters`);
    if (values !== undefined) filter[key] = values;
  }
  for (const key of stringFields) {
    const value = body[key];
    if (value === undefined) continue;
    if (isText(value)) filter[key] = value;
    else
      problems.push({
        path: `${path}.${key}`,
        message: `must be a string of 1 to ${maxStringLength} characters`,
      });
  }
  for (const key of ['from', 'to'] as const) {
    const value = body[key];
    if (value === undefined) continue;
    const time =
      typeof value === 'string' && rfc3339.test(value)
        ? Date.parse(value)
        : typeof value === 'number' && Number.isInteger(value) && value >= 0
          ? value
          : Number.NaN;
    if (Number.isFinite(time)) filter[key] = time;
    else
      problems.push({
        path: `${path}.${key}`,
        message: 'must be an RFC 3339 date-time or milliseconds since the epoch',
      });
  }
  if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to) {
    problems.push({ path: `${path}.to`, message: 'must be after from' });
  }
  return { filter, problems };
}
