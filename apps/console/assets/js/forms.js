// Form plumbing shared by every page: inline field errors from problem+json `errors[]`,
// a busy state while a request runs, and the signed-in shell (sign-out).
import { api, ApiError } from './api.js';
import { $, applyPrivileges, showMessage } from './dom.js';

/** Clears every inline error of a form. */
export function clearErrors(form) {
  for (const node of form.querySelectorAll('.field-error')) showMessage(node, '');
  for (const node of form.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
  showMessage(form.querySelector('.form-error'), '');
}

/**
 * Shows an API error on a form: each `errors[]` entry beside the input of the same name (the
 * inputs are named after the API's fields), anything else in the form's alert line.
 */
export function showErrors(form, error, fieldAliases = {}) {
  clearErrors(form);
  const unplaced = [];
  const errors = error instanceof ApiError ? error.errors : [];
  for (const entry of errors) {
    const name = fieldAliases[entry.field] ?? String(entry.field).split('.')[0];
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    const slot = form.querySelector(`#${CSS.escape(name)}-error`);
    if (input && slot) {
      input.setAttribute('aria-invalid', 'true');
      const previous = slot.hidden ? '' : `${slot.textContent} `;
      showMessage(slot, `${previous}${sentence(entry.message)}`);
    } else {
      unplaced.push(`${entry.field}: ${entry.message}`);
    }
  }
  const summary = unplaced.length ? unplaced.join('; ') : errors.length ? '' : error.message;
  showMessage(form.querySelector('.form-error'), summary);
  form.querySelector('[aria-invalid="true"]')?.focus();
}

function sentence(text) {
  const s = String(text ?? '');
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** Runs `work` with the form's submit button disabled and marked busy. */
export async function whileBusy(button, work) {
  const wasDisabled = button?.disabled;
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  try {
    return await work();
  } finally {
    if (button) {
      button.disabled = wasDisabled ?? false;
      button.removeAttribute('aria-busy');
    }
  }
}

/** Wires the parts every signed-in page has: sign-out and privilege-gated controls. */
export function initShell() {
  applyPrivileges();
  $('#sign-out')?.addEventListener('click', async (event) => {
    event.currentTarget.disabled = true;
    try {
      await api('POST', '/v1/auth/logout');
    } catch {
      // Signed out already (401 sends us to sign-in) or unreachable: the sign-in page follows either way.
    }
    location.assign('/console/sign-in?reason=signed-out');
  });
}
