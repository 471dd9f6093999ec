import type { CallbackOutcome } from '../../../core/oauth/callback.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

const HEADINGS: Record<CallbackOutcome['status'], string> = {
  pending: 'Finishing the connection…',
  authorized: 'Export authorized',
  failed: 'Authorization failed',
  rejected: 'This authorization answer was refused',
};

/**
 * The callback page: no third-party content and no inline script (the CSP forbids both). The
 * outcome travels in data attributes; /oauth/callback/callback.js polls the result while it is
 * pending, then tells the console popup's opener (postMessage to PUBLIC_URL's origin) and closes,
 * or, opened on its own, shows the result with a link to the export and goes back there by itself.
 */
export function callbackPage(outcome: CallbackOutcome, publicUrl: string): string {
  const origin = new URL(publicUrl).origin;
  const exportUrl = outcome.exportId ? `${publicUrl}/console/exports/${encodeURIComponent(outcome.exportId)}` : '';
  const attributes = [
    ['status', outcome.status],
    ['request-id', outcome.requestId ?? ''],
    ['export-id', outcome.exportId ?? ''],
    ['opener-origin', origin],
    ['export-url', exportUrl],
  ]
    .map(([name, value]) => `data-${name}="${escapeHtml(value as string)}"`)
    .join(' ');
  const link = exportUrl
    ? `<p><a id="export-link" href="${escapeHtml(exportUrl)}">Back to the export</a></p>`
    : `<p><a href="${escapeHtml(publicUrl)}/console">Back to the console</a></p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(HEADINGS[outcome.status])}</title>
<link rel="stylesheet" href="/oauth/callback/callback.css">
<script src="/oauth/callback/callback.js" defer></script>
</head>
<body>
<main id="oauth-result" ${attributes} aria-live="polite">
<h1 id="heading">${escapeHtml(HEADINGS[outcome.status])}</h1>
<p id="message" role="status">${escapeHtml(outcome.message)}</p>
${link}
</main>
</body>
</html>
`;
}
