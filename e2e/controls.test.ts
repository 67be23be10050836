/**
 * The explorer's controls in Chromium (playwright-core against `ftlab serve` on an empty output folder): sliders
 * move over each parameter's typical range (log10 where it spans decades), return to the default exactly, give way to
 * the x-range boxes for the plotted parameter and are bounded by the other fields' values; messages name the user's
 * values in the CLI's wording, never a solver's internals; a rejected box stays flagged while other controls move, and
 * the message says which values the picture and the link show. Screenshots go to e2e/artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, openExplorer, type ExplorerSession } from './support/explorer.js';
import { getTheory } from '../src/theory/registry.js';


let session: ExplorerSession | undefined;
let baseUrl: string;
let page: Page;

const urlParam = (p: Page, name: string) => new URL(p.url()).searchParams.get(`p.${name}`);
const num = async (p: Page, id: string) => Number(await p.inputValue(id));

/** Open a view (query string after `?`) and wait for its first picture or message. */
async function open(query: string, timeout = 30_000): Promise<void> {
  await page.goto(`${baseUrl}?${query}`);
  await page.waitForFunction(() => (window.ftlab?.renderCount() ?? 0) > 0 || (document.getElementById('message')?.textContent ?? '') !== '', null, { timeout });
}

beforeAll(async () => {
  session = await openExplorer(mkdtempSync(join(tmpdir(), 'ftlab-e2e-controls-')));
  ({ baseUrl, page } = session);
});

afterAll(async () => {
  await session?.close();
});

