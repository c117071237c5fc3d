import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stderr (stdout stays free for CLI output). */
export function createLogger(level: string, name = 'plumbline'): Logger {
  return pino({ name, level }, pino.destination({ fd: 2, sync: true }));
}
