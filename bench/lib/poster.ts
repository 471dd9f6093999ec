import { Pool } from 'undici';

/** Posts engagements to `POST /v1/engagements` over a keep-alive pool, as a contact center would. */
export class EngagementPoster {
  private readonly pool: Pool;
  failures = 0;

  constructor(
    baseUrl: string,
    private readonly token: string,
    connections = 50,
  ) {
    this.pool = new Pool(baseUrl, { connections, keepAliveTimeout: 30_000 });
  }

  /** Posts one engagement; resolves when the connector answered 202. */
  async post(id: string): Promise<void> {
    const response = await this.pool.request({
      method: 'POST',
      path: '/v1/engagements',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ id, channel: 'chat', visitor: { name: 'Ada Lovelace' }, durationSeconds: 312 }),
    });
    await response.body.dump();
    if (response.statusCode !== 202) this.failures++;
  }

  /** Posts `count` engagements with `parallel` in flight at a time, as fast as the connector takes them. */
  async flood(prefix: string, count: number, parallel: number): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < count) await this.post(`${prefix}-${next++}`);
    };
    await Promise.all(Array.from({ length: parallel }, lane));
  }

  /** Posts at a fixed offered rate (not waiting for answers); returns each engagement's send time. */
  async atRate(prefix: string, perSecond: number, seconds: number): Promise<Map<string, number>> {
    const sent = new Map<string, number>();
    const total = perSecond * seconds;
    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const id = `${prefix}-${i}`;
      sent.set(id, performance.now());
      inFlight.push(this.post(id));
    }
    await Promise.all(inFlight);
    return sent;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
