/**
 * The registry of job types the engine can run. A job type is pure: its output depends only on its
 * validated parameters and its seed, so a job's content hash identifies its result and results are
 * bit-identical whichever worker runs it. Bump `version` whenever a job type's science changes.
 */
import type { z } from 'zod';
import type { MemoryTerm } from './memory.js';
import { linearFineTuneJob } from './jobs/linearFineTune.js';
import { deepLinearFineTuneJob } from './jobs/deepLinearFineTune.js';
import { reluNtkFineTuneJob } from './jobs/reluNtkFineTune.js';
import { tahirReluTransferJob } from './jobs/tahirReluTransfer.js';
import { tahirTransferJob } from './jobs/tahirTransfer.js';
import { anguitaDiagonalJob } from './jobs/anguitaDiagonal.js';
import { anguitaNonlinearJob } from './jobs/anguitaNonlinear.js';

export interface JobStatus {
  converged: boolean;
  iterations: number;
  residual: number;
}

export interface JobOutput {
  /** Named scalar results; all finite (the runner rejects anything else). */
  metrics: Record<string, number>;
  status: JobStatus;
}

export interface JobType<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly version: number;
  readonly description: string;
  readonly schema: S;
  run(params: z.output<S>, seed: number): JobOutput;
  /** The large arrays one run allocates, from its validated parameters (the sweep memory guard, memory.ts). */
  estimateBytes?(params: z.output<S>): MemoryTerm[];
  /**
   * The names of the metrics `run` reports for these parameters, exactly (results that come back through
   * the queue are checked against them).
   */
  metricNames?(params: z.output<S>): readonly string[];
}

export const JOB_TYPES: Record<string, JobType> = {
  [linearFineTuneJob.name]: linearFineTuneJob as unknown as JobType,
  [deepLinearFineTuneJob.name]: deepLinearFineTuneJob as unknown as JobType,
  [reluNtkFineTuneJob.name]: reluNtkFineTuneJob as unknown as JobType,
  [tahirReluTransferJob.name]: tahirReluTransferJob as unknown as JobType,
  [tahirTransferJob.name]: tahirTransferJob as unknown as JobType,
  [anguitaDiagonalJob.name]: anguitaDiagonalJob as unknown as JobType,
  [anguitaNonlinearJob.name]: anguitaNonlinearJob as unknown as JobType,
};

/** The registered job type called `name` (own entries only: "constructor" or "__proto__" are unknown names). */
export function getJobType(name: string): JobType {
  const jt = Object.hasOwn(JOB_TYPES, name) ? JOB_TYPES[name] : undefined;
  if (!jt) throw new RangeError(`job: unknown job type "${name}"; allowed: ${Object.keys(JOB_TYPES).join(', ')}`);
  return jt;
}
