import { createServer, type RequestListener, request, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../apps/server.ts';
import { engagementLane } from '../../apps/api/engagement-lane.ts';
import { startConnector, type TestConnector } from '../helpers/connector.ts';
import { createExport } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { signInNewMember } from '../helpers/members.ts';

/**
 * `POST /v1/engagements` is answered by the engagement lane, beside Express, for speed. The same
 * requests go to the connector as it runs, to its Express app alone, and to the lane with a
 * fallback that only says "passed on": the lane must take the requests it is for, pass on every
 * other one, and answer exactly as Express does (status, headers, body).
 */
describe('the engagement lane answers as the Express route does', () => {
  let connector: TestConnector;
  let expressOnly: string;
  let laneOnly: string;
  const servers: Server[] = [];
  let token: string;
  let viewerToken: string;
  let revokedToken: string;

  const PASSED_ON = 599;

  async function serve(listener: RequestListener): Promise<string> {
    const server = createServer(listener);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    return `http://127.0.0.1:${address.port}`;
  }

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    token = await connector.adminToken();
    rememberSecret(token);
    await createExport(connector, token);
    await createExport(connector, token, { name: 'second CRM' });
    expressOnly = await serve(createApp(connector.deps));
    const fallback = express();
    fallback.set('trust proxy', 'loopback');
    fallback.use((_req, res) => res.status(PASSED_ON).end());
    laneOnly = await serve(engagementLane(connector.deps, fallback));
    viewerToken = (await signInNewMember(connector, 'viewer')).token;
    revokedToken = (await signInNewMember(connector, 'manager')).token;
    const logout = await fetch(`${connector.baseUrl}/v1/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${revokedToken}` },
    });
    expect(logout.status).toBe(204);
  });
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await connector?.close();
  });

  interface Sent {
    headers?: Record<string, string>;
    body?: string | Buffer;
    /** Send the body chunked, without Content-Length. */
    chunked?: boolean;
    path?: string;
  }

  interface Answer {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: unknown;
  }

  /** A request exactly as given (fetch would add headers of its own), and its answer. */
  function send(base: string, sent: Sent): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...sent.headers };
      if (sent.body !== undefined && !sent.chunked) headers['content-length'] = Buffer.byteLength(sent.body);
      const req = request(`${base}${sent.path ?? '/v1/engagements'}`, { method: 'POST', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          // X-Request-Id is the server wrapper's (apps/http/access-log.ts), outside both the lane and Express.
          const {
            date: _date,
            connection: _connection,
            'keep-alive': _keepAlive,
            'x-request-id': _requestId,
            ...rest
          } = res.headers;
          resolve({ status: res.statusCode ?? 0, headers: rest, body: text ? JSON.parse(text) : undefined });
        });
      });
      req.on('error', reject);
      if (sent.chunked && sent.body !== undefined) {
        const body = Buffer.from(sent.body);
        req.write(body.subarray(0, 5));
        req.end(body.subarray(5));
      } else req.end(sent.body);
    });
  }

  /** Ids differ from one request to the next (all of the same length); everything else must not. */
  function withoutNewIds(answer: Answer): Answer {
    const text = JSON.stringify(answer.body ?? null).replace(/"(eng|dlv|lane)[_-][A-Za-z0-9_-]+"/g, '"$1…"');
    return { ...answer, body: JSON.parse(text) };
  }

  let counter = 0;
  const engagement = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      id: `lane-${Date.now()}-${String(++counter).padStart(4, '0')}`,
      channel: 'chat',
      score: 1.5,
      ...extra,
    });
  const json = { 'content-type': 'application/json' };
  const bearer = (t: string) => ({ ...json, authorization: `Bearer ${t}` });

  const lanes: [string, () => Sent][] = [
    ['a new engagement', () => ({ headers: bearer(token), body: engagement() })],
    [
      'a charset and a lower-case scheme',
      () => ({
        headers: { 'content-type': 'application/json; charset=UTF-8', authorization: `bearer  ${token}` },
        body: engagement(),
      }),
    ],
    ['a byte-order mark before the JSON', () => ({ headers: bearer(token), body: `\uFEFF${engagement()}` })],
    ['JSON that does not parse', () => ({ headers: bearer(token), body: '{"id": "broken' })],
    ['a JSON string, not an object', () => ({ headers: bearer(token), body: '"just text"' })],
    ['a JSON array', () => ({ headers: bearer(token), body: '[{"id":"x"}]' })],
    ['no id', () => ({ headers: bearer(token), body: '{"channel":"chat"}' })],
    ['an id that is a number', () => ({ headers: bearer(token), body: '{"id": 42}' })],
    ['an id holding a NUL character', () => ({ headers: bearer(token), body: '{"id":"a\\u0000b"}' })],
    ['an id too long', () => ({ headers: bearer(token), body: JSON.stringify({ id: 'x'.repeat(256) }) })],
    ['a token that is not one', () => ({ headers: bearer('not-a-token'), body: engagement() })],
    ['a revoked token', () => ({ headers: bearer(revokedToken), body: engagement() })],
    ['a viewer, who may not send engagements', () => ({ headers: bearer(viewerToken), body: engagement() })],
  ];

  const passedOn: [string, () => Sent][] = [
    ['no Authorization header', () => ({ headers: json, body: engagement() })],
    ['an empty Bearer credential', () => ({ headers: { ...json, authorization: 'Bearer   ' }, body: engagement() })],
    ['another scheme', () => ({ headers: { ...json, authorization: 'Basic YWRtaW46cHc=' }, body: engagement() })],
    ['a text body', () => ({ headers: { ...bearer(token), 'content-type': 'text/plain' }, body: engagement() })],
    [
      'another charset',
      () => ({
        headers: { ...bearer(token), 'content-type': 'application/json; charset=latin1' },
        body: engagement(),
      }),
    ],
    ['a body over 1 MiB', () => ({ headers: bearer(token), body: engagement({ pad: 'x'.repeat(1024 * 1024) }) })],
    ['an empty body', () => ({ headers: bearer(token), body: '' })],
    ['a chunked body', () => ({ headers: bearer(token), body: engagement(), chunked: true })],
    [
      'a gzip body',
      () => ({
        headers: { ...bearer(token), 'content-encoding': 'gzip' },
        body: gzipSync(engagement()),
      }),
    ],
    ['an Origin', () => ({ headers: { ...bearer(token), origin: 'https://elsewhere.example' }, body: engagement() })],
    ['a query string', () => ({ headers: bearer(token), body: engagement(), path: '/v1/engagements?x=1' })],
    ['a trailing slash', () => ({ headers: bearer(token), body: engagement(), path: '/v1/engagements/' })],
  ];

  it.each(lanes)('the lane takes %s and answers as Express', async (_name, make) => {
    const sent = make();
    const byLane = await send(laneOnly, sent);
    expect(byLane.status).not.toBe(PASSED_ON);
    const byExpress = await send(expressOnly, make());
    expect(withoutNewIds(byLane)).toEqual(withoutNewIds(byExpress));
  });

  it.each(passedOn)('the lane passes on %s to Express', async (_name, make) => {
    expect((await send(laneOnly, make())).status).toBe(PASSED_ON);
    const asRunning = await send(connector.baseUrl, make());
    const byExpress = await send(expressOnly, make());
    expect(withoutNewIds(asRunning)).toEqual(withoutNewIds(byExpress));
  });

  it('keeps the text as sent, answers a repeat as a duplicate, and makes one delivery per export', async () => {
    const text = '{ "id": "kept-as-sent", "score": 1.50, "b": 1, "a": 2 }';
    const first = await send(connector.baseUrl, { headers: bearer(token), body: `${text}\n` });
    expect(first.status).toBe(202);
    const made = first.body as { engagementId: string; duplicate: boolean; deliveries: unknown[] };
    expect(made).toMatchObject({ id: 'kept-as-sent', duplicate: false });
    expect(made.deliveries).toHaveLength(2);
    const again = await send(connector.baseUrl, { headers: bearer(token), body: text });
    expect(again.body).toEqual({ ...made, duplicate: true });
    const stored = await connector.deps.db.engagement.findUniqueOrThrow({ where: { id: made.engagementId } });
    expect(stored.payload).toBe(text);
  });

  it('records the client address behind a trusted proxy when it refuses a revoked token', async () => {
    const refused = await send(connector.baseUrl, {
      headers: { ...bearer(revokedToken), 'x-forwarded-for': '203.0.113.9' },
      body: engagement(),
    });
    expect(refused.status).toBe(401);
    const audit = await connector.deps.db.auditLog.findFirstOrThrow({
      where: { action: 'auth.token.use', outcome: 'refused', ip: '203.0.113.9' },
    });
    expect(audit.reason).toBe('TOKEN_REVOKED');
  });
});
