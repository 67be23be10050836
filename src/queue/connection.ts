/**
 * Redis connection settings for the BullMQ job queue, parsed from a `redis://[user:password@]host:port[/db]`
 * URL (or `rediss://` for TLS). The error for a bad URL names the option and the expected form. Also the
 * bounded first contact every queue command makes (`checkRedisReachable`: a wrong password fails at once,
 * an unreachable server after the connect timeout, with the URL, password masked, and the cause) and the
 * one-line wording of connection trouble.
 */
import { RedisConnection as BullConnection } from 'bullmq';

/** ioredis options for one Redis server, from a queue URL. */
export interface RedisConnection {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
  maxRetriesPerRequest: null;
}

/** The queue name used when none is given. */
export const DEFAULT_QUEUE_NAME = 'ftlab';

/** How long a queue command waits for Redis to answer before it gives up (seconds). */
export const DEFAULT_CONNECT_TIMEOUT_S = 10;

/** Parse a queue URL; the error names `option` and the expected form. */
export function parseRedisUrl(url: string, option = '--queue'): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`${option}: expected a URL like redis://[:password@]host:port[/db] (got ${JSON.stringify(redactUrl(url))})`);
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
    // not a URL the parser takes (a bad port, say): mask whatever stands between "user:" and "@" all the same
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
  }
}

function errorText(err: unknown): { code?: string; message: string } {
  if (err instanceof Error) return { code: (err as NodeJS.ErrnoException).code, message: err.message };
  return { message: String(err) };
}

/** Whether Redis refused the credentials (a wrong or missing password, an unknown user). */
export function isAuthenticationError(err: unknown): boolean {
  return /WRONGPASS|NOAUTH|invalid password|invalid username-password|AUTH failed/i.test(errorText(err).message);
}

/** Whether an error means the connection to Redis is down or going down (retrying may help), not a bad command. */
export function isConnectionError(err: unknown): boolean {
  const { code, message } = errorText(err);
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code ?? '') ||
    /Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|Stream isn't writeable|LOADING|Reached the max retries/i.test(message)
  );
}

/** The cause of a Redis error in words, with Redis's or the system's own text after it. */
export function describeRedisError(err: unknown): string {
  const { code, message } = errorText(err);
  if (isAuthenticationError(err)) return `authentication failed (${message})`;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) return `connection refused (${message})`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${message})`;
  if (code === 'ETIMEDOUT' || /ETIMEDOUT/.test(message)) return `connection timed out (${message})`;
  if (/Connection is closed/i.test(message)) return `connection closed (${message})`;
  return message;
}

/** Settings of `checkRedisReachable`. */
export interface ReachOptions {
  /** The option that named the URL, for messages (default --queue). */
  option?: string;
  /** Give up after this long (ms; default DEFAULT_CONNECT_TIMEOUT_S). */
  timeoutMs?: number;
}

/**
 * Connect to the Redis server of `url` once and disconnect: resolves when it answers, throws when it refuses
 * the credentials (at once) or does not answer within the timeout (retrying meanwhile, so a server that is
 * still starting is waited for). The message names the option, the URL with its password masked and the cause.
 */
export async function checkRedisReachable(url: string, options: ReachOptions = {}): Promise<void> {
  const option = options.option ?? '--queue';
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_S * 1000;
  const settings = parseRedisUrl(url, option);
  const deadline = Date.now() + timeoutMs;
  const connection = new BullConnection(
    {
      ...settings,
      connectTimeout: Math.max(100, Math.min(timeoutMs, 10_000)),
      retryStrategy: () => (Date.now() + 250 < deadline ? 250 : null),
      disconnectTimeout: 100, // a socket that never opened closes at once (ioredis would otherwise keep the process 2 s)
    },
    { shared: false, blocking: false, skipVersionCheck: true },
  );
  let lastError: unknown;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      connection.on('error', (err: unknown) => {
        lastError = err;
        if (isAuthenticationError(err)) reject(err);
      });
      connection.client.then(() => resolve(), reject);
      timer = setTimeout(() => reject(lastError ?? new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
  } catch (err) {
    const cause = describeRedisError(err);
    const waited = isAuthenticationError(err) ? '' : ` (gave up after ${timeoutMs / 1000} s; --connect-timeout sets how long to wait)`;
    throw new Error(`${option}: cannot connect to Redis at ${redactUrl(url)}: ${cause}${waited}`);
  } finally {
    clearTimeout(timer);
    await connection.close(true).catch(() => undefined);
    connection.on('error', () => undefined); // a late error of the closed client has nowhere else to go
  }
}

/**
 * A writer of notice lines that drops a line repeated within `windowMs` (a server that is down produces the
 * same error on every retry).
 */
export function dedupedNotices(write: (line: string) => void, windowMs = 30_000): (line: string) => void {
  const last = new Map<string, number>();
  return (line) => {
    const now = Date.now();
    const seen = last.get(line);
    if (seen !== undefined && now - seen < windowMs) return;
    last.set(line, now);
    write(line);
  };
}
