/**
 * Stored overlays and exports of the explorer page in Chromium, against `ftlab serve` on an output folder holding
 * quick `ftlab reproduce` runs of shachaf-linear-risk and tahir-lt-phase: only stored series with the view's axes and
 * fixed parameters are offered (the simulated phase map on the phase view), a later mismatch is shown on the plot, a
 * series is not added twice, overlays travel in the link; every export (SVG, PNG, CSV, JSON) names the view, all
 * parameter values, the ftlab version and the link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Page } from 'playwright-core';
import { ARTIFACTS, CLI, ROOT, openExplorer, type ExplorerSession } from './support/explorer.js';
import type { FigureData } from '../src/plots/figure.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** The stored sweeps' names (they carry the solver and seeds), read from the server. */
let SHACHAF: string;
let TAHIR: string;
const SIMILAR_FT = 'fine-tune from θ_S (GD) · isotropic · similar θ_S (α=1)';

let session: ExplorerSession | undefined;
let baseUrl: string;
let page: Page;

const figureOf = (p: Page) => p.evaluate(() => window.ftlab.figure()) as Promise<FigureData>;
const storedNames = async (p: Page) => (await figureOf(p)).series.filter((s) => s.name.startsWith('stored: ')).map((s) => s.name);

async function open(query: string): Promise<void> {
  await page.goto(`${baseUrl}?${query}`);
  await page.waitForFunction(() => window.ftlab?.renderCount() > 0);
}

/** Requests to the server's API still in flight (the stored figures take a while to rebuild). */
let inFlight = 0;

/** Choose `sweep` in the stored-results panel and wait until its figure has arrived; returns the offered series. */
async function offered(sweep: string): Promise<string[]> {
  await expect.poll(() => page.locator(`#sweep option[value="${sweep}"]`).count(), { timeout: 30_000 }).toBe(1);
  if ((await page.inputValue('#sweep')) !== sweep) await page.selectOption('#sweep', sweep);
  await page.waitForTimeout(200); // let the request the choice started be seen
  await expect.poll(() => inFlight, { timeout: 30_000 }).toBe(0);
  await page.waitForTimeout(300);
  return page.locator('#stored-series option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
}

beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), 'ftlab-e2e-overlays-'));
  for (const figure of ['shachaf-linear-risk', 'tahir-lt-phase']) {
    const r = spawnSync(process.execPath, [CLI, 'reproduce', figure, '--quick', '--no-png', '--out', out], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`reproduce ${figure} failed: ${r.stderr}`);
  }
  session = await openExplorer(out, { viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  ({ baseUrl, page } = session);
  const sweeps = (await (await fetch(`${baseUrl}api/sweeps`)).json()) as { name: string; spec: { figure: string } }[];
  SHACHAF = sweeps.find((s) => s.spec.figure === 'shachaf-linear-risk')!.name;
  TAHIR = sweeps.find((s) => s.spec.figure === 'tahir-lt-phase')!.name;
  const api = (r: { url(): string }) => new URL(r.url()).pathname.startsWith('/api/');
  page.on('request', (r) => void (api(r) && inFlight++));
  for (const done of ['requestfinished', 'requestfailed'] as const) page.on(done, (r) => void (api(r) && inFlight--));
});

afterAll(async () => {
  await session?.close();
});

