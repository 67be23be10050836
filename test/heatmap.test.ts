import { describe, expect, it } from 'vitest';
import { gridSeries, levelSet, linspace } from '../src/plots/contour.js';
import { figureToCsv, type FigureData } from '../src/plots/figure.js';
import { renderSvg, svgToPng, vegaLiteSpec } from '../src/plots/render.js';

/** Split a NaN-separated level set into its pieces, as lists of [x, y]. */
function pieces(ls: { x: number[]; y: number[] }): [number, number][][] {
  const out: [number, number][][] = [[]];
  ls.x.forEach((x, k) => {
    if (Number.isNaN(x)) {
      expect(ls.y[k]).toBeNaN();
      out.push([]);
    } else out[out.length - 1].push([x, ls.y[k]]);
  });
  return out.filter((p) => p.length > 0);
}

const round = (p: [number, number][]) => p.map(([x, y]) => [Math.round(x * 1e9) / 1e9, Math.round(y * 1e9) / 1e9]);

describe('marching squares', () => {
  it('finds the vertical line x = 0.5 of z = x − 0.5, one point per grid row', () => {
    const xs = linspace(0, 1, 6);
    const ys = [0, 0.3, 1, 1.2];
    const ls = levelSet(xs, ys, (i, j) => xs[i] - 0.5 + 0 * ys[j]);
    const ps = pieces(ls);
    expect(ps).toHaveLength(1);
    expect(ps[0]).toHaveLength(ys.length);
    for (const [x] of ps[0]) expect(x).toBeCloseTo(0.5, 12);
    expect(ps[0].map(([, y]) => y).sort((a, b) => a - b)).toEqual(ys);
  });

  it('accepts the field as a row-major Float64Array, the same as the index function', () => {
    const xs = [0, 0.25, 1];
    const ys = [-1, 0, 2];
    const f = (x: number, y: number) => x + 0.3 * y - 0.4;
    const g = gridSeries(xs, ys, f);
    expect(g.field).toHaveLength(9);
    expect(g.x).toEqual([0, 0.25, 1, 0, 0.25, 1, 0, 0.25, 1]);
    expect(levelSet(xs, ys, g.field)).toEqual(levelSet(xs, ys, (i, j) => f(xs[i], ys[j])));
    expect(() => levelSet(xs, ys, new Float64Array(8))).toThrow(/expected/);
  });

  it('traces the unit circle of z = x² + y² − 1 as one closed curve within interpolation error', () => {
    const xs = linspace(-2, 2, 41);
    const g = gridSeries(xs, xs, (x, y) => x * x + y * y - 1);
    const ps = pieces(levelSet(xs, xs, g.field));
    expect(ps).toHaveLength(1);
    const ring = ps[0];
    expect(ring.length).toBeGreaterThan(30);
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    for (const [x, y] of ring) expect(Math.abs(Math.hypot(x, y) - 1)).toBeLessThan(0.01);
    // It goes all the way round.
    const angles = ring.map(([x, y]) => Math.atan2(y, x));
    expect(Math.min(...angles)).toBeLessThan(-3);
    expect(Math.max(...angles)).toBeGreaterThan(3);
  });

  it('resolves a saddle cell by the centre average', () => {
    const xs = [0, 1];
    const ys = [0, 1];
    // Corners (0,0)=1, (1,0)=−1, (0,1)=−1, (1,1)=1: centre 0 ≥ 0, the positive corners are joined and the
    // negative ones cut off.
    const joined = pieces(levelSet(xs, ys, Float64Array.from([1, -1, -1, 1])));
    expect(joined.map(round).map((p) => p.sort())).toEqual(
      expect.arrayContaining([
        [
          [0.5, 0],
          [1, 0.5],
        ],
        [
          [0, 0.5],
          [0.5, 1],
        ],
      ]),
    );
    expect(joined).toHaveLength(2);
    // Centre −0.25 < 0: the negative corners are joined and the positive ones, (0,0) and (1,1), cut off.
    const split = pieces(levelSet(xs, ys, Float64Array.from([1, -1.5, -1.5, 1])));
    expect(split).toHaveLength(2);
    expect(split.map(round).map((p) => p.sort())).toEqual(
      expect.arrayContaining([
        [
          [0, 0.4],
          [0.4, 0],
        ],
        [
          [0.6, 1],
          [1, 0.6],
        ],
      ]),
    );
  });

  it('skips cells with a non-finite corner', () => {
    const xs = [0, 1];
    const ys = [0, 1, 2];
    const z = Float64Array.from([NaN, 0.5, -0.5, 0.5, -0.5, 0.5]);
    const ps = pieces(levelSet(xs, ys, z));
    expect(ps).toHaveLength(1);
    expect(round(ps[0]).sort()).toEqual([
      [0.5, 1],
      [0.5, 2],
    ]);
    expect(pieces(levelSet(xs, ys, Float64Array.from([Infinity, 1, 1, 1, -1, -1])))).toHaveLength(1);
    expect(levelSet(xs, ys, Float64Array.from([NaN, NaN, NaN, NaN, NaN, NaN]))).toEqual({ x: [], y: [] });
  });

  it('returns nothing when the level is not crossed', () => {
    expect(levelSet([0, 1, 2], [0, 1], () => 2)).toEqual({ x: [], y: [] });
  });
});

