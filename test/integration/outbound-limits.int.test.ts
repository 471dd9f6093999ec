import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverProvider, providerKeys } from '../../apps/core/auth/sso/client.ts';
import { isPrivateAddress } from '../../apps/core/net/address-policy.ts';
import { OUTBOUND_ANSWER_LIMIT_BYTES } from '../../apps/core/net/capped-fetch.ts';
import { createDispatcher } from '../../apps/core/net/dispatcher.ts';
import { loadTokens } from '../../apps/core/oauth/connection-store.ts';
import { refreshScheduled } from '../../apps/core/tokens/token-service.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import {
  api,
  callbackPageData,
  configureOAuth,
  createExport,
  pressAuthorize,
  waitForOAuthStatus,
} from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { type SalesforceLike, startSalesforceLike } from '../helpers/salesforce-like.ts';

const MiB = 1024 * 1024;
/** What the hostile endpoints offer: 64 times the cap (the review's endpoint offered 1 GiB). */
const OFFERED = 64 * MiB;

/** One answer of a hostile endpoint: how much it wrote and whether the client hung up first. */
interface Streamed {
  path: string;
  written: number;
  closedEarly: boolean;
}

interface HugeEndpoint {
  baseUrl: string;
  answers: Streamed[];
  /** Resolves with the next answer once its connection has ended. */
  nextAnswer(): Promise<Streamed>;
  close(): Promise<void>;
}

/**
 * A loopback endpoint that answers every request 200 `application/json` with 64 MiB of JSON
 * whitespace, chunk by chunk, honouring backpressure and stopping as soon as the client goes
 * away. With `declareLength` it also says so in Content-Length; without, the body is chunked and
 * only counting what arrives can stop it.
 */
async function startHugeEndpoint(options: { declareLength: boolean }): Promise<HugeEndpoint> {
  const answers: Streamed[] = [];
  const waiting: ((answer: Streamed) => void)[] = [];
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const answer: Streamed = { path: req.url ?? '', written: 0, closedEarly: false };
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(options.declareLength ? { 'content-length': String(OFFERED) } : {}),
    });
    while (answer.written < OFFERED && !closed) {
      const flushed = res.write(chunk);
      answer.written += chunk.length;
      if (!flushed && !closed) await drainedOrClosed(res);
    }
    answer.closedEarly = answer.written < OFFERED || !res.writableFinished;
    if (!closed) res.end();
    answers.push(answer);
    waiting.shift()?.(answer);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers,
    nextAnswer: () => new Promise((resolve) => waiting.push(resolve)),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** A request is refused before any connection: the server counts the sockets it accepted. */
async function countingServer(host: string): Promise<{ port: number; connections: () => number; server: Server }> {
  let connections = 0;
  const server = createServer((_req, res) => res.end('reached'));
  server.on('connection', () => {
    connections += 1;
  });
  server.listen(0, host);
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, connections: () => connections, server };
}

