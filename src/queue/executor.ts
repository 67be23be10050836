/**
 * A JobExecutor that spreads jobs over machines through a BullMQ queue on Redis (`ftlab run|reproduce
 * --queue redis://…`). The coordinator enqueues each job under its content hash as the BullMQ job id,
 * so re-submitting a sweep never creates a second copy of a job, and collects results into the local
 * SQLite store (through the runner's onResult) as they finish.
 *
 * Results travel in the job's return value: they are a few dozen numbers per job, the coordinator alone
 * owns the SQLite file, workers need no shared file system, and completed jobs stay in Redis
 * (removeOnComplete: false) so a coordinator that was stopped collects on restart everything that
 * finished while it was away. Live progress comes from QueueEvents; a periodic sweep of job states
 * backs it up, so a missed event delays a result but never loses it.
 *
 * Faults: the first contact with Redis is bounded (`checkRedisReachable`); a job's state is read before
 * its result (BullMQ writes a result and the move to completed in one step, so a result read after seeing
 * "completed" is final); every result is checked (`checkQueueResult`) before it is stored, and a rejected
 * one is removed from Redis so the next run computes the job again; a job that is no longer in Redis at
 * all (a server restarted without persistence) is submitted again; a lost connection is reported in one
 * line and retried, and closing waits for inspections in flight, so no error escapes at close time.
 */
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Job as FtJob } from '../experiments/job.js';
import type { JobExecutor } from '../experiments/pool.js';
import type { JobResult } from '../experiments/execute.js';
import { DEFAULT_QUEUE_NAME, checkRedisReachable, describeRedisError, isConnectionError, parseRedisUrl } from './connection.js';
import { checkQueueResult } from './result.js';

/** What the coordinator knows about a queued sweep, reported after each sweep of job states. */
export interface QueueStatus {
  done: number;
  failed: number;
  running: number;
  waiting: number;
  /** Jobs finished per worker name (from BullMQ's processedBy). */
  perWorker: Record<string, number>;
  /** Results collected that had finished before this coordinator started. */
  collectedOnStart: number;
  /** Jobs submitted again because Redis no longer had them. */
  resubmitted: number;
}

/** Settings of a RedisQueueExecutor. */
export interface RedisQueueOptions {
  queueName?: string;
  /** Attempts per job before it is failed (a worker dying mid-job costs one). */
  attempts?: number;
  /** How often to sweep job states as a backstop to events (ms). */
  sweepMs?: number;
  /** How long the first contact with Redis may take before the run fails (ms). */
  connectTimeoutMs?: number;
  onStatus?: (s: QueueStatus) => void;
  /** One-line notices: lost jobs submitted again, connection trouble. */
  onNotice?: (line: string) => void;
}

type Settled = 'completed' | 'failed';
const isSettled = (state: string): state is Settled => state === 'completed' || state === 'failed';

/** Executes jobs on `ftlab worker`s through a BullMQ queue; see the module comment. */
export class RedisQueueExecutor implements JobExecutor {
  readonly concurrency = Number.POSITIVE_INFINITY;
  private readonly url: string;
  private readonly options: Required<Omit<RedisQueueOptions, 'onStatus' | 'onNotice' | 'connectTimeoutMs'>> & Pick<RedisQueueOptions, 'onStatus' | 'onNotice' | 'connectTimeoutMs'>;
  private connecting?: Promise<{ queue: Queue; events: QueueEvents }>;
  private queue?: Queue;
  private events?: QueueEvents;
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(url: string, options: RedisQueueOptions = {}) {
    parseRedisUrl(url); // a bad URL is a usage error before anything starts
    this.url = url;
    this.options = { ...options, queueName: options.queueName ?? DEFAULT_QUEUE_NAME, attempts: options.attempts ?? 3, sweepMs: options.sweepMs ?? 2000 };
  }

  private notice(line: string): void {
    if (!this.closed) this.options.onNotice?.(line);
  }

  /** Connect once (bounded), then open the queue and its event stream. */
  private connect(): Promise<{ queue: Queue; events: QueueEvents }> {
    this.connecting ??= (async () => {
      await checkRedisReachable(this.url, { timeoutMs: this.options.connectTimeoutMs });
      const connection = parseRedisUrl(this.url);
      const onError = (err: Error) => this.notice(`queue: Redis: ${describeRedisError(err)}; retrying`);
      this.queue = new Queue(this.options.queueName, { connection }).on('error', onError);
      this.events = new QueueEvents(this.options.queueName, { connection }).on('error', onError);
      await this.queue.waitUntilReady();
      await this.events.waitUntilReady();
      return { queue: this.queue, events: this.events };
    })();
    return this.connecting;
  }

