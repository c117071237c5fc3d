import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';

/** A problem in a policy file, precise enough to jump to. */
export interface PolicyProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** JSON pointer into the document (`''` for the root). */
  readonly pointer: string;
  readonly message: string;
}

export type PolicyFileResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly PolicyProblem[] };

const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: true });

export function compilePolicySchema(schema: object): ValidateFunction {
  return ajv.compile(schema);
}

/**
 * Parses one YAML policy file and validates it, mapping every problem to its line and column.
 * Defaults from the schema are applied to the returned value.
 */
export function parsePolicyFile<T>(
  file: string,
  text: string,
  validate: ValidateFunction,
): PolicyFileResult<T> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => {
        const { line, col } = at(error.pos[0]);
        return {
          file,
          line,
          column: col,
          pointer: '',
          message: `YAML: ${error.message.split('\n')[0] ?? error.code}`,
        };
      }),
    };
  }
  const value: unknown = document.toJS();
  if (validate(value)) return { ok: true, value: value as T };
  return {
    ok: false,
    problems: (validate.errors ?? []).map((error) => {
      const pointer =
        error.keyword === 'additionalProperties' &&
        typeof error.params.additionalProperty === 'string'
          ? `${error.instancePath}/${error.params.additionalProperty}`
          : error.instancePath;
      const { line, column } = position(document, pointer, at);
      const detail =
        error.keyword === 'additionalProperties'
          ? `unknown key '${String(error.params.additionalProperty)}'`
          : error.keyword === 'enum'
            ? `must be one of ${JSON.stringify(error.params.allowedValues)}`
            : (error.message ?? 'is invalid');
      return {
        file,
        line,
        column,
        pointer,
        message: `${pointer === '' ? '(root)' : pointer} ${detail}`,
      };
    }),
  };
}

function position(
  document: Document,
  pointer: string,
  at: (offset: number) => { line: number; col: number },
): { line: number; column: number } {
  const path = pointer === '' ? [] : pointer.slice(1).split('/').map(unescape);
  // The deepest node that exists on the path: a missing key points at its parent.
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const segment = path.slice(0, depth).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    const node: unknown = segment.length === 0 ? document.contents : document.getIn(segment, true);
    if (isNode(node) && node.range !== undefined && node.range !== null) {
      // For a key, point at the key itself rather than its value.
      const pair = depth > 0 ? keyRange(document, segment) : undefined;
      const { line, col } = at(pair ?? node.range[0]);
      return { line, column: col };
    }
  }
  return { line: 1, column: 1 };
}

function keyRange(document: Document, path: (string | number)[]): number | undefined {
  const parent: unknown =
    path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true);
  if (
    parent === null ||
    typeof parent !== 'object' ||
    !('items' in parent) ||
    !Array.isArray(parent.items)
  )
    return undefined;
  for (const item of parent.items as unknown[]) {
    if (item !== null && typeof item === 'object' && 'key' in item && isNode(item.key)) {
      const key = item.key as { value?: unknown; range?: [number, number, number] | null };
      if (key.value === path.at(-1) && key.range) return key.range[0];
    }
  }
  return undefined;
}

function unescape(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
