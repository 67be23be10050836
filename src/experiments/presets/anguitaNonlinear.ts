/**
 * Figure `anguita-nonlinear`: the nonlinear check of Anguita et al. (2026), digest
 * `anguita-pretraining-inductive-bias.md` §9 — do the diagonal theory's initialisation knobs shape fine-tuning
 * of a real image network? Fashion-MNIST, a ReLU MLP, the Lippl & Lindsey (2024) protocol the digest gives as
 * the likely template (job `anguita-nonlinear`; every protocol choice is in its first comment).
 *
 * Grid: one knob at a time, the other two at their defaults c_PT = 1, κ = 1, γ_FT = 1 (the default
 * initialisation; γ_FT = 1 is the default LeCun readout): c_PT ∈ {0.25, 1, 2}, κ ∈ {0.25, 1, 4},
 * γ_FT ∈ {0.01, 1, 10}, plus two settings that sharpen the predictions: (κ = 0.25, γ_FT = 0.01), the
 * regime-IV analogue (small earlier layers and a small readout), and γ_FT = 10 with a centred model (f starts
 * at the zero function, like the diagonal network's re-initialisation), which separates laziness from the
 * large random initial function a large readout adds. Baseline: the same network trained from scratch.
 * Tasks: A, Ankle boot vs Sandal (both held out of pretraining: new features); B, tops {T-shirt/top, Pullover,
 * Coat, Shirt} vs {Trouser, Dress, Sneaker, Bag} (a coarsening of the pretraining classes: it reuses pretrained
 * features). Panels: knob × task; x = n (log), y = test accuracy, mean ± 2 s.e. over seeds.
 *
 * Table 1 tests P1–P3 with paired differences (same seed: same pretraining draws, fine-tuning images and
 * readout directions), each seed's difference averaged over the small n (≤ 50) before the mean and s.e. over
 * seeds: "held" when the mean lies beyond 2 s.e. in the predicted direction, "did not hold" when it lies
 * beyond 2 s.e. in the opposite direction, "inconclusive" otherwise.
 */
import type { JobSpec } from '../job.js';
import type { FigureData, FigureTable, Series } from '../../plots/figure.js';
import { summarize } from '../../numeric/stats.js';
import { FASHION_MNIST_CLASSES, fashionMnistFingerprint } from '../../tasks/fashionMnist.js';
import { DEFAULT_HELD_OUT, TASK_A, TASK_B } from '../jobs/anguitaNonlinear.js';
import { aggregateMetric, type FigurePreset, type PresetOptions, type ResultLookup } from './types.js';

const TYPE = 'anguita-nonlinear';
const PAPER = 'Anguita et al. (2026), "A Theory of How Pretraining Shapes Inductive Bias in Fine-Tuning"';

interface Plan {
  base: { hidden: number; depth: number; pool: number; testPerClass: number; pretrain: { perClass: number; epochs: number }; dataFingerprint?: string };
  ns: number[];
}

const FULL: Plan = { base: { hidden: 128, depth: 3, pool: 1, testPerClass: 1000, pretrain: { perClass: 1000, epochs: 10 } }, ns: [10, 20, 50, 100, 200, 500] };
const QUICK: Plan = { base: { hidden: 64, depth: 3, pool: 2, testPerClass: 300, pretrain: { perClass: 300, epochs: 10 } }, ns: [10, 50, 200] };
/**
 * The n grid stops at `nMax` (default 200): on two cores n = 500 alone took 65% of the full figure's compute
 * (≈ 4 of ≈ 6.5 minutes per seed: full-batch GD needs more steps to fit more images), while Table 1 only uses
 * n ≤ 50. `--param nMax=500` draws the issue's whole grid.
 */
const N_MAX_DEFAULT = 200;
const plan = (o: PresetOptions): Plan => {
  const p = o.quick ? QUICK : FULL;
  const nMax = o.params?.nMax ?? N_MAX_DEFAULT;
  // The files' fingerprint is part of every job's identity (see the job's `dataFingerprint`).
  return { base: { ...p.base, dataFingerprint: fashionMnistFingerprint() }, ns: p.ns.filter((n) => n <= nMax) };
};
/** The small n over which Table 1 averages each seed's difference. */
const SMALL_N = 50;

