-- Issue 3 (delivery): the unique (export, engagement) pair now leads with the engagement. A repeated
-- engagement answers with its deliveries, and deleting an engagement cascades to them: both look
-- deliveries up by engagement_id, which an index leading with export_id cannot serve (PostgreSQL
-- scanned the whole table: 21 ms at 200,000 deliveries, measured). Uniqueness is unchanged.
DROP INDEX "deliveries_export_id_engagement_id_key";
CREATE UNIQUE INDEX "deliveries_engagement_id_export_id_key" ON "deliveries"("engagement_id", "export_id");
