/**
 * Job "linear-finetune": one Monte-Carlo replicate of fine-tuning linear regression (Shachaf et al.
 * §3). Draws the replicate's data for the problem instance, trains from θ_S (fineTune) and/or from 0
 * (scratch) to convergence, and reports each predictor's exact population risk
 * ‖Σ^{1/2}(w − θ_T)‖², its training residual and iteration count; with the GD solver it also reports
 * the relative distance to the closed-form limit.
 */
import { z } from 'zod';
import { linearInstance, linearProblemSchema, linearProblemTerms, sampleLinearData } from '../../tasks/linearTeachers.js';
import { fineTune, linearTrainingSchema, scratch, type TrainedLinear } from '../../training/linear.js';
import { exactRisk, fineTunedSolution, scratchSolution } from '../../theory/shachaf/linear.js';
import { relativeMaxDiff } from '../../numeric/matrix.js';
import type { JobOutput, JobType } from '../jobTypes.js';

export const linearFineTuneParams = z
  .object({
    problem: linearProblemSchema,
    training: linearTrainingSchema.default({ solver: 'gd', tol: 1e-10, maxIterations: 2_000_000 }),
    procedures: z
      .array(z.enum(['fineTune', 'scratch']))
      .min(1, { error: 'expected a non-empty subset of ["fineTune", "scratch"]' })
      .default(['fineTune', 'scratch']),
  })
  .strict();

export type LinearFineTuneParams = z.output<typeof linearFineTuneParams>;

export const linearFineTuneJob: JobType<typeof linearFineTuneParams> = {
  name: 'linear-finetune',
  version: 1,
  description: 'Fine-tuning (from θ_S) and scratch (from 0) linear regression on one seeded dataset; exact population risks.',
  schema: linearFineTuneParams,
  estimateBytes: (params: LinearFineTuneParams) => linearProblemTerms(params.problem, 'problem'),
  run(params: LinearFineTuneParams, seed: number): JobOutput {
    const { problem, training } = params;
    const inst = linearInstance(problem);
    const data = sampleLinearData(inst, problem.n, problem.noise, seed);
    const metrics: Record<string, number> = {};
    let converged = true;
    let iterations = 0;
    let residual = 0;
    const record = (name: string, trained: TrainedLinear, limit: () => Float64Array) => {
      metrics[`${name}.risk`] = exactRisk(inst.cov, trained.w, inst.thetaT);
      metrics[`${name}.iterations`] = trained.iterations;
      metrics[`${name}.trainRmse`] = trained.residual;
      metrics[`${name}.converged`] = trained.converged ? 1 : 0;
      if (training.solver === 'gd') metrics[`${name}.distanceToClosedForm`] = relativeMaxDiff(trained.w, limit());
      converged &&= trained.converged;
      iterations = Math.max(iterations, trained.iterations);
      residual = Math.max(residual, trained.residual);
    };
    for (const procedure of params.procedures) {
      if (procedure === 'fineTune') {
        record('fineTune', fineTune(data.x, data.y, inst.thetaS, training), () => fineTunedSolution(data.x, data.y, inst.thetaS));
      } else {
        record('scratch', scratch(data.x, data.y, training), () => scratchSolution(data.x, data.y));
      }
    }
    return { metrics, status: { converged, iterations, residual } };
  },
  metricNames(params: LinearFineTuneParams): string[] {
    const fields = ['risk', 'iterations', 'trainRmse', 'converged', ...(params.training.solver === 'gd' ? ['distanceToClosedForm'] : [])];
    return [...new Set(params.procedures)].flatMap((procedure) => fields.map((f) => `${procedure}.${f}`));
  },
};
