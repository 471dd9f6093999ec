// What the message beside "Configure OAuth" says for each connection status: the outcome in a
// few words, the API's own message, and what the manager should do next.
import { el, formatTime } from './dom.js';

const TITLES = {
  not_configured: 'Not configured',
  not_authorized: 'Not authorized yet',
  pending: 'Waiting for the CRM',
  authorized: 'Authorized',
  failed: 'Authorization failed',
  reauthorization_required: 'Authorization needed again',
};

const TONES = {
  authorized: 'good',
  pending: 'info',
  failed: 'bad',
  reauthorization_required: 'warn',
};

// Advice by the OAuth error code the API reports in `lastError` (RFC 6749 §4.1.2.1, §5.2).
const ADVICE_BY_ERROR = {
  access_denied: 'Press Authorize Export again and choose Allow on the CRM’s consent page.',
  invalid_client: 'Check the Client ID, Client Secret and client authentication method, then authorize again.',
  unauthorized_client: 'The connected app may not use the authorization-code flow: check it in the CRM.',
  invalid_scope: 'Remove the scopes the CRM does not know, save, and authorize again.',
  invalid_grant: 'Press Authorize Export to sign in to the CRM again.',
};

// For the other statuses the API's message is generic and the advice below says it better.
const SHOW_API_MESSAGE = new Set(['authorized', 'failed', 'reauthorization_required']);

function advice(status) {
  switch (status.status) {
    case 'not_configured':
      return 'Fill in the settings above and press Configure OAuth.';
    case 'not_authorized':
      return 'Press Authorize Export to sign in to the CRM and allow access.';
    case 'failed':
    case 'reauthorization_required': {
      // The API's message often says what to do already; add advice only where it does not.
      if (/Authorize Export/i.test(status.message ?? '')) return '';
      const code = Object.keys(ADVICE_BY_ERROR).find((c) =>
        `${status.lastError ?? ''} ${status.message ?? ''}`.includes(c),
      );
      if (code) return ADVICE_BY_ERROR[code];
      return status.status === 'failed'
        ? 'Check the settings above against the CRM’s connected app, then press Authorize Export again.'
        : 'Deliveries wait (parked) and resume by themselves once you press Authorize Export and allow access again.';
    }
    default:
      return '';
  }
}

function details(status) {
  if (status.status !== 'authorized') return null;
  const parts = [];
  if (status.scopes?.length) parts.push(`Scopes: ${status.scopes.join(' ')}`);
  if (status.authorizedAt) parts.push(`authorized ${formatTime(status.authorizedAt)}`);
  if (status.expiresAt) parts.push(`access token valid until ${formatTime(status.expiresAt)}`);
  return [
    parts.length ? el('p', { class: 'result-details' }, parts.join(' · ')) : null,
    // A later attempt that failed (e.g. declined) leaves the working authorization in place.
    status.lastError
      ? el('p', { class: 'result-warning' }, `${status.lastError} The current authorization still works.`)
      : null,
  ];
}

/** Renders the outcome for a `GET /v1/exports/:id/oauth` answer, with an optional note first. */
export function renderResult(node, status, note) {
  const tone = TONES[status.status] ?? 'neutral';
  node.className = `oauth-result result ${tone}`;
  node.dataset.status = status.status;
  const todo = advice(status);
  const parts = [
    note ? el('p', { class: 'result-note' }, note) : null,
    el(
      'p',
      { class: 'result-title' },
      el('span', { class: 'dot', 'aria-hidden': 'true' }),
      TITLES[status.status] ?? status.status,
    ),
    details(status),
    status.message && SHOW_API_MESSAGE.has(status.status) ? el('p', { class: 'result-message' }, status.message) : null,
    todo ? el('p', { class: 'result-todo' }, todo) : null,
  ];
  node.replaceChildren(...parts.flat().filter(Boolean));
}

/** Shows a waiting line (spinner) while the popup or the exchange runs. */
export function renderWaiting(node, text) {
  node.className = 'oauth-result result info';
  node.dataset.status = 'waiting';
  node.replaceChildren(
    el('p', { class: 'result-title' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), text),
  );
}
