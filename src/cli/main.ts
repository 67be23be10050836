#!/usr/bin/env node
/**
 * The `ftlab` command line: list figures, reproduce a figure, run a sweep spec, evaluate theory.
 * Thin by design: all science lives in the library. Exit codes: 0 success, 1 some jobs failed,
 * 2 bad input (the message names the field, the value and the allowed range), 130 (143) when Ctrl-C
 * (SIGTERM) interrupted a sweep: what finished is stored, and the message says how to resume.
 */
import { Command, CommanderError } from 'commander';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PRESETS } from '../experiments/presets/index.js';
import { reproduce } from '../experiments/reproduce.js';
import { DEFAULT_MAX_JOBS, expandSweep, readSweepSpec } from '../experiments/spec.js';
import { RunInterrupted, runJobs, type RunSummary } from '../experiments/runner.js';
import { closeExecutor, createExecutor } from '../experiments/pool.js';
import { openStore } from '../store/store.js';
import { summarize } from '../numeric/stats.js';
import { csvNumber, flagRecord } from '../nonFinite.js';
import { DEFAULT_MAX_THEORY_POINTS, THEORY, evaluateTheoryGrid, getTheory } from '../theory/registry.js';
import { DEFAULT_MAX_MEMORY_BYTES, formatBytes, parseByteSize } from '../experiments/memory.js';
import { CODE_VERSION } from '../experiments/job.js';
import { createProgress } from './progress.js';
import { watchInterruptions, type Interruption } from './interrupt.js';
import { RedisQueueExecutor, type QueueStatus } from '../queue/executor.js';
import { lostJobNotice, startQueueWorker } from '../queue/worker.js';
import { DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_QUEUE_NAME, dedupedNotices, redactUrl } from '../queue/connection.js';
import type { JobExecutor } from '../experiments/pool.js';
import { startServer } from '../server/serve.js';
import { isWildcardHost } from '../server/hosts.js';

/** Coordinator-side status lines on stderr for queued sweeps. */
function queueStatusPrinter(): (s: QueueStatus) => void {
  let last = '';
  return (s) => {
    const workers = Object.entries(s.perWorker)
      .map(([w, n]) => `${w}: ${n}`)
      .join(', ');
    const line = `queue: ${s.done} done, ${s.running} running, ${s.waiting} waiting, ${s.failed} failed${s.collectedOnStart ? ` (${s.collectedOnStart} collected from before)` : ''}${workers ? ` | ${workers}` : ''}`;
    if (line !== last) process.stderr.write(line + '\n');
    last = line;
  };
}

/** One-line queue notices on stderr, a line repeated within 30 s printed once. */
const stderrNotices = () => dedupedNotices((line) => process.stderr.write(line + '\n'));

function executorFor(opts: { workers?: number; queue?: string; queueName: string; connectTimeout: number }): JobExecutor {
  if (opts.queue) {
    return new RedisQueueExecutor(opts.queue, { queueName: opts.queueName, connectTimeoutMs: opts.connectTimeout * 1000, onStatus: queueStatusPrinter(), onNotice: stderrNotices() });
  }
  return createExecutor(opts.workers);
}

class UsageError extends Error {}

/**
 * This invocation as a command to type again, each argument quoted for a POSIX shell where needed and
 * the password of a `--queue` URL redacted (it is printed, and kept in figure provenance).
 */
function thisCommand(): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const args = process.argv.slice(2).map((a, i, all) => {
    if (all[i - 1] === '--queue') return redactUrl(a);
    return a.startsWith('--queue=') ? `--queue=${redactUrl(a.slice('--queue='.length))}` : a;
  });
  return ['ftlab', ...args.map(quote)].join(' ');
}

