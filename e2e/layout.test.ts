/**
 * The explorer page as a paper figure, in Chromium against `ftlab serve`: the plot fills its card and follows the
 * window; at phone size (390×844) the plot comes first, nothing scrolls sideways and the picture fits; the legend
 * says what lines, points and bars are and shows the runs legend only when something was simulated; a divergence
 * is marked as such; hovering shows values; each curated view explains itself with typeset equations and cites its
 * paper; a dark colour scheme is honoured. Screenshots at 1440×900 and 390×844, light and dark, go to e2e/artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, openExplorer, type ExplorerSession } from './support/explorer.js';
import { PRESETS } from '../src/experiments/presets/index.js';

const CURATED = ['shachaf-risk', 'tahir-phase', 'tahir-slice', 'anguita-replica'];

let session: ExplorerSession | undefined;
let baseUrl: string;
let page: Page;

async function open(query: string): Promise<void> {
  await page.goto(`${baseUrl}?${query}`);
  await page.waitForFunction(() => window.ftlab?.renderCount() > 0 && document.querySelector('#plot svg') !== null);
}
const svgText = () => page.locator('#plot svg').innerHTML();
/** The plot's SVG and its card, as laid out. */
const boxes = () =>
  page.evaluate(() => {
    const svg = document.querySelector('#plot svg')!.getBoundingClientRect();
    const plot = document.getElementById('plot')!;
    const card = plot.getBoundingClientRect();
    return { svgLeft: svg.left, svgRight: svg.right, svgWidth: svg.width, svgTop: svg.top, cardWidth: plot.clientWidth, cardTop: card.top };
  });

beforeAll(async () => {
  session = await openExplorer(mkdtempSync(join(tmpdir(), 'ftlab-e2e-layout-')));
  ({ baseUrl, page } = session);
});

afterAll(async () => {
  await session?.close();
});

describe('layout', () => {
  it('the plot fills its card and follows the window’s width', async () => {
    await open('view=shachaf-risk');
    let b = await boxes();
    expect(b.svgWidth).toBeGreaterThan(0.9 * b.cardWidth);
    expect(b.svgWidth).toBeLessThanOrEqual(b.cardWidth + 1);
    await page.setViewportSize({ width: 1100, height: 900 });
    await expect.poll(async () => (await boxes()).svgWidth, { timeout: 10_000 }).toBeLessThan(b.svgWidth - 100);
    b = await boxes();
    expect(b.svgWidth).toBeGreaterThan(0.9 * b.cardWidth);
    expect(b.svgWidth).toBeLessThanOrEqual(b.cardWidth + 1);
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('at 390×844 the plot comes first, fits the screen and nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    // The curated views, and a theory function drawn in six panels.
    for (const view of [...CURATED, 'theory:shachaf-risk-power-law']) {
      await open(`view=${encodeURIComponent(view)}`);
      const b = await boxes();
      const side = await page.locator('#sidebar').boundingBox();
      expect(b.svgTop, view).toBeLessThan(side!.y); // plot above the controls
      expect(b.svgTop, view).toBeLessThan(844 / 2); // on the first screen
      expect(b.svgLeft, view).toBeGreaterThanOrEqual(0);
      expect(b.svgRight, view).toBeLessThanOrEqual(390);
      const scroll = await page.evaluate(() => ({ width: document.scrollingElement!.scrollWidth, inner: window.innerWidth }));
      expect(scroll.width, view).toBeLessThanOrEqual(scroll.inner);
      await page.screenshot({ path: join(ARTIFACTS, `layout-390-light-${view.replace(/[^A-Za-z0-9_-]+/g, '-')}.png`), fullPage: false });
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });
});

describe('a paper figure', () => {
  it('the legend says what lines, points and bars are; the runs legend only once something was simulated', async () => {
    await open('view=shachaf-risk');
    let text = await svgText();
    expect(text).toContain('lines: theory');
    expect(text).not.toContain('not converged');
    expect(text).not.toContain('points: simulation');
    await page.screenshot({ path: join(ARTIFACTS, 'layout-1440-light-shachaf-risk.png') });
    await page.click('#sim-run');
    await page.waitForFunction(() => window.ftlab.figure()?.series.some((s) => s.kind === 'simulation'), null, { timeout: 120_000 });
    await expect.poll(svgText).toContain('points: simulation mean');
    text = await svgText();
    expect(text).toContain('bars: ±2 s.e.');
    expect(text).toContain('not converged');
    await page.screenshot({ path: join(ARTIFACTS, 'layout-1440-light-shachaf-risk-simulated.png') });
  });

  it('marks a divergence as such instead of drawing a finite peak', async () => {
    await open('view=shachaf-risk&p.d=100');
    const fig = await page.evaluate(() => window.ftlab.figure()!);
    const ft = fig.series[0];
    const at = ft.x.values.indexOf(100);
    expect(at).toBeGreaterThan(0);
    expect(ft.y.values[at] === null || ft.y.values[at] === Infinity).toBe(true);
    expect(await svgText()).toContain('diverges at n = 100');
  });

  it('hovering a curve shows its values', async () => {
    await open('view=shachaf-risk');
    const plot = await page.locator('#plot svg').boundingBox();
    // Move across the middle of the plot until a mark answers with a tooltip.
    let title: string | null = null;
    for (let k = 0; k < 60 && !title; k++) {
      const x = plot!.x + plot!.width * (0.1 + (0.8 * k) / 60);
      for (let j = 1; j < 12 && !title; j++) {
        await page.mouse.move(x, plot!.y + (plot!.height * j) / 14);
        title = await page.evaluate(() => document.querySelector('#plot[title], #plot [title]')?.getAttribute('title') || null);
      }
    }
    expect(title).toMatch(/population risk/);
    expect(title).toMatch(/n \(target samples\)/);
  });

  it('each curated view explains itself with typeset equations and cites its paper, without internal names', async () => {
    const ids = PRESETS.map((p) => p.id);
    for (const view of CURATED) {
      await open(`view=${view}`);
      expect(await page.locator('#description .katex').count(), view).toBeGreaterThan(0);
      const text = (await page.locator('#description').innerText()).replace(/\s+/g, ' ');
      expect(text, view).not.toMatch(/digest|`/);
      for (const id of ids) expect(text, view).not.toContain(id);
      expect(await page.textContent('#citation'), view).toMatch(/^From [A-Z][a-z]+.*\((?:[A-Za-z]+ )?\d{4}\)/);
    }
  });

  it('honours a dark colour scheme, on the page and in the plot', async () => {
    const luminance = (rgb: string) => {
      const [r, g, b] = (rgb.match(/\d+/g) ?? []).map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const [w, h] of [
      [1440, 900],
      [390, 844],
    ]) {
      await page.setViewportSize({ width: w, height: h });
      for (const view of ['shachaf-risk', 'tahir-phase']) {
        await open(`view=${view}`);
        expect(luminance(await page.evaluate(() => getComputedStyle(document.body).backgroundColor))).toBeLessThan(0.2);
        const bg = await page.evaluate(() => getComputedStyle(document.querySelector('#plot svg')!).backgroundColor);
        expect(luminance(bg), `${view} plot background ${bg}`).toBeLessThan(0.2);
        await page.screenshot({ path: join(ARTIFACTS, `layout-${w}-dark-${view}.png`) });
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1440, height: 900 });
    await open('view=tahir-phase');
    await page.screenshot({ path: join(ARTIFACTS, 'layout-1440-light-tahir-phase.png') });
  });
});