export interface Setting {
  cPT: number;
  kappa: number;
  gammaFT: number;
  centered?: boolean;
}

const DEFAULT: Setting = { cPT: 1, kappa: 1, gammaFT: 1 };

interface Knob {
  key: 'cPT' | 'kappa' | 'gammaFT';
  label: string;
  values: number[];
  what: string;
}

export const KNOBS: Knob[] = [
  { key: 'cPT', label: 'c_PT', values: [0.25, 1, 2], what: 'absolute init scale' },
  { key: 'kappa', label: 'κ', values: [0.25, 1, 4], what: 'early × κ, late × 1/κ' },
  { key: 'gammaFT', label: 'γ_FT', values: [0.01, 1, 10], what: 'readout re-init scale' },
];

/** Settings beyond the one-knob grid, drawn in that knob's panels. */
const EXTRAS: { knob: Knob['key']; label: string; setting: Setting }[] = [
  { knob: 'kappa', label: 'κ = 0.25 & γ_FT = 0.01 (regime-IV analogue)', setting: { cPT: 1, kappa: 0.25, gammaFT: 0.01 } },
  { knob: 'gammaFT', label: 'γ_FT = 10, centred (f starts at 0)', setting: { cPT: 1, kappa: 1, gammaFT: 10, centered: true } },
];

const names = (cs: readonly number[]) => cs.map((c) => FASHION_MNIST_CLASSES[c]).join(', ');

export const TASKS = [
  { id: 'A', title: 'task A: Ankle boot vs Sandal (held out: new features)', short: 'A (held-out pair)', positive: [...TASK_A.positive], negative: [...TASK_A.negative] },
  { id: 'B', title: 'task B: tops vs other pretrained classes (reuse)', short: 'B (tops vs rest)', positive: [...TASK_B.positive], negative: [...TASK_B.negative] },
] as const;
type Task = (typeof TASKS)[number];

const DEFAULT_LABEL = 'default (c_PT = κ = γ_FT = 1)';
const SCRATCH_LABEL = 'from scratch (no pretraining)';

/** Every fine-tuning setting the figure runs: the default, one knob moved, and the extras. */
export function settings(): Setting[] {
  const out: Setting[] = [DEFAULT];
  for (const k of KNOBS) for (const v of k.values) if (v !== DEFAULT[k.key]) out.push({ ...DEFAULT, [k.key]: v });
  for (const e of EXTRAS) out.push(e.setting);
  return out;
}

function fineTuneSpec(p: Plan, task: Task, n: number, s: Setting, seed: number): JobSpec {
  return { type: TYPE, params: { ...p.base, n, positive: task.positive, negative: task.negative, cPT: s.cPT, kappa: s.kappa, gammaFT: s.gammaFT, centered: s.centered ?? false }, seed };
}

function scratchSpec(p: Plan, task: Task, n: number, seed: number): JobSpec {
  return { type: TYPE, params: { ...p.base, stage: 'scratch', n, positive: task.positive, negative: task.negative }, seed };
}

const seedsOf = (o: PresetOptions): number[] => Array.from({ length: o.seeds }, (_, s) => s);
const r4 = (v: number): number | string => (Number.isFinite(v) ? Number(v.toPrecision(4)) : 'n/a');

type Run = (task: Task, n: number, seed: number) => JobSpec;
const ftRun = (p: Plan, s: Setting): Run => (task, n, seed) => fineTuneSpec(p, task, n, s, seed);
const scRun = (p: Plan): Run => (task, n, seed) => scratchSpec(p, task, n, seed);

export interface PairedDifference {
  mean: number;
  stderr: number;
  seeds: number;
}

/**
 * Mean ± s.e. over seeds of the per-seed difference metric(a) − metric(b), each seed's difference averaged over
 * `ns`; a seed counts only when all its runs of both are stored.
 */
