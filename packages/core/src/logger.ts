import { pino } from 'pino';

/** The slice of pino the components use; any pino logger satisfies it. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: string;
  name?: string;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino({ level: opts.level ?? process.env.KEDGE_LOG_LEVEL ?? 'info', name: opts.name ?? 'kedge' });
}

export const silentLogger: Logger = pino({ level: 'silent' });
