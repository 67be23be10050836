/**
 * The Vega-Lite specification of a FigureData: the one picture spec ftlab draws from, in Node (render.ts: SVG by
 * Vega's headless renderer, PNG by resvg) and in the explorer page (Vega in the browser). No Node-only imports. Theory series are lines; simulated series are
 * points with ±2 standard-error bars; points whose runs did not all converge are drawn as red crosses,
 * never hidden.
 *
 * Phase maps: a figure with 'heatmap' or 'contour' series is drawn as a `concat` of per-panel layered
 * views (panel order = order of first appearance of each series' `panel`), so that map panels (square,
 * linear axes spanning the cells exactly, axis titles from the map's own x.name / y.name) and ordinary
 * slice panels can sit side by side. Heat-map cells are `rect` marks from the cell edges inferred per
 * series (halfway to each neighbouring grid value), filled by z on a diverging red–blue scale centred at
 * 0 (one shared colour bar); contours are black lines; cells whose runs did not converge carry a red
 * cross. Figures without such series are drawn exactly as before (one view, or a facet).
 */
import type { FigureData, Series } from './figure.js';

interface Row {
  series: string;
  kind: string;
  style: 'line' | 'markers' | 'heatmap' | 'contour';
  panel: string;
  group: string;
  /** Index of the unbroken piece of a curve (a theory curve breaks where it is not finite). */
  segment: number;
  x: number;
  y: number;
  lo?: number;
  hi?: number;
  status: 'converged' | 'not converged';
  /** Contours: the point's index in its series (a contour is drawn in data order, not sorted by x). */
  i?: number;
  /** Heat maps: the cell's edges and value (null where not finite). */
  x0?: number;
  x1?: number;
  y0?: number;
  y1?: number;
  z?: number | null;
}

const isMapSeries = (s: Series) => s.style === 'heatmap' || s.style === 'contour';

/**
 * The cell edges of a grid axis: for each value, [lo, hi] halfway to its neighbours among the distinct
 * values (the end cells as wide as their inner half). Values within 1e-9 of the span are one grid value.
 */
function cellEdges(values: number[]): (v: number) => [number, number] {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const tol = 1e-9 * ((sorted[sorted.length - 1] ?? 0) - (sorted[0] ?? 0) || 1);
  const u: number[] = [];
  for (const v of sorted) if (u.length === 0 || v - u[u.length - 1] > tol) u.push(v);
  const n = u.length;
  const edges = [u[0] - (n > 1 ? (u[1] - u[0]) / 2 : 0.5)];
  for (let k = 1; k < n; k++) edges.push((u[k - 1] + u[k]) / 2);
  edges.push(u[n - 1] + (n > 1 ? (u[n - 1] - u[n - 2]) / 2 : 0.5));
  return (v) => {
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (u[mid] <= v) lo = mid;
      else hi = mid;
    }
    const k = Math.abs(u[hi] - v) < Math.abs(u[lo] - v) ? hi : lo;
    return [edges[k], edges[k + 1]];
  };
}

