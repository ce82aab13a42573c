/** Engine logger: pino to stderr by default; callers (the sidecar) may pass their own child logger. */
import { pino } from 'pino';

export interface EngineLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

let fallback: EngineLogger | undefined;

export function defaultLogger(): EngineLogger {
  fallback ??= pino({ name: 'engine', level: process.env.INFERCHAIN_LOG_LEVEL ?? 'info' }, pino.destination(2));
  return fallback;
}
