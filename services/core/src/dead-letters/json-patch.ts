import jsonpatch, { type Operation } from 'fast-json-patch';
import { badRequest, type RequestProblem } from './request-problems';

/** One RFC 6902 operation, as validated here. */
export type PatchOperation =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'move'; readonly from: string; readonly path: string }
  | { readonly op: 'copy'; readonly from: string; readonly path: string }
  | { readonly op: 'test'; readonly path: string; readonly value: unknown };

export type PatchOp = PatchOperation['op'];
const patchOps: readonly PatchOp[] = ['add', 'remove', 'replace', 'move', 'copy', 'test'];

export const maxPatchOperations = 100;

/**
 * Envelope members a patch may never write, whatever the dead letter:
 * `replayof` and `replayjob` are set by the replay itself.
 */
export const reservedMembers: readonly string[] = ['replayof', 'replayjob'];
/**
 * Identity and routing: `source` + `id` is the deduplication key downstream and in lineage (a
 * changed id would let one event be accepted twice), and `type` picks the contract and the
 * subject. A patch may not change them; it may only `add` one the original lacks (completing a
 * malformed envelope), which `patchEnvelope` checks against each dead letter.
 */
export const identityMembers: readonly string[] = ['id', 'source', 'type'];

/** Top-level names a patch may create: the envelope schema's `propertyNames`. */
const attributeName = /^[a-z0-9]{1,40}$/;
const pointerSyntax = /^(?:\/(?:[^~/]|~[01])*)*$/;

/** Decodes a JSON pointer into its reference tokens (`''` → `[]`). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Parses an RFC 6902 patch from request JSON; throws `bad_request` listing every problem. */
export function parseJsonPatch(input: unknown): PatchOperation[] {
  const { ops, problems } = readJsonPatch(input, 'patch');
  if (problems.length > 0) throw badRequest('invalid JSON Patch', problems);
  return ops;
}

/**
 * Checks the shape of every operation (RFC 6902 §4: members not defined for an operation are
 * ignored) and what it may touch:
 * - the whole envelope (`''`) cannot be written, nor `replayof`/`replayjob`;
 * - `id`, `source`, `type` can only be the target of `add` (see `identityMembers`);
 * - a new top-level member must be a valid CloudEvents attribute name; anything inside `data` or
 *   another attribute may be changed (a malformed envelope may need any attribute fixed; the
 *   dry run re-checks the result against the envelope schema and the contract);
 * - `__proto__` is refused anywhere; `move` cannot move a value into itself.
 */
export function readJsonPatch(
  input: unknown,
  path: string,
): { readonly ops: PatchOperation[]; readonly problems: readonly RequestProblem[] } {
  if (!Array.isArray(input)) {
    return { ops: [], problems: [{ path, message: 'must be a list of JSON Patch operations' }] };
  }
  if (input.length === 0 || input.length > maxPatchOperations) {
    return {
      ops: [],
      problems: [{ path, message: `must have 1 to ${maxPatchOperations} operations` }],
    };
  }
  const ops: PatchOperation[] = [];
  const problems: RequestProblem[] = [];
  input.forEach((raw: unknown, index) => {
    const at = `${path}[${index}]`;
    const found = readOperation(raw);
    if (typeof found === 'string') problems.push({ path: at, message: found });
    else ops.push(found);
  });
  return { ops, problems };
}

function readOperation(raw: unknown): PatchOperation | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'must be an object';
  const body = raw as Record<string, unknown>;
  const op = patchOps.find((candidate) => candidate === body.op);
  if (op === undefined) return `'op' must be one of ${patchOps.join(', ')}`;
  const path = body.path;
  if (typeof path !== 'string' || !pointerSyntax.test(path)) {
    return `'path' must be a JSON pointer ('' or starting with '/'; '~' only as ~0 or ~1)`;
  }
  let operation: PatchOperation;
  if (op === 'move' || op === 'copy') {
    const from = body.from;
    if (typeof from !== 'string' || !pointerSyntax.test(from)) {
      return `'from' must be a JSON pointer for ${op}`;
    }
    operation = { op, from, path };
  } else if (op === 'remove') {
    operation = { op, path };
  } else {
    if (!('value' in body)) return `'value' is required for ${op}`;
    operation = { op, path, value: body.value };
  }
  return forbiddenTarget(operation) ?? operation;
}

/** The reason an operation touches what it may not, or undefined. */
function forbiddenTarget(operation: PatchOperation): string | undefined {
  const pointers = 'from' in operation ? [operation.path, operation.from] : [operation.path];
  if (pointers.some((pointer) => pointerTokens(pointer).includes('__proto__'))) {
    return `'__proto__' may not appear in a path`;
  }
  if (operation.op === 'test') return undefined; // reads only
  if (operation.op === 'move' && operation.path.startsWith(`${operation.from}/`)) {
    return `'path' may not be inside 'from': a value cannot be moved into itself`;
  }
  // Written: the target, and for move also the source (which it removes).
  const written = operation.op === 'move' ? [operation.path, operation.from] : [operation.path];
  for (const pointer of written) {
    if (pointer === '') return 'the whole envelope cannot be replaced, moved or removed';
    const tokens = pointerTokens(pointer);
    const member = tokens[0] ?? '';
    if (reservedMembers.includes(member)) {
      return `'${member}' is set by the replay and cannot be patched`;
    }
    const addsMember = operation.op === 'add' && pointer === operation.path && tokens.length === 1;
    if (identityMembers.includes(member) && !addsMember) {
      return `'${member}' identifies the event and cannot be changed (only added when missing)`;
    }
  }
  if (operation.op !== 'remove') {
    const member = pointerTokens(operation.path)[0] ?? '';
    if (!attributeName.test(member)) {
      return `'${member}' is not a valid envelope attribute name (a-z and 0-9, at most 40)`;
    }
  }
  return undefined;
}