/** Report an interrupted sweep (what is stored, and the command that resumes it) and exit 128 + signal. */
function exitInterrupted(summary: RunSummary, storePath: string, interruption: Interruption): never {
  const stored = summary.cached + summary.done + summary.byOthers;
  const notes = [`${summary.cached} from before`];
  if (summary.byOthers > 0) notes.push(`${summary.byOthers} computed by another process`);
  if (summary.failed > 0) notes.push(`${summary.failed} failed`);
  process.stderr.write(`interrupted: ${stored} of ${summary.total} jobs stored in ${storePath} (${notes.join(', ')}); resume with: ${thisCommand()}\n`);
  process.exit(interruption.exitCode());
}

/** The closing line of a sweep: how many jobs were computed, found stored, left to another process, failed. */
function summaryLine(s: RunSummary): string {
  return `${s.done} computed, ${s.cached} from the store, ${s.byOthers > 0 ? `${s.byOthers} computed by another process, ` : ''}${s.failed} failed, ${s.notConverged} not converged`;
}

function parseIntOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const v = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`${name}: expected an integer in [${min}, ${max}] (got ${JSON.stringify(value)})`);
    return v;
  };
}

const parseMaxPoints = parseIntOption('--max-points', 1, 1_000_000_000);

/** `--max-memory <size>`: a size like 8GiB, 512MiB or a number of bytes. */
function parseMemoryOption(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === null) throw new UsageError(`--max-memory: expected a size like 8GiB, 512MiB or a number of bytes (got ${JSON.stringify(value)})`);
  return bytes;
}

/** The local worker threads and a queue's workers are two ways to run the jobs: asking for both is a usage error. */
function rejectWorkersWithQueue(opts: { workers?: number; queue?: string }): void {
  if (opts.queue !== undefined && opts.workers !== undefined) {
    throw new UsageError('--workers: not allowed with --queue (the jobs run on the `ftlab worker`s of the queue; set their threads with `ftlab worker --concurrency`)');
  }
}

/** `--param name=value`, repeatable: collects the pairs into one record (a bad pair is a usage error). */
function collectParam(pair: string, acc: Record<string, number>): Record<string, number> {
  const m = /^([A-Za-z][A-Za-z0-9_]*)=(.+)$/.exec(pair);
  if (!m) throw new UsageError(`--param: expected name=value (got ${JSON.stringify(pair)})`);
  const v = Number(m[2]);
  if (!Number.isFinite(v)) throw new UsageError(`--param ${m[1]}: expected a finite number (got ${JSON.stringify(m[2])})`);
  return { ...acc, [m[1]]: v };
}

/** `--connect-timeout`: how long a queue command waits for Redis to answer at first. */
const connectTimeoutOption = (): [string, string, (v: string) => number, number] => [
  '--connect-timeout <s>',
  'seconds to wait for Redis to answer at start before giving up',
  parseIntOption('--connect-timeout', 1, 3600),
  DEFAULT_CONNECT_TIMEOUT_S,
];

function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 1) + '\n');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return csvNumber(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(4) : v.toPrecision(5);
}

function table(rows: string[][]): string {
  // a loop, not Math.max(...column): a column of a large grid is more arguments than a call can take
  const widths = rows[0].map(() => 0);
  for (const r of rows) for (let c = 0; c < widths.length; c++) widths[c] = Math.max(widths[c], (r[c] ?? '').length);
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n') + '\n';
}

const program = new Command();
program
  .name('ftlab')
  .description('A laboratory for the theory of pretraining and fine-tuning: simulations beside their theory, figures with one command.')
  .version(CODE_VERSION)
  .showHelpAfterError()
  .exitOverride();

program
  .command('list')
  .description('list the figures ftlab reproduces and what each shows')
  .option('--json', 'print JSON')
  .action((opts: { json?: boolean }) => {
    const items = PRESETS.map((p) => ({ id: p.id, title: p.title, paper: p.paper, description: p.description, defaultSeeds: p.defaultSeeds, quickSeeds: p.quickSeeds, solvers: p.solvers, parameters: p.parameters }));
    if (opts.json) return printJson(items);
    for (const p of items) {
      const params = (p.parameters ?? []).map((q) => `  --param ${q.name}=<${q.integer ? 'integer' : 'number'} in [${q.min}, ${q.max}], default ${q.default}>  ${q.description}\n`).join('');
      process.stdout.write(`${p.id}\n  ${p.title}\n  ${p.paper}\n  ${p.description}\n${p.solvers ? `  --solver ${p.solvers.join(' | ')} (default ${p.solvers[0]})\n` : ''}${params}\n`);
    }
  });

