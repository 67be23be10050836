/**
 * The explorer's parameter metadata and slider scales in Node: every parameter has a typical range inside its allowed
 * one that holds its default; sliders over positive ranges of decades move in log10, return to the default exactly
 * and follow the bounds other fields put on them; messages about the user's values are in the CLI's words (the same
 * from `ftlab theory` and from the page), name what did not converge and where, and carry no solver internals.
 */
import { describe, expect, it } from 'vitest';
import { EXPLORER_VIEWS, describeFailures, getView, resolveValues } from '../src/explorer/views.js';
import { positionToValue, sliderScale, valueToPosition } from '../src/explorer/sliders.js';
import { evaluateTheoryGrid, getTheory, THEORY } from '../src/theory/registry.js';
import { solveKappa } from '../src/theory/shachaf/deep.js';

const paramOf = (view: string, name: string) => getView(view).params.find((p) => p.name === name)!;

describe('typical ranges', () => {
  for (const view of EXPLORER_VIEWS) {
    it(`${view.id}: each slider's typical range lies in the allowed range and holds the default`, () => {
      for (const p of view.params.filter((q) => !q.boxOnly)) {
        expect(p.typical, `${view.id} ${p.name}`).toBeDefined();
        const [lo, hi] = p.typical!;
        expect(lo, `${view.id} ${p.name}`).toBeGreaterThanOrEqual(p.min);
        expect(hi, `${view.id} ${p.name}`).toBeLessThanOrEqual(p.max);
        expect(hi, `${view.id} ${p.name}`).toBeGreaterThan(lo);
        expect(p.default, `${view.id} ${p.name}`).toBeGreaterThanOrEqual(lo);
        expect(p.default, `${view.id} ${p.name}`).toBeLessThanOrEqual(hi);
      }
    });
  }

  it('every theory function parameter has one', () => {
    for (const fn of THEORY) for (const p of fn.params) expect(p.typical, `${fn.name} ${p.name}`).toBeDefined();
  });
});

describe('slider scales', () => {
  it('are log10 on positive ranges of more than two decades, linear otherwise', () => {
    expect(sliderScale(paramOf('theory:tahir-scratch-risk', 'gamma')).log).toBe(true);
    expect(sliderScale(paramOf('theory:anguita-best-regime', 'cPT')).log).toBe(true);
    expect(sliderScale(paramOf('theory:tahir-scratch-risk', 'sigma')).log).toBe(false);
    expect(sliderScale(paramOf('theory:anguita-regime', 'lambdaRatio')).log).toBe(false);
  });

  it('move σ by a small step and γ within its typical range', () => {
    const sigma = sliderScale(paramOf('theory:tahir-scratch-risk', 'sigma'));
    const at = valueToPosition(sigma, 0.2);
    expect(positionToValue(sigma, at + 1)).toBe(0.205);
    const gamma = sliderScale(paramOf('theory:tahir-scratch-risk', 'gamma'));
    const tenth = positionToValue(gamma, 0.1 * gamma.positions);
    expect(tenth).toBeCloseTo(0.025, 3);
    expect(positionToValue(gamma, gamma.positions)).toBe(100);
  });

  it('give every parameter’s default back exactly after a move away and back', () => {
    for (const view of EXPLORER_VIEWS) {
      for (const p of view.params.filter((q) => !q.boxOnly)) {
        const s = sliderScale(p);
        const home = valueToPosition(s, p.default);
        const away = home < s.positions ? home + 1 : home - 1;
        expect(positionToValue(s, away, [p.default]), `${view.id} ${p.name}`).not.toBe(p.default);
        expect(positionToValue(s, home, [p.default]), `${view.id} ${p.name}`).toBe(p.default);
      }
    }
  });

  it('put a value beyond the typical range at the slider’s end (the box keeps it)', () => {
    const gamma = sliderScale(paramOf('theory:tahir-scratch-risk', 'gamma'));
    expect(valueToPosition(gamma, 5000)).toBe(gamma.positions);
    expect(valueToPosition(gamma, 0)).toBe(0);
  });

  it('follow the bounds of the other fields: bandStart < bandEnd ≤ d, ω·ρ_FT ≤ ρ_PT, B ≤ s²', () => {
    const power = getView('theory:shachaf-risk-power-law');
    const { params, choices } = resolveValues(power, { d: 100, bandEnd: 40 });
    const b = power.bounds!(params, choices);
    expect(sliderScale(paramOf(power.id, 'bandEnd'), b.bandEnd).hi).toBe(100);
    expect(sliderScale(paramOf(power.id, 'bandStart'), b.bandStart).hi).toBe(39);
    expect(sliderScale(paramOf(power.id, 'd'), b.d).lo).toBe(40);
    const replica = getView('anguita-replica');
    const r = resolveValues(replica, { rhoPT: 0.05 });
    expect(sliderScale(paramOf('anguita-replica', 'omega'), replica.bounds!(r.params, r.choices).omega).hi).toBe(0.5);
    const kappa = getView('theory:shachaf-deep-kappa');
    const k = resolveValues(kappa, { s: 0.5 });
    expect(sliderScale(paramOf(kappa.id, 'B'), kappa.bounds!(k.params, k.choices).B).hi).toBe(0.25);
  });
});

