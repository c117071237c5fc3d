import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { LineCounter, isMap, isNode, isScalar, parseDocument, type Document } from 'yaml';

/** A problem in a policy file, precise enough to jump to (lines and columns count from 1). */
export interface PolicyProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** JSON pointer into the document (`''` for the root or a YAML syntax error). */
  readonly pointer: string;
  readonly message: string;
}

/** A policy file's value, or every problem found in it. Expected failures are values, not throws. */
export type PolicyFileResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly PolicyProblem[] };

/** `rate-limits.yaml:7:5 /rules/1/perSecond must be > 0`, the form editors and CI logs link. */
export function formatPolicyProblem(problem: PolicyProblem): string {
  return `${problem.file}:${problem.line}:${problem.column} ${problem.message}`;
}

// `verbose` keeps the failing schema and data on each error, used to write specific messages.
const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: true, verbose: true });

/** Compiles a policy JSON Schema once (module load), never per file. */
export function compilePolicySchema(schema: object): ValidateFunction {
  return ajv.compile(schema);
}

/**
 * Parses one YAML policy file and validates it against its schema, mapping every problem (YAML
 * syntax, duplicate keys, schema violations) to its line and column. Defaults declared in the
 * schema are applied to the returned value.
 */
export function parsePolicyFile<T>(
  file: string,
  text: string,
  validate: ValidateFunction,
): PolicyFileResult<T> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        const first = error.message.split('\n')[0] ?? '';
        return { file, line, column: col, pointer: '', message: `YAML: ${first || error.code}` };
      }),
    };
  }
  const value: unknown = document.toJS();
  if (validate(value)) return { ok: true, value: value as T };
  const problems = (validate.errors ?? []).map((error): PolicyProblem => {
    const pointer = pointerOf(error);
    const { line, column } = position(document, lineCounter, pointer);
    const where = pointer === '' ? '(root)' : pointer;
    return { file, line, column, pointer, message: `${where} ${describe(error)}` };
  });
  // In reading order, as an editor lists them.
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, problems };
}

/**
 * Where a JSON pointer lands in a YAML text: the key of a mapping entry, the item of a sequence,
 * or, when the path does not exist, its deepest existing parent. For problems found after parsing.
 */
export function locatePointer(text: string, pointer: string): { line: number; column: number } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  return position(document, lineCounter, pointer);
}

function pointerOf(error: ErrorObject): string {
  const extra = error.params as { additionalProperty?: unknown };
  return error.keyword === 'additionalProperties' && typeof extra.additionalProperty === 'string'
    ? `${error.instancePath}/${escape(extra.additionalProperty)}`
    : error.instancePath;
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const schema = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const allowed = Object.keys(schema?.properties ?? {});
      return `unknown key '${String(params.additionalProperty)}'${allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ''}`;
    }
    case 'required':
      return `missing required key '${String(params.missingProperty)}'`;
    case 'enum':
      return `is ${show(error.data)}; must be one of ${(params.allowedValues as unknown[]).map(show).join(', ')}`;
    case 'type':
      return error.instancePath === '' && error.data === null
        ? `is empty; expected a mapping of settings`
        : `must be ${String(params.type)}, not ${show(error.data)}`;
    case 'pattern': {
      const schema = error.parentSchema as { description?: unknown } | undefined;
      return typeof schema?.description === 'string'
        ? `${show(error.data)} is not valid. ${schema.description}`
        : `${show(error.data)} does not match ${String(params.pattern)}`;
    }
    case 'uniqueItems':
      return `must not repeat an item (items ${String(params.j)} and ${String(params.i)} are equal)`;
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
}

function position(
  document: Document,
  lineCounter: LineCounter,
  pointer: string,
): { line: number; column: number } {
  const path = pointer === '' ? [] : pointer.slice(1).split('/').map(unescape);
  // The deepest node that exists on the path: a missing key points at its parent.
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const segments = path.slice(0, depth).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    const node: unknown =
      segments.length === 0 ? document.contents : document.getIn(segments, true);
    const start = (depth > 0 ? keyStart(document, segments) : undefined) ?? rangeStart(node);
    if (start !== undefined) {
      const { line, col } = lineCounter.linePos(start);
      return { line, column: col };
    }
  }
  return { line: 1, column: 1 };
}

/** For a mapping entry, the position of its key (the value may be on another line or absent). */
function keyStart(document: Document, path: readonly (string | number)[]): number | undefined {
  const parent: unknown =
    path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const name = path.at(-1);
  for (const item of parent.items) {
    const key: unknown = item.key;
    if (isScalar(key) && String(key.value) === String(name)) return rangeStart(key);
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  return isNode(node) && node.range ? node.range[0] : undefined;
}

function escape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function unescape(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
