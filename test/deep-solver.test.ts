/**
 * The solver choice of Shachaf et al.'s deep linear fine-tuning (digest §4.2 and §4.5) and of the figures
 * that offer `--solver`: the `closed-form` solver of job `deep-linear-finetune` (the gradient-flow limit
 * w_L = X⁺y + κ_L(I − P)θ_S, θ_S + X⁺(y − Xθ_S) with only W₁ trained, c*θ_S with W₁ frozen) agrees with
 * gradient-flow and GD runs of the same job within tolerances derived below from each solver's stopping
 * rule, integrator accuracy and step size; unsupported combinations are rejected naming the field; the
 * presets pass the chosen solver into their jobs and state it in the figure; the default jobs keep their
 * identity.
 *
 * Tolerances. All runs start from the balanced rank-one network; R(w) = ‖Σ^{1/2}(w − θ_T)‖² and
 * |R(w) − R(w*)| ≤ √Λ‖δ‖(2√R(w*) + √Λ‖δ‖) with δ = w − w*, Λ = λ_max(Σ) (Cauchy–Schwarz). Bounds on ‖δ‖:
 *
 *  - Stopping on the residual r = Xw − y (all layers, or only W₁, trained; n < d so the limit interpolates).
 *    Along exact gradient flow (I − P)w(t) = κ(t)(I − P)θ_S with κ(t) = (‖w(t)‖/‖θ_S‖)^{(L−1)/L}, so the
 *    stopped network is the closed form for the labels y' = Xw it fits, and δ is the closed form's change
 *    under the label change r. From ρ² = A + B(ρ/s)^{2p}, p = (L−1)/L: ∂ρ/∂A ≤ L/(2ρ) (because Bκ² ≤ ρ²),
 *    dA ≤ 2√A‖r‖/σ⁺_min(X), hence dρ ≤ L‖r‖/σ⁺_min, dκ = pκ dρ/ρ and ‖δ‖ ≤ ‖r‖/σ⁺_min + p dρ ≤
 *    L‖r‖/σ⁺_min. With only W₁ trained, or L = 1, the update stays in the row space and ‖δ‖ ≤ ‖r‖/σ⁺_min.
 *  - Integration (flow, L ≥ 2, all layers): Dormand–Prince keeps each accepted step's local error below
 *    rtol relative in every parameter, i.e. below L·rtol·‖w‖ in the end-to-end vector; the flow only
 *    rescales the perpendicular part (by at most κ̄ = max(1, κ_L)) and neither damps nor amplifies an error
 *    in the invariant, so after N steps it is at most N·L·rtol·κ̄·w̄ (w̄ = max(‖θ_S‖, ‖w_L‖)), moving the end
 *    point by at most L times that (the sensitivity above). With W₁ frozen or only W₁ trained the run
 *    cannot leave the affine set of the limit, and L = 1 is linear: no such term.
 *  - Stopping on stationarity (W₁ frozen: no interpolation). The trainer stops when ‖∇_θ l‖ ≤ tol ·
 *    √(L‖w‖^{2−2/L}λ_max)·‖r‖/√n (training/deepLinear.ts; λ_max of XᵀX/n). With W₁ frozen, w = cθ̂ and
 *    the K trained layers keep one scale σ = (‖w‖/‖θ_S‖^{F/L})^{1/K} (F frozen layers), so ‖∇_θ l‖ =
 *    √K(‖w‖/σ)|⟨Xθ̂, r⟩|/n and ⟨Xθ̂, r⟩ = (c − c*)‖Xθ̂‖²: ‖δ‖ = |c − c*| ≤ tol·√(Lλ_max n/K)·σ‖w‖^{−1/L}‖r‖/‖Xθ̂‖²
 *    (σ and ‖w‖ taken at the closed form, a relative change of order ‖δ‖/‖w‖).
 *  - GD's step (all layers, L ≥ 2): GD's end point is O(η) from the flow's (the invariant holds to O(η),
 *    digest §4.2), R(η) = R* + aη + bη². Richardson with η and η/2: e(η) = 2Δ − bη²/2, Δ = R(η) − R(η/2).
 *    The test requires e(η)/e(η/2) ∈ [1.5, 2.5] (first order: 2, with |bη/a| ≲ 1/3), within which
 *    |bη²/2| ≤ |Δ|, so |e(η)| ≤ 3|Δ| plus both runs' stopping terms. With W₁ frozen, only W₁ trained or
 *    L = 1, GD stays on the same line / affine set as the flow and has no step-size bias.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linearInstance, linearProblemSchema, sampleLinearData, type LinearProblemInput } from '../src/tasks/linearTeachers.js';
import { deepFineTunedSolution, frozenFirstLayerSolution } from '../src/theory/shachaf/deep.js';
import { fineTunedSolution } from '../src/theory/shachaf/linear.js';
import { curvatureRange } from '../src/training/gd.js';
import { dot, matVec } from '../src/numeric/matrix.js';
import { makeJob, type JobSpec } from '../src/experiments/job.js';
import { executeJob } from '../src/experiments/execute.js';
import { DEEP_SOLVERS, freezeRegime } from '../src/experiments/jobs/deepLinearFineTune.js';
import { getPreset } from '../src/experiments/presets/index.js';
import { reproduce } from '../src/experiments/reproduce.js';

const TOL = { flow: 1e-8, gd: 1e-10 } as const; // training.tol, set explicitly in every run below
const RTOL = 1e-11; // the trainer's Dormand–Prince rtol (DeepTrainOptions.rtol default; the job keeps it)
const LR = 0.5; // the job's default lrFactor

const PROBLEMS: LinearProblemInput[] = [
  { d: 40, n: 8, covariance: { spectrum: { kind: 'isotropic' } }, teachers: { kind: 'scaled', alpha: 1, eps: 0.5 } },
  { d: 40, n: 8, covariance: { spectrum: { kind: 'isotropic' } }, teachers: { kind: 'scaled', alpha: 2, eps: 0.3 }, noise: 0.1 },
];

type Method = (typeof DEEP_SOLVERS)[number];

function run(problem: LinearProblemInput, depth: number, frozen: number[], method: Method, seed: number, lrFactor = LR): Record<string, number> {
  const training = method === 'closed-form' ? { method, frozen } : { method, frozen, tol: TOL[method], lrFactor };
  const r = executeJob(makeJob({ type: 'deep-linear-finetune', params: { problem: { ...problem, instanceSeed: seed }, depth, training }, seed }));
  if (!r.ok) throw new Error(r.error);
  return r.output.metrics;
}

/** What the tolerances need from the replicate's data (the job's own draw: scales 1, same seeds). */
function context(problem: LinearProblemInput, depth: number, frozen: number[], seed: number) {
  const p = linearProblemSchema.parse({ ...problem, instanceSeed: seed });
  const inst = linearInstance(p);
  const { x, y } = sampleLinearData(inst, p.n, p.noise, seed);
  const range = curvatureRange(x);
  const regime = freezeRegime(depth, frozen);
  const wStar = regime === 'all' ? deepFineTunedSolution(x, y, inst.thetaS, depth).w : regime === 'first-frozen' ? frozenFirstLayerSolution(x, y, inst.thetaS) : fineTunedSolution(x, y, inst.thetaS);
  const kappa = regime === 'all' ? deepFineTunedSolution(x, y, inst.thetaS, depth).kappa : 1;
  const sNorm = Math.sqrt(dot(inst.thetaS, inst.thetaS));
  const thetaHat = inst.thetaS.map((v) => v / sNorm);
  const xs = matVec(x, thetaHat);
  return {
    regime,
    n: p.n,
    sigmaMin: Math.sqrt(p.n * range.minPositive),
    lambdaMax: range.max,
    covMax: Math.max(...inst.cov.spectrum),
    wNorm: Math.sqrt(dot(wStar, wStar)),
    sNorm,
    kappa,
    xs2: dot(xs, xs),
  };
}