describe('stored overlays', () => {
  it('offers no stored series on a view with other axes (Shachaf risk against n is not drawn on the Anguita α axis)', async () => {
    await open('view=anguita-replica');
    expect(await offered(SHACHAF)).toEqual([]);
    expect(await page.isDisabled('#overlay-add')).toBe(true);
    expect(await page.textContent('#stored-status')).toMatch(/other axes/);
  });

  it('offers only the series whose fixed parameters are the view’s (isotropic inputs, α = 1, d = 100)', async () => {
    await open('view=shachaf-risk');
    const names = await offered(SHACHAF);
    expect(names.sort()).toEqual([SIMILAR_FT, 'scratch from 0 (GD) · isotropic · similar θ_S (α=1)'].sort());
    // At α = −0.5 the dissimilar pair fits instead.
    await open('view=shachaf-risk&p.alpha=-0.5');
    expect((await offered(SHACHAF)).every((n) => n.includes('isotropic · dissimilar'))).toBe(true);
  });

  it('offers the stored simulated phase map on the phase view and draws it as its own map, in the view’s radians', async () => {
    await open('view=tahir-phase');
    const names = await offered(TAHIR);
    expect(names).toContain('simulated T_lt, λ = 0');
    expect(names).not.toContain('simulated T_lt, λ = 0.1'); // the view's λ is 0
    await page.selectOption('#stored-series', 'simulated T_lt, λ = 0');
    await page.click('#overlay-add');
    await page.waitForFunction(() => window.ftlab.figure()?.series.some((s) => s.name.startsWith('stored: ')));
    const map = (await figureOf(page)).series.find((s) => s.name.startsWith('stored: '))!;
    expect(map.style).toBe('heatmap');
    expect(map.x.name).toBe('θ (radians)');
    expect(Math.max(...map.x.values)).toBeLessThanOrEqual(Math.PI / 2 + 1e-9);
    await expect.poll(() => page.locator('#plot svg').innerHTML()).toContain('stored: simulated T_lt, λ = 0');
    await page.screenshot({ path: join(ARTIFACTS, 'overlays-tahir-phase-stored-map.png'), fullPage: true });
  });

  it('refuses a duplicate, puts the overlay in the link, and shows a later mismatch on the plot', async () => {
    await open('view=shachaf-risk');
    await offered(SHACHAF);
    await page.selectOption('#stored-series', SIMILAR_FT);
    await page.click('#overlay-add');
    await page.waitForFunction(() => window.ftlab.figure()?.series.some((s) => s.name.startsWith('stored: ')));
    await page.click('#overlay-add');
    await expect.poll(() => page.textContent('#stored-status')).toMatch(/already on the plot/);
    expect(await storedNames(page)).toEqual([`stored: ${SIMILAR_FT}`]);
    expect(new URL(page.url()).searchParams.getAll('o')).toEqual([`${SHACHAF}:${SIMILAR_FT}`]);
    // Move d from 100 to 300: the overlay stays, but says it was stored at d = 100.
    await page.fill('#n-d', '300');
    await page.press('#n-d', 'Enter');
    await expect.poll(() => storedNames(page)).toEqual([`stored: ${SIMILAR_FT} (d = 100, view has d = 300)`]);
    expect(await page.textContent('#overlay-warning')).toMatch(/d = 100.*d = 300/);
    await expect.poll(() => page.locator('#plot svg').innerHTML()).toContain('view has d = 300');
    await page.screenshot({ path: join(ARTIFACTS, 'overlays-shachaf-mismatch.png'), fullPage: true });
  });

  it('restores overlays from a link', async () => {
    const o = encodeURIComponent(`${SHACHAF}:${SIMILAR_FT}`);
    await open(`view=shachaf-risk&o=${o}`);
    await expect.poll(() => storedNames(page), { timeout: 30_000 }).toEqual([`stored: ${SIMILAR_FT}`]);
    expect(new URL(page.url()).searchParams.getAll('o')).toEqual([`${SHACHAF}:${SIMILAR_FT}`]);
    expect(await page.textContent('#overlay-warning')).toBe('');
    // A link naming an overlay the folder does not hold says so.
    await open(`view=shachaf-risk&o=${encodeURIComponent(`${SHACHAF}:no such series`)}`);
    await expect.poll(() => page.textContent('#stored-status'), { timeout: 30_000 }).toMatch(/could not be restored/);
  });
});

/** The chunks of a PNG, each with its CRC checked. */
function pngChunks(png: Buffer): { type: string; data: Buffer }[] {
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  const out: { type: string; data: Buffer }[] = [];
  let at = 8;
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length), `CRC of ${type}`).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
    out.push({ type, data });
    at += 12 + length;
  }
  return out;
}

