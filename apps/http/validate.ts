import type { z } from 'zod';
import { validationFailed, type FieldError } from '../core/errors.ts';
import { nulCharacterErrors } from './nul-characters.ts';

/** Turns zod issues into problem+json field errors (`field` is a dotted path, `body` for the whole). */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.join(', '), message: 'unknown field' };
    }
    const field = issue.path.length ? issue.path.join('.') : 'body';
    return { field, message: issue.message };
  });
}

/** Parses a request part with a zod schema or throws a 400 naming every bad field (a NUL character too). */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationFailed(fieldErrors(result.error));
  const nul = nulCharacterErrors(schema, result.data);
  if (nul.length) throw validationFailed(nul);
  return result.data;
}