type Ctx = ReturnType<typeof context>;

/** Bound on ‖w − w*‖ of a run stopped by `method`'s rule (module comment), from its metrics. */
function distanceBound(c: Ctx, depth: number, frozen: number[], method: 'flow' | 'gd', m: Record<string, number>): number {
  const r = Math.sqrt(c.n) * m['trainRmse'];
  if (c.regime === 'first-frozen') {
    const K = depth - new Set(frozen).size;
    const F = depth - K;
    const sigma = Math.pow(c.wNorm / Math.pow(c.sNorm, F / depth), 1 / K);
    return (TOL[method] * Math.sqrt((depth * c.lambdaMax * c.n) / K) * sigma * Math.pow(c.wNorm, -1 / depth) * r) / c.xs2;
  }
  const all = c.regime === 'all' && depth >= 2;
  const sensitivity = all ? depth : 1;
  const integration = all && method === 'flow' ? m['iterations'] * depth * RTOL * Math.max(1, c.kappa) * Math.max(c.sNorm, c.wNorm) : 0;
  return sensitivity * (r / c.sigmaMin + integration);
}

/** Bound on |R(w) − R(w*)| from a bound on ‖w − w*‖ (Cauchy–Schwarz in the Σ-norm). */
function riskBound(c: Ctx, riskStar: number, delta: number): number {
  const d = Math.sqrt(c.covMax) * delta;
  return d * (2 * Math.sqrt(riskStar) + d);
}

