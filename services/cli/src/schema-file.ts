import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseDataschema, type JsonSchema } from '@plumbline/core';

export class FileError extends Error {
  override readonly name = 'FileError';
}

/** Reads a JSON file; a syntax error names the file, line and column. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FileError(
      `${path}: cannot read (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message)?.[1];
    if (position === undefined) throw new FileError(`${path}: not valid JSON: ${message}`);
    const before = text.slice(0, Number(position));
    const line = before.split('\n').length;
    const column = Number(position) - before.lastIndexOf('\n');
    throw new FileError(
      `${path}:${line}:${column}: not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`,
    );
  }
}

/** A contract file and the subject it belongs to: `--type`, else its `$id`, else its directory (`schemas/contracts/<type>/v<N>.json`). */
export async function readContractFile(
  path: string,
  type?: string,
): Promise<{ type: string; schema: JsonSchema }> {
  const schema = (await readJsonFile(path)) as JsonSchema;
  if (typeof schema !== 'object' && typeof schema !== 'boolean')
    throw new FileError(`${path}: a JSON Schema must be an object`);
  const fromId =
    typeof schema === 'object' && typeof schema.$id === 'string'
      ? parseDataschema(schema.$id)?.type
      : undefined;
  const fromPath = /^v\d+\.json$/.test(basename(path)) ? basename(dirname(path)) : undefined;
  const subject = type ?? fromId ?? fromPath;
  if (subject === undefined)
    throw new FileError(`${path}: cannot tell which subject this is; pass --type <event type>`);
  return { type: subject, schema };
}