describe('outbound answers are bounded', () => {
  let connector: TestConnector;
  let token: string;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    connector = await startConnector();
    rememberSecret(ADMIN.password);
    token = await connector.adminToken();
    rememberSecret(token);
  });
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
    await connector?.close();
  });

  async function hugeEndpoint(declareLength: boolean): Promise<HugeEndpoint> {
    const endpoint = await startHugeEndpoint({ declareLength });
    closers.push(endpoint.close);
    return endpoint;
  }

  async function newOrg(): Promise<SalesforceLike> {
    const org = await startSalesforceLike({ redirectUri: connector.deps.config.redirectUri });
    closers.push(org.close);
    return org;
  }

  /** The hostile endpoint hung up on early: it wrote a small fraction of what it offered. */
  function expectCutShort(answer: Streamed) {
    expect(answer.closedEarly).toBe(true);
    // What the client read (≤ 1 MiB) plus what loopback socket buffers took in before the abort
    // (3.75 MiB measured here, the same whether the cut came at Content-Length or at the count).
    expect(answer.written).toBeLessThan(16 * MiB);
  }

  it.each([
    ['chunked, no Content-Length', false],
    ['Content-Length of 64 MiB', true],
  ])(
    'a token endpoint answering 64 MiB (%s): the code exchange fails cleanly, reading ≤ 1 MiB',
    async (_name, declareLength) => {
      const org = await newOrg();
      const huge = await hugeEndpoint(declareLength);
      const exp = await createExport(connector, token);
      await configureOAuth(
        connector,
        token,
        exp.id,
        org.oauthConfig({ tokenUrl: `${huge.baseUrl}/services/oauth2/token` }),
      );
      const answered = huge.nextAnswer();
      const { session, answer } = await pressAuthorize(connector, token, exp.id);
      const page = await session.get(await org.signIn(session, answer));
      expect(callbackPageData(page)['request-id']).toBeTruthy();

      const view = await waitForOAuthStatus(connector, token, exp.id);
      expect(view).toMatchObject({
        status: 'failed',
        message: expect.stringContaining(
          'more than 1 MiB, which the connector does not read; check the Access Token URL (response_too_large)',
        ),
      });
      expectCutShort(await answered);
      // A provider-side failure: tried once, not hammered.
      expect(huge.answers).toHaveLength(1);
      expect(await loadTokens(connector.deps, exp.id)).toBeNull();
    },
  );

  it('a token endpoint answering 64 MiB to a refresh: the refresh fails cleanly and says so', async () => {
    const org = await newOrg();
    const exp = await createExport(connector, token);
    await configureOAuth(connector, token, exp.id, org.oauthConfig());
    const { session, answer } = await pressAuthorize(connector, token, exp.id);
    await session.get(await org.signIn(session, answer));
    expect(await waitForOAuthStatus(connector, token, exp.id)).toMatchObject({ status: 'authorized' });
    const before = await loadTokens(connector.deps, exp.id);

    // The org's token endpoint moves to one that answers without end (the secret is kept).
    const huge = await hugeEndpoint(false);
    // Moved in the database: through the API a new token URL is a new client, whose tokens are
    // forgotten (docs/api/exports.md, "Changing the client"), and no refresh would be sent.
    await connector.deps.db.oAuthConfig.update({
      where: { exportId: exp.id },
      data: { tokenUrl: `${huge.baseUrl}/token` },
    });
    const answered = huge.nextAnswer();
    // The daily refresh of an idle token: the current token still works, so it is kept meanwhile.
    expect(await refreshScheduled(connector.deps, exp.id, 'idle')).toBe(true);
    expectCutShort(await answered);

    const view = (await api(connector, 'GET', `/exports/${exp.id}/oauth`, token)).body;
    expect(view.status).toBe('authorized');
    expect(view.lastError).toContain('The last token refresh failed and will be tried again');
    expect(view.lastError).toContain('(response_too_large)');
    const after = await loadTokens(connector.deps, exp.id);
    expect(after?.refreshToken).toBe(before?.refreshToken);
    expect(after?.version).toBe(before?.version);
  });

  it('a discovery document of 64 MiB: SSO discovery fails with the reason, reading ≤ 1 MiB', async () => {
    const huge = await hugeEndpoint(false);
    const answered = huge.nextAnswer();
    const failure = discoverProvider(connector.deps, huge.baseUrl, 'client', 'secret-not-used');
    await expect(failure).rejects.toMatchObject({
      code: 'SSO_DISCOVERY_FAILED',
      message: expect.stringContaining(`/.well-known/openid-configuration was longer than 1 MiB`),
    });
    expectCutShort(await answered);
    expect((await answered).path).toBe('/.well-known/openid-configuration');
  });

  it('a JWKS of 64 MiB: reading the provider keys fails with the reason, reading ≤ 1 MiB', async () => {
    const huge = await hugeEndpoint(false);
    const answered = huge.nextAnswer();
    const keys = providerKeys(connector.deps, `${huge.baseUrl}/jwks`);
    await expect(keys.reload()).rejects.toMatchObject({ code: 'OUTBOUND_RESPONSE_TOO_LARGE' });
    expectCutShort(await answered);
    expect(OUTBOUND_ANSWER_LIMIT_BYTES).toBe(MiB);
  });
});

