/**
 * The coordinator's check of a result that came back through the queue, before it is stored. Anything on
 * the queue can answer a job (an old or foreign consumer, a replayed answer), so a result is accepted only
 * if it has the shape of a JobResult, carries the job's own content hash, and reports exactly the metrics
 * the job type declares for the job's parameters, each a finite number (any finite value: −1e308 is
 * accepted, a string, null or a missing value is not). Anything else becomes a failed result whose error
 * says what was wrong.
 */
import { z } from 'zod';
import type { Job } from '../experiments/job.js';
import type { JobResult } from '../experiments/execute.js';
import { getJobType } from '../experiments/jobTypes.js';
import { parseParams, showValue } from '../validation.js';

const statusSchema = z
  .object({
    converged: z.boolean(),
    iterations: z.number().min(0),
    residual: z.number(),
  })
  .strict();

/** A JobResult as it travels through the queue (JSON); metric values are checked one by one afterwards. */
export const queueResultSchema = z.discriminatedUnion('ok', [
  z
    .object({
      hash: z.string(),
      ok: z.literal(true),
      output: z.object({ metrics: z.record(z.string(), z.unknown()), status: statusSchema }).strict(),
      wallMs: z.number().min(0),
    })
    .strict(),
  z.object({ hash: z.string(), ok: z.literal(false), error: z.string().max(100_000), wallMs: z.number().min(0) }).strict(),
]);

const REJECTED = 'result from the queue rejected';

function listProblems(problems: string[]): string {
  const shown = problems.slice(0, 3).join('; ');
  return problems.length > 3 ? `${shown}; and ${problems.length - 3} more` : shown;
}

/**
 * Check `value`, the result the queue returned for `job`: the JobResult to store (or to record as failed),
 * or a failed result naming every problem found (at most three spelled out).
 */
export function checkQueueResult(job: Job, value: unknown): JobResult {
  const reject = (problem: string): JobResult => ({ hash: job.hash, ok: false, error: `${REJECTED}: ${problem}`, wallMs: 0 });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return reject(`expected a job result object (got ${showValue(value)})`);
  let parsed: z.output<typeof queueResultSchema>;
  try {
    parsed = parseParams(queueResultSchema, value, REJECTED);
  } catch (err) {
    return { hash: job.hash, ok: false, error: (err as Error).message, wallMs: 0 };
  }
  if (parsed.hash !== job.hash) return reject(`hash is ${showValue(parsed.hash)} (expected this job's hash ${job.hash})`);
  if (!parsed.ok) return parsed;
  const problems: string[] = [];
  const finite: [string, number][] = [];
  for (const [name, v] of Object.entries(parsed.output.metrics)) {
    if (typeof v === 'number' && Number.isFinite(v)) finite.push([name, v]);
    else problems.push(`metric ${JSON.stringify(name)} is ${showValue(v)} (expected a finite number)`);
  }
  const declared = getJobType(job.type).metricNames?.(job.params);
  if (declared) {
    const expected = new Set(declared);
    for (const name of expected) {
      if (!Object.hasOwn(parsed.output.metrics, name)) problems.push(`metric ${JSON.stringify(name)} is missing (the job type reports it for these parameters)`);
    }
    for (const name of Object.keys(parsed.output.metrics)) {
      if (!expected.has(name)) problems.push(`metric ${JSON.stringify(name)} is not one of the job type's metrics for these parameters`);
    }
  }
  if (problems.length > 0) return reject(listProblems(problems));
  return { hash: job.hash, ok: true, output: { metrics: Object.fromEntries(finite), status: parsed.output.status }, wallMs: parsed.wallMs };
}
