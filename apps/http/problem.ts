import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../core/errors.ts';
import { type ErrorCode, errorInfo, problemTypeUrl } from '../core/error-codes.ts';
import type { Logger } from '../core/logger.ts';
import { isDatabaseUnavailable } from '../core/db/client.ts';
import { DependencyUnavailableError, isRedisUnavailable } from '../core/redis/connection.ts';

/** An RFC 9457 problem+json answer: its status, body and any header it needs. */
export interface Problem {
  status: number;
  body: string;
  /** Name, value pairs (a 503 names when to try again). */
  headers?: [string, string][];
}

/**
 * Seconds a client should wait after a 503 DEPENDENCY_UNAVAILABLE (RFC 9110 §10.2.3): Redis and
 * the database connections reconnect by themselves within about a second of coming back.
 */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/**
 * The problem+json body for a status and a stable code; `type` and `title` come from
 * apps/core/error-codes.ts. `publicUrl` (PUBLIC_URL) makes `type` an absolute URL of the page the
 * connector serves for the code (RFC 9457 §3.1.1), which a client can fetch without a base.
 */
export function problem(
  status: number,
  code: ErrorCode,
  detail: string,
  extra: Record<string, unknown> = {},
  publicUrl = '',
): Problem {
  return {
    status,
    body: JSON.stringify({
      type: problemTypeUrl(code, publicUrl),
      title: (extra.title as string | undefined) ?? errorInfo(code).title,
      status,
      detail,
      code,
      ...extra,
    }),
  };
}

/** PUBLIC_URL as apps/server.ts records it on the Express app (`app.locals.publicUrl`). */
function publicUrlOf(app: { locals: Record<string, unknown> }): string {
  return typeof app.locals.publicUrl === 'string' ? app.locals.publicUrl : '';
}

/** The content type of every problem answer (what Express's `res.type()` makes of it). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Sends an RFC 9457 problem+json answer. */
export function sendProblem(
  res: Parameters<RequestHandler>[1],
  status: number,
  code: ErrorCode,
  detail: string,
  extra: Record<string, unknown> = {},
): void {
  res
    .status(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problem(status, code, detail, extra, publicUrlOf(res.app)).body);
}

/** 404 for any route that does not exist. */
export const notFoundHandler: RequestHandler = (req, res) =>
  sendProblem(res, 404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`);

/**
 * The answer to an error. AppErrors carry their own status and code; body-parser's errors (bad
 * JSON, too large, wrong charset) are the client's fault and answer 4xx; anything else is logged
 * with its cause and answers a 500 that reveals nothing.
 */
export function problemFor(
  error: unknown,
  logger: Logger,
  where: { method: string; path: string },
  publicUrl = '',
): Problem {
  const dependency = unavailableDependency(error);
  if (dependency) {
    // Expected while Redis or the database is down: one line each, not an error with a stack.
    logger.warn(
      { dependency, path: where.path, method: where.method, reason: reasonOf(error) },
      'dependency unavailable: answered 503',
    );
    const unavailable = new AppError(
      'DEPENDENCY_UNAVAILABLE',
      dependency === 'redis'
        ? 'Redis cannot be reached right now; try again shortly'
        : 'The database cannot be reached right now; try again shortly',
      503,
      { cause: error },
    );
    return {
      ...problem(unavailable.status, unavailable.code, unavailable.message, {}, publicUrl),
      headers: [['Retry-After', String(DEPENDENCY_RETRY_AFTER_SECONDS)]],
    };
  }
  if (error instanceof AppError) {
    if (error.status >= 500) logger.error({ err: error, path: where.path }, error.message);
    const extra: Record<string, unknown> = {};
    if (error.errors) extra.errors = error.errors;
    if (error.title) extra.title = error.title;
    return problem(error.status, error.code, error.message, extra, publicUrl);
  }
  const e = error as { status?: unknown; statusCode?: unknown; type?: unknown; message?: unknown } | undefined;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    // body-parser's 415s (an unsupported charset or Content-Encoding) keep their status and get the code that says so.
    const code: ErrorCode =
      e?.type === 'entity.too.large'
        ? 'PAYLOAD_TOO_LARGE'
        : e?.type === 'entity.parse.failed'
          ? 'MALFORMED_JSON'
          : status === 415
            ? 'UNSUPPORTED_MEDIA_TYPE'
            : 'BAD_REQUEST';
    return problem(status, code, code === 'MALFORMED_JSON' ? MALFORMED_JSON_DETAIL : String(e?.message), {}, publicUrl);
  }
  logger.error({ err: error, path: where.path, method: where.method }, 'unhandled error');
  return problem(500, 'INTERNAL', 'Something went wrong on our side; it was logged', {}, publicUrl);
}

export const MALFORMED_JSON_DETAIL = 'The request body is not valid JSON';

/**
 * Which dependency an error says is unreachable, if any: what the Redis and database clients
 * reject with when their server cannot answer (redis/connection.ts, db/client.ts), so that an
 * outage answers 503 DEPENDENCY_UNAVAILABLE (docs/operations.md) instead of 500.
 */
export function unavailableDependency(error: unknown): 'redis' | 'database' | undefined {
  if (error instanceof DependencyUnavailableError) return error.dependency;
  if (error instanceof AppError) return undefined;
  if (isRedisUnavailable(error)) return 'redis';
  if (isDatabaseUnavailable(error)) return 'database';
  return undefined;
}

/** The error's own message and its causes', for one log line. */
function reasonOf(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String((e as { message?: unknown }).message ?? e));
  }
  return parts.join(' ← ');
}

/** Maps errors to problem+json answers (see problemFor). */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (res.headersSent) return;
    const { status, body, headers } = problemFor(error, logger, req, publicUrlOf(req.app));
    for (const [name, value] of headers ?? []) res.set(name, value);
    res.status(status).type(PROBLEM_CONTENT_TYPE).send(body);
  };
}
