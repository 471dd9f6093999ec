import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

// Any field with one of these names is replaced wherever it appears (two levels deep), so a
// token or secret that reaches a log call by mistake still never reaches the output.
const SECRET_FIELDS = [
  'password',
  'secret',
  'clientSecret',
  'client_secret',
  'signingSecret',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'id_token',
  'idToken',
  'code_verifier',
  'codeVerifier',
  'token',
  'authorization',
  'cookie',
  'loginKey',
];
const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]).concat([
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
]);

/** The structured JSON logger (pino) with secret fields redacted. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