program
  .command('reproduce')
  .description('reproduce a figure: run its simulations (resuming from the store), compute its theory, write SVG, PNG, CSV and JSON')
  .argument('<id>', 'figure id (see `ftlab list`)')
  .option('--seeds <n>', 'Monte-Carlo seeds per point (default: the figure\'s own)', parseIntOption('--seeds', 1, 100000))
  .option('--out <dir>', 'output folder (holds the results database and the figure files)', 'out')
  .option('--workers <n>', 'worker threads (0 = run inline; default one per core)', parseIntOption('--workers', 0, 256))
  .option('--quick', 'a smaller grid and fewer seeds, for a first look')
  .option('--solver <name>', 'how scratch/fine-tuning runs reach convergence, for figures that offer a choice (e.g. implicit-bias | flow | gd; see `ftlab list`)')
  .option('--param <name=value>', 'set one of the figure\'s parameters (repeatable; see `ftlab list`)', collectParam, {} as Record<string, number>)
  .option('--no-png', 'skip the PNG rendering')
  .option('--queue <url>', 'spread the jobs over `ftlab worker`s through a BullMQ queue on Redis (redis://[:password@]host:port[/db])')
  .option('--queue-name <name>', 'queue name on the Redis server', DEFAULT_QUEUE_NAME)
  .option(...connectTimeoutOption())
  .option('--json', 'print the figure JSON on stdout')
  .action(async (id: string, opts: { seeds?: number; out: string; workers?: number; quick?: boolean; solver?: string; param: Record<string, number>; png: boolean; json?: boolean; queue?: string; queueName: string; connectTimeout: number }) => {
    rejectWorkersWithQueue(opts);
    const progress = createProgress(id);
    const interruption = watchInterruptions(() => progress.stop());
    let result;
    try {
      result = await reproduce(id, {
        seeds: opts.seeds,
        quick: opts.quick,
        solver: opts.solver,
        params: opts.param,
        outDir: opts.out,
        workers: opts.workers,
        executor: opts.queue ? executorFor(opts) : undefined,
        png: opts.png,
        onProgress: (p) => progress.update(p),
        command: thisCommand(),
        signal: interruption.signal,
      });
    } catch (err) {
      progress.stop();
      if (err instanceof RunInterrupted) exitInterrupted(err.summary, err.storePath, interruption);
      throw err;
    } finally {
      progress.stop();
      interruption.dispose();
    }
    const { figure, files, summary } = result;
    if (opts.json) printJson(figure);
    else {
      process.stdout.write(`${figure.title}\n`);
      for (const t of figure.tables ?? []) {
        process.stdout.write(`\n${t.title}\n` + table([t.columns, ...t.rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))]));
      }
      process.stdout.write(`\n${summaryLine(summary)} (${(summary.wallMs / 1000).toFixed(1)} s)\n`);
      process.stdout.write(files.map((f) => `wrote ${f}`).join('\n') + '\n');
    }
    if (summary.failed > 0) {
      process.stderr.write(`${summary.failed} job(s) failed; first error: ${summary.failures[0].error}\n`);
      process.exitCode = 1;
    }
  });

