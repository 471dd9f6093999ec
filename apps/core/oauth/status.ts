import { scopeList } from './client.ts';
import type { ConnectionStatus } from './connection-store.ts';

/** The connection as `GET /v1/exports/:id/oauth` reports it: status and dates, never a token. */
export interface ConnectionView {
  configured: boolean;
  status: ConnectionStatus;
  message: string;
  authorizedAt?: string;
  expiresAt?: string;
  scopes?: string[];
  lastError?: string;
}

export const STATUS_MESSAGES = {
  not_configured: 'OAuth is not configured for this export: fill in "Configure OAuth" first',
  not_authorized: 'Not authorized yet: press "Authorize Export"',
  pending: 'Waiting for the token exchange with the CRM to finish',
} as const;

interface ConnectionRow {
  status: string;
  message: string | null;
  lastError: string | null;
  authorizedAt: Date | null;
  expiresAt: Date | null;
  scopes: string | null;
}

/** Builds the manager's view of a connection from the export's OAuth config and connection rows. */
export function connectionView(configured: boolean, row: ConnectionRow | null | undefined): ConnectionView {
  if (!configured) return { configured: false, status: 'not_configured', message: STATUS_MESSAGES.not_configured };
  if (!row) return { configured: true, status: 'not_authorized', message: STATUS_MESSAGES.not_authorized };
  const status = row.status as ConnectionStatus;
  const view: ConnectionView = {
    configured: true,
    status,
    message: row.message ?? (STATUS_MESSAGES as Record<string, string>)[status] ?? status,
  };
  if (row.authorizedAt) view.authorizedAt = row.authorizedAt.toISOString();
  if (row.expiresAt) view.expiresAt = row.expiresAt.toISOString();
  if (row.scopes !== null) view.scopes = scopeList(row.scopes);
  if (row.lastError) view.lastError = row.lastError;
  return view;
}
