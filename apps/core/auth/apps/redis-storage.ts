import type { Redis } from 'ioredis';
import type { Adapter, AdapterPayload } from 'oidc-provider';

/**
 * Where oidc-provider keeps what it issues (interactions, its login sessions, grants, codes,
 * access and refresh tokens): the connector's Redis, one string per item with oidc-provider's own
 * lifetime as the key's TTL. Redis, not the database, because every item expires on its own (a
 * TTL instead of a cleanup job), every API process of a deployment shares the one Redis
 * (docs/operations.md) and an append-only Redis keeps them across restarts, and an access token is
 * read on every request it comes with, in the same coalesced MGET as the other Redis reads of
 * authentication (apps/core/redis/coalesced-reads.ts). The apps themselves (oidc-provider's
 * Client model) and the members' consents live in the database (client-storage.ts,
 * authorizations.ts).
 *
 * Modelled on oidc-provider's example Redis adapter: the items of one grant are listed under the
 * grant, so a grant is revoked with all its tokens at once (`revokeGrant`).
 */

const PREFIX = 'oauth2:';
/** Items that belong to a grant (oidc-provider's `grantable` models). */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

export const itemKey = (model: string, id: string) => `${PREFIX}${model}:${id}`;
const consumedKey = (key: string) => `${key}:consumed`;
const grantKey = (grantId: string) => `${PREFIX}grant:${grantId}`;
const sessionUidKey = (uid: string) => `${PREFIX}sessionUid:${uid}`;

/** The Redis key of an opaque access token: what authentication reads (app-token.ts). */
export const accessTokenKey = (token: string) => itemKey('AccessToken', token);

export class RedisStorage implements Adapter {
  constructor(
    private readonly redis: Redis,
    private readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const key = itemKey(this.model, id);
    const ttl = Number.isFinite(expiresIn) && expiresIn > 0 ? Math.ceil(expiresIn) : undefined;
    const multi = this.redis.multi();
    if (ttl) multi.set(key, JSON.stringify(payload), 'EX', ttl);
    else multi.set(key, JSON.stringify(payload));
    if (GRANTABLE.has(this.model) && payload.grantId) {
      const list = grantKey(payload.grantId);
      multi.rpush(list, key);
      // The list lives as long as its longest-lived item.
      const left = await this.redis.ttl(list);
      if (ttl && left < ttl) multi.expire(list, ttl);
    }
    if (payload.uid) {
      if (ttl) multi.set(sessionUidKey(payload.uid), id, 'EX', ttl);
      else multi.set(sessionUidKey(payload.uid), id);
    }
    await multi.exec();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const key = itemKey(this.model, id);
    const [data, consumed] = await this.redis.mget(key, consumedKey(key));
    if (!data) return undefined;
    const payload = JSON.parse(data) as AdapterPayload;
    if (consumed) payload.consumed = Number(consumed);
    return payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await this.redis.get(sessionUidKey(uid));
    return id ? this.find(id) : undefined;
  }

  /** The device flow is off (authorization-server.ts): no user codes are ever stored. */
  async findByUserCode(_userCode: string): Promise<AdapterPayload | undefined> {
    return undefined;
  }

  /** Marks a code or refresh token used (a rotated refresh token presented again revokes its grant). */
  async consume(id: string): Promise<void> {
    const key = itemKey(this.model, id);
    const ttl = await this.redis.pttl(key);
    if (ttl <= 0) return;
    await this.redis.set(consumedKey(key), String(Math.floor(Date.now() / 1000)), 'PX', ttl);
  }

  async destroy(id: string): Promise<void> {
    const key = itemKey(this.model, id);
    await this.redis.del(key, consumedKey(key));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await revokeGrantItems(this.redis, grantId);
  }
}

/** Deletes every code and token of a grant (whatever the model). */
async function revokeGrantItems(redis: Redis, grantId: string): Promise<void> {
  const list = grantKey(grantId);
  const keys = await redis.lrange(list, 0, -1);
  await redis.del(list, ...keys, ...keys.map(consumedKey));
}

/** Revokes a grant at once: the grant itself and every code and token issued under it. */
export async function revokeGrant(redis: Redis, grantId: string): Promise<void> {
  await revokeGrantItems(redis, grantId);
  await redis.del(itemKey('Grant', grantId));
}
