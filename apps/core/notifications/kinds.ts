/**
 * The conditions operators are told about (docs/notifications.md): one `export_conditions` row per
 * export and kind, whose `active` flag only a conditional update moves.
 */
export const CONDITION_KINDS = ['failing', 'reauthorization_required', 'disabled'] as const;
export type ConditionKind = (typeof CONDITION_KINDS)[number];

/** The events a group's notification webhook and mail receive. */
export const EVENT_TYPES = [
  'export.reauthorization_required',
  'export.disabled',
  'export.failing',
  'export.recovered',
  'notification.test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The event that announces the start of a condition. */
export const STARTED_EVENT: Record<ConditionKind, EventType> = {
  failing: 'export.failing',
  reauthorization_required: 'export.reauthorization_required',
  disabled: 'export.disabled',
};

/** The channels of a notification: one outbox row per event and channel. */
export type Channel = 'webhook' | 'email';
