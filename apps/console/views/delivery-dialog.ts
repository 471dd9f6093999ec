import { html } from '../../http/views/html.ts';

/** The confirmation dialog dialog.js (confirmAction) fills, for the delivery pages' actions. */
export function confirmDialog() {
  return html`<dialog class="dialog" id="confirm-dialog" aria-labelledby="confirm-title">
  <form method="dialog">
    <h2 id="confirm-title">Are you sure?</h2>
    <p id="confirm-text"></p>
    <div class="actions end">
      <button class="button quiet" value="cancel" type="submit">Cancel</button>
      <button class="button primary" value="confirm" type="submit" id="confirm-button">Confirm</button>
    </div>
  </form>
</dialog>`;
}
