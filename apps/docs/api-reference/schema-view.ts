import { html, type SafeHtml } from '../../http/views/html.ts';

// Renders the JSON Schemas of the OpenAPI document (3.1: JSON Schema 2020-12) as nested lists a
// person reads: each field with its type, whether it is required, its limits and description.

/** A JSON Schema as the document holds it (only the keywords shown here are read). */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  title?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  default?: unknown;
}

/** Resolves `#/components/schemas/<name>` references against the document's components. */
export type Resolve = (ref: string) => { name: string; schema: Schema } | undefined;

/** Nesting shown at most; deeper parts are named by their type only (the document has them all). */
const MAX_DEPTH = 5;

/** A schema as a block: an object's fields, a union's variants, or a one-line type. */
export function schemaBlock(schema: Schema, resolve: Resolve, depth = 0): SafeHtml {
  const target = deref(schema, resolve);
  const nested = children(target.schema, resolve, depth);
  return html`<div class="schema"><p class="schema-type">${typeText(schema, resolve)}</p>${notes(target.schema)}${nested}</div>`;
}

function deref(schema: Schema, resolve: Resolve): { name?: string; schema: Schema } {
  if (!schema.$ref) return { schema };
  const found = resolve(schema.$ref);
  return found ? { name: found.name, schema: { ...found.schema, ...withoutRef(schema) } } : { schema };
}

function withoutRef(schema: Schema): Schema {
  const { $ref: _ref, ...rest } = schema;
  return rest;
}

/** The parts of a schema shown below its type line: fields, items' fields or variants. */
function children(schema: Schema, resolve: Resolve, depth: number): SafeHtml | undefined {
  if (depth >= MAX_DEPTH) return undefined;
  const variants = nonNull(schema.anyOf ?? schema.oneOf);
  if (variants && variants.length === 1 && variants[0])
    return children(deref(variants[0], resolve).schema, resolve, depth);
  if (variants && variants.length > 1) {
    return html`<ol class="variants">${variants.map(
      (variant) => html`<li>${schemaBlock(variant, resolve, depth + 1)}</li>`,
    )}</ol>`;
  }
  if (schema.properties) return fieldList(schema, resolve, depth);
  if (schema.items) {
    const item = deref(schema.items, resolve).schema;
    return children(item, resolve, depth);
  }
  return undefined;
}

function fieldList(schema: Schema, resolve: Resolve, depth: number): SafeHtml {
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {});
  return html`<ul class="fields">${entries.map(([name, field]) => {
    const target = deref(field, resolve).schema;
    return html`<li><code class="field-name">${name}</code> <span class="field-type">${typeText(field, resolve)}</span>${
      required.has(name) ? html` <span class="field-required">required</span>` : ''
    }${notes(target)}${children(target, resolve, depth + 1)}</li>`;
  })}${
    schema.additionalProperties === true || (typeof schema.additionalProperties === 'object' && !schema.properties)
      ? html`<li class="muted">Other fields: any JSON</li>`
      : ''
  }</ul>`;
}

/** The short type of a schema: `string (date-time)`, `array of Export`, `"a" | "b"`, `integer or null`. */
export function typeText(schema: Schema, resolve: Resolve): string {
  if (schema.$ref) {
    const target = resolve(schema.$ref);
    if (!target) return 'object';
    // A named scalar (an enum such as DeliveryStatus) shows its values; a named object its name.
    const scalar = !target.schema.properties && !target.schema.anyOf && !target.schema.oneOf;
    return scalar ? typeText(target.schema, resolve) : target.name;
  }
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const texts = [...new Set(variants.map((v) => (isNull(v) ? 'null' : typeText(v, resolve))))];
    return texts.length > 3 ? `one of ${texts.length} shapes` : texts.join(' or ');
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  // A titled variant of a union (a credential kind of the sign-in body) is named by its title.
  if (schema.title && types.includes('object')) return `${schema.title}: object`;
  const text = types
    .map((type) => {
      if (type === 'array') return `array of ${schema.items ? typeText(schema.items, resolve) : 'any'}`;
      if (type === 'string' && schema.format) return `string (${schema.format})`;
      if (type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object') {
        return `map of ${typeText(schema.additionalProperties, resolve) || 'any JSON'}`;
      }
      return type;
    })
    .join(' or ');
  return text || 'any JSON';
}

/** Limits, default and description, after the type. */
function notes(schema: Schema): SafeHtml {
  const limits = [
    range(schema.minLength, schema.maxLength, 'characters'),
    range(bound(schema.minimum), bound(schema.maximum), ''),
    range(schema.minItems, schema.maxItems, 'entries'),
    // A date-time's pattern says no more than its format.
    schema.pattern && !schema.format ? `matches ${schema.pattern}` : '',
    schema.default !== undefined ? `default ${JSON.stringify(schema.default)}` : '',
  ].filter(Boolean);
  return html`${limits.length ? html` <span class="field-limits">${limits.join(', ')}</span>` : ''}${
    schema.description ? html`<span class="field-description">${withCode(schema.description)}</span>` : ''
  }`;
}

/** `1–100 characters`, `at least 1 characters`, `at most 20 entries`, or nothing. */
function range(min: number | undefined, max: number | undefined, unit: string): string {
  const suffix = unit ? ` ${unit}` : '';
  if (min !== undefined && max !== undefined) return `${min}–${max}${suffix}`;
  if (min !== undefined) return `at least ${min}${suffix}`;
  if (max !== undefined) return `at most ${max}${suffix}`;
  return '';
}

/** zod writes the safe-integer range on every integer: no limit a reader needs. */
const bound = (value: number | undefined) =>
  value === undefined || Math.abs(value) >= Number.MAX_SAFE_INTEGER ? undefined : value;

const isNull = (schema: Schema) => schema.type === 'null';
const nonNull = (variants: Schema[] | undefined) => variants?.filter((v) => !isNull(v));

/** Text with its `backticked` parts as <code>, every part escaped. */
export function withCode(text: string): SafeHtml[] {
  return text.split('`').map((part, i) => (i % 2 ? html`<code>${part}</code>` : html`${part}`));
}