function heatRows(s: Series): Row[] {
  const rows: Row[] = [];
  const xEdge = cellEdges(s.x.values);
  const yEdge = cellEdges(s.y.values);
  s.x.values.forEach((x, i) => {
    const y = s.y.values[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const z = s.z?.values[i];
    const [x0, x1] = xEdge(x);
    const [y0, y1] = yEdge(y);
    rows.push({
      series: s.name,
      kind: s.kind,
      style: 'heatmap',
      panel: s.panel ?? '',
      group: s.group ?? s.name,
      segment: 0,
      x,
      y,
      status: s.converged && !s.converged[i] ? 'not converged' : 'converged',
      x0,
      x1,
      y0,
      y1,
      z: z !== undefined && Number.isFinite(z) ? z : null,
    });
  });
  return rows;
}

function rowsOf(fig: FigureData): Row[] {
  const rows: Row[] = [];
  const mapPanels = new Set(fig.series.filter((s) => s.style === 'heatmap').map((s) => s.panel ?? ''));
  for (const s of fig.series) {
    if (s.style === 'heatmap') {
      rows.push(...heatRows(s));
      continue;
    }
    // Map panels have linear axes whatever the figure's scales.
    const onMap = mapPanels.has(s.panel ?? '');
    const logY = fig.plot.yScale === 'log' && !onMap;
    const logX = fig.plot.xScale === 'log' && !onMap;
    let segment = 0;
    let broken = false;
    // With a fixed y range, points far outside it (a theory curve's divergence, a simulated spike) are
    // left out of the picture instead of producing coordinates no renderer draws (resvg aborts on them);
    // a line still runs to the frame from its last point inside, and the data files keep every value.
    const far = fig.plot.yDomain && !onMap && !logY ? 10 * (fig.plot.yDomain[1] - fig.plot.yDomain[0]) : Infinity;
    const outside = (y: number) => fig.plot.yDomain !== undefined && (y < fig.plot.yDomain[0] - far || y > fig.plot.yDomain[1] + far);
    s.x.values.forEach((x, i) => {
      const y = s.y.values[i];
      // A point that cannot be drawn (a divergence of a theory curve, or ≤ 0 on a log axis) breaks the line.
      if (!Number.isFinite(x) || !Number.isFinite(y) || (logY && y <= 0) || (logX && x <= 0) || outside(y)) {
        broken = true;
        return;
      }
      if (broken) {
        segment++;
        broken = false;
      }
      const se = s.y.stderr?.[i];
      const row: Row = {
        series: s.name,
        kind: s.kind,
        style: s.style ?? 'line',
        panel: s.panel ?? '',
        group: s.group ?? s.name,
        segment,
        x,
        y,
        status: s.converged && !s.converged[i] ? 'not converged' : 'converged',
      };
      if (s.style === 'contour') row.i = i;
      if (se !== undefined && Number.isFinite(se)) {
        // On a log axis the lower bar is clipped at y/10 so it stays drawable (the CSV keeps the true s.e.).
        row.lo = logY ? Math.max(y - 2 * se, y / 10) : y - 2 * se;
        row.hi = y + 2 * se;
        if (fig.plot.yDomain && Number.isFinite(far)) {
          row.lo = Math.max(row.lo, fig.plot.yDomain[0] - far);
          row.hi = Math.min(row.hi, fig.plot.yDomain[1] + far);
        }
      }
      rows.push(row);
    });
  }
  return rows;
}

type Spec = Record<string, unknown>;

const SHAPE = {
  field: 'status',
  type: 'nominal',
  title: 'runs',
  scale: { domain: ['converged', 'not converged'], range: ['circle', 'cross'] },
};

/** The shape scale of map figures: its legend draws 'not converged' as a red cross, 'converged' in grey. */
const MAP_SHAPE = {
  ...SHAPE,
  legend: {
    encoding: {
      symbols: {
        fill: { condition: { test: "datum.value === 'not converged'", value: '#d62728' }, value: '#777' },
        stroke: { condition: { test: "datum.value === 'not converged'", value: '#d62728' }, value: '#777' },
        opacity: { value: 1 },
        fillOpacity: { value: 1 },
      },
    },
  },
};

/**
 * The layers of theory lines, theory markers, simulated points and their ±2 s.e. bars. `simulation` is
 * the filter that selects simulated points (the map path excludes simulated heat-map cells from it).
 */
function curveLayers(x: Spec, y: Spec, color: Spec, scatter: boolean, simulation = "datum.kind === 'simulation'", shape: Spec = SHAPE): Spec[] {
  const layer: Spec[] = [];
  if (!scatter) {
    layer.push({
      transform: [{ filter: "datum.kind === 'theory' && datum.style === 'line'" }],
      mark: { type: 'line', strokeWidth: 2, clip: true },
      encoding: { x, y, color, detail: [{ field: 'series' }, { field: 'segment' }] },
    });
    layer.push({
      transform: [{ filter: "datum.kind === 'theory' && datum.style === 'markers'" }],
      mark: { type: 'point', shape: 'diamond', filled: false, size: 110, strokeWidth: 2, clip: false },
      encoding: { x, y, color },
    });
    layer.push({
      transform: [{ filter: "datum.kind === 'simulation' && isValid(datum.lo)" }],
      mark: { type: 'rule', strokeWidth: 1.2, clip: true },
      encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
    });
  }
  layer.push({
    transform: [{ filter: scatter ? 'true' : simulation }],
    mark: { type: 'point', filled: true, size: scatter ? 30 : 45, opacity: 0.9, clip: true },
    encoding: {
      x,
      y,
      color,
      shape,
      stroke: { condition: { test: "datum.status === 'not converged'", value: '#d62728' }, value: null },
    },
  });
  return layer;
}

function baseSpec(fig: FigureData, rows: Row[]): Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: fig.title, subtitle: fig.description.length > 160 ? undefined : fig.description, anchor: 'start' },
    data: { values: rows },
    config: { font: 'DejaVu Sans', view: { stroke: '#ccc' }, background: 'white', axis: { labelFontSize: 11, titleFontSize: 12 } },
  };
}