const CASES: { depth: number; frozen: number[] }[] = [
  { depth: 1, frozen: [] },
  { depth: 2, frozen: [] },
  { depth: 3, frozen: [] },
  { depth: 5, frozen: [] },
  { depth: 4, frozen: [1] }, // W₁ frozen, three layers trained
  { depth: 3, frozen: [1, 2] }, // W₁ frozen, one layer trained
  { depth: 4, frozen: [2, 3, 4] }, // only W₁ trained
];

describe('deep-linear-finetune: the closed-form solver agrees with gradient flow and GD', () => {
  for (const { depth, frozen } of CASES) {
    it(`L = ${depth}, frozen [${frozen.join(', ')}]`, () => {
      PROBLEMS.forEach((problem, k) => {
        const seed = k + 1;
        const c = context(problem, depth, frozen, seed);
        const cf = run(problem, depth, frozen, 'closed-form', seed);
        expect(cf['converged']).toBe(1);
        expect(cf['iterations']).toBe(0);
        expect(cf['risk']).toBe(cf['theory.risk']);
        expect(cf['normalizedRisk']).toBe(cf['theory.normalizedRisk']);
        for (const absent of ['distanceToTheory', 'initBalance', 'pretrain.converged']) expect(cf[absent]).toBeUndefined();
        const rStar = cf['risk'];

        const flow = run(problem, depth, frozen, 'flow', seed);
        expect(flow['converged']).toBe(1);
        expect(Math.abs(flow['risk'] - rStar)).toBeLessThanOrEqual(riskBound(c, rStar, distanceBound(c, depth, frozen, 'flow', flow)));

        const gd = run(problem, depth, frozen, 'gd', seed);
        expect(gd['converged']).toBe(1);
        const stop = riskBound(c, rStar, distanceBound(c, depth, frozen, 'gd', gd));
        if (c.regime === 'all' && depth >= 2) {
          const half = run(problem, depth, frozen, 'gd', seed, LR / 2);
          expect(half['converged']).toBe(1);
          const stopHalf = riskBound(c, rStar, distanceBound(c, depth, frozen, 'gd', half));
          const e1 = gd['risk'] - rStar;
          const e2 = half['risk'] - rStar;
          // first order in the step: halving it halves the bias (and the bias dwarfs the stopping error)
          expect(e1 / e2).toBeGreaterThan(1.5);
          expect(e1 / e2).toBeLessThan(2.5);
          expect(Math.abs(e1)).toBeLessThanOrEqual(stop + 3 * (Math.abs(gd['risk'] - half['risk']) + stop + stopHalf));
        } else {
          expect(Math.abs(gd['risk'] - rStar)).toBeLessThanOrEqual(stop);
        }
      });
    });
  }

  it('with W₁ frozen and c* < 0 the closed form is the saddle w = 0, not converged, where the flow stalls too', () => {
    // shachaf-freeze's setting at n = 2, seed 21: the least-squares multiple of θ_S is negative
    const problem: LinearProblemInput = { d: 40, n: 2, covariance: { spectrum: { kind: 'isotropic' } }, teachers: { kind: 'scaled', alpha: 1, eps: 0.7 } };
    const cf = run(problem, 4, [1], 'closed-form', 21);
    expect(cf['converged']).toBe(0);
    expect(cf['risk']).toBe(cf['targetNorm2']); // Σ = I: R(0) = ‖θ_T‖²
    expect(cf['theory.risk']).not.toBe(cf['risk']); // the theory's c*θ_S, which the flow cannot reach
    const flow = run(problem, 4, [1], 'flow', 21);
    expect(flow['converged']).toBe(0);
    expect(Math.abs(flow['risk'] - cf['risk'])).toBeLessThan(Math.abs(flow['risk'] - cf['theory.risk']));
    // one trained layer: the loss is quadratic in c, and c* is reached whatever its sign
    const one = run(problem, 4, [1, 2, 3], 'closed-form', 21);
    expect(one['converged']).toBe(1);
    expect(one['risk']).toBe(one['theory.risk']);
  });
});

