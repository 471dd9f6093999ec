/** A field problem reported in a problem+json `errors[]` entry. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Every error the connector raises on purpose: a stable `code`, the HTTP status the API maps it
 * to, a message safe to show to the caller, and the original cause kept for the logs.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    options: { cause?: unknown; errors?: FieldError[]; title?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.errors = options.errors;
    this.title = options.title;
  }
  readonly errors: FieldError[] | undefined;
  readonly title: string | undefined;
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} was not found`, 404);
export const forbidden = (message = 'You do not have the privilege for this action') =>
  new AppError('FORBIDDEN', message, 403);
export const unauthorized = (code: string, message: string) => new AppError(code, message, 401);
export const validationFailed = (errors: FieldError[]) =>
  new AppError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), 400, {
    errors,
    title: 'The request is not valid',
  });
