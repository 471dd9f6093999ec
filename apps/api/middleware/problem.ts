import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Authentication required',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

/** Sends an RFC 9457 problem+json answer. */
export function sendProblem(
  res: Parameters<RequestHandler>[1],
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): void {
  res
    .status(status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: `https://docs.oauth-export-connector.dev/errors/${code.toLowerCase().replaceAll('_', '-')}`,
        title: (extra.title as string | undefined) ?? TITLES[status] ?? 'Error',
        status,
        detail,
        code,
        ...extra,
      }),
    );
}

/** 404 for any route that does not exist. */
export const notFoundHandler: RequestHandler = (req, res) =>
  sendProblem(res, 404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`);

/**
 * Maps errors to problem+json. AppErrors carry their own status and code; body-parser's errors
 * (bad JSON, too large, wrong charset) are the client's fault and answer 4xx; anything else is
 * logged with its cause and answers a 500 that reveals nothing.
 */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (res.headersSent) return;
    if (error instanceof AppError) {
      if (error.status >= 500) logger.error({ err: error, path: req.path }, error.message);
      const extra: Record<string, unknown> = {};
      if (error.errors) extra.errors = error.errors;
      if (error.title) extra.title = error.title;
      return sendProblem(res, error.status, error.code, error.message, extra);
    }
    const status =
      typeof error?.status === 'number' ? error.status : typeof error?.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      const code =
        error.type === 'entity.too.large'
          ? 'PAYLOAD_TOO_LARGE'
          : error.type === 'entity.parse.failed'
            ? 'MALFORMED_JSON'
            : 'BAD_REQUEST';
      const detail = code === 'MALFORMED_JSON' ? 'The request body is not valid JSON' : String(error.message);
      return sendProblem(res, status, code, detail);
    }
    logger.error({ err: error, path: req.path, method: req.method }, 'unhandled error');
    return sendProblem(res, 500, 'INTERNAL', 'Something went wrong on our side; it was logged');
  };
}
