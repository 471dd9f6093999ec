// "Authorize Export": the provider's login runs in a popup so the manager keeps this page. The
// callback page (served by the connector) posts {type: 'oauth-export-result', exportId, status,
// message} to its opener and closes; when popups are blocked the same flow runs in this tab and
// the callback page sends the manager back to /console/exports/<id>.

const POPUP_NAME = 'authorize-export';
const RETURN_KEY = 'console:authorize-return';

/**
 * Opens the popup. MUST run synchronously inside the click handler: browsers only allow
 * window.open during the user's gesture. Returns null when the popup was blocked.
 */
export function openAuthorizePopup() {
  const width = 560;
  const height = 720;
  const left = Math.max(0, window.screenX + (window.outerWidth - width) / 2);
  const top = Math.max(0, window.screenY + (window.outerHeight - height) / 3);
  const popup = window.open(
    'about:blank',
    POPUP_NAME,
    `popup=yes,width=${width},height=${height},left=${Math.round(left)},top=${Math.round(top)}`,
  );
  if (!popup) return null;
  try {
    popup.document.title = 'Authorize Export';
    popup.document.body.textContent = 'Opening the CRM sign-in…';
    popup.document.body.style.font = '15px system-ui, sans-serif';
    popup.document.body.style.margin = '2rem';
  } catch {
    // Another page already named the window: nothing to decorate.
  }
  return popup;
}

/** The front-channel URL that starts the authorization request for an export. */
export const authorizeUrl = (exportId) => `/v1/exports/${encodeURIComponent(exportId)}/oauth/authorize`;

/** Sends the popup to the provider and calls `onDone(message | null)` once, when it reports or closes. */
export function watchPopup(popup, exportId, onDone) {
  let finished = false;
  const finish = (message) => {
    if (finished) return;
    finished = true;
    window.removeEventListener('message', onMessage);
    clearInterval(timer);
    onDone(message);
  };
  function onMessage(event) {
    // Only our own callback page may report (same origin), and only about this export.
    if (event.origin !== window.location.origin) return;
    const data = event.data;
    if (data?.type !== 'oauth-export-result' || data.exportId !== exportId) return;
    finish(data);
  }
  window.addEventListener('message', onMessage);
  const timer = setInterval(() => {
    if (popup.closed) finish(null);
  }, 400);
  popup.location.href = authorizeUrl(exportId);
  popup.focus();
}

/** The popup was blocked: run the flow in this tab, remembering to show the result on return. */
export function authorizeInThisTab(exportId) {
  sessionStorage.setItem(RETURN_KEY, exportId);
  window.location.assign(authorizeUrl(exportId));
}

/** True once after coming back from a same-tab authorization of this export. */
export function returnedFromAuthorize(exportId) {
  const back = sessionStorage.getItem(RETURN_KEY) === exportId;
  if (back) sessionStorage.removeItem(RETURN_KEY);
  return back;
}
