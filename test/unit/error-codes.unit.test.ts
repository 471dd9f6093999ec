import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodePage, errorIndexPage } from '../../apps/docs/error-pages.ts';
import { ERROR_CODES, errorCodes, isErrorCode, problemTypeUrl } from '../../apps/core/error-codes.ts';
import { AppError, forbidden, notFound, unauthorized, validationFailed } from '../../apps/core/errors.ts';

/** Every .ts file under apps/ but the registry itself. */
function sourceFiles(dir = 'apps'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('error-codes.ts') ? [path] : [];
  });
}

describe('the error code registry', () => {
  it('gives every code an error status, a title and a description of one to three sentences', () => {
    for (const code of errorCodes()) {
      const { status, title, description } = ERROR_CODES[code];
      expect(code, code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(status >= 400 && status <= 599, `${code} status ${status}`).toBe(true);
      expect(title.length, `${code} title`).toBeGreaterThan(3);
      expect(description, `${code} description`).toMatch(/[.)]$/);
      expect(description.split(/[.!?] (?=[A-Z"`])/).length, `${code} description`).toBeLessThanOrEqual(3);
    }
  });

  it('has no entry that no source file raises (a code removed from the code goes from the registry too)', () => {
    const sources = sourceFiles()
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const unused = errorCodes().filter((code) => !sources.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });

  it('tells its codes from other strings', () => {
    expect(isErrorCode('TOKEN_MISSING')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('NO_SUCH_CODE')).toBe(false);
  });

  it('names each code’s page as the problem type, under the public URL when given', () => {
    expect(problemTypeUrl('TOKEN_MISSING')).toBe('/docs/errors/TOKEN_MISSING');
    expect(problemTypeUrl('TOKEN_MISSING', 'https://connector.example.com')).toBe(
      'https://connector.example.com/docs/errors/TOKEN_MISSING',
    );
  });
});

describe('AppError and the registry', () => {
  it('takes its status from the registry unless one is given, and keeps its cause', () => {
    const cause = new Error('underneath');
    const conflict = new AppError('LAST_ADMIN', 'keep one admin', undefined, { cause });
    expect(conflict.status).toBe(409);
    expect(conflict.cause).toBe(cause);
    expect(new AppError('DEPENDENCY_UNAVAILABLE', 'down').status).toBe(503);
    expect(new AppError('PRIVILEGE_EXCEEDED', 'no', 403).status).toBe(403);
    expect(unauthorized('TOKEN_EXPIRED', 'expired')).toMatchObject({ status: 401, code: 'TOKEN_EXPIRED' });
    expect(notFound('The export')).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(forbidden()).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(validationFailed([{ field: 'name', message: 'is required' }])).toMatchObject({ status: 400 });
    expect(new AppError('INTERNAL', 'x')).toBeInstanceOf(Error);
  });

  it('refuses, at typecheck, a code outside the registry or a status that is not the code’s', () => {
    // `npm run typecheck` rejects these lines; at run time an unknown code answers 500.
    // @ts-expect-error: not a registry code
    expect(new AppError('NO_SUCH_CODE', 'x').status).toBe(500);
    // @ts-expect-error: TOKEN_MISSING answers 401, not 400
    expect(new AppError('TOKEN_MISSING', 'x', 400).status).toBe(400);
    // @ts-expect-error: NOT_FOUND is no 401 refusal
    expect(unauthorized('NOT_FOUND', 'x').status).toBe(404);
  });
});

describe('the error pages', () => {
  it('list every code in the index, each linking to its page', () => {
    const index = errorIndexPage();
    for (const code of errorCodes()) expect(index).toContain(`href="/docs/errors/${code}"`);
  });

  it('show a code’s status and title, escaped, with no inline script or style', () => {
    const page = errorCodePage('CSRF_TOKEN_MISSING');
    expect(page).toContain('<h1 class="mono">CSRF_TOKEN_MISSING</h1>');
    expect(page).toContain('<dd>403</dd>');
    expect(page).toContain(`<dd>${ERROR_CODES.CSRF_TOKEN_MISSING.title}</dd>`);
    expect(page).toContain('<code>X-CSRF-Token</code>');
    expect(errorCodePage('INVALID_CREDENTIALS')).not.toMatch(/<script|<style|style=/);
    expect(errorCodePage('TOKEN_MISSING')).toContain('<code>Authorization: Bearer &lt;token&gt;</code>');
  });
});
