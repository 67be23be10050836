/**
 * Render a FigureData to a Vega-Lite specification, then to SVG (Vega's headless renderer) and PNG
 * (resvg). The same Vega-Lite spec renders in a browser. Theory series are lines; simulated series are
 * points with ±2 standard-error bars; points whose runs did not all converge are drawn as red crosses,
 * never hidden.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import type { FigureData } from './figure.js';

interface Row {
  series: string;
  kind: string;
  style: 'line' | 'markers';
  panel: string;
  group: string;
  /** Index of the unbroken piece of a curve (a theory curve breaks where it is not finite). */
  segment: number;
  x: number;
  y: number;
  lo?: number;
  hi?: number;
  status: 'converged' | 'not converged';
}

function rowsOf(fig: FigureData): Row[] {
  const rows: Row[] = [];
  const logY = fig.plot.yScale === 'log';
  const logX = fig.plot.xScale === 'log';
  for (const s of fig.series) {
    let segment = 0;
    let broken = false;
    s.x.values.forEach((x, i) => {
      const y = s.y.values[i];
      // A point that cannot be drawn (a divergence of a theory curve, or ≤ 0 on a log axis) breaks the line.
      if (!Number.isFinite(x) || !Number.isFinite(y) || (logY && y <= 0) || (logX && x <= 0)) {
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
      if (se !== undefined && Number.isFinite(se)) {
        // On a log axis the lower bar is clipped at y/10 so it stays drawable (the CSV keeps the true s.e.).
        row.lo = logY ? Math.max(y - 2 * se, y / 10) : y - 2 * se;
        row.hi = y + 2 * se;
      }
      rows.push(row);
    });
  }
  return rows;
}

/** The Vega-Lite spec of a figure. */
export function vegaLiteSpec(fig: FigureData): Record<string, unknown> {
  const rows = rowsOf(fig);
  const panels = [...new Set(fig.series.map((s) => s.panel ?? ''))];
  const groups = [...new Set(fig.series.map((s) => s.group ?? s.name))];
  const xScale = fig.plot.xScale === 'log' ? { type: 'log' } : { type: 'linear', zero: false };
  const yScale = fig.plot.yScale === 'log' ? { type: 'log' } : { type: 'linear', zero: false };
  const x = { field: 'x', type: 'quantitative', title: fig.plot.xLabel, scale: xScale };
  const y = { field: 'y', type: 'quantitative', title: fig.plot.yLabel, scale: yScale };
  const color = { field: 'group', type: 'nominal', title: null, sort: groups, legend: { orient: 'bottom', columns: 2, labelLimit: 400 } };
  const shape = {
    field: 'status',
    type: 'nominal',
    title: 'runs',
    scale: { domain: ['converged', 'not converged'], range: ['circle', 'cross'] },
  };
  const scatter = fig.plot.style === 'scatter';
  const layer: Record<string, unknown>[] = [];
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
    transform: [{ filter: scatter ? 'true' : "datum.kind === 'simulation'" }],
    mark: { type: 'point', filled: true, size: scatter ? 30 : 45, opacity: 0.9, clip: true },
    encoding: {
      x,
      y,
      color,
      shape,
      stroke: { condition: { test: "datum.status === 'not converged'", value: '#d62728' }, value: null },
    },
  });
  const inner = { width: 300, height: 210, layer };
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: fig.title, subtitle: fig.description.length > 160 ? undefined : fig.description, anchor: 'start' },
    data: { values: rows },
    config: { font: 'DejaVu Sans', view: { stroke: '#ccc' }, background: 'white', axis: { labelFontSize: 11, titleFontSize: 12 } },
  };
  if (panels.length <= 1) return { ...base, ...inner, width: 420, height: 300 };
  return {
    ...base,
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels, header: { labelFontSize: 12, labelLimit: 0 } },
    columns: fig.plot.columns ?? Math.min(3, panels.length),
    spec: inner,
    resolve: fig.plot.independent ? { scale: { x: 'independent', y: 'independent' } } : { scale: { y: 'independent' } },
  };
}

export async function renderSvg(fig: FigureData): Promise<string> {
  const compiled = vl.compile(vegaLiteSpec(fig) as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export function svgToPng(svg: string, zoom = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: zoom },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: 'white',
  });
  return resvg.render().asPng();
}
