import { type Dispatcher, fetch as undiciFetch } from 'undici';
import { AppError } from '../errors.ts';

/**
 * The most the connector reads of a token, discovery or JWKS answer. Real ones are a few KiB
 * (a Salesforce token answer ≈ 0.5 KiB, Google's discovery document ≈ 2 KiB, a JWKS of several
 * keys ≈ 5 KiB); 1 MiB leaves ample room while a hostile endpoint cannot grow the process.
 */
export const OUTBOUND_ANSWER_LIMIT_BYTES = 1024 * 1024;

/** An answer that was longer than the connector reads; the request was aborted, its socket destroyed. */
export class ResponseTooLargeError extends AppError<'OUTBOUND_RESPONSE_TOO_LARGE'> {
  constructor(
    readonly url: string,
    readonly limitBytes: number,
  ) {
    super(
      'OUTBOUND_RESPONSE_TOO_LARGE',
      `The answer from ${safeUrl(url)} was longer than ${describe(limitBytes)}`,
      502,
    );
  }
}

/** The ResponseTooLargeError anywhere in an error's `cause` chain (openid-client wraps what fetch throws). */
export function responseTooLargeIn(error: unknown): ResponseTooLargeError | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof ResponseTooLargeError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What openid-client and jose hand to a custom fetch. */
export interface CappedFetchInit {
  method?: string | undefined;
  headers?: unknown;
  body?: unknown;
  redirect?: 'follow' | 'manual' | 'error' | undefined;
  signal?: AbortSignal | null | undefined;
  duplex?: 'half' | undefined;
}

export type CappedFetch = (url: string, init?: CappedFetchInit) => Promise<Response>;

// Statuses whose answer has no body (Fetch §2.2.3 "null body status"); a Response refuses one.
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * A fetch for openid-client's and jose's `customFetch`: through `dispatcher` (the process's, with
 * its connect-time address policy), reading the answer with a running count and aborting the
 * request (undici destroys the socket) as soon as it passes `limitBytes`, or at once when
 * Content-Length already says so. The answer is handed on fully read, so a later `json()` never
 * touches the network. Decompressed bytes are counted: a small gzip bomb is caught too.
 */
export function cappedFetch(dispatcher: Dispatcher, limitBytes = OUTBOUND_ANSWER_LIMIT_BYTES): CappedFetch {
  return async (url, init = {}) => {
    const controller = new AbortController();
    const signal = init.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
    const response = await undiciFetch(url, { ...init, signal, dispatcher } as Parameters<typeof undiciFetch>[1]);
    try {
      const declared = Number(response.headers.get('content-length') ?? 0);
      if (declared > limitBytes) throw new ResponseTooLargeError(url, limitBytes);
      const body = await readCapped(response.body, url, limitBytes);
      // The global Response (what openid-client and jose expect): undici's own class is another one.
      return new Response(NULL_BODY_STATUSES.has(response.status) ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers],
      });
    } catch (error) {
      controller.abort(error);
      throw error;
    }
  };
}

async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  url: string,
  limitBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Leaving the loop by throwing cancels the stream; the caller also aborts the request.
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > limitBytes) throw new ResponseTooLargeError(url, limitBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** The URL without its query: a token endpoint's query could carry something not meant for logs. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'the endpoint';
  }
}

function describe(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
