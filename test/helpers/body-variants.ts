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
      body: { raw: withProtoField(example), contentType: json },
      expect: 400,
      field: '__proto__',
    });
  }
  return variants;
}

/** The example's JSON text with a leading `"__proto__"` member (JSON.stringify cannot write one). */
function withProtoField(example: Record<string, unknown>): string {
  const members = JSON.stringify(example).slice(1, -1);
  return `{"__proto__":{"isAdmin":true}${members ? `,${members}` : ''}}`;
}

/** Bodies a client sends by mistake that carry no JSON object: never a 5xx, a problem when refused. */
export function missingBodies(example: Record<string, unknown>): BodyVariant[] {
  return [
    { label: 'no body', body: undefined, expect: 'refused-or-accepted' },
    {
      label: 'JSON sent as text/plain',
      body: { raw: JSON.stringify(example), contentType: 'text/plain' },
      expect: 'refused-or-accepted',
    },
  ];
}

/**
 * Each string field with a NUL character in it: PostgreSQL text cannot hold one (SQLSTATE 22021),
 * so a route that lets it through to the database answers 500 there. It may be refused or, where
 * the database can keep it, accepted. These may change things, so they run after the examples.
 */
export function nulVariants(example: Record<string, unknown>, options: { freeFields?: string[] } = {}): BodyVariant[] {
  return Object.entries(example)
    .filter(([field, value]) => typeof value === 'string' && !options.freeFields?.includes(field))
    .map(([field, value]) => ({
      label: `${field} with a NUL character`,
      body: { json: { ...example, [field]: `${value}\u0000x` } },
      expect: 'refused-or-accepted' as const,
    }));
}
