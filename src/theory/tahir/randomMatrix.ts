/**
 * The random-matrix and random-vector laws behind the closed-form theory of Tahir, Ganguli & Rotskoff
 * (ICML 2025, "Features are fate"; digest `features-are-fate.md` §3.1, Theorem 3.6, eq. 8):
 *
 *  - the Marchenko–Pastur (MP) law μ_c of the eigenvalues of (1/N) Y Yᵀ, Y ∈ R^{p×N} with i.i.d. N(0, 1)
 *    entries and ratio c = p/N: the continuous part
 *        ρ_c(x) = √((b − x)(x − a)) / (2π c x)  on [a, b],  a = (1 − √c)²,  b = (1 + √c)²,
 *    plus an atom of mass 1 − 1/c at 0 when c > 1;
 *  - its Stieltjes transform m(z) = ∫ dμ_c(λ)/(λ − z), the root of c z m² + (z − 1 + c) m + 1 = 0 with
 *    m(z) ~ −1/z at infinity (Im m > 0 for Im z > 0). On the real axis left of the support (this covers
 *    the negative z that ridge regression needs) m(z) = 2 / (1 − c − z + √((z − a)(z − b))), which at
 *    z = 0 gives m(0) = 1/(1 − c) for c < 1 — the same value the quadratic gives at z = 0,
 *    (c − 1) m + 1 = 0 (the usual closed form [1 − c − z − √·]/(2cz) is 0/0 there);
 *    its derivative m'(z) = ∫ dμ_c(λ)/(λ − z)² from the implicit derivative of the quadratic;
 *  - the limits of the traces in the scratch risk (digest §3.1): for X ∈ R^{n×d} Gaussian, γ = n/d,
 *        tr((X Xᵀ)⁻¹) → γ · m(0)|_{c=γ}        (γ < 1),
 *        tr((Xᵀ X)⁻¹) → (1/γ) · m(0)|_{c=1/γ}  (γ > 1),
 *    both computed from the transform (they come out as γ/(1 − γ) and 1/(γ − 1)); ∞ at γ = 1;
 *  - E f(Q) for Q ~ χ²_k (the law of ‖z‖² for z ~ N(0, I_k)) by quadrature, used by the finite-n ridge
 *    linear-transfer risk (Theorem 3.8), and the composite Gauss–Legendre rule it runs on.
 *
 * Also the parameter checks shared by the Tahir modules: every function throws a RangeError naming the
 * parameter and its allowed range, and none returns NaN.
 */

// ---------------------------------------------------------------------------------------------------
// Parameter checks

export interface RangeSpec {
  /** Lower end (default −∞). */
  min?: number;
  /** Upper end (default +∞, always open). */
  max?: number;
  /** Exclude the lower end. */
  minOpen?: boolean;
  /** Exclude the upper end. */
  maxOpen?: boolean;
  integer?: boolean;
  /** How to print the ends (e.g. 'π' for Math.PI). */
  minText?: string;
  maxText?: string;
}

/** Throw `RangeError("name: expected a number in [lo, hi] (got v)")` unless `value` lies in the range (finite, not NaN). */
export function expectInRange(name: string, value: number, spec: RangeSpec): void {
  const min = spec.min ?? -Infinity;
  const max = spec.max ?? Infinity;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (spec.minOpen ? value > min : value >= min) &&
    (spec.maxOpen ? value < max : value <= max) &&
    (!spec.integer || Number.isInteger(value));
  if (ok) return;
  const lo = spec.minText ?? (Number.isFinite(min) ? String(min) : '-∞');
  const hi = spec.maxText ?? (Number.isFinite(max) ? String(max) : '∞');
  const open = spec.minOpen || !Number.isFinite(min) ? '(' : '[';
  const close = spec.maxOpen || !Number.isFinite(max) ? ')' : ']';
  const kind = spec.integer ? 'an integer' : 'a number';
  throw new RangeError(`${name}: expected ${kind} in ${open}${lo}, ${hi}${close} (got ${String(value)})`);
}

/** A non-negative finite number. */
export function expectNonNegative(name: string, value: number): void {
  expectInRange(name, value, { min: 0 });
}

/** A strictly positive finite number. */
export function expectPositive(name: string, value: number): void {
  expectInRange(name, value, { min: 0, minOpen: true });
}

