-- Issue 3 (delivery): the position in the export's retry schedule, apart from the attempt count, so
-- a manual retry or replay starts a fresh round; and an index for the delivery log filtered by
-- status, parking and replay (export, status, oldest or newest first).
ALTER TABLE "deliveries" ADD COLUMN "schedule_index" INTEGER NOT NULL DEFAULT 0;
CREATE INDEX "deliveries_export_id_status_created_at_idx" ON "deliveries"("export_id", "status", "created_at");
