/**
 * Executors run jobs and stream their results back. The engine talks only to the `JobExecutor`
 * interface, so a multi-machine queue can replace the in-process pool without touching the science.
 *  - `ThreadPoolExecutor`: a worker_threads pool (default one worker per core), jobs handed out one at
 *    a time as workers free up; a worker that dies takes only its current job with it (recorded as a
 *    failure) and is replaced.
 *  - `InlineExecutor`: runs jobs on the calling thread (workers = 0), for debugging and small runs.
 * Both dispatch one job at a time and ask `ExecuteOptions.claim` just before each, so the runner can
 * stop a run (claim nothing more) or leave a job to another process without handing out a fixed list.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { Job } from './job.js';
import { executeJob, type JobResult } from './execute.js';

/** How the caller steers one `execute` call. */
export interface ExecuteOptions {
  /**
   * Asked just before a job is dispatched: false skips it (it is not run and gets no result). Only
   * executors with `claimsBeforeDispatch` ask; the others run every job they are given.
   */
  claim?: (job: Job) => boolean;
}

export interface JobExecutor {
  readonly concurrency: number;
  /**
   * True when `execute` dispatches jobs one at a time and asks `options.claim` before each; otherwise it
   * submits the whole list at once (a queue), and the caller must hand it only jobs it may run.
   */
  readonly claimsBeforeDispatch?: boolean;
  /** Run the jobs, calling onResult as each finishes (in completion order). */
  execute(jobs: readonly Job[], onResult: (job: Job, result: JobResult) => void, options?: ExecuteOptions): Promise<void>;
  close(): Promise<void>;
}

export class InlineExecutor implements JobExecutor {
  readonly concurrency = 1;
  readonly claimsBeforeDispatch = true;
  async execute(jobs: readonly Job[], onResult: (job: Job, result: JobResult) => void, options: ExecuteOptions = {}): Promise<void> {
    for (const job of jobs) {
      if (options.claim && !options.claim(job)) continue;
      onResult(job, executeJob(job));
      await new Promise((r) => setImmediate(r)); // let progress output and signals through
    }
  }
  async close(): Promise<void> {}
}

/**
 * A worker thread running the module `name` (without extension) next to `base` (the caller's `import.meta.url`):
 * its `.js` build, or, when running from TypeScript sources (the test suite), the `.ts` file through tsx's loader.
 */
export function startModuleWorker(base: string, name: string): Worker {
  if (base.endsWith('.ts')) {
    const entry = new URL(`./${name}.ts`, base).href;
    const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(bootstrap, { eval: true });
  }
  return new Worker(new URL(`./${name}.js`, base));
}

function startWorker(): Worker {
  return startModuleWorker(import.meta.url, 'worker');
}

export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism());
}

export class ThreadPoolExecutor implements JobExecutor {
  readonly concurrency: number;
  readonly claimsBeforeDispatch = true;
  private readonly workers = new Set<Worker>();

  constructor(workers = defaultWorkerCount()) {
    if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new RangeError(`workers: expected an integer in [1, 256], got ${workers}`);
    this.concurrency = workers;
  }

  private spawn(): Worker {
    const w = startWorker();
    this.workers.add(w);
    return w;
  }

  execute(jobs: readonly Job[], onResult: (job: Job, result: JobResult) => void, options: ExecuteOptions = {}): Promise<void> {
    if (jobs.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let next = 0;
      let running = 0;
      let failedHard = false;
      /** The next job the caller lets run, or undefined when none is left. */
      const take = (): Job | undefined => {
        while (next < jobs.length) {
          const job = jobs[next++];
          if (!options.claim || options.claim(job)) return job;
        }
        return undefined;
      };
      const settleOne = () => {
        running--;
        if (running === 0 && next >= jobs.length) resolve();
      };
      /** Hand the next job to a worker (`idle`, or a new one); retire `idle` when no job is left. */
      const feed = (idle?: Worker) => {
        let taken: Job | undefined;
        try {
          taken = take();
        } catch (err) {
          failedHard = true;
          reject(err);
          return;
        }
        if (taken === undefined) {
          if (idle) {
            this.workers.delete(idle);
            void idle.terminate();
          }
          if (running === 0) resolve();
          return;
        }
        const w = idle ?? this.spawn();
        const job = taken;
        running++;
        let settled = false;
        const started = performance.now();
        const onMessage = (result: JobResult) => {
          settled = true;
          cleanup();
          try {
            onResult(job, result);
          } catch (err) {
            failedHard = true;
            reject(err);
            return;
          }
          if (!failedHard) feed(w);
          settleOne();
        };
        const onDeath = (err: unknown) => {
          if (settled) return;
          settled = true;
          cleanup();
          this.workers.delete(w);
          const message = err instanceof Error ? err.message : `worker exited with code ${String(err)}`;
          try {
            onResult(job, { hash: job.hash, ok: false, error: `worker died: ${message}`, wallMs: performance.now() - started });
          } catch (e) {
            failedHard = true;
            reject(e);
            return;
          }
          if (!failedHard) feed();
          settleOne();
        };
        const onExit = (code: number) => onDeath(code);
        const cleanup = () => {
          w.off('message', onMessage);
          w.off('error', onDeath);
          w.off('exit', onExit);
        };
        w.on('message', onMessage);
        w.on('error', onDeath);
        w.on('exit', onExit);
        w.postMessage(job);
      };
      const n = Math.min(this.concurrency, jobs.length);
      for (let i = 0; i < n && next < jobs.length && !failedHard; i++) feed();
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.terminate()));
    this.workers.clear();
  }
}

/** How long the executor of an interrupted run is given to close. */
const INTERRUPTED_CLOSE_MS = 3000;

/**
 * Close an executor. After an interruption wait at most a few seconds: an interrupted run must not
 * hang on a queue connection that cannot close (the process exits right after).
 */
export async function closeExecutor(executor: JobExecutor, interrupted = false): Promise<void> {
  const closing = executor.close();
  if (!interrupted) return closing;
  closing.catch(() => {}); // past the bound nobody waits for it
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, INTERRUPTED_CLOSE_MS);
    timer.unref();
  });
  try {
    await Promise.race([closing, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** workers = 0 → inline; otherwise a thread pool of that size (default: one per core). */
export function createExecutor(workers?: number): JobExecutor {
  if (workers === 0) return new InlineExecutor();
  return new ThreadPoolExecutor(workers ?? defaultWorkerCount());
}
