/**
 * The explorer's views (src/explorer/views.ts) in Node: every view — one per paper figure and one per `ftlab theory`
 * function — draws at its defaults; parameters are validated with the CLI's wording; the curated views' simulations
 * run through the job registry (src/explorer/simulate.ts) and give converged points of the right shape; cancellation
 * stops between jobs.
 */
import { describe, expect, it } from 'vitest';
import { EXPLORER_VIEWS, getView, resolveValues } from '../src/explorer/views.js';
import { runSimulationJobs } from '../src/explorer/simulate.js';
import { THEORY } from '../src/theory/registry.js';

describe('explorer views', () => {
  it('cover the three papers and every theory function', () => {
    const ids = EXPLORER_VIEWS.map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(['shachaf-risk', 'tahir-phase', 'tahir-slice', 'anguita-replica']));
    for (const fn of THEORY) expect(ids).toContain(`theory:${fn.name}`);
  });

  for (const view of EXPLORER_VIEWS) {
    it(`${view.id}: draws at its defaults with labelled axes`, () => {
      const { params, choices } = resolveValues(view);
      const fig = view.theory(params, choices);
      expect(fig.series.length).toBeGreaterThan(0);
      expect(fig.plot.xLabel.length).toBeGreaterThan(0);
      expect(fig.plot.yLabel.length).toBeGreaterThan(0);
      const finite = fig.series.flatMap((s) => (s.style === 'heatmap' ? s.z!.values : s.y.values)).filter(Number.isFinite);
      expect(finite.length).toBeGreaterThan(0);
    });
  }

  it('validates like the CLI, naming the field and the range, across fields too', () => {
    const v = getView('anguita-replica');
    expect(() => resolveValues(v, { omega: 3 })).toThrow(/^omega: expected a number in \[0, 1\] \(got 3\)$/);
    expect(() => resolveValues(v, { rhoPT: 0.01, rhoFT: 0.5, omega: 1 })).toThrow(/omega: expected ω·ρ_FT ≤ ρ_PT/);
    expect(() => resolveValues(v, { lambdaRatio: -1, gammaFT: 0 })).toThrow(/gammaFT: expected a number > 0 when λ_PT = −c_PT/);
    expect(() => resolveValues(getView('shachaf-risk'), { d: 10.5 })).toThrow(/d: expected an integer in \[10, 400\]/);
    expect(() => resolveValues(getView('tahir-phase'), {}, { procedure: 'magic' })).toThrow(/procedure: expected one of linear transfer, fine-tuning/);
    const t = getView('theory:shachaf-risk-isotropic');
    expect(() => resolveValues(t, { xFrom: 5, xTo: 1 })).toThrow(/xTo: expected a number > xFrom/);
    expect(t.choiceDefaults!({ x: 'd' })).toEqual({ xFrom: 1, xTo: expect.any(Number) });
    expect(() => getView('nope')).toThrow(/view: unknown id "nope"/);
  });

  it('runs each curated simulation through the job registry: converged points, one per x', async () => {
    for (const view of EXPLORER_VIEWS.filter((v) => v.simulation)) {
      const { params, choices } = resolveValues(view);
      const jobs = view.simulation!.jobs(params, choices);
      const progress: number[] = [];
      const { results, cancelled } = await runSimulationJobs(jobs, (p) => progress.push(p.done), () => false, async () => {});
      expect(cancelled).toBe(false);
      expect(progress).toEqual(jobs.map((_, i) => i + 1));
      const series = view.simulation!.series(params, choices, results);
      const xs = new Set(jobs.map((j) => j.x)).size;
      for (const s of series) {
        expect(s.kind).toBe('simulation');
        expect(s.x.values).toHaveLength(xs);
        expect(s.y.values.every(Number.isFinite)).toBe(true);
        expect(s.converged!.every(Boolean)).toBe(true);
      }
    }
  });

  it('stops between jobs when cancelled', async () => {
    const view = getView('shachaf-risk');
    const { params, choices } = resolveValues(view);
    const jobs = view.simulation!.jobs(params, choices);
    let n = 0;
    const r = await runSimulationJobs(jobs, () => n++, () => n >= 2, async () => {});
    expect(r.cancelled).toBe(true);
    expect(r.results).toHaveLength(2);
  });
});

describe('explorer texts', () => {
  it('cite the papers by authors, venue and year, never internal notes', () => {
    for (const v of EXPLORER_VIEWS) {
      expect(v.paper, v.id).not.toMatch(/digest|§/);
      expect(v.paper, v.id).toMatch(/(Shachaf, Brutzkus & Globerson \(NeurIPS 2021\)|Tahir, Ganguli & Rotskoff \(ICML 2025\)|Anguita et al\. \(2026\))/);
      expect(v.description, v.id).not.toMatch(/digest/);
    }
  });
});
