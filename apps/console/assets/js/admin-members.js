// Members: GET /v1/groups/:group/members, add (POST), change of role (PATCH) and removal (DELETE)
// (docs/api/groups-and-members.md). Without a password the answer's one-time setPasswordUrl is
// shown here once, for the admin to hand to the new member.
import { api, seg } from './api.js';
import { groupPath, loadIfReadable, me, refusalWords } from './admin-common.js';
import { confirmAction } from './dialog.js';
import { $, applyPrivileges, el, timeEl, showMessage } from './dom.js';
import { clearErrors, initShell, showErrors, whileBusy } from './forms.js';
import { copyField } from './secret.js';

initShell();
const body = $('#members-body');
const status = $('#members-status');
const pageError = $('#page-error');
const roles = [...$('#role').options].map((option) => option.value);

function say(message) {
  showMessage(pageError, '');
  showMessage(status, message);
}

function fail(message) {
  showMessage(status, '');
  showMessage(pageError, message);
}

function row(member) {
  const self = member.username === me();
  const select = el(
    'select',
    { 'aria-label': `Role of ${member.username}`, 'data-requires': 'members:manage', class: 'role-select' },
    roles.map((role) => el('option', { value: role, selected: role === member.role }, role)),
  );
  const save = el(
    'button',
    {
      type: 'button',
      class: 'button small',
      'aria-label': `Save role of ${member.username}`,
      'data-requires': 'members:manage',
      disabled: true,
    },
    'Save',
  );
  const remove = el(
    'button',
    {
      type: 'button',
      class: 'button small danger',
      'aria-label': `Remove ${member.username}`,
      'data-requires': 'members:manage',
    },
    'Remove',
  );
  const tr = el(
    'tr',
    { 'data-username': member.username, 'data-role': member.role },
    el(
      'th',
      { scope: 'row', 'data-label': 'Username' },
      member.username,
      self ? el('span', { class: 'muted small' }, ' (you)') : null,
    ),
    el('td', { 'data-label': 'Role' }, el('div', { class: 'role-edit' }, select, save)),
    el('td', { 'data-label': 'Added' }, timeEl(member.createdAt)),
    el('td', { class: 'row-actions' }, remove),
  );
  select.addEventListener('change', () => {
    save.disabled = select.value === tr.dataset.role;
  });
  save.addEventListener('click', () => changeRole(tr, select, save));
  remove.addEventListener('click', () => removeMember(tr, remove));
  applyPrivileges(tr);
  return tr;
}

async function changeRole(tr, select, save) {
  const username = tr.dataset.username;
  const role = select.value;
  try {
    const changed = await whileBusy(save, () => api('PATCH', groupPath(`/members/${seg(username)}`), { role }));
    tr.dataset.role = changed.role;
    save.disabled = true;
    say(
      `${username} is now ${changed.role === 'admin' ? 'an' : 'a'} ${changed.role}. It holds from their next request.`,
    );
    // The signed-in admin gave up their own role: the page must show what they may still do.
    if (username === me() && changed.role !== 'admin') location.reload();
  } catch (error) {
    if (error.status === 401) return;
    select.value = tr.dataset.role;
    save.disabled = true;
    fail(`The role of ${username} was not changed. ${refusalWords(error, username)}`);
  }
}

async function removeMember(tr, button) {
  const username = tr.dataset.username;
  const ok = await confirmAction({
    title: `Remove ${username}?`,
    text: `${username} leaves the group at once: their live sessions and tokens for this group stop working. You can add them again later.`,
    confirmLabel: 'Remove member',
  });
  if (!ok) return;
  try {
    await whileBusy(button, () => api('DELETE', groupPath(`/members/${seg(username)}`)));
    tr.remove();
    say(`${username} was removed; their tokens for this group no longer work.`);
    if (username === me()) location.reload();
  } catch (error) {
    if (error.status === 401) return;
    fail(`${username} was not removed. ${refusalWords(error, username)}`);
  }
}

async function load() {
  await loadIfReadable({
    privilege: 'members:manage',
    unreadable: $('#members-unreadable'),
    table: $('#members-table'),
    what: 'the group’s members',
    load: async () => {
      const page = await api('GET', groupPath('/members'));
      body.replaceChildren(...page.items.map(row));
    },
  });
}

const form = $('#add-form');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  const data = new FormData(form);
  const input = { username: String(data.get('username') || '').trim(), role: String(data.get('role')) };
  const password = String(data.get('password') || '');
  if (password) input.password = password;
  try {
    const added = await whileBusy(form.querySelector('[type="submit"]'), () =>
      api('POST', groupPath('/members'), input),
    );
    form.reset();
    showAdded(added);
    await load();
  } catch (error) {
    if (error.status === 401) return;
    if (error.code === 'PRIVILEGE_EXCEEDED') error.message = refusalWords(error, input.username);
    showErrors(form, error);
  }
});

/** The added member, and the one-time link to choose a password when none was given. */
function showAdded(added) {
  const link = $('#added-link');
  const article = added.role === 'admin' ? 'an' : 'a';
  if (added.setPasswordUrl) {
    $('#added-text').textContent =
      `${added.username} was added as ${article} ${added.role}. Give them this link to choose their password: it works once, within 72 hours.`;
    const input = el('input', {
      id: 'added-link-value',
      class: 'mono',
      readonly: true,
      value: added.setPasswordUrl,
      spellcheck: 'false',
    });
    const copy = el('button', { type: 'button', class: 'button' }, 'Copy');
    copy.addEventListener('click', () => copyField(input, copy));
    input.addEventListener('focus', () => input.select());
    link.replaceChildren(
      el('label', { for: 'added-link-value' }, 'Set-password link'),
      el('div', { class: 'secret-row' }, input, copy),
      el(
        'p',
        { class: 'hint warn' },
        'Copy it now: it is shown only this once. If it is lost, remove the member and add them again for a new link.',
      ),
    );
    link.hidden = false;
  } else {
    $('#added-text').textContent =
      `${added.username} was added as ${article} ${added.role} and signs in with the password you chose.`;
    link.replaceChildren();
    link.hidden = true;
  }
  $('#added-card').hidden = false;
  $('#added-card').focus();
}

$('#added-done').addEventListener('click', () => {
  $('#added-link').replaceChildren();
  $('#added-card').hidden = true;
  $('#username').focus();
});

load();
