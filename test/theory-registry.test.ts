import { describe, expect, it } from 'vitest';
import { THEORY, evaluateTheoryGrid, getTheory } from '../src/theory/registry.js';

describe('theory registry', () => {
  for (const fn of THEORY) {
    it(`${fn.name}: evaluates at its defaults to every declared output, finite`, () => {
      const [row] = evaluateTheoryGrid(fn, {});
      expect(Object.keys(row.values).sort()).toEqual([...fn.outputs].sort());
      for (const v of Object.values(row.values)) expect(Number.isFinite(v)).toBe(true);
      for (const p of fn.params) expect(p.default >= p.min && p.default <= p.max).toBe(true);
    });
  }

  it('rejects out-of-range values and unknown names with the allowed range', () => {
    expect(() => evaluateTheoryGrid(getTheory('shachaf-deep-kappa'), { L: [-1] })).toThrow(/--L: expected an integer in \[0, 1000000\] \(got -1\)/);
    expect(() => getTheory('nope')).toThrow(/unknown function "nope"; allowed: /);
  });

  it('the NTK measure bound is 2√2‖PΔ‖/√n', () => {
    const [row] = evaluateTheoryGrid(getTheory('shachaf-ntk-bound'), { projectedDistance: [1], n: [8] });
    expect(row.values.bound).toBeCloseTo(1, 12);
  });
});