export function pairedDifference(lookup: ResultLookup, task: Task, ns: readonly number[], seeds: readonly number[], a: Run, b: Run, metric = 'testAccuracy'): PairedDifference {
  const perSeed: number[] = [];
  for (const seed of seeds) {
    let sum = 0;
    let ok = true;
    for (const n of ns) {
      const ra = lookup(a(task, n, seed));
      const rb = lookup(b(task, n, seed));
      const va = ra?.status === 'done' ? ra.metrics[metric] : undefined;
      const vb = rb?.status === 'done' ? rb.metrics[metric] : undefined;
      if (va === undefined || vb === undefined || !Number.isFinite(va) || !Number.isFinite(vb)) {
        ok = false;
        break;
      }
      sum += va - vb;
    }
    if (ok && ns.length > 0) perSeed.push(sum / ns.length);
  }
  if (perSeed.length === 0) return { mean: NaN, stderr: NaN, seeds: 0 };
  const s = summarize(perSeed);
  return { mean: s.mean, stderr: s.stderr, seeds: s.n };
}

export type Verdict = 'held' | 'did not hold' | 'inconclusive';

/** The 2-s.e. rule: held beyond 2 s.e. in the predicted direction (sign +1 or −1), did not hold beyond 2 s.e. against it. */
export function verdict(d: PairedDifference, sign: 1 | -1): Verdict {
  if (!(d.seeds >= 2) || !Number.isFinite(d.mean) || !Number.isFinite(d.stderr)) return 'inconclusive';
  const z = d.mean * sign;
  if (z > 2 * d.stderr) return 'held';
  if (z < -2 * d.stderr) return 'did not hold';
  return 'inconclusive';
}

const settingLabel = (s: Setting): string => {
  const extra = EXTRAS.find((e) => e.setting === s);
  if (extra) return extra.label;
  const moved = KNOBS.find((k) => s[k.key] !== DEFAULT[k.key]);
  return moved ? `${moved.label} = ${s[moved.key]}` : DEFAULT_LABEL;
};

function describe(p: Plan, o: PresetOptions): string {
  const b = p.base;
  const heldOut = names(DEFAULT_HELD_OUT);
  return (
    `Fashion-MNIST (Debian package dataset-fashion-mnist), pixels/255, ${b.pool === 1 ? '28 × 28' : `${28 / b.pool} × ${28 / b.pool} (${b.pool} × ${b.pool} average pooling)`}. ` +
    `Network: ReLU MLP ${28 * 28 / b.pool ** 2} → ${new Array(b.depth).fill(b.hidden).join(' → ')} → readout, biases 0 at init; default init He N(0, 2/fan_in) for hidden layers, LeCun N(0, 1/fan_in) for the readout. ` +
    `Knobs: c_PT multiplies every weight; κ multiplies the first ${Math.floor((b.depth + 1) / 2)} weight matrices (early) by κ and the last ${Math.floor((b.depth + 1) / 2)} (the last hidden layer and the readout: late) by 1/κ, which leaves the initial function unchanged (κ < 1 is the "small earlier layers" λ_PT < 0 analogue); γ_FT: the readout is replaced before fine-tuning by one logit with weights N(0, γ_FT²/fan_in). ` +
    `Pretraining: the 8 classes other than ${heldOut} (held out: a visually related footwear pair, so task A needs a distinction pretraining never taught), ${b.pretrain.perClass} images per class drawn per seed, softmax cross-entropy, SGD with momentum 0.9, lr 0.02, batch 64, ${b.pretrain.epochs} epochs; computed once per (c_PT, κ, seed) per worker. ` +
    `Fine-tuning: all layers, n ∈ {${p.ns.join(', ')}}${p.ns.includes(500) ? '' : ' (--param nMax=500 adds n = 500)'} balanced fresh training images (never pretrained on; the same images for every setting of a seed), logistic loss, full-batch gradient descent with backtracking (η₀ = 0.1, ×1.2 per accepted step, halved on a rejected one), until training loss < 1e-2 (converged) or 3000 evaluations (not converged: drawn as crosses). ` +
    `Test: accuracy on the first ${b.testPerClass} t10k images of each task class. ` +
    `Tasks: A = ${names(TASK_A.positive)} vs ${names(TASK_A.negative)}; B = {${names(TASK_B.positive)}} vs {${names(TASK_B.negative)}}. ` +
    `One knob moves per panel (others at c_PT = κ = γ_FT = 1); extra series: κ = 0.25 with γ_FT = 0.01 (the regime-IV analogue) and γ_FT = 10 with the model centred to start at f = 0. ` +
    `Baseline: the same network, default init, trained from scratch on the same images. Points: mean over ${o.seeds} seeds ± 2 s.e. ` +
    `Table 1: paired differences (same seed), each seed's difference averaged over n ≤ ${SMALL_N} first; rule: held if the mean is beyond 2 s.e. in the predicted direction, did not hold if beyond 2 s.e. in the opposite one, inconclusive otherwise.`
  );
}

