/**
 * Runs a view's simulation jobs (src/explorer/views.ts) one by one through the job registry, exactly as the CLI's
 * workers do (validated parameters, seeded, deterministic), reporting progress after each job and stopping between
 * jobs when asked to. Used by the explorer's Web Worker; pure, so the tests run it in Node too.
 */
import { getJobType, type JobOutput } from '../experiments/jobTypes.js';
import { parseParams } from '../validation.js';
import type { SimulationJob, SimulationResult } from './views.js';

export interface SimulationProgress {
  done: number;
  total: number;
  /** Jobs whose solver did not report convergence so far. */
  notConverged: number;
}

export async function runSimulationJobs(
  jobs: readonly SimulationJob[],
  onProgress: (p: SimulationProgress, latest: SimulationResult) => void,
  cancelled: () => boolean,
  /** Yields between jobs so that a cancel message can arrive (a Web Worker's event loop). */
  yieldControl: () => Promise<void> = () => new Promise((r) => setTimeout(r, 0)),
): Promise<{ results: SimulationResult[]; cancelled: boolean }> {
  const results: SimulationResult[] = [];
  let notConverged = 0;
  for (const job of jobs) {
    await yieldControl();
    if (cancelled()) return { results, cancelled: true };
    const type = getJobType(job.type);
    const params = parseParams(type.schema, job.params, `${job.type} job`);
    const output: JobOutput = type.run(params, job.seed);
    if (!output.status.converged) notConverged++;
    const result = { job, output };
    results.push(result);
    onProgress({ done: results.length, total: jobs.length, notConverged }, result);
  }
  return { results, cancelled: false };
}
