import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../apps/core/notifications/duration-text.ts';
import { exportEvent, testEvent } from '../../apps/core/notifications/events.ts';
import { mailText } from '../../apps/core/notifications/mail-text.ts';
import { guardedSmtpSocket } from '../../apps/core/notifications/smtp-socket.ts';

const config = { PUBLIC_URL: 'https://connector.example.com' };
const exp = { id: 'exp_1', name: 'Salesforce', groupId: 'grp_1' };
const at = new Date('2026-01-02T03:04:05.000Z');

describe('notification events and their mail', () => {
  it('an export event carries the export, the reason and a console link from PUBLIC_URL', () => {
    const event = exportEvent(config, 'export.failing', exp, { reason: 'delivery_dead', message: 'It died' }, at, {
      since: at.toISOString(),
    });
    expect(event).toEqual({
      type: 'export.failing',
      timestamp: '2026-01-02T03:04:05.000Z',
      data: {
        exportId: 'exp_1',
        exportName: 'Salesforce',
        groupId: 'grp_1',
        reason: 'delivery_dead',
        message: 'It died',
        since: '2026-01-02T03:04:05.000Z',
        consoleUrl: 'https://connector.example.com/console/exports/exp_1',
      },
    });
  });

  it('each event type reads as a plain mail: what happened, why, what to do, where to look', () => {
    const why = { reason: 'invalid_grant', message: 'The CRM refused the refresh token' };
    const mail = mailText(exportEvent(config, 'export.reauthorization_required', exp, why, at));
    expect(mail.subject).toBe('[Connector] Export "Salesforce" needs a new authorization');
    expect(mail.text).toContain('What happened: The CRM refused the refresh token');
    expect(mail.text).toContain('Reason code: invalid_grant');
    expect(mail.text).toContain('Authorize Export');
    expect(mail.text).toContain('Open the export: https://connector.example.com/console/exports/exp_1');
    const subjects = (['export.failing', 'export.disabled', 'export.recovered'] as const).map(
      (type) => mailText(exportEvent(config, type, exp, why, at)).subject,
    );
    expect(subjects).toEqual([
      '[Connector] Export "Salesforce" is failing',
      '[Connector] Export "Salesforce" was disabled',
      '[Connector] Export "Salesforce" is delivering again',
    ]);
    const recovered = mailText(
      exportEvent(config, 'export.recovered', exp, why, at, { ended: ['failing', 'disabled'] }),
    );
    expect(recovered.text).toContain('Conditions ended: failing, disabled');
    const test = mailText(testEvent('grp_1', 'acme', at));
    expect(test.subject).toBe('[Connector] Test notification');
    expect(test.text).not.toContain('Open the export');
  });

  it('durations read in the largest whole unit', () => {
    expect([45_000, 60_000, 90_000, 3_600_000, 5 * 86_400_000, 36 * 3_600_000].map(formatDuration)).toEqual([
      '45 s',
      '1 min',
      '90 s',
      '1 h',
      '5 d',
      '36 h',
    ]);
  });

  it('the SMTP connection is refused for a private, loopback or metadata address, before any socket', async () => {
    const refusal = (host: string) =>
      new Promise<unknown>((resolve) => guardedSmtpSocket()({ host, port: 25 }, (error) => resolve(error)));
    for (const host of ['127.0.0.1', '[::1]', '10.1.2.3', '169.254.169.254']) {
      expect(await refusal(host)).toMatchObject({ code: 'PRIVATE_TARGET_REFUSED' });
    }
  });
});