  /** Run `work` as an inspection the executor waits for before closing. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  async execute(jobs: readonly FtJob[], onResult: (job: FtJob, result: JobResult) => void): Promise<void> {
    if (jobs.length === 0) return;
    const { queue, events } = await this.connect();
    const pending = new Map(jobs.map((j) => [j.hash, j]));
    const status: QueueStatus = { done: 0, failed: 0, running: 0, waiting: 0, perWorker: {}, collectedOnStart: 0, resubmitted: 0 };
    let settle: (() => void) | undefined;
    let fail: ((e: unknown) => void) | undefined;
    const finished = new Promise<void>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    finished.catch(() => undefined); // observed below; this only keeps an early failure from counting as unhandled

    const deliver = (hash: string, result: JobResult, worker?: string) => {
      const job = pending.get(hash);
      if (!job) return;
      pending.delete(hash);
      if (result.ok) status.done++;
      else status.failed++;
      if (worker) status.perWorker[worker] = (status.perWorker[worker] ?? 0) + 1;
      try {
        onResult(job, result);
      } catch (err) {
        fail?.(err);
        return;
      }
      if (pending.size === 0) settle?.();
    };

    /** Look at one job in Redis and deliver it if it has settled; returns its state ('unknown': not in Redis). */
    const inspect = async (hash: string): Promise<string> => {
      const state = await queue.getJobState(hash);
      if (!isSettled(state)) return state;
      const bj = await Job.fromId(queue, hash);
      if (!bj) return 'unknown'; // removed since its state was read
      if (!bj.finishedOn) return 'waiting'; // submitted again since its state was read: not settled after all
      const job = pending.get(hash);
      if (!job) return state;
      if (state === 'failed') {
        deliver(hash, { hash, ok: false, error: bj.failedReason || 'failed', wallMs: 0 }, bj.processedBy ?? undefined);
        return state;
      }
      const result = checkQueueResult(job, bj.returnvalue);
      // delivered first, so a sweep that meets the job gone while it is being removed does not take it for lost
      deliver(hash, result, bj.processedBy ?? undefined);
      // a rejected result must not be collected again: without it the next run submits the job anew
      if (!result.ok) await bj.remove().catch(() => undefined);
      return state;
    };

    const submit = async (list: readonly FtJob[]) => {
      for (let i = 0; i < list.length; i += 500) {
        await queue.addBulk(
          list.slice(i, i + 500).map((job) => ({
            name: job.type,
            data: { type: job.type, params: job.params, seed: job.seed, hash: job.hash },
            opts: { jobId: job.hash, attempts: this.options.attempts, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false },
          })),
        );
      }
    };

    const onEvent = ({ jobId }: { jobId: string }) => {
      if (this.closed || !pending.has(jobId)) return;
      this.track(inspect(jobId)).catch((e: unknown) => {
        if (isConnectionError(e)) this.notice(`queue: Redis: ${describeRedisError(e)}; retrying`);
        else fail?.(e);
      });
    };
    events.on('completed', onEvent);
    events.on('failed', onEvent);

    const refreshCounts = async () => {
      const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
      status.running = counts.active ?? 0;
      status.waiting = (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
    };

    const sweep = async () => {
      await refreshCounts();
      const lost: FtJob[] = [];
      for (const hash of [...pending.keys()]) {
        if (this.closed) return;
        const state = await this.track(inspect(hash));
        const job = pending.get(hash);
        if (state === 'unknown' && job) lost.push(job);
      }
      if (lost.length > 0) {
        await submit(lost);
        status.resubmitted += lost.length;
        this.notice(`queue: ${lost.length} job(s) were no longer in Redis (was the server restarted without persistence?); submitted again`);
      }
      this.options.onStatus?.({ ...status, perWorker: { ...status.perWorker } });
    };

    try {
      // Submit: collect what already finished, retry what failed before, add what is new.
      const toAdd: FtJob[] = [];
      for (const job of jobs) {
        const state = await queue.getJobState(job.hash);
        if (state === 'unknown') toAdd.push(job);
        else if (state === 'completed') {
          const before = pending.size;
          if ((await inspect(job.hash)) === 'unknown') toAdd.push(job);
          else if (pending.size < before) status.collectedOnStart++;
        } else if (state === 'failed') {
          // a re-submitted sweep retries its failed jobs; their previous error is in the store
          const bj = await Job.fromId(queue, job.hash);
          if (bj) await bj.retry('failed').catch((e: unknown) => (isConnectionError(e) ? Promise.reject(e) : undefined));
          else toAdd.push(job);
        }
        // waiting, active or delayed: already on its way
      }
      await submit(toAdd.filter((j) => pending.has(j.hash)));
      while (pending.size > 0) {
        try {
          await sweep();
        } catch (e) {
          if (!isConnectionError(e)) throw e;
          this.notice(`queue: Redis: ${describeRedisError(e)}; retrying`);
        }
        if (pending.size === 0) break;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([finished, new Promise<void>((r) => (timer = setTimeout(r, this.options.sweepMs)))]).finally(() => clearTimeout(timer));
      }
      await finished; // settled (or failed) by the last delivery
      await refreshCounts().catch(() => undefined);
      this.options.onStatus?.({ ...status, perWorker: { ...status.perWorker } });
    } finally {
      events.off('completed', onEvent);
      events.off('failed', onEvent);
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /** Retry every failed job in the queue; returns how many were retried. */
  async retryFailed(): Promise<number> {
    const { queue } = await this.connect();
    const failed = await queue.getFailed(0, -1);
    for (const j of failed) await j.retry('failed');
    return failed.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.connecting?.catch(() => undefined);
    await this.events?.close().catch(() => undefined);
    await this.queue?.close().catch(() => undefined);
  }
}
