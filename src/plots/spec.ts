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
 *
 * The legends say what the marks are (lines: theory; points: simulation mean; bars: ±2 s.e.), the "runs"
 * legend only where something was simulated; a theory curve that is infinite at some x (a divergence, not a
 * finite peak) gets a dashed vertical rule labelled "diverges at x = …". Options for the page: a width the
 * picture must fit (responsive), dark colours, and tooltips with the values under the pointer.
 */
import type { FigureData, Series } from './figure.js';

interface Row {
  series: string;
  /** 'theory' | 'simulation', or 'divergence' for the rule marking where a theory curve is infinite. */
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
  /** Divergences: the rule's label. */
  label?: string;
}

/** How the picture is drawn beyond the figure itself (the CLI uses the defaults). */
export interface SpecOptions {
  /** Width in pixels the whole picture must fit (the page's plot card); default: the CLI's fixed sizes. */
  width?: number;
  /** Colours for a dark page. */
  dark?: boolean;
  /** Tooltips with the values under the pointer. */
  tooltip?: boolean;
}

const fmtNumber = (v: number) => String(Number(v.toPrecision(4)));

/**
 * The divergences of a theory series: for each run of consecutive ±∞ values of y (at finite x), a rule at the
 * run's middle x labelled "diverges at <x name> = <x>".
 */
function divergenceRows(s: Series): Row[] {
  if (s.kind !== 'theory' || (s.style && s.style !== 'line')) return [];
  const rows: Row[] = [];
  const xs = s.x.values;
  const ys = s.y.values;
  let i = 0;
  while (i < ys.length) {
    if (!(Number.isFinite(xs[i]) && (ys[i] === Infinity || ys[i] === -Infinity))) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < ys.length && Number.isFinite(xs[j + 1]) && (ys[j + 1] === Infinity || ys[j + 1] === -Infinity)) j++;
    const mid = (i + j) / 2;
    const x = Number.isInteger(mid) ? xs[mid] : (xs[Math.floor(mid)] + xs[Math.ceil(mid)]) / 2;
    rows.push({
      series: s.name,
      kind: 'divergence',
      style: 'line',
      panel: s.panel ?? '',
      group: s.group ?? s.name,
      segment: 0,
      x,
      y: 0,
      status: 'converged',
      label: `diverges at ${s.x.name} = ${fmtNumber(x)}`,
    });
    i = j + 1;
  }
  return rows;
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
    if (!onMap) rows.push(...divergenceRows(s));
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

/** What the figure draws, for the legends: theory lines or markers, simulated points, error bars. */
interface Marks {
  lines: boolean;
  markers: boolean;
  points: boolean;
  bars: boolean;
  divergences: boolean;
}

function marksOf(fig: FigureData, rows: readonly Row[]): Marks {
  const curves = fig.series.filter((s) => !isMapSeries(s));
  return {
    lines: curves.some((s) => s.kind === 'theory' && (s.style ?? 'line') === 'line'),
    markers: curves.some((s) => s.kind === 'theory' && s.style === 'markers'),
    points: curves.some((s) => s.kind === 'simulation'),
    bars: rows.some((r) => r.kind === 'simulation' && r.lo !== undefined && r.style !== 'heatmap'),
    divergences: rows.some((r) => r.kind === 'divergence'),
  };
}

/** The colour legend's title: what lines, diamonds, points and bars stand for. */
function keyTitle(m: Marks, scatter: boolean): string[] | null {
  if (scatter) return m.points ? ['points: simulation'] : null;
  const parts: string[] = [];
  if (m.lines) parts.push('lines: theory');
  if (m.markers) parts.push('diamonds: theory at single points');
  if (m.points) parts.push('points: simulation mean over seeds');
  if (m.bars) parts.push('bars: ±2 s.e.');
  if (m.divergences) parts.push('dashed rule: theory diverges');
  return parts.length > 0 ? [parts.join(' · ')] : null;
}

/** Tooltip fields of curve marks: the series, x, y, and for simulated points the ±2 s.e. interval and runs. */
function curveTooltip(x: Spec, y: Spec, simulated: boolean): Spec[] {
  const t: Spec[] = [
    { field: 'series', type: 'nominal', title: 'series' },
    { field: 'x', type: 'quantitative', title: x.title, format: '.4~g' },
    { field: 'y', type: 'quantitative', title: y.title, format: '.4~g' },
  ];
  if (simulated) t.push({ field: 'lo', type: 'quantitative', title: '− 2 s.e.', format: '.4~g' }, { field: 'hi', type: 'quantitative', title: '+ 2 s.e.', format: '.4~g' }, { field: 'status', type: 'nominal', title: 'runs' });
  return t;
}

/**
 * The layers of theory lines, theory markers, simulated points and their ±2 s.e. bars. `simulation` is
 * the filter that selects simulated points (the map path excludes simulated heat-map cells from it).
 * The point layer (and its "runs" legend) is there only when something was simulated (`m.points`).
 */