describe('explorer controls in Chromium', () => {
  it('moves a slider over the typical range in small steps, in log10 for a positive range of decades', async () => {
    await open('view=theory:tahir-scratch-risk');
    expect(await num(page, '#n-sigma')).toBe(0.2);
    await page.focus('#p-sigma');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => urlParam(page, 'sigma')).not.toBe('0.2');
    const sigma = await num(page, '#n-sigma');
    expect(sigma).toBeGreaterThan(0.2);
    expect(sigma).toBeLessThanOrEqual(0.25);
    // d (integer, typical range of decades): one press multiplies it by a small factor.
    expect(await num(page, '#n-d')).toBe(500);
    await page.focus('#p-d');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => urlParam(page, 'd')).not.toBe('500');
    const d = await num(page, '#n-d');
    expect(d).toBeGreaterThan(500);
    expect(d).toBeLessThan(550);
    expect(Number.isInteger(d)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'controls-tahir-scratch-risk.png'), fullPage: true });
  });

  it('a click 10 % along γ’s slider gives a value in its typical range', async () => {
    await open('view=theory:tahir-scratch-risk&c.x=sigma');
    const box = (await page.locator('#p-gamma').boundingBox())!;
    await page.mouse.click(box.x + 0.1 * box.width, box.y + box.height / 2);
    await expect.poll(() => urlParam(page, 'gamma')).not.toBe('0.5');
    const gamma = await num(page, '#n-gamma');
    const typical = getTheory('tahir-scratch-risk').params.find((q) => q.name === 'gamma')!.typical ?? [0, 10];
    expect(gamma).toBeGreaterThanOrEqual(typical[0]);
    expect(gamma).toBeLessThanOrEqual(typical[1]);
    expect(gamma).toBeLessThan(1); // 10 % along [0.01, 100] in log10 is 0.025; far below the midpoint in any case
  });

  it('a slider moved away and back gives the default exactly', async () => {
    await open('view=theory:anguita-regime&c.x=betaFT');
    await page.focus('#p-cPT');
    for (let k = 0; k < 3; k++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => urlParam(page, 'cPT')).not.toBe('0.001');
    for (let k = 0; k < 3; k++) await page.keyboard.press('ArrowLeft');
    await expect.poll(() => urlParam(page, 'cPT')).toBe('0.001');
    expect(await page.inputValue('#n-cPT')).toBe('0.001');
    // A drag away and back to where it started, too.
    const box = (await page.locator('#p-lambdaRatio').boundingBox())!;
    const start = await page.locator('#p-lambdaRatio').evaluate((el: HTMLInputElement) => (Number(el.value) - Number(el.min)) / (Number(el.max) - Number(el.min)));
    const y = box.y + box.height / 2;
    const x0 = box.x + 8 + start * (box.width - 16);
    const startPosition = await page.inputValue('#p-lambdaRatio');
    await page.mouse.move(x0, y);
    await page.mouse.down();
    await page.mouse.move(x0 + 60, y, { steps: 4 });
    expect(await page.inputValue('#p-lambdaRatio')).not.toBe(startPosition);
    // back to the starting position: a slider position can be narrower than a pixel, so look for it pixel by pixel
    await page.mouse.move(x0, y, { steps: 4 });
    for (let dx = 1; dx <= 4 && (await page.inputValue('#p-lambdaRatio')) !== startPosition; dx++) {
      const pos = Number(await page.inputValue('#p-lambdaRatio'));
      await page.mouse.move(x0 + (pos < Number(startPosition) ? dx : -dx), y);
    }
    await page.mouse.up();
    expect(await page.inputValue('#p-lambdaRatio')).toBe(startPosition);
    await expect.poll(() => page.inputValue('#n-lambdaRatio')).toBe('-0.99');
  });

  it('has no slider for the x-axis parameter: the x range takes its place', async () => {
    await open('view=theory:tahir-scratch-risk');
    expect(await page.locator('#p-gamma').count()).toBe(0);
    expect(await page.locator('#n-gamma').count()).toBe(0);
    expect(await page.locator('#n-xFrom').count()).toBe(1);
    expect(await page.locator('#p-sigma').count()).toBe(1);
    expect(await page.textContent('label[for="n-xFrom"]')).toContain('gamma');
    await page.selectOption('#c-x', 'sigma');
    await expect.poll(() => page.locator('#p-sigma').count()).toBe(0);
    expect(await page.locator('#p-gamma').count()).toBe(1);
  });

  it('bounds bandStart and bandEnd by d, and ω by ρ_PT/ρ_FT', async () => {
    await open('view=theory:shachaf-risk-power-law');
    expect(await num(page, '#n-d')).toBe(400);
    await page.focus('#p-bandEnd');
    await page.keyboard.press('End');
    await expect.poll(() => urlParam(page, 'bandEnd')).toBe('400');
    // A smaller d breaks bandEnd ≤ d: the message and the flag name bandEnd, the picture and link keep d = 400 …
    await page.fill('#n-d', '100');
    await page.press('#n-d', 'Enter');
    await expect.poll(() => page.textContent('#message')).toMatch(/^bandEnd: expected an integer ≤ d = 100 \(got 400\)/);
    expect(await page.textContent('#message')).toMatch(/the picture shows the last values that could be drawn: d = 400\b/i);
    expect(await page.getAttribute('#n-bandEnd', 'aria-invalid')).toBe('true');
    expect(urlParam(page, 'd')).toBe('400');
    // … and bandEnd's slider now ends at d = 100 (it sits there already, as 400 is beyond it: step back, then End).
    await page.focus('#p-bandEnd');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('End');
    await expect.poll(() => urlParam(page, 'bandEnd')).toBe('100');
    expect(urlParam(page, 'd')).toBe('100');
    expect(await page.getAttribute('#n-bandEnd', 'aria-invalid')).toBeNull();
    await page.focus('#p-bandStart');
    await page.keyboard.press('End');
    await expect.poll(() => urlParam(page, 'bandStart')).toBe('99');
    expect(await page.textContent('#message')).toBe('');

    await open('view=anguita-replica&p.rhoPT=0.05', 60_000);
    await page.focus('#p-omega');
    await page.keyboard.press('End');
    await expect.poll(() => page.inputValue('#n-omega'), { timeout: 30_000 }).toBe('0.5');
    expect(await page.textContent('#message')).toBe('');
  });

  it('anguita-best-regime at α = 1: says the regime-I fixed point did not converge at α = 1', async () => {
    await open('view=theory:anguita-best-regime&p.alpha=1', 240_000);
    await expect.poll(() => page.textContent('#message'), { timeout: 240_000 }).toMatch(/regime I did not converge at α = 1/);
    const text = (await page.textContent('#message'))!;
    expect(text).not.toMatch(/ρ_PT = 0\b/);
    await page.screenshot({ path: join(ARTIFACTS, 'controls-best-regime-alpha1.png'), fullPage: true });
  }, 300_000);

  it('shachaf-deep-kappa at L = 1e6 speaks of the user’s values, not of a root finder', async () => {
    await open('view=theory:shachaf-deep-kappa&p.L=1000000&c.x=s');
    const text = (await page.textContent('#message')) ?? '';
    expect(text).not.toMatch(/brentRoot|bracket|not finite/);
    await open('view=theory:shachaf-deep-kappa&p.L=1000000&p.B=1.5&c.x=A');
    await expect.poll(() => page.textContent('#message')).toMatch(/^B: expected .*s²/);
    expect(await page.textContent('#message')).not.toMatch(/brentRoot|bracket/);
    expect(await page.getAttribute('#n-B', 'aria-invalid')).toBe('true');
  });

  it('a rejected box stays flagged while another slider moves; message and link say which values are drawn', async () => {
    await open('view=shachaf-risk');
    await page.fill('#n-d', '5');
    await page.press('#n-d', 'Enter');
    await expect.poll(() => page.textContent('#message')).toContain('d: expected an integer in [10, 400] (got 5)');
    const before = await page.evaluate(() => window.ftlab.renderCount());
    await page.focus('#p-alpha');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((n) => window.ftlab.renderCount() > n, before);
    await expect.poll(() => urlParam(page, 'alpha')).toBe('0.95');
    expect(await page.getAttribute('#n-d', 'aria-invalid')).toBe('true');
    expect(await page.inputValue('#n-d')).toBe('5');
    const text = (await page.textContent('#message'))!;
    expect(text).toContain('d: expected an integer in [10, 400] (got 5)');
    expect(text).toContain('the picture shows d = 100');
    expect(urlParam(page, 'd')).toBe('100');
    await page.screenshot({ path: join(ARTIFACTS, 'controls-rejected-box.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, 'controls-rejected-box-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.fill('#n-d', '120');
    await page.press('#n-d', 'Enter');
    await expect.poll(() => urlParam(page, 'd')).toBe('120');
    expect(await page.getAttribute('#n-d', 'aria-invalid')).toBeNull();
    await expect.poll(() => page.textContent('#message')).toBe('');
  });
});
