import type { RequestHandler } from 'express';
import { AppError } from '../core/errors.ts';

// Query parameters that carry credentials in the legacy systems users migrate from (API key
// query strings, RFC 6750 §2.3 `access_token`, …). Compared lower-case, `-` and `_` alike.
const CREDENTIAL_PARAMETERS = new Set([
  'api_key',
  'apikey',
  'key_id',
  'keyid',
  'access_token',
  'accesstoken',
  'token',
  'auth_token',
  'authtoken',
  'id_token',
  'idtoken',
  'login_key',
  'loginkey',
  'secret',
  'client_secret',
  'password',
  'signature',
  'sig',
]);

/**
 * Refuses a credential in the URL with 400 and the reason, before anything reads it: URLs end up
 * in access logs, proxy logs, browser history and `Referer` headers (RFC 6750 §5.3 "Don't pass
 * bearer tokens in page URLs"), so a key sent that way must be treated as leaked. The message
 * says so and how to send it instead.
 */
export const refuseCredentialsInUrl: RequestHandler = (req, _res, next) => {
  const query = req.originalUrl.indexOf('?');
  if (query === -1) return next();
  for (const name of new URLSearchParams(req.originalUrl.slice(query + 1)).keys()) {
    if (CREDENTIAL_PARAMETERS.has(name.toLowerCase().replaceAll('-', '_'))) {
      throw new AppError(
        'CREDENTIALS_IN_URL',
        `The query parameter "${name}" looks like a credential, and credentials in a URL are refused: URLs are written to access logs, proxies and browser history, so treat that credential as leaked and replace it. Send an authorization token as "Authorization: Bearer <token>", or sign the request with an API key ("Authorization: Signature keyId=…,ts=…,nonce=…,sig=…").`,
        400,
      );
    }
  }
  next();
};
