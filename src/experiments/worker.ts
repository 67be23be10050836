/**
 * worker_threads entry point: receives jobs from the pool, executes them, posts results back.
 */
import { parentPort } from 'node:worker_threads';
import { executeJob } from './execute.js';
import type { Job } from './job.js';

if (!parentPort) throw new Error('worker.ts must run inside a worker thread');
const port = parentPort;
port.on('message', (job: Job) => {
  port.postMessage(executeJob(job));
});
