import { describe, expect, it } from 'vitest';
import { signInUrl } from '../../apps/console/session.ts';
import { safeNext } from '../../apps/http/safe-next.ts';
import { html } from '../../apps/http/views/html.ts';

// The preset is a browser module (plain JS, no build step): imported by a path in a variable so
// TypeScript does not look for its declarations, and typed here.
const presetModule = '../../apps/console/assets/js/salesforce.js';
const { salesforcePreset } = (await import(presetModule)) as {
  salesforcePreset(choice: string, myDomain?: string): Record<string, string>;
};

describe('the console sign-in return address', () => {
  it('keeps paths inside the console with their query', () => {
    expect(safeNext('/console/exports/exp_1?tab=oauth')).toBe('/console/exports/exp_1?tab=oauth');
    expect(safeNext('/console')).toBe('/console');
  });

  it('falls back to the exports list for anything that could leave the console', () => {
    for (const next of [
      '//evil.example/console',
      '/\\evil.example',
      'https://evil.example/console/exports',
      '/consolex',
      '/v1/exports',
      '/console/../v1/auth/me',
      '/console/sign-in?next=/console',
      'javascript:alert(1)',
      undefined,
      42,
    ]) {
      expect(safeNext(next)).toBe('/console/exports');
    }
  });

  it('builds the sign-in URL that comes back to the page', () => {
    expect(signInUrl('/console/exports/exp_1', 'expired')).toBe(
      '/console/sign-in?reason=expired&next=%2Fconsole%2Fexports%2Fexp_1',
    );
  });
});

describe('the console templates', () => {
  it('escape every interpolated value', () => {
    const name = '<img src=x onerror=alert(1)>"\'&';
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;">&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;</p>',
    );
    expect(html`<ul>${['<a>', html`<li>ok</li>`]}</ul>`.value).toBe('<ul>&lt;a&gt;<li>ok</li></ul>');
  });
});

describe('the Salesforce preset', () => {
  it('uses the login host of production and sandboxes', () => {
    expect(salesforcePreset('login')).toEqual({
      authorizationUrl: 'https://login.salesforce.com/services/oauth2/authorize',
      tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
      scopes: 'api refresh_token offline_access',
      tokenAuthMethod: 'client_secret_post',
    });
    expect(salesforcePreset('test').tokenUrl).toBe('https://test.salesforce.com/services/oauth2/token');
  });

  it('accepts a My Domain host, typed or pasted as a URL, and nothing else', () => {
    expect(
      salesforcePreset('mydomain', ' https://Acme--UAT.sandbox.my.salesforce.com/lightning ').authorizationUrl,
    ).toBe('https://acme--uat.sandbox.my.salesforce.com/services/oauth2/authorize');
    for (const host of [
      '',
      'acme.salesforce.com.evil.example',
      'evil.example/my.salesforce.com',
      'my.salesforce.com',
    ]) {
      expect(salesforcePreset('mydomain', host)).toHaveProperty('error');
    }
  });
});
