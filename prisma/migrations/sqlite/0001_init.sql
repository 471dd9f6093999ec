-- Initial schema: groups and members, exports with OAuth, engagements and deliveries, audit log.
CREATE TABLE "groups" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "name" TEXT NOT NULL,
  "default_role" TEXT NOT NULL DEFAULT 'viewer',
  "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "groups_name_key" ON "groups"("name");

CREATE TABLE "users" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "username" TEXT NOT NULL,
  "password_hash" TEXT,
  "password_changed_at" DATETIME,
  "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "users_username_key" ON "users"("username");

CREATE TABLE "memberships" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "group_id" TEXT NOT NULL REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "user_id" TEXT NOT NULL REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "role" TEXT NOT NULL,
  "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "memberships_group_id_user_id_key" ON "memberships"("group_id", "user_id");
CREATE INDEX "memberships_user_id_idx" ON "memberships"("user_id");

CREATE TABLE "group_origins" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "group_id" TEXT NOT NULL REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "origin" TEXT NOT NULL,
  "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "group_origins_group_id_origin_key" ON "group_origins"("group_id", "origin");
CREATE INDEX "group_origins_origin_idx" ON "group_origins"("origin");

CREATE TABLE "api_keys" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "group_id" TEXT NOT NULL REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "name" TEXT NOT NULL,
  "privileges" TEXT NOT NULL,
  "secret_enc" TEXT NOT NULL,
  "expires_at" DATETIME,
  "revoked_at" DATETIME,
  "last_used_at" DATETIME,
  "created_by_id" TEXT,
  "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "api_keys_group_id_idx" ON "api_keys"("group_id");

CREATE TABLE "exports" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "group_id" TEXT NOT NULL REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "name" TEXT NOT NULL,
  "webhook_url" TEXT NOT NULL,
  "enabled" BOOLEAN NOT NULL DEFAULT true,
  "disabled_reason" TEXT,
  "signing_secret_enc" TEXT NOT NULL,
  "previous_signing_secret_enc" TEXT,
  "previous_secret_expires_at" DATETIME,
  "retry_schedule" TEXT,
  "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" DATETIME NOT NULL
);
CREATE INDEX "exports_group_id_created_at_idx" ON "exports"("group_id", "created_at");

CREATE TABLE "oauth_configs" (
  "export_id" TEXT NOT NULL PRIMARY KEY REFERENCES "exports"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "authorization_url" TEXT NOT NULL,
  "token_url" TEXT NOT NULL,
  "client_id" TEXT NOT NULL,
  "client_secret_enc" TEXT NOT NULL,
  "scopes" TEXT NOT NULL DEFAULT '',
  "token_auth_method" TEXT NOT NULL DEFAULT 'client_secret_post',
  "issuer" TEXT,
  "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" DATETIME NOT NULL
);

CREATE TABLE "authorization_requests" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "export_id" TEXT NOT NULL REFERENCES "exports"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "group_id" TEXT NOT NULL,
  "state_hash" TEXT NOT NULL,
  "browser_binding_hash" TEXT NOT NULL,
  "code_verifier_enc" TEXT NOT NULL,
  "redirect_uri" TEXT NOT NULL,
  "scopes" TEXT NOT NULL DEFAULT '',
  "status" TEXT NOT NULL,
  "code_enc" TEXT,
  "callback_iss" TEXT,
  "error" TEXT,
  "message" TEXT,
  "created_by_id" TEXT,
  "expires_at" DATETIME NOT NULL,
  "used_at" DATETIME,
  "completed_at" DATETIME,
  "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "authorization_requests_state_hash_key" ON "authorization_requests"("state_hash");
CREATE INDEX "authorization_requests_export_id_created_at_idx" ON "authorization_requests"("export_id", "created_at");

CREATE TABLE "oauth_connections" (
  "export_id" TEXT NOT NULL PRIMARY KEY REFERENCES "exports"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "status" TEXT NOT NULL,
  "message" TEXT,
  "last_error" TEXT,
  "access_token_enc" TEXT,
  "refresh_token_enc" TEXT,
  "token_type" TEXT,
  "expires_at" DATETIME,
  "scopes" TEXT,
  "extra_enc" TEXT,
  "authorized_at" DATETIME,
  "last_refreshed_at" DATETIME,
  "last_used_at" DATETIME,
  "version" INTEGER NOT NULL DEFAULT 0,
  "updated_at" DATETIME NOT NULL
);

CREATE TABLE "engagements" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "group_id" TEXT NOT NULL,
  "external_id" TEXT NOT NULL,
  "payload" TEXT NOT NULL,
  "received_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "engagements_group_id_external_id_key" ON "engagements"("group_id", "external_id");

CREATE TABLE "deliveries" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "export_id" TEXT NOT NULL REFERENCES "exports"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "group_id" TEXT NOT NULL,
  "engagement_id" TEXT NOT NULL REFERENCES "engagements"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "status" TEXT NOT NULL,
  "attempt_count" INTEGER NOT NULL DEFAULT 0,
  "last_status_code" INTEGER,
  "last_error" TEXT,
  "next_attempt_at" DATETIME,
  "parked_at" DATETIME,
  "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" DATETIME NOT NULL,
  "delivered_at" DATETIME
);
CREATE UNIQUE INDEX "deliveries_export_id_engagement_id_key" ON "deliveries"("export_id", "engagement_id");
CREATE INDEX "deliveries_export_id_created_at_idx" ON "deliveries"("export_id", "created_at");
CREATE INDEX "deliveries_status_next_attempt_at_idx" ON "deliveries"("status", "next_attempt_at");

CREATE TABLE "delivery_attempts" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "delivery_id" TEXT NOT NULL REFERENCES "deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "attempt" INTEGER NOT NULL,
  "started_at" DATETIME NOT NULL,
  "status_code" INTEGER,
  "duration_ms" INTEGER NOT NULL,
  "error" TEXT,
  "response_snippet" TEXT
);
CREATE INDEX "delivery_attempts_delivery_id_attempt_idx" ON "delivery_attempts"("delivery_id", "attempt");

CREATE TABLE "audit_log" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "group_id" TEXT,
  "actor_type" TEXT NOT NULL,
  "actor_id" TEXT,
  "action" TEXT NOT NULL,
  "target_type" TEXT,
  "target_id" TEXT,
  "outcome" TEXT NOT NULL,
  "reason" TEXT,
  "ip" TEXT,
  "details" TEXT,
  "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "audit_log_group_id_created_at_idx" ON "audit_log"("group_id", "created_at");
