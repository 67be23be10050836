/**
 * The BullMQ queue under faults, against real redis-servers (Debian's, started on loopback by this test):
 * a job whose state changes while the coordinator inspects it; Redis unreachable or refusing the password
 * (every queue command fails in bounded time, naming the URL with the password masked); a Redis restart
 * without persistence mid-sweep (lost jobs are submitted again and the run completes); and results forged
 * by a non-ftlab consumer of the queue (rejected with the reason, never stored as done).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Job as BullJobClass, Queue, Scripts, Worker, type Job as BullJob } from 'bullmq';
import { STORE_FILE, openStore } from '../src/store/store.js';
import { makeJob, type Job } from '../src/experiments/job.js';
import { executeJob, type JobResult } from '../src/experiments/execute.js';
import { runJobs } from '../src/experiments/runner.js';
import { RedisQueueExecutor } from '../src/queue/executor.js';
import { CLI, freePort, hasRedis, linearSweepFile, runCli, startRedis as startLoopbackRedis, waitFor } from './support/processes.js';

// CI installs redis-server; there a missing server is a failure, not a skip.
const run = hasRedis || process.env.CI ? describe : describe.skip;

const children: ChildProcess[] = [];
const servers: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ftlab-queue-faults-'));
}

async function startRedis(port: number, extra: string[] = []): Promise<ChildProcess> {
  const server = await startLoopbackRedis(port, extra);
  servers.push(server);
  return server;
}

const cli = (args: string[]) => runCli(args, children);

const linearParams = (n: number, solver: 'gd' | 'closed-form') => ({
  problem: { d: 100, n, covariance: { spectrum: { kind: 'isotropic' } }, teachers: { kind: 'scaled', alpha: 1, eps: 0.5 } },
  training: { solver, tol: 1e-12 },
});

function specFile(name: string, ns: number[], seeds: number, solver: 'gd' | 'closed-form'): string {
  return linearSweepFile(tmp(), name, { ns, seeds, solver });
}

function storeCounts(dir: string): { done: number; failed: number; nonReal: number } {
  const path = join(dir, STORE_FILE);
  if (!existsSync(path)) return { done: 0, failed: 0, nonReal: 0 };
  try {
    const db = new Database(path, { readonly: true });
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const out = {
      done: count("SELECT COUNT(*) AS n FROM runs WHERE status = 'done'"),
      failed: count("SELECT COUNT(*) AS n FROM runs WHERE status = 'failed'"),
      nonReal: count("SELECT COUNT(*) AS n FROM metrics WHERE typeof(value) != 'real'"),
    };
    db.close();
    return out;
  } catch {
    return { done: 0, failed: 0, nonReal: 0 };
  }
}

/** An in-process BullMQ consumer on the queue: `answer` decides what each job returns. */
function consumer(port: number, queueName: string, answer: (data: Job) => unknown): Worker {
  const w = new Worker(queueName, async (job: BullJob) => answer(job.data as Job), { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null } });
  cleanups.push(() => w.close());
  return w;
}

const honest = (data: Job): JobResult => {
  const r = executeJob(data);
  if (!r.ok) throw new Error(r.error);
  return r;
};

