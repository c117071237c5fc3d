/** Canonical URI of a contract version, used as `$id` and as the envelope's `dataschema`. */
export function contractUri(type: string, version: number): string {
  return `https://schemas.plumbline.dev/contracts/${type}/v${version}.json`;
}

const versionPattern = /\/contracts\/([^/]+)\/v([1-9][0-9]{0,5})(?:\.json)?$/;

/**
 * The contract a `dataschema` URI names, or undefined when it names none (including a type whose
 * percent-encoding is broken: producers' input, never a reason to throw).
 */
export function parseDataschema(
  uri: string,
): { readonly type: string; readonly version: number } | undefined {
  const match = versionPattern.exec(uri);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  let type: string;
  try {
    type = decodeURIComponent(match[1]);
  } catch {
    return undefined; // URIError: a lone or truncated %-escape
  }
  return { type, version: Number(match[2]) };
}
