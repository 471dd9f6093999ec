import { rememberSecret } from './log-sink.ts';

/** One HTTP answer the test received, kept to be searched for secrets at the end. */
export interface RecordedAnswer {
  /** What was asked, e.g. `PATCH /v1/exports/exp_… (wrong type for name)`. */
  label: string;
  method: string;
  /** The path asked for (without the query), e.g. `/v1/exports/exp_…`. */
  path: string;
  status: number;
  contentType: string;
  /** The body as text, and parsed when it is JSON. */
  text: string;
  json: unknown;
  /** `Location`: redirects must not carry secrets either. */
  location: string | null;
  setCookies: string[];
}

/** How a request body is sent: a value as JSON, or raw text with its own content type. */
export type RequestBody = { json: unknown } | { raw: string; contentType?: string } | undefined;

export interface CallOptions {
  token?: string;
  body?: RequestBody;
  headers?: Record<string, string>;
  label?: string;
}

/**
 * Every answer a test received, in order. `call` is fetch with the answer read, parsed and kept;
 * `keep` adds an answer obtained elsewhere (a browser-like session), so the secret scan sees it.
 */
export class AnswerLog {
  readonly answers: RecordedAnswer[] = [];

  constructor(private readonly baseUrl: string) {}

  async call(method: string, path: string, options: CallOptions = {}): Promise<RecordedAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body && 'json' in options.body) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.body.json);
    } else if (options.body) {
      if (options.body.contentType) headers['content-type'] = options.body.contentType;
      body = options.body.raw;
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    return this.keep(options.label ?? `${method} ${path}`, method, res.url, res.status, res.headers, await res.text());
  }

  keep(label: string, method: string, url: string, status: number, headers: Headers, text: string): RecordedAnswer {
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const answer: RecordedAnswer = {
      label,
      method,
      path: new URL(url).pathname,
      status,
      contentType: headers.get('content-type') ?? '',
      text,
      json,
      location: headers.get('location'),
      setCookies: headers.getSetCookie(),
    };
    this.answers.push(answer);
    return answer;
  }
}

/** A secret the test knows, and the one answer allowed to show it (its documented one-time answer), if any. */
interface KnownSecret {
  label: string;
  value: string;
  origin: RecordedAnswer | undefined;
}

/**
 * The secrets a test created or was given (passwords, client secrets, signing secrets, API key and
 * partner secrets, authorization tokens, OAuth codes, verifiers, access and refresh tokens). Each is
 * also registered with `rememberSecret`, so the global teardown looks for it in the logs too.
 */
export class SecretLedger {
  private readonly secrets = new Map<string, KnownSecret>();

  /** Adds a secret; `origin` is the answer that legitimately carried it (kept from the first one given). */
  add(label: string, value: unknown, origin?: RecordedAnswer): void {
    if (typeof value !== 'string' || value.length < 8) return;
    rememberSecret(value);
    const known = this.secrets.get(value);
    if (!known) this.secrets.set(value, { label, value, origin });
    else if (!known.origin && origin) known.origin = origin;
  }

  get size(): number {
    return this.secrets.size;
  }

  /** The labels of the secrets that appear in `text` (a log, say), where none may. */
  foundIn(text: string): string[] {
    return [...this.secrets.values()].filter((s) => text.includes(s.value)).map((s) => s.label);
  }

  /** Each answer that shows a secret other than its own one-time answer, described for the failure message. */
  leaks(answers: RecordedAnswer[]): string[] {
    const found: string[] = [];
    for (const answer of answers) {
      const visible = `${answer.text}\n${answer.location ?? ''}`;
      for (const secret of this.secrets.values()) {
        if (secret.origin === answer || !visible.includes(secret.value)) continue;
        const where = secret.origin ? `besides its one-time answer (${secret.origin.label})` : 'and must never';
        found.push(`${answer.label} → ${answer.status} shows the ${secret.label} ${where}`);
      }
    }
    return found;
  }
}

/**
 * What is wrong with an error answer against docs/api/README.md (RFC 9457 problem+json with
 * `{type, title, status, detail, code}` and, when present, `errors[]` of `{field, message}`);
 * empty when nothing is.
 */
export function problemShapeErrors(answer: RecordedAnswer): string[] {
  const errors: string[] = [];
  if (!answer.contentType.startsWith('application/problem+json')) {
    errors.push(`content type is "${answer.contentType}", not application/problem+json`);
  }
  const body = answer.json as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return [...errors, `body is not a JSON object: ${answer.text.slice(0, 120)}`];
  for (const key of ['type', 'title', 'detail', 'code'] as const) {
    if (typeof body[key] !== 'string' || !body[key]) errors.push(`"${key}" is missing or not a string`);
  }
  if (body.status !== answer.status)
    errors.push(`"status" is ${String(body.status)}, the HTTP status ${answer.status}`);
  if (body.errors !== undefined) {
    const list = body.errors;
    const wellFormed =
      Array.isArray(list) &&
      list.every((e) => e && typeof e.field === 'string' && e.field && typeof e.message === 'string');
    if (!wellFormed) errors.push(`"errors" is not a list of {field, message}: ${JSON.stringify(list)}`);
  }
  return errors;
}

/** The `field` names of a problem's `errors[]` (unknown fields may be listed together, comma-separated). */
export function problemFields(answer: RecordedAnswer): string[] {
  const list = (answer.json as { errors?: { field?: unknown }[] } | undefined)?.errors;
  if (!Array.isArray(list)) return [];
  return list.flatMap((e) => (typeof e?.field === 'string' ? e.field.split(/,\s*/) : []));
}

/**
 * What is wrong with an answer, each described with its label: a status `expected` does not
 * allow (`want` says what was), a problem+json shape broken on an API error (browser pages such
 * as /oauth/callback answer theirs as HTML; HEAD has no body), or a 400 whose `errors[]` does not
 * name `field`. Empty when nothing is.
 */
export function judgeAnswer(
  answer: RecordedAnswer,
  expected: (status: number) => boolean,
  want: string,
  field?: string,
): string[] {
  const where = `${answer.label} → ${answer.status}`;
  const found: string[] = [];
  if (!expected(answer.status)) found.push(`${where}: expected ${want} (${answer.text.slice(0, 200)})`);
  const browserPage = !answer.path.startsWith('/v1/') && answer.contentType.startsWith('text/html');
  if (answer.status >= 400 && !browserPage && answer.method !== 'HEAD') {
    for (const e of problemShapeErrors(answer)) found.push(`${where}: ${e}`);
  }
  if (field && answer.status === 400) {
    const fields = problemFields(answer);
    if (!fields.some((name) => name === field || name.startsWith(`${field}.`))) {
      found.push(`${where}: errors[] should name "${field}" but names ${JSON.stringify(fields)}`);
    }
  }
  return found;
}
