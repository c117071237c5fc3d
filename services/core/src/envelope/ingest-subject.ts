const prefix = 'ingest.';

/**
 * `ingest.<source>.<type…>` → its parts; undefined when the subject has no type. (Slices rather
 * than split-and-join: it runs for every message.)
 */
export function parseIngestSubject(
  subject: string,
): { readonly source: string; readonly type: string } | undefined {
  if (!subject.startsWith(prefix)) return undefined;
  const dot = subject.indexOf('.', prefix.length);
  if (dot < 0) return undefined;
  return { source: subject.slice(prefix.length, dot), type: subject.slice(dot + 1) };
}
