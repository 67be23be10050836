/**
 * The BullMQ sandboxed processor (runs in a worker thread of `ftlab worker`). It executes only ftlab's
 * own job types: the message is parsed by a strict schema, the job type must be registered, its
 * parameters are validated by that type's schema and its content hash recomputed (`executeJob`). Nothing
 * in a message is ever executed as code or as a command. A job whose memory estimate is over the worker's limit
 * (`ftlab worker --max-memory`) is refused before it runs. A malformed or failing job is failed without
 * retry (its error kept in Redis); a worker that dies mid-job leaves the job to be retried elsewhere.
 */
import { z } from 'zod';
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import { executeJob, type JobResult } from '../experiments/execute.js';
import { parseParams } from '../validation.js';
import { makeJob } from '../experiments/job.js';
import { getJobType } from '../experiments/jobTypes.js';
import { DEFAULT_MAX_MEMORY_BYTES, jobMemoryProblem } from '../experiments/memory.js';
import { WORKER_MAX_MEMORY_ENV } from './worker.js';

/** The worker's memory limit, as its parent set it for this thread. */
function workerMemoryLimit(): number {
  const v = Number(globalThis.process.env[WORKER_MAX_MEMORY_ENV]);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_MAX_MEMORY_BYTES;
}

export const queueMessageSchema = z
  .object({
    type: z.string().max(64),
    params: z.unknown(),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    hash: z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a 64-character hex content hash' }),
  })
  .strict();

export default async function process(job: SandboxedJob): Promise<JobResult> {
  let message: z.output<typeof queueMessageSchema>;
  try {
    message = parseParams(queueMessageSchema, job.data, `queue job ${job.id}`);
  } catch (err) {
    throw new UnrecoverableError(`malformed job: ${(err as Error).message}`);
  }
  if (message.hash !== job.id) throw new UnrecoverableError(`malformed job: id ${job.id} is not the content hash ${message.hash}`);
  let tooLarge: string | null;
  try {
    const checked = makeJob(message);
    tooLarge = jobMemoryProblem(getJobType(checked.type), checked.params, workerMemoryLimit(), '--max-memory on ftlab worker');
  } catch (err) {
    throw new UnrecoverableError((err as Error).message);
  }
  if (tooLarge) throw new UnrecoverableError(`refused: ${tooLarge}`);
  const result = executeJob(message);
  if (!result.ok) throw new UnrecoverableError(result.error);
  return result;
}