function curveLayers(x: Spec, y: Spec, color: Spec, scatter: boolean, m: Marks, o: SpecOptions, simulation = "datum.kind === 'simulation'", shape: Spec = SHAPE): Spec[] {
  const layer: Spec[] = [];
  const tip = (simulated: boolean) => (o.tooltip ? { tooltip: curveTooltip(x, y, simulated) } : {});
  if (!scatter) {
    layer.push({
      transform: [{ filter: "datum.kind === 'theory' && datum.style === 'line'" }],
      mark: { type: 'line', strokeWidth: 2, clip: true },
      encoding: { x, y, color, detail: [{ field: 'series' }, { field: 'segment' }] },
    });
    if (o.tooltip && m.lines) {
      // Invisible points on the theory lines, so that hovering a line shows its values.
      layer.push({
        transform: [{ filter: "datum.kind === 'theory' && datum.style === 'line'" }],
        mark: { type: 'point', opacity: 0, size: 120, clip: true, aria: false },
        encoding: { x, y, color, ...tip(false) },
      });
    }
    layer.push({
      transform: [{ filter: "datum.kind === 'theory' && datum.style === 'markers'" }],
      mark: { type: 'point', shape: 'diamond', filled: false, size: 110, strokeWidth: 2, clip: false },
      encoding: { x, y, color, ...tip(false) },
    });
    layer.push({
      transform: [{ filter: "datum.kind === 'simulation' && isValid(datum.lo)" }],
      mark: { type: 'rule', strokeWidth: 1.2, clip: true },
      encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
    });
    if (m.divergences) {
      const grey = o.dark ? '#b0b6c3' : '#666';
      layer.push({
        transform: [{ filter: "datum.kind === 'divergence'" }],
        mark: { type: 'rule', strokeDash: [5, 4], strokeWidth: 1.3, color: grey },
        encoding: { x, ...(o.tooltip ? { tooltip: [{ field: 'label', type: 'nominal', title: 'theory' }] } : {}) },
      });
      layer.push({
        transform: [{ filter: "datum.kind === 'divergence'" }],
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, fontSize: 11, color: grey },
        encoding: { x, y: { value: 0 }, text: { field: 'label' } },
      });
    }
  }
  if (scatter || m.points) {
    layer.push({
      transform: [{ filter: scatter ? "datum.kind !== 'divergence'" : simulation }],
      mark: { type: 'point', filled: true, size: scatter ? 30 : 45, opacity: 0.9, clip: true },
      encoding: {
        x,
        y,
        color,
        shape,
        stroke: { condition: { test: "datum.status === 'not converged'", value: '#d62728' }, value: null },
        ...tip(true),
      },
    });
  }
  return layer;
}

/** Vega config: fonts and, for a dark page, light text and lines on a dark background. */
function configOf(o: SpecOptions): Spec {
  const base = { font: 'DejaVu Sans', axis: { labelFontSize: 11, titleFontSize: 12 } };
  if (!o.dark) return { ...base, view: { stroke: '#ccc' }, background: 'white' };
  const fg = '#e3e7ef';
  const muted = '#a7afc0';
  return {
    ...base,
    background: '#1b1f29',
    view: { stroke: '#4a5163' },
    title: { color: fg, subtitleColor: muted },
    axis: { ...base.axis, domainColor: muted, tickColor: muted, gridColor: '#343a48', labelColor: fg, titleColor: fg },
    legend: { labelColor: fg, titleColor: fg },
    header: { labelColor: fg, titleColor: fg },
    text: { color: fg },
  };
}

function baseSpec(fig: FigureData, rows: Row[], o: SpecOptions): Spec {
  // A title longer than the picture is wide wraps (Vega-Lite breaks an array of lines).
  const limit = o.width ? Math.max(20, Math.floor(o.width / 8)) : Infinity;
  const title = fig.title.length > limit ? wrap(fig.title, limit) : fig.title;
  const subtitle = fig.description.length > 160 ? undefined : fig.description.length > 1.2 * limit ? wrap(fig.description, Math.floor(1.2 * limit)) : fig.description;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle, anchor: 'start' },
    data: { values: rows },
    config: configOf(o),
  };
}

