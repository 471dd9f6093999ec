import { html, type SafeHtml } from '../../http/views/html.ts';

/**
 * The confirmation dialog that dialog.js `confirmAction` fills in, one per page. `tone` is the
 * confirm button's look: `danger` for what cannot be undone (delete, revoke), `primary` for what
 * only sends again (retry, resend).
 */
export function confirmDialog(tone: 'danger' | 'primary' = 'danger'): SafeHtml {
  return html`<dialog class="dialog" id="confirm-dialog" aria-labelledby="confirm-title">
  <form method="dialog">
    <h2 id="confirm-title">Are you sure?</h2>
    <p id="confirm-text"></p>
    <div class="actions end">
      <button class="button quiet" value="cancel" type="submit">Cancel</button>
      <button class="button ${tone}" value="confirm" type="submit" id="confirm-button">Confirm</button>
    </div>
  </form>
</dialog>`;
}
