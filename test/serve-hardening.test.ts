/**
 * `ftlab serve` against hostile or heavy use: requests naming another Host than the server's own address are refused
 * (a DNS-rebinding page cannot read the output folder), and a stored sweep's figure is rebuilt off the event loop and
 * cached by sweep and store state, so files are answered while a figure is built, identical requests share one build
 * and a change to the stored results is seen by the next request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/server/serve.js';
import { allowedHosts, hostAllowed } from '../src/server/hosts.js';
import { openStore } from '../src/store/store.js';
import { reproduce } from '../src/experiments/reproduce.js';
import type { Job } from '../src/experiments/job.js';
import type { JobOutput } from '../src/experiments/jobTypes.js';
import { CLI, freePort, waitFor } from './support/processes.js';

let server: RunningServer;
let out: string;
let web: string;
let port: number;
let sweep: string;
const children: ChildProcess[] = [];

interface Reply {
  status: number;
  body: string;
  type: string;
  cache: string | undefined;
  ms: number;
}

/** One raw request to 127.0.0.1:`at`, with the Host header given (or the one node's client writes). */
function raw(path: string, options: { host?: string; method?: string; at?: number } = {}): Promise<Reply> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const headers = options.host === undefined ? {} : { host: options.host };
    const req = request({ host: '127.0.0.1', port: options.at ?? port, path, method: options.method ?? 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          type: String(res.headers['content-type'] ?? ''),
          cache: res.headers['x-ftlab-cache'] as string | undefined,
          ms: performance.now() - start,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const figurePath = () => `/api/figure?sweep=${encodeURIComponent(sweep)}`;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'ftlab-serve-hardening-'));
  out = join(root, 'out');
  web = join(root, 'web');
  mkdirSync(out);
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>page</title>');
  writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
  await reproduce('anguita-regimes', { outDir: out, png: false, workers: 0 });
  const store = openStore(out, { readonly: true });
  sweep = store.sweeps().find((s) => (s.spec as { figure?: string }).figure === 'anguita-regimes')!.name;
  store.close();
  server = await startServer({ outDir: out, port: 0, webRoot: web });
  port = Number(new URL(server.url).port);
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server?.close();
});

describe('the Host check', () => {
  it('refuses a forged Host on every route with 403 and a short reason', async () => {
    for (const path of ['/', '/assets/app.js', '/api/sweeps', figurePath(), '/out/anguita-regimes.csv', '/nope']) {
      for (const host of ['evil.example', `evil.example:${port}`, 'localhost.evil.example', `127.0.0.1.evil.example:${port}`]) {
        const r = await raw(path, { host });
        expect(r.status, `${path} with Host ${host}`).toBe(403);
        expect(r.type).toContain('text/plain');
        expect(r.body).toMatch(/Host/);
        expect(r.body).not.toContain('figure');
        expect(r.body.length).toBeLessThan(300);
      }
    }
    // the wrong port on a proper name is refused too, and so is a HEAD or POST with a forged Host
    expect((await raw('/', { host: `localhost:${port + 1}` })).status).toBe(403);
    expect((await raw('/', { host: 'localhost' })).status).toBe(403);
    expect((await raw('/', { host: 'evil.example', method: 'HEAD' })).status).toBe(403);
    expect((await raw('/', { host: 'evil.example', method: 'POST' })).status).toBe(403);
  });

  it('answers the bound address, localhost and 127.0.0.1 with the serving port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      for (const path of ['/', '/assets/app.js', '/api/sweeps', '/out/anguita-regimes.csv']) {
        expect((await raw(path, { host })).status, `${path} with Host ${host}`).toBe(200);
      }
    }
    expect((await raw('/', { host: `[::1]:${port}` })).status).toBe(403); // bound to 127.0.0.1, not ::1
  });

  it('accepts exactly the names of the address it is bound to', () => {
    expect(allowedHosts('127.0.0.1', 8080)).toEqual(['127.0.0.1:8080', 'localhost:8080']);
    expect(allowedHosts('::1', 8080)).toEqual(['[::1]:8080', '127.0.0.1:8080', 'localhost:8080']);
    expect(allowedHosts('localhost', 8080)).toEqual(['localhost:8080', '127.0.0.1:8080', '[::1]:8080']);
    expect(allowedHosts('192.168.1.5', 8080)).toEqual(['192.168.1.5:8080', '127.0.0.1:8080', 'localhost:8080']);
    expect(allowedHosts('0.0.0.0', 8080)).toBe('any');
    expect(allowedHosts('::', 8080)).toBe('any');
    expect(hostAllowed('[::1]:8080', '::1', 8080)).toBe(true);
    expect(hostAllowed('[0:0:0:0:0:0:0:1]:8080', '::1', 8080)).toBe(false);
    expect(hostAllowed('192.168.1.5:8080', '192.168.1.5', 8080)).toBe(true);
    expect(hostAllowed('evil.example:8080', '192.168.1.5', 8080)).toBe(false);
    expect(hostAllowed('evil.example:8080', '0.0.0.0', 8080)).toBe(true);
    expect(hostAllowed(undefined, '127.0.0.1', 8080)).toBe(false);
    // port 80 may be left out of the Host header, as browsers do
    expect(hostAllowed('localhost', '127.0.0.1', 80)).toBe(true);
    expect(hostAllowed('localhost:80', '127.0.0.1', 80)).toBe(true);
    expect(hostAllowed('localhost', '127.0.0.1', 8080)).toBe(false);
  });

  it('serves an IPv6 loopback server under [::1]', async (ctx) => {
    let v6: RunningServer;
    try {
      v6 = await startServer({ outDir: out, port: 0, webRoot: web, host: '::1' });
    } catch {
      ctx.skip(); // no IPv6 loopback on this machine
      return;
    }
    try {
      const p = Number(new URL(v6.url).port);
      const get = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const req = request({ host: '::1', port: p, path: '/', headers: { host } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      expect(await get(`[::1]:${p}`)).toBe(200);
      expect(await get(`localhost:${p}`)).toBe(200);
      expect(await get(`evil.example:${p}`)).toBe(403);
    } finally {
      await v6.close();
    }
  });
});

