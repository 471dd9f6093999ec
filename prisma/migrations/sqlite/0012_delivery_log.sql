-- The delivery log across exports, resends and test events (docs/api/deliveries.md).

-- What the webhook's `type` says: a test event (POST /v1/exports/:id/test) is 'engagement.test'.
ALTER TABLE "deliveries" ADD COLUMN "event_type" TEXT NOT NULL DEFAULT 'engagement.completed';
-- The X-Request-Id of the HTTP request that made the delivery or last sent it again.
ALTER TABLE "deliveries" ADD COLUMN "request_id" TEXT;

-- A resend is a new delivery of the same engagement to the same export: the pair is no longer
-- unique. Ingest stays idempotent through engagements' unique (group_id, external_id); the plain
-- index keeps serving the lookups by engagement (a repeated engagement, the cascade on delete).
DROP INDEX "deliveries_engagement_id_export_id_key";
CREATE INDEX "deliveries_engagement_id_export_id_idx" ON "deliveries"("engagement_id", "export_id");

-- GET /v1/deliveries: a group's deliveries newest first. The claim looks rows up by primary key
-- and retention by (status, updated_at); neither filters on group_id.
CREATE INDEX "deliveries_group_id_created_at_idx" ON "deliveries"("group_id", "created_at");
