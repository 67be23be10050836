/**
 * The explorer page end to end in a real browser: Debian's Chromium driven by playwright-core against `ftlab serve`
 * (the built CLI) on an output folder holding a quick `ftlab reproduce` run. Checks that the drawn curves are the
 * theory's values (computed here in Node by the same modules), that keyboard slider moves redraw them, that bad input
 * gets the CLI's message, that a simulation runs in the worker (and can be cancelled), that a link restores a view,
 * that stored results overlay, and that the exports download. Screenshots of each view go to e2e/artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, CLI, openExplorer, type ExplorerSession } from './support/explorer.js';
import { EXPLORER_VIEWS, getView, resolveValues } from '../src/explorer/views.js';
import type { FigureData } from '../src/plots/figure.js';


let session: ExplorerSession | undefined;
let baseUrl: string;
let browser: Browser;
let page: Page;

const figureOf = (p: Page) => p.evaluate(() => window.ftlab.figure()) as Promise<FigureData>;
const renders = (p: Page) => p.evaluate(() => window.ftlab.renderCount());
async function waitForRedraw(p: Page, after: number): Promise<void> {
  await p.waitForFunction((n) => window.ftlab.renderCount() > n, after);
}
async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
function paramsFromUrl(url: string): { view: string; params: Record<string, number>; choices: Record<string, string> } {
  const q = new URL(url).searchParams;
  const params: Record<string, number> = {};
  const choices: Record<string, string> = {};
  for (const [k, v] of q) {
    if (k.startsWith('p.')) params[k.slice(2)] = Number(v);
    if (k.startsWith('c.')) choices[k.slice(2)] = v;
  }
  return { view: q.get('view')!, params, choices };
}
/** The theory series of the page's figure equal the same view's theory computed here, at the URL's parameters. */
function expectTheoryMatchesUrl(fig: FigureData, url: string): void {
  const s = paramsFromUrl(url);
  const view = getView(s.view);
  const r = resolveValues(view, s.params, s.choices);
  const expected = view.theory(r.params, r.choices).series;
  const drawn = fig.series.filter((x) => x.kind === 'theory');
  expect(drawn.map((x) => x.name)).toEqual(expected.map((x) => x.name));
  // The browser's V8 may round a transcendental function differently in the last bit: 1e-12 relative.
  const close = (got: readonly (number | null)[], want: readonly number[]) => {
    expect(got).toHaveLength(want.length);
    got.forEach((g, k) => {
      const e = want[k];
      if (Number.isFinite(e)) expect(Math.abs((g as number) - e)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(e)));
      else expect(g === null || !Number.isFinite(g)).toBe(true);
    });
  };
  drawn.forEach((x, i) => {
    close(x.x.values, expected[i].x.values);
    close(x.y.values, expected[i].y.values);
    if (expected[i].z) close(x.z!.values, expected[i].z!.values);
  });
}

beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), 'ftlab-e2e-'));
  const r = spawnSync(process.execPath, [CLI, 'reproduce', 'shachaf-linear-risk', '--quick', '--no-png', '--out', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`reproduce failed: ${r.stderr}`);
  session = await openExplorer(out, { viewport: { width: 1366, height: 860 }, acceptDownloads: true });
  ({ baseUrl, browser, page } = session);
});

afterAll(async () => {
  await session?.close();
});

