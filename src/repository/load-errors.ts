/** How a failed load reads, in the index, in errors and in the log. */
import { ModelConfigError, PbtxtError } from './config/index.js';

/** A config.pbtxt error's file, line and column, for the log line that reports it. */
export function configPosition(e: unknown): { file?: string; line?: number; column?: number } {
  if (e instanceof PbtxtError || e instanceof ModelConfigError) return { file: e.file, line: e.line, column: e.column };
  return {};
}

/**
 * Load errors reach clients through the index: strip what ORT adds about itself (its C++ source locations and
 * function signatures) and shorten absolute paths to their last two segments.
 */
export function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text
    .replace(/\S+\.(?:cc|cpp|h):\d+\s+(?:[\w:<>~]+\([^)]*\)\s*(?:const\s*)?)?/g, '')
    .replace(/(?:\/[^\s'":]+)+/g, (p) => p.split('/').slice(-2).join('/'))
    .slice(0, 500);
}
