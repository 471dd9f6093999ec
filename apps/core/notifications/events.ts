import type { Config } from '../config.ts';
import type { EventType } from './kinds.ts';

/** An event as a notification webhook receives it (docs/notifications.md): `{type, timestamp, data}`. */
export interface NotificationEvent {
  type: EventType;
  /** ISO 8601. */
  timestamp: string;
  data: Record<string, unknown>;
}

/** What an `export.*` event names of its export. */
export interface ExportFacts {
  id: string;
  name: string;
  groupId: string;
}

/** Why a condition started or ended: a stable code for programs and a sentence for people. */
export interface Why {
  reason: string;
  message: string;
}

/** The console page of an export, from PUBLIC_URL (never from a request). */
export function exportConsoleUrl(config: Pick<Config, 'PUBLIC_URL'>, exportId: string): string {
  return new URL(`/console/exports/${encodeURIComponent(exportId)}`, config.PUBLIC_URL).toString();
}

/** An `export.*` event: exportId, exportName and reason at least, as the contract wants. */
export function exportEvent(
  config: Pick<Config, 'PUBLIC_URL'>,
  type: EventType,
  exp: ExportFacts,
  why: Why,
  now: Date,
  extra: Record<string, unknown> = {},
): NotificationEvent {
  return {
    type,
    timestamp: now.toISOString(),
    data: {
      exportId: exp.id,
      exportName: exp.name,
      groupId: exp.groupId,
      reason: why.reason,
      message: why.message,
      ...extra,
      consoleUrl: exportConsoleUrl(config, exp.id),
    },
  };
}

/** The event `POST /v1/groups/:group/notifications/test` sends. */
export function testEvent(groupId: string, groupName: string, now: Date): NotificationEvent {
  return {
    type: 'notification.test',
    timestamp: now.toISOString(),
    data: {
      groupId,
      groupName,
      message: `A test notification for the group "${groupName}": this channel receives the connector's notifications.`,
    },
  };
}