describe('deep-linear-finetune: solver validation and identity', () => {
  const problem = { d: 30, n: 6, covariance: { spectrum: { kind: 'isotropic' } }, teachers: { kind: 'scaled', alpha: 1, eps: 0.5 } };
  const job = (params: object) => () => makeJob({ type: 'deep-linear-finetune', params: { problem, ...params }, seed: 0 });

  it('rejects closed-form where it is not the limit, naming the field and what is allowed', () => {
    expect(job({ depth: 'Infinity', training: { method: 'closed-form' } })).toThrow(/depth: expected an integer depth with training\.method "closed-form"/);
    expect(job({ depth: 3, init: { kind: 'pretrained', scale: 0.01 }, training: { method: 'closed-form' } })).toThrow(/init\.kind: expected "balanced" with training\.method "closed-form"/);
    expect(job({ depth: 3, training: { method: 'closed-form', frozen: [2] } })).toThrow(/training\.frozen: expected \[\] \(all layers trained\), a list containing 1 \(W₁ frozen\) or \[2, …, 3\] \(only W₁ trained\) with training\.method "closed-form"/);
    expect(job({ depth: 3, training: { method: 'newton' } })).toThrow(/training\.method/);
    // the same settings with a trained solver stay valid, and the closed form is accepted where it holds
    expect(job({ depth: 'Infinity', training: { method: 'flow' } })).not.toThrow();
    expect(job({ depth: 3, init: { kind: 'pretrained', scale: 0.01 }, training: { method: 'gd' } })).not.toThrow();
    expect(job({ depth: 3, training: { method: 'flow', frozen: [2] } })).not.toThrow();
    for (const frozen of [[], [1], [1, 3], [2, 3]]) expect(job({ depth: 3, training: { method: 'closed-form', frozen } })).not.toThrow();
  });

  it('flow and GD jobs keep their parameters and version, so stored results keep their identity', () => {
    const old = makeJob({ type: 'deep-linear-finetune', params: { problem, depth: 3, training: { method: 'gd' } }, seed: 2 });
    // parsed before the solver choice existed (job version 1)
    expect(old.params).toEqual({
      problem: { d: 30, n: 6, covariance: { spectrum: { kind: 'isotropic', scale: 1 }, basis: 'identity' }, teachers: { kind: 'scaled', alpha: 1, eps: 0.5 }, noise: 0, instanceSeed: 0 },
      depth: 3,
      hiddenWidth: 4,
      sourceScale: 1,
      targetScale: 1,
      init: { kind: 'balanced' },
      training: { method: 'gd', lrFactor: 0.5, maxIterations: 2000000, frozen: [] },
    });
    expect(old.codeVersion.endsWith('/deep-linear-finetune@1')).toBe(true);
    const byDefault = makeJob({ type: 'deep-linear-finetune', params: { problem, depth: 3 }, seed: 2 });
    expect(byDefault.hash).toBe(makeJob({ type: 'deep-linear-finetune', params: { problem, depth: 3, training: { method: 'flow' } }, seed: 2 }).hash);
    expect(makeJob({ type: 'deep-linear-finetune', params: { problem, depth: 3, training: { method: 'closed-form' } }, seed: 2 }).hash).not.toBe(byDefault.hash);
  });
});

