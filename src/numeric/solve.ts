/**
 * The solver result shape every iterative method in ftlab returns, and a safeguarded scalar root
 * finder (bisection-guarded secant/Brent style) used by the theory modules.
 */

export interface SolverResult<T> {
  value: T;
  converged: boolean;
  iterations: number;
  /** The method's own measure of how far from converged it stopped (documented by each solver). */
  residual: number;
}

export interface RootOptions {
  /** Absolute tolerance on x. */
  xTol?: number;
  /** Tolerance on |f(x)|. */
  fTol?: number;
  maxIterations?: number;
}

/**
 * Find a root of f on [lo, hi] where f(lo) and f(hi) have opposite signs (Brent's method: inverse
 * quadratic interpolation and secant steps, falling back to bisection). Residual = |f(x)|.
 */
export function brentRoot(f: (x: number) => number, lo: number, hi: number, options: RootOptions = {}): SolverResult<number> {
  const xTol = options.xTol ?? 1e-14;
  const fTol = options.fTol ?? 0;
  const maxIterations = options.maxIterations ?? 500;
  let a = lo;
  let b = hi;
  let fa = f(a);
  let fb = f(b);
  if (!Number.isFinite(fa) || !Number.isFinite(fb)) throw new RangeError(`brentRoot: f is not finite at the bracket [${lo}, ${hi}]`);
  if (fa === 0) return { value: a, converged: true, iterations: 0, residual: 0 };
  if (fb === 0) return { value: b, converged: true, iterations: 0, residual: 0 };
  if (fa * fb > 0) throw new RangeError(`brentRoot: f(${lo}) = ${fa} and f(${hi}) = ${fb} do not bracket a root`);
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let it = 1; it <= maxIterations; it++) {
    if (fb * fc > 0) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + 0.5 * xTol;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || Math.abs(fb) <= fTol || fb === 0) {
      return { value: b, converged: true, iterations: it, residual: Math.abs(fb) };
    }
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qa = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qa * (qa - r) - (b - a) * (r - 1));
        q = (qa - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
    if (!Number.isFinite(fb)) throw new RangeError(`brentRoot: f(${b}) is not finite`);
  }
  return { value: b, converged: false, iterations: maxIterations, residual: Math.abs(fb) };
}