/** An angle in [0, π] (radians). */
export function expectAngle(name: string, value: number): void {
  expectInRange(name, value, { min: 0, max: Math.PI, minText: '0', maxText: 'π' });
}

// ---------------------------------------------------------------------------------------------------
// Marchenko–Pastur law

/** Support edges a = (1 − √c)², b = (1 + √c)² of the continuous part of μ_c. */
export function mpEdges(c: number): { lower: number; upper: number } {
  expectPositive('c', c);
  const r = Math.sqrt(c);
  return { lower: (1 - r) ** 2, upper: (1 + r) ** 2 };
}

/** Mass of the atom of μ_c at 0: max(0, 1 − 1/c). */
export function mpAtomAtZero(c: number): number {
  expectPositive('c', c);
  return c > 1 ? 1 - 1 / c : 0;
}

/**
 * Density of the continuous part of μ_c at x: √((b − x)(x − a))/(2π c x) on (a, b), 0 elsewhere. It
 * integrates to min(1, 1/c); for c > 1 the rest is the atom at 0 (`mpAtomAtZero`). At x = 0 with c = 1
 * (a = 0) the density diverges like 1/√x; this returns Infinity there.
 */
export function mpDensity(c: number, x: number): number {
  expectPositive('c', c);
  expectInRange('x', x, {});
  const { lower, upper } = mpEdges(c);
  if (x <= lower || x >= upper) return x === 0 && lower === 0 ? Infinity : 0;
  return Math.sqrt((upper - x) * (x - lower)) / (2 * Math.PI * c * x);
}

/**
 * Stieltjes transform m(z) = ∫ dμ_c(λ)/(λ − z) at a real z outside the support of μ_c, for c ≥ 0 (c = 0 is
 * the point mass at 1, m = 1/(1 − z)). Left of the support (z < a; every z < 0, and 0 ≤ z < a when c < 1)
 *     m(z) = 2 / (1 − c − z + √((z − a)(z − b)))   = (1 − c − z − √((z − a)(z − b))) / (2cz),
 * right of it (z > b)
 *     m(z) = 2 / (1 − c − z − √((z − a)(z − b))),
 * each written in whichever of the two equivalent forms has no cancellation; both are the root of
 * c z m² + (z − 1 + c) m + 1 = 0 with m ~ −1/z at infinity. m(0) = 1/(1 − c) for c < 1; for c ≥ 1 the
 * transform is infinite at z = 0 (an atom at 0 for c > 1, a 1/√λ edge for c = 1) and this returns
 * Infinity. Throws a RangeError for z inside [a, b] (use `mpStieltjesComplex` off the real axis).
 */
export function mpStieltjes(c: number, z: number): number {
  expectNonNegative('c', c);
  expectInRange('z', z, {});
  if (c === 0) {
    if (z === 1) throw new RangeError('z: expected a real number off the support {1} of μ_0 (got 1)');
    return 1 / (1 - z);
  }
  const { lower, upper } = mpEdges(c);
  if (z === 0 && c >= 1) return Infinity;
  if (z < lower) {
    const root = Math.sqrt((z - lower) * (z - upper));
    const p = 1 - c - z;
    return p >= 0 ? 2 / (p + root) : (p - root) / (2 * c * z);
  }
  if (z > upper) {
    const root = Math.sqrt((z - lower) * (z - upper));
    return 2 / (1 - c - z - root);
  }
  throw new RangeError(`z: expected a real number outside the support [${lower}, ${upper}] of the MP law with c = ${c} (got ${z})`);
}

/**
 * m'(z) = ∫ dμ_c(λ)/(λ − z)² at a real z outside the support, by differentiating the quadratic:
 * m' = −(c m² + m) / (2 c z m + z − 1 + c). Infinity at z = 0 for c ≥ 1.
 */
export function mpStieltjesDerivative(c: number, z: number): number {
  const m = mpStieltjes(c, z);
  if (!Number.isFinite(m)) return Infinity;
  if (c === 0) return m * m;
  const den = 2 * c * z * m + z - 1 + c;
  // den = −√((z − a)(z − b)) · (sign) is never 0 off the support edges.
  return -(c * m * m + m) / den;
}

