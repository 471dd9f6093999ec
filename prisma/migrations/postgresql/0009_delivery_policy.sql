-- An export's delivery policy (docs/api/deliveries.md): the 4xx statuses that fail at once instead of being
-- retried, as a JSON array of status codes; NULL means none.
ALTER TABLE "exports" ADD COLUMN "permanent_statuses" TEXT;
