/**
 * The `ftlab` command end to end (built CLI in dist/): listing, theory evaluation, input errors, and a
 * quick figure reproduction whose simulated points sit on the theory curves.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FigureData } from '../src/plots/figure.js';

const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');

function ftlab(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

describe('ftlab CLI', () => {
  it('lists figures (text and JSON)', () => {
    const r = ftlab('list', '--json');
    expect(r.status).toBe(0);
    const ids = (JSON.parse(r.stdout) as { id: string }[]).map((x) => x.id);
    expect(ids).toContain('shachaf-linear-risk');
    expect(ids).toContain('shachaf-similarity');
    for (const id of ['shachaf-depth', 'shachaf-scale', 'shachaf-freeze', 'shachaf-ntk']) expect(ids).toContain(id);
    for (const id of ['tahir-scratch', 'tahir-lt-phase', 'tahir-ft-phase', 'tahir-ridge', 'tahir-finite-source', 'tahir-best-wd', 'tahir-kl', 'tahir-relu']) expect(ids).toContain(id);
    expect(ftlab('list').stdout).toMatch(/tahir-lt-phase[\s\S]*--solver implicit-bias \| flow \| gd/);
    expect(ftlab('list').stdout).toMatch(/shachaf-linear-risk/);
  });

  it('stops quietly when its reader closes the pipe early (theory --list | head)', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" theory --list | head -n 1`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toBe('');
  });

  it('lists theory functions with their parameters and ranges', () => {
    const r = ftlab('theory', '--list', '--json');
    expect(r.status).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; params: { name: string; min: number; max: number; default: number }[] }[];
    const iso = list.find((t) => t.name === 'shachaf-risk-isotropic')!;
    expect(iso.params.map((p) => p.name)).toEqual(['d', 'n', 'deltaNorm2', 'scale', 'noise']);
  });

  it('evaluates theory on the grid of comma-separated values', () => {
    const r = ftlab('theory', 'shachaf-risk-isotropic', '--d', '100', '--n', '10,50', '--deltaNorm2', '2', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: { params: Record<string, number>; values: Record<string, number> }[] };
    expect(out.rows).toHaveLength(2);
    expect(out.rows[0].values.risk).toBeCloseTo(0.9 * 2, 12);
    expect(out.rows[1].values.risk).toBeCloseTo(0.5 * 2, 12);
    expect(ftlab('theory', 'shachaf-risk-isotropic', '--n', '10').stdout).toMatch(/risk/);
  });

  it('exits non-zero naming the field, the value and the range on bad input', () => {
    const r1 = ftlab('theory', 'shachaf-risk-isotropic', '--d', '-5');
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/--d: expected an integer in \[1, 100000\] \(got -5\)/);
    const r2 = ftlab('theory', 'shachaf-risk-isotropic', '--bogus', '1');
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/unknown parameter --bogus/);
    const r3 = ftlab('reproduce', 'no-such-figure');
    expect(r3.status).toBe(2);
    expect(r3.stderr).toMatch(/unknown id "no-such-figure"; allowed: /);
    const r4 = ftlab('reproduce', 'shachaf-linear-risk', '--seeds', '0');
    expect(r4.status).toBe(2);
    expect(r4.stderr).toMatch(/--seeds: expected an integer in \[1, 100000\] \(got "0"\)/);
    const dir = mkdtempSync(join(tmpdir(), 'ftlab-cli-'));
    const spec = join(dir, 'bad.yaml');
    writeFileSync(spec, 'name: bad\njob: linear-finetune\nparams:\n  problem: {d: 10, n: 5, covariance: {spectrum: {kind: isotropic}}, teachers: {kind: scaled, alpha: 1, eps: 0.1}, noise: -1}\n');
    const r5 = ftlab('run', spec, '--out', dir);
    expect(r5.status).toBe(2);
    expect(r5.stderr).toMatch(/problem\.noise: expected a number in \[0, 1000\] \(got -1\)/);
  });

  it('runs a YAML sweep spec and prints mean ± s.e. per grid point', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftlab-cli-'));
    const spec = join(dir, 'ok.yaml');
    writeFileSync(
      spec,
      'name: ok\njob: linear-finetune\nparams:\n  problem: {d: 30, n: 5, covariance: {spectrum: {kind: isotropic}}, teachers: {kind: scaled, alpha: 1, eps: 0.3}}\ngrid:\n  problem.n: [5, 10]\nseeds: 3\n',
    );
    const r = ftlab('run', spec, '--out', dir, '--workers', '0', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { points: { seeds: number; metrics: Record<string, { mean: number }> }[] };
    expect(out.points).toHaveLength(2);
    expect(out.points[0].seeds).toBe(3);
    expect(out.points[0].metrics['fineTune.risk'].mean).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'ok.csv'))).toBe(true);
  });

  it('reproduces shachaf-linear-risk (quick): files written, simulated points on the theory curves', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftlab-fig-'));
    const r = ftlab('reproduce', 'shachaf-linear-risk', '--quick', '--out', dir, '--json');
    expect(r.status).toBe(0);
    for (const ext of ['json', 'csv', 'svg', 'png', 'vl.json']) expect(existsSync(join(dir, `shachaf-linear-risk.${ext}`))).toBe(true);
    const fig = JSON.parse(readFileSync(join(dir, 'shachaf-linear-risk.json'), 'utf8')) as FigureData;
    expect(JSON.parse(r.stdout).figure).toBe('shachaf-linear-risk');
    const sims = fig.series.filter((s) => s.kind === 'simulation');
    expect(sims.length).toBe(12);
    let checked = 0;
    let within = 0;
    for (const sim of sims) {
      const theory = fig.series.find((s) => s.kind === 'theory' && s.panel === sim.panel && s.group === sim.group)!;
      sim.x.values.forEach((n, i) => {
        expect(sim.converged![i]).toBe(true);
        const t = theory.y.values[theory.x.values.indexOf(n)];
        const se = sim.y.stderr![i];
        checked++;
        if (Math.abs(sim.y.values[i] - t) <= 3 * se) within++;
      });
    }
    // With 4 seeds the s.e. is itself noisy; require the large majority of points within 3 s.e.
    expect(checked).toBe(48);
    expect(within / checked).toBeGreaterThanOrEqual(0.85);
    const svg = readFileSync(join(dir, 'shachaf-linear-risk.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toMatch(/target samples n/);
    const png = readFileSync(join(dir, 'shachaf-linear-risk.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('reproduces shachaf-scale (quick): gradient-flow points coincide with the implicit-bias theory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftlab-fig-'));
    const r = ftlab('reproduce', 'shachaf-scale', '--quick', '--out', dir, '--no-png');
    expect(r.status).toBe(0);
    const fig = JSON.parse(readFileSync(join(dir, 'shachaf-scale.json'), 'utf8')) as FigureData;
    const sims = fig.series.filter((s) => s.kind === 'simulation');
    expect(sims.length).toBe(4); // L = 1 and 7, two panels (L = ∞ is theory only)
    for (const sim of sims) {
      const theory = fig.series.find((s) => s.kind === 'theory' && s.panel === sim.panel && s.group === sim.group)!;
      sim.y.values.forEach((v, i) => {
        expect(sim.converged![i]).toBe(true);
        // same datasets on both sides: the flow lands on the closed form, far inside the Monte-Carlo error
        expect(Math.abs(v - theory.y.values[i])).toBeLessThan(1e-5 * theory.y.values[i]);
      });
    }
  });
});
