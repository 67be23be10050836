/**
 * Seeded random streams, one per purpose.
 *
 * Bits come from pure-rand's xoroshiro128+; each (seed, purpose, index) triple gets its own generator
 * whose 128-bit state is the first 16 bytes of SHA-256("ftlab/rng/v1", seed, purpose, index). Changing
 * one purpose's draws therefore never reshuffles another's, and a job's randomness depends on its seed
 * alone — not on which worker or in which order it runs. Uniforms carry 53 random bits (two 32-bit
 * outputs); standard normals use the Box–Muller transform with both outputs kept.
 */
// SHA-256 from @noble/hashes (pure JS, the same digest as node:crypto) so the generators run in a browser too.
import { sha256 } from '@noble/hashes/sha2.js';
import { xoroshiro128plus, type RandomGenerator } from 'pure-rand';

/** The purposes a stream can serve. Each gets statistically independent draws. */
export const RNG_PURPOSES = ['data', 'teacher', 'init', 'noise', 'evaluation', 'covariance'] as const;
export type RngPurpose = (typeof RNG_PURPOSES)[number];

const TWO_POW_M53 = 1 / 9007199254740992; // 2^-53

export class Rng {
  private readonly gen: RandomGenerator;
  private spare = 0;
  private hasSpare = false;

  constructor(state: readonly number[]) {
    this.gen = xoroshiro128plus.fromState(state);
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.gen.unsafeNext() >>> 5; // 27 bits
    const lo = this.gen.unsafeNext() >>> 6; // 26 bits
    return (hi * 67108864 + lo) * TWO_POW_M53;
  }

  /** A uniform double in (0, 1]. */
  uniformOpenZero(): number {
    return 1 - this.uniform();
  }

  /** A standard normal draw (Box–Muller on 53-bit uniforms). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const u1 = this.uniformOpenZero();
    const u2 = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    this.spare = radius * Math.sin(angle);
    this.hasSpare = true;
    return radius * Math.cos(angle);
  }

  /** Fill `out` with independent N(0, scale²) draws and return it. */
  fillNormal(out: Float64Array, scale = 1): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = scale * this.normal();
    return out;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A random sign, +1 or -1. */
  sign(): number {
    return this.uniform() < 0.5 ? -1 : 1;
  }

  /** Fisher–Yates permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

/** Derive the 128-bit generator state for (seed, purpose, index). */
export function streamState(seed: number, purpose: string, index = 0): number[] {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed: expected a non-negative safe integer, got ${String(seed)}`);
  }
  const digest = sha256(new TextEncoder().encode(`ftlab/rng/v1\u0000${seed}\u0000${purpose}\u0000${index}`));
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  const state = [view.getInt32(0, true), view.getInt32(4, true), view.getInt32(8, true), view.getInt32(12, true)];
  if (state[0] === 0 && state[1] === 0 && state[2] === 0 && state[3] === 0) state[0] = 1; // xoroshiro's one forbidden state
  return state;
}

/** A generator for one purpose of one seeded job. `index` separates repeated uses (e.g. instances). */
export function createRng(seed: number, purpose: RngPurpose | string, index = 0): Rng {
  return new Rng(streamState(seed, purpose, index));
}
