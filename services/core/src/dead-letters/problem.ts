import type { Reason } from '../governance/outcome';
import type { DeadLetter } from './dead-letter';
import { reopenOnRecurrence, untriaged, type Triage } from './triage';

/**
 * One cause of many dead letters: the same reason, on the same event type, failing first at the
 * same place. A thousand invoices missing `/lines/3/amount`, `/lines/7/amount`, … are one problem.
 */
export interface Problem {
  readonly key: string;
  readonly reason: Reason;
  readonly type: string;
  /** The first error's pointer with array indices as `*`; `''` when the reason has no pointer. */
  readonly pointer: string;
  /** Detail of the most recent dead letter of the problem. */
  readonly sampleMessage: string;
  readonly sampleSeq: number;
  readonly count: number;
  /** How many of them are still open (not replayed, resolved or expired). */
  readonly open: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly triage: Triage;
}

const arrayIndex = /^(?:0|[1-9][0-9]*)$/;

/**
 * `/lines/3/amount` → `/lines/*\/amount`. Every all-digit token becomes `*`: without the schema an
 * array index cannot be told from an all-digit object key, and for grouping both mean "one of many".
 */
export function normalisePointer(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .split('/')
    .map((token) => (arrayIndex.test(token) ? '*' : token))
    .join('/');
}

/**
 * The grouping key: `<reason>|<type>|<normalised first pointer>`. The type is part of it because a
 * pointer only means something within one contract, and reasons without errors
 * (`unknown_contract`, `ownership_violation`, `too_large`, …) would otherwise merge every event
 * type into one problem. Reason and type never contain `|`, so the pointer is everything after
 * the second one.
 */
export function problemKey(deadLetter: Pick<DeadLetter, 'reason' | 'type' | 'errors'>): string {
  const first = deadLetter.errors[0]?.pointer ?? '';
  return `${deadLetter.reason}|${deadLetter.type}|${normalisePointer(first)}`;
}

/** Reads a key back into its parts; undefined when it is not a problem key. */
export function parseProblemKey(
  key: string,
): { readonly reason: string; readonly type: string; readonly pointer: string } | undefined {
  const first = key.indexOf('|');
  const second = first < 0 ? -1 : key.indexOf('|', first + 1);
  if (first <= 0 || second < 0) return undefined;
  return {
    reason: key.slice(0, first),
    type: key.slice(first + 1, second),
    pointer: key.slice(second + 1),
  };
}

/**
 * Groups dead letters into problems, most frequent first (then most recent). `triage` holds what
 * support set per problem key; a resolved problem that failed again since is shown open.
 */
export function summariseProblems(
  deadLetters: Iterable<DeadLetter>,
  triage: ReadonlyMap<string, Triage> = new Map(),
): Problem[] {
  interface Group {
    key: string;
    reason: Reason;
    type: string;
    pointer: string;
    sampleMessage: string;
    sampleSeq: number;
    count: number;
    open: number;
    firstSeen: number;
    lastSeen: number;
  }
  const groups = new Map<string, Group>();
  for (const deadLetter of deadLetters) {
    const key = problemKey(deadLetter);
    const at = deadLetter.deadLetteredAt;
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        key,
        reason: deadLetter.reason,
        type: deadLetter.type,
        pointer: normalisePointer(deadLetter.errors[0]?.pointer ?? ''),
        sampleMessage: deadLetter.detail,
        sampleSeq: deadLetter.seq,
        count: 0,
        open: 0,
        firstSeen: at,
        lastSeen: at,
      };
      groups.set(key, group);
    }
    group.count += 1;
    if (deadLetter.state === 'open') group.open += 1;
    group.firstSeen = Math.min(group.firstSeen, at);
    if (at >= group.lastSeen) {
      group.lastSeen = at;
      group.sampleMessage = deadLetter.detail;
      group.sampleSeq = deadLetter.seq;
    }
  }
  return [...groups.values()]
    .map((group): Problem => ({
      ...group,
      triage: reopenOnRecurrence(triage.get(group.key) ?? untriaged, group.lastSeen),
    }))
    .sort((a, b) => b.count - a.count || b.lastSeen - a.lastSeen || a.key.localeCompare(b.key));
}
