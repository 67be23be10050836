/**
 * Two-layer diagonal linear networks of Anguita et al. (2026), digest `anguita-pretraining-inductive-bias.md`
 * §1–§2: f(x) = ⟨β, x⟩ with β = w⁺ ⊙ v⁺ − w⁻ ⊙ v⁻ (w^± the first layer, v^± the readout).
 *
 *  - §1.2 conserved quantities of gradient flow, per coordinate: c_i = w⁺w⁻ + v⁺v⁻, λ^±_i = (w^±)² − (v^±)²,
 *    and the geometry parameter k_i = (λ⁺ − λ⁻)² + 4c_i², with (w⁺)² + (v⁺)² + (w⁻)² + (v⁻)² = √(k_i + 4β_i²);
 *  - §1.3 the (c, λ) initialisation: w^± = √((c + λ)/2), v^± = √((c − λ)/2), |λ| ≤ c, so β(0) = 0 and k = 4c²;
 *  - §2.1 the end-of-pretraining state in closed form for a pretrained β (hyperbolic boost of both pathways);
 *  - §2.2 the re-initialisation (★): first layers summed, w^±_FT = w⁺_PT + w⁻_PT; readouts v^±_FT = γ_FT/√2;
 *    then β_FT(0) = 0 and c_FT,i = (c_PT + λ_PT)(1 + √(1 + β_PT,i²/c_PT²)) + γ_FT²/2.
 */
export interface DiagonalNet {
  d: number;
  /** First layer, positive and negative pathways. */
  wp: Float64Array;
  wm: Float64Array;
  /** Readout, positive and negative pathways. */
  vp: Float64Array;
  vm: Float64Array;
}

/** β = w⁺ ⊙ v⁺ − w⁻ ⊙ v⁻ (into `out` when given). */
export function diagonalBeta(net: DiagonalNet, out = new Float64Array(net.d)): Float64Array {
  for (let i = 0; i < net.d; i++) out[i] = net.wp[i] * net.vp[i] - net.wm[i] * net.vm[i];
  return out;
}

export function cloneDiagonal(net: DiagonalNet): DiagonalNet {
  return { d: net.d, wp: net.wp.slice(), wm: net.wm.slice(), vp: net.vp.slice(), vm: net.vm.slice() };
}

/**
 * The smallest (c, λ)-initialisation scale c the job schemas accept. At λ = 0 the init weights are √(c/2) and the
 * scales the implicit bias and the invariants are computed from are sums of their squares, ≈ c/2: these keep full
 * float64 precision only while c/2 is a normal number, c ≥ 2^−1021 ≈ 4.45e-308 (measured: the implicit-bias
 * solver stops converging at c = 2^−1022, and below c = 2^−1073 every weight rounds to exactly 0, a start GD and
 * gradient flow cannot leave). 1e-307 is the first power of ten above that bound.
 */
export const MIN_INIT_SCALE = 1e-307;

/** Throws a RangeError naming the field unless c > 0 and |λ| ≤ c. */
export function checkScales(c: number, lambda: number, names = { c: 'cPT', lambda: 'lambdaPT' }): void {
  if (!(c > 0 && Number.isFinite(c))) throw new RangeError(`${names.c}: expected a finite number > 0 (got ${c})`);
  if (!(Math.abs(lambda) <= c)) throw new RangeError(`${names.lambda}: expected a number in [−${names.c}, ${names.c}] = [${-c}, ${c}] (got ${lambda})`);
}

/** §1.3: every coordinate w^± = √((c + λ)/2), v^± = √((c − λ)/2). */
export function cLambdaInit(d: number, c: number, lambda: number): DiagonalNet {
  checkScales(c, lambda, { c: 'c', lambda: 'lambda' });
  const w = Math.sqrt((c + lambda) / 2);
  const v = Math.sqrt(Math.max(c - lambda, 0) / 2);
  return { d, wp: new Float64Array(d).fill(w), wm: new Float64Array(d).fill(w), vp: new Float64Array(d).fill(v), vm: new Float64Array(d).fill(v) };
}

/**
 * §2.1: the state gradient flow reaches from the (c, λ) init when it converges to β (per coordinate), built in
 * closed form. λ > 0: w^± = √λ cosh θ^±, v^± = √λ sinh θ^±; λ < 0: roles swapped; θ^± = (A ± B)/2 with
 * A = arccosh(c/|λ|), B = arcsinh(β/c). λ = 0: w⁺ = v⁺ = √s, w⁻ = v⁻ = c/(2√s), s = (β + √(β² + c²))/2.
 * The negative pathway's sign follows from w⁻v⁻ = w⁺v⁺ − β (it changes sign once |β| is large).
 */
