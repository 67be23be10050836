import { describe, expect, it } from 'vitest';
import { createRng, streamState } from '../src/numeric/rng.js';
import { summarize } from '../src/numeric/stats.js';

describe('seeded random streams', () => {
  it('gives bit-identical draws for the same (seed, purpose)', () => {
    const a = createRng(42, 'data').fillNormal(new Float64Array(1000));
    const b = createRng(42, 'data').fillNormal(new Float64Array(1000));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it('separates purposes, seeds and indices', () => {
    const base = createRng(42, 'data').uniform();
    expect(createRng(42, 'noise').uniform()).not.toBe(base);
    expect(createRng(43, 'data').uniform()).not.toBe(base);
    expect(createRng(42, 'data', 1).uniform()).not.toBe(base);
    expect(streamState(1, 'a')).not.toEqual(streamState(1, 'b'));
  });

  it('draws uniforms in [0, 1) with 53-bit resolution and the right moments', () => {
    const rng = createRng(7, 'evaluation');
    const n = 200_000;
    const u = new Float64Array(n);
    let fractional = false;
    for (let i = 0; i < n; i++) {
      u[i] = rng.uniform();
      expect(u[i] >= 0 && u[i] < 1).toBe(true);
      // more than 32 bits of resolution: some draw is not a multiple of 2^-32
      if ((u[i] * 2 ** 32) % 1 !== 0) fractional = true;
    }
    expect(fractional).toBe(true);
    const s = summarize(u);
    // mean 1/2, sd 1/sqrt(12): |mean − 1/2| within 4 standard errors
    expect(Math.abs(s.mean - 0.5)).toBeLessThan(4 * (1 / Math.sqrt(12)) / Math.sqrt(n));
  });

  it('draws standard normals with mean 0, variance 1 and normal tails', () => {
    const n = 200_000;
    const z = createRng(11, 'init').fillNormal(new Float64Array(n));
    const s = summarize(z);
    expect(Math.abs(s.mean)).toBeLessThan(4 / Math.sqrt(n));
    // Var of the sample variance of N(0,1) is 2/(n−1)
    expect(Math.abs(s.sd * s.sd - 1)).toBeLessThan(4 * Math.sqrt(2 / (n - 1)));
    const beyond2 = z.filter((v) => Math.abs(v) > 2).length / n; // P(|Z| > 2) = 0.0455003
    expect(Math.abs(beyond2 - 0.0455003)).toBeLessThan(4 * Math.sqrt((0.0455 * 0.9545) / n));
  });

  it('rejects invalid seeds with a clear message', () => {
    expect(() => createRng(-1, 'data')).toThrow(/seed: expected a non-negative safe integer/);
    expect(() => createRng(1.5, 'data')).toThrow(/seed/);
  });
});
