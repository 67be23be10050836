// Non-finite values leaving ftlab: null in JSON with a per-point flag { value, reason }, and inf / -inf / nan in
// every CSV (theory --json, figure JSON and CSV, `run`'s JSON and CSV, the tahir-relu crossover series).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figureToCsv, reviveNonFinite, tableToCsv, type FigureData, type Series } from '../src/plots/figure.js';
import { writeFigure } from '../src/experiments/reproduce.js';
import { tahirRelu } from '../src/experiments/presets/tahirRelu.js';
import { expandSweep } from '../src/experiments/spec.js';
import { openStore, type StoredRun } from '../src/store/store.js';
import type { JobSpec } from '../src/experiments/job.js';

const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');
const ftlab = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

interface Flag {
  field?: string;
  index?: number;
  value: string;
  reason: string;
}

/** Every null among a series' numbers has exactly one flag naming it. */
function expectEveryNullFlagged(s: { x: { values: (number | null)[] }; y: { values: (number | null)[]; stderr?: (number | null)[] }; z?: { values: (number | null)[]; stderr?: (number | null)[] }; nonFinite?: Flag[] }): void {
  const fields: [string, (number | null)[] | undefined][] = [['x', s.x.values], ['y', s.y.values], ['y.stderr', s.y.stderr], ['z', s.z?.values], ['z.stderr', s.z?.stderr]];
  for (const [field, values] of fields) {
    values?.forEach((v, index) => {
      const flags = (s.nonFinite ?? []).filter((f) => f.field === field && f.index === index);
      expect(flags.length, `${field}[${index}]`).toBe(v === null ? 1 : 0);
    });
  }
}

describe('theory --json', () => {
  it('writes a divergent output as null with a flag and a reason', () => {
    const r = ftlab('theory', 'shachaf-risk-isotropic', '--d', '100', '--n', '98,99,100,101,102', '--noise', '0.1', '--json');
    expect(r.status).toBe(0);
    const rows = (JSON.parse(r.stdout) as { rows: { params: { n: number }; values: Record<string, number | null>; nonFinite?: Record<string, Flag> }[] }).rows;
    for (const row of rows) {
      const diverges = row.params.n >= 99 && row.params.n <= 101;
      expect(row.values.risk === null, `n = ${row.params.n}`).toBe(diverges);
      if (diverges) {
        expect(row.nonFinite?.risk).toEqual({ value: '+Infinity', reason: expect.stringMatching(/d − 1 ≤ n ≤ d \+ 1/) });
        expect(row.nonFinite?.variance?.value).toBe('+Infinity');
        expect(row.nonFinite?.bias).toBeUndefined();
      } else expect(row.nonFinite).toBeUndefined();
    }
  });
});

function testFigure(): FigureData {
  const line: Series = { name: 'curve', kind: 'theory', params: {}, x: { name: 'n', values: [1, 2, 3, 4] }, y: { name: 'risk', values: [1, Infinity, NaN, -Infinity] } };
  const points: Series = { name: 'points', kind: 'simulation', params: {}, x: { name: 'n', values: [1, 2] }, y: { name: 'risk', values: [1, 2], stderr: [NaN, 0.1] }, converged: [true, true] };
  const contour: Series = { name: 'level', kind: 'theory', style: 'contour', params: {}, x: { name: 'a', values: [0, 1, NaN, 2, 3] }, y: { name: 'b', values: [0, 1, NaN, 2, 3] } };
  const heat: Series = { name: 'map', kind: 'theory', style: 'heatmap', panel: 'map', params: {}, x: { name: 'a', values: [0, 1, 0, 1] }, y: { name: 'b', values: [0, 0, 1, 1] }, z: { name: 'T', values: [1, NaN, Infinity, 2] } };
  return { figure: 'non-finite-test', title: 't', description: 'd', paper: 'p', params: {}, series: [line, points, contour, heat], tables: [{ title: 't', columns: ['a', 'b', 'c'], rows: [[Infinity, -Infinity, NaN]] }], plot: { xLabel: 'x', yLabel: 'y' }, provenance: {} };
}

