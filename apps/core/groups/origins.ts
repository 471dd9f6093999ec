import { recordAudit } from '../audit.ts';
import type { Deps } from '../deps.ts';
import { type FieldError, validationFailed } from '../errors.ts';
import { newId } from '../ids.ts';
import { auditActor, type Caller } from '../auth/caller.ts';

export const MAX_ORIGINS_PER_GROUP = 50;

// Loopback origins are "potentially trustworthy" (W3C Secure Contexts §3.1), so a developer's
// http://localhost:5173 may be trusted without ALLOW_INSECURE_HTTP.
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The serialized origin (RFC 6454 §6.2: lower-case scheme and host, default port left out) of
 * `value`, or a problem text. Only a bare origin is accepted: no path, query, fragment or
 * credentials, and no wildcard (the Fetch standard forbids `*` on credentialed CORS answers).
 * The CORS check compares a request's `Origin` header to these strings as they are.
 */
export function normalizeOrigin(value: string, allowInsecureHttp: boolean): { origin: string } | { problem: string } {
  const text = value.trim();
  if (text.includes('*')) return { problem: 'wildcards are not allowed: list each origin' };
  if (!URL.canParse(text)) return { problem: 'must be an origin such as https://app.example.com' };
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'must use https://' };
  if (url.protocol === 'http:' && !allowInsecureHttp && !LOOPBACK_HOSTS.has(url.hostname)) {
    return { problem: 'must use https:// (http:// only for localhost, or with ALLOW_INSECURE_HTTP)' };
  }
  if (url.username || url.password) return { problem: 'must not contain credentials' };
  if (url.pathname !== '/' || url.search || url.hash || /^[^/]+\/\/[^/]+\/./.test(text)) {
    return { problem: 'must be an origin only, without a path, query or fragment' };
  }
  return { origin: url.origin };
}

/** Normalizes a list of origins (deduplicated, sorted) or throws a 400 naming each bad entry (`origins.N`). */
export function normalizeOrigins(values: readonly string[], allowInsecureHttp: boolean): string[] {
  const errors: FieldError[] = [];
  const origins = new Set<string>();
  values.forEach((value, index) => {
    const result = normalizeOrigin(value, allowInsecureHttp);
    if ('problem' in result) errors.push({ field: `origins.${index}`, message: result.problem });
    else origins.add(result.origin);
  });
  if (errors.length) throw validationFailed(errors);
  return [...origins].sort();
}

/** The browser origins the group trusts for CORS. */
export async function listOrigins(deps: Pick<Deps, 'db'>, groupId: string): Promise<string[]> {
  const rows = await deps.db.groupOrigin.findMany({
    where: { groupId },
    select: { origin: true },
    orderBy: { origin: 'asc' },
  });
  return rows.map((r) => r.origin);
}

/** Replaces the group's trusted origins with `origins` (already normalized) in one transaction. */
export async function replaceOrigins(
  deps: Pick<Deps, 'db'>,
  groupId: string,
  origins: readonly string[],
  actor: Caller,
): Promise<string[]> {
  await deps.db.$transaction([
    deps.db.groupOrigin.deleteMany({ where: { groupId } }),
    ...origins.map((origin) => deps.db.groupOrigin.create({ data: { id: newId('org'), groupId, origin } })),
  ]);
  await recordAudit(deps.db, {
    groupId,
    ...auditActor(actor),
    action: 'group.origins.replace',
    outcome: 'success',
    targetType: 'group',
    targetId: groupId,
    details: { origins },
  });
  return listOrigins(deps, groupId);
}
