// The OAuth callback page's script (served as a file: the CSP allows no inline script).
// While the token exchange is pending it polls /oauth/callback/result (authorized by this
// browser's binding cookie); once final it tells the console popup's opener and closes, or,
// without an opener (popups blocked: the flow ran in the console's own tab), shows the result
// briefly with a link back to the export and then goes back there by itself.
(() => {
  const root = document.getElementById('oauth-result');
  if (!root) return;
  const { requestId, exportId, openerOrigin, exportUrl } = root.dataset;
  const heading = document.getElementById('heading');
  const message = document.getElementById('message');
  const headings = {
    pending: 'Finishing the connection…',
    authorized: 'Export authorized',
    failed: 'Authorization failed',
  };
  const POLL_MS = 1000;
  const GIVE_UP_MS = 120000;
  // Long enough to read the outcome; the export page shows it again, with what to do next.
  const RETURN_AFTER_MS = 3000;
  const startedAt = Date.now();

  function show(status, text) {
    root.dataset.status = status;
    if (heading) heading.textContent = headings[status] || status;
    if (message) message.textContent = text;
    document.title = headings[status] || status;
  }

  function finish(status, text) {
    show(status, text);
    const opener = window.opener;
    if (opener && !opener.closed && exportId) {
      opener.postMessage({ type: 'oauth-export-result', exportId, status, message: text }, openerOrigin);
      window.close();
      return;
    }
    if (exportUrl) returnToExport();
  }

  function returnToExport() {
    const note = document.createElement('p');
    note.id = 'returning';
    note.textContent = 'Going back to the export…';
    root.append(note);
    // replace(), not assign(): Back from the export page must not land on this spent callback URL.
    setTimeout(() => window.location.replace(exportUrl), RETURN_AFTER_MS);
  }

  async function poll() {
    try {
      const response = await fetch(`/oauth/callback/result?request=${encodeURIComponent(requestId)}`, {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { accept: 'application/json' },
      });
      if (response.ok) {
        const result = await response.json();
        if (result.status !== 'pending') return finish(result.status, result.message);
        show('pending', result.message);
      }
    } catch {
      // A network blip: try again on the next tick.
    }
    if (Date.now() - startedAt > GIVE_UP_MS) {
      return show('pending', 'This is taking longer than expected. The export page will show the result.');
    }
    setTimeout(poll, POLL_MS);
  }

  const status = root.dataset.status;
  if (status === 'pending' && requestId) poll();
  else if ((status === 'authorized' || status === 'failed') && requestId) finish(status, message?.textContent || '');
})();
