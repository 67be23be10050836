import { describe, expect, it } from 'vitest';
import { figureToCsv, type FigureData } from '../src/plots/figure.js';
import { renderSvg, vegaLiteSpec } from '../src/plots/render.js';

const fig: FigureData = {
  figure: 'demo',
  title: 'Demo',
  description: 'A test figure',
  paper: 'none',
  params: {},
  series: [
    { name: 'curve', kind: 'theory', params: {}, group: 'A', x: { name: 'n', values: [1, 2, 3, 4] }, y: { name: 'risk', values: [1, Infinity, 0.5, 0.25] } },
    {
      name: 'points',
      kind: 'simulation',
      params: {},
      group: 'A',
      x: { name: 'n', values: [1, 3] },
      y: { name: 'risk', values: [1.1, 0.4], stderr: [0.05, 0.1] },
      converged: [true, false],
      seeds: [4, 4],
    },
  ],
  plot: { xLabel: 'n', yLabel: 'risk', yScale: 'log' },
  provenance: {},
};

describe('figures', () => {
  it('flattens to CSV with one row per point, stderr and convergence', () => {
    const csv = figureToCsv(fig).trim().split('\n');
    expect(csv).toHaveLength(1 + 4 + 2);
    expect(csv[0]).toBe('figure,series,kind,panel,group,method,x_name,x,y_name,y,stderr,z_name,z,z_stderr,converged,seeds');
    expect(csv[6]).toBe('demo,points,simulation,,A,,n,3,risk,0.4,0.1,,,,0,4');
  });

  it('breaks a theory line where it is not finite and marks non-converged points', () => {
    const spec = vegaLiteSpec(fig) as { data: { values: { kind: string; segment: number; status: string }[] } };
    const theory = spec.data.values.filter((r) => r.kind === 'theory');
    expect(theory.map((r) => r.segment)).toEqual([0, 1, 1]);
    expect(spec.data.values.filter((r) => r.status === 'not converged')).toHaveLength(1);
  });

  it('renders to SVG with axis titles and a cross for the non-converged point', async () => {
    const svg = await renderSvg(fig);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('>risk<');
    expect(svg).toContain('not converged');
  });
});
