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
 */
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Job as FtJob } from '../experiments/job.js';
import type { JobExecutor } from '../experiments/pool.js';
import type { JobResult } from '../experiments/execute.js';
import { DEFAULT_QUEUE_NAME, parseRedisUrl } from './connection.js';

export interface QueueStatus {
  done: number;
  failed: number;
  running: number;
  waiting: number;
  /** Jobs finished per worker name (from BullMQ's processedBy). */
  perWorker: Record<string, number>;
  /** Results collected that had finished before this coordinator started. */
  collectedOnStart: number;
}

export interface RedisQueueOptions {
  queueName?: string;
  /** Attempts per job before it is failed (a worker dying mid-job costs one). */
  attempts?: number;
  /** How often to sweep job states as a backstop to events (ms). */
  sweepMs?: number;
  onStatus?: (s: QueueStatus) => void;
}

export class RedisQueueExecutor implements JobExecutor {
  readonly concurrency = Number.POSITIVE_INFINITY;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly options: Required<Omit<RedisQueueOptions, 'onStatus'>> & Pick<RedisQueueOptions, 'onStatus'>;

  constructor(url: string, options: RedisQueueOptions = {}) {
    const connection = parseRedisUrl(url);
    this.options = { queueName: options.queueName ?? DEFAULT_QUEUE_NAME, attempts: options.attempts ?? 3, sweepMs: options.sweepMs ?? 2000, onStatus: options.onStatus };
    this.queue = new Queue(this.options.queueName, { connection });
    this.events = new QueueEvents(this.options.queueName, { connection });
  }

  async execute(jobs: readonly FtJob[], onResult: (job: FtJob, result: JobResult) => void): Promise<void> {
    if (jobs.length === 0) return;
    await this.events.waitUntilReady();
    const pending = new Map(jobs.map((j) => [j.hash, j]));
    const status: QueueStatus = { done: 0, failed: 0, running: 0, waiting: 0, perWorker: {}, collectedOnStart: 0 };
    let settle: (() => void) | undefined;
    let fail: ((e: unknown) => void) | undefined;
    const finished = new Promise<void>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });

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

    /** Look at one job in Redis and deliver it if it has settled. */
    const inspect = async (hash: string): Promise<string | undefined> => {
      const bj = await Job.fromId(this.queue, hash);
      if (!bj) return undefined;
      const state = await bj.getState();
      if (state === 'completed') {
        deliver(hash, bj.returnvalue as JobResult, bj.processedBy ?? undefined);
      } else if (state === 'failed') {
        deliver(hash, { hash, ok: false, error: bj.failedReason ?? 'failed', wallMs: 0 }, bj.processedBy ?? undefined);
      }
      return state;
    };

    this.events.on('completed', ({ jobId }) => {
      if (pending.has(jobId)) void inspect(jobId).catch((e) => fail?.(e));
    });
    this.events.on('failed', ({ jobId }) => {
      if (pending.has(jobId)) void inspect(jobId).catch((e) => fail?.(e));
    });

    // Submit: collect what already finished, retry what failed before, add what is new.
    const toAdd: FtJob[] = [];
    for (const job of jobs) {
      const bj = await Job.fromId(this.queue, job.hash);
      if (!bj) {
        toAdd.push(job);
        continue;
      }
      const state = await bj.getState();
      if (state === 'completed') {
        status.collectedOnStart++;
        deliver(job.hash, bj.returnvalue as JobResult, bj.processedBy ?? undefined);
      } else if (state === 'failed') {
        // a re-submitted sweep retries its failed jobs; their previous error is in the store
        await bj.retry('failed');
      }
      // waiting, active or delayed: already on its way
    }
    for (let i = 0; i < toAdd.length; i += 500) {
      await this.queue.addBulk(
        toAdd.slice(i, i + 500).map((job) => ({
          name: job.type,
          data: { type: job.type, params: job.params, seed: job.seed, hash: job.hash },
          opts: { jobId: job.hash, attempts: this.options.attempts, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false },
        })),
      );
    }
    if (pending.size === 0) {
      this.options.onStatus?.({ ...status, perWorker: { ...status.perWorker } });
      return;
    }

    const sweep = async () => {
      const counts = await this.queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
      status.running = counts.active ?? 0;
      status.waiting = (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
      for (const hash of [...pending.keys()]) await inspect(hash);
      this.options.onStatus?.({ ...status, perWorker: { ...status.perWorker } });
    };
    const timer = setInterval(() => void sweep().catch((e) => fail?.(e)), this.options.sweepMs);
    try {
      await sweep();
      if (pending.size > 0) await finished;
    } finally {
      clearInterval(timer);
    }
  }

  /** Retry every failed job in the queue; returns how many were retried. */
  async retryFailed(): Promise<number> {
    const failed = await this.queue.getFailed(0, -1);
    for (const j of failed) await j.retry('failed');
    return failed.length;
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
  }
}
