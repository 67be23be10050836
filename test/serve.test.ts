/**
 * `ftlab serve`'s server (src/server/serve.ts): it binds loopback by default, answers only GET/HEAD, serves the page
 * and read-only files of the output folder, lists and rebuilds stored sweeps, and never serves a path outside its two
 * roots, whatever the request looks like (checked with raw HTTP requests, which no client normalises).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { safeFile, startServer, type RunningServer } from '../src/server/serve.js';
import { reproduce } from '../src/experiments/reproduce.js';

let server: RunningServer;
let out: string;
let web: string;
let port: number;

function raw(path: string, method = 'GET'): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'ftlab-serve-'));
  out = join(root, 'out');
  web = join(root, 'web');
  mkdirSync(out);
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>page</title>');
  writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'outside');
  symlinkSync(join(root, 'secret.txt'), join(out, 'link-out.txt'));
  await reproduce('anguita-regimes', { outDir: out, png: false, workers: 0 });
  server = await startServer({ outDir: out, port: 0, webRoot: web });
  port = Number(new URL(server.url).port);
});

afterAll(async () => {
  await server?.close();
});

describe('ftlab serve', () => {
  it('binds 127.0.0.1 by default and serves the page', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await raw('/');
    expect(r.status).toBe(200);
    expect(r.type).toContain('text/html');
    expect((await raw('/assets/app.js')).type).toContain('javascript');
  });

  it('serves files of the output folder read-only, and only GET/HEAD', async () => {
    const r = await raw('/out/anguita-regimes.csv');
    expect(r.status).toBe(200);
    expect(r.body.split('\n')[0]).toMatch(/^figure,series/);
    expect((await raw('/out/anguita-regimes.csv', 'HEAD')).status).toBe(200);
    for (const m of ['POST', 'PUT', 'DELETE', 'PATCH']) expect((await raw('/out/anguita-regimes.csv', m)).status).toBe(405);
  });

  it('never serves a path outside the page or the output folder', async () => {
    for (const path of [
      '/../secret.txt',
      '/out/../secret.txt',
      '/out/../../etc/passwd',
      '/out/%2e%2e/secret.txt',
      '/out/%2e%2e%2fsecret.txt',
      '/out/..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/out/%2fetc%2fpasswd',
      '/out//etc/passwd',
      '/out/..\\secret.txt',
      '/out/%5c..%5csecret.txt',
      '/out/anguita-regimes.csv%00.png',
      '/out/link-out.txt',
      '/assets/../../secret.txt',
      '/out/',
      '/out',
    ]) {
      const r = await raw(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.body, path).not.toContain('outside');
      expect(r.body, path).not.toContain('root:');
    }
    expect(safeFile(out, '../secret.txt')).toBeNull();
    expect(safeFile(out, 'link-out.txt')).toBeNull();
    expect(safeFile(out, 'anguita-regimes.json')).not.toBeNull();
  });

  it('lists stored sweeps and rebuilds a reproduce sweep’s figure from the store', async () => {
    const sweeps = JSON.parse((await raw('/api/sweeps')).body) as { name: string; spec: { figure: string } }[];
    expect(sweeps.map((s) => s.spec.figure)).toContain('anguita-regimes');
    const name = sweeps.find((s) => s.spec.figure === 'anguita-regimes')!.name;
    const fig = JSON.parse((await raw(`/api/figure?sweep=${encodeURIComponent(name)}`)).body) as { figure: string; series: unknown[] };
    expect(fig.figure).toBe('anguita-regimes');
    expect(fig.series.length).toBe(12);
    const missing = await raw('/api/figure?sweep=nope');
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body).error).toMatch(/sweep: no sweep named "nope"/);
    expect((await raw('/api/figure')).status).toBe(400);
    expect((await raw('/api/other')).status).toBe(404);
  });

  it('refuses a missing output folder or an unbuilt page with a clear error', async () => {
    await expect(startServer({ outDir: join(out, 'missing'), port: 0, webRoot: web })).rejects.toThrow(/--out: expected an existing folder/);
    await expect(startServer({ outDir: out, port: 0, webRoot: join(out, 'no-web') })).rejects.toThrow(/the explorer page is not built/);
  });
});
