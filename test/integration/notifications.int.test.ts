import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumeParkedDeliveries } from '../../apps/core/deliveries/parking.ts';
import { MAX_NOTIFICATION_ATTEMPTS } from '../../apps/core/notifications/outbox.ts';
import { runNotificationChecks } from '../../apps/core/notifications/periodic.ts';
import { announceReauthorizationRequired } from '../../apps/core/notifications/reauthorization.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import {
  authorizeWithProvider,
  postEngagement,
  providerHonours,
  seedTokens,
  setRetrySchedule,
  statusCounts,
  waitFor,
} from '../helpers/deliveries.ts';
import { api, createExport } from '../helpers/exports.ts';
import { requestJson } from '../helpers/http.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken, signInNewMember } from '../helpers/members.ts';
import { startNotificationReceiver, type NotificationReceiver } from '../helpers/notification-receiver.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

/** The connector's clock runs this far ahead of the real one: the tests move it instead of sleeping. */
const offset = { ms: 0 };
const clock = { now: () => new Date(Date.now() + offset.ms) };

const FAILING_AFTER_S = 60;
const DISABLE_AFTER_S = 120;

describe('notifications: a group is told once per condition, by signed webhook and by mail', () => {
  let connector: TestConnector;
  let token: string;
  let smtp: SmtpReceiver;
  let notifications: NotificationReceiver;
  let provider: TestOidcProvider | undefined;
  let secret: string | undefined;
  /**
   * The notification receiver's answer; `holdNext` keeps the next request of its type open until
   * released, then answers it `answer`.
   */
  const behaviour: {
    status: number;
    holdNext?: { type: string; released: Promise<void>; answer: number };
  } = { status: 200 };
  const heldAnswers = new Map<unknown, number>();
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    notifications = await startNotificationReceiver({
      secret: () => secret,
      hold: (request) => {
        const hold = behaviour.holdNext;
        if (!hold || hold.type !== request.type) return undefined;
        behaviour.holdNext = undefined;
        heldAnswers.set(request, hold.answer);
        return hold.released;
      },
      respond: (request) => heldAnswers.get(request) ?? behaviour.status,
    });
    connector = await startConnector({
      clock,
      env: {
        SMTP_URL: smtp.url,
        SMTP_FROM: 'connector@example.com',
        EXPORT_FAILING_AFTER: `${FAILING_AFTER_S}s`,
        EXPORT_DISABLE_AFTER: `${DISABLE_AFTER_S}s`,
      },
    });
    token = await connector.adminToken();
    rememberSecret(token);
  });
  afterAll(async () => {
    for (const receiver of receivers) await receiver.close();
    await provider?.close();
    await connector?.close();
    await notifications?.close();
    await smtp?.close();
  });

  /** An export whose CRM webhook answers as `respond` says, with tokens that need no OAuth server. */
  async function exportAnswering(name: string, respond: () => number, schedule: number[]) {
    const secrets: string[] = [];
    const receiver = await startWebhookReceiver({
      secrets: () => secrets,
      acceptToken: () => true,
      respond: () => ({ status: respond() }),
    });
    receivers.push(receiver);
    const exp = await createExport(connector, token, { name, webhookUrl: receiver.url });
    secrets.push(exp.signingSecret);
    await setRetrySchedule(connector, exp.id, schedule);
    await seedTokens(connector, exp.id);
    return { id: exp.id, receiver };
  }

  /** Every outbox row written so far has had its first attempt (none is still being sent for the first time). */
  async function outboxSettled(): Promise<void> {
    await waitUntil(
      async () =>
        // A row being sent is pending with no error yet; one whose attempt failed has its error.
        (await connector.deps.db.notificationOutbox.count({ where: { status: 'pending', lastError: null } })) === 0,
      { what: 'every notification to have been tried' },
    );
    await waitUntil(() => notifications.waiting() === 0, { what: 'no notification held by the receiver' });
  }

  /** The events the receiver accepted for one export, by type. */
  function eventsFor(exportId: string, type?: string) {
    return notifications.accepted(type).filter((r) => r.data.exportId === exportId);
  }

  it('PUT answers the signing secret once, GET shows the setting without it; admins only; fields checked', async () => {
    const put = await api(connector, 'PUT', '/groups/acme/notifications', token, {
      webhookUrl: notifications.url,
      emails: ['ops@example.com', 'OPS@example.com', 'oncall@example.com'],
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      webhookUrl: notifications.url,
      emails: ['ops@example.com', 'oncall@example.com'],
      smtpConfigured: true,
      signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/=]{32}$/),
    });
    secret = put.body.signingSecret;
    rememberSecret(secret);

    const viewer = await signInNewMember(connector, 'viewer');
    const manager = await signInNewMember(connector, 'manager');
    const got = await api(connector, 'GET', '/groups/acme/notifications', viewer.token);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      webhookUrl: notifications.url,
      emails: ['ops@example.com', 'oncall@example.com'],
      smtpConfigured: true,
      updatedAt: expect.any(String),
    });
    expect(got.text).not.toContain(secret);
    // The secret is stored encrypted, never as it was shown.
    const row = await connector.deps.db.groupNotification.findFirstOrThrow();
    expect(row.signingSecretEnc).not.toContain(String(secret).slice(6));

    // The same URL keeps its secret (none in the answer); only the addresses change.
    const same = await api(connector, 'PUT', '/groups/acme/notifications', token, {
      webhookUrl: notifications.url,
      emails: ['ops@example.com'],
    });
    expect(same.status).toBe(200);
    expect(same.body.signingSecret).toBeUndefined();
    expect(same.body.emails).toEqual(['ops@example.com']);

    for (const member of [viewer, manager]) {
      const refused = await api(connector, 'PUT', '/groups/acme/notifications', member.token, { emails: [] });
      expect(refused.status).toBe(403);
      expect((await api(connector, 'POST', '/groups/acme/notifications/test', member.token)).status).toBe(403);
    }

    const invalid = await api(connector, 'PUT', '/groups/acme/notifications', token, {
      webhookUrl: 'ftp://hooks.example.com/x',
      emails: ['ops@example.com', 'not an address'],
      slack: 'x',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('VALIDATION_FAILED');
    expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'emails.1',
      'slack',
      'webhookUrl',
    ]);
    // The outbound URL policy of export webhooks applies (credentials in the URL, here).
    const policy = await api(connector, 'PUT', '/groups/acme/notifications', token, {
      webhookUrl: 'http://user:pw@127.0.0.1:9/hooks',
    });
    expect(policy.status).toBe(400);
    expect(policy.body.errors).toEqual([{ field: 'webhookUrl', message: 'must not contain a user name or password' }]);

    // Another group's admin sees nothing of this group, and has nowhere to send a test to.
    expect((await api(connector, 'POST', '/groups', token, { name: 'notify-other' })).status).toBe(201);
    const other = String((await requestToken(connector, { ...ADMIN, group: 'notify-other' })).body.token);
    expect((await api(connector, 'GET', '/groups/acme/notifications', other)).status).toBe(404);
    expect((await api(connector, 'PUT', '/groups/acme/notifications', other, { emails: [] })).status).toBe(404);
    const nowhere = await api(connector, 'POST', '/groups/notify-other/notifications/test', other);
    expect(nowhere).toMatchObject({ status: 409, body: { code: 'NOTIFICATIONS_NOT_CONFIGURED' } });

    const audit = await connector.deps.db.auditLog.findMany({
      where: { action: 'group.notifications.update' },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((a) => JSON.parse(a.details ?? '{}').signingSecret)).toEqual(['new', 'kept']);
    expect(JSON.stringify(audit)).not.toContain(String(secret).slice(6));
  });

  it('the test endpoint sends notification.test, signed with the group secret, and a plain text mail', async () => {
    const mailsBefore = smtp.mails.length;
    const sent = await api(connector, 'POST', '/groups/acme/notifications/test', token);
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({
      type: 'notification.test',
      channels: [
        { channel: 'webhook', id: expect.stringMatching(/^ntf_/), status: 'sent' },
        { channel: 'email', id: expect.stringMatching(/^ntf_/), status: 'sent' },
      ],
    });
    const [event] = notifications.accepted('notification.test');
    expect(event).toMatchObject({
      webhookId: sent.body.channels[0].id,
      authorization: false,
      data: { groupName: 'acme', groupId: expect.any(String) },
    });
    expect(smtp.mails.length).toBe(mailsBefore + 1);
    const mail = smtp.mails[smtp.mails.length - 1];
    expect(mail).toMatchObject({ from: 'connector@example.com', to: ['ops@example.com'] });
    expect(mail?.subject).toBe('[Connector] Test notification');
    expect(mail?.raw).toMatch(/^Content-Type: text\/plain/im);
    expect(mail?.text).toContain('notifications reach this address');
    expect(
      await connector.deps.db.auditLog.count({ where: { action: 'group.notifications.test', outcome: 'success' } }),
    ).toBe(1);
  });

  it('a webhook answering 410 disables the export and announces export.disabled once; the console lists it', {
    timeout: 60_000,
  }, async () => {
    const gone = await exportAnswering('Gone CRM', () => 410, [0]);
    const mailsBefore = smtp.mails.length;
    await Promise.all([1, 2, 3].map((i) => postEngagement(connector, token, { id: `G-${i}` })));
    await waitFor(
      () => statusCounts(connector, gone.id),
      (c) => (c.failed ?? 0) + (c.parked ?? 0) === 3 && (c.failed ?? 0) >= 1,
      'the deliveries to fail or park',
    );
    await waitUntil(() => eventsFor(gone.id, 'export.disabled').length > 0, { what: 'export.disabled' });
    await outboxSettled();
    const events = eventsFor(gone.id);
    expect(events.map((e) => e.type)).toEqual(['export.disabled']);
    expect(events[0]?.data).toMatchObject({
      exportId: gone.id,
      exportName: 'Gone CRM',
      reason: 'webhook_gone',
      message: expect.stringContaining('410 Gone'),
      groupId: expect.any(String),
      consoleUrl: `${connector.baseUrl}/console/exports/${gone.id}`,
    });
    const mails = smtp.mails.slice(mailsBefore);
    expect(mails.map((m) => m.subject)).toEqual(['[Connector] Export "Gone CRM" was disabled']);
    expect(mails[0]?.text).toContain(`Open the export: ${connector.baseUrl}/console/exports/${gone.id}`);
    expect(mails[0]?.text).toContain('Reason code: webhook_gone');

    const page = await requestJson('GET', `${connector.baseUrl}/console/exports`, { token });
    expect(page.status).toBe(200);
    const row = new RegExp(`<tr data-export-id="${gone.id}" data-condition="disabled">[\\s\\S]*?</tr>`).exec(page.text);
    expect(row?.[0]).toContain('Gone CRM');
    expect(row?.[0]).toContain('410 Gone');
    expect(page.text).toContain('Needs attention');
  });

  it('deliveries going dead announce export.failing once; the next success announces export.recovered once', {
    timeout: 60_000,
  }, async () => {
    let status = 500;
    const flaky = await exportAnswering('Flaky CRM', () => status, [0]);
    await Promise.all([1, 2, 3].map((i) => postEngagement(connector, token, { id: `F-${i}` })));
    await waitFor(
      () => statusCounts(connector, flaky.id),
      (c) => c.dead === 3,
      'the three deliveries to go dead',
    );
    await waitUntil(() => eventsFor(flaky.id, 'export.failing').length > 0, { what: 'export.failing' });
    await outboxSettled();
    expect(eventsFor(flaky.id).map((e) => e.type)).toEqual(['export.failing']);
    expect(eventsFor(flaky.id)[0]?.data).toMatchObject({ reason: 'delivery_dead', exportName: 'Flaky CRM' });
    const before = await connector.deps.db.export.findUniqueOrThrow({ where: { id: flaky.id } });
    expect(before.lastSuccessAt).toBeNull();

    status = 200;
    await Promise.all([1, 2].map((i) => postEngagement(connector, token, { id: `F-ok-${i}` })));
    await waitFor(
      () => statusCounts(connector, flaky.id),
      (c) => c.delivered === 2,
      'the two new deliveries to be delivered',
    );
    await waitUntil(() => eventsFor(flaky.id, 'export.recovered').length > 0, { what: 'export.recovered' });
    await outboxSettled();
    expect(eventsFor(flaky.id).map((e) => e.type)).toEqual(['export.failing', 'export.recovered']);
    expect(eventsFor(flaky.id, 'export.recovered')[0]?.data).toMatchObject({ reason: 'delivered', ended: ['failing'] });
    // The time of the last success is kept; the export's own updatedAt (a manager's change) is not moved.
    const after = await connector.deps.db.export.findUniqueOrThrow({ where: { id: flaky.id } });
    expect(after.lastSuccessAt).toBeInstanceOf(Date);
    expect(after.updatedAt).toEqual(before.updatedAt);
    const condition = await connector.deps.db.exportCondition.findUniqueOrThrow({
      where: { exportId_kind: { exportId: flaky.id, kind: 'failing' } },
    });
    expect(condition.active).toBe(false);
  });

  it('an export whose grant the CRM revoked announces export.reauthorization_required once, and recovers once', {
    timeout: 90_000,
  }, async () => {
    provider = await startOidcProvider({ redirectUri: connector.deps.config.redirectUri, rotateRefreshTokens: true });
    const secrets: string[] = [];
    const receiver = await startWebhookReceiver({ secrets: () => secrets, acceptToken: providerHonours(provider) });
    receivers.push(receiver);
    const exp = await createExport(connector, token, { name: 'OAuth CRM', webhookUrl: receiver.url });
    secrets.push(exp.signingSecret);
    await authorizeWithProvider(connector, token, exp.id, provider);
    await postEngagement(connector, token, { id: 'O-1' });
    await waitFor(
      () => statusCounts(connector, exp.id),
      (c) => c.delivered === 1,
      'the first delivery',
    );

    const tokens = await connector.deps.db.oAuthConnection.findUniqueOrThrow({ where: { exportId: exp.id } });
    const { loadTokens } = await import('../../apps/core/oauth/connection-store.ts');
    const stored = await loadTokens(connector.deps, exp.id);
    expect(tokens.status).toBe('authorized');
    const revoked = await fetch(`${provider.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: stored?.refreshToken as string,
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
      }),
    });
    expect(revoked.status).toBe(200);
    await Promise.all([2, 3].map((i) => postEngagement(connector, token, { id: `O-${i}` })));
    await waitFor(
      () => statusCounts(connector, exp.id),
      (c) => c.parked === 2,
      'the deliveries to park',
    );

    // The periodic check finds the connection (the token service may have announced it already);
    // running it again, or the token service announcing it once more, sends nothing new.
    await runNotificationChecks(connector.deps);
    await runNotificationChecks(connector.deps);
    await announceReauthorizationRequired(connector.deps, exp.id, 'invalid_grant', 'again');
    await outboxSettled();
    expect(eventsFor(exp.id).map((e) => e.type)).toEqual(['export.reauthorization_required']);
    expect(eventsFor(exp.id)[0]?.data).toMatchObject({ exportName: 'OAuth CRM', message: expect.any(String) });
    const page = await requestJson('GET', `${connector.baseUrl}/console/exports`, { token });
    expect(page.text).toMatch(new RegExp(`data-export-id="${exp.id}" data-condition="reauthorization_required"`));

    // Authorized again: the parked deliveries go out and the condition ends, announced once.
    await authorizeWithProvider(connector, token, exp.id, provider, { configure: false });
    await waitFor(
      () => statusCounts(connector, exp.id),
      (c) => c.delivered === 3,
      'the parked deliveries',
    );
    await runNotificationChecks(connector.deps);
    await waitUntil(() => eventsFor(exp.id, 'export.recovered').length > 0, { what: 'export.recovered' });
    await runNotificationChecks(connector.deps);
    await outboxSettled();
    expect(eventsFor(exp.id).map((e) => e.type)).toEqual(['export.reauthorization_required', 'export.recovered']);
    const after = await requestJson('GET', `${connector.baseUrl}/console/exports`, { token });
    expect(after.text).not.toContain(`data-export-id="${exp.id}" data-condition`);
  });

  it('EXPORT_FAILING_AFTER without a success announces export.failing; EXPORT_DISABLE_AFTER disables the export', {
    timeout: 60_000,
  }, async () => {
    // One attempt fails and the next is an hour away: work waits, and nothing succeeds.
    let stuckStatus = 503;
    const stuck = await exportAnswering('Stuck CRM', () => stuckStatus, [0, 3600]);
    await postEngagement(connector, token, { id: 'S-1' });
    await waitUntil(
      async () =>
        (await connector.deps.db.delivery.findFirst({
          where: { exportId: stuck.id, attemptCount: 1, status: 'pending' },
        })) !== null,
      {
        what: 'the first attempt to fail',
        detail: () =>
          connector.deps.db.delivery.findMany({
            where: { exportId: stuck.id },
            select: { status: true, attemptCount: true, lastError: true },
          }),
      },
    );
    await runNotificationChecks(connector.deps);
    expect(eventsFor(stuck.id)).toEqual([]);

    offset.ms += (FAILING_AFTER_S + 1) * 1000;
    expect((await runNotificationChecks(connector.deps)).failing).toBe(1);
    expect((await runNotificationChecks(connector.deps)).failing).toBe(0);
    await outboxSettled();
    expect(eventsFor(stuck.id).map((e) => e.type)).toEqual(['export.failing']);
    expect(eventsFor(stuck.id)[0]?.data).toMatchObject({ reason: 'no_success' });

    offset.ms += (DISABLE_AFTER_S - FAILING_AFTER_S) * 1000;
    expect((await runNotificationChecks(connector.deps)).disabled).toBe(1);
    expect((await runNotificationChecks(connector.deps)).disabled).toBe(0);
    await outboxSettled();
    expect(eventsFor(stuck.id).map((e) => e.type)).toEqual(['export.failing', 'export.disabled']);
    expect(eventsFor(stuck.id, 'export.disabled')[0]?.data).toMatchObject({ reason: 'failing' });
    const exp = await connector.deps.db.export.findUniqueOrThrow({ where: { id: stuck.id } });
    expect(exp).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('No delivery succeeded') });
    expect(await statusCounts(connector, stuck.id)).toEqual({ parked: 1 });
    const audit = await connector.deps.db.auditLog.findFirst({
      where: { action: 'export.disabled', targetId: stuck.id },
    });
    expect(audit).toMatchObject({ actorType: 'system', reason: 'failing' });

    // The CRM is fixed and a manager enables the export again: that condition ends (announced);
    // the parked delivery goes out and its success ends `failing`.
    stuckStatus = 200;
    expect((await api(connector, 'PATCH', `/exports/${stuck.id}`, token, { enabled: true })).status).toBe(200);
    await runNotificationChecks(connector.deps);
    await waitUntil(() => eventsFor(stuck.id, 'export.recovered').length > 0, { what: 'export.recovered (enabled)' });
    expect(eventsFor(stuck.id, 'export.recovered')[0]?.data).toMatchObject({ reason: 'enabled', ended: ['disabled'] });
    // What the sweeper does for an enabled, authorized export with parked deliveries, without its 15 s wait.
    await resumeParkedDeliveries(connector.deps, stuck.id);
    await waitFor(
      () => statusCounts(connector, stuck.id),
      (c) => c.delivered === 1,
      'the resumed delivery',
    );
    await waitUntil(() => eventsFor(stuck.id, 'export.recovered').length > 1, { what: 'export.recovered (delivered)' });
    await outboxSettled();
    expect(eventsFor(stuck.id).map((e) => e.type)).toEqual([
      'export.failing',
      'export.disabled',
      'export.recovered',
      'export.recovered',
    ]);
    expect(eventsFor(stuck.id, 'export.recovered')[1]?.data).toMatchObject({ reason: 'delivered', ended: ['failing'] });
  });

  it('a notification receiver that fails is retried later, and deliveries never wait for it', {
    timeout: 60_000,
  }, async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The next export.disabled is held open by the receiver, then answered 500; later ones 200.
    behaviour.holdNext = { type: 'export.disabled', released, answer: 500 };
    const gone = await exportAnswering('Gone again', () => 410, [0]);
    const healthy = await exportAnswering('Healthy CRM', () => 200, [0]);
    await postEngagement(connector, token, { id: 'H-1' });
    await waitUntil(() => notifications.waiting() === 1, { what: 'the receiver to hold export.disabled' });
    // While the notification hangs, the 410 was recorded and other deliveries go on.
    expect(await statusCounts(connector, gone.id)).toEqual({ failed: 1 });
    await postEngagement(connector, token, { id: 'H-2' });
    await waitFor(
      () => statusCounts(connector, healthy.id),
      (c) => c.delivered === 2,
      'the healthy deliveries',
    );
    expect(notifications.waiting()).toBe(1);

    release();
    const row = await waitUntil(
      async () =>
        connector.deps.db.notificationOutbox.findFirst({
          where: { type: 'export.disabled', channel: 'webhook', attempts: 1, lastError: { not: null } },
        }),
      { what: 'the first attempt to be recorded as failed' },
    );
    expect(row).toMatchObject({ status: 'pending', lastError: expect.stringContaining('500') });
    expect(row.nextAttemptAt?.getTime()).toBeGreaterThan(clock.now().getTime());
    // Not due yet: the periodic task leaves it.
    await runNotificationChecks(connector.deps);
    expect((await connector.deps.db.notificationOutbox.findUniqueOrThrow({ where: { id: row.id } })).attempts).toBe(1);

    offset.ms += 31_000;
    expect((await runNotificationChecks(connector.deps)).sent).toBeGreaterThanOrEqual(1);
    expect(await connector.deps.db.notificationOutbox.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      status: 'sent',
      attempts: 2,
      sentAt: expect.any(Date),
    });
    // One event, two tries under one webhook-id: the receiver deduplicates on it.
    expect(notifications.received.filter((r) => r.webhookId === row.id).map((r) => [r.nth, r.status])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(eventsFor(gone.id).map((e) => e.type)).toEqual(['export.disabled']);

    // A receiver that keeps failing is given up after a bounded number of tries, with the reason kept.
    behaviour.status = 500;
    const test = await api(connector, 'POST', '/groups/acme/notifications/test', token);
    const webhook = test.body.channels.find((c: { channel: string }) => c.channel === 'webhook');
    expect(webhook).toMatchObject({ status: 'pending', error: expect.stringContaining('500') });
    await connector.deps.db.notificationOutbox.update({
      where: { id: webhook.id },
      data: { attempts: MAX_NOTIFICATION_ATTEMPTS - 1, nextAttemptAt: clock.now() },
    });
    await runNotificationChecks(connector.deps);
    expect(await connector.deps.db.notificationOutbox.findUniqueOrThrow({ where: { id: webhook.id } })).toMatchObject({
      status: 'failed',
      attempts: MAX_NOTIFICATION_ATTEMPTS,
      lastError: expect.stringContaining('500'),
    });
    behaviour.status = 200;
  });
});

describe('notifications go out under the outbound address policy', () => {
  let connector: TestConnector;
  let smtp: SmtpReceiver;
  let notifications: NotificationReceiver;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    notifications = await startNotificationReceiver({ secret: () => undefined });
    connector = await startConnector({ env: { SMTP_URL: smtp.url, ALLOW_PRIVATE_TARGETS: 'false' } });
  });
  afterAll(async () => {
    await connector?.close();
    await notifications?.close();
    await smtp?.close();
  });

  it('a loopback webhook is refused when set and when sent to; mail to a loopback SMTP server is refused too', async () => {
    const token = await connector.adminToken();
    rememberSecret(token);
    const put = await api(connector, 'PUT', '/groups/acme/notifications', token, {
      webhookUrl: notifications.url,
      emails: ['ops@example.com'],
    });
    expect(put.status).toBe(400);
    expect(put.body.errors).toEqual([
      { field: 'webhookUrl', message: 'must not point to a private, loopback, link-local or metadata address' },
    ]);
    expect(
      (await api(connector, 'PUT', '/groups/acme/notifications', token, { emails: ['ops@example.com'] })).status,
    ).toBe(200);
    // A URL that passed the early check and points at loopback later (DNS rebinding) meets the
    // dispatcher's connect-time check: stored here directly, as such a URL would be.
    const { secretContext } = await import('../../apps/core/crypto/contexts.ts');
    const group = await connector.deps.db.group.findFirstOrThrow({ where: { name: 'acme' } });
    await connector.deps.db.groupNotification.update({
      where: { groupId: group.id },
      data: {
        webhookUrl: notifications.url,
        signingSecretEnc: connector.deps.secretBox.encrypt(
          'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
          secretContext.notificationSigningSecret(group.id),
        ),
      },
    });
    const sent = await api(connector, 'POST', '/groups/acme/notifications/test', token);
    expect(sent.status).toBe(200);
    const byChannel = Object.fromEntries(
      sent.body.channels.map((c: { channel: string; status: string; error: string }) => [c.channel, c]),
    );
    expect(byChannel.webhook).toMatchObject({ status: 'pending', error: expect.stringMatching(/private|loopback/) });
    expect(byChannel.email).toMatchObject({
      status: 'pending',
      error: expect.stringContaining('PRIVATE_TARGET_REFUSED'),
    });
    expect(notifications.received).toEqual([]);
    expect(notifications.refused).toEqual([]);
    expect(smtp.mails).toEqual([]);
  });
});
