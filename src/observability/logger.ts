import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout (the seed logs JSON via slog). Nothing per request at info level. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'onnxserve' }, timestamp: pino.stdTimeFunctions.isoTime });
}