/** A phase map with its zero contour beside a panel of slices. */
function mixedFigure(): FigureData {
  const thetas = linspace(0, Math.PI / 2, 9);
  const gammas = [0.1, 0.2, 0.4, 0.8, 1.2, 2.0];
  const T = (theta: number, g: number) => Math.sin(4 * theta - 1) * Math.sin(g + 0.3);
  const g = gridSeries(thetas, gammas, T);
  const c = levelSet(thetas, gammas, g.field);
  const converged = g.z.map((_, i) => i !== 10);
  const slice = linspace(0.1, 2, 20);
  return {
    figure: 'phase',
    title: 'Phase map',
    description: 'transfer over θ and γ',
    paper: 'none',
    params: {},
    series: [
      { name: 'T map', kind: 'simulation', params: {}, panel: 'map', style: 'heatmap', x: { name: 'θ (rad)', values: g.x }, y: { name: 'γ = n/d', values: g.y }, z: { name: 'T', values: g.z }, converged },
      { name: 'T = 0', kind: 'theory', params: {}, panel: 'map', style: 'contour', x: { name: 'θ (rad)', values: c.x }, y: { name: 'γ = n/d', values: c.y } },
      { name: 'θ = π/4', kind: 'theory', params: {}, panel: 'slices', group: 'θ = π/4', x: { name: 'γ = n/d', values: slice }, y: { name: 'T', values: slice.map((v) => T(Math.PI / 4, v)) } },
    ],
    plot: { xLabel: 'θ', yLabel: 'γ', zLabel: 'transfer T', zDomain: [-1, 1] },
    provenance: {},
  };
}

interface View {
  width: number;
  height: number;
  title?: { text: string };
  layer: { transform: { filter?: unknown }[]; mark: { type: string; color?: string }; encoding: Record<string, { field?: string; title?: string; scale?: Record<string, unknown> }> }[];
}

