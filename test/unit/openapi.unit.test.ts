import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../apps/core/error-codes.ts';
import { buildOpenApiDocument, V1_ROUTES } from '../../apps/api/openapi/document.ts';
import { problemCodes } from '../../apps/api/openapi/problems.ts';
import { openApiPath, routeKey } from '../../apps/api/openapi/registry.ts';
import { apiReferencePage, type OpenApiDocument } from '../../apps/docs/api-reference/page.ts';

// The OpenAPI document built from the route registry (apps/api/openapi/), without a connector:
// valid OpenAPI 3.1, one operation per route, every answer with a schema, problems by status.

const PUBLIC_URL = 'https://connector.example.com';
const document = buildOpenApiDocument(PUBLIC_URL);
type Operation = {
  operationId: string;
  parameters?: { in: string; name: string }[];
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
};
const operations = () =>
  Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(([method, op]) => ({ path, method, op })),
  );

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(JSON.stringify(document)));
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has one operation per registered route, each with a unique operationId and its path parameters', () => {
    const keys = V1_ROUTES.map(routeKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(operations()).toHaveLength(V1_ROUTES.length);
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const route of V1_ROUTES) {
      const op = operations().find(
        (o) => o.path === openApiPath(route.path) && o.method === route.method.toLowerCase(),
      );
      expect(op, routeKey(route)).toBeDefined();
      const inPath = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
      const declared = (op?.op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(declared, routeKey(route)).toEqual(inPath);
    }
  });

  it('gives every answer with a body a schema that names its fields, and bodiless answers none', () => {
    const problems: string[] = [];
    for (const { path, method, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        const where = `${method.toUpperCase()} ${path} ${status}`;
        const bodiless = ['204', '304'].includes(status);
        const media = Object.entries(response.content ?? {});
        if (status === '302') {
          if (media.some(([type]) => type !== 'text/plain')) problems.push(`${where} answers more than a line of text`);
          continue;
        }
        if (bodiless) {
          if (media.length) problems.push(`${where} has a body`);
          continue;
        }
        if (!media.length) problems.push(`${where} has no body schema`);
        for (const [type, { schema }] of media) {
          if (Object.keys(schema).length === 0) problems.push(`${where} ${type} is an empty schema`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('answers each problem code under its registry status, with its page as `type`', () => {
    for (const route of V1_ROUTES) {
      const op = operations().find(
        (o) => o.path === openApiPath(route.path) && o.method === route.method.toLowerCase(),
      );
      for (const code of problemCodes(route)) {
        const status = String(ERROR_CODES[code].status);
        const text = JSON.stringify(op?.op.responses[status]);
        expect(text, `${routeKey(route)} ${code}`).toContain(`Problem.${code}`);
      }
    }
    const problem = document.components?.schemas?.['Problem.TOKEN_MISSING'] as {
      properties: Record<string, { const?: unknown }>;
    };
    expect(problem.properties.type?.const).toBe(`${PUBLIC_URL}/docs/errors/TOKEN_MISSING`);
    expect(problem.properties.status?.const).toBe(401);
  });

  it('names the four ways to call the API', () => {
    const schemes = document.components?.securitySchemes ?? {};
    expect(schemes).toMatchObject({
      bearerToken: { type: 'http', scheme: 'bearer' },
      consoleSession: { type: 'apiKey', in: 'cookie', name: 'authtoken' },
      csrfToken: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
      apiKeySignature: { type: 'apiKey', in: 'header', name: 'Authorization' },
      thirdPartyApps: {
        type: 'oauth2',
        flows: {
          authorizationCode: {
            authorizationUrl: `${PUBLIC_URL}/oauth2/authorize`,
            tokenUrl: `${PUBLIC_URL}/oauth2/token`,
          },
        },
      },
    });
    const me = operations().find((o) => o.path === '/v1/auth/me')?.op as unknown as { security: unknown[] };
    expect(me.security.length).toBeGreaterThan(1);
    const signIn = operations().find((o) => o.path === '/v1/auth/token')?.op as unknown as { security: unknown[] };
    expect(signIn.security).toEqual([]);
  });
});

describe('the API reference page', () => {
  const page = apiReferencePage(buildOpenApiDocument('') as unknown as OpenApiDocument, '/v1/openapi.json');

  it('shows every operation with its method and path, and links problem codes to their pages', () => {
    for (const route of V1_ROUTES) {
      expect(page, routeKey(route)).toContain(
        `>${route.method}</span> <code class="api-path">${openApiPath(route.path)}</code>`,
      );
    }
    expect(page).toContain('href="/docs/errors/TOKEN_MISSING"');
    expect(page).toContain('href="/v1/openapi.json"');
  });

  it('has no inline script or style (the CSP allows neither)', () => {
    expect(page).not.toMatch(/<script|<style|style=/);
  });
});