export function endOfPretraining(betaPT: ArrayLike<number>, c: number, lambda: number): DiagonalNet {
  checkScales(c, lambda);
  const d = betaPT.length;
  const net: DiagonalNet = { d, wp: new Float64Array(d), wm: new Float64Array(d), vp: new Float64Array(d), vm: new Float64Array(d) };
  for (let i = 0; i < d; i++) {
    const b = betaPT[i];
    if (!Number.isFinite(b)) throw new RangeError(`betaPT[${i}]: expected a finite number (got ${b})`);
    if (lambda === 0) {
      // s = (β + √(β² + c²))/2 and its partner s' = c²/(4s) = (√(β² + c²) − β)/2: the larger of the two is
      // formed without cancellation, the smaller as c/(2√·) of it (never from c², which underflows for c ≲ 1e-154).
      const r = Math.hypot(b, c);
      if (b >= 0) {
        const s = (b + r) / 2;
        net.wp[i] = net.vp[i] = Math.sqrt(s);
        net.wm[i] = net.vm[i] = c / (2 * Math.sqrt(s));
      } else {
        const big = Math.sqrt((r - b) / 2);
        net.wp[i] = net.vp[i] = c / (2 * big);
        net.wm[i] = net.vm[i] = big;
      }
      continue;
    }
    const l = Math.abs(lambda);
    const A = Math.acosh(c / l);
    const B = Math.asinh(b / c);
    const tp = (A + B) / 2;
    const tm = (A - B) / 2;
    const big = Math.sqrt(l);
    if (lambda > 0) {
      net.wp[i] = big * Math.cosh(tp);
      net.vp[i] = big * Math.sinh(tp);
      net.wm[i] = big * Math.cosh(tm);
      net.vm[i] = big * Math.sinh(tm);
    } else {
      net.vp[i] = big * Math.cosh(tp);
      net.wp[i] = big * Math.sinh(tp);
      net.vm[i] = big * Math.cosh(tm);
      net.wm[i] = big * Math.sinh(tm);
    }
  }
  return net;
}

/** §2.2: w^±_FT = w⁺_PT + w⁻_PT, v^±_FT = γ_FT/√2 (so β_FT(0) = 0). */
export function reinitialise(pt: DiagonalNet, gammaFT: number): DiagonalNet {
  if (!(gammaFT >= 0)) throw new RangeError(`gammaFT: expected a number ≥ 0 (got ${gammaFT})`);
  const d = pt.d;
  const w = Float64Array.from(pt.wp, (v, i) => v + pt.wm[i]);
  const v = new Float64Array(d).fill(gammaFT / Math.SQRT2);
  return { d, wp: w, wm: w.slice(), vp: v, vm: v.slice() };
}

/** (★): the fine-tuning scale c_FT of one coordinate, from |β_PT| and (c_PT, λ_PT, γ_FT). */
export function fineTuneScale(betaPT: number, cPT: number, lambdaPT: number, gammaFT: number): number {
  checkScales(cPT, lambdaPT);
  if (!(gammaFT >= 0)) throw new RangeError(`gammaFT: expected a number ≥ 0 (got ${gammaFT})`);
  return (cPT + lambdaPT) * (1 + Math.hypot(1, betaPT / cPT)) + (gammaFT * gammaFT) / 2;
}

export interface DiagonalInvariants {
  c: Float64Array;
  lambdaP: Float64Array;
  lambdaM: Float64Array;
  /** k_i = (λ⁺ − λ⁻)² + 4c_i². */
  k: Float64Array;
}

/** §1.2: the per-coordinate quantities gradient flow conserves. */
export function invariants(net: DiagonalNet): DiagonalInvariants {
  const d = net.d;
  const c = new Float64Array(d);
  const lambdaP = new Float64Array(d);
  const lambdaM = new Float64Array(d);
  const k = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    c[i] = net.wp[i] * net.wm[i] + net.vp[i] * net.vm[i];
    lambdaP[i] = net.wp[i] ** 2 - net.vp[i] ** 2;
    lambdaM[i] = net.wm[i] ** 2 - net.vm[i] ** 2;
    k[i] = (lambdaP[i] - lambdaM[i]) ** 2 + 4 * c[i] * c[i];
  }
  return { c, lambdaP, lambdaM, k };
}

/** Largest |drift| of c and λ^± between two states, relative to max(1e-300, |value at a|) per coordinate, and absolute. */
export function invariantDrift(a: DiagonalNet, b: DiagonalNet): { relative: number; absolute: number } {
  const ia = invariants(a);
  const ib = invariants(b);
  let rel = 0;
  let abs = 0;
  for (const key of ['c', 'lambdaP', 'lambdaM'] as const) {
    for (let i = 0; i < a.d; i++) {
      const diff = Math.abs(ib[key][i] - ia[key][i]);
      abs = Math.max(abs, diff);
      rel = Math.max(rel, diff / Math.max(Math.abs(ia[key][i]), 1e-300));
    }
  }
  return { relative: rel, absolute: abs };
}
