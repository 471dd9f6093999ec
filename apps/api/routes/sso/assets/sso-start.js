// "Sign in with SSO": submitting the group form navigates to /sso/start?group=… by script.
// A plain form submission would be followed by a redirect to the identity provider, and
// browsers apply the page's CSP `form-action 'self'` to that redirect too (CSP3 §6.3.2.1), so
// the provider's origin would be refused. A script navigation is not a form submission.
const form = document.getElementById('sso-form');
form?.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const query = new URLSearchParams({
    group: String(data.get('group') ?? '').trim(),
    next: String(data.get('next') ?? ''),
  });
  window.location.assign(`/sso/start?${query}`);
});
