// "Check configuration": the connector tries the saved Client ID and Client Secret at the token
// endpoint with a made-up code (POST /v1/exports/:id/oauth/check; nothing is stored or changed) and
// looks at the authorization endpoint; the verdict is said here in plain words.
import { api, seg } from './api.js';
import { $, el } from './dom.js';
import { showErrors, whileBusy } from './forms.js';

/** The verdict's title, tone and a short key (data-verdict, for tests and styling). */
function verdictOf(answer) {
  const token = answer?.tokenEndpoint ?? {};
  const authorization = answer?.authorizationEndpoint ?? {};
  if (!token.reachable) return { key: 'unreachable', tone: 'bad', title: 'The Access Token URL could not be reached' };
  if (token.clientAuthentication === 'rejected')
    return { key: 'rejected', tone: 'bad', title: 'The CRM rejected the Client ID or Client Secret' };
  if (!authorization.reachable)
    return { key: 'unreachable', tone: 'bad', title: 'The Authorization URL could not be reached' };
  if (token.clientAuthentication === 'accepted')
    return { key: 'accepted', tone: 'good', title: 'The CRM accepted the Client ID and Client Secret' };
  return {
    key: 'unknown',
    tone: 'warn',
    title: 'The CRM did not say whether the Client ID and Client Secret are right',
  };
}

function tokenLine(token) {
  if (!token.reachable) return `Access Token URL: not reachable. ${token.detail ?? ''}`;
  const words = {
    accepted: 'reachable; the Client ID and Client Secret were accepted.',
    rejected: 'reachable; it refused the Client ID and Client Secret (invalid_client).',
    unknown: 'reachable; its answer did not tell whether the Client ID and Client Secret are right.',
  };
  return `Access Token URL: ${words[token.clientAuthentication] ?? words.unknown} ${token.detail ?? ''}`;
}

function authorizationLine(authorization) {
  return authorization.reachable
    ? `Authorization URL: reachable. ${authorization.detail ?? ''}`
    : `Authorization URL: not reachable. ${authorization.detail ?? ''}`;
}

const ADVICE = {
  rejected:
    'Copy the Client ID and Client Secret again from the CRM’s connected app (Salesforce: Consumer Key and Consumer Secret), press Configure OAuth, and check again. Also compare the client authentication method with the app’s.',
  unreachable: 'Check the URL for typos, and that the connector’s network may reach that host.',
  unknown: 'Authorize Export will tell for sure.',
  accepted: 'Press Authorize Export to sign in to the CRM and allow access.',
};

/** Renders a POST …/oauth/check answer. */
export function renderCheck(node, answer) {
  const verdict = verdictOf(answer);
  node.className = `check-result result ${verdict.tone}`;
  node.dataset.verdict = verdict.key;
  node.replaceChildren(
    el('p', { class: 'result-title' }, el('span', { class: 'dot', 'aria-hidden': 'true' }), verdict.title),
    el('p', {}, authorizationLine(answer?.authorizationEndpoint ?? {}).trim()),
    el('p', {}, tokenLine(answer?.tokenEndpoint ?? {}).trim()),
    el('p', { class: 'result-todo' }, ADVICE[verdict.key]),
  );
}

/** The check could not run (not configured yet, the endpoint unavailable, no privilege …). */
function renderCheckError(node, error) {
  node.className = 'check-result result bad';
  node.dataset.verdict = 'error';
  node.replaceChildren(
    el(
      'p',
      { class: 'result-title' },
      el('span', { class: 'dot', 'aria-hidden': 'true' }),
      'The configuration could not be checked',
    ),
    el('p', {}, error.message),
  );
}

/** Wires "Check configuration" for one export; `panel` is what initOauthPanel answers. */
export function initCheckConfiguration(exportId, panel) {
  const node = $('#check-result');
  const button = $('#check-configuration');
  button.addEventListener('click', async () => {
    node.replaceChildren();
    node.className = 'check-result';
    delete node.dataset.verdict;
    try {
      await panel.saveIfChanged();
    } catch (error) {
      if (error.status !== 401) showErrors(panel.form, error);
      return;
    }
    try {
      const answer = await whileBusy(button, () => api('POST', `/v1/exports/${seg(exportId)}/oauth/check`));
      renderCheck(node, answer);
    } catch (error) {
      if (error.status !== 401) renderCheckError(node, error);
    }
  });
}