describe('heat-map figures', () => {
  it('compiles to a concat of per-panel views: cells as rects filled by z, the contour as a black line', () => {
    const fig = mixedFigure();
    const spec = vegaLiteSpec(fig) as { concat: View[]; data: { values: Record<string, unknown>[] } };
    expect(spec.concat).toHaveLength(2);
    const [map, slices] = spec.concat;
    expect(map.title?.text).toBe('map');
    expect(slices.title?.text).toBe('slices');
    expect([map.width, map.height]).toEqual([260, 260]);

    const rect = map.layer.find((l) => l.mark.type === 'rect')!;
    expect(rect.encoding.fill).toMatchObject({ field: 'z', type: 'quantitative', title: 'transfer T', scale: { scheme: 'redblue', domainMid: 0, domain: [-1, 1], clamp: true } });
    expect(rect.encoding.x.field).toBe('x0');
    expect(rect.encoding.x.title).toBe('θ (rad)');
    expect(rect.encoding.y.title).toBe('γ = n/d');
    const contour = map.layer.find((l) => l.mark.type === 'line')!;
    expect(contour.mark.color).toBe('black');
    expect(contour.encoding.color).toBeUndefined();
    expect(contour.encoding.order.field).toBe('i');
    // The map's axes span its cells exactly.
    expect(rect.encoding.y.scale).toMatchObject({ nice: false, domain: [0.05, 2.4] });

    const line = slices.layer.find((l) => l.mark.type === 'line')!;
    expect(line.encoding.color.field).toBe('group');
    expect(line.encoding.x.title).toBe('γ = n/d');
    expect(line.encoding.y.title).toBe('T');
    expect(slices.layer.some((l) => l.mark.type === 'rect')).toBe(false);

    // Cell edges lie halfway to the neighbouring grid values (the γ grid is not uniform).
    const cells = spec.data.values.filter((r) => r.style === 'heatmap');
    expect(cells).toHaveLength(9 * 6);
    const at = (g: number) => cells.find((r) => r.y === g)!;
    expect([at(0.1).y0, at(0.1).y1]).toEqual([0.05, 0.15000000000000002]);
    expect(at(0.2).y0).toBeCloseTo(0.15, 12);
    expect(at(0.2).y1).toBeCloseTo(0.3, 12);
    expect(at(2.0).y0).toBeCloseTo(1.6, 12);
    expect(at(2.0).y1).toBeCloseTo(2.4, 12);
  });

  it('marks cells whose runs did not converge', async () => {
    const fig = mixedFigure();
    const spec = vegaLiteSpec(fig) as { concat: View[]; data: { values: Record<string, unknown>[] } };
    const bad = spec.data.values.filter((r) => r.style === 'heatmap' && r.status === 'not converged');
    expect(bad).toHaveLength(1);
    expect(bad[0].z).not.toBeNull(); // the cell is still drawn, with its value
    const cross = spec.concat[0].layer.find((l) => JSON.stringify(l.transform).includes('not converged'))!;
    expect(cross.mark.type).toBe('point');
    expect(cross.encoding.shape.field).toBe('status');
    const svg = await renderSvg(fig);
    expect(svg).toContain('not converged');
  });

  it('renders the mixed figure to SVG with rects, paths, per-panel axis titles and a colour bar, and to PNG', async () => {
    const fig = mixedFigure();
    const svg = await renderSvg(fig);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('mark-rect');
    expect(svg).toContain('mark-line');
    expect(svg).toContain('<path');
    expect(svg).toContain('>θ (rad)<');
    expect(svg).toContain('>γ = n/d<');
    expect(svg).toContain('>T<');
    expect(svg).toContain('>transfer T<');
    expect(svg).toContain('linearGradient');
    const png = svgToPng(svg, 1);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.length).toBeGreaterThan(5000);
  });

  it('defaults the colour scale to a range symmetric about 0 and greys out cells without a value', () => {
    const fig = mixedFigure();
    delete fig.plot.zDomain;
    fig.series[0].z!.values[3] = NaN;
    const spec = vegaLiteSpec(fig) as { concat: View[] };
    const layers = spec.concat[0].layer;
    const maxAbs = Math.max(...fig.series[0].z!.values.filter(Number.isFinite).map(Math.abs));
    expect(layers[0].encoding.fill.scale!.domain).toEqual([-maxAbs, maxAbs]);
    expect(layers[1].mark).toMatchObject({ type: 'rect', fill: '#d9d9d9' });
  });

  it('writes z values to the CSV', () => {
    const fig = mixedFigure();
    const csv = figureToCsv(fig).trim().split('\n');
    const header = csv[0].split(',');
    const zCol = header.indexOf('z');
    const rows = csv.slice(1).map((l) => l.split(','));
    const mapRows = rows.filter((r) => r[1] === 'T map');
    expect(mapRows).toHaveLength(54);
    expect(mapRows.every((r) => r[header.indexOf('z_name')] === 'T')).toBe(true);
    expect(Number(mapRows[5][zCol])).toBeCloseTo(fig.series[0].z!.values[5], 12);
    expect(mapRows[10][header.indexOf('converged')]).toBe('0');
  });

  it('leaves figures without maps as they were (one view, no concat)', () => {
    const fig = mixedFigure();
    fig.series = [fig.series[2]];
    const spec = vegaLiteSpec(fig) as Record<string, unknown>;
    expect(spec.concat).toBeUndefined();
    expect(spec.layer).toBeDefined();
  });

  it('with a fixed y range, a divergence far outside it is left out of the picture but kept in the data', async () => {
    const fig = mixedFigure();
    fig.plot.yDomain = [-1, 1.5];
    const gammas = [0.5, 0.9, 1, 1.1, 1.5];
    fig.series.push(
      { name: 'spike theory', kind: 'theory', panel: 'slices', params: {}, x: { name: 'γ', values: gammas }, y: { name: 'T', values: [0.2, 0.5, 1e17, 0.4, 0.1] } },
      { name: 'spike points', kind: 'simulation', panel: 'slices', params: {}, x: { name: 'γ', values: gammas }, y: { name: 'T', values: [0.2, 0.5, 3e9, 0.4, 0.1], stderr: [0.01, 0.01, 1e12, 0.01, 0.01] } },
    );
    const rows = (vegaLiteSpec(fig) as { data: { values: { series: string; y: number; lo?: number; hi?: number }[] } }).data.values;
    const spike = rows.filter((r) => r.series.startsWith('spike'));
    expect(spike.some((r) => r.y > 1e3)).toBe(false);
    expect(Math.max(...spike.map((r) => r.hi ?? 0))).toBeLessThanOrEqual(1.5 + 25);
    expect(figureToCsv(fig)).toContain('100000000000000000');
    // resvg aborts the process on coordinates this large; the PNG must render.
    expect(svgToPng(await renderSvg(fig)).length).toBeGreaterThan(1000);
  });
});