program
  .command('run')
  .description('run a sweep spec (JSON or YAML): grid × seeds of one job type; results go to the store; prints mean ± s.e. per grid point')
  .argument('<spec>', 'path to a .json, .yaml or .yml sweep spec')
  .option('--out <dir>', 'output folder', 'out')
  .option('--workers <n>', 'worker threads (0 = inline; default one per core)', parseIntOption('--workers', 0, 256))
  .option('--queue <url>', 'spread the jobs over `ftlab worker`s through a BullMQ queue on Redis (redis://[:password@]host:port[/db])')
  .option('--queue-name <name>', 'queue name on the Redis server', DEFAULT_QUEUE_NAME)
  .option('--max-jobs <n>', 'refuse a sweep of more jobs (grid points × seeds) than this', parseIntOption('--max-jobs', 1, 1_000_000_000), DEFAULT_MAX_JOBS)
  .option('--max-memory <size>', `refuse a sweep with a job estimated to need more memory than this, e.g. 16GiB (default: ${formatBytes(DEFAULT_MAX_MEMORY_BYTES).replace(' ', '')})`, parseMemoryOption)
  .option(...connectTimeoutOption())
  .option('--json', 'print the summary as JSON')
  .action(async (specPath: string, opts: { out: string; workers?: number; json?: boolean; queue?: string; queueName: string; connectTimeout: number; maxJobs: number; maxMemory?: number }) => {
    rejectWorkersWithQueue(opts);
    const sweep = expandSweep(readSweepSpec(specPath), { maxJobs: opts.maxJobs, maxMemoryBytes: opts.maxMemory });
    mkdirSync(opts.out, { recursive: true });
    const store = openStore(opts.out);
    const executor = executorFor(opts);
    const progress = createProgress(sweep.spec.name);
    const interruption = watchInterruptions(() => progress.stop());
    const jobs = sweep.jobs.flat();
    let summary;
    try {
      store.recordSweep(sweep.spec.name, sweep.spec, jobs.map((j) => j.hash));
      summary = await runJobs(jobs, store, executor, (p) => progress.update(p), { signal: interruption.signal });
    } finally {
      progress.stop();
      await closeExecutor(executor, interruption.signal.aborted);
      interruption.dispose();
    }
    if (summary.interrupted) {
      const storePath = store.path;
      store.close();
      exitInterrupted(summary, storePath, interruption);
    }
    const points = sweep.points.map((point, p) => {
      const runs = sweep.jobs[p].map((j) => store.get(j.hash)).filter((r) => r?.status === 'done');
      const names = [...new Set(runs.flatMap((r) => Object.keys(r!.metrics)))].sort();
      const metrics: Record<string, { mean: number; stderr: number; n: number }> = {};
      for (const name of names) {
        const s = summarize(runs.map((r) => r!.metrics[name]).filter((v) => v !== undefined));
        metrics[name] = { mean: s.mean, stderr: s.stderr, n: s.n };
      }
      // JSON writes a non-finite mean or s.e. as null: flag it (src/nonFinite.ts).
      const nonFinite = flagRecord(Object.fromEntries(Object.entries(metrics).flatMap(([m, s]) => [[`${m}.mean`, s.mean], [`${m}.stderr`, s.stderr]])));
      return { coords: point.coords, seeds: runs.length, converged: runs.length > 0 && runs.every((r) => r!.converged), metrics, ...(nonFinite ? { nonFinite } : {}) };
    });
    store.close();
    const out = { sweep: sweep.spec.name, job: sweep.spec.job, points, summary: { ...summary, failures: summary.failures.slice(0, 20) } };
    writeFileSync(join(opts.out, `${sweep.spec.name}.json`), JSON.stringify(out, null, 1) + '\n');
    const metricNames = [...new Set(points.flatMap((p) => Object.keys(p.metrics)))].filter((m) => !/\.(converged|iterations|trainRmse|distanceToClosedForm)$/.test(m));
    const header = ['point', ...Object.keys(sweep.spec.grid), 'seeds', 'converged', ...metricNames.flatMap((m) => [m, 's.e.'])];
    const rows = points.map((p, i) => [
      String(i),
      ...Object.keys(sweep.spec.grid).map((k) => JSON.stringify(p.coords[k])),
      String(p.seeds),
      p.seeds === 0 ? 'no runs' : p.converged ? 'yes' : 'NO',
      ...metricNames.flatMap((m) => (p.metrics[m] ? [fmt(p.metrics[m].mean), fmt(p.metrics[m].stderr)] : ['', ''])),
    ]);
    writeFileSync(join(opts.out, `${sweep.spec.name}.csv`), [header, ...rows].map((r) => r.map((c) => (/[",]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\n') + '\n');
    if (opts.json) printJson(out);
    else {
      process.stdout.write(table([header, ...rows]));
      process.stdout.write(summaryLine(summary) + '\n');
    }
    if (summary.failed > 0) {
      process.stderr.write(`${summary.failed} job(s) failed; first error: ${summary.failures[0].error}\n`);
      process.exitCode = 1;
    }
  });

program
  .command('theory')
  .description('evaluate a theory function on a grid: ftlab theory <name> --<param> <value or a,b,c> …; --list shows every function and parameter')
  .argument('[name]', 'theory function name')
  .option('--list', 'list the theory functions with their parameters')
  .option('--json', 'print JSON')
  .option('--max-points <n>', 'refuse a grid of more points than this', parseMaxPoints, DEFAULT_MAX_THEORY_POINTS)
  .allowUnknownOption(true)
  .allowExcessArguments(true)
  .helpOption('-h, --help', 'show help')
  .action((name: string | undefined, opts: { list?: boolean; json?: boolean; maxPoints: number }, cmd: Command) => {
    if (opts.list || !name) {
      if (opts.json) return printJson(THEORY.map(({ evaluate: _e, ...rest }) => rest));
      for (const t of THEORY) {
        process.stdout.write(`${t.name}  (${t.paper})\n  ${t.description}\n  outputs: ${t.outputs.join(', ')}\n`);
        for (const p of t.params) process.stdout.write(`  --${p.name.padEnd(14)} ${p.description}; default ${p.default}; ${p.integer ? 'integer' : 'number'} in [${p.min}, ${p.max}]\n`);
        process.stdout.write('\n');
      }
      return;
    }
    const fn = getTheory(name);
    const args = cmd.args.slice(1);
    const lists: Record<string, number[]> = {};
    let maxPoints = opts.maxPoints;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '--json') continue;
      // options after the first parameter reach here unparsed
      const limit = /^--max-points(?:=(.*))?$/.exec(a);
      if (limit) {
        const raw = limit[1] ?? args[++i];
        if (raw === undefined) throw new UsageError('--max-points needs a value');
        maxPoints = parseMaxPoints(raw);
        continue;
      }
      const m = /^--([A-Za-z][A-Za-z0-9]*)(?:=(.*))?$/.exec(a);
      if (!m) throw new UsageError(`${name}: unexpected argument ${JSON.stringify(a)}; use --<param> <value[,value…]>`);
      const raw = m[2] ?? args[++i];
      if (raw === undefined) throw new UsageError(`${name}: --${m[1]} needs a value`);
      lists[m[1]] = raw.split(',').map((s) => {
        const v = Number(s.trim());
        const param = fn.params.find((p) => p.name === m[1]);
        if (s.trim() === '' || !Number.isFinite(v)) {
          const range = param ? `${param.integer ? 'an integer' : 'a number'} in [${param.min}, ${param.max}]` : 'a number';
          throw new UsageError(`${name}: --${m[1]}: expected ${range} (got ${JSON.stringify(s)})`);
        }
        return v;
      });
    }
    const rows = evaluateTheoryGrid(fn, lists, { maxPoints });
    if (opts.json || args.includes('--json')) return printJson({ theory: fn.name, rows });
    const header = [...fn.params.map((p) => p.name), ...fn.outputs];
    process.stdout.write(table([header, ...rows.map((r) => [...fn.params.map((p) => String(r.params[p.name])), ...fn.outputs.map((o) => fmt(r.values[o]))])]));
  });

program
  .command('worker')
  .description('process ftlab jobs from a BullMQ queue on Redis until stopped (Ctrl-C); runs only ftlab job types with validated parameters')
  .requiredOption('--queue <url>', 'Redis URL, redis://[:password@]host:port[/db]')
  .option('--queue-name <name>', 'queue name on the Redis server', DEFAULT_QUEUE_NAME)
  .option('--concurrency <n>', 'jobs at once (worker threads)', parseIntOption('--concurrency', 1, 256), 1)
  .option('--name <name>', 'worker name shown in the coordinator’s progress (default host:pid)')
  .option('--lock-ms <ms>', 'job lock duration: how soon a dead worker’s job is retried elsewhere', parseIntOption('--lock-ms', 500, 3_600_000), 30_000)
  .option('--max-memory <size>', `refuse, unrun, a queued job estimated to need more memory than this, e.g. 16GiB (default: ${formatBytes(DEFAULT_MAX_MEMORY_BYTES).replace(' ', '')})`, parseMemoryOption)
  .option(...connectTimeoutOption())
  .action(async (opts: { queue: string; queueName: string; concurrency: number; name?: string; lockMs: number; connectTimeout: number; maxMemory?: number }) => {
    const notice = stderrNotices();
    const worker = await startQueueWorker(opts.queue, { queueName: opts.queueName, concurrency: opts.concurrency, name: opts.name, lockMs: opts.lockMs, connectTimeoutMs: opts.connectTimeout * 1000, onNotice: notice, maxMemoryBytes: opts.maxMemory });
    await worker.waitUntilReady();
    process.stderr.write(`ftlab worker ${worker.opts.name ?? ''}: processing queue "${opts.queueName}" on ${redactUrl(opts.queue)} with concurrency ${opts.concurrency}\n`);
    worker.on('completed', (job) => process.stderr.write(`done ${job.id}\n`));
    worker.on('failed', (job, err) => notice(lostJobNotice(err) ?? `failed ${job?.id}: ${err.message}`));
    await new Promise<void>((resolve) => {
      const stop = () => void worker.close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  });

program
  .command('retry')
  .description('retry every failed job of a BullMQ queue (their errors are kept until then)')
  .requiredOption('--queue <url>', 'Redis URL, redis://[:password@]host:port[/db]')
  .option('--queue-name <name>', 'queue name on the Redis server', DEFAULT_QUEUE_NAME)
  .option(...connectTimeoutOption())
  .option('--json', 'print JSON')
  .action(async (opts: { queue: string; queueName: string; json?: boolean; connectTimeout: number }) => {
    const executor = new RedisQueueExecutor(opts.queue, { queueName: opts.queueName, connectTimeoutMs: opts.connectTimeout * 1000, onNotice: stderrNotices() });
    try {
      const retried = await executor.retryFailed();
      if (opts.json) printJson({ retried });
      else process.stdout.write(`${retried} failed job(s) moved back to the queue\n`);
    } finally {
      await executor.close();
    }
  });

program
  .command('serve')
  .description('serve the explorer page: live theory, small simulations in the browser, and read-only views of an output folder')
  .option('--out <dir>', 'output folder whose stored results the page may open (read-only)', 'out')
  .option('--port <n>', 'TCP port (0 = any free port)', parseIntOption('--port', 0, 65535), 8080)
  .option('--host <address>', 'address to bind (default loopback only; requests must name it as their Host; 0.0.0.0 exposes the page to the network and answers any Host)', '127.0.0.1')
  .action(async (opts: { out: string; port: number; host: string }) => {
    mkdirSync(opts.out, { recursive: true });
    const server = await startServer({ outDir: opts.out, port: opts.port, host: opts.host });
    if (isWildcardHost(opts.host)) {
      process.stderr.write(
        `warning: --host ${opts.host} listens on every network interface and answers any Host header: anyone who can reach port ${new URL(server.url).port}, and any web page open in a browser that can, may read ${opts.out} (its results database included); bind 127.0.0.1 (the default) or one address to keep it private\n`,
      );
    }
    process.stdout.write(`ftlab explorer: ${server.url}\n  results from ${opts.out} (read-only); Ctrl-C to stop\n`);
    await new Promise<void>((done) => {
      const stop = () => void server.close().then(done);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  });

/** A reader that stops early (`ftlab theory --list | head`) closes stdout: that ends the command quietly, as in Unix tools. */
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`ftlab: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  }
}

void main();
