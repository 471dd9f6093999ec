// "Send test event": POST /v1/exports/:id/test queues an `engagement.test` push to this export
// alone, through the same token, signature and log as real ones; the page links to its delivery.
import { api, seg } from './api.js';
import { inspectorHref } from './delivery-words.js';
import { $, el } from './dom.js';
import { whileBusy } from './forms.js';

/** Wires the button; `onQueued()` runs after a test event was queued (to refresh the deliveries). */
export function initTestEvent(exportId, onQueued) {
  const node = $('#test-event-result');
  const button = $('#send-test-event');
  button.addEventListener('click', async () => {
    node.replaceChildren();
    node.className = 'test-event-result';
    try {
      const answer = await whileBusy(button, () => api('POST', `/v1/exports/${seg(exportId)}/test`));
      node.className = 'test-event-result result info';
      node.dataset.outcome = 'queued';
      node.replaceChildren(
        el('p', { class: 'result-title' }, el('span', { class: 'dot', 'aria-hidden': 'true' }), 'Test event queued'),
        el(
          'p',
          {},
          'An engagement.test event is on its way to the webhook. ',
          el('a', { href: inspectorHref(answer.deliveryId), id: 'test-event-link' }, 'Open its delivery'),
          ' to see the request and the CRM’s answer.',
        ),
      );
      onQueued?.();
    } catch (error) {
      if (error.status === 401) return;
      node.className = 'test-event-result result bad';
      node.dataset.outcome = 'error';
      node.replaceChildren(
        el(
          'p',
          { class: 'result-title' },
          el('span', { class: 'dot', 'aria-hidden': 'true' }),
          'The test event was not sent',
        ),
        el('p', {}, error.message),
      );
    }
  });
}
