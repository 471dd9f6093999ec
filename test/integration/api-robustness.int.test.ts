import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../apps/server.ts';
import { signRequest } from '../../apps/core/auth/sign-request.ts';
import { AnswerLog, judgeAnswer, type RecordedAnswer, type RequestBody, SecretLedger } from '../helpers/answer-log.ts';
import { type BodyVariant, fieldVariants, missingBodies, notAnObject, nulVariants } from '../helpers/body-variants.ts';
import { startConnector, type TestConnector } from '../helpers/connector.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { type AppRoute, fillPath, listRoutes, pathParams } from '../helpers/route-inventory.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';
import {
  adminTokenFor,
  createFixtures,
  type Harness,
  harvest,
  ledgerStoredSecrets,
  sessionTokenOf,
} from './api-robustness.fixtures.ts';
import { type Fixtures, paramsFor, ROUTES, type RouteSpec } from './api-robustness.routes.ts';
import { groupSnapshot } from './api-robustness.snapshot.ts';

// Malformed bodies on every route answer 400 problem+json naming
// the field, never 500; no secret, token, code or verifier appears in any API answer; a group's
// token cannot read or change another group's things. The routes are walked from the running app,
// so a route added later is checked too (or the first test fails until it is in the table).

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

describe('every route of the API', () => {
  let connector: TestConnector;
  let provider: TestOidcProvider;
  let receiver: WebhookReceiver;
  let h: Harness;
  let f: Fixtures;
  let tokens: { admin: string; other: string; passwordMember: string; viewer: string };
  let otherKey: { id: string; secret: string };
  let routes: AppRoute[];
  const failures: string[] = [];

  /** The routes the table describes (the others fail the first test), with their spec. */
  const described = () =>
    routes.flatMap((route) => (ROUTES[route.key] ? [{ route, spec: ROUTES[route.key] as RouteSpec }] : []));

  async function callerToken(spec: RouteSpec): Promise<string | undefined> {
    if (spec.access === 'public' || spec.access === 'page') return undefined;
    if (spec.caller === 'fresh-admin') return adminTokenFor(h, f.group);
    return spec.caller === 'password-member' ? tokens.passwordMember : tokens.admin;
  }

  /** One request to a route, recorded, its one-time secrets harvested and its session cookie's token noted. */
  async function send(
    route: AppRoute,
    params: Record<string, string>,
    label: string,
    token?: string,
    body?: RequestBody,
  ) {
    const answer = await h.log.call(route.method, fillPath(route, params), {
      token,
      body,
      label: `${route.key} (${label})`,
    });
    harvest(h, route.key, answer);
    h.ledger.add('session token in the authtoken cookie', sessionTokenOf(answer));
    return answer;
  }

  /** One request signed with the other group's server API key (`Authorization: Signature …`), recorded. */
  async function sendSigned(route: AppRoute, params: Record<string, string>, label: string, example?: unknown) {
    const path = fillPath(route, params);
    const raw = example === undefined ? undefined : JSON.stringify(example);
    const authorization = await signRequest({
      keyId: otherKey.id,
      secret: otherKey.secret,
      method: route.method,
      url: path,
      body: raw,
    });
    const body = raw === undefined ? undefined : { raw, contentType: 'application/json' };
    return h.log.call(route.method, path, { body, headers: { authorization }, label: `${route.key} (${label})` });
  }

  /** Records what is wrong with an answer (see `judgeAnswer`). */
  function checkRefusal(answer: RecordedAnswer, expected: (status: number) => boolean, want: string, field?: string) {
    failures.push(...judgeAnswer(answer, expected, want, field));
  }

  /** Asserts nothing was recorded as wrong, listing everything at once, then starts afresh. */
  function expectNoFailures(): void {
    const found = failures.splice(0);
    expect(found, found.join('\n')).toEqual([]);
  }

  beforeAll(async () => {
    connector = await startConnector();
    provider = await startOidcProvider({ redirectUri: connector.deps.config.redirectUri });
    const signingSecrets: string[] = [];
    receiver = await startWebhookReceiver({ secrets: () => signingSecrets, acceptToken: () => true });
    h = { connector, provider, log: new AnswerLog(connector.baseUrl), ledger: new SecretLedger(), signingSecrets };
    routes = listRoutes(createApp(connector.deps));
    const created = await createFixtures(h, receiver.url);
    f = created.fixtures;
    tokens = {
      admin: created.adminToken,
      other: created.otherToken,
      passwordMember: created.passwordMemberToken,
      viewer: created.viewerToken,
    };
    otherKey = created.otherKey;
  });

  afterAll(async () => {
    await receiver?.close();
    await provider?.close();
    await connector?.close();
  });

  it('lists every route of the app in its table, with an example body for each route that takes one', () => {
    const missing = routes
      .filter((route) => !ROUTES[route.key])
      .map((route) =>
        WRITE_METHODS.has(route.method) && route.method !== 'DELETE'
          ? `add an example body for ${route.key} to test/integration/api-robustness.routes.ts (or list it without \`bodies\` if it takes none)`
          : `add ${route.key} to test/integration/api-robustness.routes.ts`,
      );
    const keys = new Set(routes.map((route) => route.key));
    const stale = Object.keys(ROUTES)
      .filter((key) => !keys.has(key))
      .map((key) => `remove ${key} from test/integration/api-robustness.routes.ts: the app has no such route`);
    expect(routes.length).toBeGreaterThan(40);
    expect([...missing, ...stale], [...missing, ...stale].join('\n')).toEqual([]);
  });

  it('answers 401 problem+json without a credential or with a forged one, and keeps console pages for the signed-in', async () => {
    for (const { route, spec } of described()) {
      const params = paramsFor(route, spec, f);
      const example = spec.bodies?.(f)[0];
      const body = example ? { json: example } : undefined;
      if (spec.access === 'public') {
        if (route.method === 'GET')
          checkRefusal(await send(route, params, 'no credential'), (s) => s < 500, 'an answer, not a 5xx');
        continue;
      }
      if (spec.access === 'page') {
        const page = await send(route, params, 'no session');
        const toSignIn = (s: number) =>
          (s === 302 || s === 303) && Boolean(page.location?.includes('/console/sign-in'));
        checkRefusal(page, toSignIn, 'a redirect to the sign-in page');
        continue;
      }
      const none = await send(route, params, 'no credential', undefined, body);
      checkRefusal(none, (s) => s === 401, '401');
      const forged = await send(
        route,
        params,
        'forged token',
        'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
        body,
      );
      checkRefusal(forged, (s) => s === 401, '401');
    }
    expectNoFailures();
  });

  it("answers another group's token 404 for this group's things, and changes none of them", async () => {
    const before = await groupSnapshot(connector, f);
    const ownIds = [f.exportId, f.deliveryId, f.engagementId, f.apiKeyId, f.partnerId, f.groupId];
    let checked = 0;
    for (const { route, spec } of described()) {
      if (spec.access !== 'group') continue;
      const example = spec.bodies?.(f)[0];
      const body = example ? { json: example } : undefined;
      const params = paramsFor(route, spec, f);
      const names = pathParams(route.path);
      if (names.length === 0) {
        // A collection: the other group's token works on its own group, and sees nothing of this one.
        const answer = await send(route, params, "other group's token", tokens.other, body);
        checkRefusal(answer, (s) => s < 500, 'an answer, not a 5xx');
        const seen = ownIds.filter((id) => answer.text.includes(id));
        if (seen.length) failures.push(`${answer.label} → ${answer.status} shows the other group's ${seen.join(', ')}`);
        continue;
      }
      const variants = [params];
      // Its own group in the path, this group's thing after it (`/groups/<own>/members/<theirs>`).
      if (names.includes('group') && names.length > 1) variants.push({ ...params, group: f.otherGroup });
      for (const values of variants) {
        const label =
          values.group === f.otherGroup ? "other group's token, own group in the path" : "other group's token";
        checkRefusal(await send(route, values, label, tokens.other, body), (s) => s === 404, '404');
        const keyLabel = label.replace('token', 'API key');
        checkRefusal(await sendSigned(route, values, keyLabel, example), (s) => s === 404, '404');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
    expectNoFailures();
    expect(await groupSnapshot(connector, f)).toEqual(before);
  });

  it('answers a viewer 403 on every write route of its group (and on Authorize Export), and changes nothing', async () => {
    const before = await groupSnapshot(connector, f);
    let checked = 0;
    for (const { route, spec } of described()) {
      const writes = WRITE_METHODS.has(route.method) || route.path.endsWith('/oauth/authorize');
      if (spec.access !== 'group' || !writes || spec.viewerMayWrite) continue;
      const example = spec.bodies?.(f)[0];
      const body = example ? { json: example } : undefined;
      const answer = await send(route, paramsFor(route, spec, f), 'viewer', tokens.viewer, body);
      checkRefusal(answer, (s) => s === 403, '403');
      checked++;
    }
    expect(checked).toBeGreaterThan(15);
    expectNoFailures();
    expect(await groupSnapshot(connector, f)).toEqual(before);
  });

  /** Sends one body variant with the route's caller and checks the answer against what the variant expects. */
  async function sendVariant(route: AppRoute, spec: RouteSpec, params: Record<string, string>, variant: BodyVariant) {
    const answer = await send(route, params, variant.label, await callerToken(spec), variant.body);
    const expected = variant.expect;
    if (expected === 'refused-or-accepted') checkRefusal(answer, (s) => s < 500, 'an answer, not a 5xx');
    else if (expected === 'client-error') checkRefusal(answer, (s) => s >= 400 && s < 500, 'a 4xx');
    else checkRefusal(answer, (s) => s === expected, String(expected), variant.field);
  }

  it('refuses malformed bodies on every route with 400 problem+json naming the field, and accepts the examples', async () => {
    let checked = 0;
    for (const { route, spec } of described()) {
      const params = paramsFor(route, spec, f);
      if (!WRITE_METHODS.has(route.method)) continue;
      const examples = spec.bodies?.(f) ?? [];
      if (examples.length === 0) {
        // No body expected; a body that is not JSON is still the client's fault.
        await sendVariant(route, spec, params, {
          label: 'invalid JSON',
          body: { raw: '{"broken', contentType: 'application/json' },
          expect: 400,
        });
        continue;
      }
      for (const example of examples) {
        const variants = [
          ...notAnObject(example, spec.bodyLimitBytes),
          ...fieldVariants(example, spec),
          ...nulVariants(example, spec),
          ...missingBodies(example),
        ];
        for (const variant of variants) await sendVariant(route, spec, params, variant);
        checked += variants.length;
      }
      // Then the examples: they may change things (the password route revokes its caller's tokens).
      for (const example of examples) {
        const answer = await send(route, params, 'valid example', await callerToken(spec), { json: example });
        const refusedAsInvalid =
          answer.status === 400 && (answer.json as { code?: string })?.code === 'VALIDATION_FAILED';
        checkRefusal(answer, (s) => s < 500 && !refusedAsInvalid, 'the example to pass validation');
      }
    }
    expect(checked).toBeGreaterThan(100);
    expectNoFailures();
  });

  it('answers odd path parameters, query strings, preflights and HEAD without a 5xx', async () => {
    // NUL (PostgreSQL text refuses it), very long, a slash, non-ASCII, a broken %-escape, SQL-like.
    const oddValues = ['x'.repeat(5000), 'nul\u0000byte', 'a/b', 'ünïcødé-😀', '%E0%A4%A', "' OR 1=1 --"];
    const oddQueries = [
      'limit=abc',
      'limit=0',
      'limit=1&limit=2',
      'cursor=not-a-cursor',
      `cursor=${Buffer.from('{"t":1,"i":2}').toString('base64url')}`,
      'status=bogus&action=%00',
      'request=%00',
    ];
    for (const { route, spec } of described()) {
      if (spec.access === 'page') continue;
      const params = paramsFor(route, spec, f);
      const example = spec.bodies?.(f)[0];
      const body = example ? { json: example } : undefined;
      const token = spec.access === 'group' || spec.access === 'self' ? tokens.admin : undefined;
      for (const name of pathParams(route.path)) {
        for (const odd of oddValues) {
          // `%E0%A4%A` is sent as it is (a broken percent-encoding), the others encoded.
          const raw = odd.startsWith('%') ? odd : encodeURIComponent(odd);
          const path = fillPath(route, { ...params, [name]: '\u0001' }).replace('%01', raw);
          const label = `${route.key} (:${name} = ${JSON.stringify(odd.slice(0, 20))})`;
          checkRefusal(
            await h.log.call(route.method, path, { token, body, label }),
            (s) => s >= 400 && s < 500,
            'a 4xx',
          );
        }
      }
      // A CORS preflight from a foreign origin, and HEAD for a GET route.
      const preflight = { origin: 'https://foreign.example', 'access-control-request-method': route.method };
      const options = await h.log.call('OPTIONS', fillPath(route, params), {
        headers: preflight,
        label: `${route.key} (preflight)`,
      });
      checkRefusal(options, (s) => s < 500, 'an answer, not a 5xx');
      if (route.method !== 'GET') continue;
      const head = await h.log.call('HEAD', fillPath(route, params), { token, label: `${route.key} (HEAD)` });
      checkRefusal(head, (s) => s < 500, 'an answer, not a 5xx');
      for (const query of oddQueries) {
        const label = `${route.key} (?${query.slice(0, 40)})`;
        const answer = await h.log.call('GET', `${fillPath(route, params)}?${query}`, { token, label });
        checkRefusal(answer, (s) => s < 500, 'an answer, not a 5xx');
      }
    }
    expectNoFailures();
  });

  it('reads everything, never answered 5xx, and showed no secret outside its one-time answer, nor in the log', async () => {
    // Everything readable, read last, when the group holds the most (audit log, keys, deliveries …).
    for (const { route, spec } of described()) {
      if (route.method !== 'GET' || (spec.access !== 'group' && spec.access !== 'self')) continue;
      const answer = await send(route, paramsFor(route, spec, f), 'read at the end', tokens.admin);
      checkRefusal(answer, (s) => s < 400, 'a 2xx or a redirect');
    }
    expectNoFailures();
    await ledgerStoredSecrets(h);
    expect(h.ledger.size).toBeGreaterThan(15);
    expect(h.log.answers.length).toBeGreaterThan(300);
    const errors = h.log.answers
      .filter((a) => a.status >= 500)
      .map((a) => `${a.label} → ${a.status}: ${a.text.slice(0, 200)}`);
    const leaks = h.ledger.leaks(h.log.answers);
    for (const label of h.ledger.foundIn(connector.logs.text())) leaks.push(`the log output shows the ${label}`);
    expect([...errors, ...leaks], [...errors, ...leaks].join('\n')).toEqual([]);
  });
});
