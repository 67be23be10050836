/**
 * Runs a view's simulation jobs (src/explorer/views.ts) one by one with the same job types the CLI's workers run
 * (validated parameters, seeded, deterministic), reporting progress after each job and stopping between jobs when
 * asked to. Used by the explorer's Web Worker; pure, so the tests run it in Node too. The page gets only the job
 * types its views use (not the whole registry of src/experiments/jobTypes.ts, some of which read files from disk).
 */
import type { JobOutput, JobType } from '../experiments/jobTypes.js';
import { linearFineTuneJob } from '../experiments/jobs/linearFineTune.js';
import { tahirTransferJob } from '../experiments/jobs/tahirTransfer.js';
import { anguitaDiagonalJob } from '../experiments/jobs/anguitaDiagonal.js';
import { parseParams } from '../validation.js';
import type { SimulationJob, SimulationResult } from './views.js';

/** The job types the explorer's views run in the browser. */
export const EXPLORER_JOB_TYPES: Readonly<Record<string, JobType>> = {
  [linearFineTuneJob.name]: linearFineTuneJob as unknown as JobType,
  [tahirTransferJob.name]: tahirTransferJob as unknown as JobType,
  [anguitaDiagonalJob.name]: anguitaDiagonalJob as unknown as JobType,
};

function explorerJobType(name: string): JobType {
  const t = Object.hasOwn(EXPLORER_JOB_TYPES, name) ? EXPLORER_JOB_TYPES[name] : undefined;
  if (!t) throw new RangeError(`job: the explorer does not run job type "${name}"; it runs ${Object.keys(EXPLORER_JOB_TYPES).join(', ')}`);
  return t;
}

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
    const type = explorerJobType(job.type);
    const params = parseParams(type.schema, job.params, `${job.type} job`);
    const output: JobOutput = type.run(params, job.seed);
    if (!output.status.converged) notConverged++;
    const result = { job, output };
    results.push(result);
    onProgress({ done: results.length, total: jobs.length, notConverged }, result);
  }
  return { results, cancelled: false };
}
