// Every console page: when the page was opened at another address than the connector's own
// (PUBLIC_URL, in <body data-public-origin>), e.g. http://127.0.0.1:3000 while PUBLIC_URL says
// http://localhost:3000, say so with a link to the same page there. The CRM sends the browser
// back to PUBLIC_URL after "Authorize Export", where the cookie that ties the authorization to
// this browser (set at the address the console was opened at) is not sent: it would fail.
import { el } from './dom.js';

const expected = document.body.dataset.publicOrigin;
if (expected && expected !== location.origin) {
  const here = `${expected}${location.pathname}${location.search}${location.hash}`;
  const banner = el(
    'div',
    { class: 'banner warn', id: 'origin-warning', role: 'alert' },
    el(
      'p',
      {},
      `You opened the console at ${location.origin}; this connector's address is ${expected}. ` +
        `Authorize Export only works from ${expected}.`,
    ),
    // A block of its own: a link inside the sentence would need more than colour to stand out.
    el('p', {}, el('a', { href: here, text: `Open this page at ${expected}` })),
  );
  const main = document.getElementById('main');
  if (main) main.prepend(banner);
  else document.body.prepend(banner);
}
