/**
 * `ftlab worker`: processes ftlab jobs from a BullMQ queue. Jobs are CPU-bound, so they run in a
 * sandboxed processor on worker threads (useWorkerThreads): the main thread stays free to renew job
 * locks, and a job is never reported stalled merely because it computes for a long time. A worker that
 * is killed loses only its in-flight jobs; their locks expire after `lockMs` and another worker retries them.
 * The first contact with Redis is bounded (`checkRedisReachable`); later connection trouble and jobs that
 * vanished from Redis under the worker (a server restarted without persistence) are reported in one line each.
 * A worker refuses, unrun, a job whose memory estimate exceeds its own limit (`maxMemoryBytes`), whoever queued it.
 */
import { Worker } from 'bullmq';
import { hostname } from 'node:os';
import { DEFAULT_MAX_MEMORY_BYTES } from '../experiments/memory.js';
import { DEFAULT_QUEUE_NAME, checkRedisReachable, describeRedisError, isConnectionError, parseRedisUrl } from './connection.js';

/** Settings of `ftlab worker`. */
export interface QueueWorkerOptions {
  queueName?: string;
  concurrency?: number;
  name?: string;
  /** Job lock duration (ms): how long a dead worker's job waits before it is retried elsewhere. */
  lockMs?: number;
  /** How long the first contact with Redis may take before the worker gives up (ms). */
  connectTimeoutMs?: number;
  /** One-line notices about errors outside a job: connection trouble, jobs lost from Redis. */
  onNotice?: (line: string) => void;
  /**
   * The largest memory estimate (bytes, `JobType.estimateBytes`) of a job this worker accepts; a queued job over it
   * is failed unrun, naming its parameters (default 4 GiB, as for sweeps).
   */
  maxMemoryBytes?: number;
}

/** The environment variable that carries a worker's memory limit into its processor threads. */
export const WORKER_MAX_MEMORY_ENV = 'FTLAB_WORKER_MAX_MEMORY_BYTES';

function processorUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) throw new Error('ftlab worker runs from the built package (dist/); run `npm run build` first');
  return new URL('./processor.js', here);
}

/**
 * The line for BullMQ's "Missing key/lock for job …" and "Lock mismatch for job …" (the job vanished from
 * Redis under the worker, or was handed to another worker meanwhile), else undefined.
 */
export function lostJobNotice(err: Error): string | undefined {
  const m = /^(Missing key|Missing lock|Lock mismatch) for job (\S+?)\.? /.exec(err.message);
  if (!m) return undefined;
  if (m[1] === 'Missing key') return `job ${m[2]} is no longer in Redis (was the server restarted without persistence?); its result is dropped, and the coordinator submits the job again`;
  return `job ${m[2]} is no longer this worker's in Redis (its lock expired or the server restarted); its result is dropped, the job runs again elsewhere`;
}

/** One line for an error a BullMQ worker reports outside a job's own failure. */
export function describeWorkerError(err: Error): string {
  return lostJobNotice(err) ?? (isConnectionError(err) ? `Redis: ${describeRedisError(err)}; retrying` : `worker: ${err.message}`);
}

/** Connect (bounded), then start processing the queue. */
export async function startQueueWorker(url: string, options: QueueWorkerOptions = {}): Promise<Worker> {
  const connection = parseRedisUrl(url);
  await checkRedisReachable(url, { timeoutMs: options.connectTimeoutMs });
  const lockMs = options.lockMs ?? 30_000;
  const worker = new Worker(options.queueName ?? DEFAULT_QUEUE_NAME, processorUrl(), {
    connection,
    concurrency: options.concurrency ?? 1,
    useWorkerThreads: true,
    name: options.name ?? `${hostname()}:${process.pid}`,
    lockDuration: lockMs,
    stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
    maxStalledCount: 3,
    workerThreadsOptions: { env: { ...process.env, [WORKER_MAX_MEMORY_ENV]: String(options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES) } },
  });
  worker.on('error', (err) => options.onNotice?.(describeWorkerError(err)));
  return worker;
}
