import type { z } from 'zod';
import type { ErrorCode } from '../../core/error-codes.ts';
import type { Privilege } from '../../core/groups/roles.ts';

/** An HTTP method of a /v1 route, as Express lists it. */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a route:
 * - `public`: no credential (sign-in, the document itself);
 * - `credential`: any credential of the group (token, console session, signed request, app token);
 * - `member`: a member's credential; an API key's signature is refused (403 MEMBER_REQUIRED).
 */
export type Access = 'public' | 'credential' | 'member';

/** The groups of the reference page and of the document's `tags`, in the order they are shown. */
export const TAGS = [
  { name: 'Authentication', description: 'Authorization tokens, the console session, the caller’s own account' },
  { name: 'Groups and members', description: 'The caller’s groups, their members and trusted browser origins' },
  { name: 'Exports', description: 'CRM webhooks, their delivery policy and signing secrets' },
  { name: 'Export OAuth', description: 'The OAuth client of an export at the CRM and its authorization' },
  { name: 'Engagements', description: 'Completed engagements in' },
  { name: 'Deliveries', description: 'The delivery log, retries, resends and replays' },
  { name: 'Notifications', description: 'Where a group’s operators learn what needs them' },
  { name: 'API keys and partners', description: 'Credentials for software: server API keys and partners' },
  { name: 'Single sign-on', description: 'A group’s OpenID Connect provider' },
  { name: 'Third-party apps', description: 'OAuth 2.0 apps acting for members (docs/api/third-party-apps.md)' },
  { name: 'Audit', description: 'The group’s audit log' },
  { name: 'Discovery', description: 'This description of the API' },
] as const;
export type Tag = (typeof TAGS)[number]['name'];

/** One documented answer: its description and, for a body, the zod schema of the JSON it carries. */
export interface Answer {
  description: string;
  schema?: z.ZodType;
  /** The answer is a redirect: it names where in `Location`. */
  location?: boolean;
  /** A `text/plain` body, described (a redirect's courtesy line). */
  text?: string;
}

/** One /v1 route as the document describes it. */
export interface RouteDoc {
  method: Method;
  /** The Express path, e.g. `/v1/exports/:id` (the document writes `{id}`). */
  path: string;
  tag: Tag;
  summary: string;
  description?: string;
  access: Access;
  /** The privilege the route checks (403 FORBIDDEN without it); also the third-party apps' scope. */
  privilege?: Privilege;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The body may be left out altogether (an action that needs none). */
  bodyOptional?: boolean;
  /** Every successful answer (2xx, 3xx) by status. */
  answers: Partial<Record<number, Answer>>;
  /** Problem codes of this route beyond the ones its access, body, query and path imply (problems.ts). */
  problems?: ErrorCode[];
}

/** `/v1/exports/:id` → `/v1/exports/{id}` (OpenAPI path templating, §4.8.2). */
export const openApiPath = (expressPath: string): string => expressPath.replace(/:(\w+)/g, '{$1}');

/** The key route tables use: `METHOD /path` with Express parameters. */
export const routeKey = (route: Pick<RouteDoc, 'method' | 'path'>): string => `${route.method} ${route.path}`;
