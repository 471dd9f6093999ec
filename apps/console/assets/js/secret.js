// The "shown once" signing secret: a read-only field with a Copy button. It exists only in this
// page's memory; it is never stored, and reloading the page makes it disappear for good.
import { el } from './dom.js';

/** Copies a field's value and says so on the button for a moment. */
export async function copyField(input, button) {
  let done = false;
  try {
    await navigator.clipboard.writeText(input.value);
    done = true;
  } catch {
    // No clipboard permission (or an insecure context): select the text for Ctrl+C instead.
    input.select();
    done = document.execCommand?.('copy') ?? false;
  }
  button.textContent = done ? 'Copied' : 'Press Ctrl+C';
  setTimeout(() => {
    button.textContent = 'Copy';
  }, 2000);
}

/** Shows `secret` once inside `container` with a Copy button. */
export function showSecretOnce(container, secret, label = 'Signing secret') {
  const id = `${container.id}-value`;
  const input = el('input', { id, class: 'mono', readonly: true, value: secret, spellcheck: 'false' });
  const button = el('button', { type: 'button', class: 'button' }, 'Copy');
  button.addEventListener('click', () => copyField(input, button));
  input.addEventListener('focus', () => input.select());
  container.replaceChildren(
    el('label', { for: id }, label),
    el('div', { class: 'secret-row' }, input, button),
    el('p', { class: 'hint warn' }, 'Copy it now: it is shown only this once. If it is lost, rotate it.'),
  );
  container.hidden = false;
}
