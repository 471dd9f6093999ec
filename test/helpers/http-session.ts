import { CookieJar } from 'tough-cookie';

/** One HTTP answer with its body already read (so a test can look at it more than once). */
export interface SessionResponse {
  url: string;
  status: number;
  headers: Headers;
  body: string;
  /** The `Location` header resolved against the request URL, for redirects. */
  location: string | undefined;
}

export interface FollowOptions {
  /** Stop before requesting a URL for which this returns true (e.g. the connector's callback). */
  stopAt?: (url: string) => boolean;
  maxRedirects?: number;
}

export interface FollowResult {
  /** The last answer received (a page), or undefined when stopped before `stoppedAt`. */
  response: SessionResponse | undefined;
  /** The URL `stopAt` matched, not requested. */
  stoppedAt: string | undefined;
  /** Every URL requested, in order. */
  visited: string[];
}

/**
 * A browser-like HTTP client for tests: a tough-cookie jar (cookies sent and stored per RFC 6265,
 * paths and HttpOnly included), redirects followed by hand so a test can stop at one, and HTML
 * forms submitted as a browser would.
 */
export class HttpSession {
  readonly jar = new CookieJar();

  constructor(private readonly defaultHeaders: Record<string, string> = {}) {}

  /** One request, no redirect followed; cookies from the jar are sent and `Set-Cookie` stored. */
  async request(url: string, init: RequestInit = {}): Promise<SessionResponse> {
    const headers = new Headers({ ...this.defaultHeaders, ...(init.headers as Record<string, string> | undefined) });
    const cookie = await this.jar.getCookieString(url);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const setCookie of res.headers.getSetCookie()) await this.jar.setCookie(setCookie, url, { ignoreError: true });
    const location = res.headers.get('location');
    return {
      url,
      status: res.status,
      headers: res.headers,
      body: await res.text(),
      location: location ? new URL(location, url).href : undefined,
    };
  }

  /** GET without following redirects. */
  get(url: string, headers: Record<string, string> = {}): Promise<SessionResponse> {
    return this.request(url, { headers });
  }

  /** Follows redirects from a GET (or from a first answer already received) until a page or `stopAt`. */
  async follow(start: string | SessionResponse, options: FollowOptions = {}): Promise<FollowResult> {
    const visited: string[] = [];
    let response: SessionResponse;
    if (typeof start === 'string') {
      if (options.stopAt?.(start)) return { response: undefined, stoppedAt: start, visited };
      response = await this.get(start);
      visited.push(start);
    } else {
      response = start;
    }
    for (let hops = 0; response.location && response.status >= 300 && response.status < 400; hops++) {
      if (hops >= (options.maxRedirects ?? 20)) throw new Error(`more than ${hops} redirects from ${visited[0]}`);
      const next = response.location;
      if (options.stopAt?.(next)) return { response, stoppedAt: next, visited };
      response = await this.get(next);
      visited.push(next);
    }
    return { response, stoppedAt: undefined, visited };
  }

  /**
   * Submits the first form of an HTML page as a browser would: its hidden and other named inputs
   * with their values, overridden by `fields`; POST bodies are form-encoded. Redirects are not followed.
   */
  async submitForm(page: SessionResponse, fields: Record<string, string> = {}): Promise<SessionResponse> {
    const form = parseForm(page.body);
    if (!form) throw new Error(`no form on ${page.url}: ${page.body.slice(0, 300)}`);
    const action = new URL(form.action || page.url, page.url).href;
    const values = new URLSearchParams({ ...form.inputs, ...fields });
    if (form.method === 'get') {
      const url = new URL(action);
      for (const [k, v] of values) url.searchParams.set(k, v);
      return this.get(url.href);
    }
    return this.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: values.toString(),
    });
  }
}

interface ParsedForm {
  action: string;
  method: 'get' | 'post';
  inputs: Record<string, string>;
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#39': "'",
  '#x27': "'",
  '#x2F': '/',
};
const unescapeHtml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39|#x27|#x2F);/g, (_m, e: string) => ENTITIES[e]!);

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  if (!match) return undefined;
  return unescapeHtml(match[2] ?? match[3] ?? match[4] ?? '');
}

/** A small parser for the simple forms of test servers (oidc-provider's dev interactions). */
export function parseForm(html: string): ParsedForm | undefined {
  const formMatch = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!formMatch) return undefined;
  const formTag = /<form\b[^>]*>/i.exec(formMatch[0])![0];
  const inputs: Record<string, string> = {};
  for (const [tag] of formMatch[1]!.matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(tag, 'name');
    if (name) inputs[name] = attribute(tag, 'value') ?? '';
  }
  return {
    action: attribute(formTag, 'action') ?? '',
    method: (attribute(formTag, 'method') ?? 'get').toLowerCase() === 'post' ? 'post' : 'get',
    inputs,
  };
}

/** Every `href` of the page's links, resolved against its URL. */
export function linksOf(page: SessionResponse): string[] {
  return [...page.body.matchAll(/<a\b[^>]*>/gi)]
    .map(([tag]) => attribute(tag, 'href'))
    .filter((href): href is string => Boolean(href))
    .map((href) => new URL(href, page.url).href);
}
