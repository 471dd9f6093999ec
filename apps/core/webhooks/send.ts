import { type Dispatcher, request } from 'undici';
import { webhookSignature } from './signature.ts';

/** CONTRACT: a 2xx within 15 s is success; the whole exchange (connect, headers, body) fits in it. */
export const WEBHOOK_TIMEOUT_MS = 15_000;
const SNIPPET_BYTES = 1024;
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

/** What came back: an HTTP answer, or a failure to get one (timeout, refused, reset …). */
export type WebhookResult =
  | {
      kind: 'response';
      statusCode: number;
      retryAfter: string | undefined;
      snippet: string | undefined;
      durationMs: number;
    }
  | { kind: 'error'; code: string; message: string; durationMs: number };

/** The headers of one push (CONTRACT; Standard Webhooks `webhook-*` headers, RFC 6750 Bearer). */
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
 * POSTs one webhook through the process's shared dispatcher (keep-alive; private addresses refused
 * at connect time). Never throws: every outcome is a result the caller records as an attempt.
 * A 2xx body is drained so the socket goes back to the pool; other answers keep a short snippet.
 */
export async function sendWebhook(dispatcher: Dispatcher, req: WebhookRequest): Promise<WebhookResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const timeoutMs = req.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  try {
    const response = await request(req.url, {
      method: 'POST',
      headers: webhookHeaders(req),
      body: req.body,
      dispatcher,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const retryAfter = headerValue(response.headers['retry-after']);
    if (response.statusCode >= 200 && response.statusCode < 300) {
      await response.body.dump();
      return {
        kind: 'response',
        statusCode: response.statusCode,
        retryAfter,
        snippet: undefined,
        durationMs: elapsed(),
      };
    }
    const snippet = await readSnippet(response.body);
    return { kind: 'response', statusCode: response.statusCode, retryAfter, snippet, durationMs: elapsed() };
  } catch (error) {
    return { kind: 'error', ...describeNetworkError(error, timeoutMs), durationMs: elapsed() };
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readSnippet(body: Dispatcher.ResponseData['body']): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= SNIPPET_BYTES) break;
    }
  } catch {
    // A body cut short still leaves what arrived.
  } finally {
    body.destroy();
  }
  if (!size) return undefined;
  const text = withoutControlCharacters(Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8'));
  return size > SNIPPET_BYTES ? `${text}…` : text;
}

/** Control characters (but tab and newline) do not belong in an operator's view or a log line. */
function withoutControlCharacters(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    out += code < 0x20 && code !== 0x09 && code !== 0x0a ? ' ' : char;
  }
  return out;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Names a failure to get an answer; the code says whether it can pass (see deliveries/outcome.ts). */
export function describeNetworkError(error: unknown, timeoutMs: number): { code: string; message: string } {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { code: 'TIMEOUT', message: `No complete answer within ${timeoutMs / 1000} s` };
  }
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 'PRIVATE_TARGET_REFUSED') {
      return { code, message: (current as Error).message };
    }
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
      return { code: 'TIMEOUT', message: `No complete answer within ${timeoutMs / 1000} s (${code})` };
    }
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) {
      return { code, message: `${NETWORK_WORDS[code] ?? 'The request failed'} (${code})` };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return { code: 'NETWORK_ERROR', message: `The request failed (${name ?? 'unknown error'})` };
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
