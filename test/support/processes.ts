/**
 * Shared by the tests that drive ftlab as separate processes (the queue, faults and signal tests): polling
 * for a condition with a deadline, free loopback ports, and Debian's redis-server started on loopback
 * (without persistence, as the README's recipe) and waited for until it answers PING.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Whether redis-server is on the PATH (CI installs it; there a missing server is a failure, not a skip). */
export const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;

/** Poll `cond` every 20 ms until it holds; throws "timed out waiting for <what>" after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'the condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A loopback port nothing listens on (bound once by the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Start redis-server on 127.0.0.1:`port` without persistence (plus `extra` arguments) and wait until it answers. */
export async function startRedis(port: number, extra: string[] = []): Promise<ChildProcess> {
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: 'ignore' });
  const auth = extra.includes('--requirepass') ? ['-a', extra[extra.indexOf('--requirepass') + 1], '--no-auth-warning'] : [];
  await waitFor(() => spawnSync('redis-cli', ['-p', String(port), ...auth, 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG', 10_000, `redis-server on port ${port}`);
  return server;
}
