import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { outboundProxyFailure } from '../net/proxy-failure.ts';
import { webhookSignature } from './signature.ts';

/** docs/api/deliveries.md: a 2xx within 15 s is success; the whole exchange (connect, headers, body) fits in it. */
export const WEBHOOK_TIMEOUT_MS = 15_000;
/** How much of an answer's body an attempt keeps (docs/api/delivery-inspector.md). */
export const SNIPPET_BYTES = 4096;
const USER_AGENT = 'oauth-export-connector/0.1 (+Standard Webhooks)';

export interface WebhookRequest {
  url: URL;
  body: string;
  /** The delivery id: the `webhook-id`, the same on every retry, for receivers to deduplicate on. */
  webhookId: string;
  accessToken: string;
  /** The current signing secret first, then the previous one while it is still valid. */
  secrets: readonly string[];
  now: Date;
  timeoutMs?: number;
}

/** The request as sent, as the inspector shows it: the access token masked (docs/api/delivery-inspector.md). */
export interface SentRequest {
  url: string;
  headers: Record<string, string>;
}

/**
 * What came back: an HTTP answer, or a failure to get one (timeout, refused, reset …), with the
 * request as sent (absent when there was none to send, e.g. a URL that could not be built).
 */
export type WebhookResult =
  | {
      kind: 'response';
      statusCode: number;
      retryAfter: string | undefined;
      /** The first SNIPPET_BYTES of the body as text, `…` after it when there was more. */
      snippet: string | undefined;
      /** The final answer's headers as undici parsed them. */
      headers?: IncomingHttpHeaders;
      request?: SentRequest;
      durationMs: number;
    }
  | { kind: 'error'; code: string; message: string; request?: SentRequest; durationMs: number };

/** The headers of one push (docs/api/deliveries.md; Standard Webhooks `webhook-*` headers, RFC 6750 Bearer). */
export function webhookHeaders(req: WebhookRequest): Record<string, string> {
  const timestamp = Math.floor(req.now.getTime() / 1000);
  return {
    'content-type': 'application/json',
    authorization: `Bearer ${req.accessToken}`,
    'webhook-id': req.webhookId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': webhookSignature(req.secrets, req.webhookId, timestamp, req.body),
    'user-agent': USER_AGENT,
  };
}

/**
 * An access token as an operator may see it: `****` and, for a token long enough that they
 * reveal little, its last 4 characters (enough to tell two tokens apart; RFC 6750 §5.3: tokens
 * must not leak into places like logs).
 */
export function maskToken(token: string): string {
  return token.length >= 16 ? `****${token.slice(-4)}` : '****';
}

/**
 * POSTs one webhook through the process's shared dispatcher (keep-alive; private addresses refused
 * at connect time). Never throws: every outcome is a result the caller records as an attempt.
 * Every answer keeps its headers and the first SNIPPET_BYTES of its body (a 2xx body beyond that
 * is read and dropped so the socket goes back to the pool); the result carries the request as sent,
 * token masked, for the attempt row.
 *
 * Written on undici's dispatch API rather than `request()`: `request()` builds a readable stream for
 * every answer body and an AbortSignal with its own timer for the deadline; this handler sees the
 * answer as it arrives and needs neither, which took about 15 % off the worker's CPU per delivery.
 */
