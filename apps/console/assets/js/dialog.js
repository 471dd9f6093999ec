// A confirmation dialog (<dialog>, not window.confirm, so it looks like the product and can say
// exactly what will happen).
import { $ } from './dom.js';

/** Resolves true when the manager confirms. */
export function confirmAction({ title, text, confirmLabel }) {
  const dialog = $('#confirm-dialog');
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-button').textContent = confirmLabel;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}
