/**
 * Runs a set of jobs against the results store: skips every job already stored as done, executes the
 * rest on an executor, and stores each result as it arrives (one transaction per job), so an
 * interrupted run resumes exactly where it stopped.
 *
 * Several processes may run on one store at once: before a job is dispatched the runner claims its
 * lease in the store (see `Store.claimLeases`), renews its leases while it runs and releases them as
 * results are stored. A job leased by another live process is not run here: the runner waits for it to
 * appear in the store (counted in `byOthers`), and runs it itself if that lease expires or its owner is
 * a process of this machine that no longer exists (killed or crashed).
 * An `AbortSignal` stops the run: nothing more is dispatched, the jobs already running are still stored
 * (on executors that dispatch one job at a time), and the summary says `interrupted`.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Job } from './job.js';
import type { JobExecutor } from './pool.js';
import type { JobResult } from './execute.js';
import type { Store } from '../store/store.js';

export interface RunProgress {
  total: number;
  /** Already stored before this run. */
  cached: number;
  done: number;
  failed: number;
  /** Jobs whose solver did not converge (stored, and flagged in figures). */
  notConverged: number;
  /** Jobs another process sharing the store computed while this run waited for them. */
  byOthers: number;
}

export interface RunSummary extends RunProgress {
  wallMs: number;
  failures: { hash: string; error: string }[];
  /** The run was stopped by its AbortSignal before every job was stored. */
  interrupted: boolean;
}

/** How a run shares its store with other processes and how it can be stopped. */
export interface RunOptions {
  /** Aborting stops dispatching; results of jobs already running are still stored. */
  signal?: AbortSignal;
  /** This process's name in the lease table (default host:pid:random). */
  owner?: string;
  /** How long a lease lasts without renewal (ms, default 30 s). */
  leaseMs?: number;
  /** How often held leases are renewed (ms, default 10 s). */
  renewMs?: number;
  /** How often the store is checked for jobs another process holds (ms, default 250). */
  pollMs?: number;
}

/**
 * Thrown by work that cannot go on from a partial set of results (a figure) when its run was
 * interrupted; it carries the run's summary and the store the finished jobs are in.
 */
export class RunInterrupted extends Error {
  constructor(
    readonly summary: RunSummary,
    readonly storePath: string,
  ) {
    super(`interrupted: ${summary.cached + summary.done + summary.byOthers} of ${summary.total} jobs stored in ${storePath}`);
    this.name = 'RunInterrupted';
  }
}

/** The lease owner name of this process: host:pid:random (the random part tells runs of one process apart). */
function ownerName(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** True when a lease owner is a process of this machine that has exited. */
function ownerIsGone(owner: string): boolean {
  const parts = owner.split(':');
  if (parts.length < 3) return false;
  const pid = Number(parts[parts.length - 2]);
  if (parts.slice(0, -2).join(':') !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Resolves after `ms`, or at once when the signal aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves when the signal aborts (never without one); `cancel` drops the listener. */
function whenAborted(signal?: AbortSignal): { aborted: Promise<void>; cancel: () => void } {
  let cancel = () => {};
  const aborted = new Promise<void>((resolve) => {
    if (!signal) return;
    if (signal.aborted) return resolve();
    const onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    cancel = () => signal.removeEventListener('abort', onAbort);
  });
  return { aborted, cancel };
}

/**
 * Run every job not yet stored as done, sharing the store's jobs with other processes through leases,
 * and store each result as it arrives; returns the counts (and `interrupted` when the signal stopped it).
 */
export async function runJobs(
  jobs: readonly Job[],
  store: Store,
  executor: JobExecutor,
  onProgress?: (p: RunProgress) => void,
  options: RunOptions = {},
): Promise<RunSummary> {
  const start = performance.now();
  const { signal } = options;
  const owner = options.owner ?? ownerName();
  const leaseMs = options.leaseMs ?? 30_000;
  const unique = new Map<string, Job>();
  for (const j of jobs) unique.set(j.hash, j);
  const all = [...unique.values()];
  const done = store.doneHashes(all.map((j) => j.hash));
  const missing = all.filter((j) => !done.has(j.hash));
  const progress: RunProgress = { total: all.length, cached: done.size, done: 0, failed: 0, notConverged: 0, byOthers: 0 };
  const failures: { hash: string; error: string }[] = [];
  onProgress?.({ ...progress });

  /** Jobs another live process holds: waited for, and taken over if their lease expires. */
  const elsewhere = new Set<string>();
  let finished = false;
  const onResult = (job: Job, result: JobResult) => {
    if (finished) return; // a queue may deliver after an interrupted run has returned
    if (result.ok) {
      store.recordSuccess(job, result.output, result.wallMs);
      progress.done++;
      if (!result.output.status.converged) progress.notConverged++;
    } else {
      store.recordFailure(job, result.error, result.wallMs);
      progress.failed++;
      failures.push({ hash: job.hash, error: result.error });
    }
    store.releaseLeases(owner, [job.hash]);
    onProgress?.({ ...progress });
  };
  /** Sort claims: ours to run, another's to wait for, or already stored by another process. */
  const claim = (batch: readonly Job[]): Job[] => {
    const claims = store.claimLeases(batch.map((j) => j.hash), owner, leaseMs);
    for (const h of claims.leased) elsewhere.add(h);
    for (const h of [...claims.claimed, ...claims.done]) elsewhere.delete(h);
    if (claims.done.length > 0) {
      progress.byOthers += claims.done.length;
      onProgress?.({ ...progress });
    }
    const mine = new Set(claims.claimed);
    return batch.filter((j) => mine.has(j.hash));
  };
  const execute = async (batch: readonly Job[]): Promise<void> => {
    if (batch.length === 0) return;
    if (executor.claimsBeforeDispatch) {
      // one job at a time: claim each as a worker asks for it, so processes split the sweep
      await executor.execute(batch, onResult, { claim: (job) => !signal?.aborted && claim([job]).length === 1 });
      return;
    }
    // the executor submits everything at once: claim it all, and stop waiting when aborted
    const mine = claim(batch);
    if (mine.length === 0 || signal?.aborted) return;
    const stop = whenAborted(signal);
    const running = executor.execute(mine, onResult);
    running.catch(() => {}); // once aborted, a later failure has no one to report to
    try {
      await Promise.race([running, stop.aborted]);
    } finally {
      stop.cancel();
    }
  };

  const renewal = setInterval(() => store.renewLeases(owner, leaseMs), options.renewMs ?? 10_000);
  renewal.unref();
  try {
    await execute(missing);
    while (elsewhere.size > 0 && !signal?.aborted) {
      await pause(options.pollMs ?? 250, signal);
      if (signal?.aborted) break;
      const waiting = missing.filter((j) => elsewhere.has(j.hash));
      for (const other of store.leaseOwners(waiting.map((j) => j.hash))) {
        if (other !== owner && ownerIsGone(other)) store.releaseLeases(other);
      }
      await execute(waiting); // runs those whose lease is free now; counts those stored meanwhile
    }
  } finally {
    finished = true;
    clearInterval(renewal);
    store.releaseLeases(owner);
  }
  const stored = progress.cached + progress.done + progress.failed + progress.byOthers;
  return { ...progress, wallMs: performance.now() - start, failures, interrupted: (signal?.aborted ?? false) && stored < progress.total };
}