describe('messages about the user’s values', () => {
  it('shachaf-deep-kappa: B ≤ s² in the CLI’s words instead of a root finder’s; κ_L overflow names L', () => {
    const fn = getTheory('shachaf-deep-kappa');
    expect(() => evaluateTheoryGrid(fn, { L: [1e6], B: [1.5] })).toThrow(/^B: expected ‖\(I − P\)θ_S‖² ≤ ‖θ_S‖² = s² = 1 \(got 1\.5\)$/);
    expect(evaluateTheoryGrid(fn, { L: [1e6] })[0].values.converged).toBe(1);
    expect(() => evaluateTheoryGrid(fn, { L: [0], pNorm: [0] })).toThrow(/^pNorm: expected a number > 0 when L = 0/);
    expect(() => solveKappa({ a: 0.1, b: 1.5, s: 1, pNorm: 0.3 }, 1e6)).toThrow(/^L: κ_L overflows float64 at L = 1000000 .*expected B ≤ s², or a depth below 1748/);
    const view = getView('theory:shachaf-deep-kappa');
    const { params, choices } = resolveValues(view, { L: 1e6, B: 1.5 });
    expect(() => view.theory(params, choices)).toThrow(/^B: expected ‖\(I − P\)θ_S‖² ≤ ‖θ_S‖² = s² = 1 \(got 1\.5\)$/);
  });

  it('band rules in the CLI’s words', () => {
    const fn = getTheory('shachaf-similarity-sk');
    expect(() => evaluateTheoryGrid(fn, { d: [100], bandEnd: [400] })).toThrow(/^bandEnd: expected an integer ≤ d = 100 \(got 400\)$/);
    expect(() => evaluateTheoryGrid(fn, { bandStart: [10], bandEnd: [10] })).toThrow(/^bandStart: expected an integer < bandEnd = 10 \(got 10\)$/);
    expect(() => evaluateTheoryGrid(fn, { d: [100], k: [200] })).toThrow(/^k: expected an integer ≤ d = 100 \(got 200\)$/);
  });

  it('names what did not converge and where, not the first x', () => {
    const text = describeFailures(
      [
        { x: 0, message: 'omega: the shared density ω·ρ_FT = 0.01 must not exceed ρ_PT = 0; expected ω ≤ 0' },
        { x: 0.1, message: 'alpha: the replica fixed point of regime I did not converge at α = 1 (residual 1.1e-8)' },
        { x: 0.5, message: 'alpha: the replica fixed point of regime I did not converge at α = 1 (residual 4.1e-9)' },
      ],
      3,
      'rhoPT',
      0.1,
    );
    expect(text).toBe('alpha: the replica fixed point of regime I did not converge at α = 1 (residual 1.1e-8) — at 2 of the 3 values of rhoPT tried, rhoPT in [0.1, 0.5]');
  });

  it('anguita-best-regime at α = 1: the page says what the CLI says, regime I did not converge at α = 1', () => {
    const cli = (() => {
      try {
        evaluateTheoryGrid(getTheory('anguita-best-regime'), { alpha: [1] });
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(cli).toMatch(/^alpha: the replica fixed point of regime I did not converge at α = 1 \(residual \S+\)$/);
    const view = getView('theory:anguita-best-regime');
    const { params, choices } = resolveValues(view, { alpha: 1 });
    const words = cli.slice(0, cli.indexOf(' (residual'));
    expect(() => view.theory(params, choices)).toThrow(new RegExp(`^${words} \\(residual \\S+\\) — at (all \\d+|\\d+ of the \\d+) values of rhoPT tried, rhoPT in \\[`));
    expect(() => view.theory(params, choices)).not.toThrow(/ρ_PT = 0\b/);
  }, 60_000);
});
