/**
 * Runs a set of jobs against the results store: skips every job already stored as done, executes the
 * rest on an executor, and stores each result as it arrives (one transaction per job), so an
 * interrupted run resumes exactly where it stopped.
 */
import type { Job } from './job.js';
import type { JobExecutor } from './pool.js';
import type { Store } from '../store/store.js';

export interface RunProgress {
  total: number;
  /** Already stored before this run. */
  cached: number;
  done: number;
  failed: number;
  /** Jobs whose solver did not converge (stored, and flagged in figures). */
  notConverged: number;
}

export interface RunSummary extends RunProgress {
  wallMs: number;
  failures: { hash: string; error: string }[];
}

export async function runJobs(
  jobs: readonly Job[],
  store: Store,
  executor: JobExecutor,
  onProgress?: (p: RunProgress) => void,
): Promise<RunSummary> {
  const start = performance.now();
  const unique = new Map<string, Job>();
  for (const j of jobs) unique.set(j.hash, j);
  const all = [...unique.values()];
  const done = store.doneHashes(all.map((j) => j.hash));
  const missing = all.filter((j) => !done.has(j.hash));
  const progress: RunProgress = { total: all.length, cached: done.size, done: 0, failed: 0, notConverged: 0 };
  const failures: { hash: string; error: string }[] = [];
  onProgress?.({ ...progress });
  await executor.execute(missing, (job, result) => {
    if (result.ok) {
      store.recordSuccess(job, result.output, result.wallMs);
      progress.done++;
      if (!result.output.status.converged) progress.notConverged++;
    } else {
      store.recordFailure(job, result.error, result.wallMs);
      progress.failed++;
      failures.push({ hash: job.hash, error: result.error });
    }
    onProgress?.({ ...progress });
  });
  return { ...progress, wallMs: performance.now() - start, failures };
}
