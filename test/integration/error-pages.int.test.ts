import { describe, expect } from 'vitest';
import { ERROR_CODES, errorCodes } from '../../apps/core/error-codes.ts';
import { test } from '../helpers/fixtures.ts';

// docs/operations.md: each problem's `type` resolves to a page the connector
// serves. RFC 9457 §3.1.1: a `type` is resolved against the answer's URL when relative.

test.override('connectorOptions', { workers: false });

/** HTML-escaped the way apps/http/views/html.ts escapes text. */
const escaped = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

describe('the error pages', () => {
  test('every code of the registry has a page that names it, its status and its title', async ({ connector }) => {
    const index = await fetch(`${connector.baseUrl}/docs/errors`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    const indexText = await index.text();
    for (const code of errorCodes()) {
      expect(indexText).toContain(`/docs/errors/${code}`);
      const page = await fetch(`${connector.baseUrl}/docs/errors/${code}`);
      expect(page.status, code).toBe(200);
      const text = await page.text();
      expect(text).toContain(`>${code}</h1>`);
      expect(text).toContain(`<dd>${ERROR_CODES[code].status}</dd>`);
      expect(text).toContain(escaped(ERROR_CODES[code].title));
    }
  });

  test('a problem answer’s type, fetched, is the page of its code', async ({ connector }) => {
    const answer = await fetch(`${connector.baseUrl}/v1/exports`);
    expect(answer.status).toBe(401);
    const problem = (await answer.json()) as { type: string; title: string; code: string };
    expect(problem.code).toBe('TOKEN_MISSING');
    expect(problem.title).toBe(ERROR_CODES.TOKEN_MISSING.title);
    // Absolute, under PUBLIC_URL, so a client can fetch it without a base (apps/http/problem.ts).
    expect(problem.type).toBe(`${connector.deps.config.PUBLIC_URL}/docs/errors/${problem.code}`);
    const typeUrl = new URL(problem.type, answer.url);
    expect(typeUrl.origin).toBe(new URL(connector.deps.config.PUBLIC_URL).origin);
    const page = await fetch(typeUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('TOKEN_MISSING');
  });

  test('an unknown code is a 404 problem, and the pages need no credential and carry the CSP', async ({
    connector,
  }) => {
    const unknown = await fetch(`${connector.baseUrl}/docs/errors/NO_SUCH_CODE`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await unknown.json()) as { code: string }).code).toBe('NOT_FOUND');
    const page = await fetch(`${connector.baseUrl}/docs/errors/RATE_LIMITED`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).not.toMatch(/<script|<style|style=/);
  });
});
