/**
 * Every job type declares the metric names it reports (`metricNames`), and the coordinator rejects a result
 * from the queue whose names differ. These small runs keep the declarations true: for every job type and the
 * parameter branches that change its metrics, the metrics a real run reports are exactly the declared ones.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { JOB_TYPES } from '../src/experiments/jobTypes.js';
import { makeJob } from '../src/experiments/job.js';
import { executeJob } from '../src/experiments/execute.js';

const FASHION = resolve(__dirname, 'fixtures/fashion-mnist-mini');
const linearProblem = (d: number, n: number) => ({ d, n, covariance: { spectrum: { kind: 'isotropic' } }, teachers: { kind: 'scaled', alpha: 1, eps: 0.5 } });
const tinyMlp = { n: 4, hidden: 8, depth: 2, pool: 4, testPerClass: 3, pretrain: { perClass: 3, epochs: 3, batchSize: 8 }, fineTune: { maxSteps: 300 }, dataDir: FASHION };

/** Small valid parameters per job type, one entry per branch that changes the metric names. */
const CASES: Record<string, unknown[]> = {
  'linear-finetune': [
    { problem: linearProblem(8, 5) },
    { problem: linearProblem(8, 5), training: { solver: 'closed-form' }, procedures: ['scratch'] },
  ],
  'deep-linear-finetune': [
    { problem: linearProblem(4, 3), depth: 2 },
    { problem: linearProblem(4, 3), depth: 3, training: { method: 'closed-form', frozen: [1] } },
    { problem: linearProblem(4, 3), depth: 3, training: { method: 'flow', frozen: [2] } },
    { problem: linearProblem(4, 3), depth: 2, init: { kind: 'pretrained', scale: 0.1, tol: 1e-4 } },
    { problem: linearProblem(4, 3), depth: 'Infinity' },
  ],
  'relu-ntk-finetune': [{ d: 3, width: 10, nSource: 5, nTarget: 3, deltas: [0, 0.5], nTest: 10, maxIterations: 200 }],
  'tahir-relu-transfer': [
    { d: 3, width: 6, teacherWidth: 3, mus: [0, 0.34], ns: [4, 6], maxIterations: 50 },
    { d: 3, width: 6, teacherWidth: 3, ns: [4], scratch: true, maxIterations: 50 },
  ],
  'tahir-transfer': [
    { d: 4, n: 3, sigma: 0.1, thetas: [0, 1], lambdas: [0, 0.1], weightDecays: [0, 0.1] },
    { d: 4, n: 3, sigma: 0.1, thetas: [0.5], solver: 'flow', scratch: false, maxIterations: 200, tol: 1e-4 },
    { d: 4, n: 3, sigma: 0.1, thetas: [0.5], fineTune: false, scratch: false },
  ],
  'anguita-diagonal': [
    { d: 6, n: 4, cPT: 1, rhoPT: 0.5, rhoFT: 0.5, recordBeta: true },
    { d: 6, n: 4, cPT: 1, rhoPT: 0.5, rhoFT: 0.5, solver: 'gd', maxIterations: 100, compareImplicitBias: true, recordBeta: true, pretraining: { kind: 'samples', n: 5, method: 'gd' } },
    { stage: 'single-task', d: 6, n: 4, cPT: 1, rhoFT: 0.5, solver: 'flow', maxIterations: 100, recordBeta: true },
  ],
  'anguita-nonlinear': [tinyMlp, { ...tinyMlp, stage: 'scratch' }],
};

describe('declared metric names', () => {
  it('every job type declares its metric names, and a case exercises it', () => {
    for (const [name, jt] of Object.entries(JOB_TYPES)) {
      expect(typeof jt.metricNames, name).toBe('function');
      expect(CASES[name]?.length ?? 0, name).toBeGreaterThan(0);
    }
  });

  for (const [type, cases] of Object.entries(CASES)) {
    it(`${type}: a run reports exactly the declared metrics`, () => {
      cases.forEach((params, i) => {
        const job = makeJob({ type, params, seed: 1 });
        const result = executeJob(job);
        if (!result.ok) throw new Error(`${type} case ${i}: ${result.error}`);
        const declared = JOB_TYPES[type].metricNames!(job.params);
        expect([...declared].sort(), `${type} case ${i}`).toEqual(Object.keys(result.output.metrics).sort());
        expect(new Set(declared).size, `${type} case ${i}: no name declared twice`).toBe(declared.length);
      });
    });
  }
});
