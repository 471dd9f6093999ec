-- Issue 5 (credentials): partners and their users, SSO providers and identities.
CREATE TABLE "partners" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "group_id" TEXT NOT NULL REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "name" TEXT NOT NULL,
  "role" TEXT NOT NULL,
  "secret_enc" TEXT NOT NULL,
  "revoked_at" TIMESTAMP(3),
  "created_by_id" TEXT,
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "partners_group_id_name_key" ON "partners"("group_id", "name");

CREATE TABLE "partner_users" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "partner_id" TEXT NOT NULL REFERENCES "partners"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "external_id" TEXT NOT NULL,
  "user_id" TEXT NOT NULL REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "partner_users_partner_id_external_id_key" ON "partner_users"("partner_id", "external_id");

CREATE TABLE "sso_providers" (
  "group_id" TEXT NOT NULL PRIMARY KEY REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "issuer" TEXT NOT NULL,
  "client_id" TEXT NOT NULL,
  "client_secret_enc" TEXT NOT NULL,
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMP(3) NOT NULL
);
CREATE INDEX "sso_providers_issuer_idx" ON "sso_providers"("issuer");

CREATE TABLE "sso_identities" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "group_id" TEXT NOT NULL REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "issuer" TEXT NOT NULL,
  "subject" TEXT NOT NULL,
  "user_id" TEXT NOT NULL REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "sso_identities_group_id_issuer_subject_key" ON "sso_identities"("group_id", "issuer", "subject");