run('the BullMQ queue under faults', () => {
  let port = 0;
  let url = '';
  beforeAll(async () => {
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    await startRedis(port);
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const c of cleanups) await c().catch(() => undefined);
    for (const c of children) c.kill('SIGKILL');
    for (const s of servers) s.kill('SIGKILL');
  });

  it('a job that completes between being read and having its state read is collected with its result, never as null', async () => {
    // Widen the window deterministically: reading a job's state waits until the job has finished, and the
    // consumers start only once the coordinator first looks at a job that is still waiting.
    const queueName = 'race';
    let started = false;
    const original = Scripts.prototype.getState;
    vi.spyOn(Scripts.prototype, 'getState').mockImplementation(async function (this: Scripts, jobId: string) {
      const end = Date.now() + 10_000;
      for (;;) {
        const state = await original.call(this, jobId);
        if (!['waiting', 'active', 'delayed', 'prioritized'].includes(state) || Date.now() > end) return state;
        if (!started) {
          started = true;
          consumer(port, queueName, honest);
          consumer(port, queueName, honest);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    });
    const jobs = [40, 45, 50, 55].flatMap((n) => [0, 1, 2].map((seed) => makeJob({ type: 'linear-finetune', params: linearParams(n, 'closed-form'), seed })));
    const dir = tmp();
    const store = openStore(dir);
    const executor = new RedisQueueExecutor(url, { queueName, sweepMs: 100 });
    try {
      const summary = await runJobs(jobs, store, executor);
      expect(summary.failures).toEqual([]);
      expect(summary.done).toBe(jobs.length);
    } finally {
      await executor.close();
      store.close();
      vi.restoreAllMocks();
    }
    expect(started).toBe(true);
    expect(storeCounts(dir).done).toBe(jobs.length);
  });

  it('a rejected result is not mistaken for a lost job while it is being removed from Redis', async () => {
    const queueName = 'reject-race';
    // the acknowledgement of a rejected result's removal comes later than a sweep of job states
    const originalRemove = BullJobClass.prototype.remove;
    vi.spyOn(BullJobClass.prototype, 'remove').mockImplementation(async function (this: BullJob, ...args: Parameters<BullJob['remove']>) {
      const removed = await originalRemove.apply(this, args);
      await new Promise((r) => setTimeout(r, 600)); // gone from Redis, not yet acknowledged
      return removed;
    });
    consumer(port, queueName, async (data) => {
      await new Promise((r) => setTimeout(r, 300)); // finishes while the coordinator waits between sweeps
      const r = honest(data) as Extract<JobResult, { ok: true }>;
      return { ...r, output: { ...r.output, metrics: { ...r.output.metrics, 'fineTune.risk': 'evil' } } };
    });
    const jobs = [0, 1, 2].map((seed) => makeJob({ type: 'linear-finetune', params: linearParams(44, 'closed-form'), seed }));
    const dir = tmp();
    const store = openStore(dir);
    const notices: string[] = [];
    let resubmitted = 0;
    const executor = new RedisQueueExecutor(url, { queueName, sweepMs: 100, onNotice: (line) => notices.push(line), onStatus: (s) => (resubmitted = s.resubmitted) });
    try {
      const summary = await runJobs(jobs, store, executor);
      expect(summary.failed).toBe(jobs.length);
      expect(summary.failures.every((f) => /^result from the queue rejected: metric "fineTune\.risk" is "evil"/.test(f.error))).toBe(true);
      await new Promise((r) => setTimeout(r, 1000)); // the removals and a few more sweeps finish
    } finally {
      await executor.close();
      store.close();
      vi.restoreAllMocks();
    }
    expect(notices.filter((n) => /no longer in Redis/.test(n))).toEqual([]);
    expect(resubmitted).toBe(0);
  });

  it('every queue command fails within the connect timeout when nothing listens, naming the URL and the cause', async () => {
    const dead = await freePort();
    const deadUrl = `redis://127.0.0.1:${dead}`;
    const spec = specFile('unreachable', [50], 1, 'closed-form');
    const results = await Promise.all([
      cli(['run', spec, '--out', tmp(), '--queue', deadUrl]), // the default timeout
      cli(['reproduce', 'shachaf-linear-risk', '--quick', '--no-png', '--out', tmp(), '--queue', deadUrl, '--connect-timeout', '2']),
      cli(['worker', '--queue', deadUrl, '--connect-timeout', '2']),
      cli(['retry', '--queue', deadUrl, '--connect-timeout', '2']),
    ]);
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.ms).toBeLessThan(15_000);
      expect(r.stderr).toContain(`cannot connect to Redis at redis://127.0.0.1:${dead}`);
      expect(r.stderr).toMatch(/connection refused/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // one message, no stack trace
    }
  });

  it('a wrong or missing password fails at once with "authentication failed" and the password masked', async () => {
    const guarded = await freePort();
    await startRedis(guarded, ['--requirepass', 's3cret']);
    const wrong = `redis://:hunter2@127.0.0.1:${guarded}`;
    const spec = specFile('wrong-password', [50], 1, 'closed-form');
    const results = await Promise.all([
      cli(['run', spec, '--out', tmp(), '--queue', wrong]),
      cli(['reproduce', 'shachaf-linear-risk', '--quick', '--no-png', '--out', tmp(), '--queue', wrong]),
      cli(['worker', '--queue', wrong]),
      cli(['retry', '--queue', `redis://127.0.0.1:${guarded}`]),
    ]);
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.ms).toBeLessThan(15_000);
      expect(r.stderr).toMatch(new RegExp(`cannot connect to Redis at redis://(:\\*\\*\\*@)?127\\.0\\.0\\.1:${guarded}`));
      expect(r.stderr).toMatch(/authentication failed/);
      expect(r.stderr).not.toContain('hunter2');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a Redis restarted without persistence mid-sweep: the lost jobs are submitted again and the run completes', async () => {
    const own = await freePort();
    const ownUrl = `redis://127.0.0.1:${own}`;
    let server = await startRedis(own);
    const spec = specFile('restart-redis', [50, 60, 70, 80], 10, 'gd');
    const worker = spawn(process.execPath, [CLI, 'worker', '--queue', ownUrl, '--queue-name', 'lost', '--name', 'w', '--lock-ms', '1500']);
    children.push(worker);
    let workerLog = '';
    worker.stderr.on('data', (d) => (workerLog += d));
    const dir = tmp();
    const coordinator = cli(['run', spec, '--out', dir, '--queue', ownUrl, '--queue-name', 'lost', '--json']);
    await waitFor(() => storeCounts(dir).done >= 3, 60_000);
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    server = await startRedis(own);
    const r = await coordinator;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary.done).toBe(40);
    expect(storeCounts(dir).done).toBe(40);
    expect(r.stderr).toMatch(/no longer in Redis .*submitted again/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    worker.kill('SIGTERM');
    await new Promise((res) => worker.once('exit', res));
    expect(workerLog).not.toMatch(/\n\s+at /); // no raw BullMQ stack traces
    expect(workerLog).not.toMatch(/Missing key/); // a lost job is reported in words
  });

  it('a worker refuses a queued job whose memory estimate is over its own limit, without running it', async () => {
    // a schema-valid job that no machine here could hold: X alone is d·n float64 = 149 GiB
    const huge = makeJob({ type: 'linear-finetune', params: { ...linearParams(1_000_000, 'closed-form'), problem: { ...linearParams(1_000_000, 'closed-form').problem, d: 20_000 } }, seed: 0 });
    const queue = new Queue('huge', { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null } });
    cleanups.push(() => queue.close());
    await queue.add(huge.type, { type: huge.type, params: huge.params, seed: huge.seed, hash: huge.hash }, { jobId: huge.hash, attempts: 3 });
    const worker = spawn(process.execPath, [CLI, 'worker', '--queue', url, '--queue-name', 'huge', '--max-memory', '1GiB'], { stdio: 'ignore' });
    children.push(worker);
    await waitFor(async () => (await queue.getJobState(huge.hash)) === 'failed', 20_000);
    const failed = await queue.getJob(huge.hash);
    expect(failed?.failedReason).toMatch(/^refused: linear-finetune parameters: problem\.d = 20000, problem\.n = 1000000 need about [\d.]+ GiB .*the limit is 1 GiB \(--max-memory on ftlab worker, to raise it\)$/);
    expect(failed?.attemptsMade).toBe(1);
    worker.kill('SIGKILL');
  });

  it('results forged by a non-ftlab consumer are rejected with the reason and never stored as done', async () => {
    const ns = [50, 51, 52, 53, 54, 55, 56];
    const spec = specFile('forged', ns, 1, 'closed-form');
    const sibling = makeJob({ type: 'linear-finetune', params: linearParams(56, 'closed-form'), seed: 0 });
    const forge: Record<number, (data: Job) => unknown> = {
      50: (data) => {
        const r = honest(data) as Extract<JobResult, { ok: true }>;
        return { ...r, output: { ...r.output, metrics: { ...r.output.metrics, 'fineTune.risk': 'evil' } } };
      },
      51: (data) => {
        const r = honest(data) as Extract<JobResult, { ok: true }>;
        const { 'scratch.risk': _dropped, ...metrics } = r.output.metrics;
        return { ...r, output: { ...r.output, metrics } };
      },
      52: () => honest(sibling), // another job's result
      53: () => null,
      54: (data) => {
        const r = honest(data) as Extract<JobResult, { ok: true }>;
        return { ...r, output: { ...r.output, metrics: { ...r.output.metrics, bonus: 1 } } };
      },
      55: (data) => {
        // −1e308 is a finite number: by the declared semantics (finite numbers) it is accepted
        const r = honest(data) as Extract<JobResult, { ok: true }>;
        return { ...r, output: { ...r.output, metrics: { ...r.output.metrics, 'fineTune.risk': -1e308 } } };
      },
      56: honest,
    };
    consumer(port, 'forged', (data) => forge[(data.params as { problem: { n: number } }).problem.n](data));
    const dir = tmp();
    const r = await cli(['run', spec, '--out', dir, '--queue', url, '--queue-name', 'forged', '--json']);
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout).summary as { done: number; failed: number; failures: { error: string }[] };
    expect(summary.done).toBe(2);
    expect(summary.failed).toBe(5);
    const errors = summary.failures.map((f) => f.error);
    expect(errors).toHaveLength(5);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^result from the queue rejected: metric "fineTune\.risk" is "evil" \(expected a finite number\)$/),
        expect.stringMatching(/^result from the queue rejected: metric "scratch\.risk" is missing/),
        expect.stringMatching(/^result from the queue rejected: hash is "[0-9a-f]{64}" \(expected this job's hash [0-9a-f]{64}\)$/),
        expect.stringMatching(/^result from the queue rejected: expected a job result object \(got null\)$/),
        expect.stringMatching(/^result from the queue rejected: metric "bonus" is not one of the job type's metrics/),
      ]),
    );
    expect(r.stderr).toMatch(/5 job\(s\) failed; first error: result from the queue rejected/);
    const counts = storeCounts(dir);
    expect(counts).toEqual({ done: 2, failed: 5, nonReal: 0 });
  });
});
