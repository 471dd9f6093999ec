import type { RequestBody } from './answer-log.ts';

/** One broken version of a valid request body, and the answer it must get. */
export interface BodyVariant {
  label: string;
  body: RequestBody;
  /** The status it must answer, or `refused-or-accepted`: anything but a 5xx (a refusal as problem+json). */
  expect: 400 | 413 | 'client-error' | 'refused-or-accepted';
  /** The field `errors[]` must name (a nested path such as `privileges.0` counts for `privileges`). */
  field?: string;
}

const json = 'application/json';

/** Bodies that are not a JSON object at all, too large, or in a charset JSON does not allow. */
export function notAnObject(example: Record<string, unknown>, limitBytes = 1024 * 1024): BodyVariant[] {
  return [
    { label: 'invalid JSON', body: { raw: '{"name": "unterminated', contentType: json }, expect: 400 },
    { label: 'a JSON array', body: { json: [example] }, expect: 400, field: 'body' },
    { label: 'a JSON string', body: { raw: '"just a string"', contentType: json }, expect: 400 },
    { label: 'JSON null', body: { raw: 'null', contentType: json }, expect: 400 },
    { label: 'a JSON number', body: { raw: '42', contentType: json }, expect: 400 },
    {
      label: 'a body over the size limit',
      body: { json: { ...example, padding: 'x'.repeat(limitBytes + 1024) } },
      expect: 413,
    },
    // RFC 8259 §8.1: JSON is UTF-8; body-parser refuses other charsets with 415.
    {
      label: 'JSON in ISO-8859-1',
      body: { raw: JSON.stringify(example), contentType: `${json}; charset=iso-8859-1` },
      expect: 'client-error',
    },
  ];
}

/** A value of another JSON type than `value` (undefined for null: any type may be the right one). */
export function otherType(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return 'not a number';
  if (typeof value === 'boolean') return 'yes';
  if (Array.isArray(value)) return 42;
  if (value && typeof value === 'object') return 'not an object';
  return undefined;
}

/**
 * For each field of a valid body (but `freeFields`, whose value may be any JSON): the body with
 * that field of the wrong type, and for a non-empty array, with an element of the wrong type.
 * Unless `openObject`, also the body with a field the route does not know, and with `__proto__`.
 */
export function fieldVariants(
  example: Record<string, unknown>,
  options: { freeFields?: string[]; openObject?: boolean } = {},
): BodyVariant[] {
  const variants: BodyVariant[] = [];
  for (const [field, value] of Object.entries(example)) {
    if (options.freeFields?.includes(field)) continue;
    const wrong = otherType(value);
    if (wrong === undefined) continue;
    const label = `${field} as ${JSON.stringify(wrong)}`;
    variants.push({ label, body: { json: { ...example, [field]: wrong } }, expect: 400, field });
    if (Array.isArray(value) && value.length > 0) {
      const element = otherType(value[0]) ?? 'not an element';
      variants.push({
        label: `${field} with an element ${JSON.stringify(element)}`,
        body: { json: { ...example, [field]: [element] } },
        expect: 400,
        field,
      });
    }
  }
  if (!options.openObject) {
    variants.push({
      label: 'an unknown field',
      body: { json: { ...example, unexpectedField: 'surprise' } },
      expect: 400,
      field: 'unexpectedField',
    });
    // JSON.parse makes `__proto__` an own property; it must be refused like any unknown field, not merged.
    variants.push({
      label: 'a __proto__ field',
      body: { raw: withFirstMember(example, '"__proto__":{"isAdmin":true}'), contentType: json },
      expect: 400,
      field: '__proto__',
    });
  }
  return variants;
}

/** The example's JSON text with a first member written as given (JSON.stringify cannot write `__proto__`). */
function withFirstMember(example: Record<string, unknown>, member: string): string {
  const members = JSON.stringify(example).slice(1, -1);
  return `{${member}${members ? `,${members}` : ''}}`;
}

/**
 * Bodies a client sends by mistake or malice that are no field problem of their own: no body, JSON
 * under another content type, a value nested 10,000 deep (recursive code over it overflows the
 * stack). Never a 5xx; a problem when refused.
 */
export function missingBodies(example: Record<string, unknown>): BodyVariant[] {
  const deep = withFirstMember(example, `"nested":${'['.repeat(10_000)}${']'.repeat(10_000)}`);
  return [
    { label: 'no body', body: undefined, expect: 'refused-or-accepted' },
    { label: 'a value nested 10,000 deep', body: { raw: deep, contentType: json }, expect: 'refused-or-accepted' },
    {
      label: 'JSON sent as text/plain',
      body: { raw: JSON.stringify(example), contentType: 'text/plain' },
      expect: 'refused-or-accepted',
    },
  ];
}

/**
 * Each string field with a NUL character in it: PostgreSQL text cannot hold one (SQLSTATE 22021),
 * so the API refuses it with 400 naming the field, on both databases alike. In free fields (an
 * engagement's own data, kept as the JSON text received) it may be accepted.
 */
export function nulVariants(example: Record<string, unknown>, options: { freeFields?: string[] } = {}): BodyVariant[] {
  return (
    Object.entries(example)
      // Only values that hold text can carry a NUL (an array of numbers has nowhere to put one).
      .filter(
        ([, value]) => typeof value === 'string' || (Array.isArray(value) && value.some((v) => typeof v === 'string')),
      )
      .map(([field, value]) => {
        const free = options.freeFields?.includes(field) ?? false;
        return {
          label: `${field} with a NUL character`,
          body: { json: { ...example, [field]: withNul(value) } },
          ...(free ? { expect: 'refused-or-accepted' as const } : { expect: 400 as const, field }),
        };
      })
  );
}

function withNul(value: unknown): unknown {
  if (typeof value === 'string') return `${value}\u0000x`;
  return Array.isArray(value) ? value.map(withNul) : value;
}