describe('figure files', () => {
  it('the JSON flags every non-finite number; contour piece separators are flagged as such', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftlab-nonfinite-'));
    await writeFigure(testFigure(), dir, false);
    const fig = JSON.parse(readFileSync(join(dir, 'non-finite-test.json'), 'utf8')) as { series: (Series & { nonFinite?: Flag[] })[] };
    for (const s of fig.series) expectEveryNullFlagged(s as never);
    const [line, points, contour, heat] = fig.series;
    expect(line.nonFinite).toEqual([
      { field: 'y', index: 1, value: '+Infinity', reason: expect.any(String) },
      { field: 'y', index: 2, value: 'NaN', reason: expect.any(String) },
      { field: 'y', index: 3, value: '-Infinity', reason: expect.any(String) },
    ]);
    expect(points.nonFinite).toEqual([{ field: 'y.stderr', index: 0, value: 'NaN', reason: expect.any(String) }]);
    expect(contour.nonFinite!.map((f) => [f.field, f.index, f.reason])).toEqual([
      ['x', 2, expect.stringMatching(/separates two pieces/)],
      ['y', 2, expect.stringMatching(/separates two pieces/)],
    ]);
    expect(heat.nonFinite!.map((f) => [f.field, f.index, f.value])).toEqual([
      ['z', 1, 'NaN'],
      ['z', 2, '+Infinity'],
    ]);
    const table = (JSON.parse(readFileSync(join(dir, 'non-finite-test.json'), 'utf8')) as { tables: { rows: unknown[][]; nonFinite?: unknown[] }[] }).tables[0];
    expect(table.rows[0]).toEqual([null, null, null]);
    expect(table.nonFinite).toEqual([
      { row: 0, column: 0, value: '+Infinity', reason: expect.any(String) },
      { row: 0, column: 1, value: '-Infinity', reason: expect.any(String) },
      { row: 0, column: 2, value: 'NaN', reason: expect.any(String) },
    ]);
    // The flags make the JSON lossless: reading it back restores every number (and so the same CSV).
    const revived = reviveNonFinite({ ...(fig as unknown as FigureData), tables: [table as never] });
    expect(tableToCsv(revived.tables![0])).toBe(tableToCsv(testFigure().tables![0]));
    expect(revived.series[0].y.values).toEqual([1, Infinity, NaN, -Infinity]);
    expect(figureToCsv(revived)).toBe(figureToCsv(testFigure()));
  });

  it('a reason given by the figure is kept', async () => {
    const fig = testFigure();
    fig.series[0].nonFinite = [{ field: 'y', index: 1, value: '+Infinity', reason: 'diverges at n = d' }];
    const dir = mkdtempSync(join(tmpdir(), 'ftlab-nonfinite-'));
    await writeFigure(fig, dir, false);
    const out = JSON.parse(readFileSync(join(dir, 'non-finite-test.json'), 'utf8')) as { series: { nonFinite?: Flag[] }[] };
    expect(out.series[0].nonFinite!.filter((f) => f.index === 1)).toEqual([{ field: 'y', index: 1, value: '+Infinity', reason: 'diverges at n = d' }]);
  });

  it('the CSVs write inf, -inf and nan', () => {
    const fig = testFigure();
    const rows = figureToCsv(fig).trim().split('\n').map((l) => l.split(','));
    const header = rows[0];
    const y = header.indexOf('y');
    const curve = rows.filter((r) => r[1] === 'curve').map((r) => r[y]);
    expect(curve).toEqual(['1', 'inf', 'nan', '-inf']);
    const stderr = header.indexOf('stderr');
    expect(rows.filter((r) => r[1] === 'points').map((r) => r[stderr])).toEqual(['nan', '0.1']);
    expect(tableToCsv(fig.tables![0]).trim().split('\n')[1]).toBe('inf,-inf,nan');
  });
});

describe('run --json and CSV', () => {
  it('a metric summary that overflows is null in the JSON with a flag, inf in the CSV', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftlab-nonfinite-'));
    const spec = { name: 'huge', job: 'linear-finetune', params: { problem: { d: 10, n: 5, covariance: { spectrum: { kind: 'isotropic' } }, teachers: { kind: 'scaled', alpha: 1, eps: 0.1 } } }, seeds: 2 };
    writeFileSync(join(dir, 'huge.json'), JSON.stringify(spec));
    // Two stored runs whose risk sums past the largest double: the mean overflows to +Infinity.
    const store = openStore(dir);
    for (const job of expandSweep(spec).jobs.flat()) store.recordSuccess(job, { metrics: { risk: 1.5e308 }, status: { converged: true, iterations: 1, residual: 0 } }, 1);
    store.close();
    const r = ftlab('run', join(dir, 'huge.json'), '--out', dir, '--workers', '0', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { points: { metrics: Record<string, { mean: number | null }>; nonFinite?: Record<string, Flag> }[] };
    expect(out.points[0].metrics.risk.mean).toBeNull();
    expect(out.points[0].nonFinite?.['risk.mean']).toEqual({ value: '+Infinity', reason: expect.any(String) });
    const csv = readFileSync(join(dir, 'huge.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(csv[1][csv[0].indexOf('risk')]).toBe('inf');
  });
});

describe('tahir-relu crossover', () => {
  it('"no crossover" is null with a reason and not marked converged', () => {
    // Every run converged; T = R_sc − R_lt = 0.5 > 0 at every n, so T never changes sign.
    const lookup = (spec: JobSpec): StoredRun => {
      const p = spec.params as { ns: number[]; scratch?: boolean };
      const metrics: Record<string, number> = { 'pre.0.converged': 1, 'pre.0.oosTeacher': 0.1, 'pre.0.oosStudent': 0.1, 'sc.0.converged': 1 };
      if (p.scratch) metrics['sc.0.risk'] = 1 / p.ns[0];
      else p.ns.forEach((n, j) => (metrics[`lt.0.${j}.risk`] = 1 / n - 0.5));
      return { hash: '', type: spec.type, params: spec.params, seed: spec.seed, codeVersion: '', status: 'done', converged: true, iterations: 1, residual: 0, wallMs: 1, error: null, metrics };
    };
    const fig = tahirRelu.build(lookup, { seeds: 2, quick: true });
    const measured = fig.series.find((s) => s.name.startsWith('measured crossover'))!;
    expect(measured.y.values.every(Number.isNaN)).toBe(true);
    expect(measured.converged!.every((c) => c === false)).toBe(true);
    const flags = (measured as { nonFinite?: Flag[] }).nonFinite ?? [];
    expect(flags).toHaveLength(measured.y.values.length);
    for (const f of flags) expect(f).toMatchObject({ field: 'y', value: 'NaN', reason: expect.stringMatching(/no crossover/) });
  });
});
