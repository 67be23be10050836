/**
 * Shared by the tests that drive ftlab as separate processes (the queue, faults and signal tests): polling
 * for a condition with a deadline, free loopback ports, and Debian's redis-server started on loopback
 * (without persistence, as the README's recipe) and waited for until it answers PING; the built CLI run as a
 * process; a small linear-finetune sweep spec.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

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

/** The built CLI (tests that spawn it need `npm run build` first, as `npm test` does). */
export const CLI = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

/** How a spawned `ftlab` command ended, with its output and wall time. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run `ftlab <args>` as its own process (recorded in `children`, for the test's clean-up) and collect what it prints. */
export function runCli(args: string[], children: ChildProcess[]): Promise<CliResult> {
  const start = Date.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args]);
    children.push(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - start }));
  });
}

/**
 * Write a linear-finetune sweep spec into `dir`: isotropic covariance, scaled teachers (α = 1, ε = 0.5), a grid
 * over problem.n; GD to 1e-12 takes some 40 ms a job at d = 100, about a second at d = 600.
 */
export function linearSweepFile(dir: string, name: string, options: { ns: number[]; seeds: number; d?: number; solver?: 'gd' | 'closed-form' }): string {
  const path = join(dir, `${name}.json`);
  const problem = { d: options.d ?? 100, n: options.ns[0], covariance: { spectrum: { kind: 'isotropic' } }, teachers: { kind: 'scaled', alpha: 1, eps: 0.5 } };
  writeFileSync(path, JSON.stringify({ name, job: 'linear-finetune', params: { problem, training: { solver: options.solver ?? 'gd', tol: 1e-12 } }, grid: { 'problem.n': options.ns }, seeds: options.seeds }));
  return path;
}
