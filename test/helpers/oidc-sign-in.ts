import { type HttpSession, linksOf, parseForm, type SessionResponse } from './http-session.ts';

/**
 * Drives oidc-provider's development login and consent pages like a person in a browser, from an
 * authorization URL (or a 302 to it) until the provider redirects to `redirectUri`; returns that
 * URL without requesting it. The login page takes any account name and any password;
 * `deny: true` presses "Cancel" instead (→ `?error=access_denied`).
 */
export async function driveOidcSignIn(
  session: HttpSession,
  start: string | SessionResponse,
  redirectUri: string,
  options: { account: string; deny?: boolean | undefined },
): Promise<string> {
  const stopAt = (url: string) => url.startsWith(redirectUri);
  let result = await session.follow(start, { stopAt });
  // Login, then consent: a few pages at most before the provider redirects back.
  for (let step = 0; step < 5 && !result.stoppedAt; step++) {
    const page = result.response;
    if (page?.status !== 200) {
      throw new Error(`the provider answered ${page?.status} at ${page?.url}: ${page?.body.slice(0, 300)}`);
    }
    if (options.deny) {
      const cancel = linksOf(page).find((href) => href.includes('/abort'));
      if (!cancel) throw new Error(`no Cancel link on ${page.url}`);
      result = await session.follow(cancel, { stopAt });
      continue;
    }
    const prompt = parseForm(page.body)?.inputs.prompt;
    const fields: Record<string, string> =
      prompt === 'login' ? { login: options.account, password: 'any password' } : {};
    result = await session.follow(await session.submitForm(page, fields), { stopAt });
  }
  if (!result.stoppedAt) throw new Error(`the provider never redirected back to ${redirectUri}`);
  return result.stoppedAt;
}
