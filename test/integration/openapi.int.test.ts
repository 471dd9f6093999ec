import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../apps/core/error-codes.ts';
import { createApp } from '../../apps/server.ts';
import { AnswerLog, type RecordedAnswer, SecretLedger } from '../helpers/answer-log.ts';
import { axeViolations, describeViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchChromium } from '../helpers/browser.ts';
import { startConnector, type TestConnector } from '../helpers/connector.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { type AppRoute, listRoutes } from '../helpers/route-inventory.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { adminTokenFor, createFixtures, type Harness } from './api-robustness.fixtures.ts';
import { type Fixtures, paramsFor, ROUTES, type RouteSpec } from './api-robustness.routes.ts';
import { fillPath } from '../helpers/route-inventory.ts';

// CONTRACT "Operations and discovery": `GET /v1/openapi.json` describes every /v1 route (bodies,
// answers, problem codes, security schemes) as OpenAPI 3.1, and `GET /docs/api` renders it. Here a
// real connector answers every route with the example bodies of api-robustness.routes.ts, and
// every answer is checked with Ajv against the schema the document gives for its route and status.

/**
 * Routes whose example in api-robustness.routes.ts is refused on purpose (a made-up one-time
 * token, an app that does not exist) or that the fixtures leave nothing to act on; their refusals
 * are still checked against the document.
 */
const ROUTES_REFUSING_THEIR_EXAMPLE = new Set<string>([
  // Only after a member consented to an app in a browser (third-party-apps.int.test.ts does that).
  'DELETE /v1/auth/apps/:id',
  // Only a failed or dead delivery: the fixture's was delivered (409 DELIVERY_NOT_RETRYABLE).
  'POST /v1/deliveries/:id/retry',
]);

interface OpenApiOperation {
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}
type OpenApiPaths = Record<string, Record<string, OpenApiOperation>>;