/** A complex number. */
export interface Complex {
  re: number;
  im: number;
}

function cmul(a: Complex, b: Complex): Complex {
  return { re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re };
}
function cdiv(a: Complex, b: Complex): Complex {
  const s = b.re * b.re + b.im * b.im;
  return { re: (a.re * b.re + a.im * b.im) / s, im: (a.im * b.re - a.re * b.im) / s };
}
function csqrt(a: Complex): Complex {
  const r = Math.hypot(a.re, a.im);
  const re = Math.sqrt((r + a.re) / 2);
  const im = Math.sqrt(Math.max(0, (r - a.re) / 2));
  return { re, im: a.im < 0 ? -im : im };
}

/**
 * m(z) for complex z = zRe + i·zIm with zIm ≠ 0: of the two roots of c z m² + (z − 1 + c) m + 1 = 0 the
 * one with Im m of the same sign as Im z (a Stieltjes transform of a probability law maps the upper half
 * plane into itself). Both roots are formed without cancellation (q = −(B + s√Δ)/2, roots q/A and 1/q).
 * The density follows by inversion: ρ_c(x) = lim_{η↓0} Im m(x + iη)/π.
 */
export function mpStieltjesComplex(c: number, zRe: number, zIm: number): Complex {
  expectNonNegative('c', c);
  expectInRange('zRe', zRe, {});
  expectInRange('zIm', zIm, {});
  if (zIm === 0) throw new RangeError('zIm: expected a non-zero imaginary part (use mpStieltjes on the real axis) (got 0)');
  const B: Complex = { re: zRe - 1 + c, im: zIm };
  if (c === 0) return cdiv({ re: -1, im: 0 }, B); // (z − 1) m + 1 = 0
  const A: Complex = { re: c * zRe, im: c * zIm };
  const B2 = cmul(B, B);
  const root = csqrt({ re: B2.re - 4 * A.re, im: B2.im - 4 * A.im });
  const s = B.re * root.re + B.im * root.im >= 0 ? 1 : -1;
  const q: Complex = { re: -(B.re + s * root.re) / 2, im: -(B.im + s * root.im) / 2 };
  const m1 = cdiv(q, A);
  const m2 = cdiv({ re: 1, im: 0 }, q);
  return Math.sign(m1.im) === Math.sign(zIm) ? m1 : m2;
}

/** m(0) = ∫ λ⁻¹ dμ_c(λ) = 1/(1 − c) for 0 ≤ c < 1 (read off the quadratic at z = 0); Infinity for c ≥ 1. */
export function mpInverseMoment(c: number): number {
  expectNonNegative('c', c);
  return c >= 1 ? Infinity : mpStieltjes(c, 0);
}

/**
 * Limit of tr((X Xᵀ)⁻¹) (γ < 1) or tr((Xᵀ X)⁻¹) (γ > 1) for X ∈ R^{n×d} with i.i.d. N(0, 1) entries, n/d → γ:
 * γ · m(0)|_{c=γ} for γ < 1 and (1/γ) · m(0)|_{c=1/γ} for γ > 1 — i.e. γ/(1 − γ) and 1/(γ − 1); Infinity at
 * γ = 1 (the smallest non-zero eigenvalue of the Gram matrix goes to 0), 0 at γ = 0. This is the noise
 * factor of the min-norm interpolator's risk, σ² · tr(·) (digest §3.1).
 */
export function limitTraceInverseGram(gamma: number): number {
  expectNonNegative('gamma', gamma);
  if (gamma === 0) return 0;
  if (gamma < 1) return gamma * mpInverseMoment(gamma);
  if (gamma > 1) return (1 / gamma) * mpInverseMoment(1 / gamma);
  return Infinity;
}

// ---------------------------------------------------------------------------------------------------
// Quadrature

const legendreCache = new Map<number, { nodes: Float64Array; weights: Float64Array }>();

