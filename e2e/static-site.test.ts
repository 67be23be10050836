/**
 * The explorer as a static site (`npm run build:site`, folder site/) in a real browser: the folder is served under a
 * sub-path by a plain static file server written here with node:http (no ftlab, no API), and Debian's Chromium opens
 * a view from it. Checks that the theory is drawn, that a small simulation runs in the Web Worker on the WebAssembly
 * SIMD kernels, that the "Stored results" panel says plainly that the static site has none, and that no request went
 * to /api/, failed or got an error status. Screenshots go to e2e/artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FigureData } from '../src/plots/figure.js';

const ROOT = join(__dirname, '..');
const SITE = join(ROOT, 'site');
const ARTIFACTS = join(ROOT, 'e2e', 'artifacts');
const CHROMIUM = process.env.FTLAB_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** The sub-path the site is published under, as on a project page of a static host. */
const PREFIX = '/ftlab/';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

/** A plain static file server for `root` under PREFIX: files with their content types, index.html for folders. */
function staticServer(root: string): Server {
  return createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (!path.startsWith(PREFIX)) {
      res.writeHead(404).end();
      return;
    }
    let file = normalize(join(root, path.slice(PREFIX.length)));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(404).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  });
}

let server: Server;
let baseUrl: string;
let browser: Browser;
let page: Page;
/** Every request the page (and its workers) made, with what went wrong with it, if anything. */
const requests: { url: string; problem?: string }[] = [];

const figureOf = (p: Page) => p.evaluate(() => window.ftlab.figure()) as Promise<FigureData>;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set FTLAB_CHROMIUM`);
  if (!existsSync(join(SITE, 'index.html'))) throw new Error(`no static site at ${SITE}: build it with \`npm run build:site\``);
  mkdirSync(ARTIFACTS, { recursive: true });
  server = staticServer(SITE);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PREFIX}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  context.on('request', (r) => requests.push({ url: r.url() }));
  context.on('requestfailed', (r) => requests.push({ url: r.url(), problem: `failed: ${r.failure()?.errorText}` }));
  context.on('response', (r) => {
    if (r.status() >= 400) requests.push({ url: r.url(), problem: `HTTP ${r.status()}` });
  });
  page = await context.newPage();
  page.on('pageerror', (e) => {
    throw e;
  });
});

afterAll(async () => {
  await browser?.close();
  if (server) await new Promise((resolve) => server.close(resolve));
});

describe('ftlab explorer as a static site', () => {
  it('draws a view from a plain static server under a sub-path', async () => {
    await page.goto(`${baseUrl}?view=shachaf-risk&p.d=20`);
    await page.waitForFunction(() => window.ftlab?.renderCount() > 0);
    const fig = await figureOf(page);
    expect(fig.figure).toBe('shachaf-risk');
    const theory = fig.series.filter((s) => s.kind === 'theory');
    expect(theory.map((s) => s.name)).toEqual(['fine-tuning from θ_S', 'scratch (from 0)']);
    expect(theory.every((s) => s.y.values.length > 10)).toBe(true);
    expect(await page.locator('#plot svg').innerHTML()).toContain('population risk');
  });

  it('says plainly that stored results are not part of the static site', async () => {
    await expect.poll(() => page.textContent('#stored-status')).toMatch(/static site/);
    const status = (await page.textContent('#stored-status'))!;
    expect(status).toContain('ftlab serve --out');
    expect(status).not.toMatch(/No output folder is being served/);
    expect(await page.locator('#overlay-add').isDisabled()).toBe(true);
  });

  it('runs a small simulation in the Web Worker on the WebAssembly kernels', async () => {
    await page.click('#sim-run');
    await page.waitForFunction(() => window.ftlab.figure()?.series.some((s) => s.kind === 'simulation'), null, { timeout: 120_000 });
    const status = (await page.textContent('#sim-status'))!;
    expect(status).toMatch(/Done: 18 jobs/);
    expect(status).toContain('WebAssembly SIMD kernels');
    const sims = (await figureOf(page)).series.filter((s) => s.kind === 'simulation');
    expect(sims.map((s) => s.name)).toEqual(['fine-tuning from θ_S (GD)', 'scratch (GD)']);
    expect(sims.every((s) => s.converged!.every(Boolean))).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'static-site-1440.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, 'static-site-390.png'), fullPage: true });
  });

  it('made no request to /api/ and none that failed', async () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => new URL(r.url).pathname.includes('/api/'))).toEqual([]);
    expect(requests.filter((r) => r.problem)).toEqual([]);
    expect(requests.filter((r) => r.url.startsWith('http') && !r.url.startsWith(baseUrl))).toEqual([]);
  });
});