describe('figures with --solver: the jobs carry the solver and the figure states it', () => {
  const none = () => undefined;
  const methodOf = (s: JobSpec) => (s.params as { training: { method?: string; solver?: string } }).training;

  it('shachaf-depth, shachaf-scale, shachaf-freeze: flow (the default) | gd | closed-form', () => {
    for (const id of ['shachaf-depth', 'shachaf-scale', 'shachaf-freeze']) {
      const preset = getPreset(id);
      expect(preset.solvers).toEqual(['flow', 'gd', 'closed-form']);
      const hashes = (solver?: string) => preset.jobs({ seeds: 2, quick: true, solver }).map((s) => makeJob(s).hash);
      expect(hashes()).toEqual(hashes('flow'));
      for (const solver of DEEP_SOLVERS) {
        const specs = preset.jobs({ seeds: 2, quick: true, solver });
        let trained = 0;
        for (const s of specs) {
          const depth = (s.params as { depth: number | 'Infinity' }).depth;
          // L = ∞ is theory only: its jobs keep the default method and are shared by every solver
          expect(methodOf(s).method).toBe(depth === 'Infinity' ? 'flow' : solver);
          if (depth !== 'Infinity') trained++;
          makeJob(s); // valid, including closed-form with every freeze pattern of the figure
        }
        expect(trained).toBeGreaterThan(0);
        const fig = preset.build(none, { seeds: 2, quick: true, solver });
        expect((fig.params as { solver: string }).solver).toBe(solver);
        expect(fig.description).toContain(`--solver ${solver}`);
      }
      expect(() => preset.jobs({ seeds: 1, quick: true, solver: 'implicit-bias' })).toThrow(/--solver: expected one of flow, gd, closed-form/);
    }
  });

  it('shachaf-linear-risk: gd (the default) | closed-form', () => {
    const preset = getPreset('shachaf-linear-risk');
    expect(preset.solvers).toEqual(['gd', 'closed-form']);
    for (const solver of ['gd', 'closed-form']) {
      const specs = preset.jobs({ seeds: 1, quick: true, solver });
      for (const s of specs) expect(methodOf(s).solver).toBe(solver);
      const fig = preset.build(none, { seeds: 1, quick: true, solver });
      expect((fig.params as { solver: string }).solver).toBe(solver);
      expect(fig.description).toContain(`--solver ${solver}`);
      const sims = fig.series.filter((s) => s.kind === 'simulation');
      expect(sims.length).toBe(12);
      for (const s of sims) expect(s.name).toContain(solver === 'gd' ? '(GD)' : '(closed form)');
    }
  });

  it('reproduce shachaf-freeze --quick --solver closed-form: points on the theory, the saddle marked, the solver recorded', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ftlab-deep-solver-'));
    const { figure } = await reproduce('shachaf-freeze', { quick: true, seeds: 3, outDir: out, workers: 0, png: false, solver: 'closed-form' });
    expect(figure.provenance.solver).toBe('closed-form');
    const sims = figure.series.filter((s) => s.kind === 'simulation');
    expect(sims.length).toBe(3);
    for (const sim of sims) {
      expect(sim.name).toContain('(closed-form solver)');
      const theory = figure.series.find((s) => s.kind === 'theory' && s.group === sim.group)!;
      sim.y.values.forEach((v, i) => {
        // same datasets and the same vector on both sides, unless a seed sits at the W₁-frozen saddle (not converged)
        if (sim.converged![i]) expect(v).toBe(theory.y.values[i]);
      });
    }
  });
});
