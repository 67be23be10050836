/**
 * Redis connection settings for the BullMQ job queue, parsed from a `redis://[user:password@]host:port[/db]`
 * URL (or `rediss://` for TLS). The error for a bad URL names the option and the expected form.
 */
export interface RedisConnection {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
  maxRetriesPerRequest: null;
}

export const DEFAULT_QUEUE_NAME = 'ftlab';

export function parseRedisUrl(url: string, option = '--queue'): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`${option}: expected a URL like redis://[:password@]host:port[/db] (got ${JSON.stringify(url)})`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RangeError(`${option}: expected the redis:// or rediss:// scheme (got ${JSON.stringify(u.protocol)})`);
  }
  const port = u.port === '' ? 6379 : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`${option}: port must be an integer in [1, 65535] (got ${u.port})`);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : undefined;
  if (db !== undefined && (!Number.isInteger(db) || db < 0 || db > 15)) throw new RangeError(`${option}: database must be an integer in [0, 15] (got ${u.pathname.slice(1)})`);
  return {
    host: u.hostname || '127.0.0.1',
    port,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

/** The URL with any password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
