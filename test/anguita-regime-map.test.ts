/**
 * The regime map (src/theory/anguita/regimeMap.ts, preset `anguita-regime-map`): the best initialisation on a grid
 * never loses to the four canonical regimes it contains; the winners follow the digest's §6 narrative (nested
 * feature selection IV on a sparse subset of pretrained features at small α, lazy reuse II on dense reuse,
 * rich PT-independent I on new features); equal fine-tuning scales are solved once; figure parameters are validated
 * by name and range, from the library and from the CLI.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gridInitialisations, regimeLandscape, regimeMap, type InitialisationGrid } from '../src/theory/anguita/regimeMap.js';
import { replicaCurve } from '../src/theory/anguita/replica.js';
import { resolvePresetParams } from '../src/experiments/presets/types.js';
import { anguitaRegimeMap } from '../src/experiments/presets/anguitaRegimeMap.js';
import type { FigureData } from '../src/plots/figure.js';

const GRID: InitialisationGrid = { cPT: [1e-3, 1], lambdaRatio: [-1, -0.99, -0.9, 0, 0.9], gammaFT: [0, 1e-6, 1e-3, 1e-1, 1, 10] };
const ALPHAS = [0.02, 0.05, 0.1, 0.2, 0.3, 0.4];
const CANONICAL = [
  { id: 'I', lambdaPT: -1e-3, gammaFT: 1e-6 },
  { id: 'II', lambdaPT: 0, gammaFT: 0 },
  { id: 'III', lambdaPT: 0, gammaFT: 10 },
  { id: 'IV', lambdaPT: -0.99e-3, gammaFT: 0 },
];
const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');

describe('regimeMap', () => {
  const tasks = {
    newFeatures: { rhoPT: 0.1, rhoFT: 0.1, omega: 0 },
    denseReuse: { rhoPT: 0.1, rhoFT: 0.1, omega: 1 },
    sparseSubset: { rhoPT: 0.1, rhoFT: 0.01, omega: 1 },
  };
  const maps = Object.fromEntries(Object.entries(tasks).map(([k, t]) => [k, regimeMap(t, ALPHAS, GRID)])) as Record<keyof typeof tasks, ReturnType<typeof regimeMap>>;

  it('the best on the grid is never worse than any candidate, nor than the canonical regimes the grid contains', () => {
    for (const [name, task] of Object.entries(tasks)) {
      const canonical = CANONICAL.map((r) => replicaCurve({ ...task, cPT: 1e-3, lambdaPT: r.lambdaPT, gammaFT: r.gammaFT, alphas: ALPHAS }));
      maps[name as keyof typeof tasks].best.forEach((b, i) => {
        expect(b.init).toBeDefined();
        expect(b.eligible).toBe(maps[name as keyof typeof tasks].candidates.length);
        const bestCanonical = Math.min(...canonical.map((c) => c[i].error));
        expect(b.error).toBeLessThanOrEqual(bestCanonical);
        for (const c of maps[name as keyof typeof tasks].candidates) expect(b.error).toBeLessThanOrEqual(c.curve[i].error);
      });
    }
  });

  it('winners follow the regimes of digest §6: IV on a sparse subset at small α, II on dense reuse, I on new features at large α', () => {
    expect(maps.sparseSubset.best.slice(0, 2).map((b) => b.regime)).toEqual(['IV', 'IV']);
    expect(maps.denseReuse.best.slice(0, 4).map((b) => b.regime)).toEqual(['II', 'II', 'II', 'II']);
    expect(maps.newFeatures.best.slice(3).map((b) => b.regime)).toEqual(['I', 'I', 'I']);
    // Exact recovery (errors set by the regulariser) is reported as such, with its ties.
    const last = maps.sparseSubset.best[ALPHAS.length - 1];
    expect(last.exactRecovery).toBe(true);
    expect(last.ties).toBeGreaterThan(1);
  });

  it('initialisations with the same pair of fine-tuning scales share one solve', () => {
    const m = maps.denseReuse;
    expect(m.distinctCurves).toBeLessThan(m.candidates.length);
    expect(new Set(m.candidates.map((c) => c.curve)).size).toBe(m.distinctCurves);
    // (λ = −c, γ) at c = 1e-3 and at c = 1 have the same scales γ²/2 on both groups.
    const a = m.candidates.find((c) => c.init.cPT === 1e-3 && c.init.lambdaPT === -1e-3 && c.init.gammaFT === 1)!;
    const b = m.candidates.find((c) => c.init.cPT === 1 && c.init.lambdaPT === -1 && c.init.gammaFT === 1)!;
    expect(a.curve).toBe(b.curve);
  });

  it('landscape cells are converged fixed points equal to the single-point curve', () => {
    const cells = regimeLandscape(tasks.sparseSubset, 0.05, 1e-3, [-4, -2, 0], [-3, -1, 0]);
    expect(cells).toHaveLength(9);
    for (const c of cells) {
      expect(c.point.converged).toBe(true);
      const [p] = replicaCurve({ ...tasks.sparseSubset, ...c.init, alphas: [0.05] });
      expect(c.point.error).toBe(p.error);
    }
  });

  it('rejects bad grids and tasks, naming the field', () => {
    expect(() => gridInitialisations({ ...GRID, lambdaRatio: [-2] })).toThrow(/grid.lambdaRatio\[0\]: expected a number in \[−1, 1\]/);
    expect(() => gridInitialisations({ ...GRID, cPT: [] })).toThrow(/grid.cPT: expected a non-empty array/);
    expect(() => gridInitialisations({ ...GRID, gammaFT: [-1] })).toThrow(/grid.gammaFT\[0\]/);
    expect(gridInitialisations({ cPT: [1], lambdaRatio: [-1], gammaFT: [0, 1] })).toEqual([{ cPT: 1, lambdaPT: -1, gammaFT: 1 }]);
    expect(() => regimeMap({ rhoPT: 0.1, rhoFT: 2, omega: 0 }, [0.1], GRID)).toThrow(/rhoFT/);
    expect(() => regimeLandscape(tasks.denseReuse, -1, 1e-3, [0])).toThrow(/alpha/);
  });
});

describe('figure parameters (`--param`)', () => {
  it('resolves defaults, overrides and rejects unknown names or out-of-range values', () => {
    const p = resolvePresetParams(anguitaRegimeMap, { rhoFT: 0.05 });
    expect(p.rhoFT).toBe(0.05);
    expect(p.rhoPT).toBe(0.1);
    expect(() => resolvePresetParams(anguitaRegimeMap, { rhoFT: 3 })).toThrow(/--param rhoFT: expected a number in \[0.0001, 1\] \(got 3\)/);
    expect(() => resolvePresetParams(anguitaRegimeMap, { bogus: 1 })).toThrow(/--param bogus: figure anguita-regime-map has parameters rhoPT, rhoFT/);
    expect(() => resolvePresetParams({ id: 'x' }, { a: 1 })).toThrow(/figure x has no parameters/);
  });

  it('reproduces the quick regime map for a user task from the CLI, and refuses bad parameters', () => {
    const out = mkdtempSync(join(tmpdir(), 'ftlab-rmap-'));
    const r = spawnSync(process.execPath, [CLI, 'reproduce', 'anguita-regime-map', '--quick', '--no-png', '--out', out, '--param', 'rhoFT=0.02', '--param', 'omega=0.5'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const fig = JSON.parse(readFileSync(join(out, 'anguita-regime-map.json'), 'utf8')) as FigureData;
    expect(fig.params).toMatchObject({ rhoFT: 0.02, omega: 0.5, rhoPT: 0.1 });
    expect(fig.provenance.command).toMatch(/--param rhoFT=0.02 --param omega=0.5/);
    expect(fig.series.some((s) => s.style === 'heatmap')).toBe(true);
    expect(fig.tables![0].rows.length).toBe(9);
    const bad = spawnSync(process.execPath, [CLI, 'reproduce', 'anguita-regime-map', '--quick', '--out', out, '--param', 'omega=2'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--param omega: expected a number in \[0, 1\] \(got 2\)/);
    const bad2 = spawnSync(process.execPath, [CLI, 'reproduce', 'anguita-regime-map', '--quick', '--out', out, '--param', 'omega'], { encoding: 'utf8' });
    expect(bad2.status).toBe(2);
    expect(bad2.stderr).toMatch(/--param: expected name=value/);
    expect(spawnSync(process.execPath, [CLI, 'list'], { encoding: 'utf8' }).stdout).toMatch(/anguita-regime-map[\s\S]*--param rhoFT=<number in \[0.0001, 1\], default 0.01>/);
  });
});
