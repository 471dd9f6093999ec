import { z } from 'zod';
import { DELIVERY_STATUSES } from '../../../core/deliveries/state.ts';
import { CONNECTION_STATUSES } from '../../../core/oauth/connection-store.ts';
import { instant, page } from './common.ts';

// Answers of exports, their OAuth configuration, engagements and deliveries (docs/api/exports.md,
// engagements.md, deliveries.md, delivery-inspector.md), as apps/core/exports/views.ts,
// oauth-config.ts and apps/core/deliveries/queries.ts build them.

const connectionStatus = z
  .enum(CONNECTION_STATUSES)
  .meta({ id: 'ConnectionStatus', description: 'Where the export’s OAuth authorization stands (docs/api/exports.md)' });

const connectionFields = {
  configured: z.boolean(),
  status: connectionStatus,
  message: z.string().meta({ description: 'What the status means, for a person' }),
};

const exportFields = {
  id: z.string().meta({ example: 'exp_3kTz0aQ1bN5xY7wE' }),
  name: z.string(),
  webhookUrl: z.string(),
  enabled: z.boolean(),
  status: z
    .enum([...CONNECTION_STATUSES, 'disabled'])
    .meta({ description: '`disabled` when the export is switched off, else its OAuth status' }),
  disabledReason: z.string().nullable(),
  oauth: z.object(connectionFields),
  previousSigningSecretExpiresAt: instant
    .nullable()
    .meta({ description: 'While a rotated-out signing secret still signs beside the new one' }),
  retrySchedule: z.array(z.int()).meta({ description: 'Seconds to wait after each failed attempt, before the next' }),
  permanentStatuses: z.array(z.int()).meta({ description: '4xx statuses that fail at once instead of being retried' }),
  maxInFlight: z.int(),
  rateLimitPerMinute: z.int().nullable(),
  ordered: z.boolean(),
  createdAt: instant,
  updatedAt: instant,
};

export const exportAnswer = z.object(exportFields).meta({ id: 'Export' });
export const exportList = page(exportAnswer);
export const createdExport = z.object({
  ...exportFields,
  signingSecret: z
    .string()
    .meta({ description: 'The Standard Webhooks signing secret (`whsec_…`), in this answer only' }),
});
export const rotatedSecret = z.object({
  signingSecret: z.string().meta({ description: 'The new signing secret (`whsec_…`), in this answer only' }),
  previousSigningSecretExpiresAt: instant,
});

const oauthConfig = z
  .object({
    authorizationUrl: z.string(),
    tokenUrl: z.string(),
    clientId: z.string(),
    clientSecretSet: z.literal(true),
    scopes: z.array(z.string()),
    tokenAuthMethod: z.enum(['client_secret_post', 'client_secret_basic']),
    issuer: z.string().nullable(),
    revocationUrl: z.string().nullable(),
    redirectUri: z.string().meta({ description: 'Register this callback URL at the CRM' }),
    updatedAt: instant,
  })
  .meta({ id: 'OAuthConfig' });
export const oauthConfigAnswer = oauthConfig;

const oauthStatusFields = {
  ...connectionFields,
  authorizedAt: instant.optional(),
  expiresAt: instant.optional(),
  scopes: z.array(z.string()).optional(),
  lastError: z.string().optional(),
  config: oauthConfig.optional().meta({ description: 'Once configured' }),
};
export const oauthStatus = z.object(oauthStatusFields).meta({ id: 'OAuthStatus' });
export const disconnected = z.object({
  ...oauthStatusFields,
  revocation: z
    .enum(['confirmed', 'failed', 'not_configured'])
    .meta({ description: 'What the CRM’s revocation endpoint said (RFC 7009), within 5 s' }),
});

const endpointCheck = { reachable: z.boolean(), detail: z.string() };
export const oauthCheck = z.object({
  authorizationEndpoint: z.object(endpointCheck),
  tokenEndpoint: z.object({
    ...endpointCheck,
    clientAuthentication: z
      .enum(['accepted', 'rejected', 'unknown'])
      .meta({ description: '`rejected`: the token endpoint refused the client ID or secret (invalid_client or 401)' }),
  }),
});

export const engagementAccepted = z.object({
  engagementId: z.string(),
  id: z.string().meta({ description: 'The engagement’s own `id`, as posted' }),
  duplicate: z
    .boolean()
    .meta({ description: 'true when the group had received this `id` already: nothing new is sent' }),
  deliveries: z.array(z.object({ id: z.string(), exportId: z.string(), status: z.string() })),
});

const deliveryStatus = z.enum(DELIVERY_STATUSES).meta({ id: 'DeliveryStatus' });

const deliveryFields = {
  id: z.string().meta({ description: 'Also the `webhook-id` the receiver sees' }),
  exportId: z.string(),
  engagementId: z.string(),
  status: deliveryStatus,
  attemptCount: z.int(),
  lastStatusCode: z.int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: instant.nullable(),
  waitingFor: z
    .string()
    .nullable()
    .meta({ description: 'Ordered exports: the earlier delivery this pending one waits for' }),
  createdAt: instant,
  deliveredAt: instant.nullable(),
  eventType: z
    .enum(['engagement.completed', 'engagement.test'])
    .meta({ description: 'The webhook body’s `type`: `engagement.test` for a test event' }),
};
export const delivery = z.object(deliveryFields).meta({ id: 'Delivery' });
export const deliveryList = page(delivery);

/** `GET /v1/deliveries`: the group's log across exports, each item naming its export. */
export const groupDeliveryList = page(
  z
    .object({
      ...deliveryFields,
      exportName: z.string(),
      postedEngagementId: z.string().meta({
        description: 'The engagement’s id as the contact center posted it (`engagementId` is the connector’s)',
      }),
    })
    .meta({ id: 'GroupDelivery' }),
);

const headerValues = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
export const deliveryDetail = z.object({
  ...deliveryFields,
  exportName: z.string(),
  requestId: z
    .string()
    .nullable()
    .meta({ description: 'The id (X-Request-Id) of the request that made the delivery or last sent it again' }),
  nextStep: z
    .string()
    .nullable()
    .meta({ description: 'For a parked delivery, what an operator does so it is sent; null otherwise' }),
  request: z.object({
    url: z.string().nullable(),
    headers: z
      .record(z.string(), z.string())
      .nullable()
      .meta({ description: 'As sent on the latest attempt, the access token masked' }),
    body: z.string().nullable(),
  }),
  attempts: z.array(
    z.object({
      attempt: z.int(),
      startedAt: instant,
      statusCode: z.int().nullable(),
      durationMs: z.int(),
      error: z.string().nullable(),
      responseHeaders: headerValues.nullable(),
      responseBody: z.string().nullable().meta({ description: 'The first 4 KiB of the answer' }),
      responseSnippet: z.string().nullable().meta({ description: 'The same as responseBody, under its earlier name' }),
    }),
  ),
});

export const replayed = z.object({ replayed: z.int().meta({ description: 'How many deliveries were queued again' }) });
export const retriedMany = z.object({
  retried: z.int(),
  truncated: z.boolean().meta({ description: 'true when more matched than one call retries (10,000)' }),
});
export const newDelivery = z.object({ deliveryId: z.string() });
