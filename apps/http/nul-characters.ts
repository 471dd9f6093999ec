import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { type FieldError, validationFailed } from '../core/errors.ts';

// PostgreSQL `text` cannot hold U+0000 (SQLSTATE 22021 "invalid byte sequence for encoding UTF8:
// 0x00"), so a NUL that reaches a query fails there as a 500, while SQLite stores it. No name, id,
// URL or credential the API takes has a use for one: refuse it up front, on both databases alike,
// with a 400 that names the field.

const MESSAGE = 'must not contain a NUL character (U+0000)';

/**
 * The fields of a parsed value that hold a NUL character, as problem+json field errors. Only the
 * keys an object schema declares are looked at: the extra keys a loose schema keeps (an
 * engagement's own data) are stored as the JSON text received, where a NUL is just `\u0000`.
 */
export function nulCharacterErrors(schema: z.ZodType, value: unknown): FieldError[] {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  if (!shape || typeof value !== 'object' || value === null) return findNul(value, []);
  return Object.keys(shape).flatMap((key) => findNul((value as Record<string, unknown>)[key], [key]));
}

function findNul(value: unknown, path: (string | number)[]): FieldError[] {
  if (typeof value === 'string')
    return value.includes('\u0000') ? [{ field: path.join('.') || 'body', message: MESSAGE }] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => findNul(item, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [
      ...(key.includes('\u0000') ? [{ field: [...path, key].join('.'), message: `name ${MESSAGE}` }] : []),
      ...findNul(item, [...path, key]),
    ]);
  }
  return [];
}

/**
 * Refuses a URL whose path or query holds a percent-encoded NUL (`%00`) with 400 naming the query
 * parameter (or `path`), before any route decodes it into an id or a lookup.
 */
export const refuseNulInUrl: RequestHandler = (req, _res, next) => {
  const url = req.originalUrl;
  if (!url.includes('%00')) return next();
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const errors: FieldError[] = path.includes('%00') ? [{ field: 'path', message: MESSAGE }] : [];
  if (queryAt !== -1) {
    for (const [name, value] of new URLSearchParams(url.slice(queryAt + 1))) {
      if (name.includes('\u0000') || value.includes('\u0000'))
        errors.push({ field: name.replaceAll('\u0000', '') || 'query', message: MESSAGE });
    }
  }
  if (errors.length === 0) return next();
  throw validationFailed(errors);
};