describe('the figure of a stored sweep', () => {
  it('is built once for identical concurrent requests, then served from the cache', async () => {
    const replies = await Promise.all([raw(figurePath()), raw(figurePath()), raw(figurePath())]);
    for (const r of replies) expect(r.status).toBe(200);
    expect(replies.map((r) => r.cache).sort()).toEqual(['miss', 'shared', 'shared']);
    expect(new Set(replies.map((r) => r.body)).size).toBe(1);
    const fig = JSON.parse(replies[0].body) as { figure: string; series: unknown[] };
    expect(fig.figure).toBe('anguita-regimes');
    expect(fig.series.length).toBe(12);
    const again = await raw(figurePath());
    expect(again.cache).toBe('hit');
    expect(again.body).toBe(replies[0].body);
    expect(again.ms).toBeLessThan(1000);
    const head = await raw(figurePath(), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.cache).toBe('hit');
  });

  it('is rebuilt after new results are stored', async () => {
    const before = JSON.parse((await raw(figurePath())).body) as { provenance: { jobs: number; done: number } };
    expect((await raw(figurePath())).cache).toBe('hit');
    const store = openStore(out);
    const job = { hash: 'serve-hardening-test-job', type: 'linear-finetune', params: {}, seed: 0, codeVersion: 'test' } as unknown as Job;
    const output = { status: { converged: true, iterations: 1, residual: 0 }, metrics: { risk: 1 } } as unknown as JobOutput;
    store.recordSuccess(job, output, 1);
    const spec = store.sweeps().find((s) => s.name === sweep)!.spec;
    store.recordSweep(sweep, spec, [job.hash]);
    store.close();
    const r = await raw(figurePath());
    expect(r.status).toBe(200);
    expect(r.cache).toBe('miss');
    const after = JSON.parse(r.body) as { provenance: { jobs: number; done: number } };
    expect(after.provenance.jobs).toBe(before.provenance.jobs + 1);
    expect(after.provenance.done).toBe(before.provenance.done + 1);
    expect((await raw(figurePath())).cache).toBe('hit');
  });

  it('keeps its errors: an unknown sweep is 400 with the CLI wording, a missing parameter 400', async () => {
    const missing = await raw('/api/figure?sweep=nope');
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body).error).toMatch(/sweep: no sweep named "nope"/);
    expect((await raw('/api/figure')).status).toBe(400);
  });
});

describe('ftlab serve as a process', () => {
  it('answers file requests promptly while a figure is being built', async () => {
    const at = await freePort();
    const child = spawn(process.execPath, [CLI, 'serve', '--out', out, '--port', String(at)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let printed = '';
    child.stdout.on('data', (d) => (printed += d));
    child.stderr.on('data', (d) => (printed += d));
    await waitFor(() => printed.includes('ftlab explorer:'), 30_000, 'the server to start');
    // a fresh server: the first figure request builds (about a second of CPU for this sweep)
    let figureDone = false;
    const figure = raw(figurePath(), { at }).then((r) => {
      figureDone = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 150));
    const times: number[] = [];
    for (let i = 0; i < 5 && !figureDone; i++) {
      const r = await raw('/', { at });
      expect(r.status).toBe(200);
      expect(r.type).toContain('text/html');
      if (!figureDone) times.push(r.ms);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(times.length, 'file requests answered while the figure was still being built').toBeGreaterThanOrEqual(2);
    for (const ms of times) expect(ms).toBeLessThan(200);
    const f = await figure;
    expect(f.status).toBe(200);
    expect(f.cache).toBe('miss');
    child.kill('SIGTERM');
  });

  it('warns at start when it listens on every interface', async () => {
    const at = await freePort();
    const child = spawn(process.execPath, [CLI, 'serve', '--out', out, '--port', String(at), '--host', '0.0.0.0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    await waitFor(() => stdout.includes('ftlab explorer:'), 30_000, 'the server to start');
    expect(stderr).toMatch(/warning: --host 0\.0\.0\.0 .*every network interface/);
    expect(stderr).toMatch(/any Host/);
    // deliberately opened: any Host is answered
    expect((await raw('/', { at, host: `ftlab.lan:${at}` })).status).toBe(200);
    child.kill('SIGTERM');
  });
});