/** A value at a path before and after one operation; a side is absent when nothing was there. */
export interface PatchChange {
  readonly opIndex: number;
  readonly op: PatchOp;
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** What a patch did to one envelope: the operations and every touched path, before and after. */
export interface PatchDiff {
  readonly ops: readonly PatchOperation[];
  readonly changes: readonly PatchChange[];
}

export const PatchFailureCode = {
  NotJson: 'not_json',
  NotAnObject: 'not_an_object',
  ProtectedMember: 'protected_member',
  OperationFailed: 'operation_failed',
} as const;
export type PatchFailureCode = (typeof PatchFailureCode)[keyof typeof PatchFailureCode];

export interface PatchFailure {
  readonly ok: false;
  readonly code: PatchFailureCode;
  /** Says which operation failed and why, e.g. `op 2 (replace /data/amount): the path does not exist`. */
  readonly message: string;
  /** Index of the failing operation in the patch, when one failed. */
  readonly opIndex?: number;
}

export type EnvelopeDocument = Record<string, unknown>;

export type PatchResult =
  | { readonly ok: true; readonly document: EnvelopeDocument; readonly diff: PatchDiff }
  | PatchFailure;

const libraryMessages: Readonly<Record<string, string>> = {
  OPERATION_PATH_UNRESOLVABLE: 'the path does not exist',
  OPERATION_FROM_UNRESOLVABLE: "the 'from' path does not exist",
  OPERATION_PATH_CANNOT_ADD: 'the parent of the path does not exist',
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: 'the path has an invalid array index',
  OPERATION_VALUE_OUT_OF_BOUNDS: 'the array index is past the end of the array',
  TEST_OPERATION_FAILED: 'the test failed: the value differs',
};

/** The value at a pointer, or `found: false`. Own properties only. */
export function valueAt(
  document: unknown,
  pointer: string,
): { readonly found: true; readonly value: unknown } | { readonly found: false } {
  let current = document;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(current)) {
      if (!/^(?:0|[1-9][0-9]*)$/.test(token) || Number(token) >= current.length) {
        return { found: false };
      }
      current = current[Number(token)];
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

function describe(index: number, operation: PatchOperation): string {
  const from = 'from' in operation ? ` from ${operation.from}` : '';
  return `op ${index} (${operation.op} ${operation.path === '' ? "''" : operation.path}${from})`;
}

/**
 * Applies validated operations to a copy of an envelope, in order, all or nothing. Fails with the
 * index of the first operation that cannot apply (a missing path, a failed `test`, or an `add`
 * of an identity member the envelope already has).
 */
export function patchEnvelope(
  original: EnvelopeDocument,
  ops: readonly PatchOperation[],
): PatchResult {
  let document = structuredClone(original);
  const changes: PatchChange[] = [];
  const observe = (pointer: string) => {
    const found = valueAt(document, pointer);
    return found.found ? { value: structuredClone(found.value) } : undefined;
  };
  for (const [index, operation] of ops.entries()) {
    if (
      operation.op === 'add' &&
      identityMembers.includes(pointerTokens(operation.path)[0] ?? '') &&
      valueAt(original, operation.path).found
    ) {
      return {
        ok: false,
        code: PatchFailureCode.ProtectedMember,
        opIndex: index,
        message: `${describe(index, operation)}: the envelope already has ${operation.path}, which cannot be changed`,
      };
    }
    const touched = operation.op === 'move' ? [operation.from, operation.path] : [operation.path];
    const before = operation.op === 'test' ? [] : touched.map(observe);
    try {
      // Cloned: the library inserts `value` by reference, and the ops are reused per dead letter.
      const result = jsonpatch.applyOperation(
        document,
        structuredClone(operation) as Operation,
        true,
        true,
        true,
        index,
      );
      document = result.newDocument;
    } catch (error) {
      if (!(error instanceof jsonpatch.JsonPatchError)) throw error;
      return {
        ok: false,
        code: PatchFailureCode.OperationFailed,
        opIndex: index,
        message: `${describe(index, operation)}: ${libraryMessages[error.name] ?? error.message}`,
      };
    }
    if (operation.op === 'test') continue;
    touched.forEach((path, position) => {
      const was = before[position];
      const now = observe(path);
      changes.push({
        opIndex: index,
        op: operation.op,
        path,
        ...(was === undefined ? {} : { before: was.value }),
        ...(now === undefined ? {} : { after: now.value }),
      });
    });
  }
  return { ok: true, document, diff: { ops, changes } };
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** Envelope bytes → a JSON object, or why not. */
export function decodeEnvelope(
  body: Uint8Array,
): { readonly ok: true; readonly document: EnvelopeDocument } | PatchFailure {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(body));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, code: PatchFailureCode.NotJson, message: `not JSON: ${reason}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: PatchFailureCode.NotAnObject, message: 'not a JSON object' };
  }
  return { ok: true, document: value as EnvelopeDocument };
}

export function encodeEnvelope(document: EnvelopeDocument): Uint8Array {
  return encoder.encode(JSON.stringify(document));
}

/** Bytes → object → patched → bytes, keeping the diff. */
export function patchEnvelopeBytes(
  body: Uint8Array,
  ops: readonly PatchOperation[],
): { readonly ok: true; readonly body: Uint8Array; readonly diff: PatchDiff } | PatchFailure {
  const decoded = decodeEnvelope(body);
  if (!decoded.ok) return decoded;
  const patched = patchEnvelope(decoded.document, ops);
  if (!patched.ok) return patched;
  return { ok: true, body: encodeEnvelope(patched.document), diff: patched.diff };
}
