// Trusted origins: GET /v1/groups/:group/origins, edited as rows and saved at once with PUT,
// which answers them normalized; a refused entry comes back as `origins.<index>` and is shown
// under its own row (docs/api/cors.md).
import { api } from './api.js';
import { groupPath, loadIfReadable } from './admin-common.js';
import { $, applyPrivileges, can, el, showMessage } from './dom.js';
import { initShell, whileBusy } from './forms.js';

initShell();
const form = $('#origins-form');
const list = $('#origin-rows');
const saved = $('#origins-saved');
const formError = $('#origins-error');
const max = Number(form.dataset.max);
let nextId = 0;

function renumber() {
  [...list.children].forEach((item, index) => {
    item.querySelector('label').textContent = `Origin ${index + 1}`;
    item.querySelector('.remove-origin').setAttribute('aria-label', `Remove origin ${index + 1}`);
  });
  $('#origins-empty').hidden = list.children.length > 0;
  $('#add-origin').disabled = !can('origins:manage') || list.children.length >= max;
}

function originRow(value = '') {
  const id = `origin-${nextId++}`;
  const input = el('input', {
    id,
    value,
    inputmode: 'url',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'https://app.example.com',
    'aria-describedby': `${id}-error`,
    'data-requires': 'origins:manage',
  });
  const remove = el(
    'button',
    { type: 'button', class: 'button small quiet remove-origin', 'data-requires': 'origins:manage' },
    'Remove',
  );
  const item = el(
    'li',
    { class: 'origin-row' },
    el('label', { for: id, class: 'visually-hidden' }),
    el('div', { class: 'origin-edit' }, input, remove),
    el('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  );
  input.addEventListener('input', () => showMessage(saved, ''));
  remove.addEventListener('click', () => {
    const neighbour = item.nextElementSibling ?? item.previousElementSibling;
    item.remove();
    renumber();
    showMessage(saved, '');
    (neighbour?.querySelector('input') ?? $('#add-origin')).focus();
  });
  applyPrivileges(item);
  return item;
}

function show(origins) {
  list.replaceChildren(...origins.map((origin) => originRow(origin)));
  renumber();
}

function clearRowErrors() {
  for (const node of list.querySelectorAll('.field-error')) showMessage(node, '');
  for (const node of list.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
  showMessage(formError, '');
}

$('#add-origin').addEventListener('click', () => {
  const item = originRow();
  list.append(item);
  renumber();
  item.querySelector('input').focus();
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearRowErrors();
  showMessage(saved, '');
  // Blank rows are left out; each sent entry remembers its row, for the API's `origins.<index>` errors.
  const rows = [...list.children].filter((item) => item.querySelector('input').value.trim() !== '');
  const origins = rows.map((item) => item.querySelector('input').value.trim());
  try {
    const answer = await whileBusy(form.querySelector('[type="submit"]'), () =>
      api('PUT', groupPath('/origins'), { origins }),
    );
    show(answer.origins);
    const count = answer.origins.length;
    showMessage(
      saved,
      count ? `Saved: ${count} origin${count === 1 ? '' : 's'} trusted.` : 'Saved: no origin is trusted.',
    );
  } catch (error) {
    if (error.status === 401) return;
    const unplaced = [];
    for (const entry of error.errors ?? []) {
      const match = /^origins\.(\d+)$/.exec(String(entry.field));
      const item = match ? rows[Number(match[1])] : undefined;
      if (!item) {
        unplaced.push(`${entry.field}: ${entry.message}`);
        continue;
      }
      item.querySelector('input').setAttribute('aria-invalid', 'true');
      const text = String(entry.message ?? '');
      showMessage(item.querySelector('.field-error'), text.charAt(0).toUpperCase() + text.slice(1));
    }
    const placed = (error.errors ?? []).length - unplaced.length;
    showMessage(
      formError,
      unplaced.length
        ? unplaced.join('; ')
        : placed
          ? 'Nothing was saved: correct the origins marked above.'
          : error.message,
    );
    list.querySelector('[aria-invalid="true"]')?.focus();
  }
});

loadIfReadable({
  privilege: 'origins:manage',
  unreadable: $('#origins-unreadable'),
  table: form,
  what: 'the trusted origins',
  load: async () => {
    const answer = await api('GET', groupPath('/origins'));
    $('#origins-loading').hidden = true;
    show(answer.origins);
  },
});