interface Info {
  ftlab: string;
  view: string;
  params: Record<string, number>;
  choices: Record<string, string>;
  overlays: string[];
  link: string;
}

function expectInfo(info: Info): void {
  expect(info.ftlab).toBe(VERSION);
  expect(info.view).toBe('shachaf-risk');
  expect(info.params).toEqual({ d: 120, alpha: 0.7, eps: 0.5, noise: 0.1 });
  const link = new URL(info.link);
  expect(link.searchParams.get('view')).toBe('shachaf-risk');
  expect(link.searchParams.get('p.d')).toBe('120');
  expect(link.searchParams.get('p.alpha')).toBe('0.7');
}

describe('exports', () => {
  it('SVG, PNG, CSV and JSON carry the view, every parameter, the version and the link', async () => {
    // Exported pictures are paper figures: light, whatever the page's colour scheme.
    await page.emulateMedia({ colorScheme: 'dark' });
    await open('view=shachaf-risk&p.d=120&p.alpha=0.7&p.eps=0.5&p.noise=0.1');
    const get = async (id: string) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.click(id)]);
      return readFileSync((await d.path())!);
    };

    const svg = (await get('#download-svg')).toString('utf8');
    expect(svg).toMatch(/^<svg/);
    const meta = /<metadata id="ftlab-export">([^<]*)<\/metadata>/.exec(svg);
    expect(meta).not.toBeNull();
    const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expectInfo(JSON.parse(unescape(meta![1])) as Info);
    expect(svg).toMatch(/<desc>[^<]*d = 120, alpha = 0.7, eps = 0.5, noise = 0.1/);
    expect(svg).toMatch(/<\/metadata><rect [^>]*fill="white"\/>/);

    const chunks = pngChunks(await get('#download-png'));
    const texts = new Map(
      chunks
        .filter((c) => c.type === 'iTXt')
        .map((c) => {
          const k = c.data.indexOf(0);
          // keyword \0 flag method language \0 translated \0 text
          let at = k + 3;
          at = c.data.indexOf(0, at) + 1;
          at = c.data.indexOf(0, at) + 1;
          return [c.data.subarray(0, k).toString('latin1'), c.data.subarray(at).toString('utf8')] as const;
        }),
    );
    expect(texts.get('Software')).toBe(`ftlab ${VERSION}`);
    expect(texts.get('Description')).toContain('d = 120, alpha = 0.7');
    expectInfo(JSON.parse(texts.get('ftlab')!) as Info);
    expect(chunks[chunks.length - 1].type).toBe('IEND');

    const csv = (await get('#download-csv')).toString('utf8').split('\n');
    const comments = csv.filter((l) => l.startsWith('#'));
    expect(csv.slice(0, comments.length)).toEqual(comments); // the block comes first
    expect(comments.join('\n')).toContain(`# ftlab ${VERSION}`);
    expect(comments.join('\n')).toContain('# parameters: d = 120, alpha = 0.7, eps = 0.5, noise = 0.1');
    expectInfo(JSON.parse(comments.find((l) => l.startsWith('# metadata: '))!.slice('# metadata: '.length)) as Info);
    expect(csv[comments.length]).toBe('figure,series,kind,panel,group,method,x_name,x,y_name,y,stderr,z_name,z,z_stderr,converged,seeds');

    const fig = JSON.parse((await get('#download-json')).toString('utf8')) as FigureData;
    expect(fig.figure).toBe('shachaf-risk');
    expect(fig.params).toEqual({ d: 120, alpha: 0.7, eps: 0.5, noise: 0.1 });
    expectInfo(fig.provenance as unknown as Info);
    // As `ftlab reproduce` writes it: the divergence at n = d is null with its flag.
    const ft = fig.series[0];
    const at = ft.x.values.indexOf(120);
    expect(at).toBeGreaterThan(0);
    expect(ft.y.values[at]).toBeNull();
    expect(ft.nonFinite).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'y', index: at, value: '+Infinity' })]));
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