/** `text` in lines of at most `limit` characters, broken at spaces. */
function wrap(text: string, limit: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > limit) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The Vega-Lite spec of a figure (`options`: how the page draws it; the CLI uses the defaults). */
export function vegaLiteSpec(fig: FigureData, options: SpecOptions = {}): Record<string, unknown> {
  const rows = rowsOf(fig);
  if (fig.series.some(isMapSeries)) return mapFigureSpec(fig, rows, options);
  const panels = [...new Set(fig.series.map((s) => s.panel ?? ''))];
  const groups = [...new Set(fig.series.map((s) => s.group ?? s.name))];
  const xScale = fig.plot.xScale === 'log' ? { type: 'log' } : { type: 'linear', zero: false };
  const yBase = fig.plot.yScale === 'log' ? { type: 'log' } : { type: 'linear', zero: false };
  const yScale = fig.plot.yDomain ? { ...yBase, domain: fig.plot.yDomain, nice: false } : yBase;
  const x = { field: 'x', type: 'quantitative', title: fig.plot.xLabel, scale: xScale };
  const y = { field: 'y', type: 'quantitative', title: fig.plot.yLabel, scale: yScale };
  const m = marksOf(fig, rows);
  const scatter = fig.plot.style === 'scatter';
  const W = options.width;
  const narrow = W !== undefined && W < 560;
  const color = { field: 'group', type: 'nominal', title: keyTitle(m, scatter), sort: groups, legend: { orient: 'bottom', columns: narrow ? 1 : 2, labelLimit: W ? Math.max(150, W - 60) : 400, titleLimit: W ? W - 20 : 800 } };
  const layer = curveLayers(x, y, color, scatter, m, options);
  const base = baseSpec(fig, rows, options);
  if (panels.length <= 1) {
    if (W === undefined) return { ...base, width: 420, height: 300, layer };
    // The whole picture (axes and legends included) fits the card's width; the plot area is as tall as it needs.
    return { ...base, width: W, height: Math.round(Math.min(440, Math.max(240, W * 0.45))), autosize: { type: 'fit-x', contains: 'padding' }, layer };
  }
  const wanted = fig.plot.columns ?? Math.min(3, panels.length);
  const columns = W === undefined ? wanted : Math.max(1, Math.min(wanted, Math.floor(W / 300)));
  const panelWidth = W === undefined ? 300 : Math.max(160, Math.floor((W - 20) / columns) - 90);
  const inner = { width: panelWidth, height: W === undefined ? 210 : Math.round(panelWidth * 0.7), layer };
  return {
    ...base,
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels, header: { labelFontSize: 12, labelLimit: 0 } },
    columns,
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
function mapFigureSpec(fig: FigureData, rows: Row[], o: SpecOptions): Spec {
  const panels = [...new Set(fig.series.map((s) => s.panel ?? ''))];
  const hasMaps = fig.series.some((s) => s.style === 'heatmap');
  const scatter = fig.plot.style === 'scatter';
  const curveSeries = fig.series.filter((s) => !isMapSeries(s));
  const groups = [...new Set(curveSeries.map((s) => s.group ?? s.name))];
  // All legends of a map figure stand in one column at the right: colour bar, curve groups, runs.
  const m = marksOf(fig, rows);
  const W = o.width;
  const narrow = W !== undefined && W < 640;
  // On a narrow card the legends go below the panels.
  const legendOrient = narrow ? 'bottom' : 'right';
  const color = { field: 'group', type: 'nominal', title: keyTitle(m, scatter), sort: groups, legend: { orient: legendOrient, labelLimit: 300, titleLimit: W ? W - 20 : 800 } };
  const wanted = fig.plot.columns ?? Math.min(3, panels.length);
  const columns = W === undefined ? wanted : Math.max(1, Math.min(wanted, Math.floor((W - (narrow ? 0 : 170)) / 260)));
  const mapSize = W === undefined ? MAP_SIZE : Math.max(150, Math.min(440, Math.floor((W - (narrow ? 20 : 190)) / columns) - 70));
  const sliceWidth = W === undefined ? SLICE_WIDTH : mapSize;

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
    legend: narrow ? { orient: 'bottom', gradientLength: Math.min(200, W! - 80), titleLimit: 300, direction: 'horizontal' } : { orient: 'right', gradientLength: 160, titleLimit: 300, direction: 'vertical' },
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
      overlapX = (0.6 * (xDomain[1] - xDomain[0])) / mapSize;
      overlapY = (0.6 * (yDomain[1] - yDomain[0])) / mapSize;
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
        encoding: {
          x: { ...x, field: 'x0' },
          x2: { field: 'x1e' },
          y: { ...y, field: 'y0' },
          y2: { field: 'y1e' },
          fill,
          ...(o.tooltip
            ? { tooltip: [{ field: 'series', type: 'nominal', title: 'map' }, { field: 'x', type: 'quantitative', title: xTitle, format: '.4~g' }, { field: 'y', type: 'quantitative', title: yTitle, format: '.4~g' }, { field: 'z', type: 'quantitative', title: zTitle, format: '.4~g' }] }
            : {}),
        },
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
      layer.push(...curveLayers(x, y, color, scatter, m, o, `datum.kind === 'simulation' && ${notFilled}`, MAP_SHAPE));
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
      width: isMap ? mapSize : hasMaps ? sliceWidth : 300,
      height: isMap || hasMaps ? mapSize : 210,
      transform: [{ filter: { field: 'panel', equal: panel } }],
      layer,
    };
    if (panels.length > 1) view.title = { text: panel, fontSize: 12, fontWeight: 'normal', anchor: 'middle' };
    else if (!isMap) Object.assign(view, W === undefined ? { width: 420, height: 300 } : { width: Math.max(200, W - 120), height: Math.round(Math.min(420, Math.max(240, W * 0.5))) });
    return view;
  });
  return {
    ...baseSpec(fig, rows, o),
    concat: views,
    columns,
    spacing: { column: 30, row: 30 },
  };
}

