// Small DOM helpers. Every value from the API reaches the page through textContent or an
// attribute, never through innerHTML, so an export named "<script>" stays text.

/** Creates an element: el('td', {class: 'x'}, 'text', childNode). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Shows a message in an element that is hidden while empty. */
export function showMessage(node, message) {
  if (!node) return;
  node.textContent = message || '';
  node.hidden = !message;
}

const STATUS_TONES = {
  authorized: 'good',
  delivered: 'good',
  enabled: 'good',
  pending: 'info',
  delivering: 'info',
  not_authorized: 'neutral',
  not_configured: 'neutral',
  disabled: 'neutral',
  parked: 'warn',
  reauthorization_required: 'warn',
  failed: 'bad',
  dead: 'bad',
};

const STATUS_LABELS = {
  not_configured: 'Not configured',
  not_authorized: 'Not authorized',
  reauthorization_required: 'Re-authorize',
};

/** A coloured status pill. */
export function badge(status, label) {
  const text = label ?? STATUS_LABELS[status] ?? (status ? status[0].toUpperCase() + status.slice(1) : 'Unknown');
  return el('span', { class: `badge ${STATUS_TONES[status] ?? 'neutral'}`, 'data-status': status }, text);
}

/** Restyles an existing badge element in place. */
export function setBadge(node, status, label) {
  const fresh = badge(status, label);
  node.className = fresh.className;
  node.dataset.status = status;
  node.textContent = fresh.textContent;
}

// To the second, with the zone named ("6 Dec 2026, 17:45:03 UTC+1"): deliveries and attempts a
// second apart must read apart, and a manager comparing with the CRM's logs needs the offset.
const dateTime = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

/** "6 Dec 2026, 17:45:03 UTC+1" in the viewer's locale and time zone; "—" without a time. */
export function formatTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : dateTime.format(date);
}

/**
 * A `<time>` showing formatTime(iso), with the exact ISO 8601 instant in `datetime` and as its
 * tooltip; `text` replaces the shown words (a relative time, say).
 */
export function timeEl(iso, text) {
  if (!iso) return el('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return el('span', { class: 'muted' }, '—');
  const exact = date.toISOString();
  return el('time', { datetime: exact, title: exact }, text ?? formatTime(iso));
}

/** "3 min ago" / "in 2 h" for recent times, the date otherwise. */
export function relativeTime(iso) {
  if (!iso) return '—';
  const ms = new Date(iso).getTime() - Date.now();
  const abs = Math.abs(ms);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (abs < 60_000) return rtf.format(Math.round(ms / 1000), 'second');
  if (abs < 3_600_000) return rtf.format(Math.round(ms / 60_000), 'minute');
  if (abs < 86_400_000) return rtf.format(Math.round(ms / 3_600_000), 'hour');
  return formatTime(iso);
}

/** The host a webhook URL points at; `{instance_url}` URLs go to the authorized Salesforce org. */
export function webhookHost(url) {
  if (typeof url !== 'string') return '—';
  if (url.startsWith('{instance_url}')) return 'Salesforce org (instance URL)';
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Hides or disables the controls the signed-in member has no privilege for. */
export function applyPrivileges(root = document) {
  const held = new Set((document.body.dataset.privileges || '').split(' ').filter(Boolean));
  for (const node of root.querySelectorAll('[data-requires]')) {
    if (held.has(node.dataset.requires)) continue;
    if (['A', 'FORM', 'DETAILS'].includes(node.tagName)) node.hidden = true;
    else node.disabled = true;
    node.dataset.forbidden = 'true';
    node.title = 'Your role does not allow this';
  }
}

/** True when the signed-in member holds the privilege. */
export function can(privilege) {
  return (document.body.dataset.privileges || '').split(' ').includes(privilege);
}