export function sendWebhook(dispatcher: Dispatcher, req: WebhookRequest): Promise<WebhookResult> {
  const timeoutMs = req.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const headers = webhookHeaders(req);
  const request = {
    url: req.url.href,
    headers: { ...headers, authorization: `Bearer ${maskToken(req.accessToken)}` },
  };
  return new Promise((resolve) => {
    const exchange = new WebhookExchange(timeoutMs, request, resolve);
    try {
      dispatcher.dispatch(
        {
          origin: req.url.origin,
          path: `${req.url.pathname}${req.url.search}`,
          method: 'POST',
          headers,
          body: req.body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        exchange,
      );
    } catch (error) {
      exchange.onResponseError(undefined, error as Error);
    }
  });
}

/** A 2xx body beyond this is not read to its end (the connection is closed instead), as undici's `dump()`. */
const DRAIN_LIMIT_BYTES = 128 * 1024;

/** One webhook exchange as undici reports it; resolves once, with the answer or why there is none. */
class WebhookExchange implements Dispatcher.DispatchHandler {
  private readonly started = performance.now();
  private readonly deadline: NodeJS.Timeout;
  private controller: Dispatcher.DispatchController | undefined;
  private settled = false;
  private ended = false;
  private statusCode = 0;
  private retryAfter: string | undefined;
  private headers: IncomingHttpHeaders | undefined;
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly request: SentRequest,
    private readonly resolve: (result: WebhookResult) => void,
  ) {
    // The whole exchange (connect, headers, body) fits in the timeout (docs/api/deliveries.md).
    this.deadline = setTimeout(() => this.finish({ kind: 'error', ...timedOut(timeoutMs) }), timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(new Error('the webhook exchange is over'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx: the answer is still to come
    this.statusCode = statusCode;
    this.retryAfter = headerValue(headers['retry-after']);
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.size < SNIPPET_BYTES) this.chunks.push(chunk);
    this.size += chunk.length;
    // A 2xx is drained (the connection is reused); of any other answer only the snippet is wanted.
    if (this.succeeded() ? this.size > DRAIN_LIMIT_BYTES : this.size >= SNIPPET_BYTES) this.answer();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.answer();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.ended = true;
    // An answer whose body was cut short still counts (a snippet keeps what arrived).
    if (this.statusCode) this.answer();
    else this.finish({ kind: 'error', ...describeNetworkError(error, this.timeoutMs) });
  }

  private succeeded(): boolean {
    return this.statusCode >= 200 && this.statusCode < 300;
  }

  private answer(): void {
    this.finish({
      kind: 'response',
      statusCode: this.statusCode,
      retryAfter: this.retryAfter,
      snippet: snippetOf(this.chunks, this.size),
      headers: this.headers,
    });
  }

  private finish(result: DistributiveOmit<WebhookResult, 'durationMs' | 'request'>): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.deadline);
    const durationMs = Math.round(performance.now() - this.started);
    this.resolve({ ...result, request: this.request, durationMs } as WebhookResult);
    // Ended early (deadline, enough of the body): the rest of the answer is not wanted.
    if (this.controller && !this.controller.aborted && !this.ended)
      this.controller.abort(new Error('the webhook exchange is over'));
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The first SNIPPET_BYTES of an answer's body as text, marked `…` when there was more. */
function snippetOf(chunks: Buffer[], size: number): string | undefined {
  if (!size) return undefined;
  const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  const text = withoutControlCharacters(body.toString('utf8', 0, Math.min(body.length, SNIPPET_BYTES)));
  return size > SNIPPET_BYTES ? `${text}…` : text;
}

/** Omit over each member of a union (TypeScript's Omit would merge them). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Control characters (but tab and newline) do not belong in an operator's view or a log line. */
function withoutControlCharacters(text: string): string {
  let out: string[] | undefined;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && code !== 0x09 && code !== 0x0a) {
      out ??= [...text.slice(0, i)];
      out.push(' ');
    } else out?.push(text[i] as string);
  }
  return out ? out.join('') : text;
}

function timedOut(timeoutMs: number): { code: string; message: string } {
  return { code: 'TIMEOUT', message: `No complete answer within ${timeoutMs / 1000} s` };
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Names a failure to get an answer; the code says whether it can pass (see deliveries/outcome.ts).
 * The exchange's own deadline never comes here: it settles first (WebhookExchange).
 */
function describeNetworkError(error: unknown, timeoutMs: number): { code: string; message: string } {
  // With OUTBOUND_PROXY_URL, a refused or failing proxy is not the receiver's fault (proxy-failure.ts).
  const proxy = outboundProxyFailure(error);
  if (proxy) return { code: proxy.code, message: proxy.message };
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 'PRIVATE_TARGET_REFUSED') {
      return { code, message: (current as Error).message };
    }
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
      return { code: 'TIMEOUT', message: `${timedOut(timeoutMs).message} (${code})` };
    }
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) {
      return { code, message: `${NETWORK_WORDS[code] ?? 'The request failed'} (${code})` };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return {
    code: 'NETWORK_ERROR',
    message: `The request failed (${(error as { name?: string })?.name ?? 'unknown error'})`,
  };
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'The receiver refused the connection',
  ECONNRESET: 'The receiver dropped the connection',
  EPIPE: 'The receiver dropped the connection',
  ENOTFOUND: 'The webhook host was not found in DNS',
  EAI_AGAIN: 'The webhook host could not be resolved (temporary DNS failure)',
  EHOSTUNREACH: 'The webhook host could not be reached',
  ENETUNREACH: 'The webhook host could not be reached',
  UND_ERR_SOCKET: 'The receiver dropped the connection',
  UND_ERR_CLOSED: 'The receiver dropped the connection',
};