/** The Vega-Lite spec of a figure. */
export function vegaLiteSpec(fig: FigureData): Record<string, unknown> {
  const rows = rowsOf(fig);
  if (fig.series.some(isMapSeries)) return mapFigureSpec(fig, rows);
  const panels = [...new Set(fig.series.map((s) => s.panel ?? ''))];
  const groups = [...new Set(fig.series.map((s) => s.group ?? s.name))];
  const xScale = fig.plot.xScale === 'log' ? { type: 'log' } : { type: 'linear', zero: false };
  const yBase = fig.plot.yScale === 'log' ? { type: 'log' } : { type: 'linear', zero: false };
  const yScale = fig.plot.yDomain ? { ...yBase, domain: fig.plot.yDomain, nice: false } : yBase;
  const x = { field: 'x', type: 'quantitative', title: fig.plot.xLabel, scale: xScale };
  const y = { field: 'y', type: 'quantitative', title: fig.plot.yLabel, scale: yScale };
  const color = { field: 'group', type: 'nominal', title: null, sort: groups, legend: { orient: 'bottom', columns: 2, labelLimit: 400 } };
  const layer = curveLayers(x, y, color, fig.plot.style === 'scatter');
  const inner = { width: 300, height: 210, layer };
  const base = baseSpec(fig, rows);
  if (panels.length <= 1) return { ...base, ...inner, width: 420, height: 300 };
  return {
    ...base,
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels, header: { labelFontSize: 12, labelLimit: 0 } },
    columns: fig.plot.columns ?? Math.min(3, panels.length),
    spec: inner,
    resolve: fig.plot.independent ? { scale: { x: 'independent', y: 'independent' } } : { scale: { y: 'independent' } },
  };
}

/** Map panels are square; slice panels beside them are as tall. */
const MAP_SIZE = 260;
const SLICE_WIDTH = 300;

/**
 * A figure with heat-map or contour series: a `concat` of one layered view per panel, each filtering the
 * shared data by `panel`. Layers, bottom to top: heat-map cells (rect, fill = z), cells without a value
 * (grey rect), theory/simulation curves as in ordinary figures, contours (black lines), and a red cross
 * on each heat-map cell whose runs did not all converge. The colour (curve group), fill (z) and shape
 * (runs) scales are shared across panels, so there is one legend of each; x and y are per panel.
 */
