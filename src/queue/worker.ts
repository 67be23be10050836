/**
 * `ftlab worker`: processes ftlab jobs from a BullMQ queue. Jobs are CPU-bound, so they run in a
 * sandboxed processor on worker threads (useWorkerThreads): the main thread stays free to renew job
 * locks, and a job is never reported stalled merely because it computes for a long time. A worker that
 * is killed loses only its in-flight jobs; their locks expire after `lockMs` and another worker retries them.
 */
import { Worker } from 'bullmq';
import { hostname } from 'node:os';
import { DEFAULT_QUEUE_NAME, parseRedisUrl } from './connection.js';

export interface QueueWorkerOptions {
  queueName?: string;
  concurrency?: number;
  name?: string;
  /** Job lock duration (ms): how long a dead worker's job waits before it is retried elsewhere. */
  lockMs?: number;
}

function processorUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) throw new Error('ftlab worker runs from the built package (dist/); run `npm run build` first');
  return new URL('./processor.js', here);
}

export function startQueueWorker(url: string, options: QueueWorkerOptions = {}): Worker {
  const connection = parseRedisUrl(url);
  const lockMs = options.lockMs ?? 30_000;
  return new Worker(options.queueName ?? DEFAULT_QUEUE_NAME, processorUrl(), {
    connection,
    concurrency: options.concurrency ?? 1,
    useWorkerThreads: true,
    name: options.name ?? `${hostname()}:${process.pid}`,
    lockDuration: lockMs,
    stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
    maxStalledCount: 3,
  });
}