export const anguitaNonlinear: FigurePreset = {
  id: 'anguita-nonlinear',
  title: 'Initialisation scales shape fine-tuning in a real image network: Fashion-MNIST MLP (Anguita et al. §9 analogue)',
  paper: PAPER,
  description:
    'Fashion-MNIST, ReLU MLP pretrained on 8 classes from the (c_PT, κ) initialisation, readout re-initialised at γ_FT, fine-tuned on n samples of a new-feature task (A) and a reuse task (B), against training from scratch; one knob per panel; Table 1 tests the diagonal theory\'s predictions P1–P3 by a 2-s.e. rule. Needs the Debian package dataset-fashion-mnist.',
  defaultSeeds: 10,
  quickSeeds: 3,
  parameters: [
    {
      name: 'nMax',
      description: 'largest fine-tuning sample size drawn from the grid 10, 20, 50, 100, 200, 500 (500 adds ≈ 4 min per seed on 2 cores)',
      default: N_MAX_DEFAULT,
      min: 50,
      max: 500,
      integer: true,
    },
  ],
  jobs(o) {
    const p = plan(o);
    const all = settings();
    // Grouped by pretraining (c_PT, κ) within each seed, so each worker's cache serves consecutive jobs.
    const groups = new Map<string, Setting[]>();
    for (const s of all) {
      const key = `${s.cPT}/${s.kappa}`;
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    const specs: JobSpec[] = [];
    for (const seed of seedsOf(o)) {
      for (const group of groups.values()) for (const task of TASKS) for (const n of p.ns) for (const s of group) specs.push(fineTuneSpec(p, task, n, s, seed));
      for (const task of TASKS) for (const n of p.ns) specs.push(scratchSpec(p, task, n, seed));
    }
    return specs;
  },
  build(lookup, o) {
    const p = plan(o);
    const seeds = seedsOf(o);
    const cell = (run: Run, task: Task, n: number, metric = 'testAccuracy') => aggregateMetric(lookup, seeds.map((seed) => run(task, n, seed)), metric, 'converged');
    const series: Series[] = [];
    const curve = (name: string, panel: string, group: string, run: Run, task: Task, params: object): Series => {
      const cells = p.ns.map((n) => cell(run, task, n));
      return {
        name,
        kind: 'simulation',
        panel,
        group,
        params: { ...p.base, ...params, positive: task.positive, negative: task.negative, ns: p.ns, seeds: o.seeds },
        x: { name: 'n (fine-tuning samples)', values: p.ns },
        y: { name: 'test accuracy', values: cells.map((c) => (c ? c.mean : NaN)), stderr: cells.map((c) => (c ? c.stderr : NaN)) },
        converged: cells.map((c) => (c ? c.converged : true)),
        seeds: cells.map((c) => (c ? c.n : 0)),
      };
    };
    for (const knob of KNOBS) {
      for (const task of TASKS) {
        const panel = `${knob.label}: ${knob.what} · task ${task.short}`;
        for (const v of knob.values) {
          const s: Setting = { ...DEFAULT, [knob.key]: v };
          const group = v === DEFAULT[knob.key] ? DEFAULT_LABEL : `${knob.label} = ${v}`;
          series.push(curve(`${group}, task ${task.id}`, panel, group, ftRun(p, s), task, { stage: 'fine-tune', ...s }));
        }
        for (const e of EXTRAS.filter((x) => x.knob === knob.key)) series.push(curve(`${e.label}, task ${task.id}`, panel, e.label, ftRun(p, e.setting), task, { stage: 'fine-tune', ...e.setting }));
        series.push(curve(`${SCRATCH_LABEL}, task ${task.id}`, panel, SCRATCH_LABEL, scRun(p), task, { stage: 'scratch', cPT: 1, kappa: 1 }));
      }
    }

    const small = p.ns.filter((n) => n <= SMALL_N);
    const [taskA, taskB] = TASKS;
    const def = ftRun(p, DEFAULT);
    const at = (s: Partial<Setting>) => ftRun(p, { ...DEFAULT, ...s });
    const extra = (i: number) => ftRun(p, EXTRAS[i].setting);
    const nText = `n ∈ {${small.join(', ')}}`;
    const predictions: { id: string; statement: string; comparison: string; task: Task; a: Run; b: Run; sign: 1 | -1; metric?: string }[] = [
      { id: 'P1', statement: 'reuse task: small earlier layers fine-tune better', comparison: 'acc(κ = 0.25) − acc(κ = 1)', task: taskB, a: at({ kappa: 0.25 }), b: def, sign: 1 },
      { id: 'P1', statement: 'reuse task: a small readout re-init fine-tunes better', comparison: 'acc(γ_FT = 0.01) − acc(γ_FT = 1)', task: taskB, a: at({ gammaFT: 0.01 }), b: def, sign: 1 },
      { id: 'P1', statement: 'reuse task: both together (regime-IV analogue) fine-tune better', comparison: 'acc(κ = 0.25, γ_FT = 0.01) − acc(default)', task: taskB, a: extra(0), b: def, sign: 1 },
      { id: 'P2', statement: 'a large readout re-init loses the benefit of pretraining (closer to scratch)', comparison: 'acc(γ_FT = 10) − acc(γ_FT = 1)', task: taskB, a: at({ gammaFT: 10 }), b: def, sign: -1 },
      { id: 'P2', statement: 'the same with the model centred at f = 0 (laziness alone)', comparison: 'acc(γ_FT = 10, centred) − acc(γ_FT = 1)', task: taskB, a: extra(1), b: def, sign: -1 },
      { id: 'P2', statement: 'mechanism: a large readout makes fine-tuning lazy (early layers move less)', comparison: 'Δ‖W_early‖ rel.(γ_FT = 10) − (γ_FT = 1)', task: taskB, a: at({ gammaFT: 10 }), b: def, sign: -1, metric: 'change.early' },
      { id: 'P3', statement: 'a smaller c_PT (richer pretraining) helps the reuse task', comparison: 'acc(c_PT = 0.25) − acc(c_PT = 1)', task: taskB, a: at({ cPT: 0.25 }), b: def, sign: 1 },
      { id: 'P3', statement: 'a larger c_PT (lazier pretraining) hurts the reuse task', comparison: 'acc(c_PT = 2) − acc(c_PT = 1)', task: taskB, a: at({ cPT: 2 }), b: def, sign: -1 },
    ];
    const predictionRows = predictions.map((q) => {
      const d = pairedDifference(lookup, q.task, small, seeds, q.a, q.b, q.metric);
      return [q.id, q.statement, `task ${q.task.id}, ${nText}`, q.comparison, q.sign > 0 ? '> 0' : '< 0', r4(d.mean), r4(d.stderr), d.seeds, verdict(d, q.sign)];
    });
    const context = [taskA, taskB].map((task) => {
      const d = pairedDifference(lookup, task, small, seeds, def, scRun(p));
      return ['context', `benefit of pretraining (default init) on ${task.title}`, `task ${task.id}, ${nText}`, 'acc(default) − acc(scratch)', 'none', r4(d.mean), r4(d.stderr), d.seeds, d.seeds >= 2 && Math.abs(d.mean) > 2 * d.stderr ? (d.mean > 0 ? 'pretraining helps' : 'pretraining hurts') : 'no clear effect'];
    });
    const tables: FigureTable[] = [
      {
        title: `Predictions P1–P3: paired differences over seeds (each seed averaged over ${nText}); held / did not hold = beyond 2 s.e. for / against the predicted sign, else inconclusive`,
        columns: ['prediction', 'statement', 'where', 'measured', 'predicted sign', 'mean', 's.e.', 'seeds', 'verdict'],
        rows: [...predictionRows, ...context],
      },
    ];

    // Table 2: every setting at small n — accuracy, differences to the default and to scratch, convergence, pretraining.
    const all: { label: string; run: Run; fineTune: boolean }[] = [...settings().map((s) => ({ label: settingLabel(s), run: ftRun(p, s), fineTune: true })), { label: SCRATCH_LABEL, run: scRun(p), fineTune: false }];
    const rows2: (string | number)[][] = [];
    for (const task of TASKS) {
      for (const s of all) {
        const acc = small.map((n) => cell(s.run, task, n)).filter((c) => c !== undefined);
        const mean = acc.length ? acc.reduce((t, c) => t + c!.mean, 0) / acc.length : NaN;
        const vsDefault = pairedDifference(lookup, task, small, seeds, s.run, def);
        const vsScratch = pairedDifference(lookup, task, small, seeds, s.run, scRun(p));
        let runs = 0;
        let converged = 0;
        let iterations = 0;
        const pre: number[] = [];
        const early: number[] = [];
        for (const seed of seeds) {
          for (const n of p.ns) {
            const r = lookup(s.run(task, n, seed));
            if (!r || r.status !== 'done') continue;
            runs++;
            if (r.metrics.converged === 1) converged++;
            iterations += r.metrics.iterations ?? 0;
            if (r.metrics['pre.testAccuracy'] !== undefined) pre.push(r.metrics['pre.testAccuracy']);
            if (n <= SMALL_N && r.metrics['change.early'] !== undefined) early.push(r.metrics['change.early']);
          }
        }
        rows2.push([
          task.id,
          s.label,
          r4(mean),
          s.label === DEFAULT_LABEL ? '—' : `${r4(vsDefault.mean)} ± ${r4(vsDefault.stderr)}`,
          s.fineTune ? `${r4(vsScratch.mean)} ± ${r4(vsScratch.stderr)}` : '—',
          `${converged}/${runs}`,
          runs ? r4(iterations / runs) : 'n/a',
          pre.length ? r4(summarize(pre).mean) : '—',
          early.length ? r4(summarize(early).mean) : 'n/a',
        ]);
      }
    }
    tables.push({
      title: `Every setting at small n (${nText}): mean test accuracy, paired differences (± s.e.), convergence over all n, mean 8-class pretraining test accuracy, mean relative change of the early layers during fine-tuning`,
      columns: ['task', 'setting', `accuracy (${nText})`, 'Δ vs default', 'Δ vs scratch', 'converged runs', 'mean GD evaluations', 'pretraining test accuracy', '‖ΔW_early‖/‖W_early‖'],
      rows: rows2,
    });

    return {
      figure: this.id,
      title: this.title,
      description: describe(p, o),
      paper: PAPER,
      params: { ...p.base, ns: p.ns, heldOut: [...DEFAULT_HELD_OUT], tasks: TASKS, knobs: KNOBS, extras: EXTRAS, seeds: o.seeds, quick: o.quick },
      series,
      tables,
      plot: { xLabel: 'n (fine-tuning samples)', yLabel: 'test accuracy', xScale: 'log', columns: 2 },
      provenance: {},
    };
  },
};
