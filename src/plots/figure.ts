/**
 * The machine-readable figure: every curve and point set ftlab draws, with the parameters needed to
 * recompute it. This object is written as `<id>.json`, flattened to `<id>.csv`, and rendered to
 * SVG/PNG; the web page uses the same shape.
 */

export interface Axis {
  name: string;
  values: number[];
}

export interface Series {
  name: string;
  kind: 'theory' | 'simulation';
  /** Every parameter needed to recompute this series independently. */
  params: unknown;
  /** Facet the series is drawn in (absent: a single panel). */
  panel?: string;
  /** Colour group (a theory curve and its simulated points share one). */
  group?: string;
  /** How a theory series was obtained (e.g. "exact-expectation", "deterministic-equivalent"). */
  method?: string;
  /**
   * How to draw the series: 'line' (default for theory), 'markers' (isolated theory points, e.g. a limit
   * such as L = ∞), 'heatmap' (cells at (x[i], y[i]) coloured by z[i]; a phase map), 'contour' (a level
   * set as straight segments: consecutive point pairs, pieces separated by NaN).
   */
  style?: 'line' | 'markers' | 'heatmap' | 'contour';
  x: Axis;
  y: Axis & { stderr?: number[] };
  /** Heat maps: the value of each cell (same length as x and y). */
  z?: Axis & { stderr?: number[] };
  /** Per point: did every run (simulation) or solver (theory) behind it converge? */
  converged?: boolean[];
  /** Per point: number of seeds averaged (simulation). */
  seeds?: number[];
}

export interface FigureTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

export interface PlotHints {
  xLabel: string;
  yLabel: string;
  xScale?: 'linear' | 'log';
  yScale?: 'linear' | 'log';
  /** 'lines' draws theory as lines and simulations as points ± 2 s.e.; 'scatter' draws points only. */
  style?: 'lines' | 'scatter';
  /** Panels per row. */
  columns?: number;
  /** Independent x/y scales per panel. */
  independent?: boolean;
  /** Heat maps: the colour legend's title and the value range the colour scale spans (centred at 0). */
  zLabel?: string;
  zDomain?: [number, number];
  /** Contours: dash each contour group differently and list the groups in a legend (default: all solid). */
  contourDash?: boolean;
  /** Curve panels: the y range drawn (lines are clipped to it; the data keep every value). */
  yDomain?: [number, number];
}

export interface FigureData {
  figure: string;
  title: string;
  description: string;
  paper: string;
  params: unknown;
  series: Series[];
  tables?: FigureTable[];
  plot: PlotHints;
  /** How the figure was made: ftlab version, command, seeds, wall time. */
  provenance: Record<string, unknown>;
}

/** Flatten a figure to CSV rows (one row per point). */
export function figureToCsv(fig: FigureData): string {
  const header = ['figure', 'series', 'kind', 'panel', 'group', 'method', 'x_name', 'x', 'y_name', 'y', 'stderr', 'z_name', 'z', 'z_stderr', 'converged', 'seeds'];
  const esc = (v: unknown) => {
    if (v === undefined || v === null) return '';
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [header.join(',')];
  for (const s of fig.series) {
    s.x.values.forEach((x, i) => {
      lines.push(
        [
          fig.figure,
          s.name,
          s.kind,
          s.panel,
          s.group,
          s.method,
          s.x.name,
          x,
          s.y.name,
          s.y.values[i],
          s.y.stderr?.[i],
          s.z?.name,
          s.z?.values[i],
          s.z?.stderr?.[i],
          s.converged === undefined ? '' : s.converged[i] ? 1 : 0,
          s.seeds?.[i],
        ]
          .map(esc)
          .join(','),
      );
    });
  }
  return lines.join('\n') + '\n';
}

export function tableToCsv(table: FigureTable): string {
  const esc = (v: unknown) => {
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [table.columns.map(esc).join(','), ...table.rows.map((r) => r.map(esc).join(','))].join('\n') + '\n';
}
