/**
 * Reproduce a figure: expand its preset into jobs, run what the store lacks, build the figure from the
 * stored results and the theory, and write `<id>.json`, `<id>.csv` (plus `<id>-table-K.csv`),
 * `<id>.vl.json` (the Vega-Lite spec), `<id>.svg` and `<id>.png` into the output folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeJob, CODE_VERSION, type Job } from './job.js';
import { getPreset } from './presets/index.js';
import { lookupVia, resolvePresetParams, type PresetOptions } from './presets/types.js';
import { RunInterrupted, runJobs, type RunProgress, type RunSummary } from './runner.js';
import { closeExecutor, createExecutor, type JobExecutor } from './pool.js';
import { openStore } from '../store/store.js';
import { figureToCsv, flagNonFinite, tableToCsv, type FigureData } from '../plots/figure.js';
import { renderSvg, svgToPng, vegaLiteSpec } from '../plots/render.js';

export interface ReproduceOptions {
  seeds?: number;
  quick?: boolean;
  /** Solver for figures that offer one (see `FigurePreset.solvers`). */
  solver?: string;
  /** Values of the figure's own parameters (`FigurePreset.parameters`); unknown names or out-of-range values throw. */
  params?: Record<string, number>;
  outDir: string;
  workers?: number;
  png?: boolean;
  onProgress?: (p: RunProgress) => void;
  command?: string;
  /** Run the jobs here instead of on the in-process pool (e.g. a RedisQueueExecutor). */
  executor?: JobExecutor;
  /** Aborting stops the sweep (what finished stays stored) and makes reproduce throw RunInterrupted. */
  signal?: AbortSignal;
}

export interface ReproduceResult {
  figure: FigureData;
  files: string[];
  summary: RunSummary;
}

export async function reproduce(id: string, options: ReproduceOptions): Promise<ReproduceResult> {
  const preset = getPreset(id);
  const quick = options.quick ?? false;
  const seeds = options.seeds ?? (quick ? preset.quickSeeds : preset.defaultSeeds);
  if (!Number.isInteger(seeds) || seeds < 1 || seeds > 100000) throw new RangeError(`--seeds: expected an integer in [1, 100000] (got ${seeds})`);
  if (options.solver !== undefined) {
    const allowed = preset.solvers ?? [];
    if (!allowed.includes(options.solver)) {
      throw new RangeError(`--solver: ${allowed.length === 0 ? `figure ${id} offers no solver choice` : `expected one of ${allowed.join(', ')}`} (got "${options.solver}")`);
    }
  }
  const solver = options.solver ?? preset.solvers?.[0];
  const params = resolvePresetParams(preset, options.params);
  const given = Object.entries(options.params ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const presetOptions: PresetOptions = { seeds, quick, solver, params };
  const jobs: Job[] = preset.jobs(presetOptions).map(makeJob);
  mkdirSync(options.outDir, { recursive: true });
  const store = openStore(options.outDir);
  const executor = options.executor ?? createExecutor(options.workers);
  try {
    const paramTag = given.map(([k, v]) => `:${k}=${v}`).join('');
    store.recordSweep(`reproduce:${id}${quick ? ':quick' : ''}${solver ? `:solver=${solver}` : ''}${paramTag}:seeds=${seeds}`, { figure: id, seeds, quick, solver, params }, jobs.map((j) => j.hash));
    const summary = await runJobs(jobs, store, executor, options.onProgress, { signal: options.signal });
    if (summary.interrupted) throw new RunInterrupted(summary, store.path);
    const buildStart = performance.now();
    const figure = preset.build(lookupVia((h) => store.get(h)), presetOptions);
    const buildSeconds = Math.round(performance.now() - buildStart) / 1000;
    figure.provenance = {
      ftlab: CODE_VERSION,
      command: options.command ?? `ftlab reproduce ${id}${quick ? ' --quick' : ''}${given.map(([k, v]) => ` --param ${k}=${v}`).join('')} --seeds ${seeds}`,
      seeds,
      quick,
      solver,
      ...(preset.parameters ? { params } : {}),
      jobs: summary.total,
      computed: summary.done,
      cached: summary.cached,
      failed: summary.failed,
      notConverged: summary.notConverged,
      wallSeconds: Math.round(summary.wallMs) / 1000,
      /** Building the figure from the stored runs: the theory curves, maps and aggregation. */
      buildSeconds,
      createdAt: new Date().toISOString(),
    };
    const files = await writeFigure(figure, options.outDir, options.png ?? true);
    return { figure, files, summary };
  } finally {
    await closeExecutor(executor, options.signal?.aborted);
    store.close();
  }
}

/** Write a figure's files into `outDir` (flagging its non-finite numbers first, in place); returns their paths. */
export async function writeFigure(figure: FigureData, outDir: string, png = true): Promise<string[]> {
  flagNonFinite(figure);
  const base = join(outDir, figure.figure);
  const files: string[] = [];
  const write = (path: string, content: string | Buffer) => {
    writeFileSync(path, content);
    files.push(path);
  };
  write(`${base}.json`, JSON.stringify(figure, null, 1) + '\n');
  write(`${base}.csv`, figureToCsv(figure));
  figure.tables?.forEach((t, k) => write(`${base}-table-${k + 1}.csv`, tableToCsv(t)));
  write(`${base}.vl.json`, JSON.stringify(vegaLiteSpec(figure)) + '\n');
  const svg = await renderSvg(figure);
  write(`${base}.svg`, svg);
  if (png) write(`${base}.png`, svgToPng(svg));
  return files;
}
