/**
 * Execute one job: re-validate it (a job message is untrusted input: its parameters are parsed by the
 * job type's schema again and its hash recomputed), run the job type, and check every metric is a
 * finite number — a NaN or infinity is reported as a failure, never stored.
 */
import { makeJob, type Job } from './job.js';
import { getJobType, type JobOutput } from './jobTypes.js';

export type JobResult =
  | { hash: string; ok: true; output: JobOutput; wallMs: number }
  | { hash: string; ok: false; error: string; wallMs: number };

export function executeJob(job: Pick<Job, 'hash' | 'type' | 'params' | 'seed'>): JobResult {
  const start = performance.now();
  try {
    const checked = makeJob({ type: job.type, params: job.params, seed: job.seed });
    if (checked.hash !== job.hash) throw new Error(`job ${job.hash}: content hash mismatch (recomputed ${checked.hash})`);
    const output = getJobType(checked.type).run(checked.params, checked.seed);
    for (const [name, value] of Object.entries(output.metrics)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`metric ${name} is ${String(value)} (not finite)`);
    }
    for (const [name, value] of Object.entries(output.status)) {
      if (typeof value === 'number' && Number.isNaN(value)) throw new Error(`status.${name} is NaN`);
    }
    return { hash: job.hash, ok: true, output, wallMs: performance.now() - start };
  } catch (err) {
    return { hash: job.hash, ok: false, error: err instanceof Error ? err.message : String(err), wallMs: performance.now() - start };
  }
}
