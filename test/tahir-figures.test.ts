/**
 * The "features are fate" figures end to end at their quick size: the simulated phase maps agree in sign
 * with the theory wherever the simulation resolves the sign, the slices, ridge and KL points sit on the
 * exact finite-size means within their standard errors, and the figure files are written.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reproduce } from '../src/experiments/reproduce.js';
import type { FigureData, FigureTable, Series } from '../src/plots/figure.js';

const out = mkdtempSync(join(tmpdir(), 'ftlab-tahir-'));
const run = (id: string, seeds = 6, solver?: string) => reproduce(id, { quick: true, seeds, outDir: out, workers: 0, png: false, solver });

function table(fig: FigureData, prefix: string): FigureTable {
  const t = fig.tables?.find((x) => x.title.startsWith(prefix));
  if (!t) throw new Error(`no table "${prefix}"`);
  return t;
}

function series(fig: FigureData, name: string): Series {
  const s = fig.series.find((x) => x.name === name);
  if (!s) throw new Error(`no series "${name}"`);
  return s;
}

describe('tahir figures (quick)', () => {
  it('tahir-lt-phase: every resolved cell has the theory sign; slices sit on the exact finite-d mean', async () => {
    const { figure, files, summary } = await run('tahir-lt-phase');
    expect(summary.failed).toBe(0);
    expect(summary.notConverged).toBe(0);
    expect(files.some((f) => f.endsWith('.svg'))).toBe(true);
    const map = series(figure, 'simulated T_lt, λ = 0');
    expect(map.style).toBe('heatmap');
    expect(map.z!.values.every(Number.isFinite)).toBe(true);
    expect(series(figure, 'T_lt = 0').x.values.length).toBeGreaterThan(10);
    const rows = table(figure, 'Sign agreement').rows;
    for (const [, agree, resolved, cells] of rows) {
      expect(Number(resolved)).toBeGreaterThan(0.5 * Number(cells));
      expect(Number(agree)).toBeGreaterThanOrEqual(Number(resolved) - 1);
    }
    // Slice points against the exact finite-d mean (diamonds), away from the divergence at n ≈ d.
    for (const label of ['θ = π/8', 'θ = π/4', 'θ = 3π/8']) {
      const sim = series(figure, `simulation ${label}`);
      const exact = series(figure, `exact finite-d mean ${label}`);
      sim.x.values.forEach((gamma, i) => {
        if (Math.abs(gamma - 1) < 0.3) return;
        const se = sim.y.stderr![i];
        expect(Math.abs(sim.y.values[i] - exact.y.values[i])).toBeLessThan(4 * se + 1e-12);
      });
    }
  });

  it('tahir-ft-phase: the simulated sign follows eq. 15 with κ for σ = 0 and σ = 0.2', async () => {
    const { figure, summary } = await run('tahir-ft-phase');
    expect(summary.failed).toBe(0);
    const rows = table(figure, 'Sign agreement').rows;
    expect(rows).toHaveLength(2);
    for (const [, agree, resolved] of rows) {
      expect(Number(resolved)).toBeGreaterThan(10);
      expect(Number(agree)).toBeGreaterThanOrEqual(Number(resolved) - 1);
    }
    // Above γ = 1 fine-tuning and scratch are the same least-squares solution: T_ft = 0 to rounding.
    const map = series(figure, 'simulated T_ft, σ = 0.2');
    map.y.values.forEach((gamma, i) => {
      if (gamma > 1.05) expect(Math.abs(map.z!.values[i])).toBeLessThan(1e-8);
    });
  });

  it('tahir-ridge: simulated R_lt^λ within 4 s.e. of the exact finite-n mean at every λ', async () => {
    const { figure } = await run('tahir-ridge', 40);
    const rows = table(figure, 'R_lt^λ').rows;
    expect(rows).toHaveLength(11);
    for (const row of rows) expect(Math.abs(Number(row[4]))).toBeLessThan(4);
  });

  it('tahir-kl: mirror angles θ and π − θ transfer alike at different KL', async () => {
    const { figure } = await run('tahir-kl', 10);
    const rows = table(figure, 'Mirror angles').rows;
    expect(rows.length).toBeGreaterThan(3);
    for (const [, kl1, t1, , kl2, t2] of rows) {
      expect(Number(kl2)).toBeGreaterThan(Number(kl1));
      // Same X, ξ (common random numbers) and cos²θ: the two transferabilities differ only through sin θ·ν's
      // cross term with ξ, which is small; the theory value is identical.
      expect(Math.abs(Number(t1) - Number(t2))).toBeLessThan(0.15);
    }
  });

  it('tahir-finite-source and tahir-best-wd build, with the realised source estimate and a best wd per γ', async () => {
    const fs = await run('tahir-finite-source', 4);
    const rows = table(fs.figure, 'Break-even').rows;
    expect(rows.map((r) => r[0])).toEqual([0.5, 1.5]);
    for (const r of rows) expect(Number(r[3])).toBeGreaterThan(0);
    const wd = await run('tahir-best-wd', 4);
    const base = table(wd.figure, 'Scratch baseline').rows;
    for (const r of base) expect(Number(r[2])).toBeLessThanOrEqual(Number(r[3]));
    expect(existsSync(join(out, 'tahir-best-wd.svg'))).toBe(true);
  });

  it('rejects a solver a figure does not offer', async () => {
    await expect(run('tahir-ridge', 2, 'newton')).rejects.toThrow(/--solver: expected one of implicit-bias, flow, gd/);
    await expect(run('shachaf-ntk', 2, 'flow')).rejects.toThrow(/offers no solver choice/);
    await expect(run('shachaf-linear-risk', 2, 'flow')).rejects.toThrow(/--solver: expected one of gd, closed-form/);
  });
});
