import { parkExportDeliveries } from '../deliveries/parking.ts';
import type { Deps } from '../deps.ts';
import { forgetTokens, setConnectionStatus } from './connection-store.ts';

export interface ReauthorizationCause {
  /** What the manager reads on the connection (and each parked delivery's reason). */
  message: string;
  /**
   * Forget the stored tokens too: they belong to a client the export no longer uses. Otherwise
   * they stay (the CRM refused the refresh token; nothing else in them is worth keeping, but a
   * later `DELETE …/oauth/connection` can still revoke them).
   */
  forgetTokens?: boolean;
}

/**
 * The one place a connection comes to need "Authorize Export" again (`reauthorization_required`,
 * docs/api/exports.md "Statuses and what to do"): the CRM refused the refresh token (tokens/refresh.ts)
 * or the manager changed the OAuth client (exports/oauth-config.ts). The export's waiting
 * deliveries are parked until the next authorization. Returns how many were parked.
 */
export async function requireReauthorization(
  deps: Pick<Deps, 'db' | 'store' | 'clock'>,
  exportId: string,
  cause: ReauthorizationCause,
): Promise<number> {
  if (cause.forgetTokens) {
    await forgetTokens(deps, exportId, { status: 'reauthorization_required', message: cause.message });
  } else {
    await setConnectionStatus(deps, exportId, 'reauthorization_required', cause.message, cause.message);
  }
  return parkExportDeliveries(deps, exportId, cause.message);
}