/** Nodes and weights of the order-k Gauss–Legendre rule on [−1, 1] (Newton on P_k; accurate to ~1e-15). */
export function gaussLegendre(order: number): { nodes: Float64Array; weights: Float64Array } {
  expectInRange('order', order, { min: 1, max: 200, integer: true });
  const cached = legendreCache.get(order);
  if (cached) return cached;
  const nodes = new Float64Array(order);
  const weights = new Float64Array(order);
  // P_k(x) and P_k'(x) by the three-term recurrence.
  const legendre = (x: number): { p: number; dp: number } => {
    let p0 = 1;
    let p1 = x;
    for (let k = 2; k <= order; k++) {
      const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    return { p: p1, dp: (order * (x * p1 - p0)) / (x * x - 1) };
  };
  if (order === 1) {
    nodes[0] = 0;
    weights[0] = 2;
  } else {
    for (let i = 0; i < order; i++) {
      let x = Math.cos((Math.PI * (i + 0.75)) / (order + 0.5));
      for (let it = 0; it < 100; it++) {
        const { p, dp } = legendre(x);
        const dx = p / dp;
        x -= dx;
        if (Math.abs(dx) < 1e-16) break;
      }
      const { dp } = legendre(x);
      nodes[i] = x;
      weights[i] = 2 / ((1 - x * x) * dp * dp);
    }
  }
  const rule = { nodes, weights };
  legendreCache.set(order, rule);
  return rule;
}

/** ∫_a^b f by the composite Gauss–Legendre rule: `panels` equal panels, `order` points each. */
export function integrateGaussLegendre(f: (x: number) => number, a: number, b: number, panels = 64, order = 10): number {
  expectInRange('a', a, {});
  expectInRange('b', b, {});
  expectInRange('panels', panels, { min: 1, integer: true });
  const { nodes, weights } = gaussLegendre(order);
  const h = (b - a) / panels;
  let total = 0;
  for (let p = 0; p < panels; p++) {
    const mid = a + (p + 0.5) * h;
    let s = 0;
    for (let i = 0; i < order; i++) s += weights[i] * f(mid + 0.5 * h * nodes[i]);
    total += 0.5 * h * s;
  }
  return total;
}

/**
 * E f(Q) for Q ~ χ²_k (k > 0 degrees of freedom, not necessarily an integer), by quadrature in
 * u = log(Q/k): the χ² density in u is ∝ exp(h(u)) with h(u) = (k/2)(u − eᵘ + 1) ≤ 0 (maximal at Q = k),
 * integrated by the composite Gauss–Legendre rule over the window where h(u) ≥ −100 and normalised by the
 * same rule applied to f ≡ 1 (so no Γ function is needed and the rule's own error largely cancels).
 * f must be smooth and grow slower than e^{100}·Q^{−k/2} toward Q → 0 and Q → ∞ (bounded f, or Q^{−j} with
 * j < k/2 − 1 or so); accuracy ≈ 1e-12 relative for such f.
 */
export function chiSquareExpectation(k: number, f: (q: number) => number, panels = 400, order = 10): number {
  expectPositive('k', k);
  const half = k / 2;
  const h = (u: number) => half * (u - Math.expm1(u));
  const cutoff = -100;
  // Window ends: h is concave, increasing below 0 and decreasing above, so bisect on each side.
  const bisect = (lo: number, hi: number): number => {
    // h(lo) < cutoff ≤ h(hi) or the reverse; find the crossing.
    let a = lo;
    let b = hi;
    const fa = h(a) - cutoff;
    for (let it = 0; it < 200; it++) {
      const m = 0.5 * (a + b);
      const fm = h(m) - cutoff;
      if (fm === 0) return m;
      if (Math.sign(fm) === Math.sign(fa)) a = m;
      else b = m;
    }
    return 0.5 * (a + b);
  };
  let lo = -1;
  while (h(lo) > cutoff) lo *= 2;
  let hi = 1;
  while (h(hi) > cutoff) hi *= 2;
  const uLo = bisect(lo, 0);
  const uHi = bisect(0, hi);
  let num = 0;
  let den = 0;
  const { nodes, weights } = gaussLegendre(order);
  const step = (uHi - uLo) / panels;
  for (let p = 0; p < panels; p++) {
    const mid = uLo + (p + 0.5) * step;
    for (let i = 0; i < order; i++) {
      const u = mid + 0.5 * step * nodes[i];
      const w = weights[i] * Math.exp(h(u));
      num += w * f(k * Math.exp(u));
      den += w;
    }
  }
  return num / den;
}
