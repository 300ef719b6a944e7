/**
 * How client-supplied names and values appear in error messages, for every rule in core and every adapter:
 * bounded (a message may travel in a gRPC trailer) and JSON-quoted where a value could hold anything.
 */

/** Names and values from the client end up in error messages: keep those messages bounded. */
export function clip(s: string, max = 100): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** A short, JSON-ish description of a bad value for an error message ("1.5", "\"3\"", "missing"). */
export function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v))) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  // Only undefined-like values (functions, symbols) make JSON.stringify return undefined; wire input has none.
  return clip(JSON.stringify(v) ?? typeof v, 40);
}