function mapFigureSpec(fig: FigureData, rows: Row[]): Spec {
  const panels = [...new Set(fig.series.map((s) => s.panel ?? ''))];
  const hasMaps = fig.series.some((s) => s.style === 'heatmap');
  const scatter = fig.plot.style === 'scatter';
  const curveSeries = fig.series.filter((s) => !isMapSeries(s));
  const groups = [...new Set(curveSeries.map((s) => s.group ?? s.name))];
  // All legends of a map figure stand in one column at the right: colour bar, curve groups, runs.
  const color = { field: 'group', type: 'nominal', title: null, sort: groups, legend: { orient: 'right', labelLimit: 300 } };

  const heat = rows.filter((r) => r.style === 'heatmap');
  const zs = heat.map((r) => r.z).filter((z): z is number => z !== null && z !== undefined);
  const zMax = zs.reduce((m, z) => Math.max(m, Math.abs(z)), 0);
  const zDomain = fig.plot.zDomain ?? [-(zMax || 1), zMax || 1];
  const zTitle = fig.plot.zLabel ?? fig.series.find((s) => s.style === 'heatmap')?.z?.name ?? 'z';
  const fill = {
    field: 'z',
    type: 'quantitative',
    title: zTitle,
    scale: { scheme: 'redblue', domainMid: 0, domain: zDomain, clamp: true },
    legend: { orient: 'right', gradientLength: 160, titleLimit: 300, direction: 'vertical' },
  };
  const notFilled = "(datum.style === 'line' || datum.style === 'markers')";

  const views = panels.map((panel) => {
    const inPanel = fig.series.filter((s) => (s.panel ?? '') === panel);
    const panelRows = rows.filter((r) => r.panel === panel);
    const cells = panelRows.filter((r) => r.style === 'heatmap');
    const isMap = inPanel.some((s) => s.style === 'heatmap');
    const first = inPanel.find((s) => s.style === 'heatmap') ?? inPanel.find((s) => !isMapSeries(s)) ?? inPanel[0];
    const xTitle = hasMaps ? first.x.name : fig.plot.xLabel;
    const yTitle = hasMaps ? first.y.name : fig.plot.yLabel;
    let xScale: Spec;
    let yScale: Spec;
    let overlapX = 0;
    let overlapY = 0;
    if (isMap) {
      // The axes span the cells exactly (no padding, no rounding to nice values).
      const span = (lo: number[], hi: number[]) => [lo.reduce((a, b) => Math.min(a, b)), hi.reduce((a, b) => Math.max(a, b))];
      const xDomain = span(cells.map((r) => r.x0!), cells.map((r) => r.x1!));
      const yDomain = span(cells.map((r) => r.y0!), cells.map((r) => r.y1!));
      xScale = { type: 'linear', zero: false, nice: false, domain: xDomain };
      yScale = { type: 'linear', zero: false, nice: false, domain: yDomain };
      overlapX = (0.6 * (xDomain[1] - xDomain[0])) / MAP_SIZE;
      overlapY = (0.6 * (yDomain[1] - yDomain[0])) / MAP_SIZE;
    } else {
      xScale = fig.plot.xScale === 'log' ? { type: 'log' } : { type: 'linear', zero: false };
      yScale = fig.plot.yScale === 'log' ? { type: 'log' } : { type: 'linear', zero: false };
      if (fig.plot.yDomain) yScale = { ...yScale, domain: fig.plot.yDomain, nice: false };
    }
    const x = { field: 'x', type: 'quantitative', title: xTitle, scale: xScale };
    const y = { field: 'y', type: 'quantitative', title: yTitle, scale: yScale };
    const layer: Spec[] = [];
    if (isMap) {
      layer.push({
        // Each cell reaches 0.6 px past its right and upper edges (clipped at the frame), under its
        // neighbour, which closes the anti-aliasing seams a renderer leaves between abutting rects.
        transform: [
          { filter: "datum.style === 'heatmap' && isValid(datum.z)" },
          { calculate: `datum.x1 + ${overlapX}`, as: 'x1e' },
          { calculate: `datum.y1 + ${overlapY}`, as: 'y1e' },
        ],
        mark: { type: 'rect', strokeWidth: 0, clip: true },
        encoding: { x: { ...x, field: 'x0' }, x2: { field: 'x1e' }, y: { ...y, field: 'y0' }, y2: { field: 'y1e' }, fill },
      });
      if (cells.some((r) => r.z === null)) {
        layer.push({
          transform: [
            { filter: "datum.style === 'heatmap' && !isValid(datum.z)" },
            { calculate: `datum.x1 + ${overlapX}`, as: 'x1e' },
            { calculate: `datum.y1 + ${overlapY}`, as: 'y1e' },
          ],
          mark: { type: 'rect', fill: '#d9d9d9', strokeWidth: 0, clip: true },
          encoding: { x: { ...x, field: 'x0' }, x2: { field: 'x1e' }, y: { ...y, field: 'y0' }, y2: { field: 'y1e' } },
        });
      }
    }
    if (inPanel.some((s) => !isMapSeries(s))) {
      layer.push(...curveLayers(x, y, color, scatter, `datum.kind === 'simulation' && ${notFilled}`, MAP_SHAPE));
    }
    if (inPanel.some((s) => s.style === 'contour')) {
      layer.push({
        transform: [{ filter: "datum.style === 'contour'" }],
        mark: { type: 'line', color: 'black', strokeWidth: 1.5, clip: true },
        encoding: {
          x,
          y,
          detail: [{ field: 'series' }, { field: 'segment' }],
          order: { field: 'i', type: 'quantitative' },
          // Several theories' zero levels in one figure: one dash pattern per contour group, with a legend.
          ...(fig.plot.contourDash ? { strokeDash: { field: 'group', type: 'nominal', title: 'T = 0 (theory)', legend: { orient: 'right', labelLimit: 300, symbolType: 'stroke', symbolStrokeColor: 'black' } } } : {}),
        },
      });
    }
    if (cells.some((r) => r.status === 'not converged')) {
      layer.push({
        transform: [{ filter: "datum.style === 'heatmap' && datum.status === 'not converged'" }],
        mark: { type: 'point', filled: true, size: 40, fill: '#d62728', stroke: 'white', strokeWidth: 0.7, opacity: 1, clip: true },
        encoding: { x, y, shape: MAP_SHAPE },
      });
    }
    const view: Spec = {
      width: isMap ? MAP_SIZE : hasMaps ? SLICE_WIDTH : 300,
      height: isMap || hasMaps ? MAP_SIZE : 210,
      transform: [{ filter: { field: 'panel', equal: panel } }],
      layer,
    };
    if (panels.length > 1) view.title = { text: panel, fontSize: 12, fontWeight: 'normal', anchor: 'middle' };
    else if (!isMap) Object.assign(view, { width: 420, height: 300 });
    return view;
  });
  return {
    ...baseSpec(fig, rows),
    concat: views,
    columns: fig.plot.columns ?? Math.min(3, panels.length),
    spacing: { column: 30, row: 30 },
  };
}