describe('endpoints learned from SSO discovery pass the address policy', () => {
  let connector: TestConnector;
  let server: Server;
  let issuer: string;
  const requested: string[] = [];

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    // A provider whose document sends the connector's server-side calls to other addresses. All
    // are loopback here (never dialled by this test), as a metadata or private address would be.
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      const port = (server.address() as AddressInfo).port;
      if (req.url !== '/.well-known/openid-configuration') return void res.writeHead(404).end();
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `http://127.0.0.2:${port}/token`,
          jwks_uri: `http://[::ffff:7f00:1]:${port}/jwks`,
          userinfo_endpoint: `http://localhost:${port}/userinfo`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await connector?.close();
  });

  it('refuses a discovery document whose token_endpoint and jwks_uri point at private addresses', async () => {
    // With ALLOW_PRIVATE_TARGETS=false the dispatcher would refuse this loopback provider itself
    // (next describe), before its document could be read. Here the connector's own dispatcher
    // (which allows loopback, as in every test) fetches the document, and the policy that judges
    // what the document names is the production one: the learned URLs are checked on their own.
    const strict = { ...connector.deps, config: { ...connector.deps.config, ALLOW_PRIVATE_TARGETS: false } };
    const refused = discoverProvider(strict, issuer, 'client', 'secret-not-used');
    await expect(refused).rejects.toMatchObject({ code: 'SSO_ENDPOINT_REFUSED' });
    const message = ((await refused.catch((e: Error) => e)) as Error).message;
    for (const name of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint']) {
      expect(message).toMatch(new RegExp(`${name} must not point to a private`));
    }
    // The same document is accepted where private targets are allowed: the refusal is the policy's.
    const allowed = await discoverProvider(connector.deps, issuer, 'client', 'secret-not-used');
    expect(allowed.serverMetadata().jwks_uri).toContain('/jwks');
    // Only the document was fetched: nothing it named was called.
    expect(requested).toEqual(['/.well-known/openid-configuration', '/.well-known/openid-configuration']);
  });
});

describe('the dispatcher refuses private IP literals at connect time', () => {
  let v4: Awaited<ReturnType<typeof countingServer>>;
  let v6: Awaited<ReturnType<typeof countingServer>>;
  const strict = createDispatcher({ allowPrivateTargets: false });
  const open = createDispatcher({ allowPrivateTargets: true });

  beforeAll(async () => {
    v4 = await countingServer('127.0.0.1');
    v6 = await countingServer('::1');
  });
  afterAll(async () => {
    await Promise.all([strict.close(), open.close()]);
    for (const { server } of [v4, v6]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const urls = () => ({
    ipv4: `http://127.0.0.1:${v4.port}/token`,
    ipv6: `http://[::1]:${v6.port}/token`,
    mapped: `http://[::ffff:7f00:1]:${v4.port}/token`,
    name: `http://localhost:${v4.port}/token`,
  });

  it('refuses 127.0.0.1, [::1], [::ffff:7f00:1] and localhost before a socket opens; allows them when private targets are', async () => {
    for (const [kind, url] of Object.entries(urls())) {
      const outcome = await request(url, { dispatcher: strict }).then(
        (answer) => ({ kind, status: answer.statusCode, code: undefined }),
        (error: { code?: string }) => ({ kind, status: undefined, code: error.code }),
      );
      expect(outcome).toEqual({ kind, status: undefined, code: 'PRIVATE_TARGET_REFUSED' });
    }
    expect([v4.connections(), v6.connections()]).toEqual([0, 0]);

    for (const [kind, url] of Object.entries(urls())) {
      const answer = await request(url, { dispatcher: open });
      expect([kind, answer.statusCode, await answer.body.text()]).toEqual([kind, 200, 'reached']);
    }
  });

  it('refuses [64:ff9b::7f00:1] (NAT64 of 127.0.0.1) without dialling it', async () => {
    // Judged first, so that a policy missing it stops the test here rather than dial the address
    // (it is not loopback on this machine: a NAT64 gateway would carry it off).
    expect(isPrivateAddress('64:ff9b::7f00:1')).toBe(true);
    const url = `http://[64:ff9b::127.0.0.1]:${v4.port}/token`;
    expect(new URL(url).hostname).toBe('[64:ff9b::7f00:1]');
    await expect(request(url, { dispatcher: strict })).rejects.toMatchObject({ code: 'PRIVATE_TARGET_REFUSED' });
  });
});
