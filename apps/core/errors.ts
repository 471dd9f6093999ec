import { type CodeWithStatus, ERROR_CODES, type ErrorCode, isErrorCode, type StatusOf } from './error-codes.ts';

export type { ErrorCode } from './error-codes.ts';

/** A field problem reported in a problem+json `errors[]` entry. */
export interface FieldError {
  field: string;
  message: string;
}

/** What an AppError may carry besides its code, message and status. */
export interface AppErrorOptions {
  cause?: unknown;
  errors?: FieldError[];
  /** Overrides the registry's title for this one answer (RFC 9457 §3.1.3 prefers the registry's). */
  title?: string;
}

/**
 * Every error the connector raises on purpose: a stable `code` from the registry
 * (apps/core/error-codes.ts), the HTTP status the API maps it to, a message safe to show to the
 * caller, and the original cause kept for the logs.
 */
class AppErrorClass extends Error {
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly title: string | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    status?: number,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // A code outside the registry gets past the types only through plain JavaScript or a cast: 500.
    this.status = status ?? (isErrorCode(code) ? ERROR_CODES[code].status : 500);
    this.errors = options.errors;
    this.title = options.title;
  }
}

/**
 * How `new AppError(code, message, status?, options?)` is typed: the code must be in the registry
 * and an explicit status must be the registry's status for that code (a literal `C` is inferred
 * at each call), so the two cannot disagree. A class's own constructor cannot take a type
 * parameter, hence this construct signature over the class above (lib.es5.d.ts types `Error`
 * the same way, as an interface and a const). Subclasses write `extends AppError<'THEIR_CODE'>`
 * for the same check; plain `extends AppError` checks only that the status is some code's.
 */
export interface AppErrorConstructor {
  new <C extends ErrorCode = ErrorCode>(
    code: C,
    message: string,
    status?: StatusOf<C>,
    options?: AppErrorOptions,
  ): AppErrorClass;
  readonly prototype: AppErrorClass;
}

export const AppError: AppErrorConstructor = AppErrorClass;
export type AppError = AppErrorClass;

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} was not found`);
export const forbidden = (message = 'You do not have the privilege for this action') =>
  new AppError('FORBIDDEN', message);
/** The codes a 401 refusal may carry (`unauthorized()`, SSO and login refusals). */
export type UnauthorizedCode = CodeWithStatus<401>;

/** A 401 refusal: only codes whose registry status is 401 are accepted. */
export const unauthorized = (code: UnauthorizedCode, message: string) => new AppError(code, message);
export const validationFailed = (errors: FieldError[]) =>
  new AppError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), 400, { errors });
