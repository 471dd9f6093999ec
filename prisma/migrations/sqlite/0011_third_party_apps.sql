-- Third-party apps: OAuth clients of the connector's own authorization server (docs/api/third-party-apps.md).

-- An app registered by a group's admin; its client secret is encrypted, never hashed (oidc-provider
-- compares the secret a client sends with the stored one).
CREATE TABLE "third_party_apps" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "group_id" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "client_id" TEXT NOT NULL,
  "client_secret_enc" TEXT NOT NULL,
  "redirect_uris" TEXT NOT NULL,
  "privileges" TEXT NOT NULL,
  "created_by_id" TEXT,
  "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "third_party_apps_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "groups" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "third_party_apps_client_id_key" ON "third_party_apps"("client_id");
CREATE INDEX "third_party_apps_group_id_idx" ON "third_party_apps"("group_id");

-- A member's consent to an app (one oidc-provider grant): read on every request with the app's
-- access token, so withdrawing it or deleting the app stops the token at once.
CREATE TABLE "app_authorizations" (
  "grant_id" TEXT NOT NULL PRIMARY KEY,
  "app_id" TEXT NOT NULL,
  "group_id" TEXT NOT NULL,
  "user_id" TEXT NOT NULL,
  "privileges" TEXT NOT NULL,
  "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "app_authorizations_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "third_party_apps" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "app_authorizations_app_id_idx" ON "app_authorizations"("app_id");
CREATE INDEX "app_authorizations_group_id_user_id_idx" ON "app_authorizations"("group_id", "user_id");
