import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Deps } from '../../core/deps.ts';
import { openApiDocument } from './document.ts';

/**
 * `GET /v1/openapi.json` (public): the document, built on the first request and kept (it changes
 * only with a release). Cacheable for an hour and revalidated by its strong `ETag` (RFC 9110
 * §8.8.3, §13.1.2): a matching `If-None-Match` answers 304 without the body.
 */
export function serveOpenApi(deps: Pick<Deps, 'config'>): RequestHandler {
  let cached: { json: string; etag: string } | undefined;
  return (req, res) => {
    if (!cached) {
      const { json } = openApiDocument(deps.config.PUBLIC_URL);
      cached = { json, etag: `"${createHash('sha256').update(json).digest('base64url')}"` };
    }
    res.set({ 'Cache-Control': 'public, max-age=3600', ETag: cached.etag });
    const match = req.get('if-none-match');
    if (match && (match.trim() === '*' || match.split(',').some((tag) => tag.trim() === cached?.etag))) {
      res.status(304).end();
      return;
    }
    res.type('application/json').send(cached.json);
  };
}
