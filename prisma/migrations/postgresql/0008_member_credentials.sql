-- Credentials belong to one group's membership (docs/api/groups-and-members.md): every identity gets
-- a home group and usernames are unique per home group, no longer globally.
ALTER TABLE "users" ADD COLUMN "home_group_id" TEXT REFERENCES "groups"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Home: the group of the identity's oldest membership.
UPDATE "users" SET "home_group_id" = (
  SELECT m."group_id" FROM "memberships" m WHERE m."user_id" = "users"."id" ORDER BY m."created_at", m."id" LIMIT 1
);

-- Usernames: unique per home group from here on (the split below repeats a name in another group).
DROP INDEX "users_username_key";
CREATE UNIQUE INDEX "users_home_group_id_username_key" ON "users"("home_group_id", "username");

-- An identity that was a member of other groups it did not create (audit row group.create) is
-- split: each such membership gets its own identity of that group, with the same username and,
-- so that nobody is locked out, the same password hash; from now on the two change apart. The new
-- id is derived from the membership's (mem_X becomes usr_X), so the statements below find it.
INSERT INTO "users" ("id", "home_group_id", "username", "password_hash", "password_changed_at", "created_at")
SELECT 'usr_' || substr(m."id", 5), m."group_id", u."username", u."password_hash", u."password_changed_at", u."created_at"
FROM "memberships" m JOIN "users" u ON u."id" = m."user_id"
WHERE m."group_id" <> u."home_group_id"
  AND NOT EXISTS (
    SELECT 1 FROM "audit_log" a
    WHERE a."action" = 'group.create' AND a."actor_id" = u."id" AND a."target_id" = m."group_id"
  );

UPDATE "partner_users" SET "user_id" = (
  SELECT 'usr_' || substr(m."id", 5)
  FROM "memberships" m JOIN "partners" p ON p."group_id" = m."group_id"
  WHERE p."id" = "partner_users"."partner_id" AND m."user_id" = "partner_users"."user_id"
)
WHERE EXISTS (
  SELECT 1 FROM "memberships" m JOIN "partners" p ON p."group_id" = m."group_id"
  JOIN "users" n ON n."id" = 'usr_' || substr(m."id", 5)
  WHERE p."id" = "partner_users"."partner_id" AND m."user_id" = "partner_users"."user_id"
);

UPDATE "sso_identities" SET "user_id" = (
  SELECT 'usr_' || substr(m."id", 5) FROM "memberships" m
  WHERE m."group_id" = "sso_identities"."group_id" AND m."user_id" = "sso_identities"."user_id"
)
WHERE EXISTS (
  SELECT 1 FROM "memberships" m JOIN "users" n ON n."id" = 'usr_' || substr(m."id", 5)
  WHERE m."group_id" = "sso_identities"."group_id" AND m."user_id" = "sso_identities"."user_id"
);

UPDATE "memberships" SET "user_id" = 'usr_' || substr("id", 5)
WHERE EXISTS (SELECT 1 FROM "users" n WHERE n."id" = 'usr_' || substr("memberships"."id", 5));

CREATE TABLE "password_setups" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "user_id" TEXT NOT NULL REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "group_id" TEXT NOT NULL REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "token_hash" TEXT NOT NULL,
  "expires_at" TIMESTAMP(3) NOT NULL,
  "used_at" TIMESTAMP(3),
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "password_setups_token_hash_key" ON "password_setups"("token_hash");
CREATE INDEX "password_setups_user_id_idx" ON "password_setups"("user_id");
