-- Deliveries that run for months (docs/operations.md, docs/notifications.md, docs/api/deliveries.md).

-- Flow control and ordering per export: NULL means the default (maxInFlight 20, no rate limit).
-- last_success_at is when a delivery last succeeded (written at most about once a minute per export),
-- which the failing/disable checks read instead of scanning deliveries.
ALTER TABLE "exports" ADD COLUMN "max_in_flight" INTEGER;
ALTER TABLE "exports" ADD COLUMN "rate_limit_per_minute" INTEGER;
ALTER TABLE "exports" ADD COLUMN "ordered" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "exports" ADD COLUMN "last_success_at" TIMESTAMP(3);

-- RFC 7009 revocation endpoint of the CRM.
ALTER TABLE "oauth_configs" ADD COLUMN "revocation_url" TEXT;

-- Ingest order per export, for ordered exports: engagements posted together keep their order.
ALTER TABLE "deliveries" ADD COLUMN "sequence" BIGINT NOT NULL DEFAULT 0;
-- One value per ingest statement, times 1,000,000, plus the engagement's place in the statement: a later
-- statement always gets larger values (store/postgres/statements.ts).
CREATE SEQUENCE "deliveries_ingest_batch_seq";
CREATE INDEX "deliveries_export_id_sequence_idx" ON "deliveries"("export_id", "sequence");
-- Retention finds finished deliveries by status and age.
CREATE INDEX "deliveries_status_updated_at_idx" ON "deliveries"("status", "updated_at");

-- What the delivery inspector shows: the request as sent (token masked) and the answer's headers.
-- response_snippet keeps the first 4 KiB of the answer's body.
ALTER TABLE "delivery_attempts" ADD COLUMN "request_url" TEXT;
ALTER TABLE "delivery_attempts" ADD COLUMN "request_headers" TEXT;
ALTER TABLE "delivery_attempts" ADD COLUMN "response_headers" TEXT;

-- Retention of engagements, audit rows and authorization requests by age.
CREATE INDEX "engagements_received_at_idx" ON "engagements"("received_at");
CREATE INDEX "audit_log_created_at_idx" ON "audit_log"("created_at");
CREATE INDEX "authorization_requests_created_at_idx" ON "authorization_requests"("created_at");

-- A group's notification setting: a webhook (its own signing secret, encrypted) and mail addresses.
CREATE TABLE "group_notifications" (
  "group_id" TEXT NOT NULL PRIMARY KEY,
  "webhook_url" TEXT,
  "signing_secret_enc" TEXT,
  "emails" TEXT NOT NULL DEFAULT '[]',
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "group_notifications_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "groups" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- One row per export and condition (failing, reauthorization_required, disabled): a process that
-- moves "active" with a conditional UPDATE is the one that announces the change, so each start and
-- end is announced once however many processes run.
CREATE TABLE "export_conditions" (
  "export_id" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "active" BOOLEAN NOT NULL DEFAULT false,
  "reason" TEXT,
  "since" TIMESTAMP(3),
  "changed_at" TIMESTAMP(3) NOT NULL,
  PRIMARY KEY ("export_id", "kind"),
  CONSTRAINT "export_conditions_export_id_fkey" FOREIGN KEY ("export_id") REFERENCES "exports" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- Notifications to send, one row per event and channel (webhook, email): a channel that fails is
-- retried on its own, and sending never blocks a delivery.
CREATE TABLE "notification_outbox" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "group_id" TEXT NOT NULL,
  "channel" TEXT NOT NULL,
  "type" TEXT NOT NULL,
  "payload" TEXT NOT NULL,
  "status" TEXT NOT NULL,
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "next_attempt_at" TIMESTAMP(3),
  "last_error" TEXT,
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "sent_at" TIMESTAMP(3),
  CONSTRAINT "notification_outbox_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "groups" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "notification_outbox_status_next_attempt_at_idx" ON "notification_outbox"("status", "next_attempt_at");
