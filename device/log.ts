import { pino, type Logger } from 'pino';

/**
 * Structured JSON logs (journald keeps them). Secrets and personal data are redacted by path;
 * roster data must never be passed to a logger in the first place.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      base: { svc: 'booth' },
      redact: { paths: ['*.password', '*.token', '*.privateKey', '*.key', '*.credentialSecret'], censor: 'HIDDEN' },
    },
    destination as pino.DestinationStream,
  );
}
