/** `ingest.<source>.<type…>` → its parts; undefined when the subject has no type. */
export function parseIngestSubject(
  subject: string,
): { readonly source: string; readonly type: string } | undefined {
  const parts = subject.split('.');
  if (parts[0] !== 'ingest' || parts.length < 3) return undefined;
  const source = parts[1] ?? '';
  return { source, type: parts.slice(2).join('.') };
}
