import pino from 'pino';

/** One pino logger per component; level from LOG_LEVEL (default 'info', 'silent' in tests). */
export function createLogger(component: string, level = process.env.LOG_LEVEL ?? (process.env.AVA_WORKER ? 'silent' : 'info')) {
  return pino({ name: component, level }, pino.destination(2));
}
export type Logger = ReturnType<typeof createLogger>;