describe('ftlab explorer in Chromium', () => {
  it('loads, draws the default view with the theory’s values, and labels its axes', async () => {
    await page.goto(baseUrl);
    await page.waitForFunction(() => window.ftlab?.renderCount() > 0);
    const fig = await figureOf(page);
    expect(fig.figure).toBe('shachaf-risk');
    expectTheoryMatchesUrl(fig, page.url());
    const svg = await page.locator('#plot svg').innerHTML();
    expect(svg).toContain('n (target samples)');
    expect(svg).toContain('population risk');
    expect(svg).toContain('fine-tuning from θ_S');
    await shot('shachaf-risk');
  });

  it('moving a slider with the keyboard redraws the curve at the theory’s new values', async () => {
    const before = await figureOf(page);
    const n = await renders(page);
    await page.focus('#p-alpha');
    for (let k = 0; k < 6; k++) await page.keyboard.press('ArrowLeft');
    await waitForRedraw(page, n);
    await page.waitForFunction(() => new URL(location.href).searchParams.get('p.alpha') === '0.7');
    const after = await figureOf(page);
    expect(await page.inputValue('#n-alpha')).toBe('0.7');
    expectTheoryMatchesUrl(after, page.url());
    expect(after.series[0].y.values).not.toEqual(before.series[0].y.values);
  });

  it('refuses out-of-range input with the CLI’s message and keeps the last picture', async () => {
    const before = await figureOf(page);
    await page.fill('#n-d', '5000');
    await page.press('#n-d', 'Enter');
    await expect.poll(() => page.textContent('#message')).toContain('d: expected an integer in [10, 400] (got 5000)');
    expect(await page.getAttribute('#n-d', 'aria-invalid')).toBe('true');
    expect(await figureOf(page)).toEqual(before);
    await shot('shachaf-risk-invalid-input');
    await page.fill('#n-d', '100');
    await page.press('#n-d', 'Enter');
    await expect.poll(() => page.textContent('#message')).toBe('');
  });

  it('runs a simulation in the Web Worker and draws its points on the theory', async () => {
    await page.click('#sim-run');
    await page.waitForFunction(() => window.ftlab.figure()?.series.some((s) => s.kind === 'simulation'), null, { timeout: 120_000 });
    expect(await page.textContent('#sim-status')).toMatch(/Done: 18 jobs/);
    const fig = await figureOf(page);
    const sims = fig.series.filter((s) => s.kind === 'simulation');
    expect(sims.map((s) => s.name)).toEqual(['fine-tuning from θ_S (GD)', 'scratch (GD)']);
    expect(sims[0].x.values).toHaveLength(6);
    expect(sims.every((s) => s.converged!.every(Boolean))).toBe(true);
    expect(await page.locator('#plot svg .mark-symbol path').count()).toBeGreaterThan(0);
    await shot('shachaf-risk-simulation');
  });

  it('overlays a stored `ftlab reproduce` result read from the output folder', async () => {
    // Stored series are offered only at their own parameters: back to the stored α = 1.
    await page.fill('#n-alpha', '1');
    await page.press('#n-alpha', 'Enter');
    await expect.poll(() => page.locator('#sweep option').count()).toBeGreaterThan(0);
    expect(await page.textContent('#sweep')).toContain('reproduce:shachaf-linear-risk:quick');
    await expect.poll(() => page.locator('#stored-series option').count()).toBeGreaterThan(0);
    await page.click('#overlay-add');
    await page.waitForFunction(() => window.ftlab.figure()?.series.some((s) => s.name.startsWith('stored: ')));
    const stored = (await figureOf(page)).series.filter((s) => s.name.startsWith('stored: '));
    expect(stored).toHaveLength(1);
    expect(stored[0].kind).toBe('simulation');
    expect(stored[0].y.values.every(Number.isFinite)).toBe(true);
    await shot('shachaf-risk-stored-overlay');
  });

  it('downloads the figure as CSV, SVG and PNG', async () => {
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    const text = readFileSync((await csv.path())!, 'utf8');
    expect(text.split('\n').find((l) => !l.startsWith('#'))).toBe('figure,series,kind,panel,group,method,x_name,x,y_name,y,stderr,z_name,z,z_stderr,converged,seeds');
    expect(text).toContain('fine-tuning from θ_S');
    const [svg] = await Promise.all([page.waitForEvent('download'), page.click('#download-svg')]);
    expect(readFileSync((await svg.path())!, 'utf8')).toMatch(/^<svg/);
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('#download-png')]);
    expect(readFileSync((await png.path())!).subarray(1, 4).toString()).toBe('PNG');
  });

  it('restores a view from a link, and a cancelled simulation draws nothing', async () => {
    const link = `${baseUrl}?view=anguita-replica&p.rhoPT=0.1&p.rhoFT=0.02&p.omega=1&p.cPT=0.001&p.lambdaRatio=-0.9&p.gammaFT=0&p.noise=0`;
    await page.goto(link);
    await page.waitForFunction(() => window.ftlab?.renderCount() > 0);
    expect(await page.inputValue('#view')).toBe('anguita-replica');
    expect(await page.inputValue('#n-rhoFT')).toBe('0.02');
    expect(await page.inputValue('#n-lambdaRatio')).toBe('-0.9');
    expectTheoryMatchesUrl(await figureOf(page), page.url());
    await shot('anguita-replica');
    await page.click('#sim-run');
    await page.click('#sim-cancel');
    expect(await page.textContent('#sim-status')).toBe('Cancelled.');
    await page.waitForTimeout(500);
    expect((await figureOf(page)).series.some((s) => s.kind === 'simulation')).toBe(false);
    // A link with a value out of range says so and falls back to the defaults.
    await page.goto(`${baseUrl}?view=anguita-replica&p.omega=3`);
    await page.waitForFunction(() => window.ftlab?.renderCount() > 0);
    expect(await page.textContent('#message')).toContain('omega: expected a number in [0, 1] (got 3)');
  });

  it('switches paper and figure from the keyboard-accessible selectors; the phase map follows its controls', async () => {
    await page.goto(baseUrl);
    await page.waitForFunction(() => window.ftlab?.renderCount() > 0);
    await page.selectOption('#paper', { label: 'Tahir, Ganguli & Rotskoff (ICML 2025), "Features are fate"' });
    await page.selectOption('#view', 'tahir-phase');
    await page.waitForFunction(() => window.ftlab.figure()?.figure === 'tahir-phase');
    const lt = await figureOf(page);
    expectTheoryMatchesUrl(lt, page.url());
    await shot('tahir-phase');
    const n = await renders(page);
    await page.selectOption('#c-procedure', 'fine-tuning');
    await waitForRedraw(page, n);
    const ft = await figureOf(page);
    expectTheoryMatchesUrl(ft, page.url());
    expect(ft.series[0].z!.values).not.toEqual(lt.series[0].z!.values);
    await page.selectOption('#view', 'tahir-slice');
    await page.waitForFunction(() => window.ftlab.figure()?.figure === 'tahir-slice');
    await shot('tahir-slice');
    // Every `ftlab theory` function is a view too.
    await page.selectOption('#paper', { label: 'All theory functions (ftlab theory)' });
    await page.selectOption('#view', 'theory:anguita-potential');
    await page.waitForFunction(() => window.ftlab.figure()?.figure === 'theory:anguita-potential');
    expectTheoryMatchesUrl(await figureOf(page), page.url());
    await shot('theory-anguita-potential');
  });

  it('opens every view (each paper figure and each theory function) from its link and draws its theory', async () => {
    for (const view of EXPLORER_VIEWS) {
      await page.goto(`${baseUrl}?view=${encodeURIComponent(view.id)}`);
      await page.waitForFunction((id) => window.ftlab?.renderCount() > 0 && window.ftlab.figure()?.figure === id, view.id, { timeout: 60_000 });
      expect(await page.textContent('#message'), view.id).toBe('');
      expectTheoryMatchesUrl(await figureOf(page), page.url());
      await shot(`view-${view.id.replace(/[^A-Za-z0-9_-]+/g, '-')}`);
    }
  });
});
