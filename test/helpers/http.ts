/** One HTTP answer, its body read once and parsed when it is JSON (so a test can look at it more than once). */
// biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert their shape
export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  /** The parsed JSON body; `undefined` when the body is empty or not JSON. */
  body: T;
  /** The body as received. */
  text: string;
  contentType: string | null;
}

export interface HttpRequest {
  /** Sent as `Authorization: Bearer …` (RFC 6750 §2.1) when given. */
  token?: string | null | undefined;
  /** Sent as the `Cookie` header when given. */
  cookie?: string | undefined;
  /** JSON-encoded (a string is sent as it is), with `Content-Type: application/json`. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Give up (the request rejects) after this long. */
  timeoutMs?: number;
}

/** The test suite's one HTTP client: a JSON request with a bearer token or cookie, answered as `{status, headers, body}`. */
// biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert their shape
export async function requestJson<T = any>(
  method: string,
  url: string,
  request: HttpRequest = {},
): Promise<HttpAnswer<T>> {
  const { token, cookie, body, headers = {}, timeoutMs } = request;
  const res = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(cookie ? { cookie } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return {
    status: res.status,
    headers: res.headers,
    body: parsed as T,
    text,
    contentType: res.headers.get('content-type'),
  };
}

/** One `/v1` call to a connector with a Bearer token (none when `null`); the JSON answer parsed, whatever the status. */
// biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert their shape
export function api<T = any>(
  connector: { baseUrl: string },
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  request: Omit<HttpRequest, 'token' | 'body'> = {},
): Promise<HttpAnswer<T>> {
  return requestJson<T>(method, `${connector.baseUrl}/v1${path}`, { ...request, token, body });
}