/** `/v1/exports/{id}` → `/v1/exports/:id`. */
const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');
/** A JSON Pointer token (RFC 6901), %-encoded for a URI fragment. */
const pointerToken = (token: string) => encodeURIComponent(token.replace(/~/g, '~0').replace(/\//g, '~1'));

describe('the OpenAPI document and the API reference', () => {
  let connector: TestConnector;
  let provider: TestOidcProvider;
  let receiver: WebhookReceiver;
  let h: Harness;
  let f: Fixtures;
  let tokens: { admin: string; passwordMember: string };
  let document: { paths: OpenApiPaths; components: { schemas: Record<string, Record<string, unknown>> } };
  let documentText: string;
  let routes: AppRoute[];
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  const validators = new Map<string, ValidateFunction>();

  const specFor = (key: string): RouteSpec | undefined => ROUTES[key];

  beforeAll(async () => {
    connector = await startConnector();
    provider = await startOidcProvider({ redirectUri: connector.deps.config.redirectUri });
    const signingSecrets: string[] = [];
    receiver = await startWebhookReceiver({ secrets: () => signingSecrets, acceptToken: () => true });
    h = { connector, provider, log: new AnswerLog(connector.baseUrl), ledger: new SecretLedger(), signingSecrets };
    routes = listRoutes(createApp(connector.deps)).filter((route) => route.path.startsWith('/v1/'));
    const created = await createFixtures(h, receiver.url);
    f = created.fixtures;
    tokens = { admin: created.adminToken, passwordMember: created.passwordMemberToken };
    const answer = await fetch(`${connector.baseUrl}/v1/openapi.json`);
    documentText = await answer.text();
    document = JSON.parse(documentText);
    ajv.addSchema(document, 'openapi.json');
  }, 120_000);

  afterAll(async () => {
    await receiver?.close();
    await provider?.close();
    await connector?.close();
  });

  /** What is wrong with one answer of `route`, measured against the document ([] when nothing). */
  function judge(route: AppRoute, answer: RecordedAnswer): string[] {
    const where = `${answer.label} → ${answer.status}`;
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const operation = document.paths[path]?.[route.method.toLowerCase()];
    if (!operation) return [`${where}: the document has no ${route.key}`];
    const response = operation.responses[String(answer.status)];
    if (!response)
      return [`${where}: status ${answer.status} is not documented for ${route.key}: ${answer.text.slice(0, 300)}`];
    const mediaType = answer.contentType.split(';')[0]?.trim() ?? '';
    if (!answer.text) return response.content ? [`${where}: documented with a body, answered none`] : [];
    if (!response.content?.[mediaType]) return [`${where}: ${mediaType} is not documented for this status`];
    const pointer = [
      'paths',
      path,
      route.method.toLowerCase(),
      'responses',
      String(answer.status),
      'content',
      mediaType,
      'schema',
    ]
      .map(pointerToken)
      .join('/');
    let validate = validators.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `openapi.json#/${pointer}` });
      validators.set(pointer, validate);
    }
    if (validate(mediaType.startsWith('text/') ? answer.text : answer.json)) return [];
    const errors = (validate.errors ?? []).map(
      (e) => `${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`,
    );
    return [
      `${where}: does not match its schema:\n  ${errors.slice(0, 8).join('\n  ')}\n  body: ${answer.text.slice(0, 400)}`,
    ];
  }

  async function call(
    route: AppRoute,
    label: string,
    token?: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) {
    const spec = specFor(route.key) ?? { access: 'group' };
    const path = fillPath(route, paramsFor(route, spec, f));
    return h.log.call(route.method, path, {
      token,
      headers,
      body: body === undefined ? undefined : { json: body },
      label: `${route.key} (${label})`,
    });
  }

  it('serves a valid OpenAPI 3.1 document, publicly, cacheable and revalidated by its ETag', async () => {
    const answer = await fetch(`${connector.baseUrl}/v1/openapi.json`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
    const etag = answer.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    expect(await answer.text()).toBe(documentText);
    const again = await fetch(`${connector.baseUrl}/v1/openapi.json`, { headers: { 'if-none-match': etag ?? '' } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    const validator = new Validator();
    const result = await validator.validate(JSON.parse(documentText));
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(JSON.parse(documentText).servers).toEqual([{ url: connector.deps.config.PUBLIC_URL }]);
  });

  it('describes exactly the /v1 routes the router has', () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${expressPath(path)}`),
    );
    const inRouter = new Set(routes.map((route) => route.key));
    const undocumented = routes.filter((route) => !documented.includes(route.key)).map((r) => `undocumented: ${r.key}`);
    const stale = documented
      .filter((key) => !inRouter.has(key))
      .map((key) => `documented but the router has no ${key}`);
    expect([...undocumented, ...stale]).toEqual([]);
    expect(routes.length).toBeGreaterThan(45);
  });

  it('gives every answer a schema: no empty schema, every object naming its fields', () => {
    const empty: string[] = [];
    const resolve = (schema: Record<string, unknown>) => {
      const ref = schema.$ref as string | undefined;
      return ref ? (document.components.schemas[decodeURIComponent(ref.split('/').pop() ?? '')] ?? {}) : schema;
    };
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          for (const [type, media] of Object.entries(response.content ?? {})) {
            const schema = resolve(media.schema);
            const where = `${method.toUpperCase()} ${path} ${status} ${type}`;
            const variants = ((schema.anyOf ?? schema.oneOf ?? [schema]) as Record<string, unknown>[]).map(resolve);
            for (const variant of variants) {
              if (!variant.type && !variant.const && !variant.enum) empty.push(`${where}: a schema without a type`);
              if (variant.type === 'object' && !variant.properties) empty.push(`${where}: an object without fields`);
            }
          }
          if (Number(status) < 300 && status !== '204' && !response.content)
            empty.push(`${method} ${path} ${status}: no body`);
        }
      }
    }
    expect(empty).toEqual([]);
  });

  it('matches every answer a real connector gives, refusals included, to its documented schema', async () => {
    const failures: string[] = [];
    const checked = routes.filter((route) => specFor(route.key));
    const untabled = routes.filter((route) => !specFor(route.key));
    expect(
      untabled.map((r) => r.key),
      'routes without an example in api-robustness.routes.ts',
    ).toEqual([]);
    let judged = 0;
    const succeeded = new Set<string>();
    const check = (route: AppRoute, answer: RecordedAnswer) => {
      judged++;
      if (answer.status < 400) succeeded.add(route.key);
      failures.push(...judge(route, answer));
    };
    const callerToken = async (spec: RouteSpec) => {
      if (spec.access === 'public') return undefined;
      if (spec.caller === 'fresh-admin') return adminTokenFor(h, f.group);
      return spec.caller === 'password-member' ? tokens.passwordMember : tokens.admin;
    };

    // Without a credential: every route that needs one refuses with a documented 401.
    for (const route of checked) {
      if (specFor(route.key)?.access === 'public') continue;
      check(route, await call(route, 'no credential', undefined, specFor(route.key)?.bodies?.(f)[0]));
    }
    // Reads, then changes with every example body, then deletions (the export last), then reads again.
    const reads = checked.filter((route) => route.method === 'GET');
    const changes = checked.filter((route) => !['GET', 'DELETE'].includes(route.method));
    const deletions = checked
      .filter((route) => route.method === 'DELETE')
      .sort((a, b) => Number(a.path === '/v1/exports/:id') - Number(b.path === '/v1/exports/:id'));
    for (const route of reads)
      check(route, await call(route, 'read', await callerToken(specFor(route.key) as RouteSpec)));
    for (const route of changes) {
      const spec = specFor(route.key) as RouteSpec;
      const examples = spec.bodies?.(f) ?? [undefined];
      for (const example of examples) check(route, await call(route, 'example', await callerToken(spec), example));
    }
    // Successes the table's examples cannot reach: a set-password link, a notification test, an app.
    const byKey = (key: string) => checked.find((route) => route.key === key) as AppRoute;
    const answered = (key: string) => h.log.answers.filter((a) => a.label.startsWith(`${key} (`) && a.status < 300);
    const link = answered('POST /v1/groups/:group/members')
      .map((a) => (a.json as { setPasswordUrl?: string | null }).setPasswordUrl)
      .find(Boolean);
    const setup = { token: new URL(String(link)).hash.replace('#token=', ''), password: 'a long enough password' };
    check(
      byKey('POST /v1/auth/password-setup'),
      await call(byKey('POST /v1/auth/password-setup'), 'link', undefined, setup),
    );
    const notifications = byKey('PUT /v1/groups/:group/notifications');
    const webhook = await call(notifications, 'webhook again', tokens.admin, { webhookUrl: f.webhookUrl });
    h.signingSecrets.push(String((webhook.json as { signingSecret?: string }).signingSecret));
    check(notifications, webhook);
    const test = byKey('POST /v1/groups/:group/notifications/test');
    check(test, await call(test, 'to the webhook', tokens.admin));
    const app = answered('POST /v1/apps').map((a) => (a.json as { id: string }).id)[0];
    const deleteApp = byKey('DELETE /v1/apps/:id');
    const deleted = await h.log.call('DELETE', `/v1/apps/${app}`, {
      token: tokens.admin,
      label: 'DELETE /v1/apps/:id (registered)',
    });
    check(deleteApp, deleted);
    for (const route of deletions)
      check(route, await call(route, 'delete', await callerToken(specFor(route.key) as RouteSpec)));
    for (const route of reads)
      check(route, await call(route, 'read again', await callerToken(specFor(route.key) as RouteSpec)));
    // The document's own 304.
    const openapi = checked.find((route) => route.key === 'GET /v1/openapi.json') as AppRoute;
    const etag = (await fetch(`${connector.baseUrl}/v1/openapi.json`)).headers.get('etag') ?? '';
    check(openapi, await call(openapi, 'if-none-match', undefined, undefined, { 'if-none-match': etag }));

    expect(failures, failures.join('\n')).toEqual([]);
    expect(judged).toBeGreaterThan(100);
    // Each route's success answer was seen, but those whose example is meant to be refused.
    const refusedByDesign = ROUTES_REFUSING_THEIR_EXAMPLE;
    const neverSucceeded = checked.map((r) => r.key).filter((key) => !succeeded.has(key) && !refusedByDesign.has(key));
    expect(neverSucceeded, 'routes whose success answer was never checked').toEqual([]);
    const statuses = new Set(h.log.answers.map((a) => a.status));
    for (const status of [200, 201, 202, 204, 302, 304, 401, 404]) expect(statuses, String(status)).toContain(status);
  }, 180_000);

  it('points every problem type, and every code of the registry, at a page the connector serves', async () => {
    const base = connector.deps.config.PUBLIC_URL;
    const types = new Set(documentText.match(new RegExp(`${base}/docs/errors/[A-Z_]+`, 'g')) ?? []);
    for (const code of errorCodes()) types.add(`${base}/docs/errors/${code}`);
    expect(types.size).toBeGreaterThanOrEqual(errorCodes().length);
    const missing: string[] = [];
    for (const url of types) {
      const page = await fetch(url);
      const type = page.headers.get('content-type') ?? '';
      if (page.status !== 200 || !type.startsWith('text/html')) missing.push(`${url} → ${page.status} ${type}`);
    }
    expect(missing).toEqual([]);
  });

  describe('the reference page in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('is linked from the error codes, shows every operation, has no axe violations and fits 390 px', async () => {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      const errors = collectPageErrors(page, connector.baseUrl);
      await page.goto(`${connector.baseUrl}/docs/errors`);
      await page.getByRole('link', { name: 'API reference' }).click();
      await page.waitForURL(`${connector.baseUrl}/docs/api`);
      await expectVisible(page.getByRole('heading', { level: 1, name: 'API reference' }));
      await expectVisible(page.getByRole('heading', { level: 2, name: 'Exports' }));
      const exportHeading = page.getByRole('heading', { level: 3, name: 'GET /v1/exports/{id}', exact: true });
      await expectVisible(exportHeading);
      const card = page.getByRole('article', { name: 'GET /v1/exports/{id}', exact: true });
      await expectVisible(card.getByText('Privilege'));
      await expectVisible(card.getByText('exports:read', { exact: true }));
      await expectVisible(card.getByText('retrySchedule', { exact: true }));
      await expectVisible(card.getByRole('link', { name: 'TOKEN_MISSING' }));
      const headings = await page.getByRole('heading', { level: 3 }).allTextContents();
      const operations = Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(headings.map((text) => text.replace(/\s+/g, ' ').trim()).sort()).toEqual(operations.sort());

      // Served by the connector alone: every stylesheet and script from its own origin, no inline style.
      // The test's tsconfig has no DOM types: the page-side code is given as text.
      const assets = (await page.evaluate(
        `[...document.querySelectorAll('link[href], script[src], [style]')].map((el) => el.href || el.src || 'inline style')`,
      )) as string[];
      for (const asset of assets) expect(asset.startsWith(connector.baseUrl), asset).toBe(true);
      const overflow = (await page.evaluate(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      )) as number;
      expect(overflow, 'horizontal scrolling at 390 px').toBeLessThanOrEqual(0);
      const violations = await axeViolations(page);
      expect(violations, describeViolations(violations)).toEqual([]);

      await card.getByRole('link', { name: 'TOKEN_MISSING' }).click();
      await page.waitForURL(`${connector.baseUrl}/docs/errors/TOKEN_MISSING`);
      await expectVisible(page.getByRole('heading', { level: 1, name: 'TOKEN_MISSING' }));
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);
  });
});

async function expectVisible(locator: { waitFor(options: { state: 'visible'; timeout: number }): Promise<void> }) {
  await locator.waitFor({ state: 'visible', timeout: 10_000 });
}
